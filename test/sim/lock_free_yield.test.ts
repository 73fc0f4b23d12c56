// Scheduling points where upstream holds no lock (issue #14, src/sim/lock_free_yield.ts,
// docs/scheduling.md): off in every focused preset (no draw, no event); at each point another event can
// run; and a planted bug that only such an interleaving exposes is caught by the existing checks.
import { describe, expect, it } from 'vitest';
import { BridgeStorageAdapter, type BlockVolPinner } from '../../src/engine/adapter.ts';
import { EngineContext } from '../../src/engine/context.ts';
import { RecoveryDriver } from '../../src/engine/driver.ts';
import { expectMark } from '../../src/marks/index.ts';
import { checkPlanFailed, checkPlanIssued } from '../../src/check/engine_plan_checks.ts';
import type { Failure } from '../../src/check/catalog.ts';
import { loadScenario, runScenarioSeed } from '../../src/scenario/runner.ts';
import { drawFaultPlan, PROFILE_NAMES } from '../../src/sim/profile.ts';
import { drivePlan, lockFreeYield } from '../../src/sim/lock_free_yield.ts';
import type { BlockVolume } from '../../src/storage/blockvol/volume.ts';
import { intent } from '../engine/flow_helpers.ts';
import { block, mkVolume } from '../storage/helpers.ts';
import { ScriptedChooser } from './helpers.ts';

/** LSNs 1..5 written and flushed (checkpoint 5), then 6..10 written: a replica at 6 can catch up. */
function primaryVolume(): BlockVolume {
  const { vol } = mkVolume();
  for (let i = 0; i < 5; i++) vol.writeLBA(i, block(i + 1));
  expect(vol.flushOnce()).toBeNull();
  for (let i = 5; i < 10; i++) vol.writeLBA(i, block(i + 1));
  expect(vol.statusSnapshot()).toMatchObject({ walTailLSN: 5, walHeadLSN: 10 });
  return vol;
}

/** A pinner that grants every hold without re-checking retention: the planted bug. */
function trustingPinner(): BlockVolPinner {
  const granted = { release: () => {}, err: null };
  return { holdWALRetention: () => granted, holdSnapshot: () => granted, holdFullBase: () => granted };
}

function walContains(vol: BlockVolume): (lsn: number) => boolean {
  const recs = vol.walRecords();
  const lsns = new Set(Array.isArray(recs) ? recs.map((r) => r.entry.lsn) : []);
  return (lsn) => lsns.has(lsn);
}

describe('lock-free scheduling points: drawn by the default profile only', () => {
  it('every focused preset draws lockFreeYieldPermille 0 and makes no lockfree draw', () => {
    for (const p of PROFILE_NAMES.filter((x) => x !== 'default')) {
      const c = new ScriptedChooser();
      expect(drawFaultPlan(p, c).lockFreeYieldPermille).toBe(0);
      expect(c.calls.some((x) => x.kind.includes('lockfree'))).toBe(false);
    }
  });

  it('a point with permille 0 draws nothing and never yields', () => {
    const c = new ScriptedChooser();
    expect(lockFreeYield(c, 0, 'plan_pin')).toBe(false);
    expect(c.calls).toEqual([]);
  });
});

describe('(a) plan: between reading retained history and taking the pin', () => {
  it('a flush that runs at the point makes the WAL pin refused; the session is cleaned up (I25 holds)', () => {
    const vol = primaryVolume();
    const driver = new RecoveryDriver(new BridgeStorageAdapter(vol, vol.pinner()), new EngineContext());
    driver.orchestrator.processAssignment(intent('catchup'));
    const later: (() => void)[] = [];
    let result: ReturnType<RecoveryDriver['planRecovery']> | null = null;
    drivePlan(driver.planRecoverySteps('r1', 6), { yieldAt: () => true, later: (k, fn) => { expect(k).toBe('engine.plan.pinWALRetention'); later.push(fn); } }, (r) => { result = r; });
    expect(result).toBeNull(); // history read and classified (catch-up), no pin yet
    expect(vol.flushOnce()).toBeNull(); // another goroutine: the flusher checkpoints 10
    expectMark(['engine_plan_catchup_wal_pin_failed', 'storage_pin_wal_refused_recycled'], () => later.shift()!());
    expect(result!.plan).toBeNull();
    expect(result!.err?.code).toBe('wal_pin_failed');
    const out: Failure[] = [];
    checkPlanFailed({ replicaID: 'r1', kind: 'recovery', err: result!.err! }, driver.orchestrator.registry.sender('r1')!.canonical(null), out);
    expect(out).toEqual([]);
  });

  it('planted: a pin that does not re-check retention is caught by I16 when the flush runs at the point', () => {
    const vol = primaryVolume();
    const driver = new RecoveryDriver(new BridgeStorageAdapter(vol, trustingPinner()), new EngineContext());
    driver.orchestrator.processAssignment(intent('catchup'));
    const history = driver.storage.getRetainedHistory();
    const gen = driver.planRecoverySteps('r1', 6);
    expect(gen.next().value).toEqual({ label: 'pinWALRetention' });
    expect(vol.flushOnce()).toBeNull();
    const r = gen.next();
    expect(r.done).toBe(true);
    const plan = r.value as { plan: NonNullable<ReturnType<RecoveryDriver['planRecovery']>['plan']> };
    const out: Failure[] = [];
    checkPlanIssued({ plan: plan.plan, kind: 'recovery', history, replicaFlushedLSN: 6, walContains: walContains(vol) }, out);
    expect(out.map((f) => f.id)).toContain('I16');
  });

  it('planted, without the point: the same bug plans nothing wrong (history and pin see one state)', () => {
    const vol = primaryVolume();
    const driver = new RecoveryDriver(new BridgeStorageAdapter(vol, trustingPinner()), new EngineContext());
    driver.orchestrator.processAssignment(intent('catchup'));
    const history = driver.storage.getRetainedHistory();
    const { plan } = driver.planRecovery('r1', 6);
    const out: Failure[] = [];
    checkPlanIssued({ plan: plan!, kind: 'recovery', history, replicaFlushedLSN: 6, walContains: walContains(vol) }, out);
    expect(out).toEqual([]);
  });

  it('rebuild snapshot_tail: a checkpoint that moves at the point makes the snapshot pin refused', () => {
    const vol = primaryVolume();
    const driver = new RecoveryDriver(new BridgeStorageAdapter(vol, vol.pinner()), new EngineContext());
    driver.orchestrator.processAssignment(intent('rebuild'));
    const gen = driver.planRebuildSteps('r1');
    expect(gen.next().value).toEqual({ label: 'pinSnapshot' });
    expect(vol.flushOnce()).toBeNull();
    const r = expectMark(['engine_rebuild_snapshot_pin_failed', 'storage_pin_snapshot_refused_moved'], () => gen.next());
    expect(r.done).toBe(true);
    expect(driver.orchestrator.registry.sender('r1')!.hasActiveSession()).toBe(false);
  });
});

/** Two servers, client load, crashes of the replica: catch-ups and rebuilds to plan. */
const SCENARIO = (permille: number): string => `
name: lock-free-points
description: "catch-ups under lock-free scheduling points"
cluster:
  servers: [p, r1]
  control: ideal
  lock_free_yield_permille: ${permille}
workload:
  generate: {rate: 200, until: 6s}
free: {seeds: 1, faults: [crash]}
run: {fault_phase: 6s, quiet_phase: 20s}
expect: pass
`;

describe('the points in a simulated run', () => {
  it('permille 1000: plans yield before their pin and catch-ups before executing, and the run passes', () => {
    const l = loadScenario('lock-free.yaml', SCENARIO(1000));
    const v = runScenarioSeed(l, 1);
    expect(v.message).toContain('pass');
    expect(v.ok).toBe(true);
    expect(v.result.coverage['lockfree_plan_pin'] ?? 0).toBeGreaterThan(0);
    expect(v.result.coverage['lockfree_plan_execute'] ?? 0).toBeGreaterThan(0);
    expect(v.result.trace.steps.some((s) => s.kind === 'engine.plan.pinWALRetention')).toBe(true);
  });

  it('permille 0: no point is taken, no lockfree draw is made', () => {
    const l = loadScenario('lock-free.yaml', SCENARIO(0));
    const v = runScenarioSeed(l, 1);
    expect(v.ok).toBe(true);
    expect(Object.keys(v.result.coverage).filter((k) => k.startsWith('lockfree'))).toEqual([]);
    expect(v.result.trace.steps.some((s) => s.kind.startsWith('engine.plan.'))).toBe(false);
  });
});
