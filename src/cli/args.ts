// A small, strict argv parser and the command specifications it reads: every command declares its
// flags with their type and one line of help, so parsing, `swsim <command> --help` and the tests
// that check the help lists every flag all read one definition. Anything unknown, missing or
// ill-typed is a usage error (exit code 2) naming the flag and what was expected.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagKind = 'int' | 'string' | 'bool' | 'list' | 'duration';

export interface FlagDef {
  readonly kind: FlagKind;
  /** What the value looks like in the help ("N", "DIR"); none for bool flags. */
  readonly value?: string;
  readonly help: string;
  /** A one-letter alias (`o` for `-o FILE`). */
  readonly short?: string;
}

export interface CommandSpec {
  readonly name: string;
  /** Positional arguments as shown in the synopsis ("FILE", "PATH..."), empty when none. */
  readonly args: string;
  readonly summary: string;
  readonly flags: Readonly<Record<string, FlagDef>>;
  /** Extra help text printed after the flags. */
  readonly notes?: string;
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

/** True when argv asks for the command's help (`--help` or `-h` anywhere). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export function parseArgs(argv: readonly string[], spec: CommandSpec): Parsed {
  const flags: Record<string, string | number | boolean | string[]> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    if (/^-[A-Za-z]$/.test(a)) {
      const long = Object.keys(spec.flags).find((n) => spec.flags[n]!.short === a.slice(1));
      if (long === undefined) throw new UsageError(`unknown flag ${a} (see 'swsim ${spec.name} --help')`);
      a = `--${long}`;
    }
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const def = spec.flags[name];
    if (def === undefined) throw new UsageError(`unknown flag --${name} (see 'swsim ${spec.name} --help')`);
    const kind = def.kind;
    if (kind === 'bool') {
      if (eq >= 0) throw new UsageError(`flag --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value: string | undefined = eq < 0 ? argv[++i] : a.slice(eq + 1);
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
  }
  return { flags, positional };
}

/** The help of one command: synopsis, summary, every flag with its help, notes. */
export function commandHelp(spec: CommandSpec): string {
  const names = Object.keys(spec.flags);
  const shown = names.map((n) => {
    const d = spec.flags[n]!;
    const alias = d.short === undefined ? '' : `-${d.short}, `;
    return d.kind === 'bool' ? `${alias}--${n}` : `${alias}--${n} ${d.value ?? 'X'}`;
  });
  const width = Math.max(0, ...shown.map((s) => s.length));
  const lines = [`usage: swsim ${spec.name}${spec.args !== '' ? ` ${spec.args}` : ''}${names.length > 0 ? ' [flags]' : ''}`, '', spec.summary];
  if (names.length > 0) {
    lines.push('', 'Flags:');
    names.forEach((n, i) => lines.push(`  ${shown[i]!.padEnd(width)}  ${spec.flags[n]!.help}`));
  }
  if (spec.notes !== undefined) lines.push('', spec.notes);
  return lines.join('\n') + '\n';
}

/** Require a positive value for an int flag that was given (0 selects no work). */
export function positive(flags: Parsed['flags'], name: string): number | undefined {
  const v = flags[name] as number | undefined;
  if (v !== undefined && v <= 0) throw new UsageError(`--${name} ${v} selects no work: expected at least 1`);
  return v;
}
