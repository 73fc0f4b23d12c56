// Trace writer: writes the whole trace under its final name via a temporary file in the same
// directory, creates missing directories, replaces an older trace entirely, and never leaves a
// temporary file behind — not even when the final rename fails.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOOL_VERSION, TRACE_FORMAT, TRACE_FORMAT_VERSION, traceToLines, type Trace } from '../../src/trace/format.ts';
import { readTrace } from '../../src/trace/reader.ts';
import { renderTimeline } from '../../src/trace/render.ts';
import { writeTraceAtomic } from '../../src/trace/writer.ts';

function trace(steps: number, status: 'pass' | 'fail' = 'pass'): Trace {
  return {
    header: { type: 'header', format: TRACE_FORMAT, formatVersion: TRACE_FORMAT_VERSION, tool: TOOL_VERSION, build: 'test', seed: 1, strategy: 'random', profile: 'calm', control: 'ideal', bugs: [], strict: false, maxSteps: 10, stepCap: 'livelock' },
    steps: Array.from({ length: steps }, (_, i) => ({ type: 'step' as const, step: i + 1, t: i * 2, actor: i % 2 === 0 ? 'n1' : 'fault', kind: i % 2 === 0 ? 'net.frame' : 'fault.crash', fp: String(i).padStart(16, '0') })),
    outcome: status === 'pass'
      ? { type: 'outcome', status, steps, findings: [] }
      : { type: 'outcome', status, invariant: 'E2', step: steps, message: 'lost LBA 1', steps, findings: [{ invariant: 'W1', step: 1, message: 'candidate' }] },
    choices: [1, 0, 2],
  };
}

const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('writeTraceAtomic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swsim-writer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates missing directories and writes exactly traceToLines', () => {
    const file = join(dir, 'a', 'b', 'seed-1.jsonl');
    writeTraceAtomic(file, trace(3));
    expect(readFileSync(file, 'utf8')).toBe(traceToLines(trace(3)));
    expect(readTrace(file)).toEqual(trace(3));
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['seed-1.jsonl']);
  });

  it('replaces an existing (longer) trace completely and leaves no temporary file', () => {
    const sub = join(dir, 'replace');
    const file = join(sub, 't.jsonl');
    writeTraceAtomic(file, trace(50));
    writeTraceAtomic(file, trace(2, 'fail'));
    expect(readFileSync(file, 'utf8')).toBe(traceToLines(trace(2, 'fail')));
    expect(readdirSync(sub)).toEqual(['t.jsonl']);
  });

  it('several traces in one directory: only the final names remain', () => {
    const sub = join(dir, 'many');
    for (let i = 0; i < 5; i++) writeTraceAtomic(join(sub, `seed-${i}.jsonl`), trace(i));
    expect(readdirSync(sub).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `seed-${i}.jsonl`));
  });

  it('a failed rename (target is a directory) throws and leaves no temporary file', () => {
    const sub = join(dir, 'blocked');
    mkdirSync(join(sub, 't.jsonl'), { recursive: true });
    writeFileSync(join(sub, 't.jsonl', 'occupant'), 'x');
    expect(() => writeTraceAtomic(join(sub, 't.jsonl'), trace(1))).toThrow();
    expect(readdirSync(sub)).toEqual(['t.jsonl']);
  });
});

describe('renderTimeline', () => {
  it('one line per step in range, the header, and the failure and findings', () => {
    const out = strip(renderTimeline(trace(6, 'fail'), 2, 4)).trimEnd().split('\n');
    expect(out[0]).toContain('seed 1');
    expect(out[0]).toContain('profile calm');
    const stepLines = out.filter((l) => /^\s+\d+ /.test(l));
    expect(stepLines.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([2, 3, 4]);
    expect(stepLines[0]).toContain('0.002s');
    expect(stepLines[0]).toContain('fault');
    expect(out).toContain('FAIL E2 at step 6: lost LBA 1');
    expect(out).toContain('finding W1 at step 1: candidate');
  });

  it('a passing trace ends with its status and step count', () => {
    const out = strip(renderTimeline(trace(3)));
    expect(out.trimEnd().split('\n').at(-1)).toBe('pass after 3 steps');
  });
});
