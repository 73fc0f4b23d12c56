// The IDEAL control plane (a model, not a port): the master of the spec's intended V2 design. It
// assigns the volume with an epoch and a replica list (stable server IDs + endpoints),
// re-delivers assignments in every heartbeat reply, fails over when the primary stops
// heartbeating, issues rebuild assignments for replicas the primary reports as needing a rebuild,
// and bumps an endpoint's version when a server comes back on a new address. It learns only what
// heartbeats tell it — a partitioned node is not told anything. Upstream's real master is
// `src/control/master/` (run with `--control upstream`); this model is kinder in places (it tells
// every server every assignment on every heartbeat) and knows more (per-replica engine states),
// which exercises the engine's recovery far more. Findings under it are labelled as such.
import type { Assignment, ReplicaInfo } from './assignment.ts';
import type { Heartbeat } from './heartbeat.ts';
import { M, mark } from '../../marks/index.ts';

export interface ServerRecord {
  readonly serverID: string;
  node: string;
  dataAddr: string;
  ctrlAddr: string;
  rebuildAddr: string;
  addrVersion: number;
  lastHeartbeat: number;
  /** Last reported role/epoch/LSNs. */
  role: string;
  epoch: number;
  headLSN: number;
  flushedLSN: number;
}

export interface MasterConfig {
  readonly volume: string;
  /** A primary silent for this long is considered lost. */
  readonly leaseMs: number;
  /** Failover may promote any live replica (sync_all), not only the most advanced one. */
  readonly anyReplicaMayWin: boolean;
  readonly choose: (kind: string, options: number) => number;
}

/** A server as the master last heard of it: its ID and the durable progress it reported. */
export interface ReportedProgress {
  readonly serverID: string;
  readonly flushedLSN: number;
}

/**
 * One failover: whom it promoted, the live servers it chose from, those it passed over because
 * they were being rebuilt, and those it could not consider because their lease had run out (the
 * lost primary too), each with the progress it last reported.
 */
export interface FailoverRecord {
  readonly epoch: number;
  readonly promoted: string;
  readonly promotedFlushedLSN: number;
  readonly considered: readonly ReportedProgress[];
  readonly skippedRebuilding: readonly ReportedProgress[];
  readonly unavailable: readonly ReportedProgress[];
}

export interface MasterStats {
  failovers: number;
  epochBumps: number;
  rebuildAssignments: number;
  endpointUpdates: number;
}

export class Master {
  private epoch = 1;
  private primary: string;
  private readonly servers = new Map<string, ServerRecord>();
  /** The servers' IDs in ascending order, and their records in that order (the server set is fixed at construction). */
  private readonly ids: readonly string[];
  private readonly records: readonly ServerRecord[];
  /** Replicas currently assigned the rebuilding role. */
  private readonly rebuilding = new Set<string>();
  readonly stats: MasterStats = { failovers: 0, epochBumps: 0, rebuildAssignments: 0, endpointUpdates: 0 };
  /** Every failover, in order (the checks ask whether one passed over a replica holding a durable write). */
  readonly failoverLog: FailoverRecord[] = [];

  constructor(private readonly cfg: MasterConfig, initial: readonly ServerRecord[], primary: string) {
    for (const s of initial) this.servers.set(s.serverID, { ...s });
    this.ids = [...this.servers.keys()].sort();
    this.records = this.ids.map((id) => this.servers.get(id)!);
    this.primary = primary;
  }

  currentEpoch(): number { return this.epoch; }
  primaryServerID(): string { return this.primary; }
  serverIDs(): readonly string[] { return this.ids; }
  server(id: string): ServerRecord | undefined { return this.servers.get(id); }
  rebuildingServers(): string[] { return [...this.rebuilding].sort(); }

  /** The assignment for one server as of now. */
  assignmentFor(serverID: string): Assignment {
    const p = this.servers.get(this.primary)!;
    // One literal per case (no `{ ...base, role }`: adding fields after a spread is slow on Node 20).
    const assignment = (role: Assignment['role'], replicas: readonly ReplicaInfo[]): Assignment =>
      ({ volume: this.cfg.volume, epoch: this.epoch, primaryServerID: this.primary, primaryRebuildAddr: p.rebuildAddr, role, replicas });
    if (serverID === this.primary) {
      const replicas: ReplicaInfo[] = this.serverIDs().filter((id) => id !== this.primary).map((id) => {
        const s = this.servers.get(id)!;
        return { serverID: id, dataAddr: s.dataAddr, ctrlAddr: s.ctrlAddr, addrVersion: s.addrVersion, role: this.rebuilding.has(id) ? 'rebuilding' : 'replica' };
      });
      return assignment('primary', replicas);
    }
    return assignment(this.rebuilding.has(serverID) ? 'rebuilding' : 'replica', []);
  }

  /** Heartbeat in; returns true if an endpoint changed (the primary must hear about it). */
  onHeartbeat(hb: Heartbeat, now: number): boolean {
    const s = this.servers.get(hb.serverID);
    if (s === undefined) return false;
    s.lastHeartbeat = now;
    s.node = hb.node;
    s.role = hb.role;
    s.epoch = hb.epoch;
    s.headLSN = hb.headLSN;
    s.flushedLSN = hb.flushedLSN;
    let changed = false;
    if (s.dataAddr !== hb.dataAddr || s.ctrlAddr !== hb.ctrlAddr || s.rebuildAddr !== hb.rebuildAddr) {
      s.dataAddr = hb.dataAddr;
      s.ctrlAddr = hb.ctrlAddr;
      s.rebuildAddr = hb.rebuildAddr;
      s.addrVersion += 1;
      this.stats.endpointUpdates += 1;
      changed = true;
    }
    if (hb.serverID === this.primary && hb.epoch === this.epoch) this.noteReplicaReports(hb);
    return changed;
  }

  /** The primary's per-replica view drives rebuild assignments (and ends them once in sync). */
  private noteReplicaReports(hb: Heartbeat): void {
    for (const r of hb.replicas) {
      // NeedsRebuild from either the engine's sender or the WAL shipper (heartbeats carry both).
      if ((r.engineState === 'needs_rebuild' || r.shipperState === 'needs_rebuild') && !this.rebuilding.has(r.serverID)) {
        this.rebuilding.add(r.serverID);
        mark(M.control_ideal_rebuild_assigned);
        this.stats.rebuildAssignments += 1;
      } else if (this.rebuilding.has(r.serverID) && r.engineState === 'in_sync') {
        this.rebuilding.delete(r.serverID);
      }
    }
  }

  /** Periodic check: fail over when the primary's lease ran out. Returns true if the epoch changed. */
  tick(now: number): boolean {
    const p = this.servers.get(this.primary)!;
    if (now - p.lastHeartbeat <= this.cfg.leaseMs) return false;
    mark(M.control_ideal_lease_expired);
    return this.failOver(now, null);
  }

  /**
   * Operator failover now (scenario files): away from the current primary whatever its lease, to
   * `to` when given and live (else as a lease expiry would choose). Returns true if the epoch changed.
   */
  failOverNow(now: number, to: string | null): boolean {
    if (to === this.primary) return false;
    return this.failOver(now, to);
  }

  /** Operator: assign `serverID` the rebuilding role (as the primary's NeedsRebuild report would). */
  assignRebuild(serverID: string): void {
    if (serverID === this.primary || this.rebuilding.has(serverID)) return;
    this.rebuilding.add(serverID);
    this.stats.rebuildAssignments += 1;
  }

  private failOver(now: number, to: string | null): boolean {
    const p = this.servers.get(this.primary)!;
    // Candidates: live servers not being rebuilt. Under sync_all every replica holds every
    // acknowledged write, so any of them may win (the choice is the chooser's, which is how a
    // replica ends up ahead of the new primary); otherwise the highest reported durable progress.
    const live: ServerRecord[] = [];
    const skippedRebuilding: ReportedProgress[] = [];
    const unavailable: ReportedProgress[] = [{ serverID: p.serverID, flushedLSN: p.flushedLSN }];
    for (const id of this.serverIDs()) {
      if (id === this.primary) continue;
      const s = this.servers.get(id)!;
      if (now - s.lastHeartbeat > this.cfg.leaseMs) { unavailable.push({ serverID: id, flushedLSN: s.flushedLSN }); continue; }
      if (this.rebuilding.has(id)) skippedRebuilding.push({ serverID: id, flushedLSN: s.flushedLSN });
      else live.push(s);
    }
    if (live.length === 0) return mark(M.control_ideal_failover_no_candidate), false;
    let best = live[0]!;
    const wanted = to === null ? undefined : live.find((s) => s.serverID === to);
    if (to !== null && wanted === undefined) return mark(M.control_ideal_failover_target_unavailable), false;
    if (wanted !== undefined) best = wanted;
    else if (this.cfg.anyReplicaMayWin) best = live[this.cfg.choose('master.promote', live.length)]!;
    else for (const s of live) if (s.flushedLSN > best.flushedLSN) best = s;
    this.primary = best.serverID;
    this.epoch += 1;
    this.stats.failovers += 1;
    mark(M.control_ideal_failover_promoted);
    const considered = live.map((s) => ({ serverID: s.serverID, flushedLSN: s.flushedLSN }));
    this.failoverLog.push({ epoch: this.epoch, promoted: best.serverID, promotedFlushedLSN: best.flushedLSN, considered, skippedRebuilding, unavailable });
    return true;
  }

  /** Fault: a fresh epoch for the same topology (an operator reassignment). */
  bumpEpoch(): void {
    this.epoch += 1;
    this.stats.epochBumps += 1;
  }

  /** Every server's record, in server-ID order (for the fingerprint). */
  serverRecords(): readonly ServerRecord[] { return this.records; }

  /** Replicas currently assigned the rebuilding role, in assignment order. */
  rebuildingInOrder(): ReadonlySet<string> { return this.rebuilding; }
}
