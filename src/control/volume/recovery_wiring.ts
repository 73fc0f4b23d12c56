// The V2 recovery wiring of a volume server at 3ec8fab2f: what RecoveryManager does with the
// engine's AssignmentResult, per replica, and what each recovery goroutine then runs — as pure
// decisions returning typed actions. The simulator performs them (engine calls, executors, I/O).
// Ports, @3ec8fab2f (block_recovery.go itself is unchanged since c7eb87c58; 3ec8fab2f is the
// commit that constructs it in StartBlockService and calls it from ProcessAssignments):
//   weed/server/block_recovery.go  RecoveryManager.HandleAssignmentResult, cancelAndDrain,
//       startTask, Shutdown, runRecovery, runCatchUp, runRebuild, deriveRebuildAddr,
//       volumePathForReplica, recoveryTask (identity by pointer → taskId here)
//   weed/server/volume_server_block.go  ProcessAssignments (the trigger condition, see
//       recoveryTriggered), Shutdown (v2Recovery.Shutdown first)
// Left out: OnBeforeExecute (test hook), ActiveTaskCount / DiagnosticSnapshot (read-only), glog.
// At c7eb87c58 none of this runs: bs.v2Recovery is nil outside tests, engine results are ignored.
//
// WHAT TRIGGERS RECOVERY: only assignment processing. ProcessAssignments, for each assignment
// the idempotence guard lets through (v2_assignment.ts), calls HandleAssignmentResult when the
// engine result has SessionsCreated, SessionsSuperseded or Removed. No heartbeat, no shipper
// state change, no timer, no failed/finished task ever starts, retries or re-plans a recovery; a
// task that fails stays failed until the master sends a *different* assignment for the path.
//
// WHICH SIDE RUNS WHAT (ConvertAssignment, v2bridge_control.ts, decides the sessions):
//   - Primary assignment: one catch-up session per replica with a ServerID (none at c7eb87c58 or
//     on a lease grant). The task runs ON THE PRIMARY: volume = the primary's volume (the path
//     before the ReplicaID's last '/'), planned by RecoveryDriver.PlanRecovery(replicaID,
//     session.StartLSN) over the primary's storage adapter, executed by a CatchUpExecutor whose
//     IO is v2bridge.NewExecutor(primaryVol, rebuildAddr). rebuildAddr = the first RebuildAddr
//     of the batch for that path — '' for a Primary assignment — so StreamWALEntries only SCANS
//     the primary's local WAL and ships nothing (src/replication/bridge_executor.ts scanOnly,
//     hazard H9), after which the session completes: the sender reads InSync.
//   - Rebuilding assignment: one rebuild session for "<path>/<localServerID>", run ON THE
//     REPLICA itself: PlanRebuild over the replica's own storage (its own committed LSN is the
//     rebuild target), RebuildExecutor with v2bridge.NewExecutor(replicaVol, a.RebuildAddr),
//     which pulls from the primary's rebuild server. The V1 half of the same assignment also
//     starts blockvol.StartRebuild to the same address (assignment.ts 'startRebuild').
//   - Replica assignment: a sender for the server's own ReplicaID, no session: nothing runs.
//   - Anything else (None/Stale/Draining, or a primary intent without replicas): senders removed.
//
// UPSTREAM HAZARDS kept (pinned in test/control/volume/recovery_wiring.test.ts):
//  R1 runCatchUp plans from the session's StartLSN, which is 0 for every session the assignment
//     path creates (StartLSN is set only by a handshake, which happens inside planning): the
//     primary always plans as if the replica held nothing; the replica is never asked.
//  R2 with rebuildAddr '' the catch-up executor scans the primary's WAL and ships nothing, yet the
//     session completes InSync (H9).
//  R3 Cancellation is observed only at three checkpoints (before the sender lookup, after opening
//     the volume, after planning → CancelPlan "context_cancelled"); Execute ignores the context.
//     A drain therefore waits for the executor to finish or fail on its own, blocking
//     ProcessAssignments — the heartbeat stream's receive loop — meanwhile.
//  R4 cancelAndDrain(Removed, invalidate=true): the registry has already removed (and stopped)
//     the sender, so Registry.Sender(id) is nil and the "recovery_removed" invalidation never
//     happens; and it is skipped entirely when no task is registered for the replica.
//  R5 deriveRebuildAddr takes the first RebuildAddr of the whole batch for the path, whatever the
//     assignment's role; an empty RebuildAddr (master hazard 6: cleared by promotion) makes every
//     rebuild transfer fail "no rebuild address configured".
//  R6 SessionsFailed is ignored; a task that exits (success, failure, cancellation) is never
//     restarted by this wiring.
//  R7 One orchestrator per server (shared by all paths and roles): see v2bridge_control.ts.
import type { AssignmentResult, ReplicaID, SessionSnapshot } from '../../engine/types.ts';
import { SessionKind } from '../../engine/types.ts';
import type { BlockVolumeAssignment } from './assignment.ts';

/** One registered recovery goroutine (Go recoveryTask; the pointer identity is `taskId`). */
export interface RecoveryTask {
  readonly taskId: number;
  readonly replicaID: ReplicaID;
  /** Derived once, at start (deriveRebuildAddr over the batch). */
  readonly rebuildAddr: string;
}

/** RecoveryManager.tasks: at most one registered task per ReplicaID. */
export interface RecoveryTasks {
  readonly tasks: Readonly<Record<ReplicaID, RecoveryTask>>;
  readonly nextTaskId: number;
}

export function newRecoveryTasks(): RecoveryTasks {
  return { tasks: {}, nextTaskId: 1 };
}

export type RecoveryAction =
  /**
   * cancelAndDrain: cancel the task's context; if `invalidateSession`, call
   * Registry.Sender(replicaID)?.InvalidateSession(reason, Disconnected) (nil for Removed, R4);
   * the task is unregistered at once; then BLOCK until task `taskId` has exited (R3).
   */
  | { readonly kind: 'cancelAndDrain'; readonly replicaID: ReplicaID; readonly taskId: number; readonly invalidateSession: boolean; readonly reason: 'recovery_removed' }
  /** startTask: register and start a recovery goroutine (run it with `planRecoveryRun`). */
  | { readonly kind: 'startTask'; readonly task: RecoveryTask; readonly volumePath: string };

/** The condition in ProcessAssignments under which HandleAssignmentResult is called. */
export function recoveryTriggered(result: AssignmentResult): boolean {
  return result.sessionsCreated.length > 0 || result.sessionsSuperseded.length > 0 || result.removed.length > 0;
}

/** Go RecoveryManager.volumePathForReplica: the ReplicaID up to its last '/', or ''. */
export function volumePathForReplica(replicaID: ReplicaID): string {
  const i = replicaID.lastIndexOf('/');
  return i >= 0 ? replicaID.slice(0, i) : '';
}

/** Go RecoveryManager.deriveRebuildAddr: the first non-empty RebuildAddr of the batch for the path (R5). */
export function deriveRebuildAddr(replicaID: ReplicaID, assignments: readonly BlockVolumeAssignment[]): string {
  const volPath = volumePathForReplica(replicaID);
  for (const a of assignments) if (a.path === volPath && a.rebuildAddr !== '') return a.rebuildAddr;
  return '';
}

function cancelAndDrain(st: RecoveryTasks, replicaID: ReplicaID, invalidateSession: boolean, out: RecoveryAction[]): RecoveryTasks {
  const task = st.tasks[replicaID];
  if (task === undefined) return st; // no task: nothing, not even the invalidation (R4)
  out.push({ kind: 'cancelAndDrain', replicaID, taskId: task.taskId, invalidateSession, reason: 'recovery_removed' });
  const tasks = { ...st.tasks };
  delete tasks[replicaID];
  return { ...st, tasks };
}

function startTask(st: RecoveryTasks, replicaID: ReplicaID, assignments: readonly BlockVolumeAssignment[], out: RecoveryAction[]): RecoveryTasks {
  const task: RecoveryTask = { taskId: st.nextTaskId, replicaID, rebuildAddr: deriveRebuildAddr(replicaID, assignments) };
  out.push({ kind: 'startTask', task, volumePath: volumePathForReplica(replicaID) });
  return { tasks: { ...st.tasks, [replicaID]: task }, nextTaskId: st.nextTaskId + 1 };
}

/**
 * Go RecoveryManager.HandleAssignmentResult(result, assignments) — `assignments` is the whole
 * batch of the ProcessAssignments call. Actions in upstream's order: every Removed (cancel +
 * invalidate + drain); then per Superseded: cancel + drain (no invalidate), start; then per
 * Created: cancel + drain (defensive), start. Perform them in order, each drain completing
 * before the next action.
 */
export function handleAssignmentResult(st0: RecoveryTasks, result: AssignmentResult, assignments: readonly BlockVolumeAssignment[]): { state: RecoveryTasks; actions: RecoveryAction[] } {
  const actions: RecoveryAction[] = [];
  let st = st0;
  for (const id of result.removed) st = cancelAndDrain(st, id, true, actions);
  for (const id of result.sessionsSuperseded) {
    st = cancelAndDrain(st, id, false, actions);
    st = startTask(st, id, assignments, actions);
  }
  for (const id of result.sessionsCreated) {
    st = cancelAndDrain(st, id, false, actions);
    st = startTask(st, id, assignments, actions);
  }
  return { state: st, actions };
}

/** runRecovery's deferred cleanup: unregister only if this task is still the registered one. */
export function taskExited(st: RecoveryTasks, replicaID: ReplicaID, taskId: number): RecoveryTasks {
  if (st.tasks[replicaID]?.taskId !== taskId) return st;
  const tasks = { ...st.tasks };
  delete tasks[replicaID];
  return { ...st, tasks };
}

/**
 * Go RecoveryManager.Shutdown (BlockService.Shutdown calls it first): for every registered task,
 * cancel and InvalidateSession("recovery_shutdown", Disconnected) on its sender if present; clear
 * the table; then wait for every running task (registered or already unregistered) to exit.
 */
export function shutdownRecovery(st: RecoveryTasks): { state: RecoveryTasks; cancel: { replicaID: ReplicaID; taskId: number; reason: 'recovery_shutdown' }[] } {
  const cancel = Object.keys(st.tasks).sort().map((id) => ({ replicaID: id, taskId: st.tasks[id]!.taskId, reason: 'recovery_shutdown' as const }));
  return { state: { ...st, tasks: {} }, cancel };
}

/** The v2bridge.Executor a task builds: NewExecutor(vol, rebuildAddr). */
export interface V2BridgeExecutorSpec {
  /** The local volume the executor reads or writes: the primary's (catch-up) or the replica's own (rebuild). */
  readonly volumePath: string;
  readonly rebuildAddr: string;
  /**
   * StreamWALEntries mode: rebuildAddr '' → scan the local WAL, ship nothing, return the highest
   * LSN scanned (R2; BridgeExecutor `scanOnly`); else connect to rebuildAddr and apply locally.
   */
  readonly stream: 'scanLocalWAL' | 'fetchAndApply';
}

function executorSpec(volumePath: string, rebuildAddr: string): V2BridgeExecutorSpec {
  return { volumePath, rebuildAddr, stream: rebuildAddr === '' ? 'scanLocalWAL' : 'fetchAndApply' };
}

/** Where runRecovery checks its context (R3). None inside Execute. */
export const RECOVERY_CANCEL_CHECKPOINTS = ['beforeSenderLookup', 'afterOpenVolume', 'afterPlan'] as const;

export type RecoveryRun =
  | { readonly kind: 'exit'; readonly reason: 'cancelled' | 'sender_not_found' | 'no_session' | 'unknown_session_kind' | 'no_volume_path' }
  /**
   * runCatchUp: open the volume (WithVolume; not found → exit); read the sender's session
   * StartLSN again (`catchUpFlushedLSN`); checkpoint; driver = RecoveryDriver{shared
   * orchestrator, storage adapter of this volume}; PlanRecovery(replicaID, flushedLSN) (error →
   * exit); checkpoint (cancelled → CancelPlan(plan, "context_cancelled")); then
   * NewCatchUpExecutor(driver, plan) with IO = executor, Execute(nil, 0) — whatever the plan's
   * outcome (zero_gap / needs_rebuild plans are executed too and fail in BeginCatchUp).
   */
  | { readonly kind: 'catchUp'; readonly replicaID: ReplicaID; readonly executor: V2BridgeExecutorSpec; readonly progressLSNs: readonly number[]; readonly startTick: 0 }
  /**
   * runRebuild: open the volume; checkpoint; PlanRebuild(replicaID) over this volume's storage
   * (error → exit); checkpoint (→ CancelPlan "context_cancelled"); NewRebuildExecutor(driver,
   * plan) with IO = executor, Execute().
   */
  | { readonly kind: 'rebuild'; readonly replicaID: ReplicaID; readonly executor: V2BridgeExecutorSpec };

/**
 * Go runRecovery up to the dispatch: `cancelled` is the task context at goroutine start,
 * `session` the sender's SessionSnapshot then (undefined = no sender, null = no session).
 */
export function planRecoveryRun(task: RecoveryTask, cancelled: boolean, session: SessionSnapshot | null | undefined): RecoveryRun {
  if (cancelled) return { kind: 'exit', reason: 'cancelled' };
  if (session === undefined) return { kind: 'exit', reason: 'sender_not_found' };
  if (session === null) return { kind: 'exit', reason: 'no_session' };
  if (session.kind !== SessionKind.CatchUp && session.kind !== SessionKind.Rebuild) return { kind: 'exit', reason: 'unknown_session_kind' };
  const volumePath = volumePathForReplica(task.replicaID);
  if (volumePath === '') return { kind: 'exit', reason: 'no_volume_path' };
  const executor = executorSpec(volumePath, task.rebuildAddr);
  if (session.kind === SessionKind.CatchUp) return { kind: 'catchUp', replicaID: task.replicaID, executor, progressLSNs: [], startTick: 0 };
  return { kind: 'rebuild', replicaID: task.replicaID, executor };
}

/** runCatchUp's replicaFlushedLSN: the session's StartLSN when the volume is opened, 0 without a session (R1). */
export function catchUpFlushedLSN(session: SessionSnapshot | null | undefined): number {
  return session?.startLSN ?? 0;
}

/** The checkpoint after planning: CancelPlan(plan, "context_cancelled") or execute. */
export function afterPlan(cancelled: boolean): { readonly kind: 'cancelPlan'; readonly reason: 'context_cancelled' } | { readonly kind: 'execute' } {
  return cancelled ? { kind: 'cancelPlan', reason: 'context_cancelled' } : { kind: 'execute' };
}
