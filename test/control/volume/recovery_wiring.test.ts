// The V2 recovery wiring of 3ec8fab2f (block_recovery.go RecoveryManager + ProcessAssignments'
// call). Derived from block_recovery_test.go (TestP4_LivePath_RealVol_ReachesPlan,
// TestP4_SerializedReplacement_DrainsBeforeStart, TestP4_ShutdownDrain, TestP4_RebuildAddrScoped),
// block_recovery_adversarial_test.go (TestAdversarial_P4_RapidTripleSupersede,
// TestAdversarial_P4_TwoReplicas_NoInterference) and qa_block_idempotence_test.go
// (TestP10P3_RepeatedAssignment_Idempotent: no new engine events). Hazards R1–R7 of
// recovery_wiring.ts are pinned here.
import { describe, expect, it } from 'vitest';
import { CatchUpExecutor } from '../../../src/engine/catchup_executor.ts';
import { EngineContext } from '../../../src/engine/context.ts';
import { RecoveryDriver } from '../../../src/engine/driver.ts';
import type { CatchUpIO } from '../../../src/engine/executor.ts';
import { RecoveryOrchestrator } from '../../../src/engine/orchestrator.ts';
import { PushStorageAdapter } from '../../../src/engine/push_storage_adapter.ts';
import type { AssignmentResult } from '../../../src/engine/types.ts';
import { newBlockService, type BlockServiceState, type BlockVolumeAssignment } from '../../../src/control/volume/assignment.ts';
import { setServerID } from '../../../src/control/volume/identity.ts';
import {
  afterPlan, catchUpFlushedLSN, deriveRebuildAddr, handleAssignmentResult, newRecoveryTasks, planRecoveryRun,
  recoveryTriggered, shutdownRecovery, taskExited, volumePathForReplica, type RecoveryTasks,
} from '../../../src/control/volume/recovery_wiring.ts';
import { Role, roleToWire } from '../../../src/control/volume/role.ts';
import { planV2Bridge } from '../../../src/control/volume/v2_assignment.ts';
import { createdVolumeState } from '../../../src/control/volume/volume_state.ts';

const PATH = '/data/vol1.blk';
const R = `${PATH}/vs2`;
const result = (p: Partial<AssignmentResult>): AssignmentResult => ({ added: [], removed: [], sessionsCreated: [], sessionsSuperseded: [], sessionsFailed: [], ...p });
function a(p: Partial<BlockVolumeAssignment>): BlockVolumeAssignment {
  return { path: PATH, epoch: 1, role: roleToWire(Role.Primary), leaseTtlMs: 30_000, replicaDataAddr: '', replicaCtrlAddr: '', rebuildAddr: '', replicaAddrs: [], ...p };
}
const primaryAsg = (epoch: number) => a({ epoch, replicaServerID: 'vs2', replicaDataAddr: '10.0.0.2:9333', replicaCtrlAddr: '10.0.0.2:9334' });

/** One volume server's V2 side: ProcessAssignments' V2 loop over the library, actions collected. */
class V2Side {
  bs: BlockServiceState;
  tasks: RecoveryTasks = newRecoveryTasks();
  readonly orch = new RecoveryOrchestrator(new EngineContext());
  readonly log: string[] = [];
  constructor(serverID: string) { this.bs = setServerID(newBlockService('127.0.0.1:3260', { [PATH]: createdVolumeState() }), serverID); }
  process(batch: BlockVolumeAssignment[]) {
    const { bs, deliveries } = planV2Bridge(this.bs, batch, { commit: '3ec8fab2f' });
    this.bs = bs;
    for (const d of deliveries) {
      if (d.kind === 'skipUnchanged') { this.log.push(`skip ${d.assignment.epoch}`); continue; }
      const r = this.orch.processAssignment(d.intent);
      if (!recoveryTriggered(r)) continue;
      const h = handleAssignmentResult(this.tasks, r, batch);
      this.tasks = h.state;
      for (const act of h.actions) this.log.push(act.kind === 'startTask' ? `start ${act.task.replicaID}#${act.task.taskId}` : `drain ${act.replicaID}#${act.taskId}${act.invalidateSession ? ' inv' : ''}`);
    }
  }
}

describe('trigger and task table (HandleAssignmentResult)', () => {
  it('only Created / Superseded / Removed trigger; Added or Failed alone do not (R6)', () => {
    expect(recoveryTriggered(result({ added: ['x'] }))).toBe(false);
    expect(recoveryTriggered(result({ sessionsFailed: ['x'] }))).toBe(false);
    expect(recoveryTriggered(result({ removed: ['x'] }))).toBe(true);
  });
  it('order: Removed (cancel+invalidate+drain), then Superseded (drain, start), then Created (drain if any, start)', () => {
    let st = newRecoveryTasks();
    st = handleAssignmentResult(st, result({ sessionsCreated: ['v/a', 'v/b', 'v/c'] }), []).state;
    const h = handleAssignmentResult(st, result({ removed: ['v/a'], sessionsSuperseded: ['v/b'], sessionsCreated: ['v/d'] }), []);
    expect(h.actions.map((x) => [x.kind, x.kind === 'startTask' ? x.task.replicaID : x.replicaID, x.kind === 'cancelAndDrain' ? x.invalidateSession : null])).toEqual([
      ['cancelAndDrain', 'v/a', true], ['cancelAndDrain', 'v/b', false], ['startTask', 'v/b', null], ['startTask', 'v/d', null],
    ]);
    expect(Object.keys(h.state.tasks).sort()).toEqual(['v/b', 'v/c', 'v/d']);
  });
  it('R4: Removed without a registered task produces no action at all (no invalidation)', () => {
    expect(handleAssignmentResult(newRecoveryTasks(), result({ removed: ['v/a'] }), []).actions).toEqual([]);
  });
  it('TestAdversarial_P4_RapidTripleSupersede: each supersede drains the previous task before starting one; one task remains', () => {
    const side = new V2Side('vs1');
    for (const e of [1, 2, 3]) side.process([primaryAsg(e)]);
    expect(side.log).toEqual([`start ${R}#1`, `drain ${R}#1`, `start ${R}#2`, `drain ${R}#2`, `start ${R}#3`]);
    expect(Object.keys(side.tasks.tasks)).toEqual([R]);
  });
  it('taskExited unregisters only the task that is still registered (pointer identity)', () => {
    let st = handleAssignmentResult(newRecoveryTasks(), result({ sessionsCreated: [R] }), []).state;
    st = handleAssignmentResult(st, result({ sessionsSuperseded: [R] }), []).state; // task 2 registered
    expect(taskExited(st, R, 1).tasks[R]!.taskId).toBe(2);
    expect(taskExited(st, R, 2).tasks[R]).toBeUndefined();
  });
  it('TestP4_ShutdownDrain: every registered task is cancelled with recovery_shutdown and the table cleared', () => {
    const st = handleAssignmentResult(newRecoveryTasks(), result({ sessionsCreated: ['v/b', 'v/a'] }), []).state;
    const s = shutdownRecovery(st);
    expect(s.cancel).toEqual([{ replicaID: 'v/a', taskId: 2, reason: 'recovery_shutdown' }, { replicaID: 'v/b', taskId: 1, reason: 'recovery_shutdown' }]);
    expect(s.state.tasks).toEqual({});
  });
  it('TestP4_RebuildAddrScoped: the first RebuildAddr of the batch for the ReplicaID\'s path (R5: any role)', () => {
    const batch = [a({ path: '/data/vol1.blk', rebuildAddr: '10.0.0.1:5000' }), a({ path: '/data/vol2.blk', rebuildAddr: '10.0.0.2:5000' })];
    expect(deriveRebuildAddr('/data/vol1.blk/vs2', batch)).toBe('10.0.0.1:5000');
    expect(deriveRebuildAddr('/data/vol2.blk/vs3', batch)).toBe('10.0.0.2:5000');
    expect(deriveRebuildAddr('/data/vol3.blk/vs4', batch)).toBe('');
    expect(volumePathForReplica('noslash')).toBe('');
  });
  it('TestAdversarial_P4_TwoReplicas_NoInterference: two replicas of one primary get independent tasks', () => {
    const side = new V2Side('vs1');
    side.process([a({ replicaAddrs: [{ dataAddr: 'd2', ctrlAddr: 'c2', serverID: 'vs2' }, { dataAddr: 'd3', ctrlAddr: 'c3', serverID: 'vs3' }] })]);
    expect(side.log).toEqual([`start ${PATH}/vs2#1`, `start ${PATH}/vs3#2`]);
  });
  it('TestP10P3_RepeatedAssignment_Idempotent: a repeat is skipped — no engine events, no recovery', () => {
    const side = new V2Side('vs1');
    side.process([primaryAsg(1)]);
    const n = side.orch.log.eventsFor(R).length;
    side.process([primaryAsg(1)]);
    expect(side.orch.log.eventsFor(R).length).toBe(n);
    expect(side.log).toEqual([`start ${R}#1`, 'skip 1']);
  });
  it('HAZARD: the first lease grant after a full assignment removes the sender and drains its task (invalidation is a no-op: sender gone)', () => {
    const side = new V2Side('vs1');
    side.process([primaryAsg(1)]);
    side.process([a({ epoch: 1 })]); // lease grant: path, epoch, role, ttl
    expect(side.log).toEqual([`start ${R}#1`, `drain ${R}#1 inv`]);
    expect(side.orch.registry.sender(R)).toBeNull();
    side.process([a({ epoch: 1 })]);
    expect(side.log.at(-1)).toBe('skip 1');
  });
});

describe('which side runs what (runRecovery dispatch)', () => {
  it('primary: a catch-up on the primary\'s own volume, local WAL scan (no RebuildAddr in a Primary batch)', () => {
    const side = new V2Side('vs1');
    side.process([primaryAsg(1)]);
    const run = planRecoveryRun(side.tasks.tasks[R]!, false, side.orch.registry.sender(R)!.sessionSnapshot());
    expect(run).toEqual({ kind: 'catchUp', replicaID: R, executor: { volumePath: PATH, rebuildAddr: '', stream: 'scanLocalWAL' }, progressLSNs: [], startTick: 0 });
  });
  it('rebuilding replica: a rebuild on its own volume, pulling from the assignment\'s RebuildAddr; the V1 half starts StartRebuild too', () => {
    const side = new V2Side('vs2');
    side.process([a({ role: roleToWire(Role.Rebuilding), rebuildAddr: '10.0.0.1:15002' })]);
    const run = planRecoveryRun(side.tasks.tasks[R]!, false, side.orch.registry.sender(R)!.sessionSnapshot());
    expect(run).toEqual({ kind: 'rebuild', replicaID: R, executor: { volumePath: PATH, rebuildAddr: '10.0.0.1:15002', stream: 'fetchAndApply' } });
  });
  it('replica: a sender for itself, no session, no task', () => {
    const side = new V2Side('vs2');
    side.process([a({ role: roleToWire(Role.Replica), replicaDataAddr: 'me:1', replicaCtrlAddr: 'me:2' })]);
    expect(side.orch.registry.sender(R)!.sessionSnapshot()).toBeNull();
    expect(side.log).toEqual([]);
  });
  it('R5: a Rebuilding assignment without RebuildAddr still starts a rebuild task, with an executor that has no address', () => {
    const side = new V2Side('vs2');
    side.process([a({ role: roleToWire(Role.Rebuilding) })]);
    const run = planRecoveryRun(side.tasks.tasks[R]!, false, side.orch.registry.sender(R)!.sessionSnapshot());
    expect(run.kind === 'rebuild' && run.executor.rebuildAddr).toBe('');
  });
  it('exits: cancelled first, then no sender, then no session', () => {
    const t = { taskId: 1, replicaID: R, rebuildAddr: '' };
    expect(planRecoveryRun(t, true, undefined)).toEqual({ kind: 'exit', reason: 'cancelled' });
    expect(planRecoveryRun(t, false, undefined)).toEqual({ kind: 'exit', reason: 'sender_not_found' });
    expect(planRecoveryRun(t, false, null)).toEqual({ kind: 'exit', reason: 'no_session' });
    expect(afterPlan(true)).toEqual({ kind: 'cancelPlan', reason: 'context_cancelled' });
  });
});

describe('TestP4_LivePath_RealVol_ReachesPlan, over the engine', () => {
  it('R1 + R2: planned from StartLSN 0, the scan-only executor ships nothing, the sender ends InSync', () => {
    const side = new V2Side('vs1');
    side.process([primaryAsg(1)]);
    const snap = side.orch.registry.sender(R)!.sessionSnapshot();
    const run = planRecoveryRun(side.tasks.tasks[R]!, false, snap);
    if (run.kind !== 'catchUp') throw new Error(run.kind);
    expect(catchUpFlushedLSN(snap)).toBe(0); // R1: never the replica's real durable point
    // the primary's volume holds LSNs 1..5, all retained
    const storage = new PushStorageAdapter({ walHeadLSN: 5, walTailLSN: 0, committedLSN: 5, checkpointLSN: 0, checkpointTrusted: false });
    const driver = new RecoveryDriver(storage, side.orch.ctx, side.orch);
    const plan = driver.planRecovery(R, catchUpFlushedLSN(snap));
    expect(plan.err).toBeNull();
    expect(afterPlan(false).kind).toBe('execute');
    const scanOnly: CatchUpIO = { // v2bridge Executor, rebuildAddr '': scans (start, end], ships nothing
      streamWALEntries: (_s, e) => ({ value: e, err: null }),
      truncateWAL: () => ({ err: null }),
    };
    const exec = new CatchUpExecutor(driver, plan.plan!);
    exec.io = scanOnly;
    expect(exec.execute(run.progressLSNs, run.startTick)).toBeNull();
    const events = side.orch.log.eventsFor(R).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['plan_catchup', 'exec_catchup_started', 'exec_completed']));
    expect(side.orch.registry.sender(R)!.state()).toBe('in_sync');
  });
});
