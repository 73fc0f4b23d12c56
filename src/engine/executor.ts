// Executor step protocol (design.md principle 2; spec §9.3-§9.5): the yields an executor's
// generator produces, the I/O interfaces it calls, and the release/Cancel discipline shared by the
// catch-up and rebuild executors. Each executor body is written once, as a generator; `execute`
// drives that same generator to completion, performing I/O synchronously (upstream's form).
import { EngineError } from './errors.ts';
import type { RecoveryDriver } from './driver.ts';
import type { RecoveryPlan } from './plan.ts';
import type { ReplicaID } from './types.ts';
import { M, mark } from '../marks/index.ts';

/** One I/O request of an executor (spec §9.5). */
export type ExecutorIOCall =
  | { readonly op: 'streamWALEntries'; readonly startExclusive: number; readonly endInclusive: number }
  | { readonly op: 'truncateWAL'; readonly lsn: number }
  | { readonly op: 'transferFullBase'; readonly committedLSN: number }
  | { readonly op: 'transferSnapshot'; readonly snapshotLSN: number };

/**
 * A scheduling point. `step` comes immediately before a sender call (index counts the executor's
 * step yields from 0; `onStep` is set where upstream calls OnStep(i)); `io` asks the driver of the
 * generator to perform the call and resume with its IOResult.
 */
export type ExecutorYield =
  | { readonly kind: 'step'; readonly index: number; readonly label: string; readonly onStep?: number }
  | { readonly kind: 'io'; readonly call: ExecutorIOCall };

/** Result of an I/O call: `value` is the LSN reached (stream, full base), absent for truncate/snapshot. */
export interface IOResult {
  readonly value?: number;
  readonly err: EngineError | null;
}

/** The generator form of an executor: returns the executor's error (null = success). */
export type ExecutorSteps = Generator<ExecutorYield, EngineError | null, IOResult | undefined>;

export interface CatchUpIO {
  /** Deliver (start, end] to the replica; returns the highest delivered LSN. */
  streamWALEntries(startExclusive: number, endInclusive: number): IOResult;
  /** Make the replica's runtime exactly `lsn`; an ERR_TRUNCATION_UNSAFE-wrapping error when unsafe. */
  truncateWAL(lsn: number): IOResult;
}

export interface RebuildIO {
  /** Returns the achieved LSN (>= committed). */
  transferFullBase(committedLSN: number): IOResult;
  /** Exact boundary; no value. */
  transferSnapshot(snapshotLSN: number): IOResult;
  streamWALEntries(startExclusive: number, endInclusive: number): IOResult;
}

export const ExecutorErrorCode = {
  SenderNotFound: 'sender_not_found',
  SessionInvalidated: 'session_invalidated',
  BudgetViolation: 'budget_violation',
  CompletionRejected: 'completion_rejected',
  IOResultMissing: 'io_result_missing',
  AlreadyStarted: 'executor_already_started',
  /** `truncation escalated to rebuild: %w` around the TruncateWAL error (which .is(ERR_TRUNCATION_UNSAFE)). */
  TruncationEscalated: 'truncation_escalated',
} as const;

/** Performs one I/O call synchronously against an IO implementation. */
export function performIO(io: CatchUpIO | RebuildIO, call: ExecutorIOCall): IOResult {
  switch (call.op) {
    case 'streamWALEntries':
      return io.streamWALEntries(call.startExclusive, call.endInclusive);
    case 'truncateWAL':
      return (io as CatchUpIO).truncateWAL(call.lsn);
    case 'transferFullBase':
      return (io as RebuildIO).transferFullBase(call.committedLSN);
    case 'transferSnapshot':
      return (io as RebuildIO).transferSnapshot(call.snapshotLSN);
  }
}

/** The resumed value of an io yield; a missing result is a caller bug, reported as an I/O error. */
export function ioResult(r: IOResult | undefined, call: ExecutorIOCall): IOResult {
  if (r === undefined) mark(M.engine_exec_io_result_missing);
  return r ?? { err: new EngineError(ExecutorErrorCode.IOResultMissing, `no result supplied for ${call.op}`) };
}

/** Release-once bookkeeping and Cancel shared by both executors. */
export abstract class PlanExecutor {
  readonly replicaID: ReplicaID;
  readonly sessionID: number;
  private releasedFlag = false;
  private startedFlag = false;
  private stepCounter = 0;

  constructor(
    readonly driver: RecoveryDriver,
    readonly plan: RecoveryPlan,
  ) {
    this.replicaID = plan.replicaID;
    this.sessionID = plan.sessionID;
  }

  /** True once the plan's resources were handed back (success, failure or Cancel). */
  released(): boolean {
    return this.releasedFlag;
  }

  /** Upstream Cancel: releases with reason `cancelled: <reason>`; never touches the session. */
  cancel(reason: string): void {
    mark(M.engine_exec_cancelled);
    this.release(`cancelled: ${reason}`);
  }

  /** First call only: release the plan; a non-empty reason is logged as exec_resources_released. */
  protected release(reason: string): void {
    if (this.releasedFlag) return;
    this.releasedFlag = true;
    this.driver.releasePlan(this.plan);
    if (reason !== '') this.logEvent('exec_resources_released', reason);
  }

  protected logEvent(event: string, detail: string): void {
    this.driver.orchestrator.log.record(this.replicaID, this.sessionID, event, detail);
  }

  /** The next step yield (indices count from 0 per executor). */
  protected step(label: string, onStep?: number): ExecutorYield {
    const index = this.stepCounter;
    this.stepCounter += 1;
    return onStep === undefined ? { kind: 'step', index, label } : { kind: 'step', index, label, onStep };
  }

  /** An executor body runs once; a second start fails without touching anything. */
  protected claimStart(): EngineError | null {
    if (this.startedFlag) { mark(M.engine_exec_already_started); return new EngineError(ExecutorErrorCode.AlreadyStarted, 'executor already started'); }
    this.startedFlag = true;
    return null;
  }

  /** Drives a generator to completion, performing I/O synchronously and calling onStep hooks. */
  protected runToCompletion(
    gen: ExecutorSteps,
    io: CatchUpIO | RebuildIO | null,
    onStep: ((i: number) => void) | null,
  ): EngineError | null {
    let input: IOResult | undefined;
    for (;;) {
      const r = gen.next(input);
      if (r.done === true) return r.value;
      input = undefined;
      const y = r.value;
      if (y.kind === 'step') {
        if (y.onStep !== undefined && onStep !== null) onStep(y.onStep);
      } else if (io !== null) {
        input = performIO(io, y.call);
      }
    }
  }
}

/** `x=<true|false>` as Go's %v prints a bool. */
export function boolText(b: boolean): string {
  return b ? 'true' : 'false';
}
