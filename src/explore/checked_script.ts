// An engine script run under the engine invariant checker (I1-I27): each script line is one
// checker step. The script runner does the engine call; this file reports to the EngineChecker
// the facts it cannot read from the engine (plans issued or failed, executor calls and I/O, plan
// cancellation, epoch fences, assignments), the way the simulator's recovery manager and
// test/check/engine_harness.ts do, then calls afterStep(). Used by the model checker (every
// transition) and by `swsim engine --check` (a counterexample script replayed with its verdict).
import { EngineChecker } from '../check/engine_checker.ts';
import type { Failure } from '../check/catalog.ts';
import { CatchUpExecutor } from '../engine/catchup_executor.ts';
import type { EngineBugSwitches } from '../engine/context.ts';
import type { EngineError } from '../engine/errors.ts';
import type { ExecutorIOCall, IOResult } from '../engine/executor.ts';
import { EngineScriptRunner, ScriptInputError } from '../engine/script.ts';
import type { ExecutorEntry, ExecutedLine, ParsedLine, ScriptExecutorObserver } from '../engine/script.ts';
import type { SenderCanonical } from '../engine/sender.ts';
import { pinCount } from '../check/engine_plan_checks.ts';
import type { LiveHandles } from './engine_alphabet.ts';
import type { RecoveryPlan } from '../engine/plan.ts';
import type { AssignmentIntent, AssignmentResult, ReplicaState } from '../engine/types.ts';

/** What one checked line did: the runner's output line and the checker's failures (an engine exception is failure `EXC`). */
export interface CheckedLine {
  readonly executed: ExecutedLine | null;
  readonly failures: readonly Failure[];
}

/** The pseudo-invariant reported when an engine call throws (e.g. B4's nil dereference). */
export const ENGINE_EXCEPTION = 'EXC';

export class CheckedScriptRunner implements ScriptExecutorObserver {
  readonly runner: EngineScriptRunner;
  readonly checker: EngineChecker;
  /** Plan handles by the call that made them, and handles handed to an executor or cancelled. */
  private readonly planKinds = new Map<string, 'recovery' | 'rebuild'>();
  private readonly consumed = new Set<string>();

  /** `render` false skips building each call's output line (the model checker never prints them). */
  constructor(bugs: EngineBugSwitches, private readonly render = true) {
    this.runner = new EngineScriptRunner(bugs);
    const storage = this.runner.engine.storage;
    this.checker = new EngineChecker(this.runner.engine.driver, { activeHolds: () => storage.activeHoldCount() });
    this.runner.engine.observer = this;
  }

  /** Ground truth of the pushed storage: LSNs in (tail, head] are readable. */
  private walContainsAt(lsn: number): boolean {
    const st = this.runner.engine.storage.state();
    return lsn > st.walTailLSN && lsn <= st.walHeadLSN;
  }

  /** walContainsAt as a function, made on the first plan (not per runner: the model checker makes a runner per restored state). */
  private walContainsFn: ((lsn: number) => boolean) | null = null;
  private get walContains(): (lsn: number) => boolean {
    return (this.walContainsFn ??= (lsn: number): boolean => this.walContainsAt(lsn));
  }

  /** Runs one line and the checker after it. A ScriptInputError propagates (bad script, not a violation). */
  exec(p: ParsedLine): CheckedLine {
    const e = this.runner.engine;
    const a = p.args;
    const history = e.storage.getRetainedHistory();
    let stateBefore: ReplicaState = 'disconnected';
    if (p.op === 'driver.cancelPlan') {
      const plan = e.plans.get(a.get<string>('plan'));
      if (plan !== undefined && plan !== null) stateBefore = e.sender(plan.replicaID)?.state() ?? 'disconnected';
    }
    let executed: ExecutedLine;
    try {
      executed = this.runner.exec(p, this.render);
    } catch (err) {
      if (err instanceof ScriptInputError) throw err;
      return { executed: null, failures: [{ id: ENGINE_EXCEPTION, message: `engine call ${p.op} threw: ${String(err)}`, candidate: false }] };
    }
    const out = executed.out;
    const c = this.checker;
    switch (p.op) {
      case 'orchestrator.processAssignment': {
        const intent: AssignmentIntent = { replicas: a.get('replicas'), epoch: a.get('epoch'), recoveryTargets: a.opt('recoveryTargets', null) };
        c.assignmentProcessed(intent, out.result as AssignmentResult);
        break;
      }
      case 'executor.catchUp':
      case 'executor.rebuild':
        this.consumed.add(a.get<string>('plan'));
        break;
      case 'driver.planRecovery':
      case 'driver.planRebuild': {
        const kind = p.op === 'driver.planRecovery' ? 'recovery' : 'rebuild';
        if (p.as !== null) this.planKinds.set(p.as, kind);
        const plan = p.as !== null ? e.plans.get(p.as) ?? null : null;
        if (plan !== null) {
          c.planIssued({ plan, kind, history, walContains: this.walContains, ...(kind === 'recovery' ? { replicaFlushedLSN: a.get<number>('replicaFlushedLSN') } : {}) });
        }
        if (out.error !== undefined && out.error !== null) c.planFailed({ replicaID: a.get('replicaID'), kind, err: out.error });
        break;
      }
      case 'driver.cancelPlan': {
        this.consumed.add(a.get<string>('plan'));
        const plan = e.plans.get(a.get<string>('plan'));
        if (plan !== undefined && plan !== null) c.planCancelled({ plan, stateBefore, stateAfter: e.sender(plan.replicaID)?.state() ?? 'disconnected' });
        break;
      }
      case 'executor.cancel': {
        this.consumed.add(a.get<string>('executor'));
        const x = e.executors.get(a.get<string>('executor'));
        if (x !== undefined && x !== null) c.executorFinished({ plan: x.executor.plan, kind: kindOf(x), err: null });
        break;
      }
      case 'orchestrator.updateSenderEpoch':
        c.epochFenced(a.get('epoch'), a.get('replicaID'));
        break;
      case 'orchestrator.invalidateEpoch':
        c.epochFenced(a.get('epoch'));
        break;
      case 'orchestrator.executeRecovery': {
        const r = out.result as { finalState: ReplicaState | ''; outcome: string; proof: unknown } | null;
        if (r !== null) {
          c.recoveryExecuted({
            replicaID: a.get('replicaID'),
            result: { replicaID: a.get('replicaID'), outcome: r.outcome, proof: r.proof, finalState: r.finalState, error: out.error ?? null } as never,
          });
        }
        break;
      }
      default:
        break;
    }
    return { executed, failures: c.afterStep() };
  }

  /** Plans still to be executed or cancelled (executable or pinned), executors not finished, in binding order. */
  live(): LiveHandles {
    const e = this.runner.engine;
    const plans: [string, RecoveryPlan, 'recovery' | 'rebuild'][] = [];
    for (const [h, plan] of e.plans) {
      const kind = this.planKinds.get(h);
      if (plan === null || kind === undefined || this.consumed.has(h)) continue;
      if (kind === 'rebuild' || plan.outcome === 'catchup' || pinCount(plan) > 0) plans.push([h, plan, kind]);
    }
    const executors: string[] = [];
    for (const [h, x] of e.executors) if (x !== null && !x.finished && !this.consumed.has(h)) executors.push(h);
    return { plans, executors };
  }

  // ---- ScriptExecutorObserver: executor.step resumptions ----

  executorIO(x: ExecutorEntry, call: ExecutorIOCall, result: IOResult): void {
    const plan = x.executor.plan;
    this.checker.executorIO({ replicaID: plan.replicaID, sessionIDUsed: plan.sessionID, call, result, plan });
  }

  executorCall(x: ExecutorEntry, label: string, before: SenderCanonical | null, after: SenderCanonical | null): void {
    if (before === null || after === null) return;
    const plan = x.executor.plan;
    this.checker.executorCall({ replicaID: plan.replicaID, sessionIDUsed: plan.sessionID, label, before, after, plan });
  }

  executorFinished(x: ExecutorEntry, err: EngineError | null): void {
    this.checker.executorFinished({ plan: x.executor.plan, kind: kindOf(x), err });
  }
}

function kindOf(x: ExecutorEntry): 'catchup' | 'rebuild' {
  return x.executor instanceof CatchUpExecutor ? 'catchup' : 'rebuild';
}
