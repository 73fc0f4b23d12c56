// RecoveryPlan (spec §9.2): what the driver decided and acquired for one recovery, frozen at plan
// time. Executors consume only these values (never re-read storage), and own its pins once built.
import type {
  FullBasePin,
  RebuildSource,
  RecoverabilityProof,
  RecoveryOutcome,
  ReplicaID,
  RetentionPin,
  SnapshotPin,
} from './types.ts';

export interface RecoveryPlan {
  readonly replicaID: ReplicaID;
  /** Sender's session ID read after planning: 0 for zero_gap (completed) and needs_rebuild (invalidated). */
  readonly sessionID: number;
  readonly outcome: RecoveryOutcome;
  readonly proof: RecoverabilityProof | null;
  /** Pins; null = not held. ReleasePlan nulls them. */
  retentionPin: RetentionPin | null;
  snapshotPin: SnapshotPin | null;
  fullBasePin: FullBasePin | null;
  /** Catch-up: exclusive start (= R), target (= C at plan time), truncation point (0 = none). */
  catchUpStartLSN: number;
  catchUpTarget: number;
  truncateLSN: number;
  /** Rebuild: source, snapshot LSN and target (= C at plan time). */
  rebuildSource: RebuildSource | '';
  rebuildSnapshotLSN: number;
  rebuildTargetLSN: number;
}

export function newRecoveryPlan(
  replicaID: ReplicaID,
  sessionID: number,
  outcome: RecoveryOutcome,
  proof: RecoverabilityProof | null,
): RecoveryPlan {
  return {
    replicaID,
    sessionID,
    outcome,
    proof,
    retentionPin: null,
    snapshotPin: null,
    fullBasePin: null,
    catchUpStartLSN: 0,
    catchUpTarget: 0,
    truncateLSN: 0,
    rebuildSource: '',
    rebuildSnapshotLSN: 0,
    rebuildTargetLSN: 0,
  };
}

/** True while the plan still holds at least one pin. */
export function planHoldsPins(plan: RecoveryPlan): boolean {
  return plan.retentionPin !== null || plan.snapshotPin !== null || plan.fullBasePin !== null;
}

/** Detached plain copy with a fixed field order, for traces and engine-script output. */
export function canonicalPlan(plan: RecoveryPlan): Record<string, unknown> {
  return {
    replicaID: plan.replicaID,
    sessionID: plan.sessionID,
    outcome: plan.outcome,
    proof: plan.proof === null ? null : { ...plan.proof },
    retentionPin: plan.retentionPin === null ? null : { ...plan.retentionPin },
    snapshotPin: plan.snapshotPin === null ? null : { ...plan.snapshotPin },
    fullBasePin: plan.fullBasePin === null ? null : { ...plan.fullBasePin },
    catchUpStartLSN: plan.catchUpStartLSN,
    catchUpTarget: plan.catchUpTarget,
    truncateLSN: plan.truncateLSN,
    rebuildSource: plan.rebuildSource,
    rebuildSnapshotLSN: plan.rebuildSnapshotLSN,
    rebuildTargetLSN: plan.rebuildTargetLSN,
  };
}
