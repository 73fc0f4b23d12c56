// `swsim shrink`: shrinks a failing trace into a shrunk trace that `swsim replay` verifies and a
// shrunk scenario file that `swsim scenario` reproduces, prints steps, fault events, client
// operations and simulated time before → after, gives the same bytes for the same input and
// budget, and answers bad input (not a trace, a passing trace, bad flags) with exit 2. Runs `main`
// in-process.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import { traceToLines } from '../../src/trace/format.ts';
import { readTrace } from '../../src/trace/reader.ts';
import { runSeed } from '../../src/trace/run.ts';
import { cli, firstLine } from './cli_helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-shrink-'));
const p = (name: string): string => join(dir, name);

beforeAll(() => {
  // B5, seed 3: fails I26 after 40 steps.
  const failing = runSeed({ seed: 3, profile: 'basic', control: 'ideal', bugs: ['B5'], strict: false, maxSteps: 2_000_000, record: true, check: true }, makeClusterWorld, new RandomChooser(3));
  writeFileSync(p('fail.jsonl'), traceToLines(failing.trace));
  const passing = runSeed({ seed: 11, profile: 'calm', bugs: [], strict: false, maxSteps: 40, stepCap: 'incomplete', record: true, check: true }, makeClusterWorld, new RandomChooser(11));
  writeFileSync(p('pass.jsonl'), traceToLines(passing.trace));
  writeFileSync(p('notjson.jsonl'), 'hello\n');
});

describe('swsim shrink', () => {
  it('writes a smaller failing trace that replay verifies and a scenario that reproduces; prints the sizes before → after', async () => {
    const r = await cli(['shrink', p('fail.jsonl'), '-o', p('out.jsonl'), '--scenario-out', p('out.yaml'), '--budget', '200']);
    expect(r.code, r.stderr).toBe(0);
    expect(firstLine(r.stdout)).toBe('shrunk seed 3 I26 (failure)');
    expect(r.stdout).toMatch(/steps 40 → \d+, fault events \d+ → \d+, client operations 2 → \d+, simulated 0\.301s → \d+\.\d{3}s/);
    expect(r.stdout).toMatch(/before: 40 steps, \d+ fault events, 2 client operations, 0\.301s simulated, 128 choices/);
    expect(r.stdout).toContain(`written: ${p('out.yaml')}\nreproduce: npx swsim scenario ${p('out.yaml')}`);
    const sc = await cli(['scenario', p('out.yaml')]);
    expect(sc.code, sc.stdout + sc.stderr).toBe(0);
    expect(sc.stdout).toContain('1 passed, 0 failed');
    expect(r.stdout).toContain(`replay: npx swsim replay ${p('out.jsonl')}`);
    const t = readTrace(p('out.jsonl'));
    expect(t.header.strategy).toBe('shrunk');
    expect(t.header.shrunkFrom?.steps).toBe(40);
    expect(t.header.scenario?.path).toBe(p('out.yaml'));
    expect(t.outcome.invariant).toBe('I26');
    expect(t.outcome.steps).toBeLessThan(40);
    const rep = await cli(['replay', '--quiet', p('out.jsonl')]);
    expect(rep.code, rep.stdout).toBe(0);
    expect(rep.stdout).toContain(`outcome fail I26 at step ${t.outcome.steps}, reproduced`);
  });

  it('is deterministic: the same trace and budget give the same bytes; --json reports the numbers', async () => {
    const a = await cli(['shrink', p('fail.jsonl'), '-o', p('a.jsonl'), '--scenario-out', p('a.yaml'), '--budget', '60', '--json']);
    const aTrace = readFileSync(p('a.jsonl'), 'utf8');
    const aScenario = readFileSync(p('a.yaml'), 'utf8');
    const b = await cli(['shrink', p('fail.jsonl'), '--out', p('a.jsonl'), '--scenario-out', p('a.yaml'), '--budget', '60', '--json']);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(readFileSync(p('a.jsonl'), 'utf8')).toBe(aTrace);
    expect(readFileSync(p('a.yaml'), 'utf8')).toBe(aScenario);
    const j = JSON.parse(a.stdout) as Record<string, unknown>;
    expect(j['invariant']).toBe('I26');
    expect(j['cause']).toBeNull();
    expect(j['candidates']).toBe(60);
    expect(j['stoppedBy']).toBe('budget');
    expect(j['before']).toMatchObject({ steps: 40, clientOps: 2 });
    expect(Object.keys(j['after'] as object).sort()).toEqual(['choices', 'clientOps', 'faults', 'simulatedMs', 'steps']);
    expect(j['scenario']).toMatchObject({ file: p('a.yaml') });
  });

  it('--choices-only shrinks the choice sequence alone: no scenario file, the trace is the seed\'s run', async () => {
    const r = await cli(['shrink', p('fail.jsonl'), '-o', p('c.jsonl'), '--choices-only', '--budget', '60', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j['scenario']).toBeNull();
    expect(j['passes']).not.toContainEqual(expect.objectContaining({ pass: 'timeline' }));
    expect(readTrace(p('c.jsonl')).header.scenario).toBeUndefined();
    expect(existsSync(p('c.shrunk.yaml'))).toBe(false);
  });

  it('writes next to the input by default', async () => {
    const r = await cli(['shrink', p('fail.jsonl'), '--budget', '30']);
    expect(r.code, r.stderr).toBe(0);
    expect(readTrace(p('fail.shrunk.jsonl')).header.strategy).toBe('shrunk');
    expect(existsSync(p('fail.shrunk.yaml'))).toBe(true);
  });

  it('a shrunk trace cannot become a scenario file (its choices are not its seed\'s): exit 2', async () => {
    await cli(['shrink', p('fail.jsonl'), '-o', p('for-scenario.jsonl'), '--budget', '5']);
    const r = await cli(['scenario', '--from-trace', p('for-scenario.jsonl'), '-o', p('s.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the trace is a shrunk run (swsim shrink)');
  });

  it.each([
    ['not a trace', () => ['shrink', p('notjson.jsonl')], `swsim shrink: ${p('notjson.jsonl')}:1: field '(line)': expected one JSON object per line`],
    ['a passing trace', () => ['shrink', p('pass.jsonl'), '-o', p('x.jsonl')], `swsim shrink: ${p('pass.jsonl')}: the trace's run did not fail (outcome incomplete): only a failing run can be shrunk`],
    ['the input as output', () => ['shrink', p('fail.jsonl'), '-o', p('fail.jsonl')], `swsim shrink: --out ${p('fail.jsonl')}: is the input trace; write the shrunk trace elsewhere (the default is ${p('fail.shrunk.jsonl')})`],
    ['the trace as scenario', () => ['shrink', p('fail.jsonl'), '-o', p('y.jsonl'), '--scenario-out', p('y.jsonl')], `swsim shrink: --scenario-out ${p('y.jsonl')}: is the shrunk trace's file; write the scenario elsewhere (the default is ${p('fail.shrunk.yaml')})`],
    ['no file', () => ['shrink'], 'swsim shrink: shrink needs exactly one trace file'],
    ['a zero budget', () => ['shrink', p('fail.jsonl'), '--budget', '0'], 'swsim shrink: --budget 0 selects no work: expected at least 1'],
    ['a bad time', () => ['shrink', p('fail.jsonl'), '--time', 'soon'], "swsim shrink: flag --time: expected a duration like 60s, 2m or 500ms, got 'soon'"],
  ])('%s: exit 2 with a clear message', async (_name, args, message) => {
    const r = await cli(args());
    expect(r.code).toBe(2);
    expect(firstLine(r.stderr)).toBe(message);
    expect(r.stdout).toBe('');
  });
});
