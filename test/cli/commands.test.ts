// CLI commands end to end: `run --trace` writes a trace that parses and replays; `fuzz --json`
// prints one JSON summary with the documented keys; plain `fuzz` ends with "N passed, N failed"
// and its exit code agrees; SIGINT during `fuzz` writes the interrupted seed's trace atomically
// and exits 130 (or 1 when a seed already failed).
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrace } from '../../src/trace/reader.ts';
import { start, swsim, whenExists } from './cli_helpers.ts';

/** A calm seed that passes (at the time of writing) and runs in about a second. */
const PASSING_CALM_SEED = 3;

describe('swsim commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swsim-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run --seed S --trace F writes a parseable trace that replays', async () => {
    const file = join(dir, 'run', 'calm.jsonl');
    const r = await swsim(['run', '--seed', String(PASSING_CALM_SEED), '--profile', 'calm', '--trace', file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^pass seed ${PASSING_CALM_SEED}: \\d+ steps`));
    const t = readTrace(file);
    expect(t.header.seed).toBe(PASSING_CALM_SEED);
    expect(t.header.profile).toBe('calm');
    expect(t.outcome.status).toBe('pass');
    expect(t.steps.length).toBe(t.outcome.steps);
    expect(t.steps.length).toBeGreaterThan(100);
    const rep = await swsim(['replay', file, '--quiet']);
    expect(rep.code, rep.stdout).toBe(0);
    expect(rep.stdout).toContain(`replay ok: ${t.steps.length} steps`);
  });

  it('run --json reports the outcome as one JSON object; a run cut by --max-steps is incomplete, exit 1', async () => {
    const r = await swsim(['run', '--seed', '5', '--max-steps', '300', '--json']);
    const o = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(o['seed']).toBe(5);
    expect(o['steps']).toBe(300);
    expect(o['status']).toBe('incomplete');
    expect(r.code).toBe(1);
    expect(typeof o['marks']).toBe('object'); // the coverage marks this run hit, by name
    const allowed = await swsim(['run', '--seed', '5', '--max-steps', '300', '--json', '--allow-incomplete']);
    expect(allowed.code).toBe(0);
  });

  it('fuzz --seeds 3 --json prints one JSON object with the documented keys', async () => {
    const traces = join(dir, 'fuzz-json');
    const r = await swsim(['fuzz', '--seeds', '3', '--profile', 'basic', '--max-steps', '2000', '--json', '--traces', traces]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(o).sort()).toEqual(
      ['coverage', 'failed', 'failures', 'findingRuns', 'findings', 'incomplete', 'incompleteRuns', 'interrupted', 'marks', 'passed', 'runs', 'simulatedMs', 'steps', 'stepsPerSec', 'wallMs'].sort());
    expect(o['runs']).toBe(3);
    expect((o['passed'] as number) + (o['failed'] as number) + (o['incomplete'] as number)).toBe(3);
    expect(o['passed']).toBe(0); // 2000 steps never reach the end of a basic run: nothing may pass
    expect((o['incompleteRuns'] as unknown[]).length).toBe(o['incomplete']);
    expect(o['steps']).toBeGreaterThan(0);
    expect(o['steps']).toBeLessThanOrEqual(3 * 2000);
    expect(o['simulatedMs']).toBeGreaterThan(0);
    expect(o['wallMs']).toBeGreaterThan(0);
    expect(o['stepsPerSec']).toBeGreaterThan(0);
    expect(typeof o['coverage']).toBe('object');
    const marks = o['marks'] as { counts: Record<string, number>; layers: Record<string, { hit: number; total: number }>; hit: number; total: number };
    expect(Object.keys(marks.layers)).toEqual(['engine', 'storage', 'replication', 'control']);
    expect(marks.hit).toBe(Object.keys(marks.counts).length);
    expect(marks.hit).toBeGreaterThan(0);
    expect(Object.values(marks.layers).reduce((n, l) => n + l.total, 0)).toBe(marks.total);
    const failures = o['failures'] as { seed: number; invariant: string; step: number; trace: string }[];
    expect(failures).toHaveLength(o['failed'] as number);
    for (const f of failures) {
      expect(readTrace(f.trace).outcome.invariant).toBe(f.invariant);
      expect(readTrace(f.trace).header.seed).toBe(f.seed);
    }
    expect(r.code).toBe(1);
  });

  it('plain fuzz ends with "N passed, N failed" and its exit code agrees', async () => {
    const traces = join(dir, 'fuzz-text');
    const r = await swsim(['fuzz', '--seeds', '2', '--from', String(PASSING_CALM_SEED), '--profile', 'calm', '--traces', traces]);
    const last = r.stdout.trimEnd().split('\n').at(-1)!;
    const m = /^(\d+) passed, (\d+) failed$/.exec(last);
    expect(m, last).not.toBeNull();
    const [passed, failed] = [Number(m![1]), Number(m![2])];
    expect(passed + failed).toBe(2);
    expect(r.code).toBe(failed > 0 ? 1 : 0);
    // One FAIL line and one trace per failed seed.
    expect(r.stderr.match(/^FAIL seed \d+ /gm) ?? []).toHaveLength(failed);
    expect(existsSync(traces) ? readdirSync(traces).filter((n) => n.endsWith('.jsonl') && !n.includes('.shrunk.')) : []).toHaveLength(failed);
  });

  it('SIGINT during fuzz writes the interrupted trace atomically and exits', async () => {
    const traces = join(dir, 'fuzz-sigint');
    const run = start(['fuzz', '--seeds', '1000', '--profile', 'calm', '--from', String(PASSING_CALM_SEED), '--traces', traces, '--jobs', '1']);
    await whenExists(traces); // the Ctrl-C handler is installed once the traces folder is checked
    await new Promise<void>((r) => setTimeout(r, 500));
    run.child.kill('SIGINT');
    const r = await run.result;
    expect([130, 1], r.stderr).toContain(r.code);
    const names = existsSync(traces) ? readdirSync(traces) : [];
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const interrupted = names.filter((n) => /^seed-\d+-interrupted\.jsonl$/.test(n));
    expect(interrupted, `trace dir: ${names.join(', ')}; stderr: ${r.stderr}`).toHaveLength(1);
    const t = readTrace(join(traces, interrupted[0]!));
    expect(t.outcome.status).toBe('interrupted');
    expect(t.steps.length).toBe(t.outcome.steps);
    expect(r.stderr).toContain(`partial trace: ${join(traces, interrupted[0]!)}`);
  }, 60_000);
});

describe('swsim coverage', () => {
  it('--json lists hit/total per layer and the never-hit marks; text groups them by layer', async () => {
    const j = await swsim(['coverage', '--profile', 'calm', '--control', 'ideal', '--seeds', '2', '--jobs', '1', '--json']);
    expect(j.code).toBe(0);
    const o = JSON.parse(j.stdout) as { combos: { profile: string; control: string; seeds: number }[]; hit: number; total: number; layers: Record<string, { hit: number; total: number }>; neverHit: Record<string, string[]> };
    expect(o.combos).toEqual([expect.objectContaining({ profile: 'calm', control: 'ideal', seeds: 2 })]);
    expect(o.hit + Object.values(o.neverHit).reduce((n, l) => n + l.length, 0)).toBe(o.total);
    expect(o.neverHit['engine']).toContain('engine_budget_progress_stalled');
    const t = await swsim(['coverage', '--profile', 'calm', '--control', 'ideal', '--seeds', '1', '--jobs', '1']);
    expect(t.stdout).toMatch(/marks hit: \d+\/\d+ \(engine \d+\/\d+, storage/);
    expect(t.stdout).toContain('never hit in engine');
    expect((await swsim(['coverage', '--profile', 'nope'])).code).toBe(2);
  }, 60_000);
});
