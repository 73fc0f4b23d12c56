// The shrinker: it keeps the classification (same invariant, failure vs finding, same named cause)
// and refuses smaller runs that fail otherwise; it is deterministic for a trace and a budget; its
// output is an ordinary trace that replay verifies; and it refuses a trace that does not fail.
import { describe, expect, it } from 'vitest';
import { failure, type Failure } from '../../src/check/catalog.ts';
import type { CheckedWorld, WorldFactory } from '../../src/check/checked_world.ts';
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import { classify, FillingChooser, ShrinkInputError, shrinkTrace, simplest } from '../../src/explore/shrink.ts';
import { PERMILLE, RandomChooser } from '../../src/sim/chooser.ts';
import type { SimEvent } from '../../src/sim/kernel.ts';
import { traceToLines, type Trace } from '../../src/trace/format.ts';
import { parseTrace } from '../../src/trace/reader.ts';
import { replayTrace } from '../../src/trace/replay.ts';
import { runSeed } from '../../src/trace/run.ts';

/**
 * A toy world: step k draws a value in [0, 10). A 9 drawn at step k < 5 fails B; at 5 <= k < 7 it
 * fails A (a plain failure); at k >= 7 it fails A with "finding H1" (a finding). Without a 9 the
 * run ends after 20 steps.
 */
const toy: WorldFactory = ({ chooser }) => {
  let k = 0;
  let last = 0;
  let done = false;
  const world = {
    step: (): SimEvent | null => {
      if (done) return null;
      k += 1;
      last = chooser.choose('toy.v', 10);
      if (k >= 20) done = true;
      return { id: k, owner: 'toy', time: k, actor: 'toy', kind: 'toy.step', run: () => {} } as unknown as SimEvent;
    },
    now: () => k,
    finished: () => done,
    lastDetail: () => `v=${last}`,
    fingerprint: () => `${k}:${last}`,
    coverage: () => ({}),
  };
  const check = (): Failure[] => {
    if (last !== 9) return [];
    if (k < 5) return [failure('I1', 'toy: early nine')];
    return [{ ...failure('I2', k >= 7 ? 'toy: late nine (finding H1)' : 'toy: nine'), candidate: false }];
  };
  const cw: CheckedWorld = { world, check, finalCheck: () => [] };
  return cw;
};

function toyTrace(choices: number[]): Trace {
  return runSeed({ seed: 1, profile: 'calm', bugs: [], strict: false, maxSteps: 100, record: true, check: true }, toy, new FillingChooser(choices)).trace;
}

describe('shrink keeps the classification', () => {
  it('a plain failure shrinks to its smallest run, never to the earlier, different invariant', () => {
    const t = toyTrace([1, 2, 3, 4, 5, 9]);
    expect(classify(t.outcome)).toEqual({ invariant: 'I2', cause: null });
    const r = shrinkTrace(t, toy, { budget: 500 });
    expect(r.trace.outcome.invariant).toBe('I2');
    expect(r.after.steps).toBe(5);
    expect(r.trace.choices).toEqual([0, 0, 0, 0, 9]);
    expect(r.stoppedBy).toBe('fixpoint');
  });

  it('a finding keeps its named cause: the smaller plain failure of the same invariant is not accepted', () => {
    const t = toyTrace([1, 2, 3, 4, 5, 6, 7, 9]);
    expect(classify(t.outcome)).toEqual({ invariant: 'I2', cause: 'H1' });
    const r = shrinkTrace(t, toy, { budget: 500 });
    expect(classify(r.trace.outcome)).toEqual({ invariant: 'I2', cause: 'H1' });
    expect(r.after.steps).toBe(7);
    expect(r.trace.choices).toEqual([0, 0, 0, 0, 0, 0, 9]);
  });

  it('the output is a shrunk trace replay verifies without the seed check', () => {
    const r = shrinkTrace(toyTrace([1, 2, 3, 4, 5, 6, 7, 9]), toy, { budget: 500 });
    const h = r.trace.header;
    expect(h.strategy).toBe('shrunk');
    expect(h.shrunkFrom).toEqual({ seed: 1, steps: 8, simulatedMs: 8, choices: 8, faults: 0, clientOps: 0 });
    expect(h.shrink?.candidates).toBe(r.candidates);
    expect(h.shrink?.passes.length).toBeGreaterThan(0);
    const back = parseTrace('shrunk.jsonl', traceToLines(r.trace));
    expect(replayTrace(back, toy).ok).toBe(true);
  });

  it('a chance choice is simplest when it does not fire', () => {
    expect(simplest(PERMILLE)).toBe(PERMILLE - 1);
    expect(simplest(10)).toBe(0);
  });
});

/**
 * A toy client: each step it thinks 'client.think' (0–9) and time moves on by that plus one, and
 * draws a 'toy.lba' (0–9). Once time reaches 40 the run fails I2, whatever was drawn.
 */
const thinker: WorldFactory = ({ chooser }) => {
  let k = 0;
  let now = 0;
  const world = {
    step: (): SimEvent | null => {
      k += 1;
      now += chooser.choose('client.think', 10) + 1;
      chooser.choose('toy.lba', 10);
      return { id: k, owner: 'toy', time: now, actor: 'client', kind: 'toy.op', run: () => {} } as unknown as SimEvent;
    },
    now: () => now,
    finished: () => false,
    lastDetail: () => `t=${now}`,
    fingerprint: () => `${k}:${now}`,
    coverage: () => ({}),
  };
  const check = (): Failure[] => (now >= 40 ? [failure('I2', 'toy: late')] : []);
  return { world, check, finalCheck: () => [] };
};

describe('choices replayed per kind', () => {
  it('the k-th choice of a kind takes the k-th value recorded for that kind; past them, the simplest', () => {
    const c = new FillingChooser([1, 2, 3, 4], ['a', 'b', 'a', 'b']);
    expect([c.choose('b', 10), c.choose('a', 10), c.choose('a', 10), c.choose('b', 10), c.choose('a', 10), c.choose('c', PERMILLE)]).toEqual([2, 1, 3, 4, 0, PERMILLE - 1]);
    expect(c.kinds).toEqual(['b', 'a', 'a', 'b', 'a', 'c']);
    // Without kinds, in run order.
    const flat = new FillingChooser([1, 2, 3, 4]);
    expect([flat.choose('b', 10), flat.choose('a', 10)]).toEqual([1, 2]);
  });

  it('a deleted choice shifts only its own kind: the other kinds keep their values', () => {
    const t = runSeed({ seed: 1, profile: 'calm', bugs: [], strict: false, maxSteps: 100, record: true, check: true }, thinker, new FillingChooser([3, 7, 5, 8, 2, 6])).trace;
    // think 3, lba 7, think 5, lba 8, think 2, lba 6 — drop the first think: the lbas stay 7, 8, 6.
    const c = new FillingChooser([7, 5, 8, 2, 6], ['toy.lba', 'client.think', 'toy.lba', 'client.think', 'toy.lba']);
    const r = runSeed({ seed: 1, profile: 'calm', bugs: [], strict: false, maxSteps: 3, record: true, check: true }, thinker, c).trace;
    expect(t.choices.slice(0, 6)).toEqual([3, 7, 5, 8, 2, 6]);
    expect(r.choices).toEqual([5, 7, 2, 8, 0, 6]);
  });

  it('sparse: a client that thinks longest reaches the failure in the fewest steps', () => {
    const t = runSeed({ seed: 1, profile: 'calm', bugs: [], strict: false, maxSteps: 100, record: true, check: true }, thinker, new FillingChooser([2, 1, 4, 1, 3, 1, 5, 9])).trace;
    expect(t.outcome.invariant).toBe('I2');
    const r = shrinkTrace(t, thinker, { budget: 500 });
    expect(r.after.steps).toBe(4); // 4 × (9 + 1) = 40: every think at its longest
    expect(r.passes.find((p) => p.pass === 'sparse')?.accepted).toBeGreaterThan(0);
    expect(r.trace.choices.filter((_, i) => i % 2 === 0)).toEqual([9, 9, 9, 9]);
  });
});

describe('shrink input', () => {
  it('refuses a trace whose run did not fail', () => {
    const t = toyTrace([1, 2, 3]); // no nine: passes after 20 steps
    expect(t.outcome.status).toBe('pass');
    expect(() => shrinkTrace(t, toy, { budget: 10 })).toThrow(ShrinkInputError);
    expect(() => shrinkTrace(t, toy, { budget: 10 })).toThrow(/did not fail/);
  });

  it('refuses a failure that does not reproduce', () => {
    const t = toyTrace([1, 2, 3, 4, 5, 9]);
    const edited: Trace = { ...t, choices: [1, 2, 3, 4, 5, 6] };
    expect(() => shrinkTrace(edited, toy, { budget: 10 })).toThrow(/does not reproduce/);
  });
});

describe('shrink on the cluster', () => {
  // B5, seed 3: I26 after 40 steps (npx swsim fuzz --bug B5 --seeds 3).
  const original = runSeed({ seed: 3, profile: 'basic', control: 'ideal', bugs: ['B5'], strict: false, maxSteps: 2_000_000, record: true, check: true }, makeClusterWorld, new RandomChooser(3)).trace;

  it('is deterministic: the same trace and budget give the same shrunk trace, which replays', () => {
    expect(original.outcome.status).toBe('fail');
    const a = shrinkTrace(original, makeClusterWorld, { budget: 150 });
    const b = shrinkTrace(original, makeClusterWorld, { budget: 150 });
    expect(traceToLines(a.trace)).toBe(traceToLines(b.trace));
    expect(a.candidates).toBe(b.candidates);
    expect(a.after.steps).toBeLessThan(a.before.steps);
    expect(classify(a.trace.outcome)).toEqual(classify(original.outcome));
    const rep = replayTrace(parseTrace('b5.jsonl', traceToLines(a.trace)), makeClusterWorld);
    expect(rep.ok, JSON.stringify(rep.divergence)).toBe(true);
  });

  it('a smaller budget stops early, still deterministic', () => {
    const a = shrinkTrace(original, makeClusterWorld, { budget: 12 });
    const b = shrinkTrace(original, makeClusterWorld, { budget: 12 });
    expect(a.stoppedBy).toBe('budget');
    expect(a.candidates).toBe(12);
    expect(traceToLines(a.trace)).toBe(traceToLines(b.trace));
  });
});
