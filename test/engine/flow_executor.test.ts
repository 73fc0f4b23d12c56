// Catch-up and rebuild executors (spec §9.3-§9.5): ports of upstream TestExecutor_E1..E5,
// TestP2_*, TestP3_*, the IO mode with truncation escalation, the generator protocol, and
// known-bug switch B11 (TestExecutor_PlanExecuteConsistency_RebuildCannotSwitchSource).
import { describe, expect, it } from 'vitest';
import { CatchUpExecutor } from '../../src/engine/catchup_executor.ts';
import { EngineError, errTruncationUnsafe } from '../../src/engine/errors.ts';
import type { CatchUpIO, ExecutorYield, IOResult, RebuildIO } from '../../src/engine/executor.ts';
import { RebuildExecutor } from '../../src/engine/rebuild_executor.ts';
import { withBudget } from '../../src/engine/session.ts';
import { eventNames, eventsNamed, intent, newDriver, setupCatchUp, setupRebuild } from './flow_helpers.ts';

function catchUpIO(stream: IOResult, truncate: IOResult = { err: null }): CatchUpIO & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    streamWALEntries: (a, b) => (calls.push(`stream(${a},${b}]`), stream),
    truncateWAL: (l) => (calls.push(`truncate ${l}`), truncate),
  };
}

describe('CatchUpExecutor (TestExecutor_E1..E5)', () => {
  it('TestExecutor_E1_PartialCatchUp_ProgressFailure_ReleasesWAL: beyond frozen target fails, pin released once', () => {
    const { driver, storage, plan } = setupCatchUp(70);
    expect(storage.activeHoldCount()).toBe(1);
    const err = new CatchUpExecutor(driver, plan).execute([80, 90, 101], 0);
    expect(err?.message).toBe('progress 101 exceeds frozen target 100');
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventsNamed(driver, 'exec_resources_released')).toEqual([
      { sessionID: 1, detail: 'progress_failed_step_2: progress 101 exceeds frozen target 100' },
    ]);
  });

  it('TestExecutor_E1_BudgetEscalation_ReleasesWAL: duration budget 3 violated at step 3', () => {
    const { driver, storage } = newDriver({ headLSN: 1000, committedLSN: 1000 });
    driver.orchestrator.processAssignment(intent('catchup'));
    const s = driver.orchestrator.registry.sender('r1')!;
    s.invalidateSession('setup', 'disconnected');
    s.attachSession(1, 'catchup', withBudget({ maxDurationTicks: 3, maxEntries: 0, progressDeadlineTicks: 0 }));
    const { plan } = driver.planRecovery('r1', 500);
    const err = new CatchUpExecutor(driver, plan!).execute([600, 700, 800, 900], 0);
    expect(err?.message).toBe('budget violation at step 3: duration_exceeded');
    expect(storage.activeHoldCount()).toBe(0);
    expect(s.state()).toBe('needs_rebuild');
    expect(eventsNamed(driver, 'exec_resources_released').map((e) => e.detail)).toEqual(['budget_escalated: duration_exceeded']);
  });

  it('TestExecutor_E3_EpochBump_MidCatchUp_ReleasesWAL: bump before execute fails at BeginCatchUp', () => {
    const { driver, storage, plan } = setupCatchUp(70);
    driver.orchestrator.invalidateEpoch(2);
    driver.orchestrator.updateSenderEpoch('r1', 2);
    const err = new CatchUpExecutor(driver, plan).execute([80, 90, 100], 0);
    expect(err?.message).toBe('no active session');
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventsNamed(driver, 'exec_resources_released').map((e) => e.detail)).toEqual(['begin_catchup_failed: no active session']);
  });

  it('TestExecutor_E3_Cancel_ReleasesResources: cancel releases and logs once, session untouched', () => {
    const { driver, storage, plan } = setupCatchUp(70);
    const exec = new CatchUpExecutor(driver, plan);
    exec.cancel('test_cancellation');
    exec.cancel('again');
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventsNamed(driver, 'exec_resources_released').map((e) => e.detail)).toEqual(['cancelled: test_cancellation']);
    expect(driver.orchestrator.registry.sender('r1')!.sessionID()).toBe(1);
  });

  it('TestExecutor_E4_SuccessfulCatchUp_ReleasesWAL / E5 stepwise: in_sync, no release event, exact details', () => {
    const { driver, storage, plan } = setupCatchUp(70);
    const seen: number[] = [];
    const exec = new CatchUpExecutor(driver, plan);
    exec.onStep = (i) => seen.push(i);
    expect(exec.execute([80, 90, 100], 0)).toBeNull();
    expect(seen).toEqual([0, 1, 2]);
    expect(storage.activeHoldCount()).toBe(0);
    expect(driver.orchestrator.registry.sender('r1')!.state()).toBe('in_sync');
    expect(eventsNamed(driver, 'exec_catchup_started')).toEqual([{ sessionID: 1, detail: 'target=100 tick=0 io=false' }]);
    expect(eventNames(driver).slice(-2)).toEqual(['exec_catchup_started', 'exec_completed']);
    expect(exec.released()).toBe(true);
  });

  it('TestP3_E5_FullRecoveryChainLogged: the whole chain from assignment to exec_completed', () => {
    const { driver, plan } = setupCatchUp(70);
    new CatchUpExecutor(driver, plan).execute([80, 90, 100], 0);
    expect(eventNames(driver)).toEqual([
      'sender_added', 'session_created', 'connected', 'handshake', 'plan_catchup', 'exec_catchup_started', 'exec_completed',
    ]);
  });

  it('TestP3_E2_EpochBump_MidExecutorLoop: OnStep bumps the epoch after step 1; step 2 fails closed', () => {
    const { driver, storage, plan } = setupCatchUp(50);
    const exec = new CatchUpExecutor(driver, plan);
    exec.onStep = (i) => {
      if (i === 1) {
        driver.orchestrator.invalidateEpoch(2);
        driver.orchestrator.updateSenderEpoch('r1', 2);
      }
    };
    const err = exec.execute([60, 70, 80, 100], 0);
    expect(err?.message).toBe('no active session');
    expect(eventsNamed(driver, 'exec_resources_released').map((e) => e.detail)).toEqual(['budget_check_failed: no active session']);
    expect(storage.activeHoldCount()).toBe(0);
    expect(driver.orchestrator.registry.sender('r1')!.state()).toBe('disconnected');
    expect(eventsNamed(driver, 'session_invalidated')).toEqual([{ sessionID: 1, detail: 'epoch_bump_to_2' }]);
  });

  it('TestP3_E2_EpochBump_AfterExecutorProgress: manual steps, stale progress rejected, Cancel releases', () => {
    const { driver, storage, plan } = setupCatchUp(50);
    const s = driver.orchestrator.registry.sender('r1')!;
    expect(s.beginCatchUp(plan.sessionID, 0)).toBeNull();
    expect(s.recordCatchUpProgress(plan.sessionID, 60, 1)).toBeNull();
    driver.orchestrator.invalidateEpoch(2);
    driver.orchestrator.updateSenderEpoch('r1', 2);
    expect(s.recordCatchUpProgress(plan.sessionID, 80, 3)).not.toBeNull();
    new CatchUpExecutor(driver, plan).cancel('epoch_bump_after_progress');
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventNames(driver)).toEqual(expect.arrayContaining(['session_invalidated', 'exec_resources_released']));
  });

  it('TestP2_CancelDuringExecution_ReleasesAll: cancel between generator steps, then the next step fails closed', () => {
    const { driver, storage, plan } = setupCatchUp(70);
    const exec = new CatchUpExecutor(driver, plan);
    const gen = exec.steps([80, 90, 100], 0);
    gen.next(); // before beginCatchUp
    gen.next(); // before checkSession[0]
    exec.cancel('operator');
    driver.cancelPlan(plan, 'operator');
    let r = gen.next();
    while (r.done !== true) r = gen.next();
    expect(r.value?.message).toBe('session invalidated during catch-up step 0');
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventsNamed(driver, 'exec_resources_released').map((e) => e.detail)).toEqual(['cancelled: operator']);
  });

  it('a sender removed before execute releases with sender_not_found', () => {
    const { driver, storage, plan } = setupCatchUp(70);
    driver.orchestrator.processAssignment({ replicas: [], epoch: 1 });
    expect(new CatchUpExecutor(driver, plan).execute([100], 0)?.message).toBe('sender "r1" not found');
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventsNamed(driver, 'exec_resources_released').map((e) => e.detail)).toEqual(['sender_not_found']);
  });

  it('an executor runs once: a second execute fails without side effects', () => {
    const { driver, plan } = setupCatchUp(70);
    const exec = new CatchUpExecutor(driver, plan);
    expect(exec.execute([100], 0)).toBeNull();
    const n = driver.orchestrator.log.length();
    expect(exec.execute([100], 0)?.code).toBe('executor_already_started');
    expect(driver.orchestrator.log.length()).toBe(n);
  });
});

describe('CatchUpExecutor IO mode', () => {
  it('streams (R, C] once, records progress at startTick+1, completes', () => {
    const { driver, storage, plan } = setupCatchUp(70);
    const exec = new CatchUpExecutor(driver, plan);
    const io = catchUpIO({ value: 100, err: null });
    exec.io = io;
    expect(exec.execute([], 7)).toBeNull();
    expect(io.calls).toEqual(['stream(70,100]']);
    expect(eventsNamed(driver, 'exec_catchup_started')[0]?.detail).toBe('target=100 tick=7 io=true');
    expect(storage.activeHoldCount()).toBe(0);
  });

  it('short stream: completion rejected, sender left catching_up with its session (spec note)', () => {
    const { driver, plan } = setupCatchUp(70);
    const exec = new CatchUpExecutor(driver, plan);
    exec.io = catchUpIO({ value: 90, err: null });
    expect(exec.execute([], 0)?.message).toBe('completion rejected');
    const s = driver.orchestrator.registry.sender('r1')!;
    expect([s.state(), s.hasActiveSession(), s.sessionSnapshot()?.recoveredTo]).toEqual(['catching_up', true, 90]);
  });

  it('stream error releases with io_stream_failed; nothing streamed is a regression (progress_after_io)', () => {
    const a = setupCatchUp(70);
    const ea = new CatchUpExecutor(a.driver, a.plan);
    ea.io = catchUpIO({ err: new EngineError('net', 'connection reset') });
    expect(ea.execute([], 0)?.message).toBe('connection reset');
    expect(eventsNamed(a.driver, 'exec_resources_released')[0]?.detail).toBe('io_stream_failed: connection reset');
    const b = setupCatchUp(70);
    const eb = new CatchUpExecutor(b.driver, b.plan);
    eb.io = catchUpIO({ value: 70, err: null });
    expect(eb.execute([], 0)).not.toBeNull();
    expect(eventsNamed(b.driver, 'exec_resources_released')[0]?.detail).toBe('progress_after_io: progress regression: 70 <= 70');
  });

  it('replica ahead: truncation-only plan truncates through IO, logs exec_truncation io=true', () => {
    const { driver, storage } = newDriver({ headLSN: 100, committedLSN: 100 });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan } = driver.planRecovery('r1', 105);
    const exec = new CatchUpExecutor(driver, plan!);
    const io = catchUpIO({ value: 0, err: null });
    exec.io = io;
    expect(exec.execute([], 0)).toBeNull();
    expect(io.calls).toEqual(['truncate 100']);
    expect(eventsNamed(driver, 'exec_truncation')).toEqual([{ sessionID: 1, detail: 'truncated_to=100 io=true' }]);
    expect(driver.orchestrator.registry.sender('r1')!.state()).toBe('in_sync');
    expect(storage.activeHoldCount()).toBe(0);
  });

  it('unsafe truncation escalates to needs_rebuild: release reason, then truncation_escalated', () => {
    const { driver } = newDriver({ headLSN: 100, committedLSN: 100 });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan } = driver.planRecovery('r1', 105);
    const exec = new CatchUpExecutor(driver, plan!);
    const unsafe = new EngineError('truncate_failed', `truncate to 100: ${errTruncationUnsafe().message}`, errTruncationUnsafe());
    exec.io = catchUpIO({ value: 0, err: null }, { err: unsafe });
    // executor.go: `fmt.Errorf("truncation escalated to rebuild: %w", err)`: a wrapper of its own
    // code, errors.Is(ErrTruncationUnsafe) still true; the release and log details keep the bare cause.
    const err = exec.execute([], 0);
    expect(err?.message).toBe(`truncation escalated to rebuild: ${unsafe.message}`);
    expect(err?.code).toBe('truncation_escalated');
    expect(err?.wrapped).toBe(unsafe);
    expect(err?.is('truncation_unsafe')).toBe(true);
    const s = driver.orchestrator.registry.sender('r1')!;
    expect([s.state(), s.sessionSnapshot()]).toEqual(['needs_rebuild', null]);
    expect(driver.orchestrator.log.eventsFor('r1').slice(-2).map((e) => `${e.event}|${e.detail}`)).toEqual([
      `exec_resources_released|truncation_escalated_to_rebuild: ${unsafe.message}`,
      `truncation_escalated|truncate_to=100 err=${unsafe.message}`,
    ]);
  });

  it('other truncation IO errors release with truncation_io_failed and leave the session', () => {
    const { driver } = newDriver({ headLSN: 100, committedLSN: 100 });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan } = driver.planRecovery('r1', 105);
    const exec = new CatchUpExecutor(driver, plan!);
    exec.io = catchUpIO({ err: null }, { err: new EngineError('io', 'disk gone') });
    expect(exec.execute([], 0)?.message).toBe('disk gone');
    expect(eventsNamed(driver, 'exec_resources_released')[0]?.detail).toBe('truncation_io_failed: disk gone');
    expect(driver.orchestrator.registry.sender('r1')!.hasActiveSession()).toBe(true);
  });

  it('generator protocol: io yields carry the call and are resumed with its result; test mode yields no io', () => {
    const { driver, plan } = setupCatchUp(70);
    const exec = new CatchUpExecutor(driver, plan);
    const gen = exec.steps([], 0, true);
    const ys: ExecutorYield[] = [];
    let r = gen.next();
    while (r.done !== true) {
      ys.push(r.value);
      r = gen.next(r.value.kind === 'io' ? { value: 100, err: null } : undefined);
    }
    expect(r.value).toBeNull();
    expect(ys).toEqual([
      { kind: 'step', index: 0, label: 'beginCatchUp' },
      { kind: 'io', call: { op: 'streamWALEntries', startExclusive: 70, endInclusive: 100 } },
      { kind: 'step', index: 1, label: 'recordCatchUpProgress' },
      { kind: 'step', index: 2, label: 'completeSessionByID' },
    ]);
    const t = setupCatchUp(70);
    const labels: string[] = [];
    for (const y of new CatchUpExecutor(t.driver, t.plan).steps([100], 0)) {
      expect(y.kind).toBe('step');
      if (y.kind === 'step') labels.push(y.label);
    }
    expect(labels).toEqual(['beginCatchUp', 'checkSession[0]', 'recordCatchUpProgress[0]', 'checkBudget[0]', 'completeSessionByID']);
  });
});

describe('RebuildExecutor', () => {
  it('TestExecutor_E2_PartialRebuild_TransferFailure_ReleasesAll: epoch bump before execute, all pins released', () => {
    const { driver, storage, plan } = setupRebuild();
    expect(plan.rebuildSource).toBe('snapshot_tail');
    expect(storage.activeHoldCount()).toBe(2);
    driver.orchestrator.registry.sender('r1')!.updateEpoch(2);
    expect(new RebuildExecutor(driver, plan).execute()?.message).toBe('no active session');
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventsNamed(driver, 'exec_resources_released').map((e) => e.detail)).toEqual(['connect_failed: no active session']);
  });

  it('TestExecutor_E3_RebuildCancel_ReleasesAll', () => {
    const { driver, storage, plan } = setupRebuild();
    new RebuildExecutor(driver, plan).cancel('epoch_bump');
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventsNamed(driver, 'exec_resources_released').map((e) => e.detail)).toEqual(['cancelled: epoch_bump']);
  });

  it('TestExecutor_E4_SuccessfulRebuild_ReleasesAll / E5: snapshot_tail to in_sync with exact details', () => {
    const { driver, storage, plan } = setupRebuild();
    expect(new RebuildExecutor(driver, plan).execute()).toBeNull();
    expect(storage.activeHoldCount()).toBe(0);
    expect(driver.orchestrator.registry.sender('r1')!.state()).toBe('in_sync');
    expect(eventsNamed(driver, 'exec_rebuild_started')).toEqual([{ sessionID: 2, detail: 'source=snapshot_tail target=100 io=false' }]);
    expect(eventNames(driver).at(-1)).toBe('exec_rebuild_completed');
  });

  it('TestP3_E3_CrossLayer_TrustedBaseUnreplayableTail: full_base plan executes plan-bound, causal reason logged', () => {
    const { driver, storage } = newDriver({ headLSN: 100, tailLSN: 80, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true });
    driver.orchestrator.processAssignment(intent('catchup'));
    driver.planRecovery('r1', 10);
    driver.orchestrator.processAssignment(intent('rebuild'));
    const { plan } = driver.planRebuild('r1');
    expect([plan?.rebuildSource, plan?.snapshotPin, plan?.fullBasePin?.valid]).toEqual(['full_base', null, true]);
    expect(new RebuildExecutor(driver, plan!).execute()).toBeNull();
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventsNamed(driver, 'plan_rebuild_full_base')[0]?.detail).toContain('trusted_checkpoint_unreplayable_tail');
  });

  it('TestP3_E4_UntrustedCheckpoint_FullBase_Success', () => {
    const { driver, storage } = newDriver({ headLSN: 100, tailLSN: 30, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: false });
    driver.orchestrator.processAssignment(intent('rebuild'));
    const { plan } = driver.planRebuild('r1');
    expect(plan?.rebuildSource).toBe('full_base');
    expect(new RebuildExecutor(driver, plan!).execute()).toBeNull();
    expect(driver.orchestrator.registry.sender('r1')!.state()).toBe('in_sync');
    expect(storage.activeHoldCount()).toBe(0);
  });

  it('IO mode snapshot_tail: transfer snapshot, then stream (snap, target]; full_base records the achieved LSN', () => {
    const { driver, plan } = setupRebuild();
    const exec = new RebuildExecutor(driver, plan);
    const calls: string[] = [];
    const io: RebuildIO = {
      transferFullBase: (c) => (calls.push(`base ${c}`), { value: c, err: null }),
      transferSnapshot: (l) => (calls.push(`snap ${l}`), { err: null }),
      streamWALEntries: (a, b) => (calls.push(`stream(${a},${b}]`), { value: b, err: null }),
    };
    exec.io = io;
    expect(exec.execute()).toBeNull();
    expect(calls).toEqual(['snap 50', 'stream(50,100]']);
    const fb = newDriver({ headLSN: 100, tailLSN: 60, committedLSN: 100 });
    fb.driver.orchestrator.processAssignment(intent('rebuild'));
    const fbExec = new RebuildExecutor(fb.driver, fb.driver.planRebuild('r1').plan!);
    fbExec.io = { ...io, transferFullBase: () => ({ value: 120, err: null }) };
    const gen = fbExec.steps();
    let r = gen.next();
    let snapshotAtComplete: number | undefined;
    while (r.done !== true) {
      if (r.value.kind === 'step' && r.value.label === 'completeRebuild') {
        snapshotAtComplete = fb.driver.orchestrator.registry.sender('r1')!.canonical().session?.rebuild?.transferredTo;
      }
      r = gen.next(r.value.kind === 'io' ? { value: 120, err: null } : undefined);
    }
    expect(r.value).toBeNull();
    expect(snapshotAtComplete).toBe(120);
  });

  it('IO errors release with io_snapshot_transfer_failed / io_full_base_failed', () => {
    const { driver, storage, plan } = setupRebuild();
    const exec = new RebuildExecutor(driver, plan);
    const boom: IOResult = { err: new EngineError('io', 'SNAPSHOT_BOUNDARY_MISMATCH') };
    exec.io = { transferFullBase: () => boom, transferSnapshot: () => boom, streamWALEntries: () => boom };
    expect(exec.execute()?.message).toBe('SNAPSHOT_BOUNDARY_MISMATCH');
    expect(eventsNamed(driver, 'exec_resources_released')[0]?.detail).toBe('io_snapshot_transfer_failed: SNAPSHOT_BOUNDARY_MISMATCH');
    expect(storage.activeHoldCount()).toBe(0);
  });

  it('TestExecutor_PlanExecuteConsistency_RebuildCannotSwitchSource (B11 off): storage drift after planning is ignored', () => {
    const { driver, storage, plan } = setupRebuild();
    storage.updateState({ walHeadLSN: 150, walTailLSN: 80, committedLSN: 150, checkpointLSN: 50, checkpointTrusted: true });
    expect(new RebuildExecutor(driver, plan).execute()).toBeNull();
    expect(eventsNamed(driver, 'exec_rebuild_started')[0]?.detail).toBe('source=snapshot_tail target=100 io=false');
    expect(storage.activeHoldCount()).toBe(0);
  });

  it('B11 on: the executor re-derives policy and runs full_base to a new target while holding snapshot pins', () => {
    const { driver, storage, plan } = setupRebuild({ B11: true });
    storage.updateState({ walHeadLSN: 150, walTailLSN: 80, committedLSN: 150, checkpointLSN: 50, checkpointTrusted: true });
    const exec = new RebuildExecutor(driver, plan);
    let holdsDuringTransfer = -1;
    const gen = exec.steps();
    for (let r = gen.next(); r.done !== true; r = gen.next()) {
      if (r.value.kind === 'step' && r.value.label === 'recordRebuildTransferProgress') holdsDuringTransfer = storage.activeHoldCountOf('snapshot');
    }
    expect(eventsNamed(driver, 'exec_rebuild_started')[0]?.detail).toBe('source=full_base target=150 io=false');
    expect(holdsDuringTransfer).toBe(1);
  });
});
