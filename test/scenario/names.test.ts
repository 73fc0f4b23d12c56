// The scenario vocabulary stays true to the simulator: the executor step labels a `when:
// {executor: ...}` condition may name are exactly the sender-call steps of the engine's executors
// in IO mode, and docs/scenarios.md documents every key and every action of the schema.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioJSONSchema } from '../../src/scenario/json_schema.ts';
import { CATCHUP_STEPS, REBUILD_STEPS } from '../../src/scenario/names.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const labels = (file: string): string[] =>
  [...readFileSync(join(ROOT, 'src', 'engine', file), 'utf8').matchAll(/this\.step\('([A-Za-z]+)'/g)].map((m) => m[1]!);

describe('executor step names', () => {
  it('catch-up steps are the catch-up executor\'s plain (IO-mode) step labels', () => {
    expect([...new Set(labels('catchup_executor.ts'))].sort()).toEqual([...CATCHUP_STEPS].sort());
  });
  it('rebuild steps are the rebuild executor\'s step labels', () => {
    expect([...new Set(labels('rebuild_executor.ts'))].sort()).toEqual([...REBUILD_STEPS].sort());
  });
});

/** Every property name and every `do`/`op` value in the JSON Schema. */
function schemaKeys(): { keys: Set<string>; kinds: Set<string> } {
  const root = scenarioJSONSchema() as Record<string, unknown>;
  const defs = (root.definitions ?? root.$defs ?? {}) as Record<string, unknown>;
  const keys = new Set<string>();
  const kinds = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    const n = node as Record<string, unknown>;
    if (typeof n.$ref === 'string') walk(defs[n.$ref.replace(/^#\/(definitions|\$defs)\//, '')]);
    if (n.properties !== undefined) {
      const props = n.properties as Record<string, Record<string, unknown>>;
      for (const [k, v] of Object.entries(props)) {
        keys.add(k);
        if ((k === 'do' || k === 'op') && typeof v.const === 'string') kinds.add(v.const);
      }
    }
    for (const v of Object.values(n)) walk(v);
  };
  walk(root);
  return { keys, kinds };
}

describe('docs/scenarios.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'scenarios.md'), 'utf8');
  const { keys, kinds } = schemaKeys();

  it('documents every key of the schema, each used in an example', () => {
    expect(keys.size).toBeGreaterThan(50);
    expect([...keys].filter((k) => !new RegExp(`(^|[\\s{,])${k}:`, 'm').test(doc))).toEqual([]);
  });

  it('documents every action and client operation with an example', () => {
    expect(kinds.size).toBeGreaterThan(20);
    expect([...kinds].filter((k) => !new RegExp(`(do|op): ${k}\\b`).test(doc))).toEqual([]);
  });
});
