// CLI usage and input errors: --help exits 0; an unknown command, unknown flag, ill-typed value,
// unknown profile or unknown bug id exits 2 with a message naming what was wrong; replay of a
// missing or malformed trace exits 2 naming the file and the line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrace } from '../../src/trace/reader.ts';
import { swsim } from './cli_helpers.ts';

describe.concurrent('swsim usage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swsim-cli-usage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--help prints the usage and exits 0', async () => {
    const r = await swsim(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage:');
    for (const cmd of ['swsim fuzz', 'swsim run', 'swsim replay']) expect(r.stdout).toContain(cmd);
  });

  it('an unknown command exits 2 naming it', async () => {
    const r = await swsim(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('an unknown flag exits 2 naming the flag', async () => {
    const r = await swsim(['run', '--seed', '1', '--turbo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--turbo');
    expect(r.stdout).toBe('');
  });

  it('an ill-typed value exits 2 naming the flag and the value', async () => {
    const a = await swsim(['run', '--seed', 'abc']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--seed.*'abc'/);
    const b = await swsim(['fuzz', '--time', 'forever']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--time.*'forever'/);
    const c = await swsim(['fuzz', '--seeds']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--seeds');
  });

  it('an unknown profile exits 2 naming --profile and the choices', async () => {
    const r = await swsim(['run', '--seed', '1', '--profile', 'wild']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--profile');
    expect(r.stderr).toContain("'wild'");
    expect(r.stderr).toContain('calm');
  });

  it('an unknown bug id exits 2 naming --bug and the id', async () => {
    const r = await swsim(['fuzz', '--seeds', '1', '--bug', 'NOPE99']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--bug');
    expect(r.stderr).toContain('NOPE99');
  });

  it('run without --seed exits 2', async () => {
    const r = await swsim(['run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--seed');
  });

  it('replay of a missing file exits 2 naming the file', async () => {
    const file = join(dir, 'missing.jsonl');
    const r = await swsim(['replay', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:0:`);
  });

  it('replay of a malformed file exits 2 naming the file, line and field', async () => {
    const file = join(dir, 'malformed.jsonl');
    writeFileSync(file, '{"type":"header","format":"swsim-trace","formatVersion":1}\nnot json\n');
    const r = await swsim(['replay', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:2: field '(line)'`);
    const v2 = join(dir, 'v2.jsonl');
    writeFileSync(v2, '{"type":"header","format":"swsim-trace","formatVersion":3}\n{}\n{}\n');
    const r2 = await swsim(['replay', v2]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`${v2}:1: field 'formatVersion'`);
  });

  it('bugs lists the known bug ids', async () => {
    const r = await swsim(['bugs']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').length).toBeGreaterThan(3);
    expect(r.stdout).toMatch(/^B4\s+\*\s+engine\s+nil RetainedHistory/m);
    expect(r.stdout).toMatch(/^B5\s+engine\s+\S/m);
    expect(r.stdout).toMatch(/^B29\s+replication\s+\S/m);
  });

  it('a --bug run without --profile runs the default profile (no home profile); --profile overrides it', async () => {
    const home = join(dir, 'home.jsonl');
    const r = await swsim(['run', '--seed', '1', '--bug', 'B32', '--max-steps', '50', '--trace', home]);
    expect([0, 1], r.stdout + r.stderr).toContain(r.code);
    expect(readTrace(home).header.profile).toBe('default');
    const over = join(dir, 'over.jsonl');
    const o = await swsim(['run', '--seed', '1', '--bug', 'B32', '--profile', 'calm', '--max-steps', '50', '--trace', over]);
    expect([0, 1], o.stdout + o.stderr).toContain(o.code);
    expect(readTrace(over).header.profile).toBe('calm');
  });
});
