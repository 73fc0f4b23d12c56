// Step details: a traced failing run says on most steps what happened (the message and its
// epoch/LSNs for deliveries, the I/O and its result, the replication state it changed); the
// timeline prints them; and tracing is informational only — the same seed run without step
// details goes through exactly the same states (every fingerprint equal).
import { describe, expect, it } from 'vitest';
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import type { WorldFactory } from '../../src/check/checked_world.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import type { World } from '../../src/sim/world.ts';
import { runSeedOutcome } from '../../src/cli/seed_outcome.ts';
import { traceToLines } from '../../src/trace/format.ts';
import { renderTimeline } from '../../src/trace/render.ts';
import { runSeed, type RunOptions, type RunResult } from '../../src/trace/run.ts';

const OPTS: RunOptions = { seed: 1, profile: 'basic', control: 'ideal', bugs: ['B5'], strict: false, maxSteps: 2_000_000, record: true, check: true };

let cached: RunResult | undefined;
function b5(): RunResult {
  cached ??= runSeed(OPTS, makeClusterWorld, new RandomChooser(1));
  return cached;
}

/** The cluster world with step details never switched on (World.startTracing hidden). */
const untraced: WorldFactory = (o) => {
  const cw = makeClusterWorld(o);
  const w = cw.world;
  const plain: World = {
    step: () => w.step(), now: () => w.now(), finished: () => w.finished(), lastDetail: () => w.lastDetail(),
    fingerprint: () => w.fingerprint(), coverage: () => w.coverage(),
  };
  return { ...cw, world: plain };
};

describe('step details', () => {
  it('a failing run has a detail on most steps', () => {
    const r = b5();
    expect(r.status).toBe('fail');
    const steps = r.trace.steps;
    const withDetail = steps.filter((s) => s.detail !== undefined && s.detail !== '');
    expect(withDetail.length / steps.length).toBeGreaterThan(0.8);
  }, 60_000);

  it('deliveries name sender, receiver, delay and message; state changes follow " | "', () => {
    const steps = b5().trace.steps;
    const frames = steps.filter((s) => s.kind === 'net.frame');
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect(f.detail).toMatch(/^n\d→n\d \+\d+ms \w+/);
    expect(steps.some((s) => /wal lsn=\d+ ep=\d+/.test(s.detail ?? ''))).toBe(true);
    const assign = steps.find((s) => s.kind === 'master.assign' && (s.detail ?? '').includes('assign primary'));
    expect(assign?.detail).toMatch(/master→n\d \+\d+ms assign primary ep=\d+ \| .*n\d\.role=primary/);
    expect(steps.some((s) => /\| .*n\d\.head=\d+/.test(s.detail ?? ''))).toBe(true);
    expect(steps.some((s) => /n\d\.shp\.n\d=\w+/.test(s.detail ?? ''))).toBe(true);
    expect(steps.some((s) => /n\d\.sph\.s\d=\w+/.test(s.detail ?? ''))).toBe(true);
    expect(steps.some((s) => s.kind.startsWith('vol.') && /op \d+ done (ok|err)/.test(s.detail ?? ''))).toBe(true);
  }, 60_000);

  it('the timeline prints the details', () => {
    const r = b5();
    const frame = r.trace.steps.find((s) => s.kind === 'net.frame')!;
    const text = renderTimeline(r.trace, frame.step, frame.step);
    expect(text).toContain(frame.detail!.slice(0, 40));
  }, 60_000);

  it('tracing changes no state: the same fingerprints without details', () => {
    const traced = b5().trace.steps;
    const fps: string[] = [];
    const r = runSeed({ ...OPTS, record: false, onStep: (s) => { fps.push(s.fp); } }, untraced, new RandomChooser(1));
    expect(r.steps).toBe(traced.length);
    expect(fps).toEqual(traced.map((s) => s.fp));
  }, 60_000);

  it('fuzz runs a seed without details and re-runs a kept one with them: the same trace as run records', async () => {
    const o = await runSeedOutcome(1, { profile: 'basic', control: 'ideal', bugs: ['B5'], strict: false, maxSteps: 2_000_000 }, () => false);
    expect(o.status).toBe('fail');
    expect(o.trace).toBe(traceToLines(b5().trace));
  }, 60_000);
});
