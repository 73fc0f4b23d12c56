// Data-path invariants of spec §12.5 (W2-W8, W14) as named checks the simulator runs after every
// step. Each reads the cheap observation structs the components keep and recomputes the rule
// with its own code (the handshake table is re-derived here, not borrowed from the shipper).
// Stateful rules (monotonicity, "since the last step") remember per-object state in WeakMaps.
// Candidates (expected to fire at the target): W3 and W4 through hazard H3, W6 through B26.

import { ReplicaState } from '../engine/types.ts';
import type { SyncLog } from './group_commit.ts';
import type { RebuildServer } from './rebuild_server.ts';
import type { ReplicaReceiver } from './receiver.ts';
import type { WALShipper } from './shipper.ts';

/** Same shape as the storage layer's CheckFailure. */
export interface CheckFailure {
  id: string;
  message: string;
  candidate?: boolean;
}

export const REPLICATION_CHECKS = {
  W2: 'in-order delivery: per data connection shipped LSNs strictly increase; replica applies are contiguous',
  W3: 'barrier-backed durability: replica flushedLSN moves only in a barrier after fsync with receivedLSN >= req.LSN, and never exceeds what is durable',
  W4: 'primary view: each shipper replicaFlushedLSN never decreases and never exceeds the primary head',
  W5: 'InSync only via proof: BarrierOK, reconnect handshake or finished catch-up; Ship only degrades',
  W6: 'sync_all acknowledgement is real: every replica proved (and, with ground truth, holds) every LSN <= lsnMax',
  W7: 'handshake matrix: the state after a ResumeShip reply is exactly the one of spec §10.7',
  W8: 'catch-up starts at R+1 of the handshake reply',
  W14: 'epoch fencing on the wire: entries, barrier OKs and rebuild requests only for the current epoch',
} as const;
export type ReplicationCheckId = keyof typeof REPLICATION_CHECKS;

export interface ReplicationCheckTargets {
  shippers(): readonly WALShipper[];
  receivers(): readonly ReplicaReceiver[];
  syncLogs(): readonly SyncLog[];
  rebuildServers(): readonly RebuildServer[];
  /** The head (nextLSN-1) of the primary owning `s`; omit to skip the W4 bound. */
  primaryHeadOf?(s: WALShipper): number | null;
  /**
   * Ground truth: when `lsn` is above the checkpoint and below the head of `s`'s primary but absent
   * from its WAL for a proven cause (a hole, H1; reclaimed before the checkpoint persisted, H23;
   * reclaimed and then the checkpoint lowered by a retention hold, H2), that cause as text; else null.
   */
  primaryGapAt?(s: WALShipper, lsn: number): string | null;
  /**
   * Why shipper `s` sent `lsn` again or out of order on one connection, when the cause is proven
   * target behaviour (its primary's WAL is not in LSN order: the primary ships to its own receiver,
   * H39, or a rebuild's tail replay appended older entries after newer ones, H25), as text; else null.
   */
  shipperRepeatCause?(s: WALShipper, lsn: number): string | null;
  /** Ground truth: the head LSN a crash of receiver `r`'s server now would recover from its disk. */
  receiverDurableLSN?(r: ReplicaReceiver): number | null;
  /**
   * Why receiver `r`'s flushedLSN exceeds `durable`, the head its disk would recover, when the
   * cause is proven target behaviour (the LSN above it missing from its own WAL, H1; a primary
   * shipping to its own receiver, H39), as text; else null.
   */
  receiverDurableCause?(r: ReplicaReceiver, durable: number): string | null;
  /** The head LSN the receiver's volume holds (tells H22 from H3 in a W3 finding). */
  receiverHeadLSN?(r: ReplicaReceiver): number | null;
  /** Ground truth for W6: highest LSN durable on the replica behind a shipper's data address. */
  replicaDurableLSN?(dataAddr: string): number | null;
}

const PROOF_CAUSES = new Set(['barrier_ok', 'reconnect_insync', 'catchup_done']);

function fail(id: ReplicationCheckId, message: string, candidate = false): CheckFailure {
  return candidate ? { id, message, candidate } : { id, message };
}

/** The §10.7 table, written independently of shipper.ts. */
function expectedAfterHandshake(status: number, R: number, S: number, H: number): ReplicaState {
  if (status === 1 || status === 2) return ReplicaState.NeedsRebuild;
  if (status !== 0) return ReplicaState.Degraded;
  if (R > H) return ReplicaState.NeedsRebuild;
  if (R === H) return ReplicaState.InSync;
  if (S <= R + 1) return ReplicaState.CatchingUp;
  return ReplicaState.NeedsRebuild;
}

/** all()'s answer when every check passed (never modified). */
const NONE: readonly CheckFailure[] = [];

/** `out` with `f` appended (a new list for the first failure). */
function push(out: CheckFailure[] | null, f: CheckFailure | null): CheckFailure[] | null {
  if (f === null) return out;
  if (out === null) return [f];
  out.push(f);
  return out;
}

export class ReplicationChecks {
  private readonly lastFlushed = new WeakMap<WALShipper, number>();
  private readonly transitionCursor = new WeakMap<WALShipper, number>();
  private readonly syncCursor = new WeakMap<SyncLog, number>();
  /** Per shipper, W2's verdict on its first out-of-order send. */
  private readonly w2Verdicts = new WeakMap<WALShipper, CheckFailure>();
  /** Per shipper, the handshake (its seq) whose catch-up W8 judged: once, against the WAL as it was then. */
  private readonly w8Judged = new WeakMap<WALShipper, number>();

  constructor(private readonly t: ReplicationCheckTargets) {}

  /** Run every check; the first failure per id, in id order. */
  all(): readonly CheckFailure[] {
    let out: CheckFailure[] | null = null;
    out = push(out, this.w2());
    out = push(out, this.w3());
    out = push(out, this.w4());
    out = push(out, this.w5());
    out = push(out, this.w6());
    out = push(out, this.w7());
    out = push(out, this.w8());
    out = push(out, this.w14());
    return out ?? NONE;
  }

  w2(): CheckFailure | null {
    for (const s of this.t.shippers()) {
      const v = s.obs.orderViolation;
      if (v !== null) {
        // Judged when first seen, against the WAL as it was then; the verdict stands.
        let verdict = this.w2Verdicts.get(s);
        if (verdict === undefined) {
          const why = this.t.shipperRepeatCause?.(s, v.lsn) ?? null;
          verdict = fail('W2', `shipper ${s.dataAddr}: connection ${v.connID}: LSN ${v.lsn} sent after ${v.prev}${why !== null ? `: ${why}` : ''}`, why !== null);
          this.w2Verdicts.set(s, verdict);
        }
        return verdict;
      }
    }
    for (const r of this.t.receivers()) {
      if (r.obs.applyViolation !== null) return fail('W2', `receiver ${r.dataAddr()}: ${r.obs.applyViolation}`);
    }
    return null;
  }

  w3(): CheckFailure | null {
    for (const r of this.t.receivers()) {
      const flushed = r.flushedLSN();
      const lf = r.obs.lastFlush;
      const justified = lf === null ? r.obs.initialFlushed : lf.flushedAfter;
      if (flushed !== justified) return fail('W3', `receiver ${r.dataAddr()}: flushedLSN ${flushed} not set by a barrier (last barrier left ${justified})`);
      if (lf !== null && (!lf.fsynced || lf.receivedAtFsync < lf.reqLSN)) {
        return fail('W3', `receiver ${r.dataAddr()}: barrier for ${lf.reqLSN} advanced flushedLSN with fsynced=${lf.fsynced} receivedLSN=${lf.receivedAtFsync}`);
      }
      const afterReset = r.obs.resets > 0;
      if (flushed > r.receivedLSN()) {
        // A plain store (SyncReceiverProgress) that lowered receivedLSN below the head the volume
        // still holds raced a live apply (H22); a reset that also lowered the volume (truncate,
        // install) leaves flushedLSN stale (H3).
        const lowering = r.obs.loweringBelow(flushed);
        const head = this.t.receiverHeadLSN?.(r) ?? null;
        const why = lowering !== null && head !== null && r.receivedLSN() < head
          ? `H22: a plain receivedLSN store lowered it from ${lowering.from} to ${lowering.to}, below the head ${head} the volume holds`
          : 'H3: reset left flushedLSN stale';
        return fail('W3', `receiver ${r.dataAddr()}: flushedLSN ${flushed} > receivedLSN ${r.receivedLSN()} (${why})`, afterReset);
      }
      const durable = this.t.receiverDurableLSN?.(r) ?? null;
      if (durable !== null && flushed > durable) {
        // A proven cause (the receiver counted LSNs its volume never held, say) names its hazard.
        const why = this.t.receiverDurableCause?.(r, durable) ?? null;
        return fail('W3', `receiver ${r.dataAddr()}: flushedLSN ${flushed} > durable LSN ${durable} (what a crash now would recover from its disk)${why !== null ? `: ${why}` : ''}`, afterReset || why !== null);
      }
    }
    return null;
  }

  w4(): CheckFailure | null {
    for (const s of this.t.shippers()) {
      const f = s.replicaFlushedLSN();
      const prev = this.lastFlushed.get(s);
      if (prev !== f) this.lastFlushed.set(s, f);
      if (prev !== undefined && f < prev) return fail('W4', `shipper ${s.dataAddr}: replicaFlushedLSN decreased ${prev} -> ${f}`);
      const head = this.t.primaryHeadOf?.(s) ?? null;
      if (head !== null && f > head) return fail('W4', `shipper ${s.dataAddr}: replicaFlushedLSN ${f} > primary head ${head} (H3: stale replica flushedLSN)`, true);
    }
    return null;
  }

  w5(): CheckFailure | null {
    for (const s of this.t.shippers()) {
      const cursor = this.transitionCursor.get(s) ?? 0;
      const last = s.obs.lastTransitionSeq();
      if (cursor === last) continue;
      const ts = s.obs.transitionsSince(cursor);
      this.transitionCursor.set(s, last);
      for (const tr of ts) {
        if (tr.to === ReplicaState.InSync && !PROOF_CAUSES.has(tr.cause)) {
          return fail('W5', `shipper ${s.dataAddr}: ${tr.from} -> in_sync without proof (cause ${tr.cause})`);
        }
        if (tr.cause === 'ship_failed' && tr.to !== ReplicaState.Degraded) {
          return fail('W5', `shipper ${s.dataAddr}: Ship moved ${tr.from} -> ${tr.to}`);
        }
      }
    }
    return null;
  }

  w6(): CheckFailure | null {
    for (const log of this.t.syncLogs()) {
      const cursor = this.syncCursor.get(log) ?? 0;
      const last = log.lastSeq();
      if (cursor === last) continue;
      const recs = log.since(cursor);
      this.syncCursor.set(log, last);
      for (const rec of recs) {
        if (rec.err !== null || rec.mode === 'best_effort') continue;
        const proven = rec.results.filter((r) => {
          if (r.err !== null || r.reportedFlushedLSN < rec.lsnMax) return false;
          const d = this.t.replicaDurableLSN?.(r.dataAddr) ?? null;
          return d === null || d >= rec.lsnMax;
        });
        const legacy = rec.results.some((r) => r.err === null && r.reportedFlushedLSN === 0);
        const n = rec.results.length;
        const need = rec.mode === 'sync_all' ? n : Math.floor((n + 1) / 2); // quorum - 1 replicas
        if (proven.length < need) {
          return fail('W6', `${rec.mode} acknowledged lsnMax ${rec.lsnMax} with ${proven.length} of ${n} replicas proven (need ${need})${legacy ? ' (B26: legacy BarrierOK without FlushedLSN)' : ''}`, legacy);
        }
      }
    }
    return null;
  }

  w7(): CheckFailure | null {
    for (const s of this.t.shippers()) {
      const h = s.obs.lastHandshake;
      if (h === null) continue;
      const want = expectedAfterHandshake(h.status, h.R, h.S, h.H);
      if (h.result !== want) {
        return fail('W7', `shipper ${s.dataAddr}: handshake status=${h.status} R=${h.R} S=${h.S} H=${h.H} gave ${h.result}, expected ${want}`);
      }
    }
    return null;
  }

  w8(): CheckFailure | null {
    for (const s of this.t.shippers()) {
      const h = s.obs.lastHandshake;
      if (h === null || h.firstStreamedLSN === null || this.w8Judged.get(s) === h.seq) continue;
      this.w8Judged.set(s, h.seq);
      if (h.firstStreamedLSN !== h.R + 1) {
        // An LSN the primary's WAL claims to hold but does not, for a proven cause, is skipped by
        // the scan: a finding (the cause names its hazard).
        const gap = this.t.primaryGapAt?.(s, h.R + 1) ?? null;
        return fail('W8', `shipper ${s.dataAddr}: catch-up after handshake R=${h.R} streamed ${h.firstStreamedLSN} first${gap !== null ? ` (LSN ${h.R + 1} is missing from the primary WAL: ${gap})` : ''}`, gap !== null);
      }
    }
    return null;
  }

  w14(): CheckFailure | null {
    for (const s of this.t.shippers()) {
      if (s.obs.epochViolation !== null) return fail('W14', `shipper ${s.dataAddr}: ${s.obs.epochViolation}`);
    }
    for (const r of this.t.receivers()) {
      if (r.obs.epochViolation !== null) return fail('W14', `receiver ${r.dataAddr()}: ${r.obs.epochViolation}`);
      // The target checks a barrier's epoch only on arrival (spec §10.5), so an epoch change while
      // it waits (then woken by a rebuild's SyncReceiverProgress) still answers OK: a finding.
      const b = r.obs.barrierEpochViolation;
      if (b !== null) return fail('W14', `receiver ${r.dataAddr()}: ${b} (epoch changed while the barrier waited; the target re-checks nothing after the wait)`, true);
    }
    for (const rs of this.t.rebuildServers()) {
      if (rs.epochViolation !== null) return fail('W14', `rebuild server: ${rs.epochViolation}`);
    }
    return null;
  }
}
