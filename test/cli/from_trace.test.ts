// `swsim scenario --from-trace TRACE -o FILE` and `swsim fuzz --save-scenarios DIR`: a failing
// run saved as a scenario file that is run once and said to reproduce (or not); bad input — not a
// trace, a passing trace without findings, no -o — exits 2.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './cli_helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-cli-fromtrace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('swsim scenario --from-trace', () => {
  it('B5 default seed 1: writes the scenario, runs it, says it reproduces; the file then passes as a scenario', async () => {
    const trace = join(dir, 'b5.jsonl');
    const run = await cli(['run', '--seed', '1', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--trace', trace]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const out = join(dir, 'saved', 'b5.yaml');
    const r = await cli(['scenario', '--from-trace', trace, '-o', out]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}: scenario seed-1-i26, seed 1, 1 fault(s) (crash n1 at 2.631s), expect {fail: I26}`);
    expect(r.stdout).toMatch(/: reproduces \(fail I26 at step \d+: .*step for step/);
    expect(readFileSync(out, 'utf8')).toContain('  - {id: crash-n1, at: 2.631s, do: crash, server: n1');
    const again = await cli(['scenario', out]);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('1 passed, 0 failed');
    const j = await cli(['scenario', '--from-trace', trace, '--output', join(dir, 'b5-json.yaml'), '--json']);
    const o = JSON.parse(j.stdout) as { reproduces: boolean; stepForStep: boolean; expect: string; faults: { t: number; do: string }[] };
    expect(o).toMatchObject({ reproduces: true, stepForStep: true, expect: '{fail: I26}', faults: [{ t: 2631, do: 'crash' }] });
  }, 60_000);

  it('not a trace, a passing trace without findings, or no -o: exit 2', async () => {
    const junk = join(dir, 'junk.jsonl');
    writeFileSync(junk, 'hello\n');
    const a = await cli(['scenario', '--from-trace', junk, '-o', join(dir, 'a.yaml')]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`${junk}:1:`);
    expect(existsSync(join(dir, 'a.yaml'))).toBe(false);

    // A passing calm run; its trace with the findings taken out of the outcome line (calm seeds
    // may report a finding, which would be a legitimate expectation).
    const calm = join(dir, 'calm.jsonl');
    const run = await cli(['run', '--seed', '3', '--profile', 'calm', '--trace', calm]);
    expect(run.code, run.stdout).toBe(0);
    writeFileSync(calm, readFileSync(calm, 'utf8').replace(/("type":"outcome","status":"pass","steps":\d+,"findings":)\[.*\]\}/, '$1[]}'));
    expect(readFileSync(calm, 'utf8')).toMatch(/"status":"pass","steps":\d+,"findings":\[\]\}/);
    const b = await cli(['scenario', '--from-trace', calm, '-o', join(dir, 'b.yaml')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/passed without findings/);
    expect(existsSync(join(dir, 'b.yaml'))).toBe(false);

    const c = await cli(['scenario', '--from-trace', calm]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('needs -o FILE');
    const d = await cli(['scenario', '--from-trace', calm, '-o', join(dir, 'd.json')]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('.yaml or .yml');
    const e = await cli(['scenario', '--from-trace', join(dir, 'missing.jsonl'), '-o', join(dir, 'e.yaml')]);
    expect(e.code).toBe(2);
  }, 60_000);
});

describe('swsim fuzz --save-scenarios', () => {
  it('with shrinking on, saves each failing seed\'s shrunk scenario as DIR/seed-S-ID.yaml and checks that it reproduces', async () => {
    const saved = join(dir, 'shrunk-scen');
    const r = await cli(['fuzz', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--seeds', '2', '--jobs', '1', '--traces', join(dir, 'tr2'), '--save-scenarios', saved, '--json']);
    expect(r.code).toBe(1);
    const o = JSON.parse(r.stdout) as { failures: { seed: number; invariant: string; step: number; shrunk: { trace: string; steps: number }; scenario: { file: string; reproduces: boolean; seen: string } }[] };
    expect(o.failures.length).toBe(2);
    for (const f of o.failures) {
      expect(f.scenario).toMatchObject({ file: join(saved, `seed-${f.seed}-${f.invariant}.yaml`), reproduces: true });
      expect(f.scenario.seen).toMatch(new RegExp(`^fail ${f.invariant} at step \\d+`));
      const run = await cli(['scenario', f.scenario.file]);
      expect(run.code, run.stdout).toBe(0);
      expect(Number(/at step (\d+)/.exec(run.stdout)![1])).toBeLessThan(f.step);
      // The shrunk trace names the saved file and replays against it.
      const rep = await cli(['replay', '--quiet', f.shrunk.trace]);
      expect(rep.code, rep.stdout).toBe(0);
    }
    const text = await cli(['fuzz', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--seeds', '1', '--traces', join(dir, 'tr2'), '--save-scenarios', saved]);
    expect(text.stderr).toMatch(new RegExp(`scenario: ${join(saved, 'seed-1-I26.yaml').replace(/[.]/g, '\\.')} \\(shrunk: \\d+ fault\\(s\\) stated\\), reproduces \\(fail I26 at step`));
  }, 120_000);

  it('with --no-shrink, saves each failing seed as DIR/seed-S-ID.yaml and says it reproduces step for step', async () => {
    const saved = join(dir, 'scen');
    const r = await cli(['fuzz', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--seeds', '2', '--no-shrink', '--traces', join(dir, 'tr'), '--save-scenarios', saved, '--json']);
    expect(r.code).toBe(1);
    const o = JSON.parse(r.stdout) as { failures: { seed: number; invariant: string; scenario: { file: string; reproduces: boolean; stepForStep: boolean } }[] };
    expect(o.failures.length).toBe(2);
    for (const f of o.failures) {
      expect(f.scenario).toMatchObject({ file: join(saved, `seed-${f.seed}-${f.invariant}.yaml`), reproduces: true, stepForStep: true });
      expect(existsSync(f.scenario.file)).toBe(true);
    }
    const text = await cli(['fuzz', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--seeds', '1', '--no-shrink', '--traces', join(dir, 'tr'), '--save-scenarios', saved]);
    expect(text.stderr).toContain(`scenario: ${join(saved, 'seed-1-I26.yaml')} (1 fault(s)), reproduces (step for step`);
  }, 60_000);

  it('--save-scenarios naming a file exits 2 before any seed runs', async () => {
    const f = join(dir, 'afile');
    writeFileSync(f, 'x');
    const r = await cli(['fuzz', '--seeds', '1', '--save-scenarios', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--save-scenarios');
  });
});
