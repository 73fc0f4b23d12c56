// RecoveryOrchestrator (spec §9.1): the integrated entry path above the raw Sender APIs. Applies
// assignments through the registry, runs the planner step (connect + handshake from history),
// the test-only convenience flows, and epoch changes — and writes every lifecycle transition to
// the RecoveryLog with the exact event names and details of §9.8. Not atomic: each sender call
// is its own step (§0.1). Known-bug switch B5 (endpoint_changed on every supersede) lives here.
import { EngineContext } from './context.ts';
import { EngineError } from './errors.ts';
import type { RetainedHistory } from './history.ts';
import { RecoveryLog } from './recovery_log.ts';
import { Registry } from './registry.ts';
import { RebuildSource, RecoveryOutcome, ReplicaState, endpointChanged } from './types.ts';
import type {
  AssignmentIntent,
  AssignmentResult,
  CatchUpOptions,
  Endpoint,
  RecoverabilityProof,
  ReplicaID,
} from './types.ts';
import { M, mark } from '../marks/index.ts';

export const OrchestratorErrorCode = {
  SenderNotFound: 'sender_not_found',
  NoSession: 'no_session',
  BudgetViolation: 'budget_violation',
  CompletionRejected: 'completion_rejected',
} as const;

/** Outcome of one ExecuteRecovery call. `outcome` is '' when no handshake classified anything. */
export interface RecoveryResult {
  readonly replicaID: ReplicaID;
  readonly outcome: RecoveryOutcome | '';
  readonly proof: RecoverabilityProof | null;
  /** '' when the call failed before reaching the sender (Go's zero value). */
  readonly finalState: ReplicaState | '';
  readonly error: EngineError | null;
}

interface PreState {
  readonly replicaID: ReplicaID;
  readonly hadSession: boolean;
  readonly sessionID: number;
  readonly endpoint: Endpoint;
}

export class RecoveryOrchestrator {
  readonly registry: Registry;
  readonly log: RecoveryLog;

  constructor(readonly ctx: EngineContext = new EngineContext()) {
    this.registry = new Registry(ctx);
    this.log = new RecoveryLog();
  }

  /** Applies the intent and logs added/removed, endpoint invalidations, created/superseded/failed. */
  processAssignment(intent: AssignmentIntent): AssignmentResult {
    const pre: PreState[] = [];
    const seen = new Set<ReplicaID>();
    for (const ra of intent.replicas) {
      const s = this.registry.sender(ra.replicaID);
      if (s === null || seen.has(ra.replicaID)) continue;
      seen.add(ra.replicaID);
      pre.push({ replicaID: ra.replicaID, hadSession: s.hasActiveSession(), sessionID: s.sessionID(), endpoint: s.endpoint() });
    }
    pre.sort((a, b) => compareIDs(a.replicaID, b.replicaID));

    const result = this.registry.applyAssignment(intent);

    for (const id of result.added) this.log.record(id, 0, 'sender_added', '');
    for (const id of result.removed) this.log.record(id, 0, 'sender_removed', '');
    for (const p of pre) {
      if (!p.hadSession) continue;
      const s = this.registry.sender(p.replicaID);
      if (s === null || s.sessionID() === p.sessionID) continue;
      // B5: log on every session change, even an ordinary supersede with an unchanged endpoint.
      if (this.ctx.bug('B5') || endpointChanged(s.endpoint(), p.endpoint)) {
        this.log.record(p.replicaID, p.sessionID, 'session_invalidated', 'endpoint_changed');
      }
    }
    for (const id of result.sessionsCreated) this.log.record(id, this.sessionIDOf(id), 'session_created', '');
    for (const id of result.sessionsSuperseded) this.log.record(id, this.sessionIDOf(id), 'session_superseded', '');
    for (const id of result.sessionsFailed) this.log.record(id, 0, 'session_failed', '');
    return result;
  }

  /** Planner step: connect, handshake from history, classify; zero_gap completes here. */
  executeRecovery(replicaID: ReplicaID, replicaFlushedLSN: number, history: RetainedHistory | null): RecoveryResult {
    const base = { replicaID, outcome: '' as const, proof: null, finalState: '' as const };
    const s = this.registry.sender(replicaID);
    if (s === null) { mark(M.engine_recovery_no_sender); return { ...base, error: new EngineError(OrchestratorErrorCode.SenderNotFound, 'sender not found') }; }
    const sessID = s.sessionID();
    if (sessID === 0) { mark(M.engine_recovery_no_session); return { ...base, error: new EngineError(OrchestratorErrorCode.NoSession, 'no session') }; }

    const connectErr = s.beginConnect(sessID);
    if (connectErr !== null) {
      mark(M.engine_recovery_connect_failed);
      this.log.record(replicaID, sessID, 'connect_failed', connectErr.message);
      return { ...base, finalState: s.state(), error: connectErr };
    }
    this.log.record(replicaID, sessID, 'connected', '');

    const hs = s.recordHandshakeFromHistory(sessID, replicaFlushedLSN, history);
    if (hs.err !== null) {
      mark(M.engine_recovery_handshake_failed);
      this.log.record(replicaID, sessID, 'handshake_failed', hs.err.message);
      return { replicaID, outcome: hs.outcome, proof: hs.proof, finalState: s.state(), error: hs.err };
    }
    this.log.record(replicaID, sessID, 'handshake', `outcome=${hs.outcome}`);

    if (hs.outcome === RecoveryOutcome.NeedsRebuild) {
      mark(M.engine_recovery_escalated_needs_rebuild);
      this.log.record(replicaID, sessID, 'escalated', `needs_rebuild: ${hs.proof?.reason ?? ''}`);
      return { replicaID, outcome: hs.outcome, proof: hs.proof, finalState: ReplicaState.NeedsRebuild, error: null };
    }
    if (hs.outcome === RecoveryOutcome.ZeroGap && s.completeSessionByID(sessID)) {
      mark(M.engine_recovery_zero_gap_completed);
      this.log.record(replicaID, sessID, 'completed', 'zero_gap');
      return { replicaID, outcome: hs.outcome, proof: hs.proof, finalState: ReplicaState.InSync, error: null };
    }
    return { replicaID, outcome: hs.outcome, proof: hs.proof, finalState: s.state(), error: null };
  }

  /** Test-only convenience: begin, progress to the target, budget, truncation, complete. */
  completeCatchUp(replicaID: ReplicaID, opts: CatchUpOptions): EngineError | null {
    const s = this.registry.sender(replicaID);
    if (s === null) return new EngineError(OrchestratorErrorCode.SenderNotFound, 'sender not found');
    const sessID = s.sessionID();

    const beginErr = s.beginCatchUp(sessID, opts.startTick);
    if (beginErr !== null) {
      this.log.record(replicaID, sessID, 'catchup_begin_failed', beginErr.message);
      return beginErr;
    }
    this.log.record(replicaID, sessID, 'catchup_started', `target=${opts.targetLSN} start_tick=${opts.startTick}`);

    const snap = s.sessionSnapshot();
    if (snap !== null && snap.recoveredTo < opts.targetLSN) {
      const progressErr =
        opts.completeTick > 0
          ? s.recordCatchUpProgress(sessID, opts.targetLSN, opts.completeTick)
          : s.recordCatchUpProgress(sessID, opts.targetLSN);
      if (progressErr !== null) {
        this.log.record(replicaID, sessID, 'catchup_progress_failed', progressErr.message);
        return progressErr;
      }
    }

    if (opts.completeTick > 0) {
      const b = s.checkBudget(sessID, opts.completeTick);
      if (b.err !== null) return b.err;
      if (b.violation !== '') {
        this.log.record(replicaID, sessID, 'budget_escalated', b.violation);
        return new EngineError(OrchestratorErrorCode.BudgetViolation, `budget violation: ${b.violation}`);
      }
    }

    if (opts.truncateLSN > 0) {
      const truncErr = s.recordTruncation(sessID, opts.truncateLSN);
      if (truncErr !== null) {
        this.log.record(replicaID, sessID, 'truncation_failed', truncErr.message);
        return truncErr;
      }
      this.log.record(replicaID, sessID, 'truncation_recorded', `truncated_to=${opts.truncateLSN}`);
    }

    if (!s.completeSessionByID(sessID)) {
      this.log.record(replicaID, sessID, 'completion_rejected', 'session not convergent or truncation missing');
      return new EngineError(OrchestratorErrorCode.CompletionRejected, 'completion rejected');
    }
    this.log.record(replicaID, sessID, 'completed', 'in_sync');
    return null;
  }

  /** Test-only convenience: drive a rebuild session from history through completion. */
  completeRebuild(replicaID: ReplicaID, history: RetainedHistory): EngineError | null {
    const s = this.registry.sender(replicaID);
    if (s === null) return new EngineError(OrchestratorErrorCode.SenderNotFound, 'sender not found');
    const sessID = s.sessionID();

    const connectErr = s.beginConnect(sessID);
    if (connectErr !== null) {
      this.log.record(replicaID, sessID, 'rebuild_connect_failed', connectErr.message);
      return connectErr;
    }
    this.log.record(replicaID, sessID, 'rebuild_connected', '');

    const hsErr = s.recordHandshake(sessID, 0, history.committedLSN);
    if (hsErr !== null) return hsErr;

    const selectErr = s.selectRebuildFromHistory(sessID, history);
    if (selectErr !== null) {
      this.log.record(replicaID, sessID, 'rebuild_source_failed', selectErr.message);
      return selectErr;
    }
    this.log.record(replicaID, sessID, 'rebuild_source_selected', `kind=${s.sessionSnapshot()?.kind ?? ''}`);

    const transferErr = s.beginRebuildTransfer(sessID);
    if (transferErr !== null) return transferErr;

    const decision = history.rebuildSourceDecision({ legacyB27: this.ctx.bug('B27') });
    if (decision.source === RebuildSource.SnapshotTail) {
      s.recordRebuildTransferProgress(sessID, decision.snapshotLSN); // error ignored, as upstream
      const tailErr = s.beginRebuildTailReplay(sessID);
      if (tailErr !== null) return tailErr;
      s.recordRebuildTailProgress(sessID, history.committedLSN); // error ignored, as upstream
    } else {
      s.recordRebuildTransferProgress(sessID, history.committedLSN); // error ignored, as upstream
    }

    const completeErr = s.completeRebuild(sessID);
    if (completeErr !== null) {
      this.log.record(replicaID, sessID, 'rebuild_failed', completeErr.message);
      return completeErr;
    }
    this.log.record(replicaID, sessID, 'rebuild_completed', 'in_sync');
    return null;
  }

  /** Advances one sender's epoch; logs the invalidation if it killed a session. */
  updateSenderEpoch(replicaID: ReplicaID, newEpoch: number): void {
    const s = this.registry.sender(replicaID);
    if (s === null) return;
    const hadSession = s.hasActiveSession();
    const oldSessID = s.sessionID();
    s.updateEpoch(newEpoch);
    if (hadSession && !s.hasActiveSession()) {
      this.log.record(replicaID, oldSessID, 'session_invalidated', `epoch_advanced_to_${newEpoch}`);
    }
  }

  /** Registry-wide epoch invalidation with one log line per invalidated session. */
  invalidateEpoch(newEpoch: number): number {
    const pre = this.registry.all().map((s) => ({ id: s.replicaID(), sess: s.sessionID(), had: s.hasActiveSession() }));
    const count = this.registry.invalidateEpoch(newEpoch);
    for (const p of pre) {
      const s = this.registry.sender(p.id);
      if (s !== null && p.had && !s.hasActiveSession()) {
        this.log.record(p.id, p.sess, 'session_invalidated', `epoch_bump_to_${newEpoch}`);
      }
    }
    return count;
  }

  private sessionIDOf(id: ReplicaID): number {
    return this.registry.sender(id)?.sessionID() ?? 0;
  }
}

/** Ascending ReplicaID order by code unit (Go's string comparison). */
function compareIDs(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
