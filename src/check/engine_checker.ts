// The engine invariant checker (spec §12.1-§12.4, I1-I27): runs after every simulator step
// against the real engine (a RecoveryDriver and everything under it), comparing each sender with
// its view from the previous step, reading only the RecoveryLog events appended since, and
// combining that with facts the engine does not keep (plans, executor calls, I/O results), which
// the simulator reports through the notification methods below. Built to be cheap per step:
// one canonical() per sender, field-wise comparison, and full checks only for senders that changed.
import type { WALGap } from '../sim/engine_observer.ts';
import { failure } from './catalog.ts';
import type { Failure } from './catalog.ts';
import type { EngineContext } from '../engine/context.ts';
import type { RecoveryDriver } from '../engine/driver.ts';
import type { EngineError } from '../engine/errors.ts';
import type { RecoveryResult } from '../engine/orchestrator.ts';
import type { RecoveryPlan } from '../engine/plan.ts';
import type { RecoveryLog } from '../engine/recovery_log.ts';
import type { Registry } from '../engine/registry.ts';
import type { Sender } from '../engine/sender.ts';
import type { AssignmentIntent, AssignmentResult, ReplicaID } from '../engine/types.ts';
import { checkSenderState } from './engine_state_checks.ts';
import { checkEndedSession, checkSenderTransition } from './engine_transition_checks.ts';
import { checkLogEvents } from './engine_log_checks.ts';
import type { EpochFence, LogCheckContext, LogFindings } from './engine_log_checks.ts';
import {
  checkExecutorReleased,
  checkPlanCancelled,
  checkPlanFailed,
  checkPlanIssued,
  checkRecoveryResult,
  pinCount,
} from './engine_plan_checks.ts';
import type { PlanCancelled, PlanFailed, PlanIssued, PlanKind } from './engine_plan_checks.ts';
import { checkExecutorCall, checkExecutorIO } from './engine_executor_checks.ts';
import type { ExecutorCall, ExecutorIO } from './engine_executor_checks.ts';
import { logTail, sameSender, viewOf } from './engine_view.ts';
import type { SenderView } from './engine_view.ts';
import { ReplicaState } from '../engine/types.ts';

export interface EngineCheckerOptions {
  /**
   * The primary's pinner hold count (Pinner.ActiveHoldCount / PushStorageAdapter.activeHoldCount):
   * holds made through the engine's StorageAdapter only. Enables the per-step pin accounting of
   * I23 (holds == pins of live plans) and the zero-holds check at quiescence.
   */
  readonly activeHolds?: () => number;
  /** Report candidate invariants (I17, I27) as real failures (`candidate: false`). Default false. */
  readonly strictCandidates?: boolean;
}

/** A plan the checker follows until its executor finished or it was cancelled. */
interface LivePlan {
  readonly plan: RecoveryPlan;
  readonly kind: PlanKind;
  readonly walContains: ((lsn: number) => boolean) | null;
  readonly walGap: ((lsn: number) => WALGap | null) | null;
}

/** The first `n` views by ReplicaID, in their (registry) order. */
function viewMap(views: readonly SenderView[], n: number): Map<ReplicaID, SenderView> {
  const m = new Map<ReplicaID, SenderView>();
  for (let i = 0; i < n; i++) m.set(views[i]!.canon.replicaID, views[i]!);
  return m;
}

/** The registry keys are exactly the assignment's replica IDs (duplicates allowed in the intent); allocation-free. */
function sameKeys(replicas: readonly { readonly replicaID: ReplicaID }[], cur: ReadonlyMap<ReplicaID, SenderView>): boolean {
  let distinct = 0;
  for (let i = 0; i < replicas.length; i++) {
    const id = replicas[i]!.replicaID;
    if (!cur.has(id)) return false;
    let dup = false;
    for (let j = 0; j < i; j++) if (replicas[j]!.replicaID === id) dup = true;
    if (!dup) distinct += 1;
  }
  return distinct === cur.size;
}

/** The log checks' view of one step (a class, not closures: this is built on every step that logged). */
class StepLogContext implements LogCheckContext {
  constructor(
    readonly prev: ReadonlyMap<ReplicaID, SenderView>,
    readonly cur: ReadonlyMap<ReplicaID, SenderView>,
    readonly releases: Map<string, number>,
    private readonly issued: ReadonlyMap<string, number>,
    private readonly truncateResults: ReadonlyMap<string, boolean>,
  ) {}

  plansIssued(key: string): number {
    return this.issued.get(key) ?? 0;
  }

  truncateIO(replicaID: ReplicaID, sessionID: number): boolean | undefined {
    return this.truncateResults.get(`${replicaID}#${sessionID}`);
  }
}

/** afterStep()'s answer when nothing was found, and its list of changed senders while none changed (never modified). */
const NO_FAILURES: readonly Failure[] = [];
const NO_VIEWS: SenderView[] = [];

/** What checkLogEvents found when no event was appended in a step. */
const NO_LOG_FINDINGS: LogFindings = { escalated: new Set(), fences: [] };

export class EngineChecker {
  private readonly registry: Registry;
  private readonly log: RecoveryLog;
  private readonly ctx: EngineContext;
  private readonly activeHolds: (() => number) | null;
  private readonly strict: boolean;

  /** The views of the previous step by ReplicaID; kept as is (not rebuilt) while every sender is unchanged. */
  private prev = new Map<ReplicaID, SenderView>();
  /** This step's views in registry order (the first registry.all().length entries count); after the step, `prev`'s values in that order. */
  private readonly views: SenderView[] = [];
  /** registry.all() of the previous step (one array per reconcile): while it is the same array, `views` lines up with it. */
  private prevSenders: readonly Sender[] | null = null;
  private prevLastAllocated: number;
  private logIndex: number;
  /** Failures found by notifications, returned by the next afterStep(). */
  private pending: Failure[] = [];
  private readonly plans: LivePlan[] = [];
  private readonly releases = new Map<string, number>();
  /** Executable plans issued per `replica#session` (a session may be planned more than once). */
  private readonly issued = new Map<string, number>();
  /** Last TruncateWAL result per executor (`replica#session`), kept after the plan is forgotten. */
  private readonly truncateResults = new Map<string, boolean>();
  private fences: EpochFence[] = [];
  private assignments: { intent: AssignmentIntent; result: AssignmentResult }[] = [];
  /** Last reported difference between storage holds and live-plan pins (0 = consistent). */
  private holdMismatch = 0;

  constructor(driver: RecoveryDriver, opts: EngineCheckerOptions = {}) {
    this.registry = driver.orchestrator.registry;
    this.log = driver.orchestrator.log;
    this.ctx = driver.ctx;
    this.activeHolds = opts.activeHolds ?? null;
    this.strict = opts.strictCandidates === true;
    for (const s of this.registry.all()) {
      const v = viewOf(s);
      this.prev.set(s.replicaID(), v);
      checkSenderState(v.canon, this.pending);
    }
    this.prevLastAllocated = this.ctx.lastAllocatedSessionID;
    this.logIndex = this.log.length();
  }

  // ---- notifications: call each in the same step as the engine call it reports, before afterStep() ----

  /** After driver.planRecovery / planRebuild returned a plan (every plan, zero-gap ones included). I10, I14, I16, I17, I21, I24. */
  planIssued(p: PlanIssued): void {
    checkPlanIssued(p, this.pending);
    const executable = p.kind === 'rebuild' || p.plan.outcome === 'catchup';
    if (executable) {
      const key = `${p.plan.replicaID}#${p.plan.sessionID}`;
      this.issued.set(key, (this.issued.get(key) ?? 0) + 1);
    }
    if (executable || pinCount(p.plan) > 0) {
      this.plans.push({ plan: p.plan, kind: p.kind, walContains: p.walContains ?? null, walGap: p.walGap ?? null });
    }
  }

  /** After driver.planRecovery / planRebuild returned an error. I25, and I23 (no pin left behind). */
  planFailed(p: PlanFailed): void {
    const s = this.registry.sender(p.replicaID);
    checkPlanFailed(p, s === null ? null : s.canonical(), this.pending);
    const gap = this.holdGap();
    if (gap !== 0 && gap !== this.holdMismatch) {
      this.holdMismatch = gap;
      this.pending.push(failure('I23', `replica ${p.replicaID}: ${p.kind} plan failed (${p.err.code}) and left ${gap} pin(s) held`));
    }
  }

  /**
   * After each step of a CatchUpExecutor/RebuildExecutor generator that resumed from a `step`
   * yield: `before`/`after` are Sender.canonical() right before and after that gen.next().
   * I4, I13, I15, I18, I20, I22.
   */
  executorCall(p: ExecutorCall): void {
    const live = this.planOf(p.replicaID, p.sessionIDUsed, p.plan);
    checkExecutorCall(p, live !== null && live.kind === 'rebuild' ? live.plan : null, this.pending);
  }

  /** When an executor `io` yield's result is known, before resuming the generator with it. I14 (TruncateWAL), I16 (stream). */
  executorIO(p: ExecutorIO): void {
    if (p.call.op === 'truncateWAL') this.truncateResults.set(`${p.replicaID}#${p.sessionIDUsed}`, p.result.err === null);
    const live = this.planOf(p.replicaID, p.sessionIDUsed, p.plan);
    if (live === null) return;
    checkExecutorIO(p, live.plan, live.walContains, this.pending, live.walGap);
  }

  /** After an executor's generator returned, or after executor.cancel(). I23. */
  executorFinished(p: { plan: RecoveryPlan; kind: 'catchup' | 'rebuild'; err: EngineError | null }): void {
    checkExecutorReleased(p.plan, p.err, this.pending);
    this.forgetPlan(p.plan);
  }

  /** After driver.cancelPlan, with the sender's state() before and after the call. I23, I27. */
  planCancelled(p: PlanCancelled): void {
    checkPlanCancelled(p, this.pending);
    this.forgetPlan(p.plan);
  }

  /** After a direct orchestrator.executeRecovery call (planRecovery's own is covered by planIssued). I10, I17. */
  recoveryExecuted(p: { replicaID: ReplicaID; result: RecoveryResult }): void {
    checkRecoveryResult(p.result, this.pending);
  }

  /** After orchestrator.processAssignment(intent) returned `result`. I8 (registry keys), I9. */
  assignmentProcessed(intent: AssignmentIntent, result: AssignmentResult): void {
    this.assignments.push({ intent, result });
  }

  /**
   * After orchestrator.invalidateEpoch(epoch) (replicaID omitted) or updateSenderEpoch(replicaID,
   * epoch): at the end of this step no active session it covers may be older. I7. (Invalidations
   * that did happen are also read from the log; this call covers bumps that invalidated nothing.)
   */
  epochFenced(epoch: number, replicaID?: ReplicaID): void {
    this.fences.push({ epoch, replicaID: replicaID ?? null, source: 'epochFenced' });
  }

  // ---- per step ----

  /** After every simulator step: compares engine state with the previous step's and returns new failures. */
  afterStep(): readonly Failure[] {
    // Checks append to `pending` itself; it is replaced only when something was found.
    const out = this.pending;
    const prev = this.prev;
    const lastAllocated = this.ctx.lastAllocatedSessionID;
    let changed: SenderView[] = NO_VIEWS;
    const senders = this.registry.all();
    const views = this.views;
    // The same registry array as last step: the same senders in the same order, so views[i] is sender i's previous view.
    const aligned = senders === this.prevSenders;
    let same = senders.length === prev.size;
    for (let i = 0; i < senders.length; i++) {
      const s = senders[i]!;
      const id = s.replicaID();
      const p = aligned ? views[i] : prev.get(id);
      const v = viewOf(s, p);
      views[i] = v;
      if (v === p) continue;
      same = false;
      if (p === undefined || p.sender !== s || (p.canon !== v.canon && !sameSender(p.canon, v.canon))) {
        if (changed === NO_VIEWS) changed = [];
        changed.push(v);
        checkSenderState(v.canon, out);
        if (p !== undefined) checkSenderTransition(p, v, out);
      }
      if (v.lastEnded !== null && (p === undefined || p.lastEnded !== v.lastEnded)) checkEndedSession(id, v.lastEnded, out);
    }
    const cur = same ? prev : viewMap(views, senders.length);
    this.checkSessionIDs(changed, cur, lastAllocated, out);

    let findings: LogFindings = NO_LOG_FINDINGS;
    const logLength = this.log.length();
    if (logLength !== this.logIndex) {
      findings = checkLogEvents(logTail(this.log, this.logIndex), this.logContext(prev, cur), out);
      this.logIndex = logLength;
    }
    this.checkEscalationsLogged(changed, findings, out);
    this.checkFences(this.fences, cur, out);
    this.checkFences(findings.fences, cur, out);
    this.checkAssignments(cur, out);
    this.checkHoldAccounting(out);

    this.prev = cur;
    this.prevSenders = senders;
    this.prevLastAllocated = lastAllocated;
    if (this.fences.length > 0) this.fences = [];
    if (this.assignments.length > 0) this.assignments = [];
    if (out.length === 0) return NO_FAILURES;
    this.pending = [];
    return this.finish(out);
  }

  /** When nothing is outstanding (no plan, no executor): the storage holds no pin (I23). */
  atQuiescence(): Failure[] {
    const out = this.pending;
    this.pending = [];
    for (const lp of this.plans) checkExecutorReleased(lp.plan, null, out);
    if (this.activeHolds !== null) {
      const holds = this.activeHolds();
      if (holds !== 0) out.push(failure('I23', `quiescent but the storage still has ${holds} active hold(s)`));
    }
    this.plans.length = 0;
    this.holdMismatch = 0;
    return this.finish(out);
  }

  // ---- private ----

  /** I3: IDs are positive, allocated, unique, and a newly installed session carries a fresh ID. */
  private checkSessionIDs(changed: readonly SenderView[], cur: ReadonlyMap<ReplicaID, SenderView>, lastAllocated: number, out: Failure[]): void {
    if (lastAllocated < this.prevLastAllocated) {
      out.push(failure('I3', `session-ID counter went back from ${this.prevLastAllocated} to ${lastAllocated}`));
    }
    if (changed.length === 0) return;
    const owner = new Map<number, ReplicaID>();
    for (const v of cur.values()) if (v.canon.session !== null) owner.set(v.canon.session.id, v.canon.replicaID);
    for (const v of changed) {
      const sess = v.canon.session;
      if (sess === null) continue;
      const id = v.canon.replicaID;
      const who = `replica ${id} session ${sess.id}`;
      if (sess.id <= 0) out.push(failure('I3', `${who}: session ID is not positive`));
      if (sess.id > lastAllocated) out.push(failure('I3', `${who}: ID beyond the last allocated ${lastAllocated}`));
      if (owner.get(sess.id) !== id) out.push(failure('I3', `${who}: ID also held by replica ${owner.get(sess.id)}`));
      const p = this.prev.get(id);
      const prevID = p !== undefined && p.sender === v.sender && p.canon.session !== null ? p.canon.session.id : 0;
      if (sess.id !== prevID && sess.id <= this.prevLastAllocated) {
        out.push(failure('I3', `${who}: installed in this step but allocated earlier (last allocated before the step: ${this.prevLastAllocated})`));
      }
    }
  }

  /** I26: every move to needs_rebuild in this step comes with an escalation event for that replica. */
  private checkEscalationsLogged(changed: readonly SenderView[], findings: LogFindings, out: Failure[]): void {
    for (const v of changed) {
      if (v.canon.state !== ReplicaState.NeedsRebuild) continue;
      const p = this.prev.get(v.canon.replicaID);
      if (p === undefined || p.sender !== v.sender || p.canon.state === ReplicaState.NeedsRebuild) continue;
      if (!findings.escalated.has(v.canon.replicaID)) {
        out.push(failure('I26', `replica ${v.canon.replicaID}: escalated ${p.canon.state} -> needs_rebuild with no escalation event logged`));
      }
    }
  }

  /** I7: after an epoch fence, no active session it covers has an older epoch. */
  private checkFences(fences: readonly EpochFence[], cur: ReadonlyMap<ReplicaID, SenderView>, out: Failure[]): void {
    for (const f of fences) {
      for (const v of cur.values()) {
        const sess = v.canon.session;
        if (sess === null || (f.replicaID !== null && f.replicaID !== v.canon.replicaID)) continue;
        if (sess.epoch < f.epoch) {
          out.push(failure('I7', `replica ${v.canon.replicaID} session ${sess.id}: epoch ${sess.epoch} still active after fence to ${f.epoch} (${f.source})`));
        }
      }
    }
  }

  /** I8 (registry keys = last assignment's replicas) and I9 (stale targets create nothing). */
  private checkAssignments(cur: ReadonlyMap<ReplicaID, SenderView>, out: Failure[]): void {
    for (const { intent, result } of this.assignments) {
      if (!sameKeys(intent.replicas, cur)) {
        const wanted = [...new Set(intent.replicas.map((r) => r.replicaID))].sort();
        const have = [...cur.keys()].sort();
        out.push(failure('I8', `registry keys [${have.join(', ')}] != assignment replicas [${wanted.join(', ')}] (epoch ${intent.epoch})`));
      }
      const targets = intent.recoveryTargets ?? {};
      for (const id of Object.keys(targets).sort()) {
        const p = this.prev.get(id);
        if (p === undefined || intent.epoch >= p.canon.epoch) continue;
        const c = cur.get(id);
        const prevID = p.canon.session === null ? 0 : p.canon.session.id;
        const curID = c === undefined || c.canon.session === null ? 0 : c.canon.session.id;
        const reported = result.sessionsCreated.includes(id) || result.sessionsSuperseded.includes(id);
        if (reported || (curID !== 0 && curID !== prevID)) {
          out.push(
            failure('I9', `replica ${id}: stale assignment (epoch ${intent.epoch} < sender epoch ${p.canon.epoch}) produced session ${curID}`),
          );
        }
      }
    }
  }

  /** I23 per step: the storage's holds are exactly the pins of the plans still live. */
  private checkHoldAccounting(out: Failure[]): void {
    const gap = this.holdGap();
    if (gap !== 0 && gap !== this.holdMismatch) {
      out.push(failure('I23', `storage holds ${gap > 0 ? `${gap} more` : `${-gap} fewer`} pin(s) than the live plans account for`));
    }
    this.holdMismatch = gap;
  }

  /** Storage holds minus pins held by live plans (0 without an activeHolds source). */
  private holdGap(): number {
    if (this.activeHolds === null) return 0;
    let pins = 0;
    for (const lp of this.plans) pins += pinCount(lp.plan);
    return this.activeHolds() - pins;
  }

  private logContext(prev: ReadonlyMap<ReplicaID, SenderView>, cur: ReadonlyMap<ReplicaID, SenderView>): LogCheckContext {
    return new StepLogContext(prev, cur, this.releases, this.issued, this.truncateResults);
  }

  /**
   * The live plan an executor runs: the given plan if it is live, else the only live plan of
   * (replica, session); null when unknown or ambiguous (a session can be planned twice).
   */
  private planOf(replicaID: ReplicaID, sessionID: number, plan: RecoveryPlan | undefined): LivePlan | null {
    let found: LivePlan | null = null;
    for (const lp of this.plans) {
      if (plan !== undefined) {
        if (lp.plan === plan) return lp;
        continue;
      }
      if (lp.plan.replicaID !== replicaID || lp.plan.sessionID !== sessionID) continue;
      if (found !== null) return null;
      found = lp;
    }
    return found;
  }

  private forgetPlan(plan: RecoveryPlan): void {
    const i = this.plans.findIndex((lp) => lp.plan === plan);
    if (i >= 0) this.plans.splice(i, 1);
  }

  private finish(out: Failure[]): Failure[] {
    if (!this.strict) return out;
    return out.map((f) => (f.candidate ? { id: f.id, message: f.message, candidate: false } : f));
  }
}
