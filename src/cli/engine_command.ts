// `swsim engine <file>`: runs an engine script (docs/engine-scripts.md) and prints one canonical
// JSON line per call. Bad input goes to stderr as `<file>:<line>: <field>: <message>` with exit
// code 2, and nothing is printed after it.
import { readFileSync } from 'node:fs';
import { runEngineScript } from '../engine/script.ts';

const USAGE = 'usage: swsim engine <file.jsonl>\n';

export function runEngineCommand(args: string[]): number {
  if (args.length !== 1 || args[0] === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  const file = args[0];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`swsim engine: ${file}: cannot read: ${(e as Error).message}\n`);
    return 2;
  }
  const { lines, inputError } = runEngineScript(text);
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  if (inputError !== null) {
    process.stderr.write(`swsim engine: ${file}:${inputError.line}: ${inputError.field}: ${inputError.detail}\n`);
    return 2;
  }
  return 0;
}
