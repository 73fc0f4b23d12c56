// Bounded exhaustive search (src/explore/bounded_search.ts) on a world of m binary choices, where
// the answer is known: without pruning it runs exactly sum_{i<=K} C(m, i) schedules, each once;
// it finds a planted bad word at the smallest k that can spell it and not before; and its
// chooser replays a schedule exactly (the trace it writes is checked against it).
import { describe, expect, it } from 'vitest';
import { alternatives, BoundedChooser } from '../../src/explore/bounded_chooser.ts';
import { boundedSearch, type BoundedTarget } from '../../src/explore/bounded_search.ts';
import { referenceChooser } from '../../src/explore/strategy.ts';
import { traceToLines } from '../../src/trace/format.ts';
import { replayTrace } from '../../src/trace/replay.ts';
import { runSeed } from '../../src/trace/run.ts';
import { binaryWorld, independentWorld } from './tiny_models.ts';

function choose(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = r * (n - i) / (i + 1);
  return r;
}

/** A search target over any world factory, never violating. */
function plain(make: ReturnType<typeof independentWorld>): BoundedTarget {
  return {
    run: (chooser, params, onStep) => runSeed({ seed: 1, profile: 'calm', bugs: [], strict: false, maxSteps: 100, record: true, check: true, strategy: { name: 'bounded', bounded: params }, onStep }, make, chooser),
    violates: () => false,
  };
}

function target(m: number, bad?: readonly number[], words?: string[]): BoundedTarget {
  const make = binaryWorld(m, bad);
  return {
    run: (chooser, params, onStep) => {
      const r = runSeed({ seed: 1, profile: 'calm', bugs: [], strict: false, maxSteps: 100, record: true, check: true, strategy: { name: 'bounded', bounded: params }, onStep }, make, chooser);
      words?.push(chooser.recorded.join(''));
      return r;
    },
    violates: (r) => r.status === 'fail',
  };
}

describe('bounded search counts', () => {
  for (const [m, k] of [[6, 0], [6, 1], [6, 2], [8, 3], [5, 5]] as const) {
    it(`m = ${m} binary choices, K = ${k}: sum C(m, i) runs, each choice word once`, () => {
      const words: string[] = [];
      const r = boundedSearch(target(m, undefined, words), { seed: 1, base: 'zero', deviations: k, prune: false });
      let want = 0;
      for (let i = 0; i <= k; i++) want += choose(m, i);
      expect(r.runs).toBe(want);
      expect(new Set(words).size).toBe(want);
      expect(words.every((w) => [...w].filter((c) => c === '1').length <= k)).toBe(true);
      expect(r.levels.map((l) => l.runs)).toEqual(Array.from({ length: k + 1 }, (_, i) => choose(m, i)));
      expect(r.boundReached).toBe(k);
      expect(r.stopped).toBe('exhausted');
    });
  }

  it('alternatives: every other value up to 8 options, the extremes above', () => {
    expect(alternatives(2, 0)).toEqual([1]);
    expect(alternatives(4, 2)).toEqual([0, 1, 3]);
    expect(alternatives(1000, 537)).toEqual([0, 999]);
    expect(alternatives(1000, 0)).toEqual([999]);
  });
});

describe('bounded search finds a planted bad word at the smallest k', () => {
  const bad = [0, 1, 0, 0, 1, 0];
  it('not within k = 1; at k = 2 with the two deviations that spell it', () => {
    expect(boundedSearch(target(6, bad), { seed: 1, base: 'zero', deviations: 1, prune: false }).violation).toBeNull();
    const r = boundedSearch(target(6, bad), { seed: 1, base: 'zero', deviations: 3, prune: true });
    expect(r.violation?.k).toBe(2);
    expect(r.violation?.params.deviations).toEqual([[1, 1], [4, 1]]);
    expect(r.boundReached).toBe(1);
    expect(r.stopped).toBe('violation');
  });

  it("the violating run's trace replays against its re-created chooser; an edited schedule does not", () => {
    const r = boundedSearch(target(6, bad), { seed: 1, base: 'zero', deviations: 2, prune: false });
    const t = r.violation!.result.trace;
    expect(t.header).toMatchObject({ strategy: 'bounded', bounded: { base: 'zero', deviations: [[1, 1], [4, 1]] } });
    expect(replayTrace(t, binaryWorld(6, bad), referenceChooser(t.header)).ok).toBe(true);
    const edited = { ...t, header: { ...t.header, bounded: { base: 'zero' as const, deviations: [[1, 1]] as [number, number][] } } };
    expect(replayTrace(edited, binaryWorld(6, bad), referenceChooser(edited.header)).seedMismatch).toMatch(/bounded strategy/);
  });

  it('is deterministic: the same search twice gives the same trace bytes', () => {
    const a = boundedSearch(target(6, bad), { seed: 1, base: 'seed', deviations: 2, prune: true });
    const b = boundedSearch(target(6, bad), { seed: 1, base: 'seed', deviations: 2, prune: true });
    expect(a.runs).toBe(b.runs);
    expect(a.violation === null ? null : traceToLines(a.violation.result.trace)).toBe(b.violation === null ? null : traceToLines(b.violation.result.trace));
  });

  it('a seed base makes the zero-deviation run the seed\'s own draws', () => {
    const c = new BoundedChooser(5, { base: 'seed', deviations: [] });
    for (let i = 0; i < 10; i++) c.choose('bin.v', 2);
    expect(c.recorded).toEqual(c.defaults);
  });
});

describe('pruning and independent same-instant events', () => {
  it('reorderings of independent events converge on states already explored and are cut there', () => {
    // 5 actors, one event each, due at one instant: without pruning every order runs (5! = 120
    // with K = 4); with pruning every deviating run stops at a set of done events some earlier
    // run reached at the same step with the same choices drawn, and fewer schedules are spawned.
    const all = boundedSearch(plain(independentWorld(5)), { seed: 1, base: 'zero', deviations: 4, prune: false });
    expect(all.runs).toBe(120);
    const pruned = boundedSearch(plain(independentWorld(5)), { seed: 1, base: 'zero', deviations: 4, prune: true });
    expect(pruned.runs).toBe(50);
    expect(pruned.levels.every((l) => l.k === 0 || l.pruned === l.runs)).toBe(true);
    expect(pruned.distinctStates).toBe(2 ** 5 - 1);
  });
});
