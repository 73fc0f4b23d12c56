// PCT (src/explore/pct.ts) on a tiny kernel-level model with a planted depth-2 ordering bug: it
// must find it at no less than its advertised rate 1/(n·k^(d−1)) over many seeds (and does far
// better than seeded random here); it is deterministic for a seed; and a PCT scenario trace
// replays against a PCT chooser re-created from the seed and the header's parameters, while an
// edited parameter is caught.
import { describe, expect, it } from 'vitest';
import { PctChooser } from '../../src/explore/pct.ts';
import { referenceChooser } from '../../src/explore/strategy.ts';
import { loadScenario, runScenarioSeed, worldFactory } from '../../src/scenario/runner.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import { traceToLines } from '../../src/trace/format.ts';
import { replayTrace } from '../../src/trace/replay.ts';
import { depth2Bug, threads } from './tiny_models.ts';

const N = 3, STEPS = 6, K = N * STEPS, SEEDS = 1500;

function rate(make: (seed: number) => PctChooser | RandomChooser): number {
  let hits = 0;
  for (let s = 1; s <= SEEDS; s++) if (depth2Bug(threads(make(s), N, STEPS), STEPS)) hits += 1;
  return hits / SEEDS;
}

describe('PCT on a depth-2 ordering bug', () => {
  it('hits it at least at 1/(n·k) with d = 2, and more often than seeded random', () => {
    const pct = rate((s) => new PctChooser(s, { depth: 2, steps: K }));
    const random = rate((s) => new RandomChooser(s));
    expect(pct).toBeGreaterThanOrEqual(1 / (N * K));
    expect(pct).toBeGreaterThan(random);
  });

  it('with d = 1 (no change point) never hits it: the bug needs a priority change', () => {
    expect(rate((s) => new PctChooser(s, { depth: 1, steps: K }))).toBe(0);
  });

  it('is deterministic for a seed: the same schedule and choices twice', () => {
    const a = new PctChooser(7, { depth: 3, steps: K });
    const b = new PctChooser(7, { depth: 3, steps: K });
    expect(threads(a, N, STEPS)).toEqual(threads(b, N, STEPS));
    expect(a.recorded).toEqual(b.recorded);
  });
});

const FILE = 'scenarios/b05-off-epoch-bump-endpoint-changed.yaml';

describe('PCT scenario runs', () => {
  const l = loadScenario(FILE);
  const spec = { name: 'pct' as const, pct: { depth: 3, steps: 500 } };
  const run = (seed: number) => runScenarioSeed(l, seed, { strategy: { spec, chooser: (s) => new PctChooser(s, spec.pct) } }).result;

  it('give the same trace bytes twice for a seed, with strategy pct and its depth in the header', () => {
    const a = traceToLines(run(2).trace), b = traceToLines(run(2).trace);
    expect(a).toBe(b);
    expect(run(2).trace.header).toMatchObject({ strategy: 'pct', pct: { depth: 3, steps: 500 } });
  });

  it('replay against the re-created PCT chooser; an edited depth is a seed mismatch', () => {
    const t = run(2).trace;
    expect(replayTrace(t, worldFactory(l), referenceChooser(t.header)).ok).toBe(true);
    const edited = { ...t, header: { ...t.header, pct: { depth: 3, steps: 7 } } };
    const rep = replayTrace(edited, worldFactory(l), referenceChooser(edited.header));
    expect(rep.ok).toBe(false);
    expect(rep.seedMismatch).toMatch(/pct strategy/);
  });
});
