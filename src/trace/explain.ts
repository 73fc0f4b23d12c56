// The causal story of a failing step (`swsim replay --explain`): from a trace of thousands of
// steps, the few a person needs to see why the invariant fired. It keeps
//   - every fault the run applied (injector ticks that did something, scenario actions, also `when` actions run inside another actor's step),
//   - every step that changed the state of an object the failure names — the servers and replicas
//     its message mentions (`n2`, `vol1/s3`), and the failing step's actor itself: whether up,
//     their role and epoch, shipper states, engine sender states and sessions (the step details'
//     CHANGES keys, src/sim/view_state.ts) — or the master's primary and epoch,
//   - the failing step itself,
// shows only the changes to those objects on each kept step (LSN positions included when they
// moved on a kept step), folds everything else into "⋮ N steps", and ends with the involved
// objects' whole state at the failing step (every LSN position, however it got there). Server n<i> hosts replica s<i> (src/sim/cluster.ts names them together), so
// naming either involves both.
import type { Trace, TraceStep } from './format.ts';
import { CHANGES_SEP, splitDetail } from './detail.ts';

/** The kept state-change steps shown at most (the latest ones); faults are always shown. */
export const MAX_STORY_CHANGES = 80;

export interface StoryStep {
  readonly step: TraceStep;
  /** Why it is in the story. */
  readonly role: 'fault' | 'change' | 'failure';
  /** The detail reduced to the involved objects' changes. */
  readonly detail: string;
}

export interface Story {
  readonly invariant: string;
  readonly failStep: number;
  readonly message: string;
  /** Server indices the story follows (n<i> / s<i>). */
  readonly involved: readonly number[];
  /** Kept steps in order; `folded` counts state-change steps left out beyond MAX_STORY_CHANGES. */
  readonly steps: readonly StoryStep[];
  readonly folded: number;
  /** The involved objects' state after the failing step: key=value, in key order. */
  readonly state: readonly (readonly [string, string])[];
}

/** Keys that record a decision or a lifecycle change (the rest are LSN positions that move with every write). */
const DECISION_FIELDS = new Set(['up', 'role', 'ep', 'shp', 'snd', 'ses', 'sk', 'sph', 'pri']);

/** The point a story explains: the failure, else the first finding; null when the run passed clean. */
export function storyTarget(trace: Trace): { invariant: string; step: number; message: string } | null {
  const o = trace.outcome;
  if (o.status === 'fail' && o.step !== undefined) return { invariant: o.invariant ?? '?', step: o.step, message: o.message ?? '' };
  const f = o.findings[0];
  return f === undefined ? null : { invariant: f.invariant, step: f.step, message: f.message };
}

export function explain(trace: Trace): Story | null {
  const target = storyTarget(trace);
  if (target === null) return null;
  const actor = trace.steps.find((s) => s.step === target.step)?.actor ?? '';
  const involved = involvedServers(target.message);
  const names = new Set(involved.flatMap((i) => [`n${i}`, `s${i}`]));
  const state = new Map<string, string>();
  const kept: StoryStep[] = [];
  for (const s of trace.steps) {
    if (s.step > target.step) break;
    const d = splitDetail(s.detail);
    const mine = d.changes.filter(([k]) => isInvolved(k, names, actor));
    for (const [k, v] of mine) { if (v === '-') state.delete(k); else state.set(k, v); }
    if (s.step === target.step) { kept.push({ step: s, role: 'failure', detail: s.detail ?? '' }); break; }
    if (isFault(s)) { kept.push({ step: s, role: 'fault', detail: s.detail ?? '' }); continue; }
    if (mine.some(([k]) => DECISION_FIELDS.has(field(k)))) {
      kept.push({ step: s, role: 'change', detail: `${d.what}${CHANGES_SEP}${mine.map(([k, v]) => `${k}=${v}`).join(' ')}` });
    }
  }
  const changeCount = kept.filter((k) => k.role === 'change').length;
  const folded = Math.max(0, changeCount - MAX_STORY_CHANGES);
  let skip = folded;
  const steps = kept.filter((k) => k.role !== 'change' || skip-- <= 0);
  const finalState = [...state.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { invariant: target.invariant, failStep: target.step, message: target.message, involved, steps, folded, state: finalState };
}

/** Server indices named in `text`: `n2`, `s3`, `vol1/s3`. */
export function involvedServers(text: string): number[] {
  const out = new Set<number>();
  for (const m of text.matchAll(/(?:^|[^A-Za-z0-9])[ns](\d+)(?![A-Za-z0-9])/g)) out.add(Number(m[1]));
  return [...out].sort((a, b) => a - b);
}

/** A scenario action run inside another actor's step (a `when` action): `scenario "id": do` in its WHAT. */
const SCENARIO_ACTION = /(?:^|; )scenario (?:"[^"]*"|timeline\[\d+\]): (?!assert)/;

function isFault(s: TraceStep): boolean {
  if (s.detail === undefined) return false;
  const what = splitDetail(s.detail).what;
  if (what === '') return false;
  return s.actor === 'fault' || s.actor === 'scenario' || s.kind.startsWith('fault.') || SCENARIO_ACTION.test(what);
}

/**
 * A CHANGES key concerns an involved object: the master's; one with a part naming a server or
 * replica the message names (`n2.snd.s1` for s1); or the failing actor's own (`n2.role`, not
 * its shippers and senders towards servers the message does not name).
 */
function isInvolved(key: string, names: ReadonlySet<string>, actor: string): boolean {
  if (key.startsWith('m.')) return true;
  const parts = key.split('.');
  return parts.some((p) => names.has(p)) || (parts.length === 2 && parts[0] === actor);
}

/** `n1.shp.n2` → `shp`, `m.pri` → `pri`. */
function field(key: string): string {
  return key.split('.')[1] ?? '';
}
