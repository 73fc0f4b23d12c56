// `swsim engine <file>`: runs an engine script (docs/engine-scripts.md) and prints one canonical
// JSON line per call. Bad input goes to stderr as `<file>:<line>: <field>: <message>` with exit
// code 2, and nothing is printed after it; a script with no call in it is bad input too.
import { readFileSync } from 'node:fs';
import { parseEngineScript, runEngineScript, scriptBugs, ScriptInputError } from '../engine/script.ts';
import { CheckedScriptRunner } from '../explore/checked_script.ts';
import { parseArgs, UsageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const ENGINE: CommandSpec = {
  name: 'engine',
  args: 'FILE',
  summary: 'Run an engine script (JSON lines, one engine call per line) and print one canonical JSON line per call.',
  flags: {
    check: { kind: 'bool', help: 'run the engine checker (I1-I27) after every call; a violation prints a {"violation":...} line after its call and exits 1' },
  },
  notes: 'The script format is documented in docs/engine-scripts.md; --check in docs/model-checking.md.',
};

export function runEngineCommand(argv: string[], io: Io): number {
  const { flags, positional } = parseArgs(argv, ENGINE);
  if (positional.length !== 1) throw new UsageError('engine needs exactly one script file');
  const file = positional[0]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let calls = -1;
  try {
    calls = parseEngineScript(text).length;
  } catch { /* the input error is reported by runEngineScript below, with its line */ }
  if (calls === 0) throw new UsageError(`${file}:1: empty script: expected at least one engine call, one JSON object per line (docs/engine-scripts.md)`);
  if (flags['check'] === true) return runChecked(file, text, io);
  const { lines, inputError } = runEngineScript(text);
  if (lines.length > 0) io.out(`${lines.join('\n')}\n`);
  if (inputError !== null) {
    io.err(`swsim engine: ${file}:${inputError.line}: ${inputError.field}: ${inputError.detail}\n`);
    return 2;
  }
  return 0;
}

/** --check: the same output lines, each followed by a violation line when the checker found one. */
function runChecked(file: string, text: string, io: Io): number {
  let parsed;
  try {
    parsed = parseEngineScript(text);
  } catch (e) {
    if (!(e instanceof ScriptInputError)) throw e;
    io.err(`swsim engine: ${file}:${e.line}: ${e.field}: ${e.detail}\n`);
    return 2;
  }
  const r = new CheckedScriptRunner(scriptBugs(parsed));
  let violated = false;
  for (const p of parsed) {
    let res;
    try {
      res = r.exec(p);
    } catch (e) {
      if (!(e instanceof ScriptInputError)) throw e;
      io.err(`swsim engine: ${file}:${e.line}: ${e.field}: ${e.detail}\n`);
      return 2;
    }
    if (res.executed !== null) io.out(`${res.executed.text}\n`);
    const real = res.failures.filter((f) => !f.candidate);
    if (real.length > 0) {
      violated = true;
      io.out(`${JSON.stringify({ line: p.line, violation: real.map((f) => ({ invariant: f.id, message: f.message })) })}\n`);
    }
  }
  return violated ? 1 : 0;
}
