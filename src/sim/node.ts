// A simulated volume server: one disk that survives crashes, and per incarnation the real
// BlockVolume recovered from it, the real data path (receiver as a replica; shipper group, group
// commit, rebuild server and the real engine as a primary), a flusher loop and a heartbeat loop.
// A crash kills the incarnation (its events, connections, listeners and memory) and lets the disk
// decide what survives, torn writes included; a restart recovers the WAL and may come back on a
// new address. Assignments arrive from the master; everything else arrives over the network.
import { makeReplicaID, BridgeStorageAdapter, type BlockVolPinner } from '../engine/adapter.ts';
import { EngineContext, type EngineBugSwitches } from '../engine/context.ts';
import { RecoveryDriver } from '../engine/driver.ts';
import { EngineError } from '../engine/errors.ts';
import type { ExecutorIOCall, IOResult } from '../engine/executor.ts';
import type { AssignmentIntent, ReplicaID, ReplicaState, SessionKind } from '../engine/types.ts';
import { BridgeExecutor } from '../replication/bridge_executor.ts';
import type { ReplicationBugSwitches } from '../replication/bugs.ts';
import { GroupCommitter, makeDistributedSync, SyncLog, type DurabilityMode, type SyncFn } from '../replication/group_commit.ts';
import { RebuildServer } from '../replication/rebuild_server.ts';
import { ReplicaReceiver } from '../replication/receiver.ts';
import { WALShipper } from '../replication/shipper.ts';
import { ShipperGroup } from '../replication/shipper_group.ts';
import type { Timers } from '../replication/transport.ts';
import type { PrimaryVolumePort, ReplicaVolumePort, V1RebuildVolumePort } from '../replication/volume_port.ts';
import { startRebuild as startV1Rebuild } from '../replication/v1_rebuild.ts';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../control/volume/promotion.ts';
import { roleName } from '../control/volume/role.ts';
import type { StorageBugSwitches } from '../storage/blockvol/bugs.ts';
import { ADDRESS_STEP, BASE_PORT } from './frame_kinds.ts';
import { SimDisk } from '../storage/sim_disk.ts';
import { BlockVolume, volumeDiskSize } from '../storage/blockvol/volume.ts';
import { lockReleases } from '../storage/blockvol/locks.ts';
import type { WALRecord } from '../storage/blockvol/wal_writer.ts';
import { assignmentKey, type Assignment, type VolumeRole } from '../control/ideal/assignment.ts';
import { between, type Chooser } from './chooser.ts';
import { diskFaultChooser } from './disk_faults.ts';
import type { ReadAnswer, WriteAck } from './client.ts';
import type { Coverage } from './coverage.ts';
import type { EngineObserver, WALGap } from './engine_observer.ts';
import type { Heartbeat, ReplicaReport } from '../control/ideal/heartbeat.ts';
import type { Kernel, Owner } from './kernel.ts';
import type { NetHost, Network } from './network.ts';
import { RecoveryManager } from './recovery_manager.ts';
import { UpstreamRecoveryManager } from './upstream_recovery.ts';
import { atLeast } from '../control/commits.ts';
import type { Registry } from '../engine/registry.ts';
import type { StateHash } from './state_hash.ts';
import { VolumeRunner } from './volume_runner.ts';
import { wildcardTransport } from './wildcard_transport.ts';
import { BlockServiceAgent, type AgentEnv } from './block_service_agent.ts';
import type { ControlMode } from './control_plane.ts';

export interface Bugs {
  readonly engine: EngineBugSwitches;
  readonly storage: StorageBugSwitches;
  readonly replication: ReplicationBugSwitches;
}

export interface NodeConfig {
  readonly name: string;
  readonly serverID: string;
  readonly volume: string;
  readonly blockSize: number;
  readonly numBlocks: number;
  readonly walSize: number;
  readonly durability: DurabilityMode;
  readonly bugs: Bugs;
  readonly flushIntervalMs: number;
  readonly heartbeatMs: number;
  readonly retryMs: number;
  readonly interleavePermille: number;
  /** Permille at each lock-free scheduling point (lock_free_yield.ts); absent = 0, none. */
  readonly lockFreeYieldPermille?: number;
  /** Re-delivered assignments re-apply recovery targets (the target's behaviour, H14). */
  readonly replanOnRedelivery: boolean;
  /** Fidelity mode: catch-up StreamWALEntries scans only (the target's v2bridge, H9). */
  readonly scanOnlyCatchUp: boolean;
  /**
   * Which control plane drives this server: `ideal` (the model: assignments via onAssignment,
   * ideal heartbeats) or `upstream` (the ported block service, block_service_agent.ts).
   */
  readonly control: ControlMode;
  /** WAL retention timeout (default: the shipper group's WAL_RETENTION_TIMEOUT_MS). */
  readonly retentionTimeoutMs?: number;
  /** WAL-full polls of one append before it fails: the WALFullTimeout in 1 ms polls (default WAL_FULL_RETRIES). */
  readonly walFullRetries?: number;
  /** How long a rebuild server takes to send the extent (storage_shape.ts rebuildTransferMs); absent or 0: at once. */
  readonly rebuildTransferMs?: number;
  /** Disk faults of the seed's plan (rates in permille). */
  readonly diskIOErrorPermille: number;
  readonly tornPermille: number;
}

/** The cluster services a node calls (master, peers, checkers); wired by the cluster. */
export interface NodeEnv {
  readonly kernel: Kernel;
  readonly chooser: Chooser;
  readonly network: Network;
  readonly coverage: Coverage;
  sendHeartbeat(from: VolumeNode, hb: Heartbeat): void;
  /** Under `upstream` control: where the master's heartbeat service listens, and what the agent reports. */
  readonly upstream?: AgentEnv;
  /** Find a node by server ID (for engine RPCs; delivery still goes over the network). */
  nodeByServer(serverID: string): VolumeNode | undefined;
  /** Lineage ground truth: a primary incarnation appended `lsn` (see Cluster.noteAllocation). */
  noteAllocation(lsn: number, by: string): void;
  /** Say what a step did (the trace's detail). */
  noteDetail?(detail: string): void;
  /** A new engine instance started on this node (a checker may watch it). */
  engineObserverFor(node: VolumeNode, driver: RecoveryDriver): EngineObserver | null;
}

const RPC_TIMEOUT_MS = 10_000;
/** WAL-full retries of one append, each after a flusher nudge (~WALFullTimeout at ~1 ms a retry). */
const WAL_FULL_RETRIES = 300;

export class VolumeNode {
  readonly host: NetHost;
  readonly disk: SimDisk;
  /** Per WAL hold granted to this incarnation's engine (hold id): the checkpoints at the grant. */
  private readonly walHoldGrants = new Map<number, { readonly persisted: number; readonly live: number }>();
  private incarnationNo = 0;
  /** Virtual time of this incarnation's boot. */
  bootedAt = 0;
  /** LSNs earlier incarnations burned since the volume's last reset (see burnedLSNs). */
  private burnedBefore: number[] = [];
  private owner: Owner = { alive: false };
  private port = BASE_PORT;

  vol: BlockVolume | null = null;
  runner: VolumeRunner | null = null;
  timers: Timers | null = null;
  role: VolumeRole = 'none';
  epoch = 0;
  private lastKey = '';
  private assignment: Assignment | null = null;

  // Primary side.
  group: ShipperGroup | null = null;
  committer: GroupCommitter | null = null;
  readonly syncLog = new SyncLog();
  rebuildServer: RebuildServer | null = null;
  driver: RecoveryDriver | null = null;
  recovery: RecoveryManager | null = null;
  private groupKey = '';
  // Replica side.
  receiver: ReplicaReceiver | null = null;
  private flushing = false;
  private readonly diskChooser: Chooser;
  /** Fault model (B18): the receiver binds wildcard listen addresses (":port"); set by the cluster. */
  wildcardListen = false;
  /** Fault model (B26): an old-version replica answering barriers with the legacy 1-byte reply. */
  legacyBarrierReply = false;
  /**
   * Times a rebuild raced live shipping on this volume: its tail replay applied an entry at or
   * below the head (ApplyRebuildEntry has no ordering check, so an older entry lands over a newer
   * live-shipped one), its install discarded entries above the installed point, or a live apply
   * admitted before a catch-up's ApplyRebuildEntry passed its LSN published its (older) entry
   * after the newer ones.
   */
  rebuildReapplies = 0;
  /**
   * Evidence for finding H34 (checks only, not in the fingerprint): as a primary, each time a new
   * assignment replaced the shipper group, which replicas' keys changed (address or role) and
   * which shippers it stopped in the middle of a reconnect (Connecting or CatchingUp).
   */
  readonly groupReplacements: { t: number; changed: string[]; cutReconnects: string[] }[] = [];
  /** The LSNs of the last WAL record list walContains() looked at. */
  private walLSNs: { readonly recs: readonly WALRecord[]; readonly lsns: ReadonlySet<number> } | null = null;
  /** The last crash tore a write inside the WAL region (recovery must cut the torn tail). */
  private tornWAL = false;
  /** Under `upstream` control: this incarnation's block service (roles, lease, assignments, heartbeats). */
  agent: BlockServiceAgent | null = null;
  /** Under `upstream` at 3ec8fab2f: this incarnation's V2 engine as that commit wires it (primary and replica alike). */
  upstreamEngine: UpstreamRecoveryManager | null = null;
  /**
   * Evidence for finding H31 (checks only, not in the fingerprint): the answerers (incarnation and
   * epoch) that completed a client SyncCache with no shipper group — local-only group commit.
   */
  readonly unreplicatedSyncs = new Set<string>();
  /** Client operations (writes, trims, syncs) in flight: upstream's opsOutstanding, which a demotion drains. */
  opsOutstanding = 0;
  /** A demotion waiting for those ops to drain (ideal wiring; see demote). */
  private demotion: { readonly assignment: Assignment; readonly deadline: number } | null = null;

  constructor(readonly cfg: NodeConfig, private readonly env: NodeEnv) {
    this.host = { name: cfg.name, owner: this.owner };
    const size = volumeDiskSize(cfg);
    const ioErrors = cfg.diskIOErrorPermille > 0;
    this.disk = new SimDisk({ size, sectorSize: 16, faults: { writeError: ioErrors, fsyncError: ioErrors } });
    const v = BlockVolume.create(this.disk, { blockSize: cfg.blockSize, numBlocks: cfg.numBlocks, walSize: cfg.walSize, durabilityMode: 1, bugs: cfg.bugs.storage });
    if (!(v instanceof BlockVolume)) throw new Error(`${cfg.name}: create volume: ${v.message}`);
    this.diskChooser = diskFaultChooser(env.chooser, { ioErrorPermille: cfg.diskIOErrorPermille, tornPermille: cfg.tornPermille, corruptPermille: 0 });
    this.disk.setChooser(this.diskChooser);
  }

  get name(): string { return this.cfg.name; }
  get serverID(): string { return this.cfg.serverID; }
  up(): boolean { return this.owner.alive; }
  incarnation(): number { return this.incarnationNo; }
  dataAddr(): string { return `${this.cfg.name}:${this.port}`; }
  ctrlAddr(): string { return `${this.cfg.name}:${this.port + 1}`; }
  rebuildAddr(): string { return `${this.cfg.name}:${this.port + 2}`; }
  /** The receiver's bind address: `addr` itself, or its wildcard form (":port") under the B18 fault. */
  private bindAddr(addr: string): string { return this.wildcardListen ? addr.slice(addr.lastIndexOf(':')) : addr; }
  /** This server's engine identity: "<volume>/<server-id>" (under upstream the volume is its path, as ConvertAssignment names it). */
  replicaID(): ReplicaID { return makeReplicaID(this.cfg.control === 'upstream' ? this.env.upstream!.volumePath : this.cfg.volume, this.cfg.serverID); }

  // ---- lifecycle ------------------------------------------------------------------------

  /**
   * LSNs this server allocated and never wrote (H1) since its volume's last reset, over its
   * incarnations: a restart recovers nextLSN past them (RecoverWAL takes the highest entry) and its
   * flusher may pass them, so the WAL alone no longer shows them. A reset (install, truncate) in
   * this incarnation makes the earlier ones moot.
   */
  burnedLSNs(): readonly number[] {
    const vol = this.vol;
    if (vol === null) return this.burnedBefore;
    return vol.resetLog().length > 0 ? vol.burnedLSNs() : [...this.burnedBefore, ...vol.burnedLSNs()];
  }

  /** Start an incarnation: recover the volume from disk, listen, start the loops. */
  boot(newAddress: boolean): void {
    const env = this.env;
    if (newAddress) { this.port += ADDRESS_STEP; env.coverage.add('restart_new_address'); }
    this.incarnationNo += 1;
    this.bootedAt = env.kernel.now();
    this.owner = { alive: true };
    this.host.owner = this.owner;
    this.timers = env.kernel.ownerTimers(this.cfg.name, this.owner);
    const v = BlockVolume.open(this.disk, { bugs: this.cfg.bugs.storage, walFullRetries: this.cfg.walFullRetries ?? WAL_FULL_RETRIES });
    if (!(v instanceof BlockVolume)) throw new Error(`${this.cfg.name}: recover volume: ${v.message}`);
    this.vol = v;
    this.walHoldGrants.clear(); // a new volume instance: its pinner numbers holds from 1 again
    if (this.tornWAL) env.coverage.add('torn_wal_tail_recovered');
    this.tornWAL = false;
    this.runner = new VolumeRunner(env.kernel, env.chooser, this.cfg.name, this.owner, this.cfg.interleavePermille, () => this.startFlush(), (lock) => lockReleases(v.locks(), lock));
    this.role = 'none';
    this.flushing = false;
    this.epoch = v.epoch();
    this.lastKey = '';
    this.groupKey = '';
    this.assignment = null;
    v.onShip((e) => {
      env.noteAllocation(e.lsn, `${this.cfg.serverID}#${this.incarnationNo}@${e.epoch}`);
      this.group?.shipAll(e);
    });
    v.setShipperFloorFn(() => this.group?.minRecoverableFlushedLSN() ?? { lsn: 0, found: false });
    this.opsOutstanding = 0;
    this.demotion = null;
    if (this.cfg.control === 'upstream') {
      // Upstream: OpenBlockVol leaves the volume in RoleNone with local-only group commit; the
      // rebuild server starts only with a primary assignment; the block service does the rest.
      // Upstream's group committer re-checks the write gate after every sync (PostSyncCheck).
      this.committer = new GroupCommitter((done) => done(this.runner!.runSync(v.syncSteps()) ?? this.postSyncCheck()), this.timers);
      this.loop('node.flush', this.cfg.flushIntervalMs, () => this.flushTick());
      const v2 = atLeast(env.upstream!.commit, '3ec8fab2f') ? this.startUpstreamEngine() : null;
      this.agent = new BlockServiceAgent(this, env.upstream!, env.kernel, env.network, this.owner, v2);
      this.agent.boot();
      return;
    }
    this.rebuildServer = this.newRebuildServer(this.rebuildAddr());
    this.rebuildServer.start();
    this.loop('node.flush', this.cfg.flushIntervalMs, () => this.flushTick());
    this.loop('node.heartbeat', this.cfg.heartbeatMs, () => { if (this.env.kernel.tracing) this.env.kernel.noteNow('heartbeat'); this.heartbeatTick(); });
    this.heartbeatTick();
  }

  /** Stall the process (GC, scheduling): none of its events run before `until`; nothing is lost. */
  pause(until: number): void {
    if (this.owner.alive) this.owner.pausedUntil = Math.max(this.owner.pausedUntil ?? 0, until);
  }

  /**
   * Crash: the incarnation dies; the disk keeps what was durable (and maybe torn writes). `fate`
   * (scenario files) forces what happens to unsynced writes instead of the seed's draw: all lost,
   * all persisted, or `torn_tail` — the last unsynced WAL write torn to a sector prefix (the
   * sector count still the seed's), every earlier unsynced write persisted.
   */
  crash(fate: 'lost' | 'persisted' | 'torn_tail' | null = null): void {
    if (!this.owner.alive) return;
    this.owner.alive = false;
    this.env.network.hostDown(this.host);
    const report = this.disk.crash(fate === null ? this.diskChooser : this.forcedFate(fate));
    const g = this.vol?.geometry();
    this.tornWAL = g !== undefined && report.writes.some((w) => w.fate === 'torn' && w.offset < g.walOffset + g.walSize && w.offset + w.length > g.walOffset);
    if (report.writes.some((w) => w.fate === 'torn')) this.env.coverage.add('torn_write_at_crash');
    this.env.coverage.add('crash');
    this.burnedBefore = [...this.burnedLSNs()];
    this.vol = null;
    this.runner = null;
    this.group = null;
    this.committer = null;
    this.driver = null;
    this.recovery = null;
    this.receiver = null;
    this.rebuildServer = null;
    this.agent = null;
    this.upstreamEngine = null;
    this.role = 'none';
  }

  /** A chooser that answers the crash's per-write fate questions as `fate` says (other draws: the seed's). */
  private forcedFate(fate: 'lost' | 'persisted' | 'torn_tail'): Chooser {
    const g = this.vol?.geometry();
    const pending = this.disk.pendingWrites();
    const inWAL = (w: { offset: number; length: number }): boolean => g !== undefined && w.offset < g.walOffset + g.walSize && w.offset + w.length > g.walOffset;
    let torn = -1;
    for (let i = pending.length - 1; i >= 0 && fate === 'torn_tail'; i--) if (inWAL(pending[i]!)) { torn = i; break; }
    let k = 0;
    const base = this.diskChooser;
    return {
      choose(kind: string, options: number): number {
        if (kind !== 'disk.crash.write') return base.choose(kind, options);
        const i = k++;
        if (fate === 'lost') return 0;
        if (fate === 'persisted') return 1;
        return i === torn ? 2 : 1;
      },
    };
  }

  /** Run one flusher cycle now (scenario `flush`), unless one is running. */
  flushNow(): void {
    this.startFlush();
  }

  private loop(kind: string, periodMs: number, fn: () => void): void {
    const owner = this.owner;
    const tick = (): void => {
      if (!owner.alive) return;
      fn();
      this.env.kernel.schedule(between(this.env.chooser, 'sched.jitter', periodMs, periodMs + periodMs / 5 | 0), this.cfg.name, kind, tick, owner);
    };
    this.env.kernel.schedule(between(this.env.chooser, 'sched.jitter', 1, periodMs), this.cfg.name, kind, tick, owner);
  }

  private flushTick(): void {
    const nr = (this.cfg.retentionTimeoutMs === undefined ? this.group?.evaluateRetentionBudgets() : this.group?.evaluateRetentionBudgets(this.cfg.retentionTimeoutMs)) ?? [];
    if (nr.length > 0) this.env.coverage.add('retention_timeout_needs_rebuild', nr.length);
    if (this.env.kernel.tracing) this.env.kernel.noteNow(nr.length > 0 ? `flush tick; retention timeout: ${nr.length} need rebuild` : this.flushing ? 'flush tick (flush running)' : 'flush tick');
    this.startFlush();
  }

  /** Start one flush cycle unless one is running (the flusher loop, or a WAL-full nudge). */
  private startFlush(): void {
    const vol = this.vol, runner = this.runner;
    if (vol === null || runner === null || this.flushing) return;
    this.flushing = true;
    runner.runAsync('flush', vol.flushSteps(), () => { this.flushing = false; });
  }

  private heartbeatTick(): void {
    if (this.vol === null) return;
    if (this.group !== null && this.cfg.bugs.replication.B29 !== true) this.group.tryReconnectAll();
    this.env.sendHeartbeat(this, this.heartbeat());
  }

  heartbeat(): Heartbeat {
    const vol = this.vol!;
    const replicas: ReplicaReport[] = [];
    if (this.role === 'primary' && this.assignment !== null) {
      for (const r of this.assignment.replicas) {
        const id = makeReplicaID(this.cfg.volume, r.serverID);
        const s = this.recovery?.registry.sender(id) ?? null;
        const sh = this.group?.shippers().find((x) => x.dataAddr === r.dataAddr) ?? null;
        replicas.push({
          serverID: r.serverID,
          engineState: s?.state() ?? 'disconnected',
          recovering: this.recovery?.running(id) ?? false,
          shipperState: sh?.state() ?? 'disconnected',
          flushedLSN: sh?.replicaFlushedLSN() ?? 0,
        });
      }
    }
    return {
      serverID: this.cfg.serverID, node: this.cfg.name, incarnation: this.incarnationNo,
      dataAddr: this.receiver?.dataAddr() ?? this.dataAddr(), ctrlAddr: this.receiver?.ctrlAddr() ?? this.ctrlAddr(), rebuildAddr: this.rebuildAddr(),
      role: this.role, epoch: this.epoch, headLSN: vol.headLSN(),
      flushedLSN: this.durableProgress(),
      replicas,
    };
  }

  /** The durable progress this server reports in its heartbeats (a primary: its head). */
  durableProgress(): number {
    const vol = this.vol;
    if (vol === null) return 0;
    return this.role === 'primary' ? vol.headLSN() : this.receiver?.flushedLSN() ?? vol.persistedCheckpointLSN();
  }

  // ---- assignments ----------------------------------------------------------------------

  /** An assignment (first delivery or re-delivery) from the master. */
  onAssignment(a: Assignment): void {
    const vol = this.vol;
    if (vol === null || a.epoch < this.epoch) return;
    if (this.role === 'primary' && a.role !== 'primary' && this.opsOutstanding > 0) { this.demote(a); return; }
    this.demotion = null;
    const key = assignmentKey(a);
    const changed = key !== this.lastKey;
    this.lastKey = key;
    this.assignment = a;
    if (a.epoch > this.epoch || vol.epoch() !== a.epoch) {
      this.epoch = a.epoch;
      this.runner!.runSync(vol.setEpochSteps(a.epoch));
    }
    vol.setMasterEpoch(a.epoch);
    vol.setLease(true);
    if (a.role === 'primary') this.becomePrimary(a, changed);
    else this.becomeReplica(a);
  }

  /**
   * A primary told to step down while client ops are in flight first drains them, as upstream's
   * demote does (promotion.go: revoke the lease so the write gate shuts, poll opsOutstanding
   * every 1 ms until 0 or the drain timeout), so every write that passed the gate takes its LSN
   * and epoch before the new epoch is persisted and the receiver samples the head. On the
   * deadline the assignment is not applied (ErrDrainTimeout); the master's next delivery retries.
   */
  private demote(a: Assignment): void {
    this.vol!.setLease(false);
    const waiting = this.demotion !== null;
    this.demotion = { assignment: a, deadline: this.demotion?.deadline ?? this.timers!.now() + DEFAULT_DRAIN_TIMEOUT_MS };
    if (waiting) return;
    this.env.coverage.add('demote_drain_wait');
    this.pollDrain();
  }

  private pollDrain(): void {
    const inc = this.incarnationNo;
    this.timers!.after(1, 'demote.drain', () => {
      const d = this.demotion;
      if (inc !== this.incarnationNo || d === null) return;
      if (this.opsOutstanding > 0 && this.timers!.now() < d.deadline) { this.pollDrain(); return; }
      this.demotion = null;
      if (this.opsOutstanding > 0) { this.env.noteDetail?.(`${this.cfg.name}: demote: drain timeout waiting for in-flight ops`); return; }
      this.onAssignment(d.assignment);
    });
  }

  private becomePrimary(a: Assignment, changed: boolean): void {
    const vol = this.vol!;
    if (this.role !== 'primary') {
      this.receiver?.stop();
      this.receiver = null;
      vol.setReceiverHooks(null);
      this.env.coverage.add('promoted');
    }
    this.role = 'primary';
    vol.setRole('primary');
    // SetReplicaAddrs builds a new shipper group when the replica list changes — addresses, or a
    // replica's role (rebuilding -> replica after a rebuild): new shippers start Disconnected with
    // no progress, the only way out of NeedsRebuild (spec §10.6).
    const gk = a.replicas.map((r) => `${r.dataAddr}|${r.ctrlAddr}|${r.role}`).join(',');
    if (this.group === null || gk !== this.groupKey) {
      if (this.group !== null) {
        const before = new Set(this.groupKey.split(','));
        this.groupReplacements.push({
          t: this.timers!.now(),
          changed: a.replicas.filter((r) => !before.has(`${r.dataAddr}|${r.ctrlAddr}|${r.role}`)).map((r) => `${r.serverID} ${r.role}`),
          cutReconnects: this.group.shippers().filter((s) => s.state() === 'connecting' || s.state() === 'catching_up').map((s) => s.dataAddr),
        });
      }
      this.group?.stopAll();
      this.groupKey = gk;
      const port = this.primaryPort();
      const shippers = a.replicas.map((r) => new WALShipper({
        dataAddr: r.dataAddr, ctrlAddr: r.ctrlAddr, epochFn: () => vol.epoch(), volume: port,
        transport: wildcardTransport(this.env.network.transportFor(this.host), this.cfg.name), timers: this.timers!, bugs: this.cfg.bugs.replication,
      }));
      this.group = new ShipperGroup(shippers, this.timers!);
    }
    if (this.committer === null) {
      const distributed = makeDistributedSync({ volume: this.primaryPort(), group: () => this.group!, mode: () => this.cfg.durability, bugs: this.cfg.bugs.replication, log: this.syncLog });
      // A batch that comes due after a demotion fails: a former primary proves nothing.
      const sync: SyncFn = (done) => (this.role === 'primary' && this.group !== null ? distributed(done) : done(errNotPrimary()));
      this.committer = new GroupCommitter(sync, this.timers!);
    }
    if (this.driver === null) this.startEngine();
    // Every delivery, re-deliveries included, gives each replica a recovery target, as the target's
    // v2bridge ConvertAssignment does (hazard H14: a re-delivery supersedes in-flight sessions).
    // That re-planning is also what notices a replica that silently fell behind.
    if (changed || this.cfg.replanOnRedelivery) this.recovery!.applyIntent(this.intentFor(a));
  }

  private becomeReplica(a: Assignment): void {
    const vol = this.vol!;
    if (this.role === 'primary') {
      this.recovery?.stop();
      this.recovery = null;
      this.driver = null;
      this.group?.stopAll();
      this.group = null;
      this.groupKey = '';
      this.committer = null;
      this.env.coverage.add('demoted');
    }
    this.role = a.role;
    vol.setRole('replica');
    if (this.receiver === null) {
      this.receiver = new ReplicaReceiver({
        volume: this.replicaPort(), transport: wildcardTransport(this.env.network.transportFor(this.host), this.cfg.name), timers: this.timers!,
        dataListenAddr: this.bindAddr(this.dataAddr()), ctrlListenAddr: this.bindAddr(this.ctrlAddr()), advertisedHost: this.cfg.name,
        bugs: this.cfg.bugs.replication, legacyBarrierReply: this.legacyBarrierReply,
      });
    }
    // Every (re-)delivered assignment starts the receiver, as upstream does (B28 makes a repeat fail).
    const err = this.receiver.start();
    if (err !== null) {
      this.env.coverage.add('receiver_start_failed');
      this.receiver.stop();
    }
  }

  // ---- upstream block service operations (block_service_agent.ts calls these) ----------------

  /** The block service's listen address (iSCSI): replication ports derive from it (ReplicationPorts). */
  listenAddr(): string { return `${this.cfg.name}:${this.port}`; }

  /** Say what the control plane did in this step (the trace's detail). */
  noteControl(detail: string): void { this.env.noteDetail?.(`${this.cfg.name}: ${detail}`); }

  /** SetEpoch's superblock write: the error text, or null. */
  persistEpoch(epoch: number): string | null {
    const err = this.runner!.runSync(this.vol!.setEpochSteps(epoch));
    return err === null ? null : err.message;
  }

  /**
   * SetReplicaAddrs: a fresh shipper group (the previous one is dropped without StopAll, as
   * upstream) and a distributed group committer whose batches re-check the write gate after
   * syncing (PostSyncCheck).
   */
  upstreamSetReplicaAddrs(addrs: readonly { dataAddr: string; ctrlAddr: string }[], onStateChange: ((from: ReplicaState, to: ReplicaState) => void) | null): void {
    const vol = this.vol!;
    const port = this.primaryPort();
    const shippers = addrs.map((r) => new WALShipper({
      dataAddr: r.dataAddr, ctrlAddr: r.ctrlAddr, epochFn: () => vol.epoch(), volume: port,
      transport: wildcardTransport(this.env.network.transportFor(this.host), this.cfg.name), timers: this.timers!, bugs: this.cfg.bugs.replication,
      ...(onStateChange !== null ? { onStateChange } : {}),
    }));
    this.group = new ShipperGroup(shippers, this.timers!);
    const distributed = makeDistributedSync({ volume: port, group: () => this.group!, mode: () => this.cfg.durability, bugs: this.cfg.bugs.replication, log: this.syncLog });
    const sync: SyncFn = (done) => distributed((err) => done(err ?? this.postSyncCheck()));
    this.committer = new GroupCommitter(sync, this.timers!);
  }

  /** Group commit's PostSyncCheck: the write gate, with the lease read off the virtual clock. */
  postSyncCheck(): EngineError | null {
    this.agent?.refreshLease();
    return this.vol?.writeGate() ?? null;
  }

  /** StartRebuildServer at `addr`; a failure (address in use by the previous one) is ignored, as upstream. */
  upstreamStartRebuildServer(addr: string): void {
    const server = this.newRebuildServer(addr);
    if (server.start() === null) this.rebuildServer = server;
  }

  /** This incarnation's rebuild server at `addr`, paced by the seed's transfer time. */
  private newRebuildServer(addr: string): RebuildServer {
    return new RebuildServer({
      volume: this.primaryPort(), transport: this.env.network.transportFor(this.host), listenAddr: addr,
      extentTransferMs: this.cfg.rebuildTransferMs ?? 0, blockSize: this.cfg.blockSize, timers: this.timers!,
    });
  }

  /**
   * StartReplicaReceiver on the assignment's addresses: a new receiver replaces the current one
   * (which is not stopped, so rebinding its addresses fails "address in use"). An address this
   * incarnation cannot own (its replication ports derive from its listen address) fails to bind.
   */
  upstreamStartReceiver(dataAddr: string, ctrlAddr: string): { canonData: string; canonCtrl: string } | { error: string } {
    const ok = (addr: string): boolean => addr.slice(0, addr.lastIndexOf(':')) === this.cfg.name;
    if (!ok(dataAddr) || !ok(ctrlAddr)) return { error: `listen tcp ${dataAddr}: bind: cannot assign requested address` };
    const receiver = new ReplicaReceiver({
      volume: this.replicaPort(), transport: wildcardTransport(this.env.network.transportFor(this.host), this.cfg.name), timers: this.timers!,
      dataListenAddr: this.bindAddr(dataAddr), ctrlListenAddr: this.bindAddr(ctrlAddr), advertisedHost: this.cfg.name,
      bugs: this.cfg.bugs.replication, legacyBarrierReply: this.legacyBarrierReply,
    });
    const err = receiver.start();
    if (err !== null) { this.env.coverage.add('receiver_start_failed'); return { error: err.message }; }
    this.receiver = receiver;
    return { canonData: receiver.dataAddr(), canonCtrl: receiver.ctrlAddr() };
  }

  /**
   * `go blockvol.StartRebuild(vol, rebuildAddr, 0, epoch)`: the V1 rebuild in the background
   * (src/replication/v1_rebuild.ts). Its result is only logged, as upstream (R2-F7).
   */
  upstreamStartRebuild(rebuildAddr: string, epoch: number): void {
    const agent = this.agent;
    if (agent === null) return;
    this.env.coverage.add('v1_rebuild_started');
    startV1Rebuild({
      volume: this.v1RebuildPort(), transport: this.env.network.transportFor(this.host), timers: this.timers!,
      role: () => roleName(agent.control().role),
      setRoleReplica: () => { const err = agent.rebuildCompleted(); return err === null ? null : { message: err }; },
      receiver: () => this.receiver,
    }, rebuildAddr, 0, epoch, (err) => {
      this.env.coverage.add(err === null ? 'v1_rebuild_completed' : 'v1_rebuild_failed');
      this.noteControl(err === null ? 'V1 rebuild completed' : `V1 rebuild failed: ${err.message}`);
    });
  }

  private v1RebuildPort(): V1RebuildVolumePort {
    const node = this;
    const vol = (): BlockVolume => {
      if (node.vol === null) throw new Error(`${node.name}: volume used after crash`);
      return node.vol;
    };
    return {
      ...this.replicaPort(),
      newV1ExtentInstaller: () => {
        const inst = vol().newV1ExtentInstaller();
        return { writeChunk: (d) => inst.writeChunk(d), commitV1: (s) => this.runner!.runSync(inst.commitV1Steps(s), false) };
      },
      advanceNextLSN: (lsn) => vol().advanceNextLSN(lsn),
    };
  }

  private intentFor(a: Assignment): AssignmentIntent {
    const targets: Record<ReplicaID, SessionKind> = {};
    const replicas = a.replicas.map((r) => {
      const id = makeReplicaID(this.cfg.volume, r.serverID);
      targets[id] = r.role === 'rebuilding' ? 'rebuild' : 'catchup';
      return { replicaID: id, endpoint: { dataAddr: r.dataAddr, ctrlAddr: r.ctrlAddr, version: r.addrVersion } };
    });
    return { replicas, epoch: a.epoch, recoveryTargets: targets };
  }

  private startEngine(): void {
    const vol = this.vol!;
    const ctx = new EngineContext(this.cfg.bugs.engine);
    const adapter = new BridgeStorageAdapter(vol, this.observedPinner(vol));
    const driver = new RecoveryDriver(adapter, ctx);
    this.driver = driver;
    const observer = this.env.engineObserverFor(this, driver);
    this.recovery = new RecoveryManager(driver, {
      timers: this.timers!, chooser: this.env.chooser, coverage: this.env.coverage, observer,
      probeFlushedLSN: (id, done) => this.rpcProbe(id, done),
      performIO: (id, executor, call, done) => {
        // By default catch-up delivers (a, b] to the replica, the CatchUpIO contract (spec §9.5).
        // With `scanOnlyCatchUp` it only scans the primary's WAL, as the target's v2bridge does
        // (spec §10.10, hazard H9). Everything else runs at the replica.
        if (executor === 'catchup' && call.op === 'streamWALEntries' && this.cfg.scanOnlyCatchUp) this.scanOnlyIO(call, done);
        else this.rpcIO(id, executor, call, done);
      },
      walContains: (lsn) => this.walContains(lsn),
      walGap: (lsn) => this.walGap(lsn),
      lockFreeYieldPermille: this.cfg.lockFreeYieldPermille ?? 0,
    });
    const owner = this.owner;
    const retry = (): void => {
      if (!owner.alive || this.recovery === null) return;
      this.recovery.retryIdle();
      this.env.kernel.schedule(this.cfg.retryMs, this.cfg.name, 'engine.retry', retry, owner);
    };
    this.env.kernel.schedule(this.cfg.retryMs, this.cfg.name, 'engine.retry', retry, owner);
  }

  /**
   * StartBlockService at 3ec8fab2f: the server's orchestrator and RecoveryManager
   * (upstream_recovery.ts). Each task opens this server's volume: its storage adapter (v2bridge
   * Reader + Pinner) and v2bridge.NewExecutor(vol, rebuildAddr) — scan-only with no address.
   */
  private startUpstreamEngine(): UpstreamRecoveryManager {
    const vol = this.vol!;
    const ctx = new EngineContext(this.cfg.bugs.engine);
    const m = new UpstreamRecoveryManager({
      timers: this.timers!, chooser: this.env.chooser, coverage: this.env.coverage, ctx,
      note: (d) => this.noteControl(d),
      storage: () => (this.vol === null ? null : new BridgeStorageAdapter(this.vol, this.observedPinner(this.vol))),
      newExecutor: (rebuildAddr) => (this.vol === null ? null : this.v2bridgeExecutor(rebuildAddr)),
      walContains: (lsn) => this.walContains(lsn),
      walGap: (lsn) => this.walGap(lsn),
      lockFreeYieldPermille: this.cfg.lockFreeYieldPermille ?? 0,
    }, new BridgeStorageAdapter(vol, this.observedPinner(vol)));
    this.upstreamEngine = m;
    this.driver = m.checkedDriver;
    m.observer = this.env.engineObserverFor(this, m.checkedDriver);
    return m;
  }

  /**
   * v2bridge.NewExecutor(vol, rebuildAddr) on this server's volume: with no address StreamWALEntries
   * scans the local WAL and ships nothing; with one it pulls from that rebuild server and applies
   * locally (ApplyRebuildEntry), as do the full-base and snapshot transfers.
   */
  private v2bridgeExecutor(rebuildAddr: string): BridgeExecutor {
    const port = this.primaryPort();
    return new BridgeExecutor({
      replica: port, receiver: { setReceivedLSN: (lsn) => this.receiver?.setReceivedLSN(lsn) }, rebuildAddr,
      transport: this.env.network.transportFor(this.host), timers: this.timers!, scanOnly: rebuildAddr === '', primary: port,
    });
  }

  /** The engine's sender registry on this server: the ideal wiring's (a primary) or upstream's V2 orchestrator. */
  engineRegistry(): Registry | null {
    return this.recovery?.registry ?? this.upstreamEngine?.registry ?? null;
  }

  /** A checker watching this server's engine from now on (engines started before the checker existed). */
  setEngineObserver(obs: EngineObserver): void {
    if (this.upstreamEngine !== null) this.upstreamEngine.observer = obs;
  }

  /** Ground truth for I16: is `lsn` a record in this node's physical WAL right now? */
  walContains(lsn: number): boolean {
    const recs = this.vol?.walRecords();
    if (recs === undefined || !Array.isArray(recs)) return false;
    // walRecords() returns a new array whenever the WAL changed, so its LSN set is kept per array.
    if (this.walLSNs === null || this.walLSNs.recs !== recs) this.walLSNs = { recs, lsns: new Set(recs.map((r) => r.entry.lsn)) };
    return this.walLSNs.lsns.has(lsn);
  }

  /**
   * The volume's pinner as the engine gets it, noting for each WAL hold it grants the checkpoints
   * at that moment (walGap's evidence: nothing here changes what the pinner does).
   */
  private observedPinner(vol: BlockVolume): BlockVolPinner {
    const p = vol.pinner();
    return {
      holdWALRetention: (startLSN) => {
        const at = { persisted: vol.persistedCheckpointLSN(), live: vol.checkpointLSN() };
        const r = p.holdWALRetention(startLSN);
        const h = p.activeHolds().at(-1);
        if (r.err === null && h !== undefined) this.walHoldGrants.set(h.id, at);
        return r;
      },
      holdSnapshot: (cp) => p.holdSnapshot(cp),
      holdFullBase: (committed) => p.holdFullBase(committed),
    };
  }

  /** Why `lsn` is missing from this node's WAL although the status says it is retained (null: it is not missing). */
  walGap(lsn: number): WALGap | null {
    const vol = this.vol;
    if (vol === null || lsn > vol.headLSN() || this.walContains(lsn)) return null;
    if (lsn <= vol.persistedCheckpointLSN()) return this.reclaimedUnderHold(vol, lsn) ? 'reclaimed' : null;
    // H23 is a window inside one flush cycle (tail advanced, superblock not yet persisted): the
    // flusher must be mid-cycle. A persisted checkpoint that is simply stale (B30) is no finding.
    if (lsn <= vol.checkpointLSN()) return vol.locks().flushMu.state().writer?.startsWith('flush') === true ? 'reclaimed' : null;
    // A retention hold lowered the checkpoint below LSNs the flusher had already reclaimed (H2).
    const lowered = vol.checkpointLowering();
    if (lowered !== null && lsn > lowered.to && lsn <= lowered.from) return 'lowered';
    return vol.inFlightLSNs().includes(lsn) ? 'in_flight' : 'hole';
  }

  /**
   * `lsn` is protected by a live WAL hold that was granted correctly against the persisted
   * checkpoint (its start at or above it) while the flusher's live checkpoint had already passed
   * `lsn`: the pin read a tail the flusher had left behind before persisting it (H23). A hold
   * granted below the persisted checkpoint is a pinner bug (B20), not this.
   */
  private reclaimedUnderHold(vol: BlockVolume, lsn: number): boolean {
    return vol.pinner().activeHolds().some((h) => {
      const at = this.walHoldGrants.get(h.id);
      return h.kind === 'wal' && at !== undefined && h.startLSN >= at.persisted && h.startLSN < lsn && lsn <= at.live;
    });
  }

  // ---- engine RPCs (primary -> replica over unreliable datagrams, with a timeout) ----------

  private rpc<T>(replicaID: ReplicaID, kind: string, serve: (target: VolumeNode, reply: (v: T) => void) => void, fallback: T, done: (v: T) => void, what?: () => string): void {
    const serverID = replicaID.slice(replicaID.indexOf('/') + 1);
    const target = this.env.nodeByServer(serverID);
    const owner = this.owner;
    let settled = false;
    const finish = (v: T): void => { if (!settled && owner.alive) { settled = true; done(v); } };
    const timer = this.env.kernel.schedule(RPC_TIMEOUT_MS, this.cfg.name, `rpc.${kind}.timeout`, () => finish(fallback), owner);
    if (target === undefined) return;
    // A request runs at most once (it models a request on a TCP connection: it may be lost, but a
    // duplicated datagram must not start a second transfer).
    let served = false;
    const tracing = this.env.kernel.tracing;
    this.env.network.sendDatagram(this.cfg.name, target.host, `rpc.${kind}`, () => {
      if (!target.up() || served) return;
      served = true;
      serve(target, (v) => this.env.network.sendDatagram(target.name, this.host, `rpc.${kind}.reply`, () => {
        this.env.kernel.cancelEvent(timer);
        finish(v);
      }, true, tracing ? `reply ${rpcNote(v)}` : undefined));
    }, true, tracing ? what?.() : undefined);
  }

  private rpcProbe(replicaID: ReplicaID, done: (lsn: number | null) => void): void {
    this.rpc<number | null>(replicaID, 'probe', (t, reply) => reply(t.receiver?.flushedLSN() ?? t.vol?.persistedCheckpointLSN() ?? null), null, done);
  }

  private rpcIO(replicaID: ReplicaID, executor: 'catchup' | 'rebuild', call: ExecutorIOCall, done: (r: IOResult) => void): void {
    const epoch = this.epoch;
    const rebuildAddr = this.rebuildAddr();
    const timeout: IOResult = { err: ioTimeout(call) };
    this.rpc<IOResult>(replicaID, 'io', (t, reply) => t.serveIO(epoch, rebuildAddr, executor, call, reply), timeout, done, () => `${executor} ${JSON.stringify(call)} ep=${epoch}`);
  }

  private scanOnlyIO(call: ExecutorIOCall, done: (r: IOResult) => void): void {
    const port = this.primaryPort();
    const ex = new BridgeExecutor({
      replica: port, receiver: null, rebuildAddr: '', transport: this.env.network.transportFor(this.host), timers: this.timers!,
      scanOnly: true, primary: port,
    });
    ex.perform(call, done);
  }

  /**
   * Replica side of an engine I/O call: run the v2bridge executor against the local volume. A
   * catch-up delivers its range idempotently (the CatchUpIO contract); a rebuild's tail replay
   * applies every entry, as the target's ApplyRebuildEntry does.
   */
  serveIO(epoch: number, primaryRebuildAddr: string, executor: 'catchup' | 'rebuild', call: ExecutorIOCall, reply: (r: IOResult) => void): void {
    if (this.vol === null || epoch < this.epoch) { reply({ err: ioStale(call, epoch, this.epoch) }); return; }
    const ex = new BridgeExecutor({
      replica: this.replicaPort(), receiver: this.receiver, rebuildAddr: primaryRebuildAddr,
      transport: this.env.network.transportFor(this.host), timers: this.timers!, skipApplied: executor === 'catchup',
    });
    ex.perform(call, reply);
  }

  // ---- client operations (primary) -------------------------------------------------------

  /** This incarnation as a client sees it in a given epoch (see client.ts Answerer). */
  private answerer(epoch: number): string {
    return `${this.cfg.serverID}#${this.incarnationNo}@${epoch}`;
  }

  /**
   * Does this server take client commands? Ideal: only as primary. Upstream: every server runs an
   * iSCSI target; the volume's write gate decides writes and SyncCache (RoleNone passes, as
   * upstream; a replica's ALUA standby state rejects them the same way), and reads pass ungated
   * (iscsi/scsi.go: READ is not checked against the ALUA state; ReadLBA has no gate).
   */
  private servesClients(): boolean {
    return this.cfg.control === 'upstream' || this.role === 'primary';
  }

  /** Count a client op in flight (upstream's beginOp/endOp, which a demotion drains); returns its end. */
  private beginOp(): () => void {
    this.opsOutstanding += 1;
    const inc = this.incarnationNo;
    let ended = false;
    return () => { if (!ended && inc === this.incarnationNo) { ended = true; this.opsOutstanding -= 1; } };
  }

  clientWrite(lba: number, data: Uint8Array | null, done: (r: WriteAck | null) => void): void {
    const vol = this.vol, runner = this.runner;
    if (vol === null || runner === null || !this.servesClients()) { done(null); return; }
    this.agent?.refreshLease();
    const epoch = this.epoch;
    const steps = data === null ? vol.trimSteps(lba, this.cfg.blockSize) : vol.writeSteps(lba, data);
    const end = this.beginOp();
    runner.runAsync(data === null ? 'trim' : 'write', steps, (r) => { end(); done(r.err === null ? { epoch, lsn: r.lsn, by: this.answerer(epoch) } : null); });
  }

  /** A client read of one block, served from this primary's volume (dirty map, WAL, extent). */
  clientRead(lba: number, done: (r: ReadAnswer | null) => void): void {
    const vol = this.vol;
    if (vol === null || !this.servesClients()) { done(null); return; }
    const r = vol.readLBA(lba, this.cfg.blockSize);
    done(r.err === null ? { data: r.data, by: this.answerer(this.epoch) } : null);
  }

  clientSync(done: (by: string | null) => void): void {
    if (this.committer === null || !this.servesClients()) { done(null); return; }
    const epoch = this.epoch;
    const end = this.beginOp();
    this.committer.submit((err) => {
      end();
      const ok = err === null && this.epoch === epoch;
      if (ok && this.cfg.control === 'upstream' && this.group === null) this.unreplicatedSyncs.add(this.answerer(epoch));
      done(ok ? this.answerer(epoch) : null);
    });
  }

  // ---- volume ports for the data path (steps run through the runner) ----------------------

  private primaryPort(): PrimaryVolumePort & ReplicaVolumePort {
    const node = this;
    const vol = (): BlockVolume => {
      if (node.vol === null) throw new Error(`${node.name}: volume used after crash`);
      return node.vol;
    };
    const run = <T>(g: Generator<string, T, void>): T => node.runner!.runSync(g);
    return {
      epoch: () => vol().epoch(),
      nextLSN: () => vol().nextLSN(),
      headLSN: () => vol().headLSN(),
      checkpointLSN: () => vol().checkpointLSN(),
      persistedCheckpointLSN: () => vol().persistedCheckpointLSN(),
      syncLocal: () => run(vol().syncSteps()),
      statusSnapshot: () => vol().statusSnapshot(),
      onShip: () => {},
      scanFrom: (from, fn) => vol().scanFrom(from, fn),
      scanWALEntries: (from, fn) => vol().scanWALEntries(from, fn),
      forceFlush: () => run(vol().flushSteps()),
      exportFullExtent: () => run(vol().exportFullExtentSteps()),
      exportSnapshot: (base) => run(vol().exportSnapshotSteps(base)),
      setShipperFloorFn: () => {},
      // The receiver's apply runs as its own operation, so truncations, installs and flushes can
      // land between its steps (its connection handles nothing else meanwhile).
      appendReplicaEntry: (e, admit, done) => node.runner!.runAsync('apply', vol().appendReplicaEntrySteps(e, admit), (err) => {
        // Live applies are serialized by the receiver, so only ApplyRebuildEntry can have passed it.
        if (err === null && node.vol !== null && node.vol.headLSN() > e.lsn) node.rebuildReapplies += 1;
        done(err);
      }),
      applyRebuildEntry: (e) => {
        if (e.lsn <= vol().headLSN()) node.rebuildReapplies += 1;
        return run(vol().applyRebuildEntrySteps(e));
      },
      setReceiverHooks: (h) => vol().setReceiverHooks(h),
      truncateToLSN: (t) => { node.env.coverage.add('truncation'); return run(vol().truncateSteps(t)); },
      newRebuildInstaller: () => {
        const inst = vol().newRebuildInstaller();
        return {
          writeChunk: (data) => inst.writeChunk(data),
          commit: (s) => {
            // Entries above the installed point (live-shipped after the plan) are discarded.
            if (vol().headLSN() > Math.max(0, s - 1)) node.rebuildReapplies += 1;
            // Upstream's Commit waits for ioMu held by a live replica apply; the runner advances
            // the holder (nothing drawn at its plain steps, as before), where a plain run to
            // completion would fail busy.
            return node.runner!.runSync(inst.commitSteps(s), false);
          },
        };
      },
    };
  }

  private replicaPort(): ReplicaVolumePort {
    return this.primaryPort();
  }

  /** Feeds this server's replication state to the per-step fingerprint (each optional part behind a count or tag). */
  digest(h: StateHash): void {
    const vol = this.vol;
    h.num(this.incarnationNo).bool(vol !== null);
    if (vol === null) return;
    h.str(this.role).num(this.epoch).num(vol.nextLSN()).num(vol.checkpointLSN()).num(vol.persistedCheckpointLSN());
    h.bool(this.receiver !== null);
    if (this.receiver !== null) h.num(this.receiver.receivedLSN()).num(this.receiver.flushedLSN());
    const shippers = this.group?.shippers() ?? null;
    h.num(shippers === null ? 0 : shippers.length);
    if (shippers !== null) for (const s of shippers) h.str(s.state()).num(s.replicaFlushedLSN());
    const senders = this.engineRegistry()?.all() ?? null;
    h.num(senders === null ? 0 : senders.length);
    if (senders !== null) for (const s of senders) h.str(s.state()).num(s.sessionID());
    // Under the upstream control plane: the block service's control state (nothing under ideal).
    h.bool(this.agent !== null);
    if (this.agent !== null) this.agent.digest(h);
  }
}

function errNotPrimary(): EngineError {
  return new EngineError('not_primary', 'sync: this server is no longer the primary');
}

function ioTimeout(call: ExecutorIOCall): EngineError {
  return new EngineError('io_timeout', `${call.op}: replica did not answer`);
}

function ioStale(call: ExecutorIOCall, asked: number, local: number): EngineError {
  return new EngineError('io_stale_epoch', `${call.op}: request epoch ${asked} < replica epoch ${local}`);
}

/** An engine RPC's answer as the trace says it: an I/O result (its error code) or a probed LSN. */
function rpcNote(v: unknown): string {
  if (v === null || typeof v !== 'object') return `lsn=${String(v)}`;
  const err = (v as { err?: EngineError | null }).err;
  if (err !== null && err !== undefined) return `err ${err.code}: ${err.message}`;
  const value = (v as { value?: number }).value;
  return value === undefined ? 'ok' : `ok value=${value}`;
}
