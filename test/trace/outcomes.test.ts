// Honest outcomes: a run passes only when it reached its planned end and the end-of-run checks
// ran. A user-set step cap makes the run `incomplete` (its end checks never ran); the default cap
// is a LIVELOCK failure (a run that never ends passes nothing); both replay to their last step.
import { describe, expect, it } from 'vitest';
import type { WorldFactory } from '../../src/check/checked_world.ts';
import { failure } from '../../src/check/catalog.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import type { SimEvent } from '../../src/sim/kernel.ts';
import { replayTrace } from '../../src/trace/replay.ts';
import { runSeed, SeedRun } from '../../src/trace/run.ts';

/** A toy world that finishes after `end` steps (never when end is Infinity); its end check fails when `finalFails`. */
function toyWorld(end: number, finalFails = false): WorldFactory {
  return ({ chooser }) => {
    let steps = 0;
    const world = {
      step(): SimEvent | null {
        steps += 1;
        chooser.choose('toy.pick', 3);
        return { id: steps, owner: { alive: true }, time: steps * 10, actor: 'toy', kind: 'toy.step', run: () => {}, cancelled: false };
      },
      now: () => steps * 10,
      finished: () => steps >= end,
      lastDetail: () => undefined,
      fingerprint: () => String(steps),
      coverage: () => ({}),
    };
    return { world, check: () => [], finalCheck: () => (finalFails ? [failure('E3', 'not converged')] : []) };
  };
}

const base = { seed: 4, profile: 'calm', bugs: [], strict: false, record: true, check: true };

describe('run outcomes', () => {
  it('a run that reaches its planned end passes, and its end checks run', () => {
    expect(runSeed({ ...base, maxSteps: 100 }, toyWorld(50), new RandomChooser(4)).status).toBe('pass');
    const r = runSeed({ ...base, maxSteps: 100 }, toyWorld(50, true), new RandomChooser(4));
    expect([r.status, r.failure?.id]).toEqual(['fail', 'E3']);
  });

  it('a user-set cap before the planned end is incomplete, never pass — even when the end check would fail', () => {
    const r = runSeed({ ...base, maxSteps: 20, stepCap: 'incomplete' }, toyWorld(50, true), new RandomChooser(4));
    expect(r.status).toBe('incomplete');
    expect(r.steps).toBe(20);
    expect(r.failure).toBeUndefined();
    expect(r.trace.outcome.status).toBe('incomplete');
    expect(r.trace.header.stepCap).toBe('incomplete');
  });

  it('the default cap reached before the planned end is a LIVELOCK failure at the last step', () => {
    const r = runSeed({ ...base, maxSteps: 30 }, toyWorld(Infinity), new RandomChooser(4));
    expect([r.status, r.failure?.id, r.failure?.step]).toEqual(['fail', 'LIVELOCK', 30]);
    expect(r.failure?.message).toContain('within 30 steps');
  });

  it('a run cut short by an interruption reports interrupted, not pass', () => {
    const run = new SeedRun({ ...base, maxSteps: 100 }, toyWorld(50), new RandomChooser(4));
    run.advance(7);
    expect(run.result().status).toBe('interrupted');
    expect(run.result().steps).toBe(7);
  });

  it('incomplete and interrupted traces replay to their last step and reproduce', () => {
    const inc = runSeed({ ...base, maxSteps: 20, stepCap: 'incomplete' }, toyWorld(50), new RandomChooser(4));
    expect(replayTrace(inc.trace, toyWorld(50)).ok).toBe(true);
    const run = new SeedRun({ ...base, maxSteps: 100 }, toyWorld(50), new RandomChooser(4));
    run.advance(9);
    const intr = run.result().trace;
    const rep = replayTrace(intr, toyWorld(50));
    expect(rep.ok, JSON.stringify(rep.divergence)).toBe(true);
    expect(rep.replayed).toHaveLength(9);
    const live = runSeed({ ...base, maxSteps: 30 }, toyWorld(Infinity), new RandomChooser(4));
    expect(replayTrace(live.trace, toyWorld(Infinity)).ok).toBe(true);
  });

  it('a trace whose header seed was edited is caught by the seed check', () => {
    const r = runSeed({ ...base, maxSteps: 100 }, toyWorld(50), new RandomChooser(4));
    const edited = { ...r.trace, header: { ...r.trace.header, seed: 5 } };
    const rep = replayTrace(edited, toyWorld(50));
    expect(rep.ok).toBe(false);
    expect(rep.seedMismatch).toMatch(/header's seed 5 does not draw this trace's choices \(choice #\d+/);
  });
});
