// Layering and determinism guards: the architecture rules of design.md, enforced on every run.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

/**
 * Layers from the bottom up; a file may import only from its own layer or a lower one. `marks`
 * (coverage-mark counters, src/marks) sits below the ported code: it imports nothing and knows
 * nothing of the simulator, so the ported layers may bump marks without depending upward.
 */
const LAYERS = ['marks', 'engine', 'storage', 'replication', 'control', 'sim', 'check', 'trace', 'scenario', 'explore', 'cli'];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function layerOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

function importsOf(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) specs.push((m[1] ?? m[2])!);
  return specs;
}

export const BANNED_NONDETERMINISM: ReadonlyArray<[RegExp, string]> = [
  [/Math\.random/, 'Math.random'],
  [/Date\.now/, 'Date.now'],
  [/new Date\(/, 'new Date('],
  [/setTimeout/, 'setTimeout'],
  [/setInterval/, 'setInterval'],
  [/setImmediate/, 'setImmediate'],
  [/performance\.now/, 'performance.now'],
  [/process\.hrtime/, 'process.hrtime'],
];

/** Lines that use a banned wall-clock or host-randomness API (comments excluded). */
export function nondeterminismHits(source: string): string[] {
  const hits: string[] = [];
  source.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    for (const [re, name] of BANNED_NONDETERMINISM) if (re.test(code)) hits.push(`${i + 1}: ${name}`);
  });
  return hits;
}

describe('layering', () => {
  const files = tsFiles(SRC);

  it('every source file lives in a known layer', () => {
    for (const f of files) expect(LAYERS, relative(SRC, f)).toContain(layerOf(f));
  });

  it('imports point down the layer stack only', () => {
    const violations: string[] = [];
    for (const f of files) {
      const own = LAYERS.indexOf(layerOf(f));
      for (const spec of importsOf(readFileSync(f, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(f), spec);
        if (!target.startsWith(SRC)) { violations.push(`${relative(SRC, f)} -> ${spec}`); continue; }
        const other = LAYERS.indexOf(layerOf(target));
        if (other > own) violations.push(`${relative(SRC, f)} -> ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('src/engine imports nothing outside src/engine but the marks counters (not even node builtins)', () => {
    const violations: string[] = [];
    for (const f of files.filter((x) => layerOf(x) === 'engine')) {
      for (const spec of importsOf(readFileSync(f, 'utf8'))) {
        const ok = spec.startsWith('.') && ['engine', 'marks'].includes(layerOf(resolve(dirname(f), spec)));
        if (!ok) violations.push(`${relative(SRC, f)} -> ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('src/marks imports nothing outside src/marks (a leaf any layer may use)', () => {
    const violations: string[] = [];
    for (const f of files.filter((x) => layerOf(x) === 'marks')) {
      for (const spec of importsOf(readFileSync(f, 'utf8'))) {
        if (!(spec.startsWith('.') && layerOf(resolve(dirname(f), spec)) === 'marks')) violations.push(`${relative(SRC, f)} -> ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the import scanner sees static, re-export and dynamic imports', () => {
    expect(importsOf(`import { a } from '../sim/x.ts';\nexport * from "./y.ts";\nawait import('../cli/z.ts');`))
      .toEqual(['../sim/x.ts', './y.ts', '../cli/z.ts']);
  });
});

describe('determinism', () => {
  it('simulation code (everything but src/cli) uses no wall clock, host timer or host randomness', () => {
    const hits: string[] = [];
    for (const f of tsFiles(SRC).filter((x) => layerOf(x) !== 'cli')) {
      for (const h of nondeterminismHits(readFileSync(f, 'utf8'))) hits.push(`${relative(SRC, f)}:${h}`);
    }
    expect(hits).toEqual([]);
  });

  it('the scanner catches each banned API', () => {
    for (const [, name] of BANNED_NONDETERMINISM) {
      expect(nondeterminismHits(`const x = ${name}${name.endsWith('(') ? '' : '('});`)).toHaveLength(1);
    }
    expect(nondeterminismHits('// Date.now is banned')).toEqual([]);
  });
});
