// Reads a trace file back, validating every line against the format with precise errors
// (file, line, field, what was expected), so a truncated or hand-edited trace fails clearly.
import { readFileSync } from 'node:fs';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type Trace, type TraceHeader, type TraceOutcome, type TraceStep } from './format.ts';

export class TraceInputError extends Error {
  constructor(readonly file: string, readonly line: number, readonly field: string, expected: string) {
    super(`${file}:${line}: field '${field}': expected ${expected}`);
    this.name = 'TraceInputError';
  }
}

type Obj = Record<string, unknown>;

function need(file: string, line: number, o: Obj, field: string, type: 'number' | 'string' | 'boolean' | 'array'): unknown {
  const v = o[field];
  const ok = type === 'array' ? Array.isArray(v) : typeof v === type;
  if (!ok) throw new TraceInputError(file, line, field, `a ${type}`);
  return v;
}

export function parseTrace(file: string, text: string): Trace {
  const lines = text.split('\n').filter((l, i, a) => !(l === '' && i === a.length - 1));
  const objs: Obj[] = lines.map((l, i) => {
    try {
      const v = JSON.parse(l) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      return v as Obj;
    } catch {
      throw new TraceInputError(file, i + 1, '(line)', 'one JSON object per line');
    }
  });
  if (objs.length < 3) throw new TraceInputError(file, objs.length + 1, 'type', 'header, steps, outcome and choices lines');
  const h = objs[0]!;
  if (h['type'] !== 'header') throw new TraceInputError(file, 1, 'type', '"header"');
  if (h['format'] !== TRACE_FORMAT) throw new TraceInputError(file, 1, 'format', `"${TRACE_FORMAT}"`);
  if (h['formatVersion'] !== TRACE_FORMAT_VERSION) throw new TraceInputError(file, 1, 'formatVersion', `${TRACE_FORMAT_VERSION}`);
  need(file, 1, h, 'seed', 'number');
  need(file, 1, h, 'profile', 'string');
  need(file, 1, h, 'bugs', 'array');
  need(file, 1, h, 'strict', 'boolean');
  need(file, 1, h, 'maxSteps', 'number');
  const steps: TraceStep[] = [];
  let i = 1;
  for (; i < objs.length && objs[i]!['type'] === 'step'; i++) {
    const s = objs[i]!;
    for (const f of ['step', 't'] as const) need(file, i + 1, s, f, 'number');
    for (const f of ['actor', 'kind', 'fp'] as const) need(file, i + 1, s, f, 'string');
    steps.push(s as unknown as TraceStep);
  }
  const o = objs[i];
  if (o === undefined || o['type'] !== 'outcome') throw new TraceInputError(file, i + 1, 'type', '"outcome" after the step lines');
  need(file, i + 1, o, 'status', 'string');
  need(file, i + 1, o, 'findings', 'array');
  const c = objs[i + 1];
  if (c === undefined || c['type'] !== 'choices') throw new TraceInputError(file, i + 2, 'type', '"choices" as the last line');
  const choices = need(file, i + 2, c, 'choices', 'array') as unknown[];
  choices.forEach((x, k) => {
    if (!Number.isInteger(x) || (x as number) < 0) throw new TraceInputError(file, i + 2, `choices[${k}]`, 'a non-negative integer');
  });
  if (objs.length > i + 2) throw new TraceInputError(file, i + 3, 'type', 'end of file after the choices line');
  return { header: h as unknown as TraceHeader, steps, outcome: o as unknown as TraceOutcome, choices: choices as number[] };
}

export function readTrace(file: string): Trace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TraceInputError(file, 0, '(file)', `a readable trace file (${(e as Error).message})`);
  }
  return parseTrace(file, text);
}
