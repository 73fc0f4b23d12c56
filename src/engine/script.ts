// Engine scripts (docs/engine-scripts.md): a JSON-lines file where each line calls one engine
// operation against one fresh engine (one EngineContext, one RecoveryDriver over a
// PushStorageAdapter). The whole file is validated first (JSON, op, arguments, handles), then run;
// every call prints one canonical JSON line with its result, error, the addressed sender after
// the call and the log events it appended. Pure: text in, lines out; the CLI does the file I/O.
import { canonicalJSON } from './canonical.ts';
import { CatchUpExecutor } from './catchup_executor.ts';
import { EngineContext } from './context.ts';
import type { EngineBugSwitches } from './context.ts';
import { RecoveryDriver } from './driver.ts';
import { EngineError } from './errors.ts';
import type { CatchUpIO, ExecutorIOCall, ExecutorSteps, ExecutorYield, IOResult, RebuildIO } from './executor.ts';
import type { RetainedHistory } from './history.ts';
import { canonicalPlan } from './plan.ts';
import type { RecoveryPlan } from './plan.ts';
import { PushStorageAdapter } from './push_storage_adapter.ts';
import { RebuildExecutor } from './rebuild_executor.ts';
import * as A from './script_args.ts';
import { ScriptInputError, isPlainObject } from './script_args.ts';
import type { Converter } from './script_args.ts';
import { withBudget } from './session.ts';
import type { Sender, SenderCanonical } from './sender.ts';
import type { ReplicaID } from './types.ts';

export { ScriptInputError } from './script_args.ts';

export type HandleKind = 'plan' | 'executor';

/** One op: its arguments (required and optional), the handle kind it may bind with "as", and its body. */
interface OpSpec {
  readonly required: Readonly<Record<string, Converter<unknown>>>;
  readonly optional?: Readonly<Record<string, Converter<unknown>>>;
  readonly produces?: HandleKind;
  /** Arguments naming handles, with the kind each must hold. */
  readonly handles?: Readonly<Record<string, HandleKind>>;
  readonly run: (e: ScriptEngine, a: Args) => OpOutput;
}

export interface OpOutput {
  readonly result: unknown;
  readonly error?: EngineError | null;
  /** The sender this call addressed (for the "sender" field). */
  readonly replicaID?: ReplicaID | null;
  /** Value bound to the "as" handle, if any. */
  readonly bind?: RecoveryPlan | ExecutorEntry | null;
}

export interface ParsedLine {
  readonly line: number;
  readonly op: string;
  readonly args: Args;
  readonly as: string | null;
}

/** Validated arguments of one line. */
export class Args {
  constructor(
    readonly line: number,
    private readonly values: ReadonlyMap<string, unknown>,
  ) {}
  has(k: string): boolean {
    return this.values.has(k);
  }
  get<T>(k: string): T {
    return this.values.get(k) as T;
  }
  opt<T>(k: string, dflt: T): T {
    return this.values.has(k) ? (this.values.get(k) as T) : dflt;
  }
}

/** Scripted I/O for an executor: results consumed in order; running out is an I/O error. */
class ScriptedIO implements CatchUpIO, RebuildIO {
  private next = 0;
  constructor(private readonly results: readonly IOResult[]) {}
  /** The results not yet consumed, as plain values (for state fingerprints). */
  remaining(): unknown[] {
    return this.results.slice(this.next).map((r) => (r.err === null ? { value: r.value ?? null } : { err: r.err.code, message: r.err.message }));
  }
  take(): IOResult {
    const r = this.results[this.next];
    this.next += 1;
    return r ?? { err: new EngineError('scripted_io_exhausted', 'no scripted I/O result left') };
  }
  streamWALEntries(): IOResult {
    return this.take();
  }
  truncateWAL(): IOResult {
    return this.take();
  }
  transferFullBase(): IOResult {
    return this.take();
  }
  transferSnapshot(): IOResult {
    return this.take();
  }
}

export interface ExecutorEntry {
  readonly handle: string;
  readonly executor: CatchUpExecutor | RebuildExecutor;
  readonly io: ScriptedIO | null;
  /** The creating call's plain arguments (progress LSNs, start tick), for state fingerprints. */
  readonly spec: unknown;
  readonly start: () => ExecutorSteps;
  /** Upstream's run-to-completion form (execute), over the same generator. */
  readonly execute: () => EngineError | null;
  gen: ExecutorSteps | null;
  pendingIO: ExecutorIOCall | null;
  /** The label of the last `step` yield, until the generator is resumed past it. */
  pendingStep: string | null;
  finished: boolean;
}

/**
 * Sees every executor generator resumption of `executor.step` (the model checker feeds these to
 * the engine checker). `before`/`after` are Sender.canonical() around a resumption from a `step`
 * yield (null when the sender does not exist).
 */
export interface ScriptExecutorObserver {
  executorIO(x: ExecutorEntry, call: ExecutorIOCall, result: IOResult): void;
  executorCall(x: ExecutorEntry, label: string, before: SenderCanonical | null, after: SenderCanonical | null): void;
  executorFinished(x: ExecutorEntry, err: EngineError | null): void;
}

/** The one engine a script runs against, plus its handles. */
export class ScriptEngine {
  readonly storage = new PushStorageAdapter();
  readonly driver: RecoveryDriver;
  readonly plans = new Map<string, RecoveryPlan | null>();
  readonly executors = new Map<string, ExecutorEntry | null>();
  observer: ScriptExecutorObserver | null = null;

  constructor(bugs: EngineBugSwitches) {
    this.driver = new RecoveryDriver(this.storage, new EngineContext(bugs));
  }

  sender(id: ReplicaID): Sender | null {
    return this.driver.orchestrator.registry.sender(id);
  }

  plan(a: Args, k: string): RecoveryPlan {
    const name = a.get<string>(k);
    const p = this.plans.get(name);
    if (p === undefined || p === null) throw new ScriptInputError(a.line, `args.${k}`, `handle "${name}" holds no plan (its call failed)`);
    return p;
  }

  executor(a: Args, k: string): ExecutorEntry {
    const name = a.get<string>(k);
    const x = this.executors.get(name);
    if (x === undefined || x === null) throw new ScriptInputError(a.line, `args.${k}`, `handle "${name}" holds no executor`);
    return x;
  }

  /** History argument: absent = storage's current history; null = nil history. */
  history(a: Args): RetainedHistory | null {
    return a.has('history') ? a.get<RetainedHistory | null>('history') : this.storage.getRetainedHistory();
  }
}

// --- op helpers ---

const NO_SENDER = new EngineError('sender_not_found', 'sender not found');

/** Runs `f` on the addressed sender; a missing sender is a runtime error, not bad input. */
function onSender(a: Args, e: ScriptEngine, f: (s: Sender, sessionID: number) => Omit<OpOutput, 'replicaID'>): OpOutput {
  const id = a.get<string>('replicaID');
  const s = e.sender(id);
  if (s === null) return { result: null, error: NO_SENDER, replicaID: id };
  const ref = a.opt<number>('sessionID', -1);
  return { ...f(s, ref === -1 ? s.sessionID() : ref), replicaID: id };
}

const errOnly = (err: EngineError | null): Omit<OpOutput, 'replicaID'> => ({ result: null, error: err });

const RID = { replicaID: A.str };
const SID = { replicaID: A.str, sessionID: A.sessionRef };

function senderOp(run: (s: Sender, id: number, a: Args) => Omit<OpOutput, 'replicaID'>, extra: Record<string, Converter<unknown>> = {}, withSession = true, optional: Record<string, Converter<unknown>> = {}): OpSpec {
  return { required: { ...(withSession ? SID : RID), ...extra }, optional, run: (e, a) => onSender(a, e, (s, id) => run(s, id, a)) };
}

function stepExecutor(x: ExecutorEntry, e: ScriptEngine): OpOutput {
  if (x.finished) return { result: null, error: new EngineError('executor_finished', `executor "${x.handle}" already finished`), replicaID: x.executor.replicaID };
  x.gen ??= x.start();
  const obs = e.observer;
  let input: IOResult | undefined;
  if (x.pendingIO !== null) {
    input = x.io === null ? undefined : x.io.take();
    if (obs !== null && input !== undefined) obs.executorIO(x, x.pendingIO, input);
    x.pendingIO = null;
  }
  const label = x.pendingStep;
  x.pendingStep = null;
  const s = obs !== null && label !== null ? e.sender(x.executor.replicaID) : null;
  const before = s === null ? null : s.canonical();
  const r: IteratorResult<ExecutorYield, EngineError | null> = x.gen.next(input);
  if (obs !== null && label !== null) obs.executorCall(x, label, before, s === null ? null : s.canonical());
  if (r.done === true) {
    x.finished = true;
    obs?.executorFinished(x, r.value);
    return { result: { done: true, yield: null }, error: r.value, replicaID: x.executor.replicaID };
  }
  if (r.value.kind === 'io') x.pendingIO = r.value.call;
  else x.pendingStep = r.value.label;
  return { result: { done: false, yield: r.value }, error: null, replicaID: x.executor.replicaID };
}

function runExecutor(x: ExecutorEntry, e: ScriptEngine): OpOutput {
  let out = stepExecutor(x, e);
  while (!x.finished) out = stepExecutor(x, e);
  return { ...out, result: { done: true } };
}

function newExecutorEntry(
  executor: CatchUpExecutor | RebuildExecutor,
  io: ScriptedIO | null,
  spec: unknown,
  start: () => ExecutorSteps,
  execute: () => EngineError | null,
): ExecutorEntry {
  return { handle: '', executor, io, spec, start, execute, gen: null, pendingIO: null, pendingStep: null, finished: false };
}

function planOutput(r: { plan: RecoveryPlan | null; err: EngineError | null }, replicaID: ReplicaID): OpOutput {
  return { result: r.plan === null ? null : canonicalPlan(r.plan), error: r.err, replicaID, bind: r.plan };
}

// --- the op table ---

const OPS: Readonly<Record<string, OpSpec>> = {
  'engine.bugs': { required: {}, run: () => ({ result: null }) }, // handled at parse time

  // storage
  'storage.state': {
    required: {},
    optional: { walHeadLSN: A.u64, walTailLSN: A.u64, committedLSN: A.u64, checkpointLSN: A.u64, checkpointTrusted: A.bool },
    run: (e, a) => {
      const s = e.storage.state();
      e.storage.updateState({
        walHeadLSN: a.opt('walHeadLSN', s.walHeadLSN),
        walTailLSN: a.opt('walTailLSN', s.walTailLSN),
        committedLSN: a.opt('committedLSN', s.committedLSN),
        checkpointLSN: a.opt('checkpointLSN', s.checkpointLSN),
        checkpointTrusted: a.opt('checkpointTrusted', s.checkpointTrusted),
      });
      return { result: e.storage.getRetainedHistory().canonical() };
    },
  },
  'storage.refusals': {
    required: {},
    optional: { walPin: A.bool, snapshotPin: A.bool, fullBasePin: A.bool },
    run: (e, a) => {
      const r = e.storage.pinRefusals();
      e.storage.setPinRefusals({ walPin: a.opt('walPin', r.walPin), snapshotPin: a.opt('snapshotPin', r.snapshotPin), fullBasePin: a.opt('fullBasePin', r.fullBasePin) });
      return { result: e.storage.pinRefusals() };
    },
  },
  'storage.holds': { required: {}, run: (e) => ({ result: { count: e.storage.activeHoldCount(), holds: e.storage.activeHolds() } }) },
  'storage.getRetainedHistory': { required: {}, run: (e) => ({ result: e.storage.getRetainedHistory().canonical() }) },

  // registry
  'registry.reconcile': { required: { replicas: A.replicas, epoch: A.u64 }, run: (e, a) => ({ result: e.driver.orchestrator.registry.reconcile(a.get('replicas'), a.get('epoch')) }) },
  'registry.applyAssignment': {
    required: { replicas: A.replicas, epoch: A.u64 },
    optional: { recoveryTargets: A.recoveryTargets },
    run: (e, a) => ({ result: e.driver.orchestrator.registry.applyAssignment({ replicas: a.get('replicas'), epoch: a.get('epoch'), recoveryTargets: a.opt('recoveryTargets', null) }) }),
  },
  'registry.all': { required: {}, run: (e) => ({ result: e.driver.orchestrator.registry.all().map((s) => s.replicaID()) }) },
  'registry.len': { required: {}, run: (e) => ({ result: e.driver.orchestrator.registry.len() }) },
  'registry.stopAll': { required: {}, run: (e) => (e.driver.orchestrator.registry.stopAll(), { result: null }) },
  'registry.inSyncCount': { required: {}, run: (e) => ({ result: e.driver.orchestrator.registry.inSyncCount() }) },
  'registry.invalidateEpoch': { required: { epoch: A.u64 }, run: (e, a) => ({ result: e.driver.orchestrator.registry.invalidateEpoch(a.get('epoch')) }) },
  'registry.status': { required: {}, run: (e) => ({ result: e.driver.orchestrator.registry.status() }) },

  // sender: accessors
  'sender.replicaID': senderOp((s) => ({ result: s.replicaID() }), {}, false),
  'sender.endpoint': senderOp((s) => ({ result: s.endpoint() }), {}, false),
  'sender.epoch': senderOp((s) => ({ result: s.epoch() }), {}, false),
  'sender.state': senderOp((s) => ({ result: s.state() }), {}, false),
  'sender.stopped': senderOp((s) => ({ result: s.stopped() }), {}, false),
  'sender.sessionSnapshot': senderOp((s) => ({ result: s.sessionSnapshot() }), {}, false),
  'sender.sessionID': senderOp((s) => ({ result: s.sessionID() }), {}, false),
  'sender.hasActiveSession': senderOp((s) => ({ result: s.hasActiveSession() }), {}, false),
  'sender.canonical': senderOp((s) => ({ result: s.canonical() }), {}, false),
  // sender: lifecycle
  'sender.updateEpoch': senderOp((s, _id, a) => (s.updateEpoch(a.get('epoch')), { result: null }), { epoch: A.u64 }, false),
  'sender.updateEndpoint': senderOp((s, _id, a) => (s.updateEndpoint(a.get('endpoint')), { result: null }), { endpoint: A.endpoint }, false),
  'sender.attachSession': senderOp(
    (s, _id, a) => {
      const r = a.has('budget') ? s.attachSession(a.get('epoch'), a.get('kind'), withBudget(a.get('budget'))) : s.attachSession(a.get('epoch'), a.get('kind'));
      return { result: { id: r.id }, error: r.err };
    },
    { epoch: A.u64, kind: A.sessionKind },
    false,
    { budget: A.budget },
  ),
  'sender.supersedeSession': senderOp(
    (s, _id, a) => ({ result: a.has('budget') ? s.supersedeSession(a.get('kind'), a.get('reason'), withBudget(a.get('budget'))) : s.supersedeSession(a.get('kind'), a.get('reason')) }),
    { kind: A.sessionKind, reason: A.str },
    false,
    { budget: A.budget },
  ),
  'sender.stop': senderOp((s) => (s.stop(), { result: null }), {}, false),
  'sender.invalidateSession': senderOp((s, _id, a) => (s.invalidateSession(a.get('reason'), a.get('targetState')), { result: null }), { reason: A.str, targetState: A.replicaState }, false),
  // sender: catch-up and handshake
  'sender.beginConnect': senderOp((s, id) => errOnly(s.beginConnect(id))),
  'sender.recordHandshake': senderOp((s, id, a) => errOnly(s.recordHandshake(id, a.get('startLSN'), a.get('targetLSN'))), { startLSN: A.u64, targetLSN: A.u64 }),
  'sender.recordHandshakeWithOutcome': senderOp(
    (s, id, a) => {
      const r = s.recordHandshakeWithOutcome(id, { replicaFlushedLSN: a.get('replicaFlushedLSN'), committedLSN: a.get('committedLSN'), retentionStartLSN: a.get('retentionStartLSN') });
      return { result: { outcome: r.outcome }, error: r.err };
    },
    { replicaFlushedLSN: A.u64, committedLSN: A.u64, retentionStartLSN: A.u64 },
  ),
  'sender.recordHandshakeFromHistory': {
    required: { ...SID, replicaFlushedLSN: A.u64 },
    optional: { history: A.history },
    run: (e, a) =>
      onSender(a, e, (s, id) => {
        const r = s.recordHandshakeFromHistory(id, a.get('replicaFlushedLSN'), e.history(a));
        return { result: { outcome: r.outcome, proof: r.proof }, error: r.err };
      }),
  },
  'sender.selectRebuildFromHistory': { required: SID, optional: { history: A.history }, run: (e, a) => onSender(a, e, (s, id) => errOnly(s.selectRebuildFromHistory(id, e.history(a)))) },
  'sender.beginCatchUp': senderOp((s, id, a) => errOnly(a.has('startTick') ? s.beginCatchUp(id, a.get('startTick')) : s.beginCatchUp(id)), {}, true, { startTick: A.u64 }),
  'sender.recordCatchUpProgress': senderOp(
    (s, id, a) => errOnly(a.has('tick') ? s.recordCatchUpProgress(id, a.get('lsn'), a.get('tick')) : s.recordCatchUpProgress(id, a.get('lsn'))),
    { lsn: A.u64 },
    true,
    { tick: A.u64 },
  ),
  'sender.recordTruncation': senderOp((s, id, a) => errOnly(s.recordTruncation(id, a.get('lsn'))), { lsn: A.u64 }),
  'sender.completeSessionByID': senderOp((s, id) => ({ result: s.completeSessionByID(id) })),
  'sender.checkBudget': senderOp(
    (s, id, a) => {
      const r = s.checkBudget(id, a.get('tick'));
      return { result: { violation: r.violation }, error: r.err };
    },
    { tick: A.u64 },
  ),
  // sender: rebuild
  'sender.selectRebuildSource': senderOp(
    (s, id, a) => errOnly(s.selectRebuildSource(id, a.get('snapshotLSN'), a.get('snapshotValid'), a.get('committedLSN'))),
    { snapshotLSN: A.u64, snapshotValid: A.bool, committedLSN: A.u64 },
  ),
  'sender.beginRebuildTransfer': senderOp((s, id) => errOnly(s.beginRebuildTransfer(id))),
  'sender.recordRebuildTransferProgress': senderOp((s, id, a) => errOnly(s.recordRebuildTransferProgress(id, a.get('lsn'))), { lsn: A.u64 }),
  'sender.beginRebuildTailReplay': senderOp((s, id) => errOnly(s.beginRebuildTailReplay(id))),
  'sender.recordRebuildTailProgress': senderOp((s, id, a) => errOnly(s.recordRebuildTailProgress(id, a.get('lsn'))), { lsn: A.u64 }),
  'sender.completeRebuild': senderOp((s, id) => errOnly(s.completeRebuild(id))),

  // orchestrator
  'orchestrator.processAssignment': {
    required: { replicas: A.replicas, epoch: A.u64 },
    optional: { recoveryTargets: A.recoveryTargets },
    run: (e, a) => ({ result: e.driver.orchestrator.processAssignment({ replicas: a.get('replicas'), epoch: a.get('epoch'), recoveryTargets: a.opt('recoveryTargets', null) }) }),
  },
  'orchestrator.executeRecovery': {
    required: { replicaID: A.str, replicaFlushedLSN: A.u64 },
    optional: { history: A.history },
    run: (e, a) => {
      const id = a.get<string>('replicaID');
      const r = e.driver.orchestrator.executeRecovery(id, a.get('replicaFlushedLSN'), e.history(a));
      return { result: { finalState: r.finalState, outcome: r.outcome, proof: r.proof }, error: r.error, replicaID: id };
    },
  },
  'orchestrator.completeCatchUp': {
    required: { replicaID: A.str, targetLSN: A.u64 },
    optional: { startTick: A.u64, completeTick: A.u64, truncateLSN: A.u64 },
    run: (e, a) => {
      const id = a.get<string>('replicaID');
      const opts = { targetLSN: a.get<number>('targetLSN'), startTick: a.opt('startTick', 0), completeTick: a.opt('completeTick', 0), truncateLSN: a.opt('truncateLSN', 0) };
      return { result: null, error: e.driver.orchestrator.completeCatchUp(id, opts), replicaID: id };
    },
  },
  'orchestrator.completeRebuild': {
    required: { replicaID: A.str },
    optional: { history: A.history },
    run: (e, a) => {
      const id = a.get<string>('replicaID');
      const h = e.history(a);
      if (h === null) throw new ScriptInputError(a.line, 'args.history', 'completeRebuild needs a history (null is not allowed)');
      return { result: null, error: e.driver.orchestrator.completeRebuild(id, h), replicaID: id };
    },
  },
  'orchestrator.updateSenderEpoch': {
    required: { replicaID: A.str, epoch: A.u64 },
    run: (e, a) => (e.driver.orchestrator.updateSenderEpoch(a.get('replicaID'), a.get('epoch')), { result: null, replicaID: a.get('replicaID') }),
  },
  'orchestrator.invalidateEpoch': { required: { epoch: A.u64 }, run: (e, a) => ({ result: e.driver.orchestrator.invalidateEpoch(a.get('epoch')) }) },

  // driver
  'driver.planRecovery': {
    required: { replicaID: A.str, replicaFlushedLSN: A.u64 },
    produces: 'plan',
    run: (e, a) => planOutput(e.driver.planRecovery(a.get('replicaID'), a.get('replicaFlushedLSN')), a.get('replicaID')),
  },
  'driver.planRebuild': { required: { replicaID: A.str }, produces: 'plan', run: (e, a) => planOutput(e.driver.planRebuild(a.get('replicaID')), a.get('replicaID')) },
  'driver.releasePlan': {
    required: { plan: A.str },
    handles: { plan: 'plan' },
    run: (e, a) => {
      const p = e.plan(a, 'plan');
      e.driver.releasePlan(p);
      return { result: canonicalPlan(p), replicaID: p.replicaID };
    },
  },
  'driver.cancelPlan': {
    required: { plan: A.str, reason: A.str },
    handles: { plan: 'plan' },
    run: (e, a) => {
      const p = e.plan(a, 'plan');
      e.driver.cancelPlan(p, a.get('reason'));
      return { result: canonicalPlan(p), replicaID: p.replicaID };
    },
  },

  // executors
  'executor.catchUp': {
    required: { plan: A.str },
    optional: { progressLSNs: A.lsnList, startTick: A.u64, io: A.ioList },
    handles: { plan: 'plan' },
    produces: 'executor',
    run: (e, a) => {
      const p = e.plan(a, 'plan');
      const x = new CatchUpExecutor(e.driver, p);
      const io = a.has('io') ? new ScriptedIO(a.get('io')) : null;
      x.io = io;
      const lsns = a.opt<number[]>('progressLSNs', []);
      const tick = a.opt('startTick', 0);
      const entry = newExecutorEntry(x, io, { progressLSNs: lsns, startTick: tick }, () => x.steps(lsns, tick), () => x.execute(lsns, tick));
      return { result: { io: io !== null, replicaID: x.replicaID, sessionID: x.sessionID }, replicaID: x.replicaID, bind: entry };
    },
  },
  'executor.rebuild': {
    required: { plan: A.str },
    optional: { io: A.ioList },
    handles: { plan: 'plan' },
    produces: 'executor',
    run: (e, a) => {
      const p = e.plan(a, 'plan');
      const x = new RebuildExecutor(e.driver, p);
      const io = a.has('io') ? new ScriptedIO(a.get('io')) : null;
      x.io = io;
      const entry = newExecutorEntry(x, io, null, () => x.steps(), () => x.execute());
      return { result: { io: io !== null, replicaID: x.replicaID, sessionID: x.sessionID }, replicaID: x.replicaID, bind: entry };
    },
  },
  'executor.step': { required: { executor: A.str }, handles: { executor: 'executor' }, run: (e, a) => stepExecutor(e.executor(a, 'executor'), e) },
  'executor.run': { required: { executor: A.str }, handles: { executor: 'executor' }, run: (e, a) => runExecutor(e.executor(a, 'executor'), e) },
  'executor.execute': {
    required: { executor: A.str },
    handles: { executor: 'executor' },
    run: (e, a) => {
      const x = e.executor(a, 'executor');
      if (x.gen !== null || x.finished) {
        return { result: null, error: new EngineError('executor_already_started', `executor "${x.handle}" already started`), replicaID: x.executor.replicaID };
      }
      // Under an observer (swsim engine --check) the same generator is driven step by step so every
      // sender call and I/O result is seen; the outcome is the same as the run-to-completion form.
      if (e.observer !== null) return runExecutor(x, e);
      x.finished = true;
      return { result: { done: true }, error: x.execute(), replicaID: x.executor.replicaID };
    },
  },
  'executor.cancel': {
    required: { executor: A.str, reason: A.str },
    handles: { executor: 'executor' },
    run: (e, a) => {
      const x = e.executor(a, 'executor');
      x.executor.cancel(a.get('reason'));
      return { result: { released: x.executor.released() }, replicaID: x.executor.replicaID };
    },
  },
};

/** Names of every op, sorted (for docs and error messages). */
export const ENGINE_SCRIPT_OPS: readonly string[] = Object.keys(OPS).sort();

function isSkippable(text: string): boolean {
  const t = text.trim();
  return t === '' || t.startsWith('#');
}

/** Validates one line against the handles bound so far (binding its own `as`); throws a ScriptInputError. */
export function parseEngineScriptLine(text: string, line: number, handles: Map<string, HandleKind>): ParsedLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScriptInputError(line, '(json)', `malformed JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(raw)) throw new ScriptInputError(line, '(json)', 'expected an object');
  for (const k of Object.keys(raw)) if (!['op', 'args', 'as'].includes(k)) throw new ScriptInputError(line, k, 'unknown field');
  if (typeof raw.op !== 'string') throw new ScriptInputError(line, 'op', 'missing or not a string');
  const spec = OPS[raw.op];
  if (spec === undefined) throw new ScriptInputError(line, 'op', `unknown op "${raw.op}"`);
  const rawArgs = raw.args === undefined ? {} : raw.args;
  if (!isPlainObject(rawArgs)) throw new ScriptInputError(line, 'args', 'expected an object');
  const values = new Map<string, unknown>();
  if (raw.op === 'engine.bugs') {
    values.set('bugs', A.bugSwitches(rawArgs, { line, field: 'args' }));
  } else {
    const optional = spec.optional ?? {};
    for (const k of Object.keys(rawArgs)) if (!(k in spec.required) && !(k in optional)) throw new ScriptInputError(line, `args.${k}`, 'unknown argument');
    for (const [k, conv] of Object.entries(spec.required)) {
      if (!(k in rawArgs)) throw new ScriptInputError(line, `args.${k}`, 'missing argument');
      values.set(k, conv(rawArgs[k], { line, field: `args.${k}` }));
    }
    for (const [k, conv] of Object.entries(optional)) if (k in rawArgs) values.set(k, conv(rawArgs[k], { line, field: `args.${k}` }));
  }
  for (const [k, kind] of Object.entries(spec.handles ?? {})) {
    const name = values.get(k) as string;
    const bound = handles.get(name);
    if (bound === undefined) throw new ScriptInputError(line, `args.${k}`, `unknown handle "${name}"`);
    if (bound !== kind) throw new ScriptInputError(line, `args.${k}`, `handle "${name}" is a ${bound}, expected a ${kind}`);
  }
  let as: string | null = null;
  if (raw.as !== undefined) {
    if (typeof raw.as !== 'string' || raw.as === '') throw new ScriptInputError(line, 'as', 'expected a non-empty string');
    if (spec.produces === undefined) throw new ScriptInputError(line, 'as', `op "${raw.op}" produces no handle`);
    if (handles.has(raw.as)) throw new ScriptInputError(line, 'as', `handle "${raw.as}" already defined`);
    handles.set(raw.as, spec.produces);
    as = raw.as;
  }
  return { line, op: raw.op, args: new Args(line, values), as };
}

/** Validates the whole script; throws the first ScriptInputError. */
export function parseEngineScript(text: string): ParsedLine[] {
  const handles = new Map<string, HandleKind>();
  const out: ParsedLine[] = [];
  text.split('\n').forEach((t, i) => {
    if (isSkippable(t)) return;
    const p = parseEngineScriptLine(t, i + 1, handles);
    if (p.op === 'engine.bugs' && out.length > 0) throw new ScriptInputError(p.line, 'op', 'engine.bugs must be the first call');
    out.push(p);
  });
  return out;
}

function senderView(e: ScriptEngine, id: ReplicaID | null | undefined): unknown {
  if (id === null || id === undefined) return null;
  const s = e.sender(id);
  if (s === null) return null;
  return { replicaID: id, epoch: s.epoch(), endpoint: s.endpoint(), state: s.state(), stopped: s.stopped(), session: s.sessionSnapshot() };
}

function errorView(err: EngineError | null | undefined): unknown {
  return err === null || err === undefined ? null : { code: err.code, message: err.message };
}

export interface EngineScriptResult {
  /** One canonical JSON line per executed call, in order. */
  readonly lines: string[];
  /** The first bad-input error, if any; no line is produced for it or after it. */
  readonly inputError: ScriptInputError | null;
}

/** One engine call of a script, run: its output line and what the op returned. */
export interface ExecutedLine {
  readonly text: string;
  readonly out: OpOutput;
}

/** Runs validated lines one at a time against one fresh engine (runEngineScript's loop, exposed for the model checker). */
export class EngineScriptRunner {
  readonly engine: ScriptEngine;

  constructor(readonly bugs: EngineBugSwitches) {
    this.engine = new ScriptEngine(bugs);
  }

  /**
   * Runs one line; throws a ScriptInputError for a handle whose producing call failed. With
   * `render` false the output line is not built (`text` is empty): the model checker's fast path.
   */
  exec(p: ParsedLine, render = true): ExecutedLine {
    const engine = this.engine;
    const before = engine.driver.orchestrator.log.length();
    const out: OpOutput = p.op === 'engine.bugs' ? { result: this.bugs } : OPS[p.op]!.run(engine, p.args);
    if (p.as !== null) {
      if (out.bind !== undefined && out.bind !== null && 'executor' in out.bind) {
        engine.executors.set(p.as, { ...out.bind, handle: p.as });
      } else if (OPS[p.op]!.produces === 'executor') {
        engine.executors.set(p.as, null);
      } else {
        engine.plans.set(p.as, (out.bind as RecoveryPlan | null | undefined) ?? null);
      }
    }
    if (!render) return { text: '', out };
    const events = engine.driver.orchestrator.log.events().slice(before);
    const text = canonicalJSON({
      line: p.line,
      op: p.op,
      as: p.as,
      result: out.result,
      error: errorView(out.error),
      sender: senderView(engine, out.replicaID),
      events,
    });
    return { text, out };
  }
}

/** The bug switches of a parsed script (its `engine.bugs` first line, or none). */
export function scriptBugs(parsed: readonly ParsedLine[]): EngineBugSwitches {
  const first = parsed[0];
  return first?.op === 'engine.bugs' ? first.args.get<EngineBugSwitches>('bugs') : {};
}

/** Validates and runs a script against one fresh engine. Same text => identical lines. */
export function runEngineScript(text: string): EngineScriptResult {
  let parsed: ParsedLine[];
  try {
    parsed = parseEngineScript(text);
  } catch (e) {
    if (e instanceof ScriptInputError) return { lines: [], inputError: e };
    throw e;
  }
  const runner = new EngineScriptRunner(scriptBugs(parsed));
  const lines: string[] = [];
  for (const p of parsed) {
    try {
      lines.push(runner.exec(p).text);
    } catch (e) {
      if (e instanceof ScriptInputError) return { lines, inputError: e };
      throw e;
    }
  }
  return { lines, inputError: null };
}
