// What a user sees around a run: --version and every command's --help (listing every flag the
// README documents), Ctrl-C traces of `run` and `fuzz` that replay as "interrupted, reproduced",
// orphan temporary files of a killed process removed, NO_COLOR / FORCE_COLOR honoured, and a
// pseudo-file-system trace folder refused at once (the process must not spin).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CapturedIo } from '../../src/cli/io.ts';
import { COMMANDS, main } from '../../src/cli/main.ts';
import { readTrace } from '../../src/trace/reader.ts';
import { cli, firstLine, ROOT, start, swsim, whenExists } from './cli_helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-cli-life-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `argv` in-process and press Ctrl-C once the command has run `ticks` batches. */
async function interruptAfter(argv: string[], ticks: number): Promise<{ code: number; io: CapturedIo }> {
  const io = new CapturedIo();
  const done = main(argv, io);
  for (let i = 0; i < ticks; i++) await new Promise<void>((r) => setImmediate(r));
  io.interrupt();
  return { code: await done, io };
}

describe('version and help', () => {
  it('swsim --version names the tool, build and trace format (through the real binary)', async () => {
    const r = await swsim(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^swsim \d+\.\d+\.\d+ \(build [0-9a-f]{12}, trace format 2, node \d+/);
  });

  it('every command answers --help with every flag it accepts, exit 0', async () => {
    for (const c of COMMANDS) {
      const r = await cli([c.name, '--help']);
      expect(r.code, c.name).toBe(0);
      expect(firstLine(r.stdout)).toBe(`usage: swsim ${c.name}${c.args !== '' ? ` ${c.args}` : ''}${Object.keys(c.flags).length > 0 ? ' [flags]' : ''}`);
      for (const f of Object.keys(c.flags)) expect(r.stdout, `${c.name} --${f}`).toContain(`--${f}`);
    }
    expect((await cli(['engine', '-h'])).stdout).toContain('usage: swsim engine FILE');
    expect((await cli(['help', 'replay'])).stdout).toContain('usage: swsim replay FILE');
  });

  it('every flag README documents is accepted by some command', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const known = new Set(COMMANDS.flatMap((c) => Object.keys(c.flags)).concat(['help', 'version']));
    // Flags in code spans that are swsim command lines or flags on their own (`--seeds N`).
    const spans = [...readme.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!).filter((s) => s.startsWith('--') || s.includes('swsim '));
    const mentioned = [...new Set(spans.flatMap((s) => [...s.matchAll(/(?:^|\s)--([a-z][a-z-]*)/g)].map((m) => m[1]!)))];
    expect(mentioned.length).toBeGreaterThanOrEqual(8);
    for (const f of mentioned) expect(known.has(f), `README mentions --${f}`).toBe(true);
  });
});

describe('Ctrl-C', () => {
  it('run writes its partial trace, which replays as interrupted, reproduced', async () => {
    const file = join(dir, 'run-int.jsonl');
    const { code, io } = await interruptAfter(['run', '--seed', '2', '--profile', 'basic', '--control', 'ideal', '--trace', file], 2);
    expect(code, io.stderr).toBe(130);
    expect(io.stdout).toMatch(/^interrupted seed 2: interrupted after \d+ steps/);
    const t = readTrace(file);
    expect(t.outcome.status).toBe('interrupted');
    expect(t.steps.length).toBe(t.outcome.steps);
    expect(t.steps.length).toBeGreaterThan(0);
    const rep = await cli(['replay', '--quiet', file]);
    expect(rep.code, rep.stdout).toBe(0);
    expect(rep.stdout).toContain(`replay ok: ${t.steps.length} steps, every fingerprint matches; outcome interrupted after ${t.steps.length} steps, reproduced`);
  });

  it('fuzz writes the interrupted seed\'s trace, which replays; the summary counts only finished runs', async () => {
    const traces = join(dir, 'fuzz-int');
    const { code, io } = await interruptAfter(['fuzz', '--seeds', '50', '--traces', traces, '--jobs', '1'], 30);
    expect([130, 1], io.stderr).toContain(code);
    const names = readdirSync(traces).filter((n) => n.endsWith('-interrupted.jsonl'));
    expect(names).toHaveLength(1);
    const rep = await cli(['replay', '--quiet', join(traces, names[0]!)]);
    expect(rep.code, rep.stdout).toBe(0);
    expect(rep.stdout).toContain('outcome interrupted after');
  });

  it('SIGINT to the real process: fuzz stops and leaves no temporary file', async () => {
    const traces = join(dir, 'fuzz-sigint');
    const run = start(['fuzz', '--seeds', '1000', '--traces', traces, '--jobs', '2']);
    await whenExists(traces);
    await new Promise<void>((r) => setTimeout(r, 1500));
    run.child.kill('SIGINT');
    const r = await run.result;
    expect([130, 1], r.stderr).toContain(r.code);
    const names = existsSync(traces) ? readdirSync(traces) : [];
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // Each worker's running seed ends as interrupted, with its trace; each replays.
    const interrupted = names.filter((n) => n.endsWith('-interrupted.jsonl'));
    expect(interrupted.length).toBeGreaterThanOrEqual(1);
    expect(interrupted.length).toBeLessThanOrEqual(2);
    for (const n of interrupted) expect((await cli(['replay', '--quiet', join(traces, n)])).code, n).toBe(0);
  }, 120_000);
});

describe('files', () => {
  it('temporary files of a killed process are removed when the next fuzz starts; a live process\'s are kept', async () => {
    const traces = join(dir, 'orphans');
    mkdirSync(traces);
    const dead = 999_999_999; // beyond any pid_max
    writeFileSync(join(traces, `.swsim-${dead}-1.tmp`), 'x'.repeat(1000));
    writeFileSync(join(traces, `.${dead}.12345.tmp`), 'x');
    writeFileSync(join(traces, `.swsim-${process.pid}-77.tmp`), 'mine');
    writeFileSync(join(traces, 'keep.jsonl'), '{}');
    const r = await cli(['fuzz', '--seeds', '1', '--profile', 'calm', '--from', '3', '--traces', traces]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(traces).sort()).toEqual([`.swsim-${process.pid}-77.tmp`, 'keep.jsonl']);
  });

  it('a /proc trace folder is refused at once; the process exits 2 instead of spinning', async () => {
    const run = start(['fuzz', '--seeds', '5', '--traces', '/proc/self/fd/traces']);
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 20_000);
    const r = await run.result;
    clearTimeout(timer);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(firstLine(r.stderr)).toMatch(/^swsim fuzz: --traces \/proc\/self\/fd\/traces: a pseudo file system/);
  }, 30_000);
});

describe('colour', () => {
  const ESC = /\x1b\[/;
  it('FORCE_COLOR colours, NO_COLOR does not, FORCE_COLOR=0 does not', async () => {
    const args = ['run', '--seed', '1', '--max-steps', '5', '--allow-incomplete'];
    expect((await cli(args, { FORCE_COLOR: '1' })).stdout).toMatch(ESC);
    expect((await cli(args, { NO_COLOR: '1' })).stdout).not.toMatch(ESC);
    expect((await cli(args, { FORCE_COLOR: '0' })).stdout).not.toMatch(ESC);
  });
});
