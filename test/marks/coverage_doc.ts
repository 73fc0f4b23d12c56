// Reads the "unreachable in the simulated cluster today" list of docs/coverage.md: the table rows
// "| `name` | reason |" after that heading. Shared by the coverage and engine-checker tests.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const COVERAGE_DOC = resolve(import.meta.dirname, '..', '..', 'docs', 'coverage.md');

export function listedUnreachable(text: string = readFileSync(COVERAGE_DOC, 'utf8')): Map<string, string> {
  const at = text.indexOf('## Unreachable in the simulated cluster today');
  const out = new Map<string, string>();
  if (at < 0) return out;
  for (const line of text.slice(at).split('\n')) {
    const m = /^\| `([a-zA-Z0-9_]+)` \| (.+) \|$/.exec(line.trim());
    if (m !== null) out.set(m[1]!, m[2]!);
  }
  return out;
}
