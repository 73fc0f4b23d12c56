// Sender (spec §3): the per-replica authority boundary. Owns the endpoint, epoch, replica state
// and at most one active Session. Every execution API first passes checkAuthority, so a stale
// session ID never acts; every rejection is an EngineError and changes no state. Each public
// method is one atomic step of the simulation (spec §0.1).
import type { EngineContext } from './context.ts';
import { EngineError } from './errors.ts';
import { checkBudget } from './budget.ts';
import type { RetainedHistory } from './history.ts';
import { classifyRecoveryOutcome } from './outcome.ts';
import { newSession } from './session.ts';
import type { RebuildState } from './rebuild.ts';
import type { Session, SessionCanonical, SessionOption } from './session.ts';
import { BudgetViolation, RebuildSource, RecoveryOutcome, ReplicaState, SessionKind, SessionPhase, endpointChanged } from './types.ts';
import type { Endpoint, HandshakeResult, RecoverabilityProof, ReplicaID, SessionSnapshot } from './types.ts';
import { M, mark, markNamed } from '../marks/index.ts';

export const SenderErrorCode = {
  SenderStopped: 'sender_stopped',
  NoActiveSession: 'no_active_session',
  SessionIDMismatch: 'session_id_mismatch',
  SessionNotActive: 'session_not_active',
  EpochMismatch: 'epoch_mismatch',
  SessionAlreadyActive: 'session_already_active',
  CannotBeginConnect: 'cannot_begin_connect',
  InvalidRange: 'invalid_range',
  CannotRecordHandshake: 'cannot_record_handshake',
  HandshakeRequiresConnecting: 'handshake_requires_connecting',
  CannotAdvanceToHandshake: 'cannot_advance_to_handshake',
  NilHistory: 'nil_history',
  RebuildRequiresRebuildAPIs: 'rebuild_requires_rebuild_apis',
  CannotBeginCatchUp: 'cannot_begin_catch_up',
  ProgressRequiresCatchUp: 'progress_requires_catchup',
  ProgressRegression: 'progress_regression',
  ProgressExceedsFrozenTarget: 'progress_exceeds_frozen_target',
  TickRequired: 'tick_required',
  TruncationNotRequired: 'truncation_not_required',
  TruncationLSNMismatch: 'truncation_lsn_mismatch',
  NotARebuildSession: 'not_a_rebuild_session',
  RequiresPhaseHandshake: 'requires_phase_handshake',
  RebuildStateNotInitialized: 'rebuild_state_not_initialized',
  NoRebuildState: 'no_rebuild_state',
} as const;

/** Plain value of all sender state, for fingerprints and invariants. */
export interface SenderCanonical {
  readonly replicaID: ReplicaID;
  readonly endpoint: Endpoint;
  readonly epoch: number;
  readonly state: ReplicaState;
  readonly stopped: boolean;
  readonly session: SessionCanonical | null;
}

function err(code: string, message: string): EngineError {
  markNamed(`engine_sender_reject_${code}`);
  return new EngineError(code, message);
}

function copyEndpoint(ep: Endpoint): Endpoint {
  return { dataAddr: ep.dataAddr, ctrlAddr: ep.ctrlAddr, version: ep.version };
}

export class Sender {
  private readonly ctx: EngineContext;
  private readonly _replicaID: ReplicaID;
  private _endpoint: Endpoint;
  private _epoch: number;
  private _state: ReplicaState = ReplicaState.Disconnected;
  /** null or an active session (spec §2.5). */
  private _session: Session | null = null;
  private _stopped = false;
  /** Observation only (not in canonical()): the last session this sender completed or invalidated. */
  private _lastEnded: SessionSnapshot | null = null;

  constructor(ctx: EngineContext, replicaID: ReplicaID, endpoint: Endpoint, epoch: number) {
    this.ctx = ctx;
    this._replicaID = replicaID;
    this._endpoint = copyEndpoint(endpoint);
    this._epoch = epoch;
  }

  // ---- read-only accessors (§3.3) ----

  replicaID(): ReplicaID { return this._replicaID; }
  endpoint(): Endpoint { return copyEndpoint(this._endpoint); }
  epoch(): number { return this._epoch; }
  state(): ReplicaState { return this._state; }
  stopped(): boolean { return this._stopped; }

  /** Detached copy of the current session, or null. */
  sessionSnapshot(): SessionSnapshot | null {
    return this._session === null ? null : this._session.snapshot();
  }

  /** The current session (read-only view), or null. Not part of Go's API: traces read its kind and phase without a snapshot. */
  session(): Pick<Session, 'id' | 'kind' | 'phase' | 'recoveredTo'> | null {
    return this._session;
  }

  /** Current session ID, 0 if none. */
  sessionID(): number {
    return this._session === null ? 0 : this._session.id;
  }

  /**
   * Detached snapshot of the last session that ended through this sender (completed, or
   * invalidated and dropped/superseded), or null. Not part of Go's API: it lets tests and
   * invariants see the final phase and invalidation reason of a dropped session.
   */
  lastEndedSession(): SessionSnapshot | null {
    return this._lastEnded;
  }

  hasActiveSession(): boolean {
    return this._session !== null && this._session.active();
  }

  /**
   * Plain value of all sender state; `reuse` itself when it still equals the state, so observing
   * an unchanged sender allocates nothing (and identity says "unchanged").
   */
  canonical(reuse: SenderCanonical | null = null): SenderCanonical {
    const session = this._session === null ? null : this._session.canonical(reuse?.session ?? null);
    if (reuse !== null && session === reuse.session && this.matches(reuse)) return reuse;
    return {
      replicaID: this._replicaID,
      endpoint: copyEndpoint(this._endpoint),
      epoch: this._epoch,
      state: this._state,
      stopped: this._stopped,
      session,
    };
  }

  /** Every field but the session equals the canonical value `c`. */
  private matches(c: SenderCanonical): boolean {
    const ep = this._endpoint;
    return (
      c.replicaID === this._replicaID &&
      c.endpoint.dataAddr === ep.dataAddr &&
      c.endpoint.ctrlAddr === ep.ctrlAddr &&
      c.endpoint.version === ep.version &&
      c.epoch === this._epoch &&
      c.state === this._state &&
      c.stopped === this._stopped
    );
  }

  // ---- lifecycle (§3.4) ----

  /** No-op if stopped or e <= epoch. An older-epoch session is invalidated; no session: state kept (H17). */
  updateEpoch(e: number): void {
    if (this._stopped || e <= this._epoch) return;
    const old = this._epoch;
    this._epoch = e;
    if (this._session !== null && this._session.epoch < e) {
      this.dropSession(`epoch_advanced_${old}_to_${e}`);
      this._state = ReplicaState.Disconnected;
    }
  }

  /** No-op if stopped. A real change with a session invalidates it; the endpoint is always taken. */
  updateEndpoint(ep: Endpoint): void {
    if (this._stopped) return;
    if (endpointChanged(this._endpoint, ep) && this._session !== null) {
      this.dropSession('endpoint_changed');
      this._state = ReplicaState.Disconnected;
    }
    this._endpoint = copyEndpoint(ep);
  }

  attachSession(epoch: number, kind: SessionKind, ...opts: SessionOption[]): { id: number; err: EngineError | null } {
    if (this._stopped) return { id: 0, err: err(SenderErrorCode.SenderStopped, 'sender stopped') };
    if (epoch !== this._epoch) {
      return { id: 0, err: err(SenderErrorCode.EpochMismatch, `epoch mismatch: sender=${this._epoch} session=${epoch}`) };
    }
    if (this._session !== null && this._session.active()) {
      return { id: 0, err: err(SenderErrorCode.SessionAlreadyActive, `session already active (id=${this._session.id})`) };
    }
    const sess = newSession(this.ctx, this._replicaID, epoch, kind, ...opts);
    this._session = sess;
    return { id: sess.id, err: null };
  }

  /** 0 if stopped; otherwise invalidates the current session with `reason` and installs a new one at the sender's epoch. */
  supersedeSession(kind: SessionKind, reason: string, ...opts: SessionOption[]): number {
    if (this._stopped) return 0;
    if (this._session !== null) {
      this._session.invalidate(reason);
      this._lastEnded = this._session.snapshot();
    }
    const sess = newSession(this.ctx, this._replicaID, this._epoch, kind, ...opts);
    this._session = sess;
    return sess.id;
  }

  /** Idempotent; invalidates the session with `sender_stopped`; state untouched. */
  stop(): void {
    if (this._stopped) return;
    this._stopped = true;
    if (this._session !== null) this.dropSession('sender_stopped');
  }

  /** Works even when stopped; always sets the state, with or without a session. */
  invalidateSession(reason: string, targetState: ReplicaState): void {
    if (this._session !== null) this.dropSession(reason);
    this._state = targetState;
  }

  // ---- catch-up execution (§3.5) ----

  beginConnect(sessionID: number): EngineError | null {
    const sess = this.authorize(sessionID);
    if (sess instanceof EngineError) return sess;
    if (!sess.advance(SessionPhase.Connecting)) {
      return err(SenderErrorCode.CannotBeginConnect, `cannot begin connect: phase=${sess.phase}`);
    }
    this._state = ReplicaState.Connecting;
    return null;
  }

  /** Plain range handshake (used by rebuild with (0, target)); no outcome logic; state unchanged. */
  recordHandshake(sessionID: number, startLSN: number, targetLSN: number): EngineError | null {
    const sess = this.authorize(sessionID);
    if (sess instanceof EngineError) return sess;
    if (targetLSN < startLSN) {
      return err(SenderErrorCode.InvalidRange, `invalid range: target=${targetLSN} < start=${startLSN}`);
    }
    if (!sess.advance(SessionPhase.Handshake)) {
      return err(SenderErrorCode.CannotRecordHandshake, `cannot record handshake: phase=${sess.phase}`);
    }
    sess.setRange(startLSN, targetLSN);
    return null;
  }

  /** The outcome is computed first and returned even with an error. Does not check the kind. */
  recordHandshakeWithOutcome(sessionID: number, hr: HandshakeResult): { outcome: RecoveryOutcome; err: EngineError | null } {
    const outcome = classifyRecoveryOutcome(hr);
    const sess = this.authorize(sessionID);
    if (sess instanceof EngineError) return { outcome, err: sess };
    if (sess.phase !== SessionPhase.Connecting) {
      return { outcome, err: err(SenderErrorCode.HandshakeRequiresConnecting, `handshake requires connecting, got ${sess.phase}`) };
    }
    if (outcome === RecoveryOutcome.NeedsRebuild) {
      mark(M.engine_sender_handshake_needs_rebuild);
      this.dropSession('gap_exceeds_retention');
      this._state = ReplicaState.NeedsRebuild;
      return { outcome, err: null };
    }
    if (!sess.advance(SessionPhase.Handshake)) {
      return { outcome, err: err(SenderErrorCode.CannotAdvanceToHandshake, `cannot advance to handshake: phase=${sess.phase}`) };
    }
    const r = hr.replicaFlushedLSN;
    const c = hr.committedLSN;
    if (outcome === RecoveryOutcome.ZeroGap) {
      sess.setRange(r, r);
    } else if (r > c) {
      mark(M.engine_sender_handshake_truncation_required);
      sess.requireTruncation(c);
      sess.setRange(c, c);
    } else {
      sess.setRange(r, c);
    }
    return { outcome, err: null };
  }

  /**
   * Handshake backed by the primary's retained history. A null history is rejected without any
   * state change; with bug B4 it is dereferenced and throws a TypeError, like Go's nil panic.
   */
  recordHandshakeFromHistory(
    sessionID: number,
    replicaFlushedLSN: number,
    history: RetainedHistory | null,
  ): { outcome: RecoveryOutcome; proof: RecoverabilityProof | null; err: EngineError | null } {
    if (history === null && !this.ctx.bug('B4')) {
      return { outcome: RecoveryOutcome.NeedsRebuild, proof: null, err: err(SenderErrorCode.NilHistory, 'nil RetainedHistory') };
    }
    const h = history as RetainedHistory; // B4: null here throws TypeError on the next line
    const proof = h.proveRecoverability(replicaFlushedLSN);
    const hr = h.makeHandshakeResult(replicaFlushedLSN);
    const res = this.recordHandshakeWithOutcome(sessionID, hr);
    return { outcome: res.outcome, proof, err: res.err };
  }

  /** Policy (history.rebuildSourceDecision) then mechanism (selectRebuildSource). B4 as above; B27 passed through. */
  selectRebuildFromHistory(sessionID: number, history: RetainedHistory | null): EngineError | null {
    if (history === null && !this.ctx.bug('B4')) {
      return err(SenderErrorCode.NilHistory, 'nil RetainedHistory');
    }
    const h = history as RetainedHistory;
    const decision = h.rebuildSourceDecision({ legacyB27: this.ctx.bug('B27') });
    const valid = decision.source === RebuildSource.SnapshotTail;
    return this.selectRebuildSource(sessionID, decision.snapshotLSN, valid, h.committedLSN);
  }

  /** Freezes the target; a supplied start tick sets StartTick = LastProgressTick. */
  beginCatchUp(sessionID: number, startTick?: number): EngineError | null {
    const sess = this.authorize(sessionID);
    if (sess instanceof EngineError) return sess;
    if (sess.kind === SessionKind.Rebuild && !this.ctx.bug('B12b')) {
      return err(SenderErrorCode.RebuildRequiresRebuildAPIs, 'rebuild sessions must use rebuild APIs');
    }
    if (!sess.advance(SessionPhase.CatchUp)) {
      return err(SenderErrorCode.CannotBeginCatchUp, `cannot begin catch-up: phase=${sess.phase}`);
    }
    this._state = ReplicaState.CatchingUp;
    sess.freezeTarget();
    if (startTick !== undefined) sess.startTracking(startTick);
    return null;
  }

  recordCatchUpProgress(sessionID: number, recoveredTo: number, tick?: number): EngineError | null {
    const sess = this.authorize(sessionID);
    if (sess instanceof EngineError) return sess;
    if (sess.kind === SessionKind.Rebuild && !this.ctx.bug('B12b')) {
      return err(SenderErrorCode.RebuildRequiresRebuildAPIs, 'rebuild sessions must use rebuild APIs');
    }
    if (sess.phase !== SessionPhase.CatchUp) {
      return err(SenderErrorCode.ProgressRequiresCatchUp, `progress requires catchup phase, got ${sess.phase}`);
    }
    if (recoveredTo <= sess.recoveredTo) {
      return err(SenderErrorCode.ProgressRegression, `progress regression: ${recoveredTo} <= ${sess.recoveredTo}`);
    }
    const budget = sess.budget;
    // B12a: the prototype enforced the frozen target only when a budget existed.
    const frozenEnforced = !this.ctx.bug('B12a') || budget !== null;
    if (frozenEnforced && sess.frozenTargetLSN > 0 && recoveredTo > sess.frozenTargetLSN) {
      return err(SenderErrorCode.ProgressExceedsFrozenTarget, `progress ${recoveredTo} exceeds frozen target ${sess.frozenTargetLSN}`);
    }
    if (budget !== null && budget.progressDeadlineTicks > 0 && tick === undefined && !this.ctx.bug('B12c')) {
      return err(SenderErrorCode.TickRequired, 'tick required when ProgressDeadlineTicks > 0');
    }
    sess.addEntriesReplayed(recoveredTo - sess.recoveredTo);
    sess.updateProgress(recoveredTo);
    if (tick !== undefined) sess.setLastProgressTick(tick);
    return null;
  }

  /** Idempotent; allowed in handshake or catchup. */
  recordTruncation(sessionID: number, truncatedToLSN: number): EngineError | null {
    const sess = this.authorize(sessionID);
    if (sess instanceof EngineError) return sess;
    if (!sess.truncateRequired) return err(SenderErrorCode.TruncationNotRequired, 'truncation not required');
    if (truncatedToLSN !== sess.truncateToLSN) {
      return err(SenderErrorCode.TruncationLSNMismatch, `truncation LSN mismatch: expected ${sess.truncateToLSN}, got ${truncatedToLSN}`);
    }
    sess.markTruncationRecorded();
    return null;
  }

  /** True (session completed, sender in_sync) only at convergence; false changes nothing. */
  completeSessionByID(sessionID: number): boolean {
    const sess = this.authorize(sessionID);
    if (sess instanceof EngineError) return false;
    if (sess.kind === SessionKind.Rebuild && !this.ctx.bug('B12b')) return false;
    if (sess.truncateRequired && !sess.truncateRecorded) return false;
    if (sess.phase === SessionPhase.CatchUp) {
      if (!sess.converged()) return false;
    } else if (sess.phase === SessionPhase.Handshake) {
      if (sess.targetLSN !== sess.startLSN) return false;
    } else {
      return false;
    }
    sess.complete();
    this._lastEnded = sess.snapshot();
    this._session = null;
    this._state = ReplicaState.InSync;
    return true;
  }

  /** A violation invalidates the session with `budget_<v>` and sets needs_rebuild. */
  checkBudget(sessionID: number, currentTick: number): { violation: BudgetViolation; err: EngineError | null } {
    const sess = this.authorize(sessionID);
    if (sess instanceof EngineError) return { violation: BudgetViolation.OK, err: sess };
    const budget = sess.budget;
    if (budget === null) return { violation: BudgetViolation.OK, err: null };
    const v = checkBudget(budget, sess.tracker, currentTick);
    if (v !== BudgetViolation.OK) {
      markNamed(`engine_budget_${v}`);
      this.dropSession(`budget_${v}`);
      this._state = ReplicaState.NeedsRebuild;
    }
    return { violation: v, err: null };
  }

  // ---- rebuild execution (§3.6) ----

  selectRebuildSource(sessionID: number, snapshotLSN: number, snapshotValid: boolean, committedLSN: number): EngineError | null {
    const sess = this.authorize(sessionID);
    if (sess instanceof EngineError) return sess;
    if (sess.kind !== SessionKind.Rebuild) return err(SenderErrorCode.NotARebuildSession, 'not a rebuild session');
    // B12d: the prototype let the source be selected without a handshake.
    if (sess.phase !== SessionPhase.Handshake && !this.ctx.bug('B12d')) {
      return err(SenderErrorCode.RequiresPhaseHandshake, `requires PhaseHandshake, got ${sess.phase}`);
    }
    if (sess.rebuild === null) return err(SenderErrorCode.RebuildStateNotInitialized, 'rebuild state not initialized');
    return sess.rebuild.selectSource(snapshotLSN, snapshotValid, committedLSN);
  }

  beginRebuildTransfer(sessionID: number): EngineError | null {
    const rs = this.authorizeRebuild(sessionID);
    return rs instanceof EngineError ? rs : rs.beginTransfer();
  }

  recordRebuildTransferProgress(sessionID: number, transferredTo: number): EngineError | null {
    const rs = this.authorizeRebuild(sessionID);
    return rs instanceof EngineError ? rs : rs.recordTransferProgress(transferredTo);
  }

  beginRebuildTailReplay(sessionID: number): EngineError | null {
    const rs = this.authorizeRebuild(sessionID);
    return rs instanceof EngineError ? rs : rs.beginTailReplay();
  }

  recordRebuildTailProgress(sessionID: number, replayedTo: number): EngineError | null {
    const rs = this.authorizeRebuild(sessionID);
    return rs instanceof EngineError ? rs : rs.recordTailReplayProgress(replayedTo);
  }

  /** On a RebuildState error the session stays active; on success: completed, dropped, in_sync. */
  completeRebuild(sessionID: number): EngineError | null {
    const rs = this.authorizeRebuild(sessionID);
    if (rs instanceof EngineError) return rs;
    const e = rs.complete();
    if (e !== null) return e;
    const sess = this._session as Session;
    sess.complete();
    this._lastEnded = sess.snapshot();
    this._session = null;
    this._state = ReplicaState.InSync;
    return null;
  }

  // ---- private ----

  /** Go's checkAuthority (§3.2), in order; returns the session when authorized. */
  private authorize(sessionID: number): Session | EngineError {
    if (this._stopped) return err(SenderErrorCode.SenderStopped, 'sender stopped');
    const sess = this._session;
    if (sess === null) return err(SenderErrorCode.NoActiveSession, 'no active session');
    if (sess.id !== sessionID) {
      return err(SenderErrorCode.SessionIDMismatch, `session ID mismatch: active=${sess.id} requested=${sessionID}`);
    }
    if (!sess.active()) return err(SenderErrorCode.SessionNotActive, `session ${sessionID} not active (phase=${sess.phase})`);
    return sess;
  }

  private authorizeRebuild(sessionID: number): RebuildState | EngineError {
    const sess = this.authorize(sessionID);
    if (sess instanceof EngineError) return sess;
    if (sess.rebuild === null) return err(SenderErrorCode.NoRebuildState, 'no rebuild state');
    return sess.rebuild;
  }

  /** Invalidate the current session with `reason` and drop the pointer (nil-or-active rule). */
  private dropSession(reason: string): void {
    if (this._session === null) return;
    this._session.invalidate(reason);
    this._lastEnded = this._session.snapshot();
    this._session = null;
  }
}
