// Scenario files in, typed `Scenario` out — or a ScenarioError whose every line reads
// `file:line:column: what is wrong, what was expected`. YAML (and strict JSON for .json files) is
// parsed by `yaml`, which keeps each node's source range; the zod schema validates; each issue's
// path is walked back through the YAML document to the node (or key) it is about. Union errors
// are narrowed to the branch the author meant (the `do:`/`op:` value, or the tag key present),
// and unknown keys and names get a "did you mean". Semantic checks (semantic.ts) run last.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import * as z from 'zod';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YNode } from 'yaml';
import { DURATION_EXPECTED } from './duration.ts';
import { ActionId, Duration, KEYED_UNIONS, ScenarioName, ScenarioSchema, ServerName, type Scenario } from './schema.ts';
import { semanticIssues, type Path } from './semantic.ts';
import { closest, didYouMean } from './suggest.ts';

export type { Scenario } from './schema.ts';

export interface ScenarioIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export function formatIssue(i: ScenarioIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.message}`;
}

/** A scenario file that cannot be used; `issues` are sorted by position, the first is the first problem. */
export class ScenarioError extends Error {
  constructor(readonly file: string, readonly issues: readonly ScenarioIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ScenarioError';
  }
  get first(): ScenarioIssue { return this.issues[0]!; }
}

/** At most this many issues per file: later ones are usually consequences of earlier ones. */
const MAX_ISSUES = 10;

export function parseScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new ScenarioError(path, [{ file: path, line: 1, column: 1, message: `cannot read the file (${code}), expected a readable .yaml, .yml or .json scenario file` }]);
  }
  return parseScenarioText(text, path);
}

export function parseScenarioText(text: string, fileName: string): Scenario {
  const r = checkScenarioText(text, fileName);
  if (!r.ok) throw r.error;
  return r.scenario;
}

export type CheckResult = { readonly ok: true; readonly scenario: Scenario } | { readonly ok: false; readonly error: ScenarioError };

/** Like parseScenarioText, but returns the error instead of throwing. */
export function checkScenarioText(text: string, fileName: string): CheckResult {
  const fail = (issues: ScenarioIssue[]): CheckResult => ({ ok: false, error: new ScenarioError(fileName, issues) });
  const at = (line: number, column: number, message: string): ScenarioIssue => ({ file: fileName, line, column, message });
  const ext = extname(fileName).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) return fail([at(1, 1, `unsupported file type "${ext || '(none)'}", expected a .yaml, .yml or .json file`)]);

  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true });
  const pos = (offset: number): { line: number; col: number } => lc.linePos(offset);

  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = pos(e.pos[0]);
    return fail([at(p.line, p.col, yamlErrorMessage(e.code, e.message, ext))]);
  }
  if (ext === '.json') {
    const jsonErr = strictJSONError(text);
    if (jsonErr !== null) { const p = pos(jsonErr.offset); return fail([at(p.line, p.col, jsonErr.message)]); }
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return fail([at(1, 1, 'the file is empty (no scenario in it), expected a mapping with at least name:')]);
  }
  if (!isMap(doc.contents)) {
    const p = pos(doc.contents.range?.[0] ?? 0);
    return fail([at(p.line, p.col, `found ${describe(doc.toJS())} at the top level, expected a mapping of scenario keys (name, cluster, workload, timeline, free, run, expect, assert)`)]);
  }

  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  const locate = (path: Path, where: Where): ScenarioIssue & { offset: number } => {
    const offset = offsetOf(doc, path, where);
    const p = pos(offset);
    return { file: fileName, line: p.line, column: p.col, message: '', offset };
  };
  const issues: (ScenarioIssue & { offset: number })[] = [];
  const push = (path: Path, where: Where, message: string): void => {
    issues.push({ ...locate(path, where), message: `${pathText(path)}${message}` });
  };

  const parsed = ScenarioSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) explain(issue, [], data, push);
  } else {
    for (const s of semanticIssues(parsed.data)) {
      let message = s.message;
      if (s.related !== undefined) message += ` (${s.related.label} at line ${locate(s.related.path, 'value').line})`;
      push(s.path, s.atKey === true ? 'key' : 'value', message);
    }
  }
  if (issues.length === 0 && parsed.success) return { ok: true, scenario: parsed.data };
  issues.sort((a, b) => a.offset - b.offset);
  const unique = issues.filter((x, i) => i === 0 || formatIssue(x) !== formatIssue(issues[i - 1]!));
  return fail(unique.slice(0, MAX_ISSUES).map(({ offset: _o, ...rest }) => rest));
}

// ---- YAML and JSON syntax errors -------------------------------------------------------------

const YAML_HINTS: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'expected each key once in a mapping',
  BAD_INDENT: 'expected consistent indentation (spaces, same column for keys of one mapping)',
  TAB_AS_INDENT: 'expected spaces for indentation, not tabs',
  MISSING_CHAR: 'expected the closing character',
  MULTIPLE_DOCS: 'expected one YAML document per scenario file',
  BLOCK_AS_IMPLICIT_KEY: 'expected a key on one line followed by ":"',
  MULTILINE_IMPLICIT_KEY: 'expected a key on one line followed by ":"',
  UNEXPECTED_TOKEN: 'expected valid YAML',
};

function yamlErrorMessage(code: string, message: string, ext: string): string {
  const what = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
  const lang = ext === '.json' ? 'JSON' : 'YAML';
  return `${lang} syntax error: ${what}, ${YAML_HINTS[code] ?? `expected valid ${lang}`}`;
}

/** The yaml library accepts YAML inside .json files; JSON.parse decides strictness. */
function strictJSONError(text: string): { offset: number; message: string } | null {
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    return { offset: m === null ? 0 : Number(m[1]), message: `JSON syntax error: ${msg.replace(/ in JSON at position \d+.*$/, '')}, expected strict JSON (no comments, no trailing commas)` };
  }
}

// ---- from a path to a place in the file ---------------------------------------------------------

type Where = 'value' | 'key' | 'parent';

function offsetOf(doc: Document, path: Path, where: Where): number {
  let node: unknown = doc.contents;
  let keyNode: unknown = null;
  let parentNode: unknown = doc.contents;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (pair === undefined) break;
      parentNode = node;
      keyNode = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      parentNode = node;
      keyNode = null;
      node = node.items[seg];
    } else {
      break;
    }
  }
  const start = (n: unknown): number | undefined => (n as YNode | null)?.range?.[0];
  if (where === 'key') return start(keyNode) ?? start(node) ?? 0;
  if (where === 'parent') return start(parentNode) ?? 0;
  return start(node) ?? start(keyNode) ?? 0;
}

function pathText(path: Path): string {
  if (path.length === 0) return '';
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : (s === '' ? seg : `.${seg}`);
  return `${s}: `;
}

// ---- from a zod issue to "what is wrong, what was expected" --------------------------------------

type Push = (path: Path, where: Where, message: string) => void;
type Issue = z.core.$ZodIssue;

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return `the string "${v}"`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

function explain(issue: Issue, prefix: Path, data: unknown, push: Push): void {
  const path = [...prefix, ...(issue.path as (string | number)[])];
  const value = valueAt(data, path);
  const schema = schemaAt(path, data);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = expectedText(schema, issue.expected);
      if (value === undefined && path.length > 0) {
        if (typoOfMissing(data, path)) return;
        push(path.slice(0, -1), 'value', `missing key "${String(path[path.length - 1])}", expected ${expected}`);
      } else {
        push(path, 'value', `found ${describe(value)}, expected ${expected}`);
      }
      return;
    }
    case 'unrecognized_keys': {
      const known = Object.keys(objectShape(schema === undefined ? undefined : pickBranch(schema, value)) ?? {});
      for (const k of issue.keys) {
        const hint = didYouMean(k, known);
        push([...path, k], 'key', `unknown key "${k}"${hint}${hint === '' ? ',' : ''} expected one of: ${known.join(', ')}`);
      }
      return;
    }
    case 'invalid_value': {
      const values = issue.values.map((x) => String(x));
      if (value === undefined && path.length > 0) {
        if (typoOfMissing(data, path)) return;
        push(path.slice(0, -1), 'value', `missing key "${String(path[path.length - 1])}", expected ${oneOf(values)}`);
      } else {
        push(path, 'value', `found ${describe(value)}, expected ${oneOf(values)}${typeof value === 'string' ? didYouMean(value, values) : ''}`);
      }
      return;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'array' && schema !== undefined && defOf(schema).type === 'tuple') {
        push(path, 'value', `found ${Array.isArray(value) ? value.length : 0} item(s), expected ${expectedText(schema, 'tuple')}`);
      } else if (issue.origin === 'array') {
        const n = Array.isArray(value) ? value.length : 0;
        push(path, 'value', `found ${n} item${n === 1 ? '' : 's'}, expected ${small ? 'at least' : 'at most'} ${inclusive ? bound : small ? bound + 1 : bound - 1}`);
      } else {
        push(path, 'value', `found ${describe(value)}, expected a number ${small ? '>=' : '<='} ${inclusive ? bound : small ? bound + 1 : bound - 1}`);
      }
      return;
    }
    case 'invalid_format':
      push(path, 'value', `found ${describe(value)}, ${issue.message.startsWith('expected') ? issue.message : `expected ${issue.format} format`}`);
      return;
    case 'custom':
      push(path, 'value', issue.message);
      return;
    case 'invalid_union':
      explainUnion(issue, path, value, schema, data, push);
      return;
    default:
      push(path, 'value', `${issue.message}, found ${describe(value)}`);
  }
}

function explainUnion(issue: Extract<Issue, { code: 'invalid_union' }>, path: Path, value: unknown, schema: z.ZodType | undefined, data: unknown, push: Push): void {
  const disc = (issue as { discriminator?: string }).discriminator;
  if (disc !== undefined) {
    // A discriminated union (`do:` of an action, `op:` of a client op); the path ends at the key.
    const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
    if (value === undefined) push(path.slice(0, -1), 'value', `missing key "${disc}", expected ${oneOf(options)}`);
    else push(path, 'value', `found ${describe(value)}, expected ${oneOf(options)}${typeof value === 'string' ? didYouMean(value, options) : ''}`);
    return;
  }
  const info = schema === undefined ? undefined : KEYED_UNIONS.get(schema);
  if (info !== undefined) {
    const tags = info.tags.filter((t) => t !== '');
    const shape = info.literal === undefined ? `a mapping with one of the keys ${tags.join(', ')}` : `${info.literal} or a mapping with one of the keys ${tags.join(', ')}`;
    if (typeof value === 'string' && info.literal !== undefined) {
      push(path, 'value', `found ${describe(value)}, expected ${shape}${didYouMean(value, [info.literal])}`);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      push(path, 'value', `found ${describe(value)}, expected ${info.what === 'expectation' ? '' : `a ${info.what}: `}${shape}`);
      return;
    }
    const keys = Object.keys(value);
    const present = tags.filter((t) => keys.includes(t));
    if (present.length === 1) {
      const branch = info.tags.indexOf(present[0]!);
      for (const sub of issue.errors[branch] ?? []) explain(sub, path, data, push);
      return;
    }
    if (present.length > 1) {
      push([...path, present[1]!], 'key', `a ${info.what} has ${present.map((p) => `"${p}"`).join(' and ')}, expected exactly one of the keys ${tags.join(', ')}`);
      return;
    }
    const typo = keys.map((k) => [k, closest(k, tags)] as const).find(([, c]) => c !== null);
    if (typo !== undefined) {
      push([...path, typo[0]], 'key', `unknown key "${typo[0]}"; did you mean "${typo[1]}"? expected a ${info.what} with one of the keys ${tags.join(', ')}`);
    } else {
      push(path, 'value', `a ${info.what} with keys ${keys.join(', ') || '(none)'}, expected ${shape}`);
    }
    return;
  }
  // A plain union of scalars (an executor step: a number or a name).
  const opts = unionOptions(schema);
  const expected = opts.map((o) => expectedText(o, '')).filter((x) => x !== '').join(', or ');
  const names = opts.flatMap((o) => enumValues(o) ?? []);
  push(path, 'value', `found ${describe(value)}, expected ${expected || 'another value'}${typeof value === 'string' ? didYouMean(value, names) : ''}`);
}

/** True when the mapping holding a missing key has an unknown key that is a typo of it (reported instead). */
function typoOfMissing(data: unknown, path: Path): boolean {
  const parent = valueAt(data, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return false;
  const missing = String(path[path.length - 1]);
  return Object.keys(parent).some((k) => closest(k, [missing]) !== null);
}

function oneOf(values: readonly string[]): string {
  if (values.length === 1) return `"${values[0]}"`;
  return `one of: ${values.join(', ')}`;
}

// ---- walking the schema alongside the data ---------------------------------------------------------

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; items?: z.ZodType[]; options?: z.ZodType[]; discriminator?: string; entries?: Record<string, string>; values?: unknown[]; getter?: () => z.ZodType; checks?: unknown[] };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

/** Shared schemas whose expected text is better than their type's. */
const MARKERS = new Map<unknown, string>([
  [Duration, DURATION_EXPECTED.replace(/^expected /, '')],
  [ServerName, 'a server name (one of cluster.servers)'],
  [ActionId, 'an action id'],
  [ScenarioName, 'a scenario name (lower-case letters, digits, ".", "_" or "-")'],
]);

/** Strip wrappers, but stop at a marker schema (Duration) so callers can recognise it. */
function unwrap(s: z.ZodType, stopAtMarker = false): z.ZodType {
  let cur = s;
  for (;;) {
    if (stopAtMarker && MARKERS.has(cur)) return cur;
    const d = defOf(cur);
    if (WRAPPERS.has(d.type) && d.innerType !== undefined) cur = d.innerType;
    else if (d.type === 'pipe' && d.in !== undefined) cur = d.in;
    else if (d.type === 'lazy' && d.getter !== undefined) cur = d.getter();
    else return cur;
  }
}

function schemaAt(path: Path, data: unknown): z.ZodType | undefined {
  let s: z.ZodType | undefined = ScenarioSchema;
  let v: unknown = data;
  for (const seg of path) {
    if (s === undefined) return undefined;
    s = pickBranch(unwrap(s), v);
    const d = defOf(s);
    if (d.type === 'object') s = d.shape?.[String(seg)];
    else if (d.type === 'array') s = d.element;
    else if (d.type === 'tuple') s = d.items?.[Number(seg)];
    else return undefined;
    v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
  }
  if (s === undefined) return undefined;
  const marked = unwrap(s, true);
  return MARKERS.has(marked) ? marked : unwrap(s);
}

/** For a union, the branch the data means (by discriminator value or tag key); the union itself if unclear. */
function pickBranch(s: z.ZodType, v: unknown): z.ZodType {
  const d = defOf(s);
  if (d.type !== 'union' || d.options === undefined || v === null || typeof v !== 'object') return s;
  const rec = v as Record<string, unknown>;
  if (d.discriminator !== undefined) {
    const hit = d.options.find((o) => enumValues(objectShape(o)?.[d.discriminator!])?.includes(String(rec[d.discriminator!])));
    return hit === undefined ? s : unwrap(hit);
  }
  const info = KEYED_UNIONS.get(s);
  if (info !== undefined) {
    const present = info.tags.filter((t) => t !== '' && t in rec);
    if (present.length === 1) return unwrap(d.options[info.tags.indexOf(present[0]!)]!);
  }
  return s;
}

function objectShape(s: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  if (s === undefined) return undefined;
  const d = defOf(unwrap(s));
  return d.type === 'object' ? d.shape : undefined;
}

function unionOptions(s: z.ZodType | undefined): z.ZodType[] {
  if (s === undefined) return [];
  const d = defOf(unwrap(s));
  return d.type === 'union' ? (d.options ?? []) : [s];
}

function enumValues(s: z.ZodType | undefined): string[] | undefined {
  if (s === undefined) return undefined;
  const d = defOf(unwrap(s));
  if (d.type === 'enum' && d.entries !== undefined) return Object.values(d.entries).map(String);
  if (d.type === 'literal' && d.values !== undefined) return d.values.map(String);
  return undefined;
}

const TYPE_TEXT: Readonly<Record<string, string>> = {
  string: 'a string', number: 'a number', int: 'an integer', boolean: 'true or false', object: 'a mapping', array: 'a list',
  tuple: 'a list', literal: 'a fixed value', enum: 'a name',
};

function expectedText(s: z.ZodType | undefined, fallback: string): string {
  if (s === undefined) return TYPE_TEXT[fallback] ?? fallback;
  const marker = MARKERS.get(unwrap(s, true));
  if (marker !== undefined) return marker;
  const u = unwrap(s);
  const names = enumValues(u);
  if (names !== undefined) return oneOf(names);
  const d = defOf(u);
  if (d.type === 'number') return (d.checks ?? []).length > 0 ? 'a whole number' : 'a number';
  if (d.type === 'array') return `a list, each ${expectedText(d.element, 'item')}`;
  if (d.type === 'object') return `a mapping (keys: ${Object.keys(d.shape ?? {}).join(', ')})`;
  if (d.type === 'tuple') return `a list of ${d.items?.length ?? 0} names`;
  if (d.type === 'union') {
    const info = KEYED_UNIONS.get(u);
    if (info !== undefined) return `${info.literal === undefined ? '' : `${info.literal} or `}a mapping with one of the keys ${info.tags.filter((t) => t !== '').join(', ')}`;
    const discriminator = (d as { discriminator?: unknown }).discriminator;
    if (typeof discriminator === 'string') return `a mapping with a "${discriminator}:" key`;
    return unionOptions(u).map((o) => expectedText(o, '')).join(', or ');
  }
  return TYPE_TEXT[d.type] ?? TYPE_TEXT[fallback] ?? fallback;
}
