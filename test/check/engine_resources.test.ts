// Teeth for the resource and logging invariants I23-I27 (spec §12.4): pin symmetry, the pin
// inventory per plan, no dangling session after a pin failure, the causal log, and the H4
// candidate (CancelPlan with session 0), which the default engine violates.
import { describe, expect, it } from 'vitest';
import { EngineRun, assignment, perfectIO } from './engine_harness.ts';
import type { CatchUpExecutor } from '../../src/engine/catchup_executor.ts';
import type { RebuildExecutor } from '../../src/engine/rebuild_executor.ts';

/** Catch-up from 50 whose session is superseded by a re-delivered assignment mid-execution. */
function supersededMidCatchUp(run: EngineRun, mutate?: (e: CatchUpExecutor | RebuildExecutor) => void): void {
  run.assign(assignment('catchup'));
  const plan = run.planRecovery(50)!;
  const err = run.runCatchUp(plan, {
    progress: [60, 100],
    startTick: 1,
    before: (label) => {
      if (label === 'checkSession[1]') run.assign(assignment('catchup'));
    },
    ...(mutate === undefined ? {} : { mutate }),
  });
  expect(err?.code).toBe('session_invalidated');
}

describe('I23 pin symmetry', () => {
  it('holds on a correct run: an executor failing mid-way releases its pin; zero holds at quiescence', () => {
    const run = new EngineRun();
    supersededMidCatchUp(run);
    run.quiesce();
    expect(run.failures).toEqual([]);
    expect(run.storage.activeHoldCount()).toBe(0);
  });

  it('fires when the executor skips its release on failure (planted)', () => {
    const run = new EngineRun();
    supersededMidCatchUp(run, (exec) => {
      (exec as unknown as { release: (reason: string) => void }).release = (): void => {}; // bug
    });
    expect(run.fired()).toEqual(['I23']);
    expect(run.firstOf('I23')?.message).toMatch(/executor returned \(session_invalidated\) still holding wal@50/);
  });

  it('fires when a failed PlanRebuild leaks its snapshot pin (planted)', () => {
    const run = new EngineRun({ checkpoint: 50, trusted: true });
    run.assign(assignment('rebuild'));
    run.storage.setPinRefusals({ walPin: true });
    run.storage.releaseSnapshot = (): void => {}; // bug: the snapshot pin is never handed back
    expect(run.planRebuild()).toBeNull();
    expect(run.fired()).toEqual(['I23']);
    expect(run.firstOf('I23')?.message).toMatch(/rebuild plan failed \(wal_pin_failed\) and left 1 pin\(s\) held/);
  });

  it('fires at quiescence when a plan was abandoned without cancel (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    run.planRecovery(50); // bug: neither executed nor cancelled
    run.quiesce();
    expect(run.fired()).toEqual(['I23']);
    expect(run.failures.map((f) => f.message)).toContain('quiescent but the storage still has 1 active hold(s)');
  });
});

describe('I24 no pin without replay need', () => {
  it('holds on correct runs: zero gap, truncation-only, catch-up, snapshot_tail and full_base', () => {
    const run = new EngineRun({ checkpoint: 50, trusted: true });
    run.assign(assignment('catchup', 1, 'r1:9333', ['r1', 'r2', 'r3']));
    expect(run.planRecovery(100, 'r1')?.retentionPin).toBeNull();
    const trunc = run.planRecovery(120, 'r2')!;
    expect(trunc.retentionPin).toBeNull();
    const catchUp = run.planRecovery(50, 'r3')!;
    expect(catchUp.retentionPin?.startLSN).toBe(50);
    run.cancelPlan(catchUp, 'done');
    run.cancelPlan(trunc, 'done');
    run.assign(assignment('rebuild', 1, 'r1:9333', ['r1', 'r2', 'r3']));
    run.planRebuild('r1');
    run.setStorage({ trusted: false });
    run.planRebuild('r2');
    expect(run.failures).toEqual([]);
  });

  it('fires with B8 (truncation-only plan pins the WAL)', () => {
    const run = new EngineRun({}, { B8: true });
    run.assign(assignment('catchup'));
    run.planRecovery(120);
    expect(run.fired()).toEqual(['I24']);
    expect(run.firstOf('I24')?.message).toMatch(/truncation-only plan holds pins \(wal@120\)/);
  });

  it('fires with B7 (full_base acquires no full-base pin)', () => {
    const run = new EngineRun({}, { B7: true });
    run.assign(assignment('rebuild'));
    run.planRebuild();
    expect(run.fired()).toEqual(['I24']);
    expect(run.firstOf('I24')?.message).toMatch(/full_base must hold exactly one full-base pin at 100, holds none/);
  });
});

describe('I25 no dangling session after plan failure', () => {
  it('holds on correct runs: each pin failure leaves the promised state', () => {
    const cases = [
      { kind: 'catchup' as const, refuse: { walPin: true }, state: 'disconnected' },
      { kind: 'rebuild' as const, refuse: { snapshotPin: true }, state: 'needs_rebuild' },
      { kind: 'rebuild' as const, refuse: { walPin: true }, state: 'needs_rebuild' },
    ];
    for (const c of cases) {
      const run = new EngineRun({ checkpoint: 50, trusted: true });
      run.assign(assignment(c.kind));
      run.storage.setPinRefusals(c.refuse);
      expect(c.kind === 'catchup' ? run.planRecovery(50) : run.planRebuild()).toBeNull();
      expect(run.failures).toEqual([]);
      expect(run.sender().state()).toBe(c.state);
    }
    const run = new EngineRun();
    run.assign(assignment('rebuild'));
    run.storage.setPinRefusals({ fullBasePin: true });
    expect(run.planRebuild()).toBeNull();
    expect(run.failures).toEqual([]);
  });

  it('fires with B9 (snapshot pin failure leaves the rebuild session active)', () => {
    const run = new EngineRun({ checkpoint: 50, trusted: true }, { B9: true });
    run.assign(assignment('rebuild'));
    run.storage.setPinRefusals({ snapshotPin: true });
    run.planRebuild();
    expect(run.fired()).toEqual(['I25']);
    expect(run.firstOf('I25')?.message).toMatch(/rebuild plan failed \(snapshot_pin_failed\) but the sender has session 1 \(init\)/);
  });

  it('fires with B9 (full-base pin failure leaves the rebuild session active)', () => {
    const run = new EngineRun({}, { B9: true });
    run.assign(assignment('rebuild'));
    run.storage.setPinRefusals({ fullBasePin: true });
    run.planRebuild();
    expect(run.fired()).toEqual(['I25']);
  });
});

describe('I26 causal log', () => {
  it('holds on a correct run: a re-delivered assignment supersedes without endpoint_changed', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    run.assign(assignment('catchup'));
    run.assign(assignment('catchup', 1, 'r1:7777')); // a real change is logged
    expect(run.failures).toEqual([]);
  });

  it('fires with B5 (endpoint_changed logged for an ordinary supersede)', () => {
    const run = new EngineRun({}, { B5: true });
    run.assign(assignment('catchup'));
    run.assign(assignment('catchup'));
    expect(run.fired()).toEqual(['I26']);
    expect(run.firstOf('I26')?.message).toMatch(/endpoint_changed logged but the endpoint stayed r1:9333 v1/);
  });

  it('fires when an executor releases twice (planted: release-once guard lost)', () => {
    const run = new EngineRun();
    let exec: CatchUpExecutor | RebuildExecutor | null = null;
    supersededMidCatchUp(run, (e) => {
      exec = e;
    });
    run.step(() => {
      (exec as unknown as { releasedFlag: boolean }).releasedFlag = false; // bug
      exec!.cancel('late');
    });
    expect(run.fired()).toEqual(['I26']);
    expect(run.firstOf('I26')?.message).toMatch(/exec_resources_released logged 2 times for 1 plan\(s\)/);
  });

  it('fires when ExecuteRecovery escalates without logging it (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const log = run.driver.orchestrator.log;
    const record = log.record.bind(log);
    log.record = (id, sess, event, detail): void => {
      if (event !== 'escalated') record(id, sess, event, detail); // bug: escalation not logged
    };
    run.planRecovery(10); // below the tail: needs_rebuild
    expect(run.fired()).toEqual(['I26']);
    expect(run.firstOf('I26')?.message).toMatch(/escalated disconnected -> needs_rebuild with no escalation event logged/);
  });
});

describe('I27 cancel does not demote healthy senders (candidate)', () => {
  it('holds on a correct run: cancelling a live catch-up plan', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(50)!;
    run.cancelPlan(plan, 'address_change');
    run.quiesce();
    expect(run.failures).toEqual([]);
  });

  it('is reported as a candidate with the default engine (hazard H4: CancelPlan with session 0 on in_sync)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(100)!; // zero gap: in_sync, plan session 0
    expect(run.sender().state()).toBe('in_sync');
    run.cancelPlan(plan, 'address_change');
    expect(run.fired()).toEqual(['I27']);
    const f = run.firstOf('I27')!;
    expect(f.candidate).toBe(true);
    expect(f.message).toMatch(/CancelPlan with session 0 demoted an in_sync sender to disconnected/);
  });

  it('is promoted to a real failure with strictCandidates', () => {
    const run = new EngineRun({}, {}, { strictCandidates: true });
    run.assign(assignment('catchup'));
    run.cancelPlan(run.planRecovery(100)!, 'address_change');
    expect(run.firstOf('I27')?.candidate).toBe(false);
  });
});

describe('I23/I26 with IO-mode executors', () => {
  it('a full IO catch-up and a snapshot_tail rebuild leave nothing behind', () => {
    const run = new EngineRun({ checkpoint: 50, trusted: true });
    run.assign(assignment('catchup'));
    expect(run.runCatchUp(run.planRecovery(60)!, { io: perfectIO, startTick: 7 })).toBeNull();
    run.assign(assignment('rebuild'));
    expect(run.runRebuild(run.planRebuild()!, { io: perfectIO })).toBeNull();
    run.quiesce();
    expect(run.failures).toEqual([]);
  });
});
