// The reddb logical WAL invariants R1-R5 (spec §12.7). Each check recomputes its truth from plain
// inputs (file bytes, slot snapshots, the decision made) with its own code, never by calling the
// code under test, and returns a CheckFailure or null. R1 is a candidate: it fails at the stored
// version through hazard H12 (a 1-3 byte stub after the last frame survives repair).

import { StorageError } from '../errors.ts';
import { decodeFrameAt, type LogicalWalEntry } from './frame.ts';
import type { ResumeMode } from './primary.ts';
import { readFramesFrom } from './scan.ts';
import type { SeekPoint } from './seek_index.ts';
import { retentionFloorOf, ReplicationSlotInvalidationCause, type ReplicationSlot } from './slot.ts';
import type { SpoolRecord } from './spool.ts';

export interface CheckFailure {
  id: string;
  message: string;
  candidate?: boolean;
}

export const REDDB_CHECKS = {
  R1: 'longest valid prefix: after open/repair the spool is exactly complete valid frames and holds every acked append',
  R2: 'seek index sound: points are frame starts with their LSN, strictly increasing; read_since(x) = frames with lsn > x',
  R3: 'floor respected: a prune removes no frame above min(retention floor of valid slots, archived)',
  R4: 'resume decision: partial iff valid slot and oldest <= max(restart, requested) + 1; resume >= restart; invalidated => full',
  R5: 'slot monotonicity: restart and confirmed LSNs never decrease; invalidation is permanent and freezes the slot',
} as const;

function fail(id: keyof typeof REDDB_CHECKS, message: string, candidate = false): CheckFailure {
  return candidate ? { id, message, candidate } : { id, message };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** End of the longest prefix of complete valid frames (strict: any non-frame byte ends it). */
export function longestValidPrefixEnd(bytes: Uint8Array): number {
  let at = 0;
  for (;;) {
    const d = decodeFrameAt(bytes, at);
    if (!d.ok) return at;
    at = d.end;
  }
}

// ---- R1 ----------------------------------------------------------------------------------------

export interface AckedAppend {
  readonly lsn: number;
  readonly data: Uint8Array;
}

/**
 * R1 on the bytes of a just-opened spool: (a) they are exactly complete valid frames (no stub or
 * garbage after the last one), (b) if the pre-repair bytes are given, they are exactly the longest
 * valid prefix of those, (c) every acked append is among the frames.
 */
export function checkR1(afterRepair: Uint8Array, acked: readonly AckedAppend[], beforeRepair?: Uint8Array): CheckFailure | null {
  const validEnd = longestValidPrefixEnd(afterRepair);
  if (validEnd !== afterRepair.length)
    return fail('R1', `spool has ${afterRepair.length - validEnd} byte(s) after its last valid frame (valid prefix ends at ${validEnd} of ${afterRepair.length})`, true);
  if (beforeRepair !== undefined) {
    const want = longestValidPrefixEnd(beforeRepair);
    if (!sameBytes(afterRepair, beforeRepair.subarray(0, want)))
      return fail('R1', `repair kept ${afterRepair.length} bytes but the longest valid prefix was ${want} bytes`, true);
  }
  const present = readFramesFrom(afterRepair, 0).map((f) => f.entry);
  for (const a of acked) {
    if (!present.some((e) => e.lsn === a.lsn && sameBytes(e.data, a.data)))
      return fail('R1', `acknowledged append lsn=${a.lsn} is not in the spool after open`, true);
  }
  return null;
}

/** Tracks acknowledged appends (forgetting those a prune legitimately removed) and checks R1 after each open. */
export class R1AckTracker {
  private acked: AckedAppend[] = [];

  noteAcked(lsn: number, data: Uint8Array): void {
    this.acked.push({ lsn, data: data.slice() });
  }

  /** A prune through `upto` succeeded: acked appends with lsn <= upto may be gone. */
  notePruned(upto: number): void {
    this.acked = this.acked.filter((a) => a.lsn > upto);
  }

  get count(): number {
    return this.acked.length;
  }

  check(afterRepair: Uint8Array, beforeRepair?: Uint8Array): CheckFailure | null {
    return checkR1(afterRepair, this.acked, beforeRepair);
  }
}

// ---- R2 ----------------------------------------------------------------------------------------

/** What R2 needs to see of a spool; LogicalWalSpool satisfies it. A read error is reported as a failure. */
export interface SeekableSpoolView {
  seekIndex(): SeekPoint[];
  fileBytes(): Uint8Array | StorageError;
  readSince(since: number, max: number): SpoolRecord[] | StorageError;
}

/** R2. `probes` are the `since` values to try; by default 0, every indexed LSN ±1 and a sample of frame LSNs. */
export function checkR2(spool: SeekableSpoolView, probes?: readonly number[]): CheckFailure | null {
  const bytes = spool.fileBytes();
  if (bytes instanceof StorageError) return fail('R2', `cannot read the spool: ${bytes.message}`);
  const points = spool.seekIndex();
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (i > 0 && p.lsn <= points[i - 1]!.lsn) return fail('R2', `index LSNs not strictly increasing at ${i}: ${points[i - 1]!.lsn} then ${p.lsn}`);
    const d = decodeFrameAt(bytes, p.offset);
    if (!d.ok) return fail('R2', `index point (lsn ${p.lsn}, offset ${p.offset}) is not a valid frame start (${d.reason})`);
    if (d.entry.lsn !== p.lsn) return fail('R2', `index point (lsn ${p.lsn}, offset ${p.offset}) names a frame with lsn ${d.entry.lsn}`);
  }
  const all: LogicalWalEntry[] = readFramesFrom(bytes, 0).map((f) => f.entry);
  for (const x of probes ?? defaultProbes(points, all)) {
    const want = all.filter((e) => e.lsn > x).map((e) => e.lsn);
    const records = spool.readSince(x, Number.MAX_SAFE_INTEGER);
    if (records instanceof StorageError) return fail('R2', `read_since(${x}) failed: ${records.message}`);
    const got = records.map((r) => r.lsn);
    if (want.length !== got.length || want.some((l, i) => got[i] !== l))
      return fail('R2', `read_since(${x}) returned [${preview(got)}], expected [${preview(want)}]`);
  }
  return null;
}

function defaultProbes(points: readonly SeekPoint[], all: readonly LogicalWalEntry[]): number[] {
  const xs = new Set<number>([0]);
  for (const p of points) for (const d of [-1, 0, 1]) if (p.lsn + d >= 0) xs.add(p.lsn + d);
  const stride = Math.max(1, Math.floor(all.length / 16));
  for (let i = 0; i < all.length; i += stride) xs.add(all[i]!.lsn);
  if (all.length > 0) xs.add(all[all.length - 1]!.lsn);
  return [...xs].sort((a, b) => a - b);
}

function preview(xs: readonly number[]): string {
  return xs.length <= 8 ? xs.join(',') : `${xs.slice(0, 4).join(',')},...(${xs.length}),${xs.slice(-2).join(',')}`;
}

// ---- R3 ----------------------------------------------------------------------------------------

export interface PruneObservation {
  /** LSNs held (spool frames or buffer records) just before the prune call. */
  readonly before: readonly number[];
  /** LSNs held just after it. */
  readonly after: readonly number[];
  /** The slots as they were when the prune ran (after its own enforcement of limits). */
  readonly slotsAtPrune: readonly ReplicationSlot[];
  readonly archivedLsn: number;
}

/** R3: every LSN removed by the prune is <= min(floor over valid slots, archived) (archived if no valid slot). */
export function checkR3(o: PruneObservation): CheckFailure | null {
  const floor = retentionFloorOf(o.slotsAtPrune);
  const bound = floor === null ? o.archivedLsn : Math.min(floor, o.archivedLsn);
  const left = new Map<number, number>();
  for (const l of o.after) left.set(l, (left.get(l) ?? 0) + 1);
  for (const l of o.before) {
    const n = left.get(l) ?? 0;
    if (n > 0) {
      left.set(l, n - 1);
      continue;
    }
    if (l > bound)
      return fail('R3', `prune removed lsn ${l} above the bound ${bound} (floor ${floor === null ? 'none' : floor}, archived ${o.archivedLsn})`);
  }
  return null;
}

// ---- R4 ----------------------------------------------------------------------------------------

export interface ResumeObservation {
  /** The replica's slot just before plan_replica_resume (undefined if it had none). */
  readonly slotBefore: ReplicationSlot | undefined;
  /** The slot just after. */
  readonly slotAfter: ReplicationSlot | undefined;
  readonly requestedSinceLsn: number;
  readonly oldestAvailableLsn: number | null;
  readonly decision: ResumeMode;
}

/** The closed form of §11.5 / R4. */
export function expectedResume(slot: ReplicationSlot | undefined, requested: number, oldest: number | null): ResumeMode {
  if (slot === undefined) return { kind: 'partial_resync', resumeLsn: requested };
  if (slot.invalidationReason !== null) return { kind: 'full_rebootstrap', cause: slot.invalidationReason };
  if (oldest !== null && oldest > Math.max(slot.restartLsn, requested) + 1)
    return { kind: 'full_rebootstrap', cause: ReplicationSlotInvalidationCause.WalRemoved };
  return { kind: 'partial_resync', resumeLsn: Math.max(requested, slot.restartLsn) };
}

function showResume(m: ResumeMode): string {
  return m.kind === 'partial_resync' ? `PartialResync{${m.resumeLsn}}` : `FullRebootstrap{${m.cause}}`;
}

export function checkR4(o: ResumeObservation): CheckFailure | null {
  const want = expectedResume(o.slotBefore, o.requestedSinceLsn, o.oldestAvailableLsn);
  const got = o.decision;
  const same = want.kind === 'partial_resync' ? got.kind === 'partial_resync' && got.resumeLsn === want.resumeLsn : got.kind === 'full_rebootstrap' && got.cause === want.cause;
  const ctx = `(slot restart ${o.slotBefore?.restartLsn ?? 'none'}, requested ${o.requestedSinceLsn}, oldest ${o.oldestAvailableLsn ?? 'none'})`;
  if (!same) return fail('R4', `resume decision ${showResume(got)} but the closed form gives ${showResume(want)} ${ctx}`);
  if (got.kind === 'partial_resync' && o.slotBefore !== undefined && got.resumeLsn < o.slotBefore.restartLsn)
    return fail('R4', `partial resync at ${got.resumeLsn} is behind the slot's restart ${o.slotBefore.restartLsn}`);
  if (got.kind === 'full_rebootstrap' && o.slotAfter !== undefined && o.slotAfter.invalidationReason === null)
    return fail('R4', `full re-bootstrap left slot ${o.slotAfter.replicaId} valid ${ctx}`);
  return null;
}

// ---- R5 ----------------------------------------------------------------------------------------

/** R5 over successive slot snapshots: positions never decrease, an invalidation never changes or clears. */
export class R5SlotMonitor {
  private readonly last = new Map<string, ReplicationSlot>();

  observe(slots: readonly ReplicationSlot[]): CheckFailure | null {
    let failure: CheckFailure | null = null;
    for (const s of slots) {
      const prev = this.last.get(s.replicaId);
      if (prev !== undefined && failure === null) failure = compareSlot(prev, s);
      this.last.set(s.replicaId, { ...s });
    }
    return failure;
  }
}

function compareSlot(prev: ReplicationSlot, next: ReplicationSlot): CheckFailure | null {
  const fields = ['restartLsn', 'confirmedWriteLsn', 'confirmedFlushLsn', 'confirmedApplyLsn'] as const;
  for (const f of fields)
    if (next[f] < prev[f]) return fail('R5', `slot ${next.replicaId}: ${f} decreased from ${prev[f]} to ${next[f]}`);
  if (prev.invalidationReason !== null && next.invalidationReason !== prev.invalidationReason)
    return fail('R5', `slot ${next.replicaId}: invalidation ${prev.invalidationReason} changed to ${next.invalidationReason ?? 'valid'}`);
  if (prev.invalidationReason !== null)
    for (const f of fields)
      if (next[f] !== prev[f]) return fail('R5', `slot ${next.replicaId}: invalidated (${prev.invalidationReason}) but ${f} moved from ${prev[f]} to ${next[f]}`);
  if (prev.invalidatedAtUnixMs !== null && next.invalidatedAtUnixMs !== prev.invalidatedAtUnixMs)
    return fail('R5', `slot ${next.replicaId}: invalidated_at changed from ${prev.invalidatedAtUnixMs} to ${next.invalidatedAtUnixMs ?? 'none'}`);
  return null;
}
