// RecoveryDriver (spec §9.2): plans a recovery against real storage state and acquires exactly
// the resources the plan needs (WAL pin, snapshot + WAL pins, or a full-base pin), cleaning up
// the session when a pin fails. Known-bug switches B7 (no full-base pin), B8 (pin for
// truncation-only plans; PlanRebuild without preconditions), B9 (dangling rebuild session on
// pin failure) and B27's target half (rebuild target CommittedLSN even when it is 0) live here. Hazard H4 (CancelPlan with SessionID 0) is kept: it is the target's
// behaviour, reported by invariant I27.
import type { StorageAdapter } from './adapter.ts';
import { EngineContext } from './context.ts';
import { EngineError, goQuote } from './errors.ts';
import type { RetainedHistory } from './history.ts';
import { RecoveryOrchestrator } from './orchestrator.ts';
import { newRecoveryPlan } from './plan.ts';
import type { RecoveryPlan } from './plan.ts';
import { RebuildSource, RecoveryOutcome, ReplicaState, SessionKind } from './types.ts';
import type { ReplicaID } from './types.ts';
import { M, mark } from '../marks/index.ts';

export const DriverErrorCode = {
  SenderNotFound: 'sender_not_found',
  NoActiveSession: 'no_active_session',
  NotRebuildSession: 'not_rebuild_session',
  WALPinFailed: 'wal_pin_failed',
  SnapshotPinFailed: 'snapshot_pin_failed',
  FullBasePinFailed: 'full_base_pin_failed',
} as const;

export interface PlanResult {
  readonly plan: RecoveryPlan | null;
  readonly err: EngineError | null;
}

/**
 * A scheduling point inside planning: the driver has read retained history and is about to take
 * the pin named by `label`. Upstream holds no lock across the two (driver.go PlanRecovery /
 * PlanRebuild call Storage.GetRetainedHistory, then Storage.PinWALRetention / PinSnapshot /
 * PinFullBase, as plain calls), so another goroutine — the flusher, a writer, assignment
 * processing — may run in between. The pin re-checks retention itself (v2bridge/pinner.go).
 */
export interface PlanYield {
  readonly label: string;
}

/** The generator form of a plan: `planRecovery`/`planRebuild` drive it to completion at once. */
export type PlanSteps = Generator<PlanYield, PlanResult, void>;

/** Run a plan generator to completion, ignoring its scheduling points (upstream's form). */
export function runPlan(gen: PlanSteps): PlanResult {
  for (;;) {
    const r = gen.next();
    if (r.done === true) return r.value;
  }
}

export class RecoveryDriver {
  readonly orchestrator: RecoveryOrchestrator;

  /**
   * Upstream builds the driver as a struct literal, `&RecoveryDriver{Orchestrator: o, Storage: sa}`:
   * the volume server's recovery goroutines (block_recovery.go runCatchUp / runRebuild) make one
   * per run over the server's shared orchestrator. Pass `orchestrator` for that; without it the
   * driver owns a fresh one.
   */
  constructor(
    readonly storage: StorageAdapter,
    readonly ctx: EngineContext = new EngineContext(),
    orchestrator?: RecoveryOrchestrator,
  ) {
    this.orchestrator = orchestrator ?? new RecoveryOrchestrator(ctx);
  }

  /** Connect + handshake from storage's history, classify, and pin WAL for a real catch-up. */
  planRecovery(replicaID: ReplicaID, replicaFlushedLSN: number): PlanResult {
    return runPlan(this.planRecoverySteps(replicaID, replicaFlushedLSN));
  }

  /** planRecovery as a generator: one scheduling point between reading history and the WAL pin. */
  *planRecoverySteps(replicaID: ReplicaID, replicaFlushedLSN: number): PlanSteps {
    const history = this.storage.getRetainedHistory();
    const result = this.orchestrator.executeRecovery(replicaID, replicaFlushedLSN, history);
    if (result.error !== null) return { plan: null, err: result.error };
    const s = this.orchestrator.registry.sender(replicaID);
    // executeRecovery succeeded, so the sender existed a moment ago; 0 covers a concurrent removal.
    const sessionID = s?.sessionID() ?? 0;
    const outcome = result.outcome === '' ? RecoveryOutcome.NeedsRebuild : result.outcome;
    const plan = newRecoveryPlan(replicaID, sessionID, outcome, result.proof);
    if (outcome !== RecoveryOutcome.CatchUp) return { plan, err: null };

    const r = replicaFlushedLSN;
    plan.catchUpStartLSN = r;
    plan.catchUpTarget = history.committedLSN;
    const replicaAhead = history.proveRecoverability(r).reason === 'replica_ahead_needs_truncation';
    if (replicaAhead && !this.ctx.bug('B8')) {
      plan.truncateLSN = history.committedLSN;
      mark(M.engine_plan_truncate_only);
      this.log(replicaID, sessionID, 'plan_truncate_only', `truncate_to=${plan.truncateLSN}`);
      return { plan, err: null };
    }

    yield { label: 'pinWALRetention' };
    const pinned = this.storage.pinWALRetention(r);
    if (pinned.err !== null || pinned.pin === null) {
      const cause = pinned.err ?? new EngineError(DriverErrorCode.WALPinFailed, 'no pin returned');
      mark(M.engine_plan_catchup_wal_pin_failed);
      s?.invalidateSession('wal_pin_failed', ReplicaState.Disconnected);
      this.log(replicaID, sessionID, 'wal_pin_failed', cause.message);
      return { plan: null, err: new EngineError(DriverErrorCode.WALPinFailed, `WAL retention pin failed: ${cause.message}`, cause) };
    }
    plan.retentionPin = pinned.pin;
    mark(M.engine_plan_catchup_pinned);
    if (replicaAhead) plan.truncateLSN = history.committedLSN; // B8: pinned although nothing is replayed
    this.log(replicaID, sessionID, 'plan_catchup', `replay=${r}\u2192${plan.catchUpTarget} pin=${pinned.pin.pinID}`);
    return { plan, err: null };
  }

  /** Pins the rebuild source chosen from storage's history; fails closed without a rebuild session. */
  planRebuild(replicaID: ReplicaID): PlanResult {
    return runPlan(this.planRebuildSteps(replicaID));
  }

  /**
   * planRebuild as a generator: one scheduling point between reading history and the first pin.
   * None between the snapshot pin and the tail's WAL pin: the snapshot hold is itself in the
   * retention floor at the same LSN (pinner.go MinWALRetentionFloor), so the WAL pin cannot fail there.
   */
  *planRebuildSteps(replicaID: ReplicaID): PlanSteps {
    const s = this.orchestrator.registry.sender(replicaID);
    if (s === null) return fail(DriverErrorCode.SenderNotFound, M.engine_rebuild_plan_no_sender, `sender ${goQuote(replicaID)} not found`);
    const sessionID = s.sessionID();
    if (!this.ctx.bug('B8')) {
      if (sessionID === 0) return fail(DriverErrorCode.NoActiveSession, M.engine_rebuild_plan_no_session, `no active session for ${goQuote(replicaID)}`);
      const kind = s.sessionSnapshot()?.kind ?? '';
      if (kind !== SessionKind.Rebuild) {
        return fail(DriverErrorCode.NotRebuildSession, M.engine_rebuild_plan_not_rebuild_session, `session for ${goQuote(replicaID)} is not a rebuild session (kind=${kind})`);
      }
    }

    const history = this.storage.getRetainedHistory();
    const { source, snapshotLSN } = history.rebuildSourceDecision({ legacyB27: this.ctx.bug('B27') });
    const plan = newRecoveryPlan(replicaID, sessionID, RecoveryOutcome.NeedsRebuild, null);
    plan.rebuildSource = source;
    plan.rebuildSnapshotLSN = snapshotLSN;
    mark(source === RebuildSource.SnapshotTail ? M.engine_rebuild_source_snapshot_tail : history.committedLSN === 0 ? M.engine_rebuild_source_full_base_committed_zero : history.checkpointLSN === 0 ? M.engine_rebuild_source_full_base_no_checkpoint : !history.checkpointTrusted ? M.engine_rebuild_source_full_base_untrusted : M.engine_rebuild_source_full_base_tail_recycled);
    // a79cba0be: CommittedLSN 0 (sync_all with the replica degraded: no replica confirmed
    // durability) falls back to HeadLSN, the primary's data boundary the rebuild must reach.
    // B27 restores the target's committed-0 behaviour: this and the snapshot_tail choice.
    plan.rebuildTargetLSN = history.committedLSN === 0 && !this.ctx.bug('B27') ? history.headLSN : history.committedLSN;
    if (history.committedLSN === 0 && !this.ctx.bug('B27')) mark(M.engine_rebuild_target_head_fallback);
    // B9 (332f59860): before the fix a snapshot or full-base pin failure left the session active.
    const invalidate = (reason: string): void => {
      if (!this.ctx.bug('B9')) s.invalidateSession(reason, ReplicaState.NeedsRebuild);
    };

    yield { label: source === RebuildSource.SnapshotTail ? 'pinSnapshot' : 'pinFullBase' };
    if (source === RebuildSource.SnapshotTail) {
      const snap = this.storage.pinSnapshot(snapshotLSN);
      if (snap.err !== null || snap.pin === null) {
        const cause = snap.err ?? new EngineError(DriverErrorCode.SnapshotPinFailed, 'no pin returned');
        mark(M.engine_rebuild_snapshot_pin_failed);
        invalidate('snapshot_pin_failed');
        this.log(replicaID, sessionID, 'snapshot_pin_failed', cause.message);
        return { plan: null, err: new EngineError(DriverErrorCode.SnapshotPinFailed, `snapshot pin failed: ${cause.message}`, cause) };
      }
      const wal = this.storage.pinWALRetention(snapshotLSN);
      if (wal.err !== null || wal.pin === null) {
        const cause = wal.err ?? new EngineError(DriverErrorCode.WALPinFailed, 'no pin returned');
        mark(M.engine_rebuild_tail_wal_pin_failed);
        this.storage.releaseSnapshot(snap.pin);
        s.invalidateSession('wal_pin_failed_during_rebuild', ReplicaState.NeedsRebuild);
        this.log(replicaID, sessionID, 'wal_pin_failed', cause.message);
        return { plan: null, err: new EngineError(DriverErrorCode.WALPinFailed, `WAL retention pin failed: ${cause.message}`, cause) };
      }
      plan.snapshotPin = snap.pin;
      plan.retentionPin = wal.pin;
      this.log(replicaID, sessionID, 'plan_rebuild_snapshot_tail', `snapshot=${snapshotLSN}`);
      return { plan, err: null };
    }

    if (!this.ctx.bug('B7')) {
      const base = this.storage.pinFullBase(history.committedLSN);
      if (base.err !== null || base.pin === null) {
        const cause = base.err ?? new EngineError(DriverErrorCode.FullBasePinFailed, 'no pin returned');
        mark(M.engine_rebuild_full_base_pin_failed);
        invalidate('full_base_pin_failed');
        this.log(replicaID, sessionID, 'full_base_pin_failed', cause.message);
        return { plan: null, err: new EngineError(DriverErrorCode.FullBasePinFailed, `full base pin failed: ${cause.message}`, cause) };
      }
      plan.fullBasePin = base.pin;
      mark(M.engine_rebuild_full_base_pinned);
    }
    this.log(replicaID, sessionID, 'plan_rebuild_full_base', `reason=${fullBaseReason(history)} committed=${history.committedLSN}`);
    return { plan, err: null };
  }

  /** Releases every pin the plan still holds and forgets it (idempotent). */
  releasePlan(plan: RecoveryPlan): void {
    if (plan.retentionPin !== null) {
      mark(M.engine_plan_release_wal_pin);
      this.storage.releaseWALRetention(plan.retentionPin);
      plan.retentionPin = null;
    }
    if (plan.snapshotPin !== null) {
      mark(M.engine_plan_release_snapshot_pin);
      this.storage.releaseSnapshot(plan.snapshotPin);
      plan.snapshotPin = null;
    }
    if (plan.fullBasePin !== null) {
      mark(M.engine_plan_release_full_base_pin);
      this.storage.releaseFullBase(plan.fullBasePin);
      plan.fullBasePin = null;
    }
  }

  /**
   * Releases the plan and, if the sender's current session ID equals the plan's, invalidates it
   * (state disconnected). Hazard H4: plan session 0 matches a session-less sender, demoting it.
   */
  cancelPlan(plan: RecoveryPlan, reason: string): void {
    mark(M.engine_plan_cancelled);
    this.releasePlan(plan);
    const s = this.orchestrator.registry.sender(plan.replicaID);
    if (s !== null && s.sessionID() === plan.sessionID) {
      mark(M.engine_plan_cancel_invalidated_session);
      s.invalidateSession(reason, ReplicaState.Disconnected);
    }
    this.log(plan.replicaID, plan.sessionID, 'plan_cancelled', reason);
  }

  private log(replicaID: ReplicaID, sessionID: number, event: string, detail: string): void {
    this.orchestrator.log.record(replicaID, sessionID, event, detail);
  }
}

function fail(code: string, markId: number, message: string): PlanResult {
  mark(markId);
  return { plan: null, err: new EngineError(code, message) };
}

/** Causal reason logged with plan_rebuild_full_base. */
function fullBaseReason(h: RetainedHistory): string {
  if (h.checkpointLSN > 0 && !h.checkpointTrusted) return 'untrusted_checkpoint';
  if (h.checkpointTrusted && !h.isRecoverable(h.checkpointLSN, h.committedLSN)) {
    return `trusted_checkpoint_unreplayable_tail: checkpoint=${h.checkpointLSN} tail=${h.tailLSN}`;
  }
  return 'no_checkpoint';
}
