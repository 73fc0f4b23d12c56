// Reads a trace file back, validating every line against the format with precise errors
// (file, line, field, what was expected), so a truncated or hand-edited trace fails clearly.
import { readFileSync } from 'node:fs';
import { isKnownBug } from '../check/bug_catalog.ts';
import { CONTROL_MODES, isControlMode, isUpstreamCommit, UPSTREAM_COMMITS } from '../sim/control_plane.ts';
import { isProfileName, PROFILE_NAMES } from '../sim/profile.ts';
import { STRATEGIES, TRACE_FORMAT, TRACE_FORMAT_VERSION, type Trace, type TraceHeader, type TraceOutcome, type TraceStep } from './format.ts';

const STATUSES = ['pass', 'fail', 'incomplete', 'interrupted'];
const STEP_CAPS = ['livelock', 'incomplete'];

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
  if (h['formatVersion'] !== TRACE_FORMAT_VERSION) {
    const older = typeof h['formatVersion'] === 'number' && h['formatVersion'] < TRACE_FORMAT_VERSION;
    throw new TraceInputError(file, 1, 'formatVersion', `${TRACE_FORMAT_VERSION}${older ? ' (the trace was written by an older swsim: re-record it, or keep the case as a scenario file)' : ''}`);
  }
  need(file, 1, h, 'tool', 'string');
  need(file, 1, h, 'build', 'string');
  const seed = need(file, 1, h, 'seed', 'number') as number;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new TraceInputError(file, 1, 'seed', 'a non-negative integer');
  if (!(STRATEGIES as readonly unknown[]).includes(h['strategy'])) throw new TraceInputError(file, 1, 'strategy', `one of ${STRATEGIES.join(', ')}`);
  const profile = need(file, 1, h, 'profile', 'string') as string;
  if (!isProfileName(profile)) throw new TraceInputError(file, 1, 'profile', `one of ${PROFILE_NAMES.join(', ')} (got '${profile}': unknown to this version)`);
  const control = need(file, 1, h, 'control', 'string') as string;
  if (!isControlMode(control)) throw new TraceInputError(file, 1, 'control', `one of ${CONTROL_MODES.join(', ')} (got '${control}')`);
  const commit = h['upstreamCommit'];
  if (commit !== undefined && (control !== 'upstream' || typeof commit !== 'string' || !isUpstreamCommit(commit))) {
    throw new TraceInputError(file, 1, 'upstreamCommit', control !== 'upstream' ? 'absent under control ideal' : `one of ${UPSTREAM_COMMITS.join(', ')} (got ${JSON.stringify(commit)})`);
  }
  const bugs = need(file, 1, h, 'bugs', 'array') as unknown[];
  bugs.forEach((b, k) => {
    if (typeof b !== 'string' || !isKnownBug(b)) throw new TraceInputError(file, 1, `bugs[${k}]`, `a known bug id (got ${JSON.stringify(b)}: unknown to this version; see 'swsim bugs')`);
  });
  need(file, 1, h, 'strict', 'boolean');
  const maxSteps = need(file, 1, h, 'maxSteps', 'number') as number;
  if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) throw new TraceInputError(file, 1, 'maxSteps', 'a positive integer');
  if (!STEP_CAPS.includes(h['stepCap'] as string)) throw new TraceInputError(file, 1, 'stepCap', `one of ${STEP_CAPS.join(', ')}`);
  if (h['scenario'] !== undefined) {
    const sc = h['scenario'] as Obj;
    if (sc === null || typeof sc !== 'object' || typeof sc['path'] !== 'string' || typeof sc['sha256'] !== 'string') {
      throw new TraceInputError(file, 1, 'scenario', 'an object {path, sha256} (a scenario run)');
    }
  }
  if (h['strategy'] === 'shrunk') {
    const from = h['shrunkFrom'] as Obj | undefined;
    if (from === null || typeof from !== 'object' || !['seed', 'steps', 'simulatedMs', 'choices'].every((k) => Number.isSafeInteger(from[k]))) {
      throw new TraceInputError(file, 1, 'shrunkFrom', 'an object {seed, steps, simulatedMs, choices} (a shrunk trace)');
    }
    const info = h['shrink'] as Obj | undefined;
    if (info === null || typeof info !== 'object' || !Array.isArray(info['passes']) || !Number.isSafeInteger(info['candidates']) || !Number.isSafeInteger(info['budget'])) {
      throw new TraceInputError(file, 1, 'shrink', 'an object {passes, candidates, budget} (a shrunk trace)');
    }
  } else {
    if (h['shrunkFrom'] !== undefined) throw new TraceInputError(file, 1, 'shrunkFrom', 'absent (only a shrunk trace has it)');
    if (h['shrink'] !== undefined) throw new TraceInputError(file, 1, 'shrink', 'absent (only a shrunk trace has it)');
  }
  if (h['strategy'] === 'pct') {
    const p = h['pct'] as Obj | undefined;
    if (p === null || typeof p !== 'object' || !Number.isSafeInteger(p['depth']) || (p['depth'] as number) < 1 || !Number.isSafeInteger(p['steps']) || (p['steps'] as number) < 1) {
      throw new TraceInputError(file, 1, 'pct', 'an object {depth, steps} of positive integers (a pct trace)');
    }
  } else if (h['pct'] !== undefined) throw new TraceInputError(file, 1, 'pct', 'absent (only a pct trace has it)');
  if (h['strategy'] === 'bounded') {
    const b = h['bounded'] as Obj | undefined;
    const devs = b === null || typeof b !== 'object' ? undefined : b['deviations'];
    const okDevs = Array.isArray(devs) && devs.every((d) => Array.isArray(d) && d.length === 2 && d.every((x) => Number.isSafeInteger(x) && (x as number) >= 0));
    if (b === null || typeof b !== 'object' || (b['base'] !== 'seed' && b['base'] !== 'zero') || !okDevs) {
      throw new TraceInputError(file, 1, 'bounded', 'an object {base: "seed" or "zero", deviations: [[position, value], ...]} (a bounded trace)');
    }
  } else if (h['bounded'] !== undefined) throw new TraceInputError(file, 1, 'bounded', 'absent (only a bounded trace has it)');
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
  if (!STATUSES.includes(o['status'] as string)) throw new TraceInputError(file, i + 1, 'status', `one of ${STATUSES.join(', ')}`);
  need(file, i + 1, o, 'steps', 'number');
  need(file, i + 1, o, 'findings', 'array');
  if (o['status'] === 'fail') {
    need(file, i + 1, o, 'invariant', 'string');
    need(file, i + 1, o, 'step', 'number');
  }
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
