// The scenario runner's own teeth: a `when` that never holds fails the run (SCENARIO) naming the
// action's file and line; a false assertion fails naming its line, what was expected and what was
// seen; a wrong expectation fails the scenario; `swsim scenario` prints a line per seed and
// "N passed, N failed" with the right exit code; a failing seed's trace replays, and a trace whose
// scenario file changed is refused.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, runScenarioSeed } from '../../src/scenario/runner.ts';
import { cli, firstLine } from '../cli/cli_helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-scenario-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const BASE = `cluster:
  servers: [p, r1]
  control: ideal
workload:
  generate: {rate: 20, until: 3s}
run: {fault_phase: 4s, quiet_phase: 20s}
`;

describe('scenario runner', () => {
  it('a condition that never holds fails at its timeout, naming the action and its line', () => {
    const f = file('never.yaml', `name: never\n${BASE}timeline:\n  - {id: wait, when: {lsn_committed: 100000}, timeout: 2s, do: epoch_bump}\nexpect: pass\n`);
    const v = runScenarioSeed(loadScenario(f), 1);
    expect(v.ok).toBe(false);
    expect(v.result.failure?.id).toBe('SCENARIO');
    expect(v.result.failure?.message).toMatch(/never\.yaml:9/);
    expect(v.result.failure?.message).toMatch(/wait/);
  });

  it('a false assertion fails naming its line, what was expected and what was seen', () => {
    const f = file('assert.yaml', `name: assert\n${BASE}expect: pass\nassert:\n  - {in_sync_count: 5}\n`);
    const v = runScenarioSeed(loadScenario(f), 1);
    expect(v.ok).toBe(false);
    expect(v.result.failure?.id).toBe('SCENARIO');
    expect(v.result.failure?.message).toMatch(/assert\.yaml:10: assertion failed: expected in_sync senders 5, seen 1/);
    expect(v.result.failure?.message).toMatch(/5/);
  });

  it('a run that passes does not satisfy an expected failure', () => {
    const f = file('wrong.yaml', `name: wrong\n${BASE}expect: {fail: E1}\n`);
    const v = runScenarioSeed(loadScenario(f), 1);
    expect(v.ok).toBe(false);
    expect(v.message).toMatch(/expected fail E1/);
  });

  it('swsim scenario: a line per seed, the closing line, exit 1 on a mismatch, and a trace that replays', async () => {
    const good = file('good.yaml', `name: good\n${BASE}expect: pass\n`);
    const bad = file('bad.yaml', `name: bad\n${BASE}expect: {fail: E1}\n`);
    const traces = join(dir, 'traces');
    const r = await cli(['scenario', good, bad, '--traces', traces]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
    const written = readdirSync(traces).filter((n) => n.endsWith('.jsonl'));
    expect(written).toHaveLength(1);
    const rep = await cli(['replay', '--quiet', join(traces, written[0]!)]);
    expect(rep.code, rep.stdout).toBe(0);
    // The trace names its scenario by path and hash: a changed file is refused, not misreplayed.
    writeFileSync(bad, `name: bad\n${BASE}expect: {fail: E2}\n`);
    const changed = await cli(['replay', '--quiet', join(traces, written[0]!)]);
    expect(changed.code).toBe(2);
    expect(firstLine(changed.stderr)).toMatch(/changed|sha256|hash/);
  }, 120_000);

  it('an ideal-master action under control: upstream is refused at load, not run against an idle model', async () => {
    const f = file('upfail.yaml', `name: upfail\ncluster:\n  servers: [p, r1]\n  control: upstream\ntimeline:\n  - {at: 1s, do: failover}\nexpect: pass\n`);
    const r = await cli(['scenario', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/upfail\.yaml:6:\d+: timeline\[0\]\.do: not supported under control: upstream: failover/);
  });

  it('a bad scenario file exits 2 with file:line:column', async () => {
    const f = file('typo.yaml', `name: typo\ncluster:\n  servres: [p]\nexpect: pass\n`);
    const r = await cli(['scenario', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/typo\.yaml:3:3: /);
  });
});
