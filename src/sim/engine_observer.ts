// What the simulator tells an engine checker about engine activity that is not visible in engine
// state alone: plans (with the history they were made from and ground truth about the WAL),
// plan failures, each executor step's sender call (state before and after, session ID used),
// executor results and cancellations. The checker in src/check implements it; the simulator
// only calls it (layers point down: sim never imports check).
import type { EngineError } from '../engine/errors.ts';
import type { RetainedHistory } from '../engine/history.ts';
import type { ExecutorIOCall, IOResult } from '../engine/executor.ts';
import type { RecoveryPlan } from '../engine/plan.ts';
import type { AssignmentIntent, AssignmentResult, ReplicaID, ReplicaState } from '../engine/types.ts';

export interface EngineObserver {
  planIssued(p: { plan: RecoveryPlan; kind: 'recovery' | 'rebuild'; history: RetainedHistory; replicaFlushedLSN?: number; walContains?: (lsn: number) => boolean; walGap?: (lsn: number) => 'in_flight' | 'hole' | null }): void;
  planFailed(p: { replicaID: ReplicaID; kind: 'recovery' | 'rebuild'; err: EngineError }): void;
  executorCall(p: { replicaID: ReplicaID; sessionIDUsed: number; label: string; before: unknown; after: unknown }): void;
  executorIO(p: { replicaID: ReplicaID; sessionIDUsed: number; call: ExecutorIOCall; result: IOResult }): void;
  executorFinished(p: { plan: RecoveryPlan; kind: 'catchup' | 'rebuild'; err: EngineError | null }): void;
  planCancelled(p: { plan: RecoveryPlan; stateBefore: ReplicaState; stateAfter: ReplicaState }): void;
  assignmentProcessed(intent: AssignmentIntent, result: AssignmentResult): void;
}
