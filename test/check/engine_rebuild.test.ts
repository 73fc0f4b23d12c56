// Teeth for the rebuild invariants I18-I22 (spec §12.3): silent on correct rebuild runs (both
// sources, executors stepped one yield at a time), firing on the known-bug switches B12b, B12d,
// B27, B11 and on test-only mutations of the rebuild state machine.
import { describe, expect, it } from 'vitest';
import { EngineRun, assignment, liveSession, perfectIO } from './engine_harness.ts';
import type { StorageInit } from './engine_harness.ts';
import type { EngineBugSwitches } from '../../src/engine/context.ts';
import type { RecoveryPlan } from '../../src/engine/plan.ts';

const SNAPSHOT_STORAGE: StorageInit = { head: 100, tail: 30, committed: 100, checkpoint: 50, trusted: true };
const FULL_BASE_STORAGE: StorageInit = { head: 100, tail: 30, committed: 100 };

/** A rebuild assignment and its plan on the given storage. */
function rebuildPlan(storage: StorageInit, bugs: EngineBugSwitches = {}): { run: EngineRun; plan: RecoveryPlan } {
  const run = new EngineRun(storage, bugs);
  run.assign(assignment('rebuild'));
  const plan = run.planRebuild();
  if (plan === null) throw new Error('planRebuild failed');
  return { run, plan };
}

describe('rebuild runs the checker accepts', () => {
  for (const [name, storage] of [['snapshot_tail', SNAPSHOT_STORAGE], ['full_base', FULL_BASE_STORAGE]] as const) {
    for (const mode of ['test mode', 'IO mode'] as const) {
      it(`${name}, ${mode}: raises nothing`, () => {
        const { run, plan } = rebuildPlan(storage);
        expect(plan.rebuildSource).toBe(name);
        expect(run.runRebuild(plan, mode === 'IO mode' ? { io: perfectIO } : {})).toBeNull();
        run.quiesce();
        expect(run.failures).toEqual([]);
        expect(run.sender().state()).toBe('in_sync');
      });
    }
  }
});

/** Direct sender steps a buggy simulator glue could make on a rebuild session. */
function rebuildViaCatchUpAPIs(run: EngineRun): void {
  run.assign(assignment('rebuild'));
  const s = run.sender();
  const id = s.sessionID();
  run.step(() => s.beginConnect(id));
  run.step(() => s.recordHandshake(id, 0, 100));
  run.step(() => s.beginCatchUp(id, 1));
  run.step(() => s.recordCatchUpProgress(id, 100, 2));
  run.step(() => s.completeSessionByID(id));
}

describe('I18 rebuild exclusivity', () => {
  it('holds on a correct run: the catch-up APIs refuse a rebuild session', () => {
    const run = new EngineRun();
    rebuildViaCatchUpAPIs(run);
    expect(run.failures).toEqual([]);
    expect(run.sender().state()).toBe('connecting');
  });

  it('fires with B12b (rebuild sessions driven and completed through the catch-up APIs)', () => {
    const run = new EngineRun({}, { B12b: true });
    rebuildViaCatchUpAPIs(run);
    expect(run.fired()).toContain('I18');
    expect(run.firstOf('I18')?.message).toMatch(/rebuild session completed with rebuild phase init/);
    expect(run.sender().state()).toBe('in_sync');
  });
});

describe('I19 rebuild FSM', () => {
  it('holds on a correct run: source selection before the handshake is refused', () => {
    const run = new EngineRun();
    run.assign(assignment('rebuild'));
    const s = run.sender();
    expect(run.step(() => s.selectRebuildSource(s.sessionID(), 50, true, 100))?.code).toBe('requires_phase_handshake');
    expect(run.failures).toEqual([]);
  });

  it('fires with B12d (rebuild source selected without a handshake)', () => {
    const run = new EngineRun({}, { B12d: true });
    run.assign(assignment('rebuild'));
    const s = run.sender();
    expect(run.step(() => s.selectRebuildSource(s.sessionID(), 50, true, 100))).toBeNull();
    expect(run.fired()).toEqual(['I19']);
    expect(run.firstOf('I19')?.message).toMatch(/rebuild in phase source_select while the session is in init/);
  });

  it('fires when tail replay may start before the base reached the snapshot (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('rebuild'));
    const s = run.sender();
    const id = s.sessionID();
    run.step(() => s.beginConnect(id));
    run.step(() => s.recordHandshake(id, 0, 100));
    run.step(() => s.selectRebuildSource(id, 50, true, 100));
    run.step(() => s.beginRebuildTransfer(id));
    run.step(() => s.recordRebuildTransferProgress(id, 20));
    const rb = liveSession(s).rebuild!;
    rb.beginTailReplay = () => {
      (rb as unknown as { _phase: string })._phase = 'tail_replay'; // bug: no transfer gate
      return null;
    };
    run.step(() => s.beginRebuildTailReplay(id));
    expect(run.fired()).toEqual(['I19']);
    expect(run.firstOf('I19')?.message).toMatch(/tail replay started with base at 20 < snapshot 50/);
  });
});

describe('I20 rebuild completion gate', () => {
  /** full_base whose transfer falls short of the target (an IO that returns less than asked). */
  const shortTransfer = (c: Parameters<typeof perfectIO>[0]) => (c.op === 'transferFullBase' ? { value: 80, err: null } : perfectIO(c));

  it('holds on a correct run: a short full-base transfer cannot complete', () => {
    const { run, plan } = rebuildPlan(FULL_BASE_STORAGE);
    expect(run.runRebuild(plan, { io: shortTransfer })?.code).toBe('rebuild_not_ready');
    run.quiesce();
    expect(run.failures).toEqual([]);
  });

  it('fires when RebuildState.readyToComplete always answers true (planted)', () => {
    const { run, plan } = rebuildPlan(FULL_BASE_STORAGE);
    liveSession(run.sender()).rebuild!.readyToComplete = (): boolean => true; // bug
    expect(run.runRebuild(plan, { io: shortTransfer })).toBeNull();
    expect(run.fired()).toEqual(['I20']);
    expect(run.firstOf('I20')?.message).toMatch(/not ready \(source full_base, phase transfer, transferred 80, tail 0, target 100\)/);
  });
});

describe('I21 trusted-base choice is justified', () => {
  const committedZero: StorageInit = { head: 100, tail: 0, committed: 0, checkpoint: 50, trusted: true };

  it('holds on a correct run: committed 0 forces full_base, targeting HeadLSN (a79cba0be), pinned at committed 0', () => {
    const { run, plan } = rebuildPlan(committedZero);
    expect([plan.rebuildSource, plan.rebuildTargetLSN, plan.fullBasePin?.committedLSN]).toEqual(['full_base', 100, 0]);
    expect(run.failures).toEqual([]);
    expect(run.runRebuild(plan)).toBeNull();
    run.quiesce();
    expect(run.failures).toEqual([]);
  });

  it('fires with B27 (snapshot_tail chosen with CommittedLSN == 0)', () => {
    const { run, plan } = rebuildPlan(committedZero, { B27: true });
    expect(plan.rebuildSource).toBe('snapshot_tail');
    expect(run.fired()).toEqual(['I21']);
    expect(run.firstOf('I21')?.message).toMatch(/snapshot_tail at 50 chosen from checkpoint=50 trusted=true tail=0 committed=0/);
  });
});

describe('I22 plan binding', () => {
  it('holds on a correct run: the executor keeps the planned snapshot_tail after storage moved', () => {
    const { run, plan } = rebuildPlan(SNAPSHOT_STORAGE);
    run.setStorage({ tail: 60, committed: 100, head: 120 });
    expect(run.runRebuild(plan)).toBeNull();
    run.quiesce();
    expect(run.failures).toEqual([]);
  });

  it('fires with B11 (executor re-derives source and target from current storage)', () => {
    const { run, plan } = rebuildPlan(SNAPSHOT_STORAGE, { B11: true });
    run.setStorage({ tail: 60 });
    run.runRebuild(plan);
    expect(run.fired()).toEqual(['I22']);
    expect(run.firstOf('I22')?.message).toMatch(/selected \(full_base, snapshot 0, target 100\) differs from the plan \(snapshot_tail, snapshot 50, target 100\)/);
  });
});
