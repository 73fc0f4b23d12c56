// The master process under the UPSTREAM control plane: the ported BlockMaster
// (src/control/master) on a simulated host, serving volume servers' heartbeat streams. Each
// stream is a TCP-like connection (the simulator's stand-in for the gRPC bidi stream): every
// message is answered with the server's pending assignments and lease grants, a broken stream is
// the disconnect that starts failover, and the master's deferred promotions (time.AfterFunc
// upstream) run as kernel events at their due time. The volume is created at start the way
// CreateBlockVolume does it, on the servers in order (the first is the primary). The master
// behaves as the run's upstream commit (c7eb87c58 or 3ec8fab2f: BlockMasterOptions.commit).
import { MASTER_ADDR } from './frame_kinds.ts';
import {
  BlockMaster, type BlockAllocResult, type MasterEvent, type UpstreamCommit,
} from '../control/master/index.ts';
import type { FailoverRecord, MasterStats, ReportedProgress } from '../control/ideal/master.ts';
import { rebuildListenAddr, replicationPorts } from '../control/volume/assignment.ts';
import type { Conn, ConnHandlers } from '../replication/transport.ts';
import { decodeFrame, encodeFrame } from './block_service_agent.ts';
import type { ControlPlane } from './control_plane.ts';
import type { Coverage } from './coverage.ts';
import type { Kernel, SimEvent } from './kernel.ts';
import type { NetHost, Network } from './network.ts';
import type { VolumeNode } from './node.ts';
import { StateHash } from './state_hash.ts';

export { MASTER_ADDR };

export interface UpstreamControlEnv {
  readonly kernel: Kernel;
  readonly network: Network;
  readonly nodes: readonly VolumeNode[];
  readonly volume: string;
  readonly volumePath: string;
  readonly volumeSize: number;
  readonly durability: string;
  readonly coverage: Coverage;
  /** The upstream commit the master behaves as (BlockMasterOptions.commit). */
  readonly commit: UpstreamCommit;
  note(detail: string): void;
  onFailover(epoch: number): void;
}

/** What AllocateBlockVolume returns for a server: addresses derived from its listen address. */
export function allocationFor(node: VolumeNode, volumePath: string): BlockAllocResult {
  const listen = node.listenAddr();
  const host = node.name;
  const ports = replicationPorts(listen, volumePath);
  return {
    path: volumePath, iqn: `iqn.2024-01.com.seaweedfs:${node.serverID}`, iscsiAddr: listen, nvmeAddr: '', nqn: '',
    replicaDataAddr: `${host}:${ports.dataPort}`, replicaCtrlAddr: `${host}:${ports.ctrlPort}`,
    rebuildListenAddr: rebuildListenAddr(listen, volumePath),
  };
}

export class UpstreamControl implements ControlPlane {
  readonly mode = 'upstream' as const;
  readonly master: BlockMaster;
  readonly host: NetHost = { name: 'master', owner: { alive: true } };
  readonly stats: MasterStats = { failovers: 0, epochBumps: 0, rebuildAssignments: 0, endpointUpdates: 0 };
  readonly failoverLog: FailoverRecord[] = [];
  private timer: SimEvent | null = null;
  private timerAt = Infinity;
  /** Bumped whenever the master may have changed (its canonical state is rehashed only then). */
  private version = 0;
  private hashedVersion = -1;
  private digestPart = new StateHash();
  /** The volume's registry record before the master call under way (snapshotEntry). */
  private entryBefore: {
    readonly primary: string; readonly primaryWALHead: number; readonly replicas: readonly ReportedProgress[];
    /** The primary's stream was up (block-capable), and until when its last lease grant ran. */
    readonly primaryConnected: boolean; readonly primaryLeaseUntil: number;
  } | null = null;
  /** Promotions made while the primary they deposed was connected (H48), for the checks. */
  readonly promotedOverLive: { readonly epoch: number; readonly promoted: string; readonly deposed: string; readonly at: number; readonly leaseUntil: number }[] = [];

  constructor(private readonly env: UpstreamControlEnv) {
    this.master = new BlockMaster({ commit: env.commit });
  }

  /** The name the master knows the volume by. */
  get volumeName(): string { return this.env.volume; }

  /** Listen for heartbeat streams and create the volume (CreateBlockVolume after placement). */
  start(): void {
    const t = this.env.network.transportFor(this.host);
    const err = t.listen(MASTER_ADDR, (conn) => this.accept(conn));
    if (err !== null) throw new Error(`master: ${err}`);
    const byServer = new Map(this.env.nodes.map((n) => [n.serverID, n] as const));
    // CreateBlockVolume places a volume only on servers the master already knows block-capable
    // (their full block heartbeats marked them): the cluster existed before the volume. Without
    // this, a replica's first heartbeat reaching the master before the primary's first full one
    // finds the primary "dead" and arms an orphan promotion (reevaluateOrphanedPrimaries) that
    // nothing cancels — the primary's stream had already delivered its first message — and that
    // replaces a live primary when the creation's lease runs out: an artifact of the start-up,
    // not a state a real cluster reaches.
    for (const n of this.env.nodes) this.master.registry.markBlockCapable(n.serverID);
    const created = this.master.createBlockVolume(
      { name: this.env.volume, sizeBytes: this.env.volumeSize, replicaFactor: this.env.nodes.length, durabilityMode: this.env.durability },
      this.env.nodes.map((n) => n.serverID),
      (server) => allocationFor(byServer.get(server)!, this.env.volumePath),
      this.env.kernel.now());
    if ('error' in created) throw new Error(`master: create ${this.env.volume}: ${created.error}`);
    this.changed();
  }

  primaryServerID(): string | null {
    return this.master.blockVolumePrimary(this.env.volume)?.volumeServer ?? null;
  }

  currentEpoch(): number {
    return this.master.blockVolumePrimary(this.env.volume)?.epoch ?? 0;
  }

  /**
   * The operator's epoch change under upstream is a manual promote (blockVolumePromoteHandler):
   * the best replica by the promotion gates becomes primary at epoch+1, without force.
   */
  bumpEpoch(): string {
    const v = this.master.lookupBlockVolume(this.env.volume);
    if (v === null || v.replicaServers.length === 0) return 'manual promote: no replica';
    this.snapshotEntry();
    const r = this.master.manualPromote(this.env.volume, '', false, this.env.kernel.now());
    this.changed();
    if ('error' in r) return `manual promote refused: ${r.error}`;
    this.stats.epochBumps += 1;
    return `manual promote: ${r.newPrimary} at epoch ${r.epoch}`;
  }

  private accept(conn: Conn): ConnHandlers {
    const stream = `stream-${conn.id}`;
    return {
      onFrame: (f) => {
        const { server, hb } = decodeFrame<{ server: string; hb: Parameters<BlockMaster['onHeartbeat']>[2] }>(f);
        this.snapshotEntry();
        const reply = this.master.onHeartbeat(stream, server, hb, this.env.kernel.now());
        if (reply !== null) conn.send(encodeFrame({ assignments: reply.blockVolumeAssignments }));
        this.changed();
      },
      onClose: () => {
        this.snapshotEntry();
        this.master.onDisconnect(stream, this.env.kernel.now());
        this.changed();
      },
    };
  }

  /**
   * The volume's registry record as it stood before the master call under way: a promotion
   * rewrites it (the promoted replica leaves Replicas[], the old primary is dropped), and the
   * failover log needs what the master knew when it chose.
   */
  private snapshotEntry(): void {
    const e = this.master.registry.lookup(this.env.volume);
    this.entryBefore = e === null ? null : {
      primary: e.volumeServer, primaryWALHead: e.walHeadLSN,
      replicas: e.replicas.map((r) => ({ serverID: r.server, flushedLSN: r.walHeadLSN })),
      primaryConnected: this.master.registry.isBlockCapable(e.volumeServer),
      primaryLeaseUntil: e.lastLeaseGrant === null ? Number.NEGATIVE_INFINITY : e.lastLeaseGrant + e.leaseTTL,
    };
  }

  /**
   * A promotion, for the checks (E2's failover causes): the promoted server with the WAL head the
   * master ranked it by, the other replicas it listed (considered), and every other server
   * (unavailable: the old primary, which the master holds dead or deposed, and servers the entry
   * no longer lists). Upstream reports WAL heads, not flushed LSNs; they stand in for the
   * reported progress.
   */
  private recordFailover(epoch: number, promoted: string): void {
    const before = this.entryBefore;
    if (before === null) return;
    if (before.primaryConnected && before.primary !== promoted) {
      this.promotedOverLive.push({ epoch, promoted, deposed: before.primary, at: this.env.kernel.now(), leaseUntil: before.primaryLeaseUntil });
    }
    const candidate = before.replicas.find((r) => r.serverID === promoted);
    this.failoverLog.push({
      epoch, promoted, promotedFlushedLSN: candidate?.flushedLSN ?? 0,
      considered: before.replicas,
      skippedRebuilding: [],
      // Every other server: the old primary with the head it last reported, and servers the
      // entry no longer lists (dropped at an earlier failover) with none reported.
      unavailable: this.env.nodes.filter((n) => n.serverID !== promoted && !before.replicas.some((r) => r.serverID === n.serverID))
        .map((n) => ({ serverID: n.serverID, flushedLSN: n.serverID === before.primary ? before.primaryWALHead : 0 })),
    });
  }

  /** After every master call: its log, counters, and the next deferred promotion's event. */
  private changed(): void {
    this.version += 1;
    for (const e of this.master.drainEvents()) this.observe(e);
    const due = this.master.nextDeadline();
    if (due === null || due >= this.timerAt) return;
    if (this.timer !== null) this.env.kernel.cancelEvent(this.timer);
    const now = this.env.kernel.now();
    this.timerAt = due;
    this.timer = this.env.kernel.schedule(Math.max(0, due - now), 'master', 'master.deferred_promotion', () => {
      this.timer = null;
      this.timerAt = Infinity;
      this.snapshotEntry();
      this.master.fireTimers(this.env.kernel.now());
      this.changed();
    });
  }

  /** Every line the master logs goes into the step's detail (upstream's glog lines, as data). */
  private observe(e: MasterEvent): void {
    const promoted = e.source === 'failover' && e.kind === 'promoted';
    if (this.env.kernel.tracing || promoted) this.env.note(`master ${e.kind} ${e.server}: ${e.detail}`);
    if (e.source !== 'failover') return;
    if (promoted) {
      this.stats.failovers += 1;
      this.recordFailover(e.epoch, e.server);
      this.env.onFailover(e.epoch);
    } else if (e.kind === 'rebuild_enqueued') {
      this.stats.rebuildAssignments += 1;
    }
    this.env.coverage.add(`master_${e.kind}`);
  }

  digest(h: StateHash): void {
    if (this.hashedVersion !== this.version) {
      this.digestPart = new StateHash().str(JSON.stringify(this.master.canonical()));
      this.hashedVersion = this.version;
    }
    h.part(this.digestPart);
  }
}
