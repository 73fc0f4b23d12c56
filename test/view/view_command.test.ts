// `swsim view`: writes one self-contained page next to the trace (or to -o), with the trace
// embedded and no network references; bad input exits 2 naming the problem.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultViewPath } from '../../src/cli/view_command.ts';
import { cli, firstLine } from '../cli/cli_helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-view-'));
const trace = join(dir, 'b5.jsonl');

beforeAll(async () => {
  const r = await cli(['run', '--seed', '1', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--trace', trace]);
  expect(r.code).toBe(1);
}, 120_000);

describe('swsim view', () => {
  it('writes TRACE.html by default: self-contained, the trace embedded', async () => {
    const r = await cli(['view', trace]);
    expect(r.code).toBe(0);
    const out = join(dir, 'b5.html');
    expect(r.stdout).toContain(`view written: ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<script id="trace-data" type="application/json">');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).not.toMatch(/<\/script>[^]*<\/script>[^]*<\/script>[^]*<\/script>/); // just the data and the script
    const data = JSON.parse(/<script id="trace-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as { t: number[]; outcome: { invariant: string } };
    expect(data.t.length).toBeGreaterThan(100);
    expect(data.outcome.invariant).toBe('I26');
  }, 60_000);

  it('-o chooses the output', async () => {
    const out = join(dir, 'elsewhere.html');
    expect((await cli(['view', trace, '-o', out])).code).toBe(0);
    expect(existsSync(out)).toBe(true);
  }, 60_000);

  it('the default name replaces .jsonl, or appends .html', () => {
    expect(defaultViewPath('traces/seed-1-I26.jsonl')).toBe('traces/seed-1-I26.html');
    expect(defaultViewPath('t.trace')).toBe('t.trace.html');
  });

  it('bad input exits 2 with a clear message', async () => {
    const missing = await cli(['view', join(dir, 'missing.jsonl')]);
    expect(missing.code).toBe(2);
    expect(firstLine(missing.stderr)).toMatch(/^swsim view: .*missing\.jsonl:0: field '\(file\)': expected a readable trace file/);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"type":"header"}\nnot json\n');
    const r = await cli(['view', bad]);
    expect(r.code).toBe(2);
    expect(firstLine(r.stderr)).toMatch(/^swsim view: .*bad\.jsonl:2: field '\(line\)': expected one JSON object per line/);
    expect((await cli(['view'])).code).toBe(2);
    expect((await cli(['view', trace, '-o', trace])).code).toBe(2);
    const unwritable = await cli(['view', trace, '-o', join(dir, 'no', 'such', 'dir', 'x.html')]);
    expect(unwritable.code).toBe(2);
    expect(firstLine(unwritable.stderr)).toMatch(/cannot write the page/);
  }, 60_000);
});
