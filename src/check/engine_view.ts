// What the engine checker remembers of one sender between two steps, and the small pure helpers
// its checks share: field-wise equality of canonical sender values (cheap change detection, and
// "changed nothing" for I4), the reachability of session phases (§1.4) and the order of rebuild
// phases (§6). Kept separate so every check file reads the same view the same way.
import type { Sender, SenderCanonical } from '../engine/sender.ts';
import type { SessionCanonical } from '../engine/session.ts';
import type { RebuildCanonical } from '../engine/rebuild.ts';
import type { RecoveryLog } from '../engine/recovery_log.ts';
import { RebuildPhase, SessionPhase, VALID_TRANSITIONS } from '../engine/types.ts';
import type { Endpoint, RecoveryEvent, SessionSnapshot } from '../engine/types.ts';

/** One sender as observed after a step. */
export interface SenderView {
  /** The sender object itself: identity must be stable per ReplicaID (I8). */
  readonly sender: Sender;
  readonly canon: SenderCanonical;
  /** Sender.lastEndedSession() at observation time; compared by reference to see a session end. */
  readonly lastEnded: SessionSnapshot | null;
}

/**
 * The sender as observed now. Given its view from the previous step, returns that view itself
 * when nothing changed (same sender, equal canonical value, same last ended session): an
 * unchanged sender costs no allocation, and `viewOf(s, p) === p` means "unchanged".
 */
export function viewOf(sender: Sender, prev?: SenderView): SenderView {
  const reuse = prev !== undefined && prev.sender === sender ? prev.canon : null;
  const canon = sender.canonical(reuse);
  const lastEnded = sender.lastEndedSession();
  if (prev !== undefined && canon === reuse && lastEnded === prev.lastEnded) return prev;
  return { sender, canon, lastEnded };
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.dataAddr === b.dataAddr && a.ctrlAddr === b.ctrlAddr && a.version === b.version;
}

function sameRebuild(a: RebuildCanonical | null, b: RebuildCanonical | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.source === b.source &&
    a.phase === b.phase &&
    a.abortReason === b.abortReason &&
    a.snapshotLSN === b.snapshotLSN &&
    a.snapshotValid === b.snapshotValid &&
    a.transferredTo === b.transferredTo &&
    a.tailStartLSN === b.tailStartLSN &&
    a.tailTargetLSN === b.tailTargetLSN &&
    a.tailReplayedTo === b.tailReplayedTo
  );
}

export function sameSession(a: SessionCanonical | null, b: SessionCanonical | null): boolean {
  if (a === null || b === null) return a === b;
  const ab = a.budget;
  const bb = b.budget;
  const sameBudget =
    ab === null || bb === null
      ? ab === bb
      : ab.maxDurationTicks === bb.maxDurationTicks &&
        ab.maxEntries === bb.maxEntries &&
        ab.progressDeadlineTicks === bb.progressDeadlineTicks;
  return (
    a.id === b.id &&
    a.replicaID === b.replicaID &&
    a.epoch === b.epoch &&
    a.kind === b.kind &&
    a.phase === b.phase &&
    a.invalidateReason === b.invalidateReason &&
    a.startLSN === b.startLSN &&
    a.targetLSN === b.targetLSN &&
    a.frozenTargetLSN === b.frozenTargetLSN &&
    a.recoveredTo === b.recoveredTo &&
    a.truncateRequired === b.truncateRequired &&
    a.truncateToLSN === b.truncateToLSN &&
    a.truncateRecorded === b.truncateRecorded &&
    sameBudget &&
    a.tracker.startTick === b.tracker.startTick &&
    a.tracker.entriesReplayed === b.tracker.entriesReplayed &&
    a.tracker.lastProgressTick === b.tracker.lastProgressTick &&
    sameRebuild(a.rebuild, b.rebuild)
  );
}

/** Field-wise equality of two canonical sender values (every field, nested session included). */
export function sameSender(a: SenderCanonical, b: SenderCanonical): boolean {
  return (
    a === b ||
    (a.replicaID === b.replicaID &&
      a.epoch === b.epoch &&
      a.state === b.state &&
      a.stopped === b.stopped &&
      sameEndpoint(a.endpoint, b.endpoint) &&
      sameSession(a.session, b.session))
  );
}

/** True iff `to` is reachable from `from` in zero or more advance() edges of §1.4. */
export function phaseReachable(from: SessionPhase, to: SessionPhase): boolean {
  if (from === to) return true;
  const seen = new Set<SessionPhase>([from]);
  const queue: SessionPhase[] = [from];
  while (queue.length > 0) {
    const p = queue.shift() as SessionPhase;
    for (const next of VALID_TRANSITIONS[p]) {
      if (next === to) return true;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}

export function isTerminal(p: SessionPhase): boolean {
  return p === SessionPhase.Completed || p === SessionPhase.Invalidated;
}

/** Position of a rebuild phase in init -> source_select -> transfer -> tail_replay -> completed. */
export function rebuildPhaseRank(p: RebuildPhase): number {
  switch (p) {
    case RebuildPhase.Init:
      return 0;
    case RebuildPhase.SourceSelect:
      return 1;
    case RebuildPhase.Transfer:
      return 2;
    case RebuildPhase.TailReplay:
      return 3;
    case RebuildPhase.Completed:
      return 4;
    case RebuildPhase.Aborted:
      return 5;
  }
}

/**
 * Events appended to the log at index >= `from`. Reads the log's internal array when it is
 * there (no O(n) copy per step); otherwise falls back to the public events() copy. Engine
 * request: a public `eventsSince(index)` would make the fast path official.
 */
export function logTail(log: RecoveryLog, from: number): readonly RecoveryEvent[] {
  const internal = (log as unknown as { readonly entries?: unknown }).entries;
  if (Array.isArray(internal)) return (internal as RecoveryEvent[]).slice(from);
  return log.events().slice(from);
}
