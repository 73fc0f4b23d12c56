// Every bad input answered precisely: flags, zero-work selections, output paths, trace files and
// engine scripts. Each case asserts the exit code (2: bad usage or input) and the first line of
// the message, and that nothing ran (no stack trace, no summary). Runs `main` in-process.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import { traceToLines } from '../../src/trace/format.ts';
import { runSeed } from '../../src/trace/run.ts';
import { cli, firstLine } from './cli_helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-bad-input-'));
const p = (name: string): string => join(dir, name);

/** A valid trace of a short incomplete run, as JSON lines, to be edited by the cases below. */
let good = '';

function editHeader(edit: (h: Record<string, unknown>) => void): string {
  const lines = good.split('\n');
  const h = JSON.parse(lines[0]!) as Record<string, unknown>;
  edit(h);
  lines[0] = JSON.stringify(h);
  return lines.join('\n');
}

function editLine(fromEnd: number, edit: (o: Record<string, unknown>) => void): string {
  const lines = good.trimEnd().split('\n');
  const i = lines.length - fromEnd;
  const o = JSON.parse(lines[i]!) as Record<string, unknown>;
  edit(o);
  lines[i] = JSON.stringify(o);
  return lines.join('\n') + '\n';
}

beforeAll(() => {
  const r = runSeed({ seed: 11, profile: 'calm', bugs: [], strict: false, maxSteps: 40, stepCap: 'incomplete', record: true, check: true }, makeClusterWorld, new RandomChooser(11));
  good = traceToLines(r.trace);
  writeFileSync(p('good.jsonl'), good);
  writeFileSync(p('a-file'), 'x');
  mkdirSync(p('a-dir'));
  writeFileSync(p('empty.jsonl'), '');
  writeFileSync(p('blank.jsonl'), '\n\n   \n');
  writeFileSync(p('notjson.jsonl'), 'hello\n');
  writeFileSync(p('profile.jsonl'), editHeader((h) => { h['profile'] = 'turbo'; }));
  writeFileSync(p('bugs.jsonl'), editHeader((h) => { h['bugs'] = ['B999']; }));
  writeFileSync(p('v1.jsonl'), editHeader((h) => { h['formatVersion'] = 1; }));
  writeFileSync(p('nobuild.jsonl'), editHeader((h) => { delete h['build']; }));
  writeFileSync(p('strategy.jsonl'), editHeader((h) => { h['strategy'] = 'exhaustive'; }));
  writeFileSync(p('shrunk-nofrom.jsonl'), editHeader((h) => { h['strategy'] = 'shrunk'; }));
  writeFileSync(p('random-shrink.jsonl'), editHeader((h) => { h['shrink'] = { passes: [], candidates: 1, budget: 1 }; }));
  writeFileSync(p('stepcap.jsonl'), editHeader((h) => { h['stepCap'] = 'sometimes'; }));
  writeFileSync(p('maxsteps.jsonl'), editHeader((h) => { h['maxSteps'] = 0; }));
  writeFileSync(p('negseed.jsonl'), editHeader((h) => { h['seed'] = -3; }));
  writeFileSync(p('status.jsonl'), editLine(2, (o) => { o['status'] = 'great'; }));
  writeFileSync(p('failnoinv.jsonl'), editLine(2, (o) => { o['status'] = 'fail'; }));
  writeFileSync(p('choices.jsonl'), editLine(1, (o) => { o['choices'] = [1, -2]; }));
  writeFileSync(p('extra.jsonl'), good + '{"type":"more"}\n');
  writeFileSync(p('engine-bad-json.jsonl'), '{"op":"orchestrator.processAssignment"\n');
  writeFileSync(p('engine-bad-op.jsonl'), '{"op":"sender.fly","args":{}}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** [name, argv, first line of stderr (exact string: prefix; RegExp: match)]; every case exits 2. */
const CASES: ReadonlyArray<[string, () => string[], string | RegExp]> = [
  // Flags and zero-work selections.
  ['fuzz --seeds 0', () => ['fuzz', '--seeds', '0'], 'swsim fuzz: --seeds 0 selects no work: expected at least 1'],
  ['fuzz --time 0', () => ['fuzz', '--time', '0'], 'swsim fuzz: --time 0 selects no work'],
  ['fuzz --time 0s', () => ['fuzz', '--time', '0s'], 'swsim fuzz: --time 0 selects no work'],
  ['fuzz --max-steps 0', () => ['fuzz', '--max-steps', '0'], 'swsim fuzz: --max-steps 0 selects no work: expected at least 1'],
  ['fuzz --jobs 0', () => ['fuzz', '--jobs', '0'], 'swsim fuzz: --jobs 0 selects no work: expected at least 1'],
  ['fuzz --shard 5/4', () => ['fuzz', '--shard', '5/4'], 'swsim fuzz: --shard 5/4: expected i/n with 1 <= i <= n, such as 2/4'],
  ['fuzz --shard leaves no seed', () => ['fuzz', '--seeds', '2', '--shard', '3/4'], 'swsim fuzz: --shard 3/4: --seeds 2 leaves this shard no seed'],
  ['fuzz --max-failures 0', () => ['fuzz', '--max-failures', '0'], 'swsim fuzz: --max-failures 0 selects no work'],
  ['fuzz --junit names a folder', () => ['fuzz', '--seeds', '1', '--junit', p('a-dir')], `swsim fuzz: --junit ${p('a-dir')}: is a folder`],
  ['run --max-steps 0', () => ['run', '--seed', '1', '--max-steps', '0'], 'swsim run: --max-steps 0 selects no work'],
  ['fuzz --seeds -1', () => ['fuzz', '--seeds', '-1'], "swsim fuzz: flag --seeds: expected a non-negative integer, got '-1'"],
  ['fuzz --seeds 1.5', () => ['fuzz', '--seeds', '1.5'], "swsim fuzz: flag --seeds: expected a non-negative integer, got '1.5'"],
  ['fuzz --time forever', () => ['fuzz', '--time', 'forever'], "swsim fuzz: flag --time: expected a duration like 60s, 2m or 500ms, got 'forever'"],
  ['fuzz --time -5s', () => ['fuzz', '--time', '-5s'], "swsim fuzz: flag --time: expected a duration like 60s, 2m or 500ms, got '-5s'"],
  ['fuzz unknown flag', () => ['fuzz', '--turbo'], "swsim fuzz: unknown flag --turbo (see 'swsim fuzz --help')"],
  ['fuzz positional', () => ['fuzz', 'extra'], "swsim fuzz: fuzz takes no positional arguments, got 'extra'"],
  ['fuzz unknown profile', () => ['fuzz', '--profile', 'wild'], "swsim fuzz: --profile: expected one of default, basic, calm, network, crash, storage, got 'wild'"],
  ['fuzz unknown bug', () => ['fuzz', '--bug', 'NOPE99'], "swsim fuzz: --bug: unknown bug id 'NOPE99'"],
  ['bool flag with a value', () => ['fuzz', '--json=yes'], 'swsim fuzz: flag --json takes no value'],
  ['flag without its value', () => ['fuzz', '--seeds'], 'swsim fuzz: flag --seeds needs a value'],
  ['flag followed by a flag', () => ['fuzz', '--traces', '--json'], 'swsim fuzz: flag --traces needs a value'],
  ['run without --seed', () => ['run'], 'swsim run: run needs --seed S'],
  ['run --seed abc', () => ['run', '--seed', 'abc'], "swsim run: flag --seed: expected a non-negative integer, got 'abc'"],
  ['run positional', () => ['run', '--seed', '1', 'x'], "swsim run: run takes no positional arguments, got 'x'"],
  ['unknown command', () => ['frobnicate'], "swsim: unknown command 'frobnicate'"],
  ['bugs with an argument', () => ['bugs', 'B4'], "swsim bugs: bugs takes no arguments, got 'B4'"],
  // Output paths, checked before anything runs.
  ['--traces names a file', () => ['fuzz', '--seeds', '1', '--traces', p('a-file')], `swsim fuzz: --traces ${p('a-file')}: is a file, expected a folder for the trace files`],
  ['--traces under a file', () => ['fuzz', '--seeds', '1', '--traces', join(p('a-file'), 'sub')], `swsim fuzz: --traces ${join(p('a-file'), 'sub')}: cannot create the folder`],
  ['--traces in /proc', () => ['fuzz', '--seeds', '1', '--traces', '/proc/self/swsim'], 'swsim fuzz: --traces /proc/self/swsim: a pseudo file system (proc), expected a folder on a real file system'],
  ['--traces in /sys', () => ['fuzz', '--seeds', '1', '--traces', '/sys/swsim'], 'swsim fuzz: --traces /sys/swsim: a pseudo file system (sys)'],
  ['--trace names a folder', () => ['run', '--seed', '1', '--trace', p('a-dir')], `swsim run: --trace ${p('a-dir')}: is a folder, expected a file name such as ${p('a-dir')}/trace.jsonl`],
  ['--trace ends with a slash', () => ['run', '--seed', '1', '--trace', `${p('new-dir')}/`], `swsim run: --trace ${p('new-dir')}/: names a folder`],
  ['--trace in /proc', () => ['run', '--seed', '1', '--trace', '/proc/self/status'], 'swsim run: --trace /proc/self/status: a pseudo file system (proc)'],
  ['--trace under a file', () => ['run', '--seed', '1', '--trace', join(p('a-file'), 't.jsonl')], `swsim run: --trace ${join(p('a-file'), 't.jsonl')}: ${p('a-file')} is a file, expected a folder`],
  // Trace files given to replay.
  ['replay without a file', () => ['replay'], 'swsim replay: replay needs exactly one trace file'],
  ['replay two files', () => ['replay', p('good.jsonl'), p('good.jsonl')], 'swsim replay: replay needs exactly one trace file'],
  ['replay missing file', () => ['replay', p('missing.jsonl')], `swsim replay: ${p('missing.jsonl')}:0: field '(file)': expected a readable trace file`],
  ['replay a folder', () => ['replay', p('a-dir')], `swsim replay: ${p('a-dir')}:0: field '(file)': expected a readable trace file`],
  ['replay empty file', () => ['replay', p('empty.jsonl')], `swsim replay: ${p('empty.jsonl')}:`],
  ['replay not JSON', () => ['replay', p('notjson.jsonl')], `swsim replay: ${p('notjson.jsonl')}:1: field '(line)': expected one JSON object per line`],
  ['replay unknown profile', () => ['replay', p('profile.jsonl')], `swsim replay: ${p('profile.jsonl')}:1: field 'profile': expected one of default, basic, calm, network, crash, storage (got 'turbo': unknown to this version)`],
  ['replay unknown bug', () => ['replay', p('bugs.jsonl')], `swsim replay: ${p('bugs.jsonl')}:1: field 'bugs[0]': expected a known bug id (got "B999"`],
  ['replay an older format', () => ['replay', p('v1.jsonl')], `swsim replay: ${p('v1.jsonl')}:1: field 'formatVersion': expected 2 (the trace was written by an older swsim`],
  ['replay without build', () => ['replay', p('nobuild.jsonl')], `swsim replay: ${p('nobuild.jsonl')}:1: field 'build': expected a string`],
  ['replay unknown strategy', () => ['replay', p('strategy.jsonl')], `swsim replay: ${p('strategy.jsonl')}:1: field 'strategy': expected one of random, shrunk, pct, bounded`],
  ['replay shrunk without shrunkFrom', () => ['replay', p('shrunk-nofrom.jsonl')], `swsim replay: ${p('shrunk-nofrom.jsonl')}:1: field 'shrunkFrom': expected an object {seed, steps, simulatedMs, choices} (a shrunk trace)`],
  ['replay random with shrink info', () => ['replay', p('random-shrink.jsonl')], `swsim replay: ${p('random-shrink.jsonl')}:1: field 'shrink': expected absent (only a shrunk trace has it)`],
  ['replay bad stepCap', () => ['replay', p('stepcap.jsonl')], `swsim replay: ${p('stepcap.jsonl')}:1: field 'stepCap': expected one of livelock, incomplete`],
  ['replay maxSteps 0', () => ['replay', p('maxsteps.jsonl')], `swsim replay: ${p('maxsteps.jsonl')}:1: field 'maxSteps': expected a positive integer`],
  ['replay negative seed', () => ['replay', p('negseed.jsonl')], `swsim replay: ${p('negseed.jsonl')}:1: field 'seed': expected a non-negative integer`],
  ['replay unknown status', () => ['replay', p('status.jsonl')], /^swsim replay: .*status\.jsonl:\d+: field 'status': expected one of pass, fail, incomplete, interrupted$/],
  ['replay fail without invariant', () => ['replay', p('failnoinv.jsonl')], /^swsim replay: .*failnoinv\.jsonl:\d+: field 'invariant': expected a string$/],
  ['replay negative choice', () => ['replay', p('choices.jsonl')], /^swsim replay: .*choices\.jsonl:\d+: field 'choices\[1\]': expected a non-negative integer$/],
  ['replay line after choices', () => ['replay', p('extra.jsonl')], /^swsim replay: .*extra\.jsonl:\d+: field 'type': expected end of file after the choices line$/],
  ['replay --from after --to', () => ['replay', '--from', '10', '--to', '5', p('good.jsonl')], 'swsim replay: --from 10 --to 5: an empty range (from is after to)'],
  ['replay --from past the end', () => ['replay', '--from', '99999', p('good.jsonl')], 'swsim replay: --from 99999: the trace has 40 steps, so the range selects nothing'],
  ['replay --to 0', () => ['replay', '--to', '0', p('good.jsonl')], 'swsim replay: --to 0: the range selects nothing (steps start at 1)'],
  // Engine scripts.
  ['engine without a file', () => ['engine'], 'swsim engine: engine needs exactly one script file'],
  ['engine missing file', () => ['engine', p('missing.jsonl')], `swsim engine: ${p('missing.jsonl')}: cannot read: ENOENT`],
  ['engine a folder', () => ['engine', p('a-dir')], `swsim engine: ${p('a-dir')}: cannot read: EISDIR`],
  ['engine empty script', () => ['engine', p('empty.jsonl')], `swsim engine: ${p('empty.jsonl')}:1: empty script: expected at least one engine call`],
  ['engine blank script', () => ['engine', p('blank.jsonl')], `swsim engine: ${p('blank.jsonl')}:1: empty script`],
  ['engine bad JSON', () => ['engine', p('engine-bad-json.jsonl')], `swsim engine: ${p('engine-bad-json.jsonl')}:1:`],
  ['engine unknown op', () => ['engine', p('engine-bad-op.jsonl')], `swsim engine: ${p('engine-bad-op.jsonl')}:1: op:`],
];

describe('bad input exits 2 with a precise first line', () => {
  it('there are at least 40 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(40));
  for (const [name, argv, want] of CASES) {
    it(name, async () => {
      const r = await cli(argv());
      const line = firstLine(r.stderr);
      expect(r.code, r.stderr).toBe(2);
      if (typeof want === 'string') expect(line.startsWith(want), `got: ${line}`).toBe(true);
      else expect(line).toMatch(want);
      expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
      expect(r.stdout).not.toMatch(/passed, \d+ failed/);
    });
  }
});

describe('answers that are not errors but must not mislead', () => {
  it('a trace whose header seed was edited does not replay "ok" under a wrong banner', async () => {
    writeFileSync(p('seed.jsonl'), editHeader((h) => { h['seed'] = 12; }));
    const r = await cli(['replay', '--quiet', p('seed.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^SEED MISMATCH: the header's seed 12 does not draw this trace's choices/m);
  });

  it('an unreachable switch is run as asked, with a note saying the run cannot find it', async () => {
    const r = await cli(['run', '--seed', '1', '--bug', 'B4', '--max-steps', '20', '--allow-incomplete']);
    expect(r.code).toBe(0);
    expect(firstLine(r.stderr)).toMatch(/^note: B4 cannot be reached by the simulated cluster \(nothing in the system hands the engine a nil history\)/);
  });

  it('run --trace into a missing folder creates it and says so, and says where the trace went', async () => {
    const file = join(p('made'), 'deep', 't.jsonl');
    const r = await cli(['run', '--seed', '1', '--max-steps', '20', '--allow-incomplete', '--trace', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`created folder ${join(p('made'), 'deep')} for --trace ${file}`);
    expect(r.stderr).toContain(`trace written: ${file}`);
  });

  it('a read-only folder for --traces is refused before the first seed (not as root: root writes anyway)', async () => {
    if (process.getuid?.() === 0) return; // root bypasses permission bits; the /proc and under-a-file cases cover root
    const ro = p('read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const r = await cli(['fuzz', '--seeds', '1', '--traces', ro]);
    expect(r.code).toBe(2);
    expect(firstLine(r.stderr)).toMatch(/cannot write in/);
  });
});
