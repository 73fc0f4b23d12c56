// Runs the real engine on a simulated primary: applies assignments through the orchestrator,
// plans each replica's recovery through the driver, and drives the catch-up / rebuild executor
// generators one yield at a time. Every executor step is its own kernel event, and every I/O
// call goes over the simulated network to the replica, so epoch bumps, endpoint changes and
// crashes land between any two steps (design.md principle 2). Failed recoveries are retried by
// superseding the session, as a re-delivered assignment would.
import type { RecoveryDriver } from '../engine/driver.ts';
import { CatchUpExecutor } from '../engine/catchup_executor.ts';
import { RebuildExecutor } from '../engine/rebuild_executor.ts';
import type { ExecutorIOCall, ExecutorSteps, IOResult } from '../engine/executor.ts';
import type { RecoveryPlan } from '../engine/plan.ts';
import type { AssignmentIntent, ReplicaID, SessionKind } from '../engine/types.ts';
import type { Timers } from '../replication/transport.ts';
import type { Chooser } from './chooser.ts';
import type { Coverage } from './coverage.ts';
import type { EngineObserver, WALGap } from './engine_observer.ts';
import { ExecutorDrive, engineStepDelay, type ExecutorKind } from './executor_drive.ts';
import { drivePlan, lockFreeYield, type LockFreePoint, type PlanDriveHost } from './lock_free_yield.ts';

export interface RecoveryDeps {
  readonly timers: Timers;
  readonly chooser: Chooser;
  readonly coverage: Coverage;
  /** Ask the replica for its durable point (R); null when it did not answer. */
  probeFlushedLSN(replicaID: ReplicaID, done: (lsn: number | null) => void): void;
  /** Perform an executor I/O call (a catch-up's or a rebuild's) for the replica. */
  performIO(replicaID: ReplicaID, executor: 'catchup' | 'rebuild', call: ExecutorIOCall, done: (r: IOResult) => void): void;
  /** Ground truth: is this LSN physically in the primary's WAL now? */
  walContains(lsn: number): boolean;
  /** Ground truth: why a missing LSN is missing (see VolumeNode.walGap). */
  walGap(lsn: number): WALGap | null;
  observer: EngineObserver | null;
  /** Permille at each lock-free scheduling point (lock_free_yield.ts); 0 or absent = none. */
  readonly lockFreeYieldPermille?: number;
}

interface Task {
  readonly replicaID: ReplicaID;
  /** The session the task works for: the one seen at start, then the plan's. */
  sessionID: number;
  phase: 'probe' | 'plan' | 'execute';
  executor: CatchUpExecutor | RebuildExecutor | null;
  drive: ExecutorDrive | null;
}

export class RecoveryManager {
  private readonly tasks = new Map<ReplicaID, Task>();
  private intent: AssignmentIntent | null = null;
  private stopped = false;

  constructor(readonly driver: RecoveryDriver, private readonly deps: RecoveryDeps) {}

  get registry() { return this.driver.orchestrator.registry; }

  /** Apply an assignment (new epoch, replica set, endpoints or recovery kinds) and start recoveries. */
  applyIntent(intent: AssignmentIntent): void {
    if (this.stopped) return;
    const cov = this.deps.coverage;
    const prevEpoch = this.intent?.epoch ?? intent.epoch;
    const busy = [...this.tasks.values()].some((t) => t.phase === 'execute');
    if (intent.epoch > prevEpoch && busy) cov.add('epoch_bump_mid_executor');
    for (const r of intent.replicas) {
      const s = this.registry.sender(r.replicaID);
      if (s !== null && s.hasActiveSession() && (s.endpoint().dataAddr !== r.endpoint.dataAddr || s.endpoint().version !== r.endpoint.version)) {
        cov.add('endpoint_change_active_session');
      }
    }
    this.intent = intent;
    this.process(intent);
    this.startIdle();
  }

  /** Stop everything (demotion or shutdown): senders stopped, tasks abandoned. */
  stop(): void {
    this.stopped = true;
    for (const t of this.tasks.values()) t.executor?.cancel('primary_stopped');
    this.tasks.clear();
    this.registry.stopAll();
  }

  running(replicaID: ReplicaID): boolean {
    return this.tasks.has(replicaID);
  }

  activeTasks(): number {
    return this.tasks.size;
  }

  /**
   * Periodic: retry replicas that are neither in sync nor recovering — no task runs for them and
   * their session (if any) is not a fresh one waiting to start — by superseding their session,
   * as a re-delivered assignment would.
   */
  retryIdle(): void {
    if (this.stopped || this.intent === null) return;
    const targets: Record<ReplicaID, SessionKind> = {};
    const kinds = this.intent.recoveryTargets ?? {};
    for (const s of this.registry.all()) {
      const id = s.replicaID();
      if (this.tasks.has(id) || s.stopped()) continue;
      const wantsRebuild = kinds[id] === 'rebuild';
      const st = s.state();
      const snap = s.sessionSnapshot();
      if (snap !== null && snap.phase === 'init') continue;
      if (st === 'in_sync' && snap === null) continue;
      if (st === 'needs_rebuild' && !wantsRebuild) continue;
      targets[id] = wantsRebuild ? 'rebuild' : 'catchup';
    }
    if (Object.keys(targets).length === 0) return;
    this.deps.coverage.add('recovery_retry');
    this.process({ replicas: this.intent.replicas, epoch: this.intent.epoch, recoveryTargets: targets });
    this.startIdle();
  }

  private process(intent: AssignmentIntent): void {
    const result = this.driver.orchestrator.processAssignment(intent);
    this.deps.observer?.assignmentProcessed(intent, result);
  }

  /** Start a task for every fresh session (phase init) that has none; other sessions wait for a retry. */
  private startIdle(): void {
    for (const s of this.registry.all()) {
      const id = s.replicaID();
      if (this.tasks.has(id)) continue;
      const snap = s.sessionSnapshot();
      if (snap === null || snap.phase !== 'init') continue;
      this.start(id, snap.id, snap.kind === 'rebuild');
    }
  }

  private start(replicaID: ReplicaID, sessionID: number, rebuild: boolean): void {
    const task: Task = { replicaID, sessionID, phase: 'probe', executor: null, drive: null };
    this.tasks.set(replicaID, task);
    if (rebuild) {
      this.later(task, 'engine.plan_rebuild', () => this.planRebuild(task));
      return;
    }
    this.deps.probeFlushedLSN(replicaID, (lsn) => {
      if (this.tasks.get(replicaID) !== task) return;
      if (lsn === null) { this.finish(task); return; }
      task.phase = 'plan';
      this.planRecovery(task, lsn);
    });
  }

  private planRecovery(task: Task, replicaFlushedLSN: number): void {
    const history = this.driver.storage.getRetainedHistory();
    drivePlan(this.driver.planRecoverySteps(task.replicaID, replicaFlushedLSN), this.planHost(task), ({ plan, err }) => {
      const obs = this.deps.observer;
      if (err !== null || plan === null) {
        if (err !== null) obs?.planFailed({ replicaID: task.replicaID, kind: 'recovery', err });
        this.finish(task);
        return;
      }
      obs?.planIssued({ plan, kind: 'recovery', history, replicaFlushedLSN, walContains: (l) => this.deps.walContains(l), walGap: (l) => this.deps.walGap(l) });
      if (plan.outcome !== 'catchup') {
        this.deps.coverage.add(plan.outcome === 'zero_gap' ? 'zero_gap' : 'handshake_needs_rebuild');
        this.finish(task);
        return;
      }
      this.deps.coverage.add(plan.truncateLSN > 0 ? 'truncation_plan' : 'catchup_plan');
      task.sessionID = plan.sessionID;
      const ex = new CatchUpExecutor(this.driver, plan);
      task.executor = ex;
      task.phase = 'execute';
      const d = this.drive(task, 'catchup', plan, ex.steps([], this.deps.timers.now(), true));
      // block_recovery.go runCatchUp: PlanRecovery, then (no lock) NewCatchUpExecutor + Execute.
      if (this.yieldAt('plan_execute')) this.later(task, 'engine.execute', () => d.resume(undefined));
      else d.resume(undefined);
    });
  }

  private planRebuild(task: Task): void {
    const history = this.driver.storage.getRetainedHistory();
    drivePlan(this.driver.planRebuildSteps(task.replicaID), this.planHost(task), ({ plan, err }) => {
      const obs = this.deps.observer;
      if (err !== null || plan === null) {
        if (err !== null) obs?.planFailed({ replicaID: task.replicaID, kind: 'rebuild', err });
        this.finish(task);
        return;
      }
      obs?.planIssued({ plan, kind: 'rebuild', history });
      this.deps.coverage.add(plan.rebuildSource === 'snapshot_tail' ? 'rebuild_snapshot_tail' : 'rebuild_full_base');
      task.sessionID = plan.sessionID;
      const ex = new RebuildExecutor(this.driver, plan);
      task.executor = ex;
      task.phase = 'execute';
      const d = this.drive(task, 'rebuild', plan, ex.steps(true));
      // Plan and execute are separate calls in the target: writes and flushes may run in between.
      this.later(task, 'engine.execute', () => d.resume(undefined));
    });
  }

  /** A plan's scheduling point: the rest of the plan runs later only if the chooser says so. */
  private planHost(task: Task): PlanDriveHost {
    return { yieldAt: (p) => this.yieldAt(p), later: (k, fn) => this.later(task, k, fn) };
  }

  /** A lock-free scheduling point (lock_free_yield.ts), counted in coverage when taken. */
  private yieldAt(point: LockFreePoint): boolean {
    const y = lockFreeYield(this.deps.chooser, this.deps.lockFreeYieldPermille ?? 0, point);
    if (y) this.deps.coverage.add(`lockfree_${point}`);
    return y;
  }

  /** Drive the task's executor: each sender call and I/O its own step (executor_drive.ts). */
  private drive(task: Task, kind: ExecutorKind, plan: RecoveryPlan, gen: ExecutorSteps): ExecutorDrive {
    const d = new ExecutorDrive(task.replicaID, task.sessionID, plan, kind, gen, {
      registry: this.registry, coverage: this.deps.coverage, observer: this.deps.observer,
      performIO: (id, k, call, done) => this.deps.performIO(id, k, call, done),
      later: (k, fn) => this.later(task, k, fn),
      finished: () => this.finish(task),
    });
    task.drive = d;
    return d;
  }

  private finish(task: Task): void {
    if (this.tasks.get(task.replicaID) === task) this.tasks.delete(task.replicaID);
    // A newer session may be waiting (superseded mid-flight): start it.
    this.later(null, 'engine.next', () => this.startIdle());
  }

  /** Schedule a continuation as its own step after a small chosen delay. */
  private later(task: Task | null, kind: string, fn: () => void): void {
    const d = engineStepDelay(this.deps.chooser);
    this.deps.timers.after(d, kind, () => {
      if (this.stopped) return;
      if (task !== null && this.tasks.get(task.replicaID) !== task) return;
      fn();
    });
  }
}
