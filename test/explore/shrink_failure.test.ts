// The whole shrink of a real failing seed (src/explore/shrink_failure.ts): structure, then choices.
// B5 seed 1 (I26 at step 893, one crash, two dozen client operations) shrinks to a scenario with
// fewer faults and a handful of steps; the shrunk trace replays against the scenario file it
// names, the file reproduces the failure as `swsim scenario` runs it, the same input and budget
// give the same bytes, and traces that cannot become a scenario fall back to the choice passes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import { shrinkFailure } from '../../src/explore/shrink_failure.ts';
import { loadScenario, runScenario, worldFactory } from '../../src/scenario/runner.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import { traceToLines, type Trace } from '../../src/trace/format.ts';
import { replayTrace } from '../../src/trace/replay.ts';
import { runSeed } from '../../src/trace/run.ts';
import { runCounts } from '../../src/trace/run_counts.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-shrink-failure-'));
let b5: Trace;

beforeAll(() => {
  b5 = runSeed({ seed: 1, profile: 'basic', control: 'ideal', bugs: ['B5'], strict: false, maxSteps: 2_000_000, record: true, check: true }, makeClusterWorld, new RandomChooser(1)).trace;
});

describe('shrinkFailure', () => {
  it('shrinks the structure: fewer faults stated, fewer steps and client operations; the file reproduces and the trace replays', () => {
    expect(b5.outcome.invariant).toBe('I26');
    expect(runCounts(b5)).toEqual({ faults: 1, clientOps: 24 });
    const path = join(dir, 'b5.shrunk.yaml');
    const r = shrinkFailure(b5, makeClusterWorld, { budget: 300, scenarioPath: path, source: 'b5.jsonl' });
    expect(r.scenario).not.toBeNull();
    const sc = r.scenario!;
    expect(sc.faultsAfter).toBeLessThan(sc.faultsBefore);
    expect(r.before).toMatchObject({ steps: 893, faults: 1, clientOps: 24 });
    expect(r.after.steps).toBeLessThan(50);
    expect(r.after.clientOps).toBeLessThan(24);
    expect(r.passes.some((p) => p.pass === 'end' || p.pass === 'timeline')).toBe(true);
    expect(sc.text.startsWith('# Saved by swsim')).toBe(true);
    writeFileSync(path, sc.text);
    const run = runScenario(path);
    expect(run.ok, run.seeds[0]?.message).toBe(true);
    expect(run.seeds[0]!.result.failure?.id).toBe('I26');
    const h = r.trace.header;
    expect(h.strategy).toBe('shrunk');
    expect(h.scenario?.path).toBe(path);
    expect(h.shrunkFrom).toMatchObject({ seed: 1, steps: 893, faults: 1, clientOps: 24 });
    expect(h.shrink?.passes.map((p) => p.pass)).toEqual(r.passes.map((p) => p.pass));
    expect(replayTrace(r.trace, worldFactory(loadScenario(path))).ok).toBe(true);
  }, 60_000);

  it('is deterministic: the same trace, budget and path give byte-identical output', () => {
    const path = join(dir, 'det.shrunk.yaml');
    const a = shrinkFailure(b5, makeClusterWorld, { budget: 120, scenarioPath: path });
    const b = shrinkFailure(b5, makeClusterWorld, { budget: 120, scenarioPath: path });
    expect(traceToLines(a.trace)).toBe(traceToLines(b.trace));
    expect(a.scenario?.text).toBe(b.scenario?.text);
    expect(a.candidates).toBe(120);
  }, 60_000);

  it('without a scenario path, or for a trace that is not a seed\'s run, only the choice sequence is shrunk', () => {
    const plain = shrinkFailure(b5, makeClusterWorld, { budget: 30 });
    expect(plain.scenario).toBeNull();
    expect(plain.trace.header.scenario).toBeUndefined();
    const path = join(dir, 'again.yaml');
    const first = shrinkFailure(b5, makeClusterWorld, { budget: 100, scenarioPath: path });
    writeFileSync(path, first.scenario!.text);
    // A shrunk trace (and a scenario run's) states no seed's run: the structural passes stand aside.
    const again = shrinkFailure(first.trace, worldFactory(loadScenario(path)), { budget: 30, scenarioPath: join(dir, 'again2.yaml') });
    expect(again.scenario).toBeNull();
    expect(again.structureNote).toMatch(/^not a scenario: the trace is a shrunk run/);
  }, 60_000);
});
