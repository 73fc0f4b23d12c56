// The fuzz job at scale: --jobs N gives the same outcomes, traces and summary as --jobs 1;
// --shard i/n splits a range with no overlap; --junit writes a report CI systems read;
// --max-failures stops early, the same way for every --jobs; the progress line's text.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { firstDifference } from '../../src/cli/determinism_check.ts';
import { parseShard, shardSeeds } from '../../src/cli/fuzz_command.ts';
import { progressText } from '../../src/cli/progress.ts';
import { runInProcess, runInWorkers } from '../../src/cli/seed_pool.ts';
import type { SeedOutcome } from '../../src/cli/seed_outcome.ts';
import { cli } from './cli_helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-jobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The JSON summary without wall times, trace paths relative to their folder. */
function summary(stdout: string, traceDir = ''): Record<string, unknown> {
  const o = JSON.parse(traceDir === '' ? stdout : stdout.split(traceDir).join('TRACES')) as Record<string, unknown>;
  delete o['wallMs'];
  delete o['stepsPerSec'];
  return o;
}

/** Each file of a traces folder, with the folder's own path (a shrunk trace names its scenario file) as TRACES. */
function traces(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(d).sort()) out[n] = readFileSync(join(d, n), 'utf8').split(d).join('TRACES');
  return out;
}

describe('fuzz --jobs', () => {
  it('--jobs 2 gives the same summary and byte-identical traces as --jobs 1', async () => {
    const args = ['fuzz', '--seeds', '6', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--json'];
    const one = await cli([...args, '--jobs', '1', '--traces', join(dir, 'j1')]);
    const two = await cli([...args, '--jobs', '2', '--traces', join(dir, 'j2')]);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(summary(two.stdout, join(dir, 'j2'))).toEqual(summary(one.stdout, join(dir, 'j1')));
    const t1 = traces(join(dir, 'j1'));
    expect(Object.keys(t1).length).toBeGreaterThan(0);
    expect(traces(join(dir, 'j2'))).toEqual(t1);
  }, 120_000);

  it('workers replaced every 2 seeds deliver the same outcomes, in seed order, as one thread', async () => {
    const options = { profile: 'basic', control: 'ideal' as const, bugs: ['B5'], strict: false, maxSteps: 2_000_000, stepCap: 'livelock' as const };
    const collect = async (run: (next: () => number | null, hooks: Parameters<typeof runInProcess>[2]) => Promise<void>): Promise<SeedOutcome[]> => {
      const out: SeedOutcome[] = [];
      let seed = 0;
      await run(() => (seed < 7 ? ++seed : null), { deliver: (o) => out.push(o), mayStart: () => true, interrupted: () => false });
      return out;
    };
    const one = await collect((next, hooks) => runInProcess(next, options, hooks));
    const recycled = await collect((next, hooks) => runInWorkers(2, next, options, hooks, 2));
    expect(recycled.map((o) => o.seed)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(recycled).toEqual(one);
  }, 60_000);

  it('--max-failures N stops after N failing seeds, the same for every --jobs', async () => {
    const args = ['fuzz', '--seeds', '20', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--json', '--max-failures', '2'];
    const one = summary((await cli([...args, '--jobs', '1', '--traces', join(dir, 'm1')])).stdout);
    const two = summary((await cli([...args, '--jobs', '2', '--traces', join(dir, 'm2')])).stdout);
    expect(one['failed']).toBe(2);
    expect(two['failed']).toBe(2);
    expect(two['runs']).toBe(one['runs']);
    expect(readdirSync(join(dir, 'm2')).filter((n) => !n.includes('.shrunk.'))).toHaveLength(2);
  }, 120_000);
});

describe('fuzz --shard', () => {
  it('the shards of a range cover it exactly once', () => {
    const all: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const next = shardSeeds(100, 10, [i, 3]);
      for (let s = next(); s !== null; s = next()) all.push(s);
    }
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, k) => 100 + k));
  });

  it('parses i/n and refuses anything else', () => {
    expect(parseShard('2/4')).toEqual([2, 4]);
    for (const bad of ['0/4', '5/4', '1/0', 'x', '1-2']) expect(() => parseShard(bad), bad).toThrow(/expected i\/n/);
  });

  it('a shard runs only its seeds', async () => {
    const r = await cli(['fuzz', '--seeds', '6', '--shard', '2/3', '--profile', 'calm', '--json', '--traces', join(dir, 'sh'), '--jobs', '1']);
    expect(JSON.parse(r.stdout).runs).toBe(2);
  }, 120_000);
});

describe('fuzz --junit', () => {
  it('writes one failing test case per failing seed with its replay command, and a summary case', async () => {
    const file = join(dir, 'report', 'junit.xml');
    const r = await cli(['fuzz', '--seeds', '3', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--traces', join(dir, 'ju'), '--junit', file, '--jobs', '1', '--json']);
    const o = JSON.parse(r.stdout) as { failed: number; passed: number };
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(file, 'utf8')) as { testsuites: { testsuite: { failures: string; testcase: unknown } } };
    const suite = xml.testsuites.testsuite;
    expect(Number(suite.failures)).toBe(o.failed);
    const cases = ([] as { name: string; failure?: { '#text': string; type: string } }[]).concat(suite.testcase as never);
    const failing = cases.filter((c) => c.failure !== undefined);
    expect(failing).toHaveLength(o.failed);
    for (const c of failing) {
      expect(c.name).toMatch(/^seed \d+$/);
      expect(c.failure!['#text']).toContain('replay: npx swsim replay');
    }
    if (o.passed > 0) expect(cases.some((c) => c.name === `${o.passed} passing seeds`)).toBe(true);
  }, 120_000);
});

describe('progress line', () => {
  it('says seeds done, the summary, the rate, and an ETA or the time left', () => {
    expect(progressText({ done: 10, total: 40, summary: '10 passed, 0 failed', steps: 20000, elapsedMs: 10_000, budgetMs: null }))
      .toBe('10/40 seeds  10 passed, 0 failed  2000 steps/s, ETA 30s');
    expect(progressText({ done: 5, total: null, summary: '5 passed, 0 failed', steps: 1000, elapsedMs: 30_000, budgetMs: 120_000 }))
      .toBe('5 seeds  5 passed, 0 failed  33 steps/s, 1m30s left');
  });
});

describe('fuzz --check-determinism', () => {
  it('finds where two traces first differ, and the step', () => {
    const a = '{"type":"header"}\n{"type":"step","step":1,"fp":"aa"}\n{"type":"step","step":2,"fp":"bb"}\n';
    const b = '{"type":"header"}\n{"type":"step","step":1,"fp":"aa"}\n{"type":"step","step":2,"fp":"XX"}\n';
    expect(firstDifference(7, a, a)).toBeNull();
    expect(firstDifference(7, a, b)).toEqual({ seed: 7, line: 3, step: 2, first: '{"type":"step","step":2,"fp":"bb"}', second: '{"type":"step","step":2,"fp":"XX"}' });
    expect(firstDifference(7, a, a.slice(0, a.indexOf('{"type":"step","step":2')))?.step).toBe(2);
  });

  it('runs every seed twice in separate workers and finds them identical', async () => {
    const r = await cli(['fuzz', '--seeds', '3', '--check-determinism', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ seeds: 3, deterministic: 3, mismatches: [] });
  }, 120_000);

  it('needs a fixed list of seeds', async () => {
    const r = await cli(['fuzz', '--time', '10s', '--check-determinism']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--check-determinism needs --seeds N/);
  });
});

describe('fuzz shrinks failing seeds', () => {
  it('by default: a .shrunk.jsonl beside each failing trace, smaller, failing the same way, and replayable', async () => {
    const traces = join(dir, 'shrink');
    const r = await cli(['fuzz', '--seeds', '2', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--json', '--jobs', '1', '--traces', traces]);
    const o = JSON.parse(r.stdout) as { failures: { seed: number; invariant: string; step: number; shrunk?: { trace: string; steps: number } }[] };
    expect(o.failures.length).toBeGreaterThan(0);
    for (const f of o.failures) {
      expect(f.shrunk, JSON.stringify(f)).toBeDefined();
      expect(f.shrunk!.steps).toBeLessThanOrEqual(f.step);
      const rep = await cli(['replay', '--quiet', f.shrunk!.trace]);
      expect(rep.code, rep.stdout).toBe(0);
      expect(rep.stdout).toContain(`outcome fail ${f.invariant}`);
    }
  }, 120_000);

  it('--no-shrink writes only the failing traces', async () => {
    const traces = join(dir, 'noshrink');
    await cli(['fuzz', '--seeds', '2', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--no-shrink', '--jobs', '1', '--traces', traces]);
    expect(readdirSync(traces).filter((n) => n.includes('.shrunk.'))).toEqual([]);
  }, 120_000);
});
