// The exploration strategies through the CLI: `swsim check SCENARIO` finds a planted bug (B5 on a
// seed whose own run misses it) with one deviation, writes a bounded trace that `swsim replay`
// verifies, passes where there is nothing to find; `--strategy pct` on `scenario` writes a pct
// trace that replays; `fuzz --strategy pct` is the same for every --jobs; and bad bounds and flags exit 2 with a clear message.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, firstLine } from './cli_helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-explore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const B5_OFF = 'scenarios/b05-off-epoch-bump-endpoint-changed.yaml';

describe('swsim check SCENARIO', () => {
  it('finds B5 at k = 1 on seed 3 (its own run misses it); the bounded trace replays', async () => {
    const out = join(dir, 'b5.jsonl');
    const r = await cli(['check', B5_OFF, '--bug', 'B5', '--seed', '3', '--deviations', '2', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/k=0: 1 runs/);
    expect(r.stdout).toMatch(/VIOLATION I26 at step \d+ with 1 deviation\(s\)/);
    expect(r.stdout).toMatch(/bound reached: k = 0/);
    expect(JSON.parse(readFileSync(out, 'utf8').split('\n')[0]!)).toMatchObject({ strategy: 'bounded', bounded: { base: 'seed' } });
    const rep = await cli(['replay', out, '--quiet']);
    expect(rep.code).toBe(0);
    expect(rep.stdout).toMatch(/replay ok/);
  });

  it('reports no violation within the bound when there is none (--json)', async () => {
    const r = await cli(['check', B5_OFF, '--deviations', '0', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { runs: number; boundReached: number; violation: unknown; distinctStates: number };
    expect(j).toMatchObject({ runs: 1, boundReached: 0, violation: null });
    expect(j.distinctStates).toBeGreaterThan(0);
  });
});

describe('--strategy pct', () => {
  it('scenario --strategy pct writes a pct trace for a mismatching seed, and it replays', async () => {
    const traces = join(dir, 'pct');
    const r = await cli(['scenario', B5_OFF, '--bug', 'B5', '--seeds', '1', '--strategy', 'pct', '--pct-depth', '2', '--pct-steps', '300', '--traces', traces]);
    expect(r.code).toBe(1);
    const file = /replay: npx swsim replay (\S+)/.exec(r.stdout)?.[1];
    expect(file).toBeDefined();
    expect(JSON.parse(readFileSync(file!, 'utf8').split('\n')[0]!)).toMatchObject({ strategy: 'pct', pct: { depth: 2, steps: 300 } });
    const rep = await cli(['replay', file!, '--quiet']);
    expect(rep.code).toBe(0);
  });
});

describe('fuzz --strategy pct --jobs', () => {
  it('--jobs 2 gives the same summary and byte-identical pct traces as --jobs 1', async () => {
    const args = ['fuzz', '--seeds', '3', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--strategy', 'pct', '--pct-depth', '2', '--no-shrink', '--json'];
    const [a, b] = [join(dir, 'pj1'), join(dir, 'pj2')];
    const one = await cli([...args, '--jobs', '1', '--traces', a]);
    const two = await cli([...args, '--jobs', '2', '--traces', b]);
    const strip = (s: string, d: string): Record<string, unknown> => {
      const o = JSON.parse(s.split(d).join('TRACES')) as Record<string, unknown>;
      delete o['wallMs'];
      delete o['stepsPerSec'];
      return o;
    };
    expect(one.code).toBe(1);
    expect(strip(two.stdout, b)).toEqual(strip(one.stdout, a));
    const names = readdirSync(a).sort();
    expect(names.length).toBeGreaterThan(0);
    expect(readdirSync(b).sort()).toEqual(names);
    for (const n of names) expect(readFileSync(join(b, n), 'utf8')).toBe(readFileSync(join(a, n), 'utf8'));
    expect(JSON.parse(readFileSync(join(a, names[0]!), 'utf8').split('\n')[0]!)).toMatchObject({ strategy: 'pct', pct: { depth: 2 } });
  });
});

describe('bad exploration flags exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['too many deviations', ['check', B5_OFF, '--deviations', '9'], /--deviations 9: expected 0\.\.6/],
    ['an engine flag on a scenario', ['check', B5_OFF, '--depth', '3'], /--depth is for 'check engine'/],
    ['a scenario flag on the engine', ['check', 'engine', '--deviations', '1'], /--deviations is for a scenario target/],
    ['a bad base', ['check', B5_OFF, '--base', 'one'], /--base: expected seed or zero/],
    ['a zero time budget', ['check', B5_OFF, '--time', '0s'], /--time 0/],
    ['a missing scenario', ['check', join(dir, 'nope.yaml')], /cannot read the file/],
    ['no target', ['check'], /needs one target/],
    ['an unknown strategy', ['fuzz', '--strategy', 'dfs'], /--strategy: expected random or pct/],
    ['a pct flag without pct', ['run', '--seed', '1', '--pct-depth', '2'], /--pct-depth goes with --strategy pct/],
    ['a pct depth of 0', ['scenario', B5_OFF, '--strategy', 'pct', '--pct-depth', '0'], /--pct-depth 0: expected 1\.\.10/],
  ];
  for (const [what, args, msg] of cases) {
    it(what, async () => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(firstLine(r.stderr)).not.toMatch(/at .*\.ts:\d+/);
    });
  }
});
