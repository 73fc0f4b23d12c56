// Wires the IDEAL control plane (src/control/ideal/master.ts, a model of the spec's intended V2
// design) into the cluster: heartbeats arrive as datagrams, every heartbeat is answered with the
// sender's full assignment (and the primary's when an endpoint changed), a 500 ms tick fails over
// a primary whose lease ran out and re-delivers every assignment, and an operator epoch bump
// re-delivers every assignment. Its view enters the fingerprint behind a change key.
import type { Assignment } from '../control/ideal/assignment.ts';
import type { Heartbeat } from '../control/ideal/heartbeat.ts';
import { Master, type FailoverRecord, type MasterStats, type ReportedProgress } from '../control/ideal/master.ts';
import { ChangeKey } from './change_key.ts';
import type { RecordingChooser } from './chooser.ts';
import type { ControlPlane } from './control_plane.ts';
import type { Kernel } from './kernel.ts';
import type { NetHost, Network } from './network.ts';
import type { VolumeNode } from './node.ts';
import { StateHash } from './state_hash.ts';

export interface IdealControlEnv {
  readonly kernel: Kernel;
  readonly network: Network;
  readonly chooser: RecordingChooser;
  readonly nodes: readonly VolumeNode[];
  readonly volume: string;
  readonly anyReplicaMayWin: boolean;
  /** A primary silent this long is failed over (default 3 s). */
  readonly leaseMs?: number;
  /** Say what a step did (the trace's detail). */
  note(detail: string): void;
  /** A failover happened at `epoch` (the cluster records every server's actual progress). */
  onFailover(epoch: number): void;
}

/** How long a primary may stay silent before the ideal master fails over. */
const LEASE_MS = 3000;
const TICK_MS = 500;

export class IdealControl implements ControlPlane {
  readonly mode = 'ideal' as const;
  readonly master: Master;
  readonly host: NetHost = { name: 'master', owner: { alive: true } };
  private readonly digestKey = new ChangeKey();
  private digestPart = new StateHash();

  constructor(private readonly env: IdealControlEnv) {
    const c = env.chooser;
    this.master = new Master({ volume: env.volume, leaseMs: env.leaseMs ?? LEASE_MS, anyReplicaMayWin: env.anyReplicaMayWin, choose: (k, n) => c.choose(k, n) }, env.nodes.map((n) => ({
      serverID: n.serverID, node: n.name, dataAddr: n.dataAddr(), ctrlAddr: n.ctrlAddr(), rebuildAddr: n.rebuildAddr(), addrVersion: 1,
      lastHeartbeat: 0, role: 'none', epoch: 0, headLSN: 0, flushedLSN: 0,
    })), env.nodes[0]!.serverID);
  }

  get stats(): MasterStats { return this.master.stats; }
  get failoverLog(): readonly FailoverRecord[] { return this.master.failoverLog; }
  primaryServerID(): string { return this.master.primaryServerID(); }
  currentEpoch(): number { return this.master.currentEpoch(); }

  /** Start the failover tick. */
  start(): void {
    this.env.kernel.schedule(TICK_MS, 'master', 'master.tick', () => this.tick());
  }

  /** A node sends its heartbeat (a datagram to the master). */
  sendHeartbeat(from: VolumeNode, hb: Heartbeat): void {
    this.env.network.sendDatagram(from.name, this.host, 'master.heartbeat', () => this.onHeartbeat(hb), true,
      this.env.kernel.tracing ? `hb ${hb.role} ep=${hb.epoch} head=${hb.headLSN} flushed=${hb.flushedLSN}` : undefined);
  }

  bumpEpoch(): string {
    this.master.bumpEpoch();
    this.deliverAll();
    return `epoch bump to ${this.master.currentEpoch()}`;
  }

  /** Operator failover now (scenario `failover`), to `to` when given; returns what happened. */
  failOverNow(to: string | null): string {
    if (!this.master.failOverNow(this.env.kernel.now(), to)) return `failover${to === null ? '' : ` to ${to}`}: no eligible live server`;
    this.env.onFailover(this.master.currentEpoch());
    this.deliverAll();
    return `failover to ${this.master.primaryServerID()} epoch ${this.master.currentEpoch()}`;
  }

  /** Operator: send `serverID` to rebuild (scenario `assign_rebuild`); assignments re-delivered. */
  assignRebuild(serverID: string): string {
    this.master.assignRebuild(serverID);
    this.deliverAll();
    return `assign rebuild ${serverID}`;
  }

  private onHeartbeat(hb: Heartbeat): void {
    const changed = this.master.onHeartbeat(hb, this.env.kernel.now());
    const node = this.env.nodes.find((n) => n.serverID === hb.serverID)!;
    this.deliver(node);
    if (changed) {
      const p = this.env.nodes.find((n) => n.serverID === this.master.primaryServerID());
      if (p !== undefined && p !== node) this.deliver(p);
    }
  }

  private deliver(node: VolumeNode): void {
    const a: Assignment = this.master.assignmentFor(node.serverID);
    this.env.network.sendDatagram('master', node.host, 'master.assign', () => node.onAssignment(a), true,
      this.env.kernel.tracing ? `assign ${a.role} ep=${a.epoch}` : undefined);
  }

  private deliverAll(): void {
    for (const n of this.env.nodes) this.deliver(n);
  }

  private tick(): void {
    if (this.master.tick(this.env.kernel.now())) {
      this.env.onFailover(this.master.currentEpoch());
      this.env.note(`failover to ${this.master.primaryServerID()} epoch ${this.master.currentEpoch()}`);
      this.deliverAll();
    }
    this.env.kernel.schedule(TICK_MS, 'master', 'master.tick', () => this.tick());
  }

  /**
   * Feeds the master's view to the per-step fingerprint: epoch, primary, rebuilding servers,
   * every server's endpoint — hashed on its own and fed as one part. The view changes rarely, so
   * the part is rehashed only when one of the values it covers changed (digestKey).
   */
  digest(h: StateHash): void {
    const m = this.master;
    const rebuilding = m.rebuildingInOrder();
    const key = this.digestKey.begin().add(m.currentEpoch()).add(m.primaryServerID()).add(rebuilding.size);
    for (const id of rebuilding) key.add(id); // insertion order: a mere reorder only rehashes
    for (const s of m.serverRecords()) key.add(s.dataAddr).add(s.addrVersion);
    if (key.changed()) this.digestPart = this.hashView();
    h.part(this.digestPart);
  }

  private hashView(): StateHash {
    const m = this.master;
    const h = new StateHash().num(m.currentEpoch()).str(m.primaryServerID());
    const rebuilding = m.rebuildingServers();
    h.num(rebuilding.length);
    for (const id of rebuilding) h.str(id);
    const records = m.serverRecords();
    h.num(records.length);
    for (const s of records) h.str(s.serverID).str(s.dataAddr).num(s.addrVersion);
    return h;
  }
}

export type { ReportedProgress };
