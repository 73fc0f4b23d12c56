// `swsim replay --explain` and the timeline filters. On a hand-made trace the story's selection
// is exact: faults, steps changing an object the failure names (or the failing actor's own role,
// or the master's), the failing step — and nothing that only touched other servers. On a real
// failure (B5) the story is a small fraction of the trace and holds the crash and the failover.
// Filters: --actor/--kind/--grep show only matching steps; bad input exits 2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, involvedServers } from '../../src/trace/explain.ts';
import type { Trace, TraceStep } from '../../src/trace/format.ts';
import { readTrace } from '../../src/trace/reader.ts';
import { cli } from '../cli/cli_helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-explain-'));
const b5 = join(dir, 'b5.jsonl');
const pass = join(dir, 'pass.jsonl');
beforeAll(async () => {
  expect((await cli(['run', '--seed', '1', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--trace', b5])).code).toBe(1);
  expect((await cli(['run', '--seed', '2', '--profile', 'calm', '--control', 'ideal', '--trace', pass])).code).toBe(0);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function step(actor: string, kind: string, detail?: string): TraceStep {
  n += 1;
  return { type: 'step', step: n, t: n, actor, kind, ...(detail === undefined ? {} : { detail }), fp: '0' };
}

describe('explain: the story of a failure', () => {
  it('names servers and replicas from the message, not other words', () => {
    expect(involvedServers('replica vol1/s3 session 1: endpoint stayed n1:3260 v1 (s12)')).toEqual([1, 3, 12]);
    expect(involvedServers('sessions 2 and version v2')).toEqual([]);
  });

  it('keeps faults, changes to named objects, the actor\'s own role, the master, the failing step; nothing else', () => {
    n = 0;
    const steps = [
      step('n1', 'vol.write', 'op 1 | n1.head=1'), // 1: n1 hosts the named s1, but only an LSN moved: folded (in the state)
      step('n3', 'master.assign', 'assign replica | n3.role=replica'), // 2: another server: folded
      step('fault', 'fault.tick', 'crash n3 | n3.up=0'), // 3: a fault: kept
      step('fault', 'fault.tick'), // 4: a tick that did nothing: folded
      step('n2', 'master.assign', 'assign primary ep=2 | n2.role=primary n2.snd.s3=disconnected'), // 5: actor's own role: kept, n2.snd.s3 cut
      step('n2', 'rpc.probe.reply', 'reply | n2.snd.s1=needs_rebuild n2.snd.s3=in_sync'), // 6: names s1: kept
      step('master', 'master.tick', 'failover | m.pri=s2 m.ep=2'), // 7: the master: kept
      step('n2', 'engine.next', 'x | n2.snd.s3=catching_up'), // 8: only s3: folded
      step('n2', 'master.assign', 'assign | n2.ses.s1=4'), // 9: the failing step
      step('n2', 'after', 'after | n2.role=none'), // 10: after the failure: never
    ];
    const real = readTrace(b5);
    const trace: Trace = { ...real, steps, outcome: { type: 'outcome', status: 'fail', invariant: 'I26', step: 9, message: 'replica vol1/s1 went wrong', steps: 9, findings: [] } };
    const story = explain(trace)!;
    expect(story.steps.map((k) => [k.step.step, k.role])).toEqual([[3, 'fault'], [5, 'change'], [6, 'change'], [7, 'change'], [9, 'failure']]);
    expect(story.steps[1]!.detail).toBe('assign primary ep=2 | n2.role=primary');
    expect(story.steps[2]!.detail).toBe('reply | n2.snd.s1=needs_rebuild');
    expect(Object.fromEntries(story.state)).toEqual({ 'n1.head': '1', 'm.pri': 's2', 'm.ep': '2', 'n2.role': 'primary', 'n2.snd.s1': 'needs_rebuild', 'n2.ses.s1': '4' });
  });

  it('keeps a scenario `when` action that ran inside another actor\'s step, even when it changed nothing named', () => {
    n = 0;
    const steps = [
      step('n3', 'engine.beginCatchUp', 'scenario "bump": epoch_bump; epoch bump to 2'), // 1: a when action: kept as a fault
      step('n3', 'engine.next', 'scenario "chk": assert'), // 2: a point assertion is no fault: folded
      step('n2', 'master.assign', 'assign | n2.ses.s1=4'), // 3: the failing step
    ];
    const real = readTrace(b5);
    const trace: Trace = { ...real, steps, outcome: { type: 'outcome', status: 'fail', invariant: 'I26', step: 3, message: 'replica vol1/s1 went wrong', steps: 3, findings: [] } };
    expect(explain(trace)!.steps.map((k) => [k.step.step, k.role])).toEqual([[1, 'fault'], [3, 'failure']]);
  });

  it('on a real failure: a small part of the trace, with the crash, the failover and the failing step', () => {
    const trace = readTrace(b5);
    const story = explain(trace)!;
    expect(story.invariant).toBe('I26');
    expect(story.steps.length).toBeLessThan(trace.steps.length / 5);
    expect(story.steps.some((k) => k.role === 'fault' && /crash n1/.test(k.detail))).toBe(true);
    expect(story.steps.some((k) => /m\.pri=s2/.test(k.detail))).toBe(true);
    expect(story.steps.at(-1)!.step.step).toBe(trace.outcome.step);
  });

  it('swsim replay --explain prints the story, folds the rest and ends with the state at the failure', async () => {
    const r = await cli(['replay', b5, '--explain']);
    expect(r.code).toBe(0); // the replay itself matches
    expect(r.stdout).toMatch(/Why I26 fired at step \d+/);
    expect(r.stdout).toMatch(/⋮ \d+ steps/);
    expect(r.stdout).toMatch(/state at step \d+: .*m\.pri=s2/);
  }, 30_000);

  it('a passing trace has nothing to explain: exit 2', async () => {
    const r = await cli(['replay', pass, '--explain']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing to explain: the run passed with no finding/);
  }, 30_000);
});

describe('timeline filters', () => {
  it('--actor and --kind show only matching steps, with the gaps folded', async () => {
    const r = await cli(['replay', b5, '--actor', 'master', '--kind', 'master.tick']);
    const lines = r.stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\.\d{3}s /.test(l));
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(l).toMatch(/ master\s+master\.tick/);
    expect(r.stdout).toMatch(/\d+ steps matched the filter/);
  }, 30_000);

  it('--grep matches kind and detail', async () => {
    const r = await cli(['replay', b5, '--grep', 'failover to s2']);
    const lines = r.stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\.\d{3}s /.test(l));
    expect(lines).toHaveLength(1);
    expect(r.stdout).toMatch(/^1 step matched the filter$/m);
  }, 30_000);

  it('a bad --grep pattern exits 2 naming it', async () => {
    const r = await cli(['replay', b5, '--grep', '(']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/flag --grep: expected a regular expression, got '\('/);
  });
});
