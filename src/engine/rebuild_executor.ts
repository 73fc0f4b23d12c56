// RebuildExecutor (spec §9.4): drives one rebuild plan through the sender — connect, handshake,
// source selection, transfer, tail replay (snapshot_tail) and completion — using only the values
// bound into the plan, and releases its pins on every exit path. Same generator protocol as the
// catch-up executor. Known-bug switch B11 re-derives source and target from storage at execute time.
import { EngineError, goQuote } from './errors.ts';
import type { RecoveryDriver } from './driver.ts';
import { ExecutorErrorCode, PlanExecutor, boolText, ioResult } from './executor.ts';
import type { ExecutorIOCall, ExecutorSteps, RebuildIO } from './executor.ts';
import type { RecoveryPlan } from './plan.ts';
import { RebuildSource } from './types.ts';
import { M, mark } from '../marks/index.ts';

/** What the executor actually drives: the plan's values, or (B11) a fresh storage decision. */
interface RebuildBinding {
  readonly source: RebuildSource | '';
  readonly snapshotLSN: number;
  readonly targetLSN: number;
}

export class RebuildExecutor extends PlanExecutor {
  /** null = test mode (transfers assumed to reach their planned boundary, no I/O yields). */
  io: RebuildIO | null = null;

  constructor(driver: RecoveryDriver, plan: RecoveryPlan) {
    super(driver, plan);
  }

  /** Run-to-completion form over `steps`, performing I/O through `this.io` synchronously. */
  execute(): EngineError | null {
    return this.runToCompletion(this.steps(), this.io, null);
  }

  /** The executor body; IO mode is decided by `this.io` (or `ioMode`) when the generator starts. */
  *steps(ioMode: boolean = this.io !== null): ExecutorSteps {
    const started = this.claimStart();
    if (started !== null) return started;
    const sessID = this.sessionID;
    const s = this.driver.orchestrator.registry.sender(this.replicaID);
    if (s === null) {
      this.release('sender_not_found');
      return new EngineError(ExecutorErrorCode.SenderNotFound, `sender ${goQuote(this.replicaID)} not found`);
    }
    const { source, snapshotLSN, targetLSN } = this.binding();

    yield this.step('beginConnect');
    const connectErr = s.beginConnect(sessID);
    if (connectErr !== null) {
      mark(M.engine_rebuild_connect_failed);
      this.release(`connect_failed: ${connectErr.message}`);
      return connectErr;
    }
    yield this.step('recordHandshake');
    const hsErr = s.recordHandshake(sessID, 0, targetLSN);
    if (hsErr !== null) {
      mark(M.engine_rebuild_handshake_failed);
      this.release(`handshake_failed: ${hsErr.message}`);
      return hsErr;
    }
    yield this.step('selectRebuildSource');
    const selectErr = s.selectRebuildSource(sessID, snapshotLSN, source === RebuildSource.SnapshotTail, targetLSN);
    if (selectErr !== null) {
      mark(M.engine_rebuild_select_failed);
      this.release(`source_select_failed: ${selectErr.message}`);
      return selectErr;
    }
    this.logEvent('exec_rebuild_started', `source=${source} target=${targetLSN} io=${boolText(ioMode)}`);

    yield this.step('beginRebuildTransfer');
    const transferErr = s.beginRebuildTransfer(sessID);
    if (transferErr !== null) {
      mark(M.engine_rebuild_transfer_begin_failed);
      this.release(`transfer_failed: ${transferErr.message}`);
      return transferErr;
    }

    if (source === RebuildSource.SnapshotTail) {
      if (ioMode) {
        const call: ExecutorIOCall = { op: 'transferSnapshot', snapshotLSN };
        const r = ioResult(yield { kind: 'io', call }, call);
        if (r.err !== null) {
          mark(M.engine_rebuild_snapshot_io_failed);
          this.release(`io_snapshot_transfer_failed: ${r.err.message}`);
          return r.err;
        }
      }
      yield this.step('recordRebuildTransferProgress');
      const progressErr = s.recordRebuildTransferProgress(sessID, snapshotLSN);
      if (progressErr !== null) {
        mark(M.engine_rebuild_transfer_progress_failed);
        this.release(`transfer_progress_failed: ${progressErr.message}`);
        return progressErr;
      }
      yield this.step('checkSession');
      if (!s.hasActiveSession() || s.sessionID() !== sessID) {
        mark(M.engine_rebuild_session_invalidated);
        this.release('session_invalidated_mid_rebuild');
        return new EngineError(ExecutorErrorCode.SessionInvalidated, 'session invalidated during rebuild');
      }
      yield this.step('beginRebuildTailReplay');
      const tailErr = s.beginRebuildTailReplay(sessID);
      if (tailErr !== null) {
        mark(M.engine_rebuild_tail_begin_failed);
        this.release(`tail_replay_failed: ${tailErr.message}`);
        return tailErr;
      }
      if (ioMode) {
        const call: ExecutorIOCall = { op: 'streamWALEntries', startExclusive: snapshotLSN, endInclusive: targetLSN };
        const r = ioResult(yield { kind: 'io', call }, call);
        if (r.err !== null) {
          mark(M.engine_rebuild_tail_io_failed);
          this.release(`io_tail_replay_failed: ${r.err.message}`);
          return r.err;
        }
      }
      yield this.step('recordRebuildTailProgress');
      const tailProgressErr = s.recordRebuildTailProgress(sessID, targetLSN);
      if (tailProgressErr !== null) {
        mark(M.engine_rebuild_tail_progress_failed);
        this.release(`tail_progress_failed: ${tailProgressErr.message}`);
        return tailProgressErr;
      }
    } else {
      let achieved = targetLSN;
      if (ioMode) {
        const call: ExecutorIOCall = { op: 'transferFullBase', committedLSN: targetLSN };
        const r = ioResult(yield { kind: 'io', call }, call);
        if (r.err !== null) {
          mark(M.engine_rebuild_full_base_io_failed);
          this.release(`io_full_base_failed: ${r.err.message}`);
          return r.err;
        }
        achieved = r.value ?? 0;
        if (achieved < targetLSN) mark(M.engine_rebuild_full_base_partial);
      }
      yield this.step('recordRebuildTransferProgress');
      const progressErr = s.recordRebuildTransferProgress(sessID, achieved);
      if (progressErr !== null) {
        mark(M.engine_rebuild_transfer_progress_failed);
        this.release(`transfer_progress_failed: ${progressErr.message}`);
        return progressErr;
      }
    }

    yield this.step('completeRebuild');
    const completeErr = s.completeRebuild(sessID);
    if (completeErr !== null) {
      mark(M.engine_rebuild_completion_failed);
      this.release(`rebuild_completion_failed: ${completeErr.message}`);
      return completeErr;
    }
    this.release('');
    mark(M.engine_rebuild_completed);
    this.logEvent('exec_rebuild_completed', 'in_sync');
    return null;
  }

  /** Plan-bound values (the fix of f5c0aab45); B11 re-derives them from current storage. */
  private binding(): RebuildBinding {
    if (!this.driver.ctx.bug('B11')) {
      return { source: this.plan.rebuildSource, snapshotLSN: this.plan.rebuildSnapshotLSN, targetLSN: this.plan.rebuildTargetLSN };
    }
    const h = this.driver.storage.getRetainedHistory();
    const d = h.rebuildSourceDecision({ legacyB27: this.driver.ctx.bug('B27') });
    return { source: d.source, snapshotLSN: d.snapshotLSN, targetLSN: h.committedLSN };
  }
}
