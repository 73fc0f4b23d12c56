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

/**
 * Why an LSN the engine believes retained is missing from the primary's WAL. Each is target
 * behaviour, not a port error: 'in_flight' — allocated, append not finished (StatusSnapshot reads
 * nextLSN without shipMu); 'hole' — allocated and never written (H1); 'reclaimed' — the flusher
 * moved the WAL tail past it before persisting the superblock checkpoint that the status reports
 * as the tail (H23); 'lowered' — reclaimed, then a retention hold set the checkpoint below it (H2).
 */
export type WALGap = 'in_flight' | 'hole' | 'reclaimed' | 'lowered';

export function walGapReason(gap: WALGap): string {
  switch (gap) {
    case 'in_flight': return 'its append is still in flight: CommittedLSN = nextLSN-1 counts it';
    case 'hole': return 'a hole: allocated but never written, H1';
    case 'reclaimed': return 'the flusher reclaimed it before persisting the checkpoint the status reports as the tail, H23';
    case 'lowered': return 'the flusher reclaimed it, then a flush under a retention hold lowered the checkpoint below it, H2';
  }
}

export interface EngineObserver {
  planIssued(p: { plan: RecoveryPlan; kind: 'recovery' | 'rebuild'; history: RetainedHistory; replicaFlushedLSN?: number; walContains?: (lsn: number) => boolean; walGap?: (lsn: number) => WALGap | null }): void;
  planFailed(p: { replicaID: ReplicaID; kind: 'recovery' | 'rebuild'; err: EngineError }): void;
  executorCall(p: { replicaID: ReplicaID; sessionIDUsed: number; label: string; before: unknown; after: unknown; plan?: RecoveryPlan }): void;
  executorIO(p: { replicaID: ReplicaID; sessionIDUsed: number; call: ExecutorIOCall; result: IOResult; plan?: RecoveryPlan }): void;
  executorFinished(p: { plan: RecoveryPlan; kind: 'catchup' | 'rebuild'; err: EngineError | null }): void;
  planCancelled(p: { plan: RecoveryPlan; stateBefore: ReplicaState; stateAfter: ReplicaState }): void;
  assignmentProcessed(intent: AssignmentIntent, result: AssignmentResult): void;
}
