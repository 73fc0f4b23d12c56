// Engine invariants about plans and their resources (spec §12.2-§12.4), checked when the
// simulator reports a plan, a planning failure, a cancellation or a planner result: zero gap is
// exact (I10), truncation plans (I14), the ground-truth WAL behind a catch-up range (I16),
// classification vs proof (I17, candidate), the trusted-base choice (I21), pin symmetry (I23),
// the pin inventory per plan shape (I24), no dangling session after a pin failure (I25) and
// cancel of a session-less plan (I27, candidate). Pure functions over the reported facts.
import { walGapReason, type WALGap } from '../sim/engine_observer.ts';
import { failure } from './catalog.ts';
import type { Failure } from './catalog.ts';
import { DriverErrorCode } from '../engine/driver.ts';
import type { EngineError } from '../engine/errors.ts';
import type { RetainedHistory } from '../engine/history.ts';
import type { RecoveryResult } from '../engine/orchestrator.ts';
import type { RecoveryPlan } from '../engine/plan.ts';
import type { SenderCanonical } from '../engine/sender.ts';
import { RebuildSource, RecoveryOutcome, ReplicaState } from '../engine/types.ts';
import type { RecoverabilityProof, ReplicaID } from '../engine/types.ts';

export type PlanKind = 'recovery' | 'rebuild';

/** What the simulator reports right after planRecovery/planRebuild returned a plan. */
export interface PlanIssued {
  readonly plan: RecoveryPlan;
  readonly kind: PlanKind;
  /** The RetainedHistory the driver planned from (storage.getRetainedHistory() in the same step). */
  readonly history: RetainedHistory;
  /** The R passed to planRecovery. */
  readonly replicaFlushedLSN?: number;
  /** Ground truth: is this LSN physically readable in the primary's WAL right now? */
  readonly walContains?: (lsn: number) => boolean;
  /** Ground truth: why a missing LSN is missing — 'in_flight' (allocated, append unfinished) or 'hole' (H1). */
  readonly walGap?: (lsn: number) => WALGap | null;
}

export interface PlanFailed {
  readonly replicaID: ReplicaID;
  readonly kind: PlanKind;
  readonly err: EngineError;
}

export interface PlanCancelled {
  readonly plan: RecoveryPlan;
  readonly stateBefore: ReplicaState;
  readonly stateAfter: ReplicaState;
}

/** Number of pins the plan still holds. */
export function pinCount(plan: RecoveryPlan): number {
  return (plan.retentionPin !== null ? 1 : 0) + (plan.snapshotPin !== null ? 1 : 0) + (plan.fullBasePin !== null ? 1 : 0);
}

function planName(plan: RecoveryPlan): string {
  return `replica ${plan.replicaID} plan (session ${plan.sessionID}, ${plan.outcome}${plan.rebuildSource === '' ? '' : ` ${plan.rebuildSource}`})`;
}

function pinList(plan: RecoveryPlan): string {
  const held: string[] = [];
  if (plan.retentionPin !== null) held.push(`wal@${plan.retentionPin.startLSN}`);
  if (plan.snapshotPin !== null) held.push(`snapshot@${plan.snapshotPin.lsn}`);
  if (plan.fullBasePin !== null) held.push(`fullbase@${plan.fullBasePin.committedLSN}`);
  return held.length === 0 ? 'none' : held.join(', ');
}

/** I10 and I17 on an outcome with its proof (shared by plans and ExecuteRecovery results). */
export function checkOutcomeAgainstProof(who: string, outcome: RecoveryOutcome, proof: RecoverabilityProof, out: Failure[]): void {
  const equal = proof.replicaFlushedLSN === proof.committedLSN;
  if ((outcome === RecoveryOutcome.ZeroGap) !== equal) {
    out.push(
      failure('I10', `${who}: outcome ${outcome} with R=${proof.replicaFlushedLSN}, C=${proof.committedLSN}`),
    );
  }
  if (outcome === RecoveryOutcome.CatchUp && !proof.recoverable) {
    out.push(
      failure(
        'I17',
        `${who}: outcome catchup but proof not recoverable (R=${proof.replicaFlushedLSN} C=${proof.committedLSN} tail=${proof.tailLSN} head=${proof.headLSN}: ${proof.reason})`,
      ),
    );
  }
}

export function checkPlanIssued(p: PlanIssued, out: Failure[]): void {
  if (p.kind === 'recovery') checkRecoveryPlan(p, out);
  else checkRebuildPlan(p, out);
}

function checkRecoveryPlan(p: PlanIssued, out: Failure[]): void {
  const plan = p.plan;
  const who = planName(plan);
  if (plan.proof !== null) checkOutcomeAgainstProof(who, plan.outcome, plan.proof, out);
  if (plan.outcome !== RecoveryOutcome.CatchUp) {
    if (pinCount(plan) > 0) out.push(failure('I24', `${who}: holds pins (${pinList(plan)}) although nothing is replayed`));
    return;
  }
  const r = plan.catchUpStartLSN;
  const c = plan.catchUpTarget;
  if (p.replicaFlushedLSN !== undefined && r !== p.replicaFlushedLSN) {
    out.push(failure('I24', `${who}: catch-up starts at ${r}, not at the replica's flushed LSN ${p.replicaFlushedLSN}`));
  }
  if (plan.truncateLSN > 0 && !(r > c && plan.truncateLSN === c)) {
    out.push(failure('I14', `${who}: truncation to ${plan.truncateLSN} planned for R=${r}, C=${c} (needs R > C = truncation point)`));
  }
  if (r > c && c > 0 && plan.truncateLSN !== c) {
    out.push(failure('I14', `${who}: replica ahead (R=${r} > C=${c}) but truncation point is ${plan.truncateLSN}`));
  }
  if (r > c) {
    if (pinCount(plan) > 0) out.push(failure('I24', `${who}: truncation-only plan holds pins (${pinList(plan)})`));
    return;
  }
  const wal = plan.retentionPin;
  if (wal === null || wal.startLSN !== r || plan.snapshotPin !== null || plan.fullBasePin !== null) {
    out.push(failure('I24', `${who}: catch-up (${r}, ${c}] must hold exactly one WAL pin at ${r}, holds ${pinList(plan)}`));
  }
  if (p.walContains !== undefined) {
    const missing = firstMissing(p.walContains, r, c);
    if (missing !== null) {
      // A missing LSN the simulator can explain (WALGap) is target behaviour the engine cannot
      // see: a finding, not a port failure.
      const gap = p.walGap?.(missing) ?? null;
      const why = gap === null ? '' : ` (${walGapReason(gap)})`;
      const f = failure('I16', `${who}: catch-up range (${r}, ${c}] issued but LSN ${missing} is not in the primary WAL${why}`);
      out.push(gap !== null ? { ...f, candidate: true } : f);
    }
  }
}

function checkRebuildPlan(p: PlanIssued, out: Failure[]): void {
  const plan = p.plan;
  const who = planName(plan);
  const h = p.history;
  if (plan.rebuildSource === RebuildSource.SnapshotTail) {
    const justified =
      h.checkpointTrusted && h.checkpointLSN > 0 && h.checkpointLSN >= h.tailLSN && h.committedLSN <= h.headLSN && h.committedLSN > 0;
    if (!justified || plan.rebuildSnapshotLSN !== h.checkpointLSN) {
      out.push(
        failure(
          'I21',
          `${who}: snapshot_tail at ${plan.rebuildSnapshotLSN} chosen from checkpoint=${h.checkpointLSN} trusted=${h.checkpointTrusted} tail=${h.tailLSN} committed=${h.committedLSN} head=${h.headLSN}`,
        ),
      );
    }
    const snap = plan.snapshotPin;
    const wal = plan.retentionPin;
    if (snap === null || snap.lsn !== plan.rebuildSnapshotLSN || wal === null || wal.startLSN !== plan.rebuildSnapshotLSN || plan.fullBasePin !== null) {
      out.push(failure('I24', `${who}: snapshot_tail must hold a snapshot pin and a WAL pin at ${plan.rebuildSnapshotLSN}, holds ${pinList(plan)}`));
    }
    return;
  }
  // The full-base pin is at the history's CommittedLSN, which is also the plan's target except
  // when committed is 0 (a79cba0be: the target is then HeadLSN; the pin stays at 0, as upstream).
  const base = plan.fullBasePin;
  if (base === null || base.committedLSN !== h.committedLSN || plan.snapshotPin !== null || plan.retentionPin !== null) {
    out.push(failure('I24', `${who}: full_base must hold exactly one full-base pin at ${h.committedLSN}, holds ${pinList(plan)}`));
  }
}

/** First LSN in (start, end] that the WAL does not contain, or null. */
export function firstMissing(walContains: (lsn: number) => boolean, startExclusive: number, endInclusive: number): number | null {
  for (let lsn = startExclusive + 1; lsn <= endInclusive; lsn++) {
    if (!walContains(lsn)) return lsn;
  }
  return null;
}

/** I25: a pin failure leaves the sender session-less, in the state the driver promises. */
export function checkPlanFailed(p: PlanFailed, sender: SenderCanonical | null, out: Failure[]): void {
  if (sender === null) return;
  const code = p.err.code;
  let expected: ReplicaState | null = null;
  if (p.kind === 'recovery' && code === DriverErrorCode.WALPinFailed) expected = ReplicaState.Disconnected;
  if (
    p.kind === 'rebuild' &&
    (code === DriverErrorCode.SnapshotPinFailed || code === DriverErrorCode.WALPinFailed || code === DriverErrorCode.FullBasePinFailed)
  ) {
    expected = ReplicaState.NeedsRebuild;
  }
  if (expected === null) return;
  if (sender.session !== null || sender.state !== expected) {
    out.push(
      failure(
        'I25',
        `replica ${p.replicaID}: ${p.kind} plan failed (${code}) but the sender has ${sender.session === null ? 'no session' : `session ${sender.session.id} (${sender.session.phase})`} and state ${sender.state}, expected no session and ${expected}`,
      ),
    );
  }
}

/** I23 (pins released by cancel) and I27 (candidate: a session-less cancel does not demote in_sync). */
export function checkPlanCancelled(p: PlanCancelled, out: Failure[]): void {
  const plan = p.plan;
  if (pinCount(plan) > 0) out.push(failure('I23', `${planName(plan)}: cancelled but still holds ${pinList(plan)}`));
  if (plan.sessionID === 0 && p.stateBefore === ReplicaState.InSync && p.stateAfter !== ReplicaState.InSync) {
    out.push(failure('I27', `${planName(plan)}: CancelPlan with session 0 demoted an in_sync sender to ${p.stateAfter}`));
  }
}

/** I23: an executor that returned (or was cancelled) holds none of its plan's pins. */
export function checkExecutorReleased(plan: RecoveryPlan, err: EngineError | null, out: Failure[]): void {
  if (pinCount(plan) > 0) {
    out.push(
      failure('I23', `${planName(plan)}: executor returned (${err === null ? 'ok' : err.code}) still holding ${pinList(plan)}`),
    );
  }
}

/** I10 and I17 on an ExecuteRecovery result. */
export function checkRecoveryResult(result: RecoveryResult, out: Failure[]): void {
  if (result.outcome === '' || result.proof === null) return;
  checkOutcomeAgainstProof(`replica ${result.replicaID} ExecuteRecovery`, result.outcome, result.proof, out);
}
