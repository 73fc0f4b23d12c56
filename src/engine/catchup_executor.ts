// CatchUpExecutor (spec §9.3): drives one catch-up plan through the sender — begin, replay (per
// progress step in test mode, one stream in IO mode), truncation, completion — and releases the
// plan's pins on every exit path. The body is a generator (`steps`) that yields before every
// sender call and for every I/O call; `execute` is upstream's run-to-completion form over it.
import { ERR_TRUNCATION_UNSAFE, EngineError, goQuote } from './errors.ts';
import type { RecoveryDriver } from './driver.ts';
import { ExecutorErrorCode, PlanExecutor, boolText, ioResult } from './executor.ts';
import type { CatchUpIO, ExecutorIOCall, ExecutorSteps } from './executor.ts';
import type { RecoveryPlan } from './plan.ts';
import { ReplicaState } from './types.ts';
import { M, mark } from '../marks/index.ts';

export class CatchUpExecutor extends PlanExecutor {
  /** null = test mode (progress LSNs supplied by the caller, no I/O yields). */
  io: CatchUpIO | null = null;
  /** Upstream OnStep: called after step i's progress, before its budget check (test mode only). */
  onStep: ((step: number) => void) | null = null;

  constructor(driver: RecoveryDriver, plan: RecoveryPlan) {
    super(driver, plan);
  }

  /** Run-to-completion form: drives `steps` and performs I/O through `this.io` synchronously. */
  execute(progressLSNs: readonly number[], startTick: number): EngineError | null {
    return this.runToCompletion(this.steps(progressLSNs, startTick), this.io, this.onStep);
  }

  /**
   * The executor body. IO mode is decided by `this.io` (or `ioMode`) when the generator starts;
   * in IO mode `progressLSNs` is ignored and each io yield must be resumed with its IOResult.
   */
  *steps(progressLSNs: readonly number[], startTick: number, ioMode: boolean = this.io !== null): ExecutorSteps {
    const started = this.claimStart();
    if (started !== null) return started;
    const plan = this.plan;
    const sessID = this.sessionID;
    const s = this.driver.orchestrator.registry.sender(this.replicaID);
    if (s === null) {
      this.release('sender_not_found');
      return new EngineError(ExecutorErrorCode.SenderNotFound, `sender ${goQuote(this.replicaID)} not found`);
    }

    yield this.step('beginCatchUp');
    const beginErr = s.beginCatchUp(sessID, startTick);
    if (beginErr !== null) {
      mark(M.engine_catchup_begin_failed);
      this.release(`begin_catchup_failed: ${beginErr.message}`);
      return beginErr;
    }
    this.logEvent('exec_catchup_started', `target=${plan.catchUpTarget} tick=${startTick} io=${boolText(ioMode)}`);

    const truncOnly = plan.truncateLSN > 0 && plan.catchUpStartLSN >= plan.catchUpTarget;
    if (truncOnly) mark(M.engine_catchup_truncate_only);
    if (!truncOnly && ioMode) {
      const call: ExecutorIOCall = { op: 'streamWALEntries', startExclusive: plan.catchUpStartLSN, endInclusive: plan.catchUpTarget };
      const streamed = ioResult(yield { kind: 'io', call }, call);
      if (streamed.err !== null) {
        mark(M.engine_catchup_io_stream_failed);
        this.release(`io_stream_failed: ${streamed.err.message}`);
        return streamed.err;
      }
      yield this.step('recordCatchUpProgress');
      const progressErr = s.recordCatchUpProgress(sessID, streamed.value ?? 0, startTick + 1);
      if (progressErr !== null) {
        mark(M.engine_catchup_progress_failed);
        this.release(`progress_after_io: ${progressErr.message}`);
        return progressErr;
      }
    } else if (!truncOnly) {
      for (let i = 0; i < progressLSNs.length; i++) {
        yield this.step(`checkSession[${i}]`);
        if (!s.hasActiveSession() || s.sessionID() !== sessID) {
          mark(M.engine_catchup_session_invalidated);
          this.release('session_invalidated_mid_execution');
          return new EngineError(ExecutorErrorCode.SessionInvalidated, `session invalidated during catch-up step ${i}`);
        }
        const tick = startTick + i + 1;
        yield this.step(`recordCatchUpProgress[${i}]`);
        const progressErr = s.recordCatchUpProgress(sessID, progressLSNs[i]!, tick);
        if (progressErr !== null) {
          mark(M.engine_catchup_progress_failed);
          this.release(`progress_failed_step_${i}: ${progressErr.message}`);
          return progressErr;
        }
        yield this.step(`checkBudget[${i}]`, i);
        const budget = s.checkBudget(sessID, tick);
        if (budget.err !== null) {
          mark(M.engine_catchup_budget_check_failed);
          this.release(`budget_check_failed: ${budget.err.message}`);
          return budget.err;
        }
        if (budget.violation !== '') {
          mark(M.engine_catchup_budget_escalated);
          this.release(`budget_escalated: ${budget.violation}`);
          return new EngineError(ExecutorErrorCode.BudgetViolation, `budget violation at step ${i}: ${budget.violation}`);
        }
      }
    }

    if (plan.truncateLSN > 0) {
      if (ioMode) {
        const call: ExecutorIOCall = { op: 'truncateWAL', lsn: plan.truncateLSN };
        const truncated = ioResult(yield { kind: 'io', call }, call);
        if (truncated.err !== null && truncated.err.is(ERR_TRUNCATION_UNSAFE)) {
          yield this.step('invalidateSession');
          s.invalidateSession('flushed_ahead_needs_rebuild', ReplicaState.NeedsRebuild);
          mark(M.engine_catchup_truncation_escalated);
          this.release(`truncation_escalated_to_rebuild: ${truncated.err.message}`);
          this.logEvent('truncation_escalated', `truncate_to=${plan.truncateLSN} err=${truncated.err.message}`);
          return new EngineError(ExecutorErrorCode.TruncationEscalated, `truncation escalated to rebuild: ${truncated.err.message}`, truncated.err);
        }
        if (truncated.err !== null) {
          mark(M.engine_catchup_truncation_io_failed);
          this.release(`truncation_io_failed: ${truncated.err.message}`);
          return truncated.err;
        }
      }
      yield this.step('recordTruncation');
      const truncErr = s.recordTruncation(sessID, plan.truncateLSN);
      if (truncErr !== null) {
        mark(M.engine_catchup_truncation_record_failed);
        this.release(`truncation_failed: ${truncErr.message}`);
        return truncErr;
      }
      mark(M.engine_catchup_truncated);
      this.logEvent('exec_truncation', `truncated_to=${plan.truncateLSN} io=${boolText(ioMode)}`);
    }

    yield this.step('completeSessionByID');
    if (!s.completeSessionByID(sessID)) {
      mark(M.engine_catchup_completion_rejected);
      this.release('completion_rejected');
      return new EngineError(ExecutorErrorCode.CompletionRejected, 'completion rejected');
    }
    this.release('');
    mark(M.engine_catchup_completed);
    this.logEvent('exec_completed', 'in_sync');
    return null;
  }
}
