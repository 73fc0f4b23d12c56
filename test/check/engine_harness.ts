// Test harness for the engine checker: drives the real engine the way the simulator's recovery
// manager does — one engine call per step, executors advanced one generator yield at a time with
// other actors interleaved — and reports every fact to an EngineChecker, collecting its failures.
// Also the test-only mutation helpers (reaching a Sender's or Session's private fields).
import { EngineChecker } from '../../src/check/engine_checker.ts';
import type { EngineCheckerOptions } from '../../src/check/engine_checker.ts';
import type { Failure } from '../../src/check/catalog.ts';
import { CatchUpExecutor } from '../../src/engine/catchup_executor.ts';
import { EngineContext } from '../../src/engine/context.ts';
import type { EngineBugSwitches } from '../../src/engine/context.ts';
import { RecoveryDriver } from '../../src/engine/driver.ts';
import type { EngineError } from '../../src/engine/errors.ts';
import type { ExecutorIOCall, ExecutorSteps, ExecutorYield, IOResult } from '../../src/engine/executor.ts';
import type { RecoveryPlan } from '../../src/engine/plan.ts';
import { PushStorageAdapter } from '../../src/engine/push_storage_adapter.ts';
import { RebuildExecutor } from '../../src/engine/rebuild_executor.ts';
import type { Sender } from '../../src/engine/sender.ts';
import type { Session } from '../../src/engine/session.ts';
import type { AssignmentIntent, ReplicaID, SessionKind } from '../../src/engine/types.ts';

export interface StorageInit {
  head?: number;
  tail?: number;
  committed?: number;
  checkpoint?: number;
  trusted?: boolean;
}

/** Resolves one executor I/O call; the default delivers exactly what was asked. */
export type IOHandler = (call: ExecutorIOCall) => IOResult;

export const perfectIO: IOHandler = (call) => {
  switch (call.op) {
    case 'streamWALEntries':
      return { value: call.endInclusive, err: null };
    case 'transferFullBase':
      return { value: call.committedLSN, err: null };
    default:
      return { err: null };
  }
};

export interface ExecOptions {
  /** Test mode progress LSNs (catch-up only; ignored with io). */
  progress?: readonly number[];
  startTick?: number;
  /** IO mode when set. */
  io?: IOHandler;
  /** Runs before the step yield with this label is resumed (other actors, as separate steps). */
  before?: (label: string) => void;
  /** Planted glue bug: resume the generator with this instead of the real I/O result. */
  resumeWith?: (call: ExecutorIOCall, real: IOResult) => IOResult;
  /** Planted executor bug hook: called with the executor before it starts. */
  mutate?: (exec: CatchUpExecutor | RebuildExecutor) => void;
}

export function assignment(kind: SessionKind | null, epoch = 1, dataAddr = 'r1:9333', ids: readonly ReplicaID[] = ['r1']): AssignmentIntent {
  const targets: Record<ReplicaID, SessionKind> = {};
  if (kind !== null) for (const id of ids) targets[id] = kind;
  return {
    replicas: ids.map((id) => ({ replicaID: id, endpoint: { dataAddr: id === 'r1' ? dataAddr : `${id}:9333`, ctrlAddr: '', version: 1 } })),
    epoch,
    recoveryTargets: kind === null ? null : targets,
  };
}

export class EngineRun {
  readonly storage: PushStorageAdapter;
  readonly ctx: EngineContext;
  readonly driver: RecoveryDriver;
  readonly checker: EngineChecker;
  readonly failures: Failure[] = [];
  /** Ground-truth WAL: LSNs in (tail, head] minus these holes are readable. */
  readonly holes = new Set<number>();

  constructor(init: StorageInit = {}, bugs: EngineBugSwitches = {}, opts: EngineCheckerOptions = {}) {
    this.storage = new PushStorageAdapter({
      walHeadLSN: init.head ?? 100,
      walTailLSN: init.tail ?? 30,
      committedLSN: init.committed ?? 100,
      checkpointLSN: init.checkpoint ?? 0,
      checkpointTrusted: init.trusted ?? false,
    });
    this.ctx = new EngineContext(bugs);
    this.driver = new RecoveryDriver(this.storage, this.ctx);
    this.checker = new EngineChecker(this.driver, { activeHolds: () => this.storage.activeHoldCount(), ...opts });
  }

  /** Ids of all failures so far, in order, without duplicates. */
  fired(): string[] {
    return [...new Set(this.failures.map((f) => f.id))];
  }

  firstOf(id: string): Failure | undefined {
    return this.failures.find((f) => f.id === id);
  }

  walContains = (lsn: number): boolean => {
    const st = this.storage.state();
    return lsn > st.walTailLSN && lsn <= st.walHeadLSN && !this.holes.has(lsn);
  };

  sender(id: ReplicaID = 'r1'): Sender {
    const s = this.driver.orchestrator.registry.sender(id);
    if (s === null) throw new Error(`no sender ${id}`);
    return s;
  }

  /** One simulator step: run `fn`, then the checker. */
  step<T>(fn: () => T): T {
    const r = fn();
    this.failures.push(...this.checker.afterStep());
    return r;
  }

  assign(intent: AssignmentIntent): void {
    this.step(() => {
      const result = this.driver.orchestrator.processAssignment(intent);
      this.checker.assignmentProcessed(intent, result);
    });
  }

  setStorage(init: StorageInit): void {
    const st = this.storage.state();
    this.step(() =>
      this.storage.updateState({
        walHeadLSN: init.head ?? st.walHeadLSN,
        walTailLSN: init.tail ?? st.walTailLSN,
        committedLSN: init.committed ?? st.committedLSN,
        checkpointLSN: init.checkpoint ?? st.checkpointLSN,
        checkpointTrusted: init.trusted ?? st.checkpointTrusted,
      }),
    );
  }

  planRecovery(r: number, id: ReplicaID = 'r1'): RecoveryPlan | null {
    return this.step(() => {
      const history = this.storage.getRetainedHistory();
      const { plan, err } = this.driver.planRecovery(id, r);
      if (plan !== null) this.checker.planIssued({ plan, kind: 'recovery', history, replicaFlushedLSN: r, walContains: this.walContains });
      if (err !== null) this.checker.planFailed({ replicaID: id, kind: 'recovery', err });
      return plan;
    });
  }

  planRebuild(id: ReplicaID = 'r1'): RecoveryPlan | null {
    return this.step(() => {
      const history = this.storage.getRetainedHistory();
      const { plan, err } = this.driver.planRebuild(id);
      if (plan !== null) this.checker.planIssued({ plan, kind: 'rebuild', history, walContains: this.walContains });
      if (err !== null) this.checker.planFailed({ replicaID: id, kind: 'rebuild', err });
      return plan;
    });
  }

  cancelPlan(plan: RecoveryPlan, reason: string): void {
    this.step(() => {
      const reg = this.driver.orchestrator.registry;
      const stateBefore = reg.sender(plan.replicaID)?.state() ?? 'disconnected';
      this.driver.cancelPlan(plan, reason);
      this.checker.planCancelled({ plan, stateBefore, stateAfter: reg.sender(plan.replicaID)?.state() ?? 'disconnected' });
    });
  }

  updateSenderEpoch(epoch: number, id: ReplicaID = 'r1'): void {
    this.step(() => {
      this.driver.orchestrator.updateSenderEpoch(id, epoch);
      this.checker.epochFenced(epoch, id);
    });
  }

  invalidateEpoch(epoch: number): void {
    this.step(() => {
      this.driver.orchestrator.invalidateEpoch(epoch);
      this.checker.epochFenced(epoch);
    });
  }

  runCatchUp(plan: RecoveryPlan, o: ExecOptions = {}): EngineError | null {
    return this.startCatchUp(plan, o).finish();
  }

  runRebuild(plan: RecoveryPlan, o: ExecOptions = {}): EngineError | null {
    return this.startRebuild(plan, o).finish();
  }

  /** A catch-up executor to advance one yield per step (interleavable with other actors). */
  startCatchUp(plan: RecoveryPlan, o: ExecOptions = {}): ExecutorStepper {
    const exec = new CatchUpExecutor(this.driver, plan);
    o.mutate?.(exec);
    return new ExecutorStepper(this, exec, exec.steps(o.progress ?? [], o.startTick ?? 0, o.io !== undefined), plan, 'catchup', o);
  }

  startRebuild(plan: RecoveryPlan, o: ExecOptions = {}): ExecutorStepper {
    const exec = new RebuildExecutor(this.driver, plan);
    o.mutate?.(exec);
    return new ExecutorStepper(this, exec, exec.steps(o.io !== undefined), plan, 'rebuild', o);
  }

  quiesce(): void {
    this.failures.push(...this.checker.atQuiescence());
  }
}

/** Advances an executor generator one yield per simulator step, reporting calls, I/O and the end. */
export class ExecutorStepper {
  private result: IteratorResult<ExecutorYield, EngineError | null> | null = null;
  private finished = false;
  private err: EngineError | null = null;

  constructor(
    private readonly run: EngineRun,
    private readonly exec: CatchUpExecutor | RebuildExecutor,
    private readonly gen: ExecutorSteps,
    readonly plan: RecoveryPlan,
    private readonly kind: 'catchup' | 'rebuild',
    private readonly o: ExecOptions,
  ) {}

  done(): boolean {
    return this.finished;
  }

  /** One step; false once the executor has finished (and executorFinished was reported). */
  advance(): boolean {
    if (this.finished) return false;
    const run = this.run;
    const id = this.plan.replicaID;
    const r = this.result;
    if (r === null) {
      this.result = run.step(() => this.gen.next());
    } else if (r.done === true) {
      this.err = r.value;
      run.step(() => run.checker.executorFinished({ plan: this.plan, kind: this.kind, err: r.value }));
      this.finished = true;
      return false;
    } else if (r.value.kind === 'step') {
      const label = r.value.label;
      this.o.before?.(label);
      this.result = run.step(() => {
        const s = run.driver.orchestrator.registry.sender(id);
        const before = s?.canonical();
        const next = this.gen.next(undefined);
        if (s !== null && before !== undefined) {
          run.checker.executorCall({ replicaID: id, sessionIDUsed: this.plan.sessionID, label, before, after: s.canonical(), plan: this.plan });
        }
        return next;
      });
    } else {
      const call = r.value.call;
      const real = (this.o.io ?? perfectIO)(call);
      this.result = run.step(() => {
        run.checker.executorIO({ replicaID: id, sessionIDUsed: this.plan.sessionID, call, result: real, plan: this.plan });
        return this.gen.next(this.o.resumeWith === undefined ? real : this.o.resumeWith(call, real));
      });
    }
    return true;
  }

  /** Upstream Cancel (releases the plan, leaves the session) as one step; the generator is abandoned. */
  cancel(reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.run.step(() => {
      this.exec.cancel(reason);
      this.run.checker.executorFinished({ plan: this.plan, kind: this.kind, err: null });
    });
  }

  /** Advance to the end; returns the executor's error. */
  finish(): EngineError | null {
    while (this.advance()) {
      // one step per iteration
    }
    return this.err;
  }
}

// ---- test-only mutation helpers ----

/** The private fields of a Sender a planted bug pokes. */
export interface SenderInternals {
  _session: Session | null;
  _epoch: number;
  _stopped: boolean;
  authorize(sessionID: number): Session | EngineError;
}

export function internals(s: Sender): SenderInternals {
  return s as unknown as SenderInternals;
}

/** The live session object of a sender (throws if none). */
export function liveSession(s: Sender): Session {
  const sess = internals(s)._session;
  if (sess === null) throw new Error(`replica ${s.replicaID()} has no session`);
  return sess;
}

/** Writable view of a Session's private fields. */
export function sessionFields(sess: Session): { _phase: string; _startLSN: number; _targetLSN: number; _recoveredTo: number } {
  return sess as unknown as { _phase: string; _startLSN: number; _targetLSN: number; _recoveredTo: number };
}
