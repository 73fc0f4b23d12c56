// The data a viewer page embeds: the trace's header summary, outcome and steps in columns (times,
// actor and kind as indexes into name tables, details, fingerprints), so a 200,000-step trace stays
// a few bytes a step over its details. Everything the page draws — lanes, messages, state bands,
// LSN plots, per-step state changes — it derives in the browser from these columns (the
// `WHAT | CHANGES` shape of a detail, src/trace/detail.ts); nothing is re-executed.
import type { Trace } from '../format.ts';

export interface ViewData {
  readonly title: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly outcome: Trace['outcome'];
  readonly actors: readonly string[];
  readonly kinds: readonly string[];
  /** Per step, in order: step number, virtual time, actor index, kind index, detail, fingerprint. */
  readonly step: readonly number[];
  readonly t: readonly number[];
  readonly a: readonly number[];
  readonly k: readonly number[];
  readonly d: readonly string[];
  readonly fp: readonly string[];
}

/** Index of `name` in `names`, added when new (first-seen order, so the output is deterministic). */
function indexOf(names: string[], index: Map<string, number>, name: string): number {
  let i = index.get(name);
  if (i === undefined) { i = names.length; names.push(name); index.set(name, i); }
  return i;
}

export function viewData(trace: Trace, title: string): ViewData {
  const actors: string[] = [], kinds: string[] = [];
  const ai = new Map<string, number>(), ki = new Map<string, number>();
  const n = trace.steps.length;
  const step = new Array<number>(n), t = new Array<number>(n), a = new Array<number>(n), k = new Array<number>(n);
  const d = new Array<string>(n), fp = new Array<string>(n);
  trace.steps.forEach((s, i) => {
    step[i] = s.step; t[i] = s.t; a[i] = indexOf(actors, ai, s.actor); k[i] = indexOf(kinds, ki, s.kind);
    d[i] = s.detail ?? ''; fp[i] = s.fp;
  });
  const { type: _type, ...header } = trace.header;
  return { title, header, outcome: trace.outcome, actors, kinds, step, t, a, k, d, fp };
}

/** JSON safe inside a `<script type="application/json">` element (no `</script>`, no `<!--`). */
export function embedJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
