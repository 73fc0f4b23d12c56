// The primary side of reddb replication that decides what WAL to keep and how a replica resumes
// (spec §11.4-11.5, reddb-server `PrimaryReplication`): the replication slots, their retention
// limits, the retention floor and pruning through it, and the resume decision. Slots iterate in
// replica-id order (Rust keeps them in a BTreeMap). Time is the injected virtual clock.

import { StorageError } from '../errors.ts';
import { planted, type ReddbSwitches } from './bugs.ts';
import type { VirtualClock } from './clock.ts';
import {
  INITIAL_TIMELINE,
  newReplicationSlot,
  ReplicationSlotInvalidationCause,
  confirmedLsn,
  retentionFloorOf,
  type ReplicationSlot,
} from './slot.ts';
import type { LogicalWalSpool } from './spool.ts';
import { WalBuffer } from './wal_buffer.ts';

/** reddb's DEFAULT_SLOT_RETENTION_MAX_LAG_LSN and DEFAULT_SLOT_IDLE_TIMEOUT_MS. */
export const DEFAULT_SLOT_RETENTION_MAX_LAG_LSN = 100_000;
export const DEFAULT_SLOT_IDLE_TIMEOUT_MS = 86_400_000;

export type ResumeMode =
  | { readonly kind: 'partial_resync'; readonly resumeLsn: number }
  | { readonly kind: 'full_rebootstrap'; readonly cause: ReplicationSlotInvalidationCause };

export interface SlotInvalidation {
  readonly replicaId: string;
  readonly cause: ReplicationSlotInvalidationCause;
}

export interface ReddbPrimaryOptions {
  readonly clock: VirtualClock;
  /** The durable spool; null when the primary runs without one (buffer only). */
  readonly spool?: LogicalWalSpool | null;
  /** 0 disables the horizon limit. */
  readonly slotRetentionMaxLagLsn?: number;
  /** 0 disables the idle timeout. */
  readonly slotIdleTimeoutMs?: number;
  readonly switches?: ReddbSwitches;
}

type MutableSlot = { -readonly [K in keyof ReplicationSlot]: ReplicationSlot[K] };

export class ReddbPrimary {
  readonly walBuffer = new WalBuffer();
  private readonly slots = new Map<string, MutableSlot>();
  private readonly clock: VirtualClock;
  private readonly spool: LogicalWalSpool | null;
  private readonly maxLagLsn: number;
  private readonly idleTimeoutMs: number;
  private readonly switches: ReddbSwitches;
  private partialResyncs = 0;
  private fullResyncs = 0;

  constructor(options: ReddbPrimaryOptions) {
    this.clock = options.clock;
    this.spool = options.spool ?? null;
    this.maxLagLsn = options.slotRetentionMaxLagLsn ?? DEFAULT_SLOT_RETENTION_MAX_LAG_LSN;
    this.idleTimeoutMs = options.slotIdleTimeoutMs ?? DEFAULT_SLOT_IDLE_TIMEOUT_MS;
    this.switches = options.switches ?? {};
  }

  /**
   * `append_logical_record`: buffer, then spool. Rust ignores the spool's error (`let _ =`); it is
   * returned here so a caller can see it, but the buffer append is not undone.
   */
  appendLogicalRecord(lsn: number, data: Uint8Array): StorageError | null {
    this.walBuffer.append(lsn, data);
    return this.spool === null ? null : this.spool.append(lsn, data);
  }

  /** The spool's current LSN, else the buffer's. */
  currentLogicalLsn(): number {
    return this.spool !== null ? this.spool.currentLsn() : this.walBuffer.currentLsn();
  }

  /** `register_replica` (slot part): a new slot starts at the current LSN; returns the resume LSN. */
  registerReplica(id: string): number {
    return this.ensureSlot(id, this.currentLogicalLsn());
  }

  /** `ensure_slot`: an existing slot keeps its position (only last-seen refreshes, even if invalidated). */
  ensureSlot(id: string, initialLsn: number): number {
    const now = this.clock.nowMs();
    const existing = this.slots.get(id);
    if (existing !== undefined) {
      existing.lastSeenAtUnixMs = now;
      return existing.restartLsn;
    }
    const slot: MutableSlot = { ...newReplicationSlot(id, INITIAL_TIMELINE, initialLsn), lastSeenAtUnixMs: now };
    this.slots.set(id, slot);
    return initialLsn;
  }

  /** `ack_replica_lsn` (slot part): advance the slot at the virtual clock's now. */
  ackReplicaLsn(id: string, appliedLsn: number, durableLsn: number): void {
    this.advanceSlot(id, appliedLsn, durableLsn, this.clock.nowMs());
  }

  /**
   * `advance_slot(id, confirmed, restart)`: creates the slot at 0 if missing; ignored once
   * invalidated; restart = max(restart, durable); write = max(confirmed_lsn(), applied, durable);
   * flush and apply raised to at least restart.
   */
  advanceSlot(id: string, appliedLsn: number, durableLsn: number, nowMs: number): void {
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = { ...newReplicationSlot(id, INITIAL_TIMELINE, 0), lastSeenAtUnixMs: nowMs };
      this.slots.set(id, slot);
    }
    if (slot.invalidationReason !== null) return;
    slot.confirmedWriteLsn = Math.max(confirmedLsn(slot), appliedLsn, durableLsn);
    slot.restartLsn = planted(this.switches, 'advanceLowersRestart') ? durableLsn : Math.max(slot.restartLsn, durableLsn);
    slot.confirmedFlushLsn = Math.max(slot.confirmedFlushLsn, slot.restartLsn);
    slot.confirmedApplyLsn = Math.max(slot.confirmedApplyLsn, slot.restartLsn);
    slot.lastSeenAtUnixMs = nowMs;
  }

  /** `touch_slot`: refresh last-seen of a valid slot (a pull). */
  touchSlot(id: string, nowMs: number): void {
    const slot = this.slots.get(id);
    if (slot !== undefined && slot.invalidationReason === null) slot.lastSeenAtUnixMs = nowMs;
  }

  /** Copies of all slots in replica-id order. */
  slotSnapshots(): ReplicationSlot[] {
    return this.sortedIds().map((id) => ({ ...this.slots.get(id)! }));
  }

  slot(id: string): ReplicationSlot | undefined {
    const s = this.slots.get(id);
    return s === undefined ? undefined : { ...s };
  }

  /** Min restart LSN over valid slots; null when there is none. */
  retentionFloorLsn(): number | null {
    return retentionFloorOf(this.slots.values());
  }

  /** Invalidate valid slots past the horizon (lag) or idle timeout; returns them in id order. */
  enforceRetentionLimits(nowMs: number): SlotInvalidation[] {
    const current = this.currentLogicalLsn();
    const out: SlotInvalidation[] = [];
    for (const id of this.sortedIds()) {
      const slot = this.slots.get(id)!;
      if (slot.invalidationReason !== null) continue;
      let cause: ReplicationSlotInvalidationCause | null = null;
      if (this.maxLagLsn > 0 && saturatingSub(current, slot.restartLsn) > this.maxLagLsn) cause = ReplicationSlotInvalidationCause.Horizon;
      else if (this.idleTimeoutMs > 0 && saturatingSub(nowMs, slot.lastSeenAtUnixMs) > this.idleTimeoutMs)
        cause = ReplicationSlotInvalidationCause.IdleTimeout;
      if (cause !== null) {
        slot.invalidationReason = cause;
        slot.invalidatedAtUnixMs = nowMs;
        out.push({ replicaId: id, cause });
      }
    }
    return out;
  }

  /**
   * `prune_retained_wal_through(archived)`: enforce limits, then prune spool and buffer through
   * min(floor, archived) (archived when no valid slot) if that is > 0. Returns the prune LSN.
   */
  pruneRetainedWalThrough(archivedLsn: number): number | StorageError {
    this.enforceRetentionLimits(this.clock.nowMs());
    const floor = planted(this.switches, 'pruneIgnoresFloor') ? null : this.retentionFloorLsn();
    const pruneLsn = floor === null ? archivedLsn : Math.min(floor, archivedLsn);
    if (pruneLsn > 0) {
      if (this.spool !== null) {
        const e = this.spool.pruneThrough(pruneLsn);
        if (e !== null) return e;
      }
      this.walBuffer.pruneThrough(pruneLsn);
    }
    return pruneLsn;
  }

  /** `slot_rebootstrap_reason`: existing cause, or WalRemoved when oldest > max(restart, requested) + 1. */
  slotRebootstrapReason(id: string, requestedSinceLsn: number, oldestAvailableLsn: number | null): ReplicationSlotInvalidationCause | null {
    const slot = this.slots.get(id);
    if (slot === undefined) return null;
    if (slot.invalidationReason !== null) return slot.invalidationReason;
    const floor = Math.max(slot.restartLsn, requestedSinceLsn);
    const bound = planted(this.switches, 'resumeBoundaryOffByOne') ? floor : floor + 1;
    if (oldestAvailableLsn !== null && oldestAvailableLsn > bound) {
      slot.invalidationReason = ReplicationSlotInvalidationCause.WalRemoved;
      slot.invalidatedAtUnixMs = this.clock.nowMs();
      return ReplicationSlotInvalidationCause.WalRemoved;
    }
    return null;
  }

  /** `plan_replica_resume`: full re-bootstrap for any reason, else partial resync never behind the slot. */
  planReplicaResume(id: string, requestedSinceLsn: number, oldestAvailableLsn: number | null): ResumeMode {
    const cause = this.slotRebootstrapReason(id, requestedSinceLsn, oldestAvailableLsn);
    if (cause !== null) {
      this.fullResyncs += 1;
      return { kind: 'full_rebootstrap', cause };
    }
    const slot = this.slots.get(id);
    const resumeLsn = slot === undefined ? requestedSinceLsn : Math.max(requestedSinceLsn, slot.restartLsn);
    this.partialResyncs += 1;
    return { kind: 'partial_resync', resumeLsn };
  }

  get partialResyncCount(): number {
    return this.partialResyncs;
  }

  get fullResyncCount(): number {
    return this.fullResyncs;
  }

  private sortedIds(): string[] {
    return [...this.slots.keys()].sort();
  }
}

function saturatingSub(a: number, b: number): number {
  return a >= b ? a - b : 0;
}
