// reddb replication slots (spec §11.4, reddb-file `ReplicationSlot`): one per replica, holding the
// replica's restart LSN (what the primary must keep) and confirmed positions. A slot can be
// invalidated for one of three causes and is then never revalidated and never advances.

export const ReplicationSlotInvalidationCause = {
  WalRemoved: 'wal-removed',
  Horizon: 'horizon',
  IdleTimeout: 'idle-timeout',
} as const;
export type ReplicationSlotInvalidationCause = (typeof ReplicationSlotInvalidationCause)[keyof typeof ReplicationSlotInvalidationCause];

/** reddb's TimelineId::initial(). */
export const INITIAL_TIMELINE = 1;

/** A plain snapshot of one slot (field names are the Rust ones in camelCase). */
export interface ReplicationSlot {
  readonly replicaId: string;
  readonly timeline: number;
  readonly restartLsn: number;
  readonly confirmedWriteLsn: number;
  readonly confirmedFlushLsn: number;
  readonly confirmedApplyLsn: number;
  /** Set at creation; the primary's invalidation paths do not clear it (as in primary.rs). */
  readonly active: boolean;
  readonly lastSeenAtUnixMs: number;
  readonly invalidationReason: ReplicationSlotInvalidationCause | null;
  readonly invalidatedAtUnixMs: number | null;
}

/** `ReplicationSlot::new`: every position at `restartLsn`, active, never seen. */
export function newReplicationSlot(replicaId: string, timeline: number, restartLsn: number): ReplicationSlot {
  return {
    replicaId,
    timeline,
    restartLsn,
    confirmedWriteLsn: restartLsn,
    confirmedFlushLsn: restartLsn,
    confirmedApplyLsn: restartLsn,
    active: true,
    lastSeenAtUnixMs: 0,
    invalidationReason: null,
    invalidatedAtUnixMs: null,
  };
}

/** `confirmed_lsn()`: the highest of the three confirmed positions. */
export function confirmedLsn(s: ReplicationSlot): number {
  return Math.max(s.confirmedWriteLsn, s.confirmedFlushLsn, s.confirmedApplyLsn);
}

export function isSlotValid(s: ReplicationSlot): boolean {
  return s.invalidationReason === null;
}

/** `retention_floor_lsn()` over a set of slots: min restart LSN of valid slots, null if none. */
export function retentionFloorOf(slots: Iterable<ReplicationSlot>): number | null {
  let floor: number | null = null;
  for (const s of slots) if (isSlotValid(s)) floor = floor === null ? s.restartLsn : Math.min(floor, s.restartLsn);
  return floor;
}
