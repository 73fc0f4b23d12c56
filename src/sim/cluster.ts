// A simulated cluster for one seed: kernel, network, master, volume servers (primary + replicas),
// client and oracle, and the fault injector. The seed's fault plan (swarm testing) decides what
// faults are on; a fault phase is followed by a quiet phase in which every partition heals,
// every crashed server restarts and the client stops, so the cluster must converge.
import type { RecoveryDriver } from '../engine/driver.ts';
import type { EngineBugId } from '../engine/context.ts';
import { ENGINE_BUGS } from '../engine/context.ts';
import { REPLICATION_BUGS, type ReplicationBugId } from '../replication/bugs.ts';
import { STORAGE_BUGS, type StorageBugId } from '../storage/blockvol/bugs.ts';
import { between, chance, pick, type RecordingChooser } from './chooser.ts';
import { Client, type ClientConfig, type ReadAnswer, type WriteAck } from './client.ts';
import { Coverage } from './coverage.ts';
import type { EngineObserver } from './engine_observer.ts';
import { Kernel, type SimEvent } from './kernel.ts';
import type { ReportedProgress } from '../control/ideal/master.ts';
import { DEFAULT_CONTROL, runUpstreamCommit, type ControlMode, type ControlPlane, type UpstreamCommit } from './control_plane.ts';
import { IdealControl } from './ideal_control.ts';
import { UpstreamControl } from './upstream_control.ts';
import { Network } from './network.ts';
import { frameKind, MASTER_ADDR } from './frame_kinds.ts';
import { VolumeNode, type Bugs, type NodeEnv } from './node.ts';
import { Oracle } from './oracle.ts';
import { drawFaultPlan, type FaultPlan, type ProfileName } from './profile.ts';
import { walFullRetries, type StorageShape } from './storage_shape.ts';
import { StateHash } from './state_hash.ts';
import type { World } from './world.ts';
import { ViewTracker } from './view_state.ts';

export const DEFAULT_MAX_STEPS = 2_000_000;
export const VOLUME = 'vol1';
/** The volume's file path on every server (upstream's registry keys a server's volume by it). */
export const VOLUME_PATH = '/data/vol1.blk';
export const GEOMETRY = { blockSize: 16, numBlocks: 16, walSize: 16384 } as const;

export interface ClusterOptions {
  readonly seed: number;
  readonly profile: ProfileName;
  readonly bugs: readonly string[];
  readonly chooser: RecordingChooser;
  /** Which control plane runs the volume (default: the profile's draw, else DEFAULT_CONTROL). */
  readonly control?: ControlMode;
  /** Under `upstream`: which upstream commit the master and block service behave as (default DEFAULT_RUN_UPSTREAM_COMMIT). */
  readonly upstreamCommit?: UpstreamCommit;
  /** Called for each new engine instance (each primary incarnation). */
  readonly engineObserver?: (node: VolumeNode, driver: RecoveryDriver) => EngineObserver | null;
  /** A scenario file's cluster (src/scenario): absent for seeded runs, whose behaviour it never changes. */
  readonly setup?: ClusterSetup;
}

/**
 * What a scenario file fixes that a seeded run draws or hard-codes: the plan (from the drawn one:
 * fault kinds not left free set to 0), geometry, periods, lease, dial timeout, retention timeout,
 * the old-version replica, and the client's generated load (none when `client` is null).
 */
export interface ClusterSetup {
  plan(drawn: FaultPlan): FaultPlan;
  readonly geometry: { readonly blockSize: number; readonly numBlocks: number; readonly walSize: number };
  readonly flushIntervalMs: number;
  /** BlockVolConfig.WALFullTimeout; absent: the simulator's WAL_FULL_RETRIES polls (node.ts). */
  readonly walFullTimeoutMs?: number;
  /** How long a rebuild server takes to send the extent (scenario `rebuild_transfer`); absent: 0. */
  readonly rebuildTransferMs?: number;
  readonly heartbeatMs: number;
  readonly retryMs: number;
  readonly leaseMs: number;
  readonly dialTimeoutMs: number;
  readonly retentionTimeoutMs: number;
  readonly scanOnlyCatchUp: boolean;
  readonly replanOnRedelivery: boolean;
  /** Index of the old-version replica in `nodes`, or null. */
  readonly legacyReplica: number | null;
  readonly clientTimeoutMs: number;
  /** The generated load: start time, stop time, read share; null = no generated load. */
  readonly client: { readonly fromMs: number; readonly untilMs: number; readonly readPermille: number } | null;
  /**
   * The shadow injector (`free.injector: shadow`, files saved from a trace): the fault injector
   * ticks and draws every decision exactly as in a seeded run, so every other draw and event lines
   * up with the seed's, but applies none of them; the scenario's timeline applies the faults.
   */
  readonly shadowInjector?: boolean;
}

/** What a shadow injector tells the scenario timeline (Cluster.shadowHooks). */
export interface ShadowHooks {
  /** Inside a tick step, after the injector's draws: run the timeline's actions due now. */
  atTick(): void;
  /** The injector scheduled its next tick at this virtual time. */
  nextTick(at: number): void;
}

/** Bug switches by layer, mutable: every component holds these very objects, so `setBug` reaches them. */
interface SwitchBoard {
  readonly engine: Partial<Record<EngineBugId, boolean>>;
  readonly storage: Partial<Record<StorageBugId, boolean>>;
  readonly replication: Partial<Record<ReplicationBugId, boolean>>;
}

export function splitBugs(ids: readonly string[]): Bugs {
  const board: SwitchBoard = { engine: {}, storage: {}, replication: {} };
  for (const id of ids) setSwitch(board, id, true);
  return board;
}

function setSwitch(board: SwitchBoard, id: string, on: boolean): void {
  const layer = id in ENGINE_BUGS ? board.engine : id in STORAGE_BUGS ? board.storage : id in REPLICATION_BUGS ? board.replication : null;
  if (layer === null) throw new Error(`unknown bug id ${id}`);
  if (on) (layer as Record<string, boolean>)[id] = true;
  else delete (layer as Record<string, boolean>)[id];
}

export class Cluster implements World {
  readonly kernel: Kernel;
  readonly network: Network;
  readonly control: ControlPlane;
  readonly nodes: VolumeNode[] = [];
  /** The clients running the generated load (FaultPlan.clients); `client` is the first. */
  readonly clients: readonly Client[];
  readonly client: Client;
  readonly oracle = new Oracle();
  readonly marks = new Coverage();
  readonly plan: FaultPlan;
  private detail: string | undefined;
  /** The event the last step ran (its `note` starts the step's detail). */
  private lastEvent: SimEvent | null = null;
  /** While tracing: the replication state after the last step, to say what each step changed. */
  private view: ViewTracker | null = null;
  /** The last step's full detail, once computed (lastDetail may be asked more than once). */
  private stepDetail: string | undefined | null = null;
  /** The ideal control plane behind `control` (operator actions of scenario files). */
  readonly ideal: IdealControl;
  private readonly endAt: number;
  private quiet = false;
  /** Shadow injector (ClusterSetup.shadowInjector): draw, apply nothing, let the timeline act. */
  private readonly shadow: boolean;
  /** Set by a scenario timeline when the injector is a shadow. */
  shadowHooks: ShadowHooks | null = null;
  /** Virtual time of the injector's next tick (null when none is scheduled). */
  private nextTick: number | null = null;
  /** Per LSN, the first primary incarnation (`server#inc@epoch`) that allocated it... */
  private readonly allocatedBy = new Map<number, string>();
  /** ...and the LSNs a different primary incarnation allocated again: forks (H21). */
  private readonly reused = new Set<number>();
  /** Per failover epoch: every live server's actual durable progress at that moment. */
  readonly failoverProgress = new Map<number, readonly ReportedProgress[]>();
  /** The run's bug switches (the objects every node, volume, shipper and engine context reads). */
  private readonly switches: SwitchBoard;
  /** Per replica server: stale-epoch drops its receiver had counted when the quiet phase began. */
  readonly staleDropsAtQuiet = new Map<string, number>();

  constructor(readonly opts: ClusterOptions) {
    const c = opts.chooser;
    this.kernel = new Kernel(c);
    const setup = opts.setup;
    this.shadow = setup?.shadowInjector === true;
    const drawn = drawFaultPlan(opts.profile, c);
    this.plan = setup === undefined ? drawn : setup.plan(drawn);
    const p = this.plan;
    // A scenario file fixes its own shape; a seeded run draws one when its profile says so.
    const shape: StorageShape | undefined = setup === undefined ? p.storageShape : undefined;
    const geometry = setup?.geometry ?? (shape === undefined ? GEOMETRY : { blockSize: shape.blockSize, numBlocks: shape.numBlocks, walSize: shape.walSize });
    const walFullTimeoutMs = setup?.walFullTimeoutMs ?? shape?.walFullTimeoutMs;
    const rebuildTransferMs = setup?.rebuildTransferMs ?? shape?.rebuildTransferMs ?? 0;
    this.network = new Network(this.kernel, {
      latencyMin: p.latencyMin, latencyMax: p.latencyMax, resetPermille: p.resetPermille, dropPermille: p.dropPermille,
      duplicatePermille: p.duplicatePermille, reorderPermille: p.reorderPermille, dialTimeout: setup?.dialTimeoutMs ?? 3000,
    });
    this.network.frameKinds = frameKind;
    const bugs = splitBugs(opts.bugs);
    this.switches = bugs as SwitchBoard;
    const control = opts.control ?? p.control ?? DEFAULT_CONTROL;
    const commit = runUpstreamCommit(control, opts.upstreamCommit) ?? 'c7eb87c58';
    const volumeSize = geometry.numBlocks * geometry.blockSize;
    const env: NodeEnv = {
      kernel: this.kernel, chooser: c, network: this.network, coverage: this.marks,
      sendHeartbeat: (n, hb) => ideal.sendHeartbeat(n, hb),
      nodeByServer: (id) => this.nodes.find((n) => n.serverID === id),
      noteAllocation: (lsn, by) => this.noteAllocation(lsn, by),
      engineObserverFor: (n, d) => opts.engineObserver?.(n, d) ?? null,
      noteDetail: (d) => { this.detail = this.detail === undefined ? d : `${this.detail}; ${d}`; },
      upstream: { masterAddr: MASTER_ADDR, volumePath: VOLUME_PATH, durability: p.durability, volumeSize, coverage: this.marks, commit },
    };
    for (let i = 1; i <= 1 + p.replicas; i++) {
      this.nodes.push(new VolumeNode({
        name: `n${i}`, serverID: `s${i}`, volume: VOLUME, ...geometry, durability: p.durability, bugs,
        flushIntervalMs: setup?.flushIntervalMs ?? shape?.flushIntervalMs ?? 100, heartbeatMs: setup?.heartbeatMs ?? 500, retryMs: setup?.retryMs ?? 1000, interleavePermille: p.interleavePermille,
        lockFreeYieldPermille: p.lockFreeYieldPermille,
        scanOnlyCatchUp: setup?.scanOnlyCatchUp ?? false, replanOnRedelivery: setup?.replanOnRedelivery ?? true, control, diskIOErrorPermille: p.diskErrorPermille, tornPermille: p.tornPermille,
        ...(setup === undefined ? {} : { retentionTimeoutMs: setup.retentionTimeoutMs }),
        ...(walFullTimeoutMs === undefined ? {} : { walFullRetries: walFullRetries(walFullTimeoutMs) }),
        rebuildTransferMs,
      }, env));
    }
    for (const n of this.nodes) n.wildcardListen = p.wildcardListen;
    // The old-version replica is the last node (never the first primary), or the scenario's.
    if (setup !== undefined) { if (setup.legacyReplica !== null) this.nodes[setup.legacyReplica]!.legacyBarrierReply = true; }
    else if (p.legacyReplica) this.nodes[this.nodes.length - 1]!.legacyBarrierReply = true;
    const ideal = new IdealControl({
      kernel: this.kernel, network: this.network, chooser: c, nodes: this.nodes, volume: VOLUME, anyReplicaMayWin: p.durability === 'sync_all',
      ...(setup === undefined ? {} : { leaseMs: setup.leaseMs }),
      note: (d) => { this.detail = d; },
      onFailover: (epoch) => this.recordFailoverProgress(epoch),
    });
    this.ideal = ideal;
    if (control === 'upstream') {
      const up = new UpstreamControl({
        kernel: this.kernel, network: this.network, nodes: this.nodes, volume: VOLUME, volumePath: VOLUME_PATH, volumeSize,
        durability: p.durability, coverage: this.marks, commit,
        note: (d) => env.noteDetail!(d),
        onFailover: (epoch) => this.recordFailoverProgress(epoch),
      });
      up.start();
      this.control = up;
    } else {
      this.control = ideal;
    }
    for (const n of this.nodes) n.boot(false);
    this.endAt = p.faultPhaseMs + p.quietPhaseMs;
    const load = setup?.client;
    const clientCfg: ClientConfig = {
      numBlocks: geometry.numBlocks, blockSize: geometry.blockSize, intervalMs: p.writeIntervalMs, syncPermille: p.syncPermille,
      trimPermille: p.trimPermille, timeoutMs: setup?.clientTimeoutMs ?? 8000, stopAt: load?.untilMs ?? p.faultPhaseMs, quietSyncMs: p.idleQuiet ? p.quietPhaseMs : 2000, maxWriteBlocks: p.maxWriteBlocks, endAt: p.faultPhaseMs + p.quietPhaseMs - 5000,
      ...(load === undefined || load === null ? {} : { readPermille: load.readPermille }),
      queueDepth: p.queueDepth,
    };
    // Several clients are several initiators on the client host, each its own queue and load; the
    // first also runs scenario files' scripted operations.
    this.clients = Array.from({ length: Math.max(1, p.clients) }, (_, i) =>
      new Client(this.kernel, c, p.clients > 1 ? { ...clientCfg, label: `c${i + 1}` } : clientCfg, this.oracle, () => this.clientTarget()));
    this.client = this.clients[0]!;
    const startLoad = (): void => { for (const cl of this.clients) cl.start(); };
    if (setup === undefined) startLoad();
    else if (load !== null && load !== undefined) {
      if (load.fromMs === 0) startLoad();
      else this.kernel.schedule(load.fromMs, 'client', 'client.start', startLoad);
    }
    if (control === 'ideal') ideal.start();
    if (p.faultTickMs > 0) this.scheduleTick(p.faultTickMs);
    const early = shape?.earlyPrimaryCrashMs ?? null;
    if (early !== null) this.kernel.schedule(early, 'fault', 'fault.early_crash', () => this.earlyPrimaryCrash(shape!.earlyCrashRestartMs));
    this.kernel.schedule(p.faultPhaseMs, 'fault', 'fault.quiet', () => this.beginQuiet());
  }

  // ---- World --------------------------------------------------------------------------------

  step(): SimEvent | null {
    this.detail = undefined;
    this.stepDetail = null;
    this.lastEvent = this.kernel.step();
    return this.lastEvent;
  }

  /** Record step details from now on: event notes and what each step changed (view_state.ts). */
  startTracing(): void {
    this.kernel.tracing = true;
    this.view = new ViewTracker(this.control, this.nodes);
  }

  now(): number { return this.kernel.now(); }
  controlMode(): ControlMode { return this.control.mode; }
  finished(): boolean { return this.kernel.now() >= this.endAt; }
  /**
   * The last step's detail: what its event carried (a message, a fault), what it did, and while
   * tracing what replication state it changed after ` | `, e.g. `n1→n2 +3ms wal lsn=7 ep=2 | n2.rcv=7`.
   */
  lastDetail(): string | undefined {
    if (this.view === null) return this.detail;
    if (this.stepDetail !== null) return this.stepDetail;
    const diff = this.view.changes();
    const note = this.lastEvent?.note;
    const what = note === undefined ? this.detail : this.detail === undefined ? note : `${note}; ${this.detail}`;
    this.stepDetail = diff === '' ? what : `${what ?? ''} | ${diff}`; // trace/detail.ts CHANGES_SEP
    return this.stepDetail;
  }

  /** The hash fingerprint() fills, reset each step (a fresh StateHash's state) instead of allocated. */
  private readonly fpHash = new StateHash();

  /** Fingerprint of the state after a step: virtual time, master view, every node's digest. */
  fingerprint(): string {
    const h = this.fpHash.reset().num(this.kernel.now());
    this.control.digest(h);
    h.num(this.nodes.length);
    for (const n of this.nodes) n.digest(h);
    return h.hex();
  }

  coverage(): Record<string, number> {
    const s = this.network.stats;
    const snap = this.marks.snapshot();
    const m = this.control.stats;
    return { ...snap, partitions: s.partitions, failovers: m.failovers, epoch_bumps: m.epochBumps,
      endpoint_updates: m.endpointUpdates, rebuild_assignments: m.rebuildAssignments, durable_writes: this.oracle.durableWrites(),
      client_reads: this.oracle.readCount(), ...this.overlapCoverage() };
  }

  /** Writes issued while another write to the same LBA was outstanding (only when some were: runs of one-at-a-time clients report as before). */
  private overlapCoverage(): Record<string, number> {
    const n = this.oracle.overlappingWrites();
    return n === 0 ? {} : { client_overlapping_writes: n };
  }

  /** A primary appended `lsn` (called from its ShipAll hook). */
  noteAllocation(lsn: number, by: string): void {
    const first = this.allocatedBy.get(lsn);
    if (first === undefined) this.allocatedBy.set(lsn, by);
    else if (first !== by) this.reused.add(lsn);
  }

  /**
   * True when `lsn` was allocated by two primary incarnations with different data: after a
   * failover (an old primary's unacknowledged tail) or a primary crash-restart that lost its
   * unsynced tail, the same LSNs carry different writes on different servers. Neither handshake
   * can see it: both compare LSNs, not lineages (finding H21).
   */
  lsnForked(lsn: number): boolean {
    return this.reused.has(lsn);
  }

  /** True when no primary ever appended `lsn` (a burned LSN, H1, if it is below some head). */
  neverAppended(lsn: number): boolean {
    return !this.allocatedBy.has(lsn);
  }

  anyFork(): boolean {
    return this.reused.size > 0;
  }

  primary(): VolumeNode | undefined {
    const id = this.control.primaryServerID();
    return id === null ? undefined : this.nodes.find((n) => n.serverID === id);
  }

  // ---- control plane ------------------------------------------------------------------------

  /** Ground truth for the checker (the master cannot see it): what each live server holds at a failover. */
  private recordFailoverProgress(epoch: number): void {
    this.failoverProgress.set(epoch, this.nodes.filter((n) => n.up()).map((n) => ({ serverID: n.serverID, flushedLSN: n.durableProgress() })));
  }

  // ---- client -------------------------------------------------------------------------------

  private clientTarget() {
    const p = this.primary();
    if (p === undefined) return null;
    const net = this.network;
    return {
      write: (lba: number, data: Uint8Array, done: (r: WriteAck | null) => void) => {
        net.sendDatagram('client', p.host, 'client.write', () => p.clientWrite(lba, data, (r) => this.clientReply('client.ack', this.kernel.tracing ? ackNote(r) : undefined, () => done(r))), false, this.kernel.tracing ? `write lba=${lba} ${data.length}B` : undefined);
        return true;
      },
      trim: (lba: number, done: (r: WriteAck | null) => void) => {
        net.sendDatagram('client', p.host, 'client.trim', () => p.clientWrite(lba, null, (r) => this.clientReply('client.ack', this.kernel.tracing ? ackNote(r) : undefined, () => done(r))), false, this.kernel.tracing ? `trim lba=${lba}` : undefined);
        return true;
      },
      syncCache: (done: (by: string | null) => void) => {
        net.sendDatagram('client', p.host, 'client.sync', () => p.clientSync((by) => this.clientReply('client.sync_done', !this.kernel.tracing ? undefined : by === null ? 'sync failed' : `synced by ${by}`, () => done(by))), false);
        return true;
      },
      read: (lba: number, done: (r: ReadAnswer | null) => void) => {
        net.sendDatagram('client', p.host, 'client.read', () => p.clientRead(lba, (r) => this.clientReply('client.read_done', !this.kernel.tracing ? undefined : r === null ? 'read failed' : `read by ${r.by}`, () => done(r))), false, this.kernel.tracing ? `read lba=${lba}` : undefined);
        return true;
      },
    };
  }

  /** A primary's answer reaches the client 1 ms later, as its own step (noted while tracing). */
  private clientReply(kind: string, note: string | undefined, fn: () => void): void {
    this.kernel.schedule(1, 'client', kind, fn).note = note;
  }

  // ---- faults -------------------------------------------------------------------------------

  private scheduleTick(delay: number): void {
    this.nextTick = this.kernel.now() + delay;
    this.kernel.schedule(delay, 'fault', 'fault.tick', () => this.faultTick());
    if (this.shadow) this.shadowHooks?.nextTick(this.nextTick);
  }

  /** Virtual time of the fault injector's next tick, or null when none is scheduled. */
  nextTickAt(): number | null { return this.nextTick; }

  /**
   * One injector tick. A shadow injector (scenario files saved from a trace) makes exactly the
   * same draws — the conditions it reads are evaluated before anything is applied — but applies
   * nothing: the scenario's actions due now run in this step instead, where the fault would have.
   */
  private faultTick(): void {
    this.nextTick = null;
    const live = !this.shadow;
    if (this.quiet) {
      if (!live) this.shadowHooks?.atTick();
      return;
    }
    const c = this.opts.chooser;
    const p = this.plan;
    const drew = (d: string): void => { if (live) this.detail = d; else this.note(`shadow injector drew: ${d} (not applied)`); };
    const down = this.nodes.filter((n) => !n.up());
    if (down.length === 0 && chance(c, 'fault.crash', p.crashPermille)) {
      const n = pick(c, 'fault.crash.node', this.nodes);
      drew(`crash ${n.name}`);
      if (live) n.crash();
      // Upstream derives replication ports from the server's listen address and learns it only
      // at allocation; a new address is not modelled under the upstream control plane yet.
      const newAddr = chance(c, 'fault.new_address', p.newAddressPermille) && this.control.mode === 'ideal';
      const restartMs = between(c, 'fault.restart_ms', 500, 8000);
      if (live) this.kernel.schedule(restartMs, 'fault', 'fault.restart', () => this.restart(n, newAddr));
    } else if (chance(c, 'fault.partition', p.partitionPermille) && chance(c, 'fault.isolate', p.isolatePermille ?? 250)) {
      this.isolatePrimary(live, drew);
    } else if (p.plainPartitions !== false && chance(c, 'fault.partition', p.partitionPermille)) {
      const names = [...this.nodes.map((n) => n.name), 'master'];
      const a = pick(c, 'fault.partition.a', names);
      const b = pick(c, 'fault.partition.b', names.filter((x) => x !== a));
      const symmetric = chance(c, 'fault.partition.symmetric', 600);
      drew(`partition ${a}${symmetric ? '<->' : '->'}${b}`);
      if (live) this.network.partition(a, b, symmetric);
      const healMs = between(c, 'fault.heal_ms', 300, 6000);
      if (live) this.kernel.schedule(healMs, 'fault', 'fault.heal', () => { this.detail = `heal ${a}/${b}`; this.network.heal(a, b); });
    } else if (chance(c, 'fault.epoch', p.epochBumpPermille)) {
      if (live) this.detail = this.control.bumpEpoch(); else drew('epoch bump');
    } else if (chance(c, 'fault.pause', p.pausePermille)) {
      const n = pick(c, 'fault.pause.node', this.nodes);
      const ms = between(c, 'fault.pause_ms', 200, 5000);
      drew(`pause ${n.name} for ${ms} ms`);
      if (live) {
        n.pause(this.kernel.now() + ms);
        this.marks.add('process_paused');
      }
    } else if (chance(c, 'fault.endpoint', p.endpointChangePermille)) {
      const replicas = this.nodes.filter((n) => n.up() && n.serverID !== this.control.primaryServerID());
      if (replicas.length > 0 && this.control.mode === 'ideal') {
        const n = pick(c, 'fault.endpoint.node', replicas);
        drew(`restart ${n.name} on a new address`);
        if (live) {
          n.crash();
          this.restart(n, true);
        }
      }
    }
    if (!live) this.shadowHooks?.atTick();
    this.scheduleTick(between(c, 'fault.tick_ms', p.faultTickMs / 2 | 0, p.faultTickMs * 2));
  }

  /**
   * The storage shape's early crash (storage_shape.ts): the primary crashes before a slow flusher
   * persisted any checkpoint, so the failover promotes a replica that holds data with checkpoint
   * 0 (and the old primary recovers its data from the WAL with checkpoint 0 too). Skipped when a
   * server is already down (at most one at a time) or the quiet phase began.
   */
  private earlyPrimaryCrash(restartMs: number): void {
    const n = this.primary();
    if (this.quiet || n === undefined || this.nodes.some((x) => !x.up())) return;
    this.detail = `crash ${n.name} (early: checkpoint ${n.vol?.persistedCheckpointLSN() ?? 0}, head ${n.vol?.headLSN() ?? 0})`;
    if ((n.vol?.persistedCheckpointLSN() ?? 0) === 0) this.marks.add('crash_before_first_flush');
    n.crash();
    this.kernel.schedule(restartMs, 'fault', 'fault.restart', () => this.restart(n, false));
  }

  /**
   * Cut the primary off from the master and every replica (the client still reaches it) for longer
   * than its lease: the master fails over while the old primary keeps acknowledging writes it cannot
   * replicate, so it rejoins with a tail of its own — the replica-ahead (truncation) and fork cases.
   */
  private isolatePrimary(live: boolean, drew: (d: string) => void): void {
    const c = this.opts.chooser;
    const p = this.primary();
    if (p === undefined || !p.up()) return;
    const others = [...this.nodes.filter((n) => n !== p).map((n) => n.name), 'master'];
    if (live) for (const o of others) this.network.partition(p.name, o, true);
    drew(`isolate primary ${p.name}`);
    if (live) this.marks.add('primary_isolated');
    const healMs = between(c, 'fault.isolate_ms', 3500, 9000);
    if (!live) return;
    this.kernel.schedule(healMs, 'fault', 'fault.heal', () => {
      this.detail = `heal primary ${p.name}`;
      for (const o of others) this.network.heal(p.name, o);
    });
  }

  // ---- operator actions (scenario files; never called in seeded runs) -------------------------

  /** Say what the current step did, appended to the trace detail. */
  note(detail: string): void {
    this.detail = this.detail === undefined ? detail : `${this.detail}; ${detail}`;
  }

  /** Crash `n` now; `fate` forces what happens to unsynced writes (null: the seed decides). */
  crashNode(n: VolumeNode, fate: 'lost' | 'persisted' | 'torn_tail' | null): void {
    this.note(`crash ${n.name}${fate === null ? '' : ` (unsynced: ${fate})`}`);
    n.crash(fate);
  }

  /** Restart a crashed `n` (on a new address when asked); a running server is left alone. */
  restartNode(n: VolumeNode, newAddress: boolean): void {
    if (n.up()) { this.note(`restart ${n.name}: already running`); return; }
    this.restart(n, newAddress);
  }

  /** Cut `n` off from the master and every other server (the client still reaches it). */
  isolateNode(n: VolumeNode): () => void {
    const others = [...this.nodes.filter((x) => x !== n).map((x) => x.name), 'master'];
    for (const o of others) this.network.partition(n.name, o, true);
    this.note(`isolate ${n.name}`);
    if (n === this.primary()) this.marks.add('primary_isolated');
    return () => { this.note(`heal ${n.name}`); for (const o of others) this.network.heal(n.name, o); };
  }

  /** A replica restarts on a new address (its endpoint version is bumped at the master by its heartbeat). */
  endpointChange(n: VolumeNode): void {
    n.crash();
    this.restart(n, true);
  }

  /**
   * Switch a known bug on or off from now on (scenario files' set_bug). Code that reads its
   * switch only when a component is built (a receiver's listen, a volume's open) sees the change
   * from the next such construction.
   */
  setBug(id: string, on: boolean): void {
    setSwitch(this.switches, id, on);
    this.note(`bug ${id} ${on ? 'on' : 'off'}`);
  }

  /** Virtual time at which the quiet phase begins. */
  quietAt(): number { return this.plan.faultPhaseMs; }

  private restart(n: VolumeNode, newAddress: boolean): void {
    if (n.up()) return;
    this.detail = `restart ${n.name}${newAddress ? ' (new address)' : ''}`;
    n.boot(newAddress);
  }

  /**
   * True when `n`'s receiver kept dropping entries of an older epoch during the quiet phase: the
   * target's catch-up streams every retained entry, but a replica applies only entries of its own
   * epoch (spec §10.5, §10.7), so a replica behind an epoch boundary can never catch up by
   * shipping — it cycles Degraded -> CatchingUp -> InSync (catch-up "done") -> barrier timeout.
   */
  stuckOnEpochFence(n: VolumeNode): boolean {
    const now = n.receiver?.obs.staleEpochDrops ?? 0;
    return now > (this.staleDropsAtQuiet.get(n.serverID) ?? 0);
  }

  private beginQuiet(): void {
    this.quiet = true;
    for (const n of this.nodes) this.staleDropsAtQuiet.set(n.serverID, n.receiver?.obs.staleEpochDrops ?? 0);
    this.detail = 'quiet phase: heal all, message faults off, restart all';
    this.network.healAll();
    // Message faults stop too: with datagrams still dropped, every engine RPC could time out and
    // convergence within the quiet phase would be a matter of luck. Latency stays.
    this.network.config = { ...this.network.config, resetPermille: 0, dropPermille: 0, duplicatePermille: 0, reorderPermille: 0 };
    for (const n of this.nodes) if (!n.up()) n.boot(false);
    // Rolling upgrade: the old-version replica restarts on the current version.
    for (const n of this.nodes) {
      if (!n.legacyBarrierReply) continue;
      n.legacyBarrierReply = false;
      if (n.role === 'primary') continue; // it answers no barriers; a later receiver is built upgraded
      n.crash();
      n.boot(false);
      this.detail += `; upgrade ${n.name}`;
    }
  }
}

/** A write or trim answer as the trace says it. */
function ackNote(r: WriteAck | null): string {
  return r === null ? 'failed' : `ack lsn=${r.lsn} ep=${r.epoch} by ${r.by}`;
}
