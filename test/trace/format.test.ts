// Trace format and reader: traceToLines → parseTrace round-trips (and re-serialises byte for byte);
// malformed input is rejected with a TraceInputError naming the file, the line and the field.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOOL_VERSION, TRACE_FORMAT, TRACE_FORMAT_VERSION, traceToLines, type Trace } from '../../src/trace/format.ts';
import { parseTrace, readTrace, TraceInputError } from '../../src/trace/reader.ts';
import { recordRun } from './helpers.ts';

const SEED = 2;
const SHORT_STEPS = 800;

const HAND_MADE: Trace = {
  header: { type: 'header', format: TRACE_FORMAT, formatVersion: TRACE_FORMAT_VERSION, tool: TOOL_VERSION, build: 'test', seed: 9, strategy: 'random', profile: 'calm', control: 'ideal', bugs: ['B4'], strict: true, maxSteps: 100, stepCap: 'livelock' },
  steps: [
    { type: 'step', step: 1, t: 0, actor: 'master', kind: 'master.assign', fp: '0123456789abcdef' },
    { type: 'step', step: 2, t: 3, actor: 'n1', kind: 'net.frame', detail: 'lsn 4 "quoted"', fp: 'fedcba9876543210' },
  ],
  outcome: { type: 'outcome', status: 'fail', invariant: 'E2', step: 2, message: 'lost LBA 3', steps: 2, findings: [{ invariant: 'W1', step: 1, message: 'x' }] },
  choices: [0, 3, 1, 0],
};

/** Catch the TraceInputError thrown by `f` (fails the test if something else happens). */
function inputError(f: () => unknown): TraceInputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TraceInputError);
    return e as TraceInputError;
  }
  throw new Error('expected a TraceInputError, nothing was thrown');
}

function lines(t: Trace): string[] {
  return traceToLines(t).trimEnd().split('\n');
}

function edit(t: Trace, lineNo: number, change: (o: Record<string, unknown>) => void): string {
  const ls = lines(t);
  const o = JSON.parse(ls[lineNo - 1]!) as Record<string, unknown>;
  change(o);
  ls[lineNo - 1] = JSON.stringify(o);
  return ls.join('\n') + '\n';
}

describe('trace format round trip', () => {
  it('a hand-made trace survives traceToLines → parseTrace', () => {
    const text = traceToLines(HAND_MADE);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(HAND_MADE.steps.length + 3 + 1);
    const back = parseTrace('hand.jsonl', text);
    expect(back).toEqual(HAND_MADE);
    expect(traceToLines(back)).toBe(text);
  });

  it('a recorded run round-trips and re-serialises byte for byte', () => {
    const { result } = recordRun(SEED, 'default', SHORT_STEPS);
    const t = result.trace;
    expect(t.steps).toHaveLength(result.steps);
    expect(t.steps.map((s) => s.step)).toEqual(Array.from({ length: result.steps }, (_, i) => i + 1));
    expect(t.header.seed).toBe(SEED);
    expect(t.choices.length).toBeGreaterThan(0);
    const text = traceToLines(t);
    const back = parseTrace('rec.jsonl', text);
    expect(back).toEqual(JSON.parse(JSON.stringify(t)));
    expect(traceToLines(back)).toBe(text);
  });

  it('a trace with no steps is valid', () => {
    const empty: Trace = { ...HAND_MADE, steps: [], outcome: { type: 'outcome', status: 'pass', steps: 0, findings: [] }, choices: [] };
    expect(parseTrace('e.jsonl', traceToLines(empty))).toEqual(empty);
  });
});

describe('trace reader errors', () => {
  const F = 'bad.jsonl';

  it('a line that is not JSON names its line', () => {
    const ls = lines(HAND_MADE);
    ls[2] = '{"type":"step", oops';
    const e = inputError(() => parseTrace(F, ls.join('\n')));
    expect(e.file).toBe(F);
    expect(e.line).toBe(3);
    expect(e.field).toBe('(line)');
    expect(e.message).toBe(`${F}:3: field '(line)': expected one JSON object per line`);
  });

  it('a JSON value that is not an object is rejected the same way', () => {
    const ls = lines(HAND_MADE);
    ls[1] = '[1,2]';
    expect(inputError(() => parseTrace(F, ls.join('\n'))).line).toBe(2);
  });

  it('a wrong format version names formatVersion on line 1', () => {
    const e = inputError(() => parseTrace(F, edit(HAND_MADE, 1, (o) => { o['formatVersion'] = 99; })));
    expect([e.line, e.field]).toEqual([1, 'formatVersion']);
    expect(e.message).toContain(`${F}:1:`);
    expect(e.message).toContain(`expected ${TRACE_FORMAT_VERSION}`);
  });

  it('a foreign format name is rejected', () => {
    const e = inputError(() => parseTrace(F, edit(HAND_MADE, 1, (o) => { o['format'] = 'other'; })));
    expect([e.line, e.field]).toEqual([1, 'format']);
  });

  it('a first line that is not a header is rejected', () => {
    const e = inputError(() => parseTrace(F, edit(HAND_MADE, 1, (o) => { o['type'] = 'step'; })));
    expect([e.line, e.field]).toEqual([1, 'type']);
  });

  for (const [field, bad] of [['seed', '1'], ['profile', 3], ['bugs', 'B4'], ['strict', 'yes'], ['maxSteps', null]] as const) {
    it(`a header with a missing or ill-typed ${field} names it`, () => {
      const missing = inputError(() => parseTrace(F, edit(HAND_MADE, 1, (o) => { delete o[field]; })));
      expect([missing.line, missing.field]).toEqual([1, field]);
      const wrong = inputError(() => parseTrace(F, edit(HAND_MADE, 1, (o) => { o[field] = bad; })));
      expect([wrong.line, wrong.field]).toEqual([1, field]);
    });
  }

  for (const field of ['step', 't', 'actor', 'kind', 'fp']) {
    it(`a step line missing ${field} names its line and the field`, () => {
      const e = inputError(() => parseTrace(F, edit(HAND_MADE, 3, (o) => { delete o[field]; })));
      expect([e.line, e.field]).toEqual([3, field]);
      expect(e.message).toContain(`${F}:3: field '${field}'`);
    });
  }

  it('an outcome line missing status or findings names it', () => {
    const outcomeLine = HAND_MADE.steps.length + 2;
    const s = inputError(() => parseTrace(F, edit(HAND_MADE, outcomeLine, (o) => { delete o['status']; })));
    expect([s.line, s.field]).toEqual([outcomeLine, 'status']);
    const f = inputError(() => parseTrace(F, edit(HAND_MADE, outcomeLine, (o) => { o['findings'] = {}; })));
    expect([f.line, f.field]).toEqual([outcomeLine, 'findings']);
  });

  it('a truncated trace (no outcome / no choices) is rejected at the missing line', () => {
    const ls = lines(HAND_MADE);
    const noChoices = inputError(() => parseTrace(F, ls.slice(0, -1).join('\n') + '\n'));
    expect([noChoices.line, noChoices.field]).toEqual([ls.length, 'type']);
    const ls2 = [...ls.slice(0, 3), ls[ls.length - 1]!]; // header, 2 steps, choices (outcome gone)
    const noOutcome = inputError(() => parseTrace(F, ls2.join('\n')));
    expect([noOutcome.line, noOutcome.field]).toEqual([4, 'type']);
    const tiny = inputError(() => parseTrace(F, ls[0]! + '\n'));
    expect(tiny.field).toBe('type');
  });

  it('a bad choice value names its index', () => {
    const last = HAND_MADE.steps.length + 3;
    const e = inputError(() => parseTrace(F, edit(HAND_MADE, last, (o) => { o['choices'] = [0, -1]; })));
    expect([e.line, e.field]).toEqual([last, 'choices[1]']);
    const g = inputError(() => parseTrace(F, edit(HAND_MADE, last, (o) => { o['choices'] = [0, 1, 2.5]; })));
    expect(g.field).toBe('choices[2]');
  });

  it('anything after the choices line is rejected', () => {
    const e = inputError(() => parseTrace(F, traceToLines(HAND_MADE) + '{"type":"step"}\n'));
    expect([e.line, e.field]).toEqual([HAND_MADE.steps.length + 4, 'type']);
  });

  describe('readTrace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swsim-trace-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('a missing file is an input error naming the file', () => {
      const file = join(dir, 'nope.jsonl');
      const e = inputError(() => readTrace(file));
      expect(e.file).toBe(file);
      expect(e.field).toBe('(file)');
      expect(e.message).toContain(file);
      expect(e.message).toContain('ENOENT');
    });

    it('reads a file and reports errors with its path', () => {
      const good = join(dir, 'good.jsonl');
      writeFileSync(good, traceToLines(HAND_MADE));
      expect(readTrace(good)).toEqual(HAND_MADE);
      const bad = join(dir, 'bad.jsonl');
      writeFileSync(bad, edit(HAND_MADE, 2, (o) => { o['fp'] = 7; }));
      const e = inputError(() => readTrace(bad));
      expect(e.message).toBe(`${bad}:2: field 'fp': expected a string`);
    });
  });
});
