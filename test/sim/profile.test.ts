// Fault profiles: every profile draws a complete plan within its ranges, deterministically per
// seed; calm draws no faults at all; the fault profiles really vary (swarm testing) across seeds.
import { describe, expect, it } from 'vitest';
import { RandomChooser } from '../../src/sim/chooser.ts';
import { drawFaultPlan, isProfileName, PROFILE_NAMES, queueDepth, type FaultPlan } from '../../src/sim/profile.ts';

const SEEDS = Array.from({ length: 60 }, (_, i) => i + 1);

const FAULT_FIELDS = [
  'resetPermille', 'dropPermille', 'duplicatePermille', 'reorderPermille', 'partitionPermille', 'crashPermille',
  'newAddressPermille', 'pausePermille', 'epochBumpPermille', 'endpointChangePermille', 'tornPermille', 'diskErrorPermille',
] as const satisfies readonly (keyof FaultPlan)[];

function plans(profile: (typeof PROFILE_NAMES)[number]): FaultPlan[] {
  return SEEDS.map((s) => drawFaultPlan(profile, new RandomChooser(s)));
}

describe('drawFaultPlan', () => {
  it('the profile names are exactly the five documented ones', () => {
    expect([...PROFILE_NAMES].sort()).toEqual(['basic', 'calm', 'crash', 'default', 'network', 'storage']);
    expect(isProfileName('calm')).toBe(true);
    expect(isProfileName('wild')).toBe(false);
  });

  for (const profile of PROFILE_NAMES) {
    it(`${profile}: every seed draws a complete plan within range`, () => {
      for (const p of plans(profile)) {
        expect(p.profile).toBe(profile);
        expect(['sync_all', 'sync_quorum', 'best_effort']).toContain(p.durability);
        expect([1, 2]).toContain(p.replicas);
        if (p.durability === 'sync_quorum') expect(p.replicas).toBe(2);
        expect(p.faultPhaseMs).toBeGreaterThanOrEqual(20_000);
        expect(p.faultPhaseMs).toBeLessThanOrEqual(60_000);
        expect(p.quietPhaseMs).toBeGreaterThan(0);
        expect(p.writeIntervalMs).toBeGreaterThanOrEqual(5);
        expect(p.latencyMin).toBeGreaterThanOrEqual(1);
        expect(p.latencyMax).toBeGreaterThanOrEqual(p.latencyMin);
        expect(p.faultTickMs).toBeGreaterThan(0);
        for (const f of FAULT_FIELDS) {
          expect(Number.isInteger(p[f]), f).toBe(true);
          expect(p[f], f).toBeGreaterThanOrEqual(0);
          expect(p[f], f).toBeLessThanOrEqual(1000);
        }
      }
    });

    it(`${profile}: the same seed draws the same plan`, () => {
      expect(drawFaultPlan(profile, new RandomChooser(17))).toEqual(drawFaultPlan(profile, new RandomChooser(17)));
    });
  }

  it('calm draws no faults for any seed', () => {
    for (const p of plans('calm')) {
      for (const f of FAULT_FIELDS) expect(p[f], `${f} (seed plan ${JSON.stringify(p)})`).toBe(0);
    }
  });

  it('basic is sync_all with two replicas', () => {
    for (const p of plans('basic')) {
      expect(p.durability).toBe('sync_all');
      expect(p.replicas).toBe(2);
    }
  });

  it('default draws from every kind the focused presets draw, and the control plane per seed', () => {
    const ps = plans('default');
    const some = (f: (p: FaultPlan) => boolean): boolean => ps.some(f);
    expect(some((p) => p.wildcardListen) && some((p) => p.legacyReplica) && some((p) => p.idleQuiet)).toBe(true);
    expect(some((p) => p.maxWriteBlocks > 1) && some((p) => p.diskErrorPermille > 0)).toBe(true);
    expect(new Set(ps.map((p) => p.durability)).size).toBe(3);
    expect(new Set(ps.map((p) => p.control))).toEqual(new Set(['ideal', 'upstream']));
    expect(ps.filter((p) => p.control === 'upstream').length).toBeGreaterThan(ps.length / 2);
    for (const other of ['basic', 'network', 'crash', 'storage', 'calm'] as const) {
      expect(plans(other).every((p) => p.control === undefined), `${other} leaves the control plane to --control`).toBe(true);
    }
  });

  for (const profile of ['default', 'basic', 'network', 'crash', 'storage'] as const) {
    it(`${profile}: swarm — crashes, partitions and drops are on for some seeds and off for others`, () => {
      const ps = plans(profile);
      for (const f of ['crashPermille', 'partitionPermille', 'dropPermille'] as const) {
        expect(ps.some((p) => p[f] > 0), `${f} on somewhere`).toBe(true);
        expect(ps.some((p) => p[f] === 0), `${f} off somewhere`).toBe(true);
      }
      expect(new Set(ps.map((p) => p.faultPhaseMs)).size).toBeGreaterThan(10);
    });
  }

  it('profile ranges bound the rates (network drops more than crash; crash crashes more than network)', () => {
    const maxOf = (ps: FaultPlan[], f: (typeof FAULT_FIELDS)[number]): number => Math.max(...ps.map((p) => p[f]));
    expect(maxOf(plans('basic'), 'crashPermille')).toBeLessThanOrEqual(120);
    expect(maxOf(plans('network'), 'crashPermille')).toBeLessThanOrEqual(20);
    expect(maxOf(plans('crash'), 'crashPermille')).toBeGreaterThan(120);
    expect(maxOf(plans('network'), 'dropPermille')).toBeGreaterThan(50);
    expect(maxOf(plans('network'), 'diskErrorPermille')).toBe(0);
  });
});

describe('client concurrency draws (issue #14)', () => {
  it('every focused preset keeps one client at queue depth 1 (its choice sequence is unchanged); default draws deeper queues and more clients', () => {
    for (const profile of PROFILE_NAMES.filter((x) => x !== 'default')) {
      for (const p of plans(profile)) expect([p.queueDepth, p.clients]).toEqual([1, 1]);
    }
    expect(plans('default').some((p) => p.queueDepth > 1)).toBe(true);
    expect(plans('default').some((p) => p.clients > 1)).toBe(true);
  });

  it('queue depths are log-uniform within 1..max: every band is drawn, shallow ones most', () => {
    const ds = SEEDS.map((s) => queueDepth(new RandomChooser(s), 32));
    for (const d of ds) expect(d >= 1 && d <= 32).toBe(true);
    expect(ds.some((d) => d === 1)).toBe(true);
    expect(ds.some((d) => d > 16)).toBe(true);
    expect(ds.filter((d) => d <= 4).length).toBeGreaterThan(ds.filter((d) => d > 16).length);
    expect(queueDepth(new RandomChooser(1), 1)).toBe(1);
  });
});
