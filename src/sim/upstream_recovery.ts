// The V2 engine on a volume server as upstream 3ec8fab2f wires it (weed/server/block_recovery.go
// RecoveryManager, built in StartBlockService and called from ProcessAssignments): one
// orchestrator per server (bs.v2Orchestrator), the recovery tasks the engine's assignment results
// start and cancel, and each task's run — a "goroutine" of kernel events. The decisions are the
// pure port in src/control/volume/recovery_wiring.ts (handleAssignmentResult, planRecoveryRun,
// catchUpFlushedLSN, afterPlan, taskExited); this file performs them on the node's real volume:
//   - catch-up runs on the PRIMARY, planned from the session's StartLSN (0 for every session the
//     assignment path creates, hazard R1) over the primary's own storage, executed with
//     v2bridge.NewExecutor(primaryVol, rebuildAddr) — with rebuildAddr '' (a Primary batch) its
//     StreamWALEntries only scans the local WAL and ships nothing (R2/H9);
//   - rebuild runs on the REPLICA holding a Rebuilding assignment, PlanRebuild over its own
//     storage, executed with NewExecutor(replicaVol, a.RebuildAddr), pulling from the primary.
// A drain (cancelAndDrain) waits until the old task has exited; Execute never looks at the
// cancellation (R3), so the caller — ProcessAssignments, the heartbeat stream's receive loop —
// waits for the executor to end on its own. Nothing here retries or restarts a task (R6).
// Each executor step is driven by executor_drive.ts, shared with the ideal wiring.
import { CatchUpExecutor } from '../engine/catchup_executor.ts';
import type { StorageAdapter } from '../engine/adapter.ts';
import type { EngineContext } from '../engine/context.ts';
import { RecoveryDriver } from '../engine/driver.ts';
import type { ExecutorIOCall, IOResult } from '../engine/executor.ts';
import { RecoveryOrchestrator } from '../engine/orchestrator.ts';
import type { RecoveryPlan } from '../engine/plan.ts';
import { RebuildExecutor } from '../engine/rebuild_executor.ts';
import { ReplicaState, type AssignmentIntent, type AssignmentResult } from '../engine/types.ts';
import type { BlockVolumeAssignment } from '../control/volume/assignment.ts';
import {
  afterPlan, catchUpFlushedLSN, handleAssignmentResult, newRecoveryTasks, planRecoveryRun, taskExited,
  type RecoveryAction, type RecoveryRun, type RecoveryTask, type RecoveryTasks,
} from '../control/volume/recovery_wiring.ts';
import type { Timers } from '../replication/transport.ts';
import type { Chooser } from './chooser.ts';
import type { Coverage } from './coverage.ts';
import type { EngineObserver, WALGap } from './engine_observer.ts';
import { ExecutorDrive, engineStepDelay, type ExecutorKind } from './executor_drive.ts';
import { drivePlan, lockFreeYield } from './lock_free_yield.ts';

/** The v2bridge.Executor a task built when it opened the volume (NewExecutor(vol, rebuildAddr)). */
export interface V2BridgeIO {
  perform(call: ExecutorIOCall, done: (r: IOResult) => void): void;
}

/** What the recovery manager needs from its server incarnation. */
export interface UpstreamRecoveryDeps {
  readonly timers: Timers;
  readonly chooser: Chooser;
  readonly coverage: Coverage;
  readonly ctx: EngineContext;
  /** Say what a step did (the trace's detail). */
  note(detail: string): void;
  /** WithVolume: the local volume's storage adapter (v2bridge Reader + Pinner), null when it is not open. */
  storage(): StorageAdapter | null;
  /** WithVolume: v2bridge.NewExecutor(localVol, rebuildAddr), null when the volume is not open. */
  newExecutor(rebuildAddr: string): V2BridgeIO | null;
  /** Ground truth about the local WAL for the engine checker. */
  walContains(lsn: number): boolean;
  walGap(lsn: number): WALGap | null;
  /** Permille at each lock-free scheduling point (lock_free_yield.ts); 0 or absent = none. */
  readonly lockFreeYieldPermille?: number;
}

/** One started goroutine: its cancellation flag, whether it exited, and the drains waiting for it. */
interface RunningTask {
  readonly task: RecoveryTask;
  cancelled: boolean;
  /** Execute has begun (the interleaving marks name an assignment that lands while it runs). */
  executing: boolean;
  exited: boolean;
  readonly waiters: (() => void)[];
}

export class UpstreamRecoveryManager {
  /** bs.v2Orchestrator: one per server, shared by every path and role (R7). */
  readonly orchestrator: RecoveryOrchestrator;
  /**
   * The driver the engine checker watches: the orchestrator over the storage at construction. Each
   * task builds its own RecoveryDriver over the same orchestrator, as runCatchUp/runRebuild do.
   */
  readonly checkedDriver: RecoveryDriver;
  private tasks: RecoveryTasks = newRecoveryTasks();
  private readonly running = new Map<number, RunningTask>();
  /** The epoch of the last assignment processed (0 before the first). */
  private epoch = 0;
  observer: EngineObserver | null = null;

  constructor(private readonly deps: UpstreamRecoveryDeps, storage: StorageAdapter) {
    this.orchestrator = new RecoveryOrchestrator(deps.ctx);
    this.checkedDriver = new RecoveryDriver(storage, deps.ctx, this.orchestrator);
  }

  get registry() { return this.orchestrator.registry; }

  /** Tasks registered now (RecoveryManager.ActiveTaskCount). */
  activeTasks(): number {
    let n = 0;
    for (const _id in this.tasks.tasks) n += 1; // Object.keys(...).length without the array
    return n;
  }

  /** Is a task registered for this replica? */
  hasTask(replicaID: string): boolean {
    return this.tasks.tasks[replicaID] !== undefined;
  }

  /** bs.v2Orchestrator.ProcessAssignment(intent). */
  processAssignment(intent: AssignmentIntent): AssignmentResult {
    this.markInterleavings(intent);
    const result = this.orchestrator.processAssignment(intent);
    this.observer?.assignmentProcessed(intent, result);
    return result;
  }

  /**
   * The named interleavings of spec §0.1, as this wiring meets them: an assignment at a higher
   * epoch while an executor runs, and one that moves a replica's endpoint under an active session.
   */
  private markInterleavings(intent: AssignmentIntent): void {
    const cov = this.deps.coverage;
    const executing = [...this.running.values()].some((r) => r.executing && !r.exited);
    if (this.epoch > 0 && intent.epoch > this.epoch && executing) cov.add('epoch_bump_mid_executor');
    this.epoch = Math.max(this.epoch, intent.epoch);
    for (const r of intent.replicas) {
      const s = this.registry.sender(r.replicaID);
      if (s !== null && s.hasActiveSession() && (s.endpoint().dataAddr !== r.endpoint.dataAddr || s.endpoint().version !== r.endpoint.version)) {
        cov.add('endpoint_change_active_session');
      }
    }
  }

  /**
   * RecoveryManager.HandleAssignmentResult(result, batch): perform the actions in order; `done`
   * runs when the last one is performed — at once, or after the drains it waited for.
   */
  handleAssignmentResult(result: AssignmentResult, batch: readonly BlockVolumeAssignment[], done: () => void): void {
    const { state, actions } = handleAssignmentResult(this.tasks, result, batch);
    this.tasks = state;
    this.perform(actions, 0, done);
  }

  private perform(actions: readonly RecoveryAction[], from: number, done: () => void): void {
    for (let i = from; i < actions.length; i++) {
      const a = actions[i]!;
      if (a.kind === 'startTask') { this.start(a.task); continue; }
      const r = this.running.get(a.taskId);
      if (r === undefined) continue;
      r.cancelled = true;
      // R4: for Removed the registry has already dropped the sender, so this finds none.
      if (a.invalidateSession) this.registry.sender(a.replicaID)?.invalidateSession(a.reason, ReplicaState.Disconnected);
      if (r.exited) continue;
      this.deps.coverage.add('v2_recovery_drain_wait');
      this.deps.note(`v2 recovery: cancel task ${a.taskId} (${a.replicaID}) and wait for it to exit`);
      r.waiters.push(() => { this.deps.note(`v2 recovery: task ${a.taskId} drained, assignment processing goes on`); this.perform(actions, i + 1, done); });
      return;
    }
    done();
  }

  /** startTask: the goroutine runs from its own step on. */
  private start(task: RecoveryTask): void {
    const r: RunningTask = { task, cancelled: false, executing: false, exited: false, waiters: [] };
    this.running.set(task.taskId, r);
    this.deps.coverage.add('v2_recovery_task_started');
    this.deps.note(`v2 recovery: task ${task.taskId} for ${task.replicaID} started (rebuildAddr '${task.rebuildAddr}')`);
    this.later('engine.v2_task', () => this.run(r));
  }

  /** runRecovery up to the dispatch, then WithVolume: the storage adapter, StartLSN and the executor. */
  private run(r: RunningTask): void {
    const id = r.task.replicaID;
    const sender = this.registry.sender(id);
    const run = planRecoveryRun(r.task, r.cancelled, sender === null ? undefined : sender.sessionSnapshot());
    if (run.kind === 'exit') { this.exit(r, run.reason); return; }
    const storage = this.deps.storage();
    const io = this.deps.newExecutor(run.executor.rebuildAddr);
    if (storage === null || io === null) { this.exit(r, 'cannot access volume'); return; }
    const flushed = run.kind === 'catchUp' ? catchUpFlushedLSN(this.registry.sender(id)?.sessionSnapshot()) : 0;
    this.deps.note(`v2 recovery: task ${r.task.taskId} runs ${run.kind === 'catchUp' ? 'runCatchUp' : 'runRebuild'} for ${id} (${run.executor.stream === 'scanLocalWAL' ? 'executor scans the local WAL' : `executor pulls from ${run.executor.rebuildAddr}`})`);
    this.later(run.kind === 'catchUp' ? 'engine.v2_plan_catchup' : 'engine.v2_plan_rebuild', () => this.plan(r, run, storage, io, flushed));
  }

  /** The checkpoint after opening the volume, then PlanRecovery(replicaID, StartLSN) or PlanRebuild. */
  private plan(r: RunningTask, run: Exclude<RecoveryRun, { kind: 'exit' }>, storage: StorageAdapter, io: V2BridgeIO, flushed: number): void {
    if (r.cancelled) { this.exit(r, 'cancelled'); return; }
    const id = r.task.replicaID;
    const driver = new RecoveryDriver(storage, this.deps.ctx, this.orchestrator);
    const history = storage.getRetainedHistory();
    const kind = run.kind === 'catchUp' ? 'recovery' : 'rebuild';
    const gen = run.kind === 'catchUp' ? driver.planRecoverySteps(id, flushed) : driver.planRebuildSteps(id);
    // The goroutine runs on through a cancel (ctx is checked only after the plan), so the plan's
    // continuation is never dropped.
    const host = {
      yieldAt: () => {
        const y = lockFreeYield(this.deps.chooser, this.deps.lockFreeYieldPermille ?? 0, 'plan_pin');
        if (y) this.deps.coverage.add('lockfree_plan_pin');
        return y;
      },
      later: (k: string, fn: () => void) => this.later(k, fn),
    };
    drivePlan(gen, host, ({ plan, err }) => {
      if (err !== null || plan === null) {
        if (err !== null) this.observer?.planFailed({ replicaID: id, kind, err });
        this.exit(r, `plan failed: ${err?.message ?? 'no plan'}`);
        return;
      }
      if (run.kind === 'catchUp') {
        this.observer?.planIssued({ plan, kind, history, replicaFlushedLSN: flushed, walContains: (l) => this.deps.walContains(l), walGap: (l) => this.deps.walGap(l) });
        this.deps.coverage.add(`v2_catchup_plan_${plan.outcome}`);
      } else {
        this.observer?.planIssued({ plan, kind, history });
        this.deps.coverage.add(`v2_rebuild_plan_${plan.rebuildSource}`);
      }
      this.deps.note(`v2 recovery: ${kind} plan for ${id} from ${run.kind === 'catchUp' ? `StartLSN ${flushed}` : 'own storage'}: ${plan.outcome}${plan.rebuildSource !== '' ? ` ${plan.rebuildSource}` : ''}`);
      this.later('engine.v2_execute', () => this.execute(r, run.kind === 'catchUp' ? 'catchup' : 'rebuild', driver, plan, io));
    });
  }

  /** The checkpoint after planning (CancelPlan "context_cancelled"), then Execute — never interrupted (R3). */
  private execute(r: RunningTask, kind: ExecutorKind, driver: RecoveryDriver, plan: RecoveryPlan, io: V2BridgeIO): void {
    const id = r.task.replicaID;
    if (afterPlan(r.cancelled).kind === 'cancelPlan') {
      const before = this.registry.sender(id)?.state() ?? ReplicaState.Disconnected;
      driver.cancelPlan(plan, 'context_cancelled');
      const after = this.registry.sender(id)?.state() ?? ReplicaState.Disconnected;
      this.observer?.planCancelled({ plan, stateBefore: before, stateAfter: after });
      this.exit(r, 'cancelled after planning');
      return;
    }
    r.executing = true;
    this.deps.note(`v2 recovery: task ${r.task.taskId} executes its ${kind} plan (session ${plan.sessionID}); Execute is not interrupted by a cancel`);
    // Execute(nil, 0) for a catch-up (no progress LSNs, start tick 0); Execute() for a rebuild.
    const gen = kind === 'catchup' ? new CatchUpExecutor(driver, plan).steps([], 0, true) : new RebuildExecutor(driver, plan).steps(true);
    new ExecutorDrive(id, plan.sessionID, plan, kind, gen, {
      registry: this.registry, coverage: this.deps.coverage, observer: this.observer,
      performIO: (_id, _kind, call, done) => io.perform(call, done),
      later: (k, fn) => this.later(k, fn),
      finished: (err) => this.exit(r, err === null ? `${kind} completed` : `${kind} failed: ${err.message}`),
    }).resume(undefined);
  }

  /** runRecovery's deferred cleanup: unregister (if still this task), then release the drains waiting for it. */
  private exit(r: RunningTask, why: string): void {
    r.exited = true;
    this.tasks = taskExited(this.tasks, r.task.replicaID, r.task.taskId);
    this.running.delete(r.task.taskId);
    this.deps.coverage.add('v2_recovery_task_exited');
    this.deps.note(`v2 recovery: task ${r.task.taskId} for ${r.task.replicaID} exited: ${why}`);
    for (const w of r.waiters.splice(0)) this.deps.timers.after(0, 'assign.v2_drained', w);
  }

  /** A goroutine's next step, after a small chosen delay (the same rule as the ideal wiring's). */
  private later(kind: string, fn: () => void): void {
    this.deps.timers.after(engineStepDelay(this.deps.chooser), kind, fn);
  }
}
