// Where things are in a scenario file: the line (and column) of each timeline action, each
// end assertion and each point assertion's items, so runtime failures name `file:line` like the
// parser's errors do. Read from the same YAML document the parser reads (yaml keeps ranges).
import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YNode } from 'yaml';

export interface Pos { readonly line: number; readonly column: number }

export interface ScenarioLocations {
  /** timeline[i] */
  readonly actions: readonly Pos[];
  /** timeline[i].that[j] (empty for other actions) */
  readonly pointAsserts: readonly (readonly Pos[])[];
  /** assert[i] */
  readonly asserts: readonly Pos[];
  /** the `expect:` value */
  readonly expect: Pos;
}

export function locateText(text: string): ScenarioLocations {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const at = (n: YNode | null | undefined): Pos => {
    const p = lc.linePos(n?.range?.[0] ?? 0);
    return { line: p.line, column: p.col };
  };
  const items = (key: string): YNode[] => {
    const n = doc.get(key, true) as unknown;
    return isSeq(n) ? (n.items as YNode[]) : [];
  };
  const timeline = items('timeline');
  return {
    actions: timeline.map(at),
    pointAsserts: timeline.map((a) => {
      const that = isMap(a) ? a.get('that', true) as unknown : null;
      return isSeq(that) ? (that.items as YNode[]).map(at) : [];
    }),
    asserts: items('assert').map(at),
    expect: at(doc.get('expect', true) as YNode | undefined),
  };
}

export function locateFile(path: string): ScenarioLocations {
  return locateText(readFileSync(path, 'utf8'));
}
