// The scenario corpus: every file under scenarios/ (recursively, schema.json excluded) is one test
// case, named by its file, run through runScenario exactly as `swsim scenario` runs it.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/runner.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'scenarios');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ya?ml|json)$/.test(n) && n !== 'schema.json') out.push(p);
  }
  return out;
}

describe('scenario corpus', () => {
  for (const f of files(DIR)) {
    const name = relative(ROOT, f);
    it(name, () => {
      const r = runScenario(name);
      const bad = r.seeds.filter((s) => !s.ok).map((s) => `seed ${s.seed}: ${s.message}`);
      expect(bad, bad.join('\n')).toEqual([]);
    }, 60_000);
  }
});
