// The GitHub Actions workflows are valid (schema-checked by @action-validator/core), and the fuzz
// workflow runs commands this version of swsim accepts: each `npx swsim ...` line parses.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args.ts';
import { COMMANDS } from '../src/cli/main.ts';

const DIR = resolve(import.meta.dirname, '..', '.github', 'workflows');

describe('workflows', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yml')).sort();

  it('ci.yml and fuzz.yml exist', () => expect(files).toEqual(['ci.yml', 'fuzz.yml']));

  for (const f of files) {
    it(`${f} is a valid workflow`, () => {
      const state = validateWorkflow(readFileSync(join(DIR, f), 'utf8'));
      expect(state.errors, JSON.stringify(state.errors, null, 2)).toEqual([]);
    });
  }

  it('the validator rejects a broken workflow (it has teeth)', () => {
    const state = validateWorkflow('name: x\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps: 7\n');
    expect(state.errors.length).toBeGreaterThan(0);
  });

  it('every swsim command line in the workflows parses with this version\'s flags', () => {
    const lines = files.flatMap((f) => readFileSync(join(DIR, f), 'utf8').split('\n')).filter((l) => l.includes('npx swsim '));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) {
      // Expressions stand for values: ${{ ... }} and $(( ... )) become a number.
      const text = l.slice(l.indexOf('npx swsim ') + 'npx swsim '.length).replace(/\$\{\{[^}]*\}\}/g, '1').replace(/\$\(\([^)]*\)\)/g, '1000');
      const words = text.trim().split(/\s+/);
      const spec = COMMANDS.find((c) => c.name === words[0]);
      expect(spec, l).toBeDefined();
      expect(() => parseArgs(words.slice(1), spec!), l).not.toThrow();
    }
  });
});
