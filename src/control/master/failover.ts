// Failover and recovery of block volumes on the master: what happens when a volume server's
// heartbeat stream goes away (promote a replica once the old primary's lease has expired, or
// drop a dead replica and remember to rebuild it), what happens when a server comes back (cancel
// its deferred promotions, promote for volumes whose primary is still dead, turn the returning
// server into a replica with a catch-up or rebuild assignment), and the primary refresh after a
// replica's receiver address changed.
//
// Ports: weed/server/master_block_failover.go — pendingRebuild, deferredPromotion,
// blockFailoverState, failoverBlockVolumes, promoteReplica, finalizePromotion,
// recordPendingRebuild, drainPendingRebuilds, cancelDeferredTimers, removeFiredDeferredPromotion,
// recoverBlockVolumes, reevaluateOrphanedPrimaries, refreshPrimaryForAddrChange, and the
// FailoverDiagnostic snapshot (as `diagnostic()`).
//
// Timers: upstream arms time.AfterFunc(leaseExpiry - now). Here a deferred promotion is a record
// with `dueAt` (virtual ms); the owner asks `nextDeadline()` and calls `fireDue(now)` when the
// clock reaches it. Timers due at the same instant fire in arming order. Stopping a timer (Go
// Timer.Stop) removes the record.
//
// Left out: PublicationDiagnosticFor (lookup/publication coherence), metrics counters, the manual
// promote HTTP handler (its registry half, ManualPromote, is ported and finalizePromotion is
// exposed for it).
//
// UPSTREAM HAZARDS kept as they are (listed in docs/control.md):
// - finalizePromotion enqueues an assignment for the NEW PRIMARY ONLY. Surviving replicas (RF=3)
//   are never told the new epoch and keep their old-epoch role until something else reassigns
//   them.
// - Lease wait (failoverBlockVolumes, reevaluateOrphanedPrimaries) is measured from the registry's
//   LastLeaseGrant, which is the arrival time of the primary's last FULL heartbeat. Lease grants
//   are also sent in replies to every other heartbeat (volume ticks, deltas), and the volume
//   server starts its lease when the reply arrives, so the old primary can still hold a valid
//   lease when the master promotes.
// - applyPromotionLocked clears RebuildListenAddr and nothing sets it again (only create does), so
//   the Rebuilding assignment recoverBlockVolumes sends after a promotion carries an empty
//   RebuildAddr (upstream test TestT4_RebuildEmptyAddr_StillQueued accepts this).
// - failoverBlockVolumes case 2 (a replica died) removes the replica from the registry but sends
//   the primary nothing; the primary keeps shipping to it until some later Primary assignment.
// - The deferred promotion's only re-check is the epoch; a primary whose stream reconnected is
//   protected only because cancelDeferredTimers runs on its first heartbeat. Orphan timers are
//   filed under the dead primary and cancelled only when THAT server reconnects.
// - removeFiredDeferredPromotion removes the first diagnostic record for the volume, which may
//   belong to another (still armed) timer for the same volume; that timer can then no longer be
//   cancelled by cancelDeferredTimers (reevaluateOrphanedPrimaries arms a new timer on every full
//   heartbeat of every replica while the lease runs).
import {
  ASSIGNMENT_LEASE_TTL_MS, Role, assignment, leaseTTLToWire, roleFromWire,
  type BlockVolumeAssignment,
} from './messages.ts';
import { BlockAssignmentQueue } from './assignment_queue.ts';
import {
  BlockVolumeRegistry, hasReplica, replicaByServer, replicaInfo,
  type BlockVolumeEntry, type ReplicaAddrChange,
} from './block_registry.ts';
import type { PromotionPreflightResult } from './promotion.ts';
import { markNamed } from '../../marks/index.ts';

/** pendingRebuild: a volume to give back to a dead server when it reconnects. */
export interface PendingRebuild {
  volumeName: string;
  /** The path on the dead server. */
  oldPath: string;
  newPrimary: string;
  epoch: number;
  /** CP13-8: the replica's receiver addresses from before it died (empty for an old primary). */
  replicaDataAddr: string;
  replicaCtrlAddr: string;
}

/** deferredPromotion: the diagnostic record of an armed lease-wait timer. */
export interface DeferredPromotion {
  timerId: number;
  volumeName: string;
  currentPrimary: string;
  affectedServer: string;
}

interface DeferredTimer {
  id: number;
  dueAt: number;
  volumeName: string;
  capturedEpoch: number;
  /** Key of the diagnostic list the callback cleans (removeFiredDeferredPromotion). */
  fileKey: string;
  kind: 'failover' | 'orphan';
}

/** One thing the failover logic did or declined to do (upstream's glog lines, as data). */
export interface FailoverEvent {
  kind:
    | 'no_replica' | 'deferred' | 'promoted' | 'promote_failed' | 'replica_removed'
    | 'timer_skipped_deleted' | 'timer_skipped_epoch' | 'timers_cancelled' | 'orphan_detected'
    | 'rebuild_skipped_deleted' | 'catchup_enqueued' | 'rebuild_enqueued' | 'rebuild_empty_addr'
    | 'primary_refreshed';
  volume: string;
  server: string;
  epoch: number;
  detail: string;
  /** For promote_failed / promoted: the gate results. */
  preflight?: PromotionPreflightResult | null;
}

export interface FailoverVolumeState {
  volumeName: string;
  currentPrimary: string;
  affectedServer: string;
  deferredPromotion: boolean;
  pendingRebuild: boolean;
  reason: 'lease_wait' | 'rebuild_pending';
}

export class BlockFailover {
  private readonly pendingRebuilds = new Map<string, PendingRebuild[]>();
  private readonly deferredTimers = new Map<string, DeferredPromotion[]>();
  private readonly timers = new Map<number, DeferredTimer>();
  private nextTimerId = 1;
  readonly events: FailoverEvent[] = [];

  constructor(private readonly registry: BlockVolumeRegistry, private readonly queue: BlockAssignmentQueue) {}

  /**
   * failoverBlockVolumes: the server's heartbeat stream is gone. For each volume indexed on it:
   * if it is the primary (Role Primary) and the volume has a replica, promote now when the lease
   * (LastLeaseGrant + LeaseTTL) has expired, else arm a timer for the expiry; if it hosts a
   * replica, remove that replica and record a pending rebuild carrying its receiver addresses.
   */
  failoverBlockVolumes(deadServer: string, now: number): void {
    for (const entry of this.registry.listByServer(deadServer)) {
      if (entry.volumeServer === deadServer && roleFromWire(entry.role) === Role.Primary) {
        if (!hasReplica(entry)) {
          this.emit('no_replica', entry.name, deadServer, entry.epoch, 'cannot promote');
          continue;
        }
        const leaseExpiry = leaseExpiryOf(entry);
        if (now < leaseExpiry) {
          this.armDeferred('failover', entry, deadServer, deadServer, leaseExpiry, now);
          continue;
        }
        this.promoteReplica(entry.name, now);
        continue;
      }
      if (entry.volumeServer !== deadServer) {
        const ri = replicaByServer(entry, deadServer);
        if (ri === undefined) continue;
        const err = this.registry.removeReplica(entry.name, deadServer);
        if (err !== null) continue;
        this.recordPendingRebuild(deadServer, {
          volumeName: entry.name, oldPath: ri.path, newPrimary: entry.volumeServer, epoch: entry.epoch,
          replicaDataAddr: ri.dataAddr, replicaCtrlAddr: ri.ctrlAddr,
        });
        this.emit('replica_removed', entry.name, deadServer, entry.epoch, `primary ${entry.volumeServer} keeps epoch; pending rebuild`);
      }
    }
  }

  /** promoteReplica: PromoteBestReplica, then finalizePromotion. */
  promoteReplica(volumeName: string, now: number): void {
    const entry = this.registry.lookup(volumeName);
    if (entry === null || !hasReplica(entry)) return;
    const oldPrimary = entry.volumeServer;
    const oldPath = entry.path;
    const r = this.registry.promoteBestReplica(volumeName, now);
    if ('error' in r) {
      this.emit('promote_failed', volumeName, oldPrimary, entry.epoch, r.error, r.preflight);
      return;
    }
    this.finalizePromotion(volumeName, oldPrimary, oldPath, r.epoch, r.preflight);
  }

  /**
   * finalizePromotion: enqueue a Primary assignment (new epoch, 30 s lease, the remaining
   * replicas' addresses with server IDs) for the new primary only, and record a pending rebuild
   * (no addresses) for the old primary.
   */
  finalizePromotion(volumeName: string, oldPrimary: string, oldPath: string, newEpoch: number, preflight: PromotionPreflightResult | null = null): void {
    const entry = this.registry.lookup(volumeName);
    if (entry === null) return;
    const a = primaryAssignment(entry, newEpoch);
    this.queue.enqueue(entry.volumeServer, a);
    this.recordPendingRebuild(oldPrimary, {
      volumeName, oldPath, newPrimary: entry.volumeServer, epoch: newEpoch, replicaDataAddr: '', replicaCtrlAddr: '',
    });
    this.emit('promoted', volumeName, entry.volumeServer, newEpoch, `old primary ${oldPrimary}`, preflight);
  }

  /**
   * recoverBlockVolumes: a server's stream delivered its first heartbeat. Cancel its deferred
   * promotions, re-evaluate volumes whose primary is dead, then for each pending rebuild: add the
   * server back as a replica and either (known receiver addresses) send it a Replica assignment
   * and re-send the primary its Primary assignment, or send it a Rebuilding assignment with the
   * entry's RebuildListenAddr (possibly empty).
   */
  recoverBlockVolumes(server: string, now: number): void {
    this.cancelDeferredTimers(server);
    this.reevaluateOrphanedPrimaries(server, now);
    const rebuilds = this.drainPendingRebuilds(server);
    for (const rb of rebuilds) {
      const entry = this.registry.lookup(rb.volumeName);
      if (entry === null) {
        this.emit('rebuild_skipped_deleted', rb.volumeName, server, rb.epoch, 'volume deleted while down');
        continue;
      }
      const dataAddr = rb.replicaDataAddr;
      const ctrlAddr = rb.replicaCtrlAddr;
      // Upstream adds the replica without a role or heartbeat: it is not promotable (wrong_role /
      // no_heartbeat) until its next full heartbeat reports RoleReplica.
      this.registry.addReplica(rb.volumeName, replicaInfo({ server, path: rb.oldPath, dataAddr, ctrlAddr }));
      if (dataAddr !== '') {
        const ttl = leaseTTLToWire(ASSIGNMENT_LEASE_TTL_MS);
        this.queue.enqueue(server, assignment({
          path: rb.oldPath, epoch: entry.epoch, role: Role.Replica, leaseTtlMs: ttl,
          replicaDataAddr: dataAddr, replicaCtrlAddr: ctrlAddr,
        }));
        // Upstream builds the Primary refresh from the entry read BEFORE AddReplica, so the
        // returning replica is missing from the refresh's replica list.
        this.queue.enqueue(entry.volumeServer, primaryAssignment(entry, entry.epoch));
        this.emit('catchup_enqueued', rb.volumeName, server, entry.epoch, `data=${dataAddr}; Primary refresh on ${entry.volumeServer}`);
        continue;
      }
      const rebuildAddr = entry.rebuildListenAddr;
      if (rebuildAddr === '') this.emit('rebuild_empty_addr', rb.volumeName, server, entry.epoch, `new primary ${entry.volumeServer}`);
      this.queue.enqueue(server, assignment({ path: rb.oldPath, epoch: entry.epoch, role: Role.Rebuilding, rebuildAddr }));
      this.emit('rebuild_enqueued', rb.volumeName, server, entry.epoch, `rebuildAddr=${rebuildAddr}`);
    }
  }

  /**
   * reevaluateOrphanedPrimaries: for volumes where this server is a replica and the primary is
   * not block-capable, promote now if the lease expired, else arm a timer filed under the dead
   * primary. Runs on every first heartbeat and every full heartbeat.
   */
  reevaluateOrphanedPrimaries(server: string, now: number): void {
    for (const volumeName of this.registry.volumesWithDeadPrimary(server)) {
      const entry = this.registry.lookup(volumeName);
      if (entry === null) continue;
      const leaseExpiry = leaseExpiryOf(entry);
      if (now < leaseExpiry) {
        this.armDeferred('orphan', entry, entry.volumeServer, entry.volumeServer, leaseExpiry, now);
        continue;
      }
      this.emit('orphan_detected', volumeName, server, entry.epoch, `primary ${entry.volumeServer} dead, lease expired`);
      this.promoteReplica(volumeName, now);
    }
  }

  /**
   * refreshPrimaryForAddrChange: re-send the CURRENT primary its Primary assignment at the
   * current epoch with every replica's (updated) addresses.
   */
  refreshPrimaryForAddrChange(ac: ReplicaAddrChange): void {
    const entry = this.registry.lookup(ac.volumeName);
    if (entry === null) return;
    this.queue.enqueue(entry.volumeServer, primaryAssignment(entry, entry.epoch));
    this.emit('primary_refreshed', ac.volumeName, entry.volumeServer, entry.epoch,
      `data ${ac.oldDataAddr}->${ac.newDataAddr} ctrl ${ac.oldCtrlAddr}->${ac.newCtrlAddr}`);
  }

  /** cancelDeferredTimers: stop every timer filed under this server (R2-F2). */
  cancelDeferredTimers(server: string): void {
    const promos = this.deferredTimers.get(server) ?? [];
    this.deferredTimers.delete(server);
    for (const dp of promos) this.timers.delete(dp.timerId);
    if (promos.length > 0) this.emit('timers_cancelled', '', server, 0, `${promos.length} deferred promotion timers`);
  }

  recordPendingRebuild(deadServer: string, rb: PendingRebuild): void {
    let list = this.pendingRebuilds.get(deadServer);
    if (list === undefined) { list = []; this.pendingRebuilds.set(deadServer, list); }
    list.push({ ...rb });
  }

  drainPendingRebuilds(server: string): PendingRebuild[] {
    const list = this.pendingRebuilds.get(server) ?? [];
    this.pendingRebuilds.delete(server);
    return list;
  }

  pendingRebuildsFor(server: string): PendingRebuild[] {
    return (this.pendingRebuilds.get(server) ?? []).map((r) => ({ ...r }));
  }

  // --- timers ---

  /** The earliest armed timer's due time, or null. */
  nextDeadline(): number | null {
    let min: number | null = null;
    for (const t of this.timers.values()) if (min === null || t.dueAt < min) min = t.dueAt;
    return min;
  }

  /** Fire every timer due at or before `now`, earliest first, arming order among equals. */
  fireDue(now: number): void {
    for (;;) {
      let next: DeferredTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.dueAt > now) continue;
        if (next === undefined || t.dueAt < next.dueAt || (t.dueAt === next.dueAt && t.id < next.id)) next = t;
      }
      if (next === undefined) return;
      this.timers.delete(next.id);
      this.fire(next, now);
    }
  }

  armedTimers(): number { return this.timers.size; }

  /** FailoverDiagnostic: pending rebuilds and lease waits, per volume. */
  diagnostic(): { volumes: FailoverVolumeState[]; pendingRebuildCount: Record<string, number>; deferredPromotionCount: Record<string, number> } {
    const volumes: FailoverVolumeState[] = [];
    const pendingRebuildCount: Record<string, number> = {};
    const deferredPromotionCount: Record<string, number> = {};
    for (const s of [...this.pendingRebuilds.keys()].sort()) {
      const list = this.pendingRebuilds.get(s)!;
      pendingRebuildCount[s] = list.length;
      for (const rb of list) {
        volumes.push({ volumeName: rb.volumeName, currentPrimary: rb.newPrimary, affectedServer: s, deferredPromotion: false, pendingRebuild: true, reason: 'rebuild_pending' });
      }
    }
    for (const s of [...this.deferredTimers.keys()].sort()) {
      const list = this.deferredTimers.get(s)!;
      deferredPromotionCount[s] = list.length;
      for (const dp of list) {
        volumes.push({ volumeName: dp.volumeName, currentPrimary: dp.currentPrimary, affectedServer: dp.affectedServer, deferredPromotion: true, pendingRebuild: false, reason: 'lease_wait' });
      }
    }
    return { volumes, pendingRebuildCount, deferredPromotionCount };
  }

  canonical(): unknown {
    const sorted = <T>(m: Map<string, T[]>): [string, T[]][] => [...m.keys()].sort().map((k) => [k, m.get(k)!]);
    return {
      pendingRebuilds: sorted(this.pendingRebuilds),
      deferredTimers: sorted(this.deferredTimers),
      timers: [...this.timers.values()].sort((a, b) => a.id - b.id),
      nextTimerId: this.nextTimerId,
    };
  }

  drainEvents(): FailoverEvent[] {
    return this.events.splice(0, this.events.length);
  }

  // --- internals ---

  private armDeferred(kind: 'failover' | 'orphan', entry: BlockVolumeEntry, fileKey: string, affected: string, dueAt: number, now: number): void {
    const id = this.nextTimerId++;
    this.timers.set(id, { id, dueAt, volumeName: entry.name, capturedEpoch: entry.epoch, fileKey, kind });
    let list = this.deferredTimers.get(fileKey);
    if (list === undefined) { list = []; this.deferredTimers.set(fileKey, list); }
    list.push({ timerId: id, volumeName: entry.name, currentPrimary: entry.volumeServer, affectedServer: affected });
    this.emit('deferred', entry.name, entry.volumeServer, entry.epoch, `${kind}: lease expires in ${dueAt - now}ms (at ${dueAt})`);
  }

  private fire(t: DeferredTimer, now: number): void {
    this.removeFiredDeferredPromotion(t.fileKey, t.volumeName);
    const current = this.registry.lookup(t.volumeName);
    if (current === null) {
      this.emit('timer_skipped_deleted', t.volumeName, t.fileKey, t.capturedEpoch, `${t.kind} timer`);
      return;
    }
    if (current.epoch !== t.capturedEpoch) {
      this.emit('timer_skipped_epoch', t.volumeName, t.fileKey, current.epoch, `${t.kind} timer: epoch changed ${t.capturedEpoch} -> ${current.epoch}`);
      return;
    }
    this.promoteReplica(t.volumeName, now);
  }

  /** removeFiredDeferredPromotion: drop the FIRST record for the volume under this server. */
  private removeFiredDeferredPromotion(server: string, volumeName: string): void {
    const list = this.deferredTimers.get(server);
    if (list === undefined) return;
    const i = list.findIndex((dp) => dp.volumeName === volumeName);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.deferredTimers.delete(server);
  }

  private emit(kind: FailoverEvent['kind'], volume: string, server: string, epoch: number, detail: string, preflight?: PromotionPreflightResult | null): void {
    markNamed(`control_failover_${kind}`);
    const ev: FailoverEvent = { kind, volume, server, epoch, detail };
    if (preflight !== undefined) ev.preflight = preflight;
    this.events.push(ev);
  }
}

/** LastLeaseGrant + LeaseTTL; a zero LastLeaseGrant has long expired. */
export function leaseExpiryOf(e: BlockVolumeEntry): number {
  return e.lastLeaseGrant === null ? Number.NEGATIVE_INFINITY : e.lastLeaseGrant + e.leaseTTL;
}

/**
 * The Primary assignment failover, recovery and address refresh build: 30 s lease, every
 * replica's addresses with its server as ServerID, and the scalar fields when exactly one
 * replica. (CreateBlockVolume builds its own, without ServerIDs; see index.ts.)
 */
export function primaryAssignment(entry: BlockVolumeEntry, epoch: number): BlockVolumeAssignment {
  const a = assignment({ path: entry.path, epoch, role: Role.Primary, leaseTtlMs: leaseTTLToWire(ASSIGNMENT_LEASE_TTL_MS) });
  for (const ri of entry.replicas) a.replicaAddrs.push({ dataAddr: ri.dataAddr, ctrlAddr: ri.ctrlAddr, serverID: ri.server });
  if (entry.replicas.length === 1) {
    const r0 = entry.replicas[0]!;
    a.replicaDataAddr = r0.dataAddr;
    a.replicaCtrlAddr = r0.ctrlAddr;
    a.replicaServerID = r0.server;
  }
  return a;
}
