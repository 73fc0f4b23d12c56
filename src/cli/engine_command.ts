// `swsim engine <file>`: runs an engine script (docs/engine-scripts.md) and prints one canonical
// JSON line per call. Bad input goes to stderr as `<file>:<line>: <field>: <message>` with exit
// code 2, and nothing is printed after it; a script with no call in it is bad input too.
import { readFileSync } from 'node:fs';
import { parseEngineScript, runEngineScript } from '../engine/script.ts';
import { parseArgs, UsageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const ENGINE: CommandSpec = {
  name: 'engine',
  args: 'FILE',
  summary: 'Run an engine script (JSON lines, one engine call per line) and print one canonical JSON line per call.',
  flags: {},
  notes: 'The script format is documented in docs/engine-scripts.md.',
};

export function runEngineCommand(argv: string[], io: Io): number {
  const { positional } = parseArgs(argv, ENGINE);
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
  const { lines, inputError } = runEngineScript(text);
  if (lines.length > 0) io.out(`${lines.join('\n')}\n`);
  if (inputError !== null) {
    io.err(`swsim engine: ${file}:${inputError.line}: ${inputError.field}: ${inputError.detail}\n`);
    return 2;
  }
  return 0;
}
