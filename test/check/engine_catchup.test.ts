// Teeth for the catch-up invariants I10-I17 (spec §12.2): silent on correct runs, firing on a
// planted bug (known-bug switches B12a, B12c, or test-only mutations), and I17 reported as a
// candidate finding when storage claims CommittedLSN > HeadLSN.
import { describe, expect, it } from 'vitest';
import { EngineRun, assignment, internals, liveSession, perfectIO } from './engine_harness.ts';
import { checkBudget } from '../../src/engine/budget.ts';
import { EngineError, errTruncationUnsafe } from '../../src/engine/errors.ts';
import { withBudget } from '../../src/engine/session.ts';
import { SessionKind } from '../../src/engine/types.ts';
import type { CatchUpBudget, HandshakeResult } from '../../src/engine/types.ts';

function budgeted(run: EngineRun, b: Partial<CatchUpBudget>): void {
  run.assign(assignment(null));
  const budget: CatchUpBudget = { maxDurationTicks: 0, maxEntries: 0, progressDeadlineTicks: 0, ...b };
  run.step(() => run.sender().supersedeSession(SessionKind.CatchUp, 'budgeted', withBudget(budget)));
}

describe('I10 zero gap is exact', () => {
  it('holds on correct runs: zero gap, catch-up and needs-rebuild plans', () => {
    for (const r of [100, 50, 10]) {
      const run = new EngineRun();
      run.assign(assignment('catchup'));
      const plan = run.planRecovery(r);
      expect(plan?.outcome).toBe(r === 100 ? 'zero_gap' : r === 50 ? 'catchup' : 'needs_rebuild');
      expect(run.failures).toEqual([]);
    }
  });

  it('holds for a direct ExecuteRecovery result', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    run.step(() => {
      const result = run.driver.orchestrator.executeRecovery('r1', 100, run.storage.getRetainedHistory());
      run.checker.recoveryExecuted({ replicaID: 'r1', result });
    });
    expect(run.failures).toEqual([]);
  });

  it('fires when the classifier treats a one-LSN gap as zero gap (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const s = run.sender();
    const classify = s.recordHandshakeWithOutcome.bind(s);
    s.recordHandshakeWithOutcome = (id: number, hr: HandshakeResult) =>
      classify(id, hr.committedLSN - hr.replicaFlushedLSN === 1 ? { ...hr, committedLSN: hr.replicaFlushedLSN } : hr); // bug
    const plan = run.planRecovery(99);
    expect(plan?.outcome).toBe('zero_gap');
    expect(run.fired()).toEqual(['I10']);
    expect(run.firstOf('I10')?.message).toMatch(/outcome zero_gap with R=99, C=100/);
  });
});

describe('I11 frozen, bounded catch-up', () => {
  it('holds on a correct run: progress beyond the frozen target is rejected', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(50)!;
    expect(run.runCatchUp(plan, { progress: [120] })?.code).toBe('progress_exceeds_frozen_target');
    run.quiesce();
    expect(run.failures).toEqual([]);
  });

  it('fires with B12a (frozen target enforced only with a budget)', () => {
    const run = new EngineRun({}, { B12a: true });
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(50)!;
    run.runCatchUp(plan, { progress: [120] });
    expect(run.fired()).toContain('I11');
    expect(run.firstOf('I11')?.message).toMatch(/recoveredTo 120 beyond frozen target 100/);
  });
});

describe('I12 monotone progress and exact entry accounting', () => {
  it('holds on a correct run from a non-zero start', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(70)!;
    expect(run.runCatchUp(plan, { progress: [80, 90, 100], startTick: 1 })).toBeNull();
    expect(run.failures).toEqual([]);
  });

  it('fires when setRange counts from zero instead of the start (planted, pre-368a956ae)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const sess = liveSession(run.sender());
    sess.setRange = (start: number, target: number): void => {
      const f = sess as unknown as { _startLSN: number; _targetLSN: number };
      f._startLSN = start; // bug: recoveredTo is not reset to start
      f._targetLSN = target;
    };
    run.planRecovery(70);
    expect(run.fired()).toContain('I12');
    expect(run.firstOf('I12')?.message).toMatch(/EntriesReplayed 0 != recoveredTo 0 - start 70/);
  });
});

describe('I13 completion only at convergence', () => {
  it('holds on a correct run: completion short of the target is rejected', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(50)!;
    expect(run.runCatchUp(plan, { progress: [60] })?.code).toBe('completion_rejected');
    expect(run.failures).toEqual([]);
    expect(run.sender().state()).toBe('catching_up');
  });

  it('fires when Session.converged() always answers true (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(50)!;
    liveSession(run.sender()).converged = (): boolean => true; // bug
    expect(run.runCatchUp(plan, { progress: [60] })).toBeNull();
    expect(run.fired()).toEqual(['I13']);
    expect(run.firstOf('I13')?.message).toMatch(/recoveredTo 60, target 100/);
  });
});

describe('I14 truncation contract', () => {
  it('holds on a correct run: replica ahead truncated through IO', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(120)!;
    expect(plan.truncateLSN).toBe(100);
    expect(run.runCatchUp(plan, { io: perfectIO })).toBeNull();
    run.quiesce();
    expect(run.failures).toEqual([]);
    expect(run.sender().state()).toBe('in_sync');
  });

  it('holds on a correct run: unsafe truncation escalates to needs_rebuild', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(120)!;
    const io = (c: Parameters<typeof perfectIO>[0]) => (c.op === 'truncateWAL' ? { err: errTruncationUnsafe() } : perfectIO(c));
    const err = run.runCatchUp(plan, { io });
    expect([err?.code, err?.is('truncation_unsafe')]).toEqual(['truncation_escalated', true]);
    expect(run.failures).toEqual([]);
    expect(run.sender().state()).toBe('needs_rebuild');
  });

  it('fires when RecordTruncation skips its "not required" check (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(50)!;
    const s = run.sender();
    s.recordTruncation = (): EngineError | null => {
      internals(s)._session?.markTruncationRecorded(); // bug
      return null;
    };
    run.step(() => s.recordTruncation(plan.sessionID, 50));
    expect(run.fired()).toEqual(['I14']);
    expect(run.firstOf('I14')?.message).toMatch(/recorded although none was required/);
  });

  it('fires when the executor proceeds after a failed TruncateWAL (planted glue bug)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(120)!;
    const io = (c: Parameters<typeof perfectIO>[0]) => (c.op === 'truncateWAL' ? { err: new EngineError('io', 'disk gone') } : perfectIO(c));
    run.runCatchUp(plan, { io, resumeWith: () => ({ err: null }) }); // bug: the failure is swallowed
    expect(run.fired()).toEqual(['I14']);
    expect(run.firstOf('I14')?.message).toMatch(/exec_truncation .* without a successful TruncateWAL/);
  });
});

describe('I15 budget escalation is total', () => {
  it('holds on a correct run: an entries budget escalates to needs_rebuild', () => {
    const run = new EngineRun();
    budgeted(run, { maxEntries: 10 });
    const plan = run.planRecovery(50)!;
    expect(run.runCatchUp(plan, { progress: [60, 100], startTick: 1 })?.code).toBe('budget_violation');
    run.quiesce();
    expect(run.failures).toEqual([]);
    expect(run.sender().state()).toBe('needs_rebuild');
  });

  it('fires when CheckBudget reports a violation without escalating (planted)', () => {
    const run = new EngineRun();
    budgeted(run, { maxEntries: 10 });
    const plan = run.planRecovery(50)!;
    const s = run.sender();
    s.checkBudget = (_id: number, tick: number) => {
      const sess = liveSession(s);
      return { violation: checkBudget(sess.budget!, sess.tracker, tick), err: null }; // bug: no invalidation
    };
    run.runCatchUp(plan, { progress: [60, 100], startTick: 1 });
    expect(run.fired()).toEqual(['I15']);
    expect(run.firstOf('I15')?.message).toMatch(/budget violated \(entries_exceeded\) but the session is still active/);
  });

  it('holds on a correct run: progress without a tick under a stall deadline is rejected', () => {
    const run = new EngineRun();
    budgeted(run, { progressDeadlineTicks: 5 });
    const plan = run.planRecovery(50)!;
    const s = run.sender();
    run.step(() => s.beginCatchUp(plan.sessionID, 10));
    expect(run.step(() => s.recordCatchUpProgress(plan.sessionID, 60))?.code).toBe('tick_required');
    expect(run.failures).toEqual([]);
  });

  it('fires with B12c (omitting the tick silently disables stall detection)', () => {
    const run = new EngineRun({}, { B12c: true });
    budgeted(run, { progressDeadlineTicks: 5 });
    const plan = run.planRecovery(50)!;
    const s = run.sender();
    run.step(() => s.beginCatchUp(plan.sessionID, 10));
    expect(run.step(() => s.recordCatchUpProgress(plan.sessionID, 60))).toBeNull();
    expect(run.fired()).toEqual(['I15']);
    expect(run.firstOf('I15')?.message).toMatch(/accepted without a tick under a stall deadline of 5/);
  });
});

describe('I16 recoverability soundness against the ground-truth WAL', () => {
  it('holds on a correct run: every replayed LSN is in the WAL while pinned', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(50)!;
    expect(run.runCatchUp(plan, { io: perfectIO })).toBeNull();
    expect(run.failures).toEqual([]);
  });

  it('fires when the retained range has a hole the engine cannot see (planted: burned LSN 70)', () => {
    const run = new EngineRun();
    run.holes.add(70);
    run.assign(assignment('catchup'));
    run.planRecovery(50);
    expect(run.fired()).toEqual(['I16']);
    expect(run.firstOf('I16')?.message).toMatch(/LSN 70 is not in the primary WAL/);
  });

  it('fires when storage recycles under a held WAL pin (planted: retention floor ignored)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(50)!;
    run.setStorage({ tail: 80 });
    run.runCatchUp(plan, { io: perfectIO });
    expect(run.fired()).toEqual(['I16']);
    expect(run.firstOf('I16')?.message).toMatch(/streamed \(50, 100\] under WAL pin 1 but LSN 51 is gone/);
  });
});

describe('I17 classification agrees with proof (candidate)', () => {
  it('holds on a correct run where CommittedLSN <= HeadLSN', () => {
    const run = new EngineRun({ head: 120, committed: 120 });
    run.assign(assignment('catchup'));
    run.planRecovery(50);
    expect(run.failures).toEqual([]);
  });

  it('is reported as a candidate with the default engine when storage reports CommittedLSN > HeadLSN', () => {
    const run = new EngineRun({ head: 100, committed: 120 });
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(50);
    expect(plan?.outcome).toBe('catchup');
    const f = run.firstOf('I17');
    expect(f?.candidate).toBe(true);
    expect(f?.message).toMatch(/proof not recoverable \(R=50 C=120 tail=30 head=100/);
    // Ground truth agrees: LSNs 101..120 are not in the WAL at all.
    expect(run.fired()).toEqual(['I17', 'I16']);
  });

  it('is promoted to a real failure with strictCandidates', () => {
    const run = new EngineRun({ head: 100, committed: 120 }, {}, { strictCandidates: true });
    run.assign(assignment('catchup'));
    run.planRecovery(50);
    expect(run.firstOf('I17')?.candidate).toBe(false);
  });
});
