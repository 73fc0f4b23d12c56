// Determinism: the same seed gives a byte-identical trace, whether run twice in one process or
// in two separate processes — and the second process runs the seeds in reverse order, so state
// leaking from one run into the next (module-level counters, caches) would show up as well.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import { traceToLines } from '../../src/trace/format.ts';
import { runSeed } from '../../src/trace/run.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const RUNNER = join(ROOT, 'test', 'sim', 'determinism_runner.ts');
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
/** Same cap for both processes; keeps the test well under a minute on two busy cores. */
const MAX_STEPS = process.env['SWSIM_DEEP'] !== undefined ? 2_000_000 : 4000;

function runChild(outDir: string, seeds: readonly number[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, outDir, 'default', String(MAX_STEPS), ...seeds.map(String)], {
      cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`runner exited ${code}: ${err}`))));
  });
}

describe('determinism', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swsim-det-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('20 seeds in two separate processes (opposite orders) give byte-identical traces', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await Promise.all([runChild(a, SEEDS), runChild(b, [...SEEDS].reverse())]);
    const names = SEEDS.map((s) => `seed-${s}.jsonl`).sort();
    expect(readdirSync(a).sort()).toEqual(names);
    expect(readdirSync(b).sort()).toEqual(names);
    let totalSteps = 0;
    for (const n of names) {
      const ta = readFileSync(join(a, n));
      const tb = readFileSync(join(b, n));
      expect(ta.length, n).toBeGreaterThan(0);
      expect(tb.equals(ta), `${n} differs between processes`).toBe(true);
      totalSteps += ta.toString('utf8').split('\n').length - 4;
    }
    expect(totalSteps).toBeGreaterThan(SEEDS.length * 100);
    // Different seeds really are different runs.
    expect(readFileSync(join(a, names[0]!)).equals(readFileSync(join(a, names[1]!)))).toBe(false);
  }, 120_000);

  it('two runs of one seed in the same process give equal traces', () => {
    const run = (): string => traceToLines(runSeed(
      { seed: 3, profile: 'basic', control: 'ideal', bugs: [], strict: false, maxSteps: 3000, record: true, check: true },
      makeClusterWorld, new RandomChooser(3)).trace);
    const first = run();
    expect(run()).toBe(first);
  });

  it('checking and recording do not perturb the run (bare run takes the same choices)', () => {
    const opts = { seed: 4, profile: 'basic', control: 'ideal' as const, bugs: [] as string[], strict: false, maxSteps: 3000 };
    const full = runSeed({ ...opts, record: true, check: true }, makeClusterWorld, new RandomChooser(4));
    const bare = runSeed({ ...opts, record: false, check: false }, makeClusterWorld, new RandomChooser(4));
    // The bare run does not stop at a failure, so compare the prefix the full run executed.
    expect(bare.steps).toBeGreaterThanOrEqual(full.steps);
    expect(bare.trace.choices.slice(0, full.trace.choices.length)).toEqual(full.trace.choices);
    expect(bare.trace.steps).toEqual([]);
  });
});
