// Argument validation for engine scripts (see docs/engine-scripts.md): one converter per argument
// type, each turning a raw JSON value into a typed engine value or throwing a ScriptInputError
// that names the line and the field. Kept apart from script.ts so the op table stays readable.
import { ENGINE_BUGS } from './context.ts';
import type { EngineBugId } from './context.ts';
import { EngineError } from './errors.ts';
import type { IOResult } from './executor.ts';
import { RetainedHistory } from './history.ts';
import { ReplicaState, SessionKind } from './types.ts';
import type { CatchUpBudget, Endpoint, ReplicaAssignment } from './types.ts';
import { isU64 } from './u64.ts';

/** Bad script input: reported as `<file>:<line>: <field>: <message>`, exit code 2. */
export class ScriptInputError extends Error {
  constructor(
    readonly line: number,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${line}: ${field}: ${detail}`);
    this.name = 'ScriptInputError';
  }
}

/** Where a converter is applied: the line and the dotted field path. */
export interface ArgSite {
  readonly line: number;
  readonly field: string;
}

export type Converter<T> = (raw: unknown, at: ArgSite) => T;

function bad(at: ArgSite, message: string): never {
  throw new ScriptInputError(at.line, at.field, message);
}

function sub(at: ArgSite, key: string | number): ArgSite {
  return { line: at.line, field: typeof key === 'number' ? `${at.field}[${key}]` : `${at.field}.${key}` };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fields of an object argument: unknown fields are rejected, `optional` ones may be absent. */
function objectFields(raw: unknown, at: ArgSite, required: readonly string[], optional: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(raw)) bad(at, 'expected an object');
  for (const k of Object.keys(raw)) if (!required.includes(k) && !optional.includes(k)) bad(sub(at, k), 'unknown field');
  for (const k of required) if (!(k in raw)) bad(sub(at, k), 'missing');
  return raw;
}

export const str: Converter<string> = (raw, at) => (typeof raw === 'string' ? raw : bad(at, 'expected a string'));
export const u64: Converter<number> = (raw, at) => (isU64(raw) ? raw : bad(at, 'expected a non-negative safe integer'));
export const bool: Converter<boolean> = (raw, at) => (typeof raw === 'boolean' ? raw : bad(at, 'expected true or false'));

export const sessionKind: Converter<SessionKind> = (raw, at) => {
  const kinds: readonly string[] = Object.values(SessionKind);
  return typeof raw === 'string' && kinds.includes(raw) ? (raw as SessionKind) : bad(at, `expected one of ${kinds.join(', ')}`);
};

export const replicaState: Converter<ReplicaState> = (raw, at) => {
  const states: readonly string[] = Object.values(ReplicaState);
  return typeof raw === 'string' && states.includes(raw) ? (raw as ReplicaState) : bad(at, `expected one of ${states.join(', ')}`);
};

/** A session ID, or "current" = the sender's session ID at call time (resolved to -1 here). */
export const sessionRef: Converter<number> = (raw, at) => (raw === 'current' ? -1 : isU64(raw) ? raw : bad(at, 'expected a session ID or "current"'));

export const endpoint: Converter<Endpoint> = (raw, at) => {
  const o = objectFields(raw, at, ['dataAddr'], ['ctrlAddr', 'version']);
  return {
    dataAddr: str(o.dataAddr, sub(at, 'dataAddr')),
    ctrlAddr: o.ctrlAddr === undefined ? '' : str(o.ctrlAddr, sub(at, 'ctrlAddr')),
    version: o.version === undefined ? 0 : u64(o.version, sub(at, 'version')),
  };
};

export const replicas: Converter<ReplicaAssignment[]> = (raw, at) => {
  if (!Array.isArray(raw)) bad(at, 'expected an array');
  return raw.map((r, i) => {
    const o = objectFields(r, sub(at, i), ['replicaID', 'endpoint'], []);
    return { replicaID: str(o.replicaID, sub(sub(at, i), 'replicaID')), endpoint: endpoint(o.endpoint, sub(sub(at, i), 'endpoint')) };
  });
};

export const recoveryTargets: Converter<Record<string, SessionKind> | null> = (raw, at) => {
  if (raw === null) return null;
  if (!isPlainObject(raw)) bad(at, 'expected an object or null');
  const out: Record<string, SessionKind> = {};
  for (const k of Object.keys(raw)) out[k] = sessionKind(raw[k], sub(at, k));
  return out;
};

export const lsnList: Converter<number[]> = (raw, at) => {
  if (!Array.isArray(raw)) bad(at, 'expected an array of LSNs');
  return raw.map((x, i) => u64(x, sub(at, i)));
};

export const budget: Converter<CatchUpBudget> = (raw, at) => {
  const o = objectFields(raw, at, [], ['maxDurationTicks', 'maxEntries', 'progressDeadlineTicks']);
  const get = (k: string): number => (o[k] === undefined ? 0 : u64(o[k], sub(at, k)));
  return { maxDurationTicks: get('maxDurationTicks'), maxEntries: get('maxEntries'), progressDeadlineTicks: get('progressDeadlineTicks') };
};

/** A RetainedHistory value, or null (the nil history). Absent fields are 0 / false. */
export const history: Converter<RetainedHistory | null> = (raw, at) => {
  if (raw === null) return null;
  const o = objectFields(raw, at, [], ['headLSN', 'tailLSN', 'committedLSN', 'checkpointLSN', 'checkpointTrusted']);
  const n = (k: string): number => (o[k] === undefined ? 0 : u64(o[k], sub(at, k)));
  return new RetainedHistory({
    headLSN: n('headLSN'),
    tailLSN: n('tailLSN'),
    committedLSN: n('committedLSN'),
    checkpointLSN: n('checkpointLSN'),
    checkpointTrusted: o.checkpointTrusted === undefined ? false : bool(o.checkpointTrusted, sub(at, 'checkpointTrusted')),
  });
};

/** Scripted I/O results, consumed in order: {"value": n} or {"err": "text", "code"?: "..."}. */
export const ioList: Converter<IOResult[]> = (raw, at) => {
  if (!Array.isArray(raw)) bad(at, 'expected an array of I/O results');
  return raw.map((r, i) => {
    const site = sub(at, i);
    const o = objectFields(r, site, [], ['value', 'err', 'code']);
    if (o.err === undefined) {
      if (o.code !== undefined) bad(sub(site, 'code'), 'code needs err');
      return o.value === undefined ? { err: null } : { value: u64(o.value, sub(site, 'value')), err: null };
    }
    const code = o.code === undefined ? 'io_error' : str(o.code, sub(site, 'code'));
    return { err: new EngineError(code, str(o.err, sub(site, 'err'))) };
  });
};

export const bugSwitches: Converter<Partial<Record<EngineBugId, boolean>>> = (raw, at) => {
  if (!isPlainObject(raw)) bad(at, 'expected an object of bug switches');
  const out: Partial<Record<EngineBugId, boolean>> = {};
  for (const k of Object.keys(raw)) {
    if (!(k in ENGINE_BUGS)) bad(sub(at, k), `unknown bug (known: ${Object.keys(ENGINE_BUGS).join(', ')})`);
    out[k as EngineBugId] = bool(raw[k], sub(at, k));
  }
  return out;
};
