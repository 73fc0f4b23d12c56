// A small, strict argv parser: every command declares its flags, and anything unknown, missing or
// ill-typed is a usage error (exit code 2) naming the flag and what was expected.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagKind = 'int' | 'string' | 'bool' | 'list' | 'duration';

export interface FlagSpec {
  readonly [name: string]: FlagKind;
}

export interface Parsed {
  readonly flags: Record<string, string | number | boolean | string[]>;
  readonly positional: string[];
}

/** Parse "60s", "2m", "1500ms", "1h" or a bare number of seconds into milliseconds. */
export function parseDuration(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s);
  if (m === null) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const mult = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * mult);
}

export function parseArgs(argv: readonly string[], spec: FlagSpec): Parsed {
  const flags: Record<string, string | number | boolean | string[]> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown flag --${name}`);
    if (kind === 'bool') {
      if (eq >= 0) throw new UsageError(`flag --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`flag --${name} needs a value`);
    if (kind === 'int') {
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`flag --${name}: expected a non-negative integer, got '${value}'`);
      flags[name] = Number(value);
    } else if (kind === 'duration') {
      const ms = parseDuration(value);
      if (ms === null) throw new UsageError(`flag --${name}: expected a duration like 60s, 2m or 500ms, got '${value}'`);
      flags[name] = ms;
    } else if (kind === 'list') {
      const cur = flags[name];
      flags[name] = [...(Array.isArray(cur) ? cur : []), value];
    } else {
      flags[name] = value;
    }
    value = undefined;
  }
  return { flags, positional };
}
