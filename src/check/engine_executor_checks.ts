// Engine invariants checked around one executor step, from the sender's canonical state just
// before and just after the sender call the step made (spec §12.1-§12.3): stale IDs never act
// (I4), completion only at convergence (I13), budget escalation (I15), rebuild exclusivity (I18),
// the rebuild completion gate (I20), plan binding (I22); and around an executor I/O call: the
// replayed WAL is really there while pinned (I16). Pure functions over the reported facts.
import { walGapReason, type WALGap } from '../sim/engine_observer.ts';
import { failure } from './catalog.ts';
import type { Failure } from './catalog.ts';
import type { ExecutorIOCall, IOResult } from '../engine/executor.ts';
import type { RecoveryPlan } from '../engine/plan.ts';
import type { SenderCanonical } from '../engine/sender.ts';
import type { SessionCanonical } from '../engine/session.ts';
import { sub64 } from '../engine/u64.ts';
import { BudgetViolation, RebuildPhase, RebuildSource, ReplicaState, SessionKind, SessionPhase } from '../engine/types.ts';
import type { CatchUpBudget, ReplicaID } from '../engine/types.ts';
import { sameSender } from './engine_view.ts';
import { firstMissing } from './engine_plan_checks.ts';

/** One executor step: the sender call made when the generator resumed from step yield `label`. */
export interface ExecutorCall {
  readonly replicaID: ReplicaID;
  /** The executor's (plan's) session ID. */
  readonly sessionIDUsed: number;
  /** The step yield's label, e.g. `recordCatchUpProgress[2]`, `completeRebuild`. */
  readonly label: string;
  /** Sender.canonical() immediately before and after the generator step. */
  readonly before: SenderCanonical;
  readonly after: SenderCanonical;
  /** The executor's plan. Optional: without it the checker uses the only live plan of this replica and session. */
  readonly plan?: RecoveryPlan;
}

/** One executor I/O call and its result, reported before the generator is resumed with it. */
export interface ExecutorIO {
  readonly replicaID: ReplicaID;
  readonly sessionIDUsed: number;
  readonly call: ExecutorIOCall;
  readonly result: IOResult;
  /** The executor's plan (optional, as in ExecutorCall). */
  readonly plan?: RecoveryPlan;
}

/** Sender calls gated by checkAuthority (InvalidateSession is not: it takes no session ID). */
const ID_GATED: ReadonlySet<string> = new Set([
  'beginConnect',
  'recordHandshake',
  'beginCatchUp',
  'recordCatchUpProgress',
  'checkBudget',
  'recordTruncation',
  'completeSessionByID',
  'selectRebuildSource',
  'beginRebuildTransfer',
  'recordRebuildTransferProgress',
  'beginRebuildTailReplay',
  'recordRebuildTailProgress',
  'completeRebuild',
]);

/** `recordCatchUpProgress[3]` -> `recordCatchUpProgress`. */
export function labelBase(label: string): string {
  const i = label.indexOf('[');
  return i < 0 ? label : label.slice(0, i);
}

/** Independent oracle of §5 (not the engine's budget.ts): the first violation at `tick`. */
export function budgetViolationAt(b: CatchUpBudget, s: SessionCanonical, tick: number): BudgetViolation {
  const t = s.tracker;
  if (b.maxDurationTicks > 0 && sub64(tick, t.startTick) > b.maxDurationTicks) return BudgetViolation.DurationExceeded;
  if (b.maxEntries > 0 && t.entriesReplayed > b.maxEntries) return BudgetViolation.EntriesExceeded;
  if (b.progressDeadlineTicks > 0 && t.lastProgressTick > 0 && sub64(tick, t.lastProgressTick) > b.progressDeadlineTicks) {
    return BudgetViolation.ProgressStalled;
  }
  return BudgetViolation.OK;
}

/** `rebuildPlan`: the tracked rebuild plan this executor runs, or null for catch-up executors. */
export function checkExecutorCall(c: ExecutorCall, rebuildPlan: RecoveryPlan | null, out: Failure[]): void {
  const base = labelBase(c.label);
  const before = c.before;
  const after = c.after;
  const id = c.sessionIDUsed;
  const who = `replica ${c.replicaID} executor session ${id} step ${c.label}`;
  const sess = before.session;
  const stale = before.stopped || sess === null || sess.id !== id;
  if (stale) {
    if (ID_GATED.has(base) && !sameSender(before, after)) {
      out.push(
        failure('I4', `${who}: stale ID (active ${sess === null ? 'none' : sess.id}${before.stopped ? ', stopped' : ''}) changed sender state`),
      );
    }
    if (base === 'invalidateSession' && !sameSender(before, after)) {
      // Upstream's unsafe-truncation escalation calls InvalidateSession, which takes no session
      // ID: a stale executor can kill a newer session. A finding, not a porting error.
      const f = failure('I4', `${who}: stale executor's InvalidateSession (no ID check) ended session ${sess === null ? 'none' : sess.id} and set ${after.state}`);
      out.push({ ...f, candidate: true });
    }
    return;
  }
  const ended = after.session === null || after.session.id !== id;
  const completed = ended && after.state === ReplicaState.InSync;
  if (base === 'completeSessionByID' && completed) checkCatchUpCompletion(who, sess, out);
  if (base === 'completeRebuild' && completed) checkRebuildCompletion(who, sess, out);
  if (base === 'checkBudget' && sess.budget !== null) {
    // The catch-up executor records progress and checks the budget at the same tick, so the
    // current tick of this check is the tracker's LastProgressTick.
    const v = budgetViolationAt(sess.budget, sess, sess.tracker.lastProgressTick);
    if (v !== BudgetViolation.OK && (!ended || after.state !== ReplicaState.NeedsRebuild)) {
      out.push(
        failure('I15', `${who}: budget violated (${v}) but the session ${ended ? 'ended' : 'is still active'} and state is ${after.state}`),
      );
    }
  }
  if (rebuildPlan !== null && !ended) checkPlanBinding(who, base, rebuildPlan, after.session as SessionCanonical, out);
}

function checkCatchUpCompletion(who: string, s: SessionCanonical, out: Failure[]): void {
  if (s.kind === SessionKind.Rebuild) {
    out.push(failure('I18', `${who}: rebuild session completed through CompleteSessionByID`));
    return;
  }
  const atCatchUp = s.phase === SessionPhase.CatchUp && s.targetLSN > 0 && s.recoveredTo >= s.targetLSN;
  const atHandshake = s.phase === SessionPhase.Handshake && s.targetLSN === s.startLSN;
  if (!atCatchUp && !atHandshake) {
    out.push(
      failure(
        'I13',
        `${who}: completed from phase ${s.phase} with start ${s.startLSN}, recoveredTo ${s.recoveredTo}, target ${s.targetLSN}`,
      ),
    );
  }
  if (s.truncateRequired && !s.truncateRecorded) {
    out.push(failure('I13', `${who}: completed with truncation to ${s.truncateToLSN} required but not recorded`));
  }
}

function checkRebuildCompletion(who: string, s: SessionCanonical, out: Failure[]): void {
  const rb = s.rebuild;
  if (rb === null) {
    out.push(failure('I20', `${who}: CompleteRebuild succeeded on a session without rebuild state`));
    return;
  }
  const ready =
    (rb.source === RebuildSource.SnapshotTail && rb.phase === RebuildPhase.TailReplay && rb.tailReplayedTo >= rb.tailTargetLSN) ||
    (rb.source === RebuildSource.FullBase && rb.phase === RebuildPhase.Transfer && rb.transferredTo >= rb.tailTargetLSN);
  if (!ready) {
    out.push(
      failure(
        'I20',
        `${who}: CompleteRebuild succeeded while not ready (source ${rb.source}, phase ${rb.phase}, transferred ${rb.transferredTo}, tail ${rb.tailReplayedTo}, target ${rb.tailTargetLSN})`,
      ),
    );
  }
}

/** I22: what the rebuild executor hands to the sender is exactly the plan's source, snapshot and target. */
function checkPlanBinding(who: string, base: string, plan: RecoveryPlan, s: SessionCanonical, out: Failure[]): void {
  const rb = s.rebuild;
  const bound = `plan (${plan.rebuildSource}, snapshot ${plan.rebuildSnapshotLSN}, target ${plan.rebuildTargetLSN})`;
  if (base === 'recordHandshake' && s.phase === SessionPhase.Handshake && s.targetLSN !== plan.rebuildTargetLSN) {
    out.push(failure('I22', `${who}: handshake target ${s.targetLSN} differs from the ${bound}`));
  }
  if (rb === null) return;
  if (base === 'selectRebuildSource' && rb.source !== '') {
    if (rb.source !== plan.rebuildSource || rb.snapshotLSN !== plan.rebuildSnapshotLSN || rb.tailTargetLSN !== plan.rebuildTargetLSN) {
      out.push(
        failure('I22', `${who}: selected (${rb.source}, snapshot ${rb.snapshotLSN}, target ${rb.tailTargetLSN}) differs from the ${bound}`),
      );
    }
  }
  if (base === 'recordRebuildTransferProgress' && rb.source === RebuildSource.SnapshotTail && rb.transferredTo !== plan.rebuildSnapshotLSN) {
    out.push(failure('I22', `${who}: snapshot transfer recorded to ${rb.transferredTo}, not the plan's snapshot ${plan.rebuildSnapshotLSN}`));
  }
  if (base === 'recordRebuildTailProgress' && rb.tailReplayedTo !== plan.rebuildTargetLSN) {
    out.push(failure('I22', `${who}: tail replay recorded to ${rb.tailReplayedTo}, not the plan's target ${plan.rebuildTargetLSN}`));
  }
}

/**
 * I16 at replay time: every LSN a catch-up stream delivered, (start, reached], is still in the
 * primary's WAL while the plan's WAL pin is held.
 */
export function checkExecutorIO(
  io: ExecutorIO,
  plan: RecoveryPlan | null,
  walContains: ((lsn: number) => boolean) | null,
  out: Failure[],
  walGap: ((lsn: number) => WALGap | null) | null = null,
): void {
  if (plan === null || walContains === null || plan.retentionPin === null) return;
  if (io.call.op !== 'streamWALEntries' || io.result.err !== null || plan.outcome !== 'catchup') return;
  const reached = Math.min(io.result.value ?? io.call.endInclusive, io.call.endInclusive);
  const missing = firstMissing(walContains, io.call.startExclusive, reached);
  if (missing !== null) {
    // A hole (H1: allocated, never written) or an unfinished append is target behaviour: a finding.
    const gap = walGap?.(missing) ?? null;
    const why = gap === null ? '' : ` (${walGapReason(gap)})`;
    const f = failure(
      'I16',
      `replica ${io.replicaID} session ${io.sessionIDUsed}: streamed (${io.call.startExclusive}, ${reached}] under WAL pin ${plan.retentionPin.pinID} but LSN ${missing} is gone from the primary WAL${why}`,
    );
    out.push(gap !== null ? { ...f, candidate: true } : f);
  }
}
