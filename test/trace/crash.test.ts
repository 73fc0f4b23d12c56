// A step that throws (a panic in the code under test, or a simulator bug) fails the run as CRASH
// at that step, with the message, instead of killing the fuzzer; a replay divergence is not a crash.
import { describe, expect, it } from 'vitest';
import type { WorldFactory } from '../../src/check/checked_world.ts';
import { RandomChooser, ReplayChooser, ReplayDivergence } from '../../src/sim/chooser.ts';
import type { SimEvent } from '../../src/sim/kernel.ts';
import { runSeed } from '../../src/trace/run.ts';

/** A toy world whose n-th step throws `thrown()`. */
function throwingWorld(n: number, thrown: () => unknown): WorldFactory {
  return ({ chooser }) => {
    let steps = 0;
    const world = {
      step(): SimEvent | null {
        steps += 1;
        chooser.choose('toy.pick', 2);
        if (steps === n) throw thrown();
        return { id: steps, owner: { alive: true }, time: steps, actor: 'toy', kind: 'toy.step', run: () => {}, cancelled: false };
      },
      now: () => steps,
      finished: () => steps >= 100,
      lastDetail: () => undefined,
      fingerprint: () => String(steps),
      coverage: () => ({}),
    };
    return { world, check: () => [], finalCheck: () => [] };
  };
}

const opts = { seed: 1, profile: 'calm', bugs: [], strict: false, maxSteps: 1000, record: true, check: true };

describe('a throwing step', () => {
  it('fails the run as CRASH at that step, with the error message', () => {
    const r = runSeed(opts, throwingWorld(7, () => new TypeError('nil pointer dereference')), new RandomChooser(1));
    expect(r.status).toBe('fail');
    expect(r.failure?.id).toBe('CRASH');
    expect(r.failure?.step).toBe(7);
    expect(r.failure?.message).toContain('nil pointer dereference');
    expect(r.trace.outcome.invariant).toBe('CRASH');
  });

  it('a replay divergence is rethrown, not reported as a crash', () => {
    expect(() => runSeed(opts, throwingWorld(3, () => new ReplayDivergence(0, 'diverged')), new ReplayChooser([0, 1, 0]))).toThrow(ReplayDivergence);
  });
});
