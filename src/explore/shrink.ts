// The shrinker (`swsim shrink`): reduces a failing run to a smaller one that still fails the same
// way — the same invariant id with the same classification (a failure, or a finding with the same
// named cause "finding Hnn"). A candidate is the same seed/profile/control/bugs run with another
// choice sequence, and it is kept only when it reproduces the failure and is smaller: fewer steps,
// then fewer choices, then choices lexicographically closer to their simplest values (a
// well-founded order, so shrinking terminates).
//
// Candidates are played by a filling replay chooser: the sequence's own values (clamped into
// range), **per kind** (the k-th 'client.think' choice takes the k-th recorded think value, so a
// cut in one kind does not shift every other kind's later values), and past a kind's values the
// *simplest* value of each choice — 0 (the first option, the shortest delay), except for a
// `chance` choice (PERMILLE options), where 0 would fire the fault every time and the simplest
// value is PERMILLE - 1 (it never fires). Plain zero filling (ReplayChooser's `zero` mode) makes
// every continuation drop, reorder and reset every message, which hides most failures. Passes
// over the choice sequence, in this order, repeated until a round keeps nothing:
//   truncate  binary search for the shortest prefix (the rest filled with simplest values); then
//             the same for each kind's own values, the most frequent kind first
//   sparse    raise the choices whose largest value means less activity (a client's think time,
//             the injector's tick interval) to that value: all, halves, … eighths. Fewer
//             operations, fewer ticks. Their simplest value (0) is the busiest run, so the other
//             passes only ever make a run busier there; this one is kept on fewer steps alone
//   delete    delete chunks, halving the chunk size down to one choice
//   unfault   switch off, one at a time, each chance choice that (most likely) fired a fault
//   simplify  replace chunks by their simplest values, halving likewise
//   lower     move single values halfway, or one step, towards their simplest value
// Deterministic: the search is bounded by a candidate budget, so the same trace and budget give
// the same shrunk trace. `shouldStop` (a wall-clock cap, the CLI's --time) is checked between
// candidates only; a shrink stopped by it says so and may differ from run to run. The shrunk trace
// records the choices actually made, so `swsim replay` replays it exactly.
import type { ControlMode } from '../sim/control_plane.ts';
import { PERMILLE, type RecordingChooser } from '../sim/chooser.ts';
import type { ShrinkInfo, ShrunkFrom, Trace, TraceOutcome } from '../trace/format.ts';
import { headerUpstreamCommit, runSeed, type RunOptions, type WorldFactory } from '../trace/run.ts';
import { runCounts } from '../trace/run_counts.ts';

/** The trace cannot be shrunk: it does not fail, or its failure does not reproduce. */
export class ShrinkInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShrinkInputError';
  }
}

/** How a run failed: the invariant, and the finding its message names (null: a plain failure). */
export interface Classification {
  readonly invariant: string;
  readonly cause: string | null;
}

/** The classification of a failing outcome; null for any other outcome. */
export function classify(o: Pick<TraceOutcome, 'status' | 'invariant' | 'message'>): Classification | null {
  if (o.status !== 'fail' || o.invariant === undefined) return null;
  const m = /finding (H\d+)/.exec(o.message ?? '');
  return { invariant: o.invariant, cause: m === null ? null : m[1]! };
}

export function describeClassification(c: Classification): string {
  return c.cause === null ? `${c.invariant} (failure)` : `${c.invariant} (finding ${c.cause})`;
}

function sameClass(a: Classification | null, b: Classification): boolean {
  return a !== null && a.invariant === b.invariant && a.cause === b.cause;
}

/** Default candidate budget: a typical shrink (runs of a few thousand steps) takes well under a minute. */
export const DEFAULT_BUDGET = 1000;

export const PASSES = ['truncate', 'sparse', 'delete', 'unfault', 'simplify', 'lower'] as const;
export type PassName = typeof PASSES[number];

export interface ShrinkOptions {
  /** At most this many candidate runs (the original's reproduction check included). */
  readonly budget: number;
  /** Checked between candidates: true stops the search (a wall-clock cap; not deterministic). */
  readonly shouldStop?: () => boolean;
  /** Told about every candidate kept. */
  readonly onAccept?: (pass: PassName, steps: number, choices: number) => void;
  /**
   * Shrinking done before these passes (the structural passes, shrink_failure.ts): the run it
   * started from, its passes and candidates. The result and the shrunk trace's header then tell
   * the whole shrink: before is the prior's, passes and candidates are added up, budget is `budget`.
   */
  readonly prior?: PriorShrink;
}

export interface PriorShrink {
  readonly before: RunSize;
  readonly passes: ShrinkInfo['passes'];
  readonly candidates: number;
  /** The budget of the whole shrink (the prior's candidates included). */
  readonly budget: number;
}

export interface RunSize {
  readonly steps: number;
  readonly simulatedMs: number;
  readonly choices: number;
  /** Fault events applied and client operations issued (src/trace/run_counts.ts). */
  readonly faults: number;
  readonly clientOps: number;
}

/** A recorded run's size. */
export function runSize(t: Trace): RunSize {
  const last = t.steps[t.steps.length - 1];
  return { steps: t.outcome.steps, simulatedMs: last?.t ?? 0, choices: t.choices.length, ...runCounts(t) };
}

export interface ShrinkResult {
  readonly trace: Trace;
  readonly classification: Classification;
  readonly before: RunSize;
  readonly after: RunSize;
  readonly candidates: number;
  readonly accepted: number;
  readonly passes: ShrinkInfo['passes'];
  /** Why the search ended: no pass could shrink further, the budget ran out, or shouldStop said so. */
  readonly stoppedBy: 'fixpoint' | 'budget' | 'time';
}

/** Choice kinds whose largest value means less happens: the client thinks longest, the injector ticks least. */
const SPARSE_KINDS: ReadonlySet<string> = new Set(['client.think', 'fault.tick_ms']);

/** The simplest value of a choice among `n` options: 0, or for a `chance` choice the one that never fires. */
export function simplest(n: number): number {
  return n === PERMILLE ? n - 1 : 0;
}

/**
 * Replays `choices` (a value out of range becomes the last option) and continues past their end
 * with each choice's simplest value; records the values chosen, their option counts and kinds.
 *
 * Given the `kinds` of the choices (as a previous run recorded them), it replays **per kind**:
 * the k-th choice of kind K takes the k-th value recorded for K. Replaying a run's own recording
 * is the same either way; but a candidate that deletes or changes a choice then shifts only the
 * later choices of that kind (one client operation fewer moves the client's later draws, not
 * every message latency and scheduling decision after it), so far more candidates still fail
 * the same way. The values actually chosen are recorded in run order, so the trace of a run
 * replays with a plain `ReplayChooser`.
 */
export class FillingChooser implements RecordingChooser {
  readonly recorded: number[] = [];
  readonly options: number[] = [];
  readonly kinds: string[] = [];
  private readonly streams: Map<string, { readonly values: number[]; used: number }> | null = null;

  constructor(private readonly choices: readonly number[], kinds?: readonly string[]) {
    if (kinds === undefined) return;
    this.streams = new Map();
    choices.forEach((v, i) => {
      const k = kinds[i]!;
      let st = this.streams!.get(k);
      if (st === undefined) this.streams!.set(k, (st = { values: [], used: 0 }));
      st.values.push(v);
    });
  }

  choose(kind: string, n: number): number {
    if (n <= 1) return 0;
    const v = this.next(kind);
    const x = v === undefined ? simplest(n) : Math.min(v, n - 1);
    this.recorded.push(x);
    this.options.push(n);
    this.kinds.push(kind);
    return x;
  }

  /** The next value to replay for a choice of `kind`; undefined past the recorded ones. */
  private next(kind: string): number | undefined {
    if (this.streams === null) return this.choices[this.recorded.length];
    const st = this.streams.get(kind);
    return st === undefined || st.used >= st.values.length ? undefined : st.values[st.used++];
  }
}

interface Best {
  /** The choices consumed, trailing simplest values dropped (the filling chooser supplies them again). */
  readonly choices: readonly number[];
  /** The option count of each choice. */
  readonly options: readonly number[];
  /** The kind of each choice ('client.think', 'net.drop', ...): candidates replay per kind. */
  readonly kinds: readonly string[];
  readonly steps: number;
  readonly simulatedMs: number;
}

function distance(b: Best, i: number): number {
  return Math.abs(b.choices[i]! - simplest(b.options[i]!));
}

function stripSimplest(c: FillingChooser): { choices: number[]; options: number[]; kinds: string[] } {
  let n = c.recorded.length;
  while (n > 0 && c.recorded[n - 1] === simplest(c.options[n - 1]!)) n--;
  return { choices: c.recorded.slice(0, n), options: c.options.slice(0, n), kinds: c.kinds.slice(0, n) };
}

/** Fewer steps, then fewer choices, then lexicographically closer to the simplest values. */
function smaller(a: Best, b: Best): boolean {
  if (a.steps !== b.steps) return a.steps < b.steps;
  if (a.choices.length !== b.choices.length) return a.choices.length < b.choices.length;
  for (let i = 0; i < a.choices.length; i++) {
    const da = distance(a, i);
    const db = distance(b, i);
    if (da !== db) return da < db;
  }
  return false;
}

class Budgeted extends Error {}

export function shrinkTrace(trace: Trace, make: WorldFactory, o: ShrinkOptions): ShrinkResult {
  const h = trace.header;
  const target = classify(trace.outcome);
  if (target === null) {
    throw new ShrinkInputError(`the trace's run did not fail (outcome ${trace.outcome.status}): only a failing run can be shrunk`);
  }
  if (!(o.budget >= 1)) throw new ShrinkInputError('the candidate budget must be at least 1');
  const base: Omit<RunOptions, 'maxSteps' | 'stepCap' | 'record' | 'check'> = {
    seed: h.seed, profile: h.profile, control: h.control as ControlMode, ...headerUpstreamCommit(h), bugs: h.bugs, strict: h.strict,
    ...(h.scenario === undefined ? {} : { scenario: h.scenario }),
  };
  // A livelock fails only at the step cap, so it keeps the header's cap; anything else may stop a
  // candidate as soon as it is longer than the best run so far (it could not be kept).
  const livelock = target.invariant === 'LIVELOCK';
  let candidates = 0;
  let stoppedBy: ShrinkResult['stoppedBy'] = 'fixpoint';

  /** Run a candidate: `kinds` given, per kind (FillingChooser); the original trace's choices, in order. */
  const evaluate = (choices: readonly number[], kinds: readonly string[] | undefined, cap: number): Best | null => {
    if (candidates >= o.budget) { stoppedBy = 'budget'; throw new Budgeted(); }
    if (candidates > 0 && o.shouldStop?.() === true) { stoppedBy = 'time'; throw new Budgeted(); }
    candidates += 1;
    const chooser = new FillingChooser(choices, kinds);
    let r;
    try {
      r = runSeed({ ...base, maxSteps: livelock ? h.maxSteps : cap, stepCap: livelock ? h.stepCap : 'incomplete', record: false, check: true }, make, chooser);
    } catch {
      return null; // a world that cannot even be built from these choices does not reproduce anything
    }
    if (!sameClass(classify(r.trace.outcome), target)) return null;
    return { ...stripSimplest(chooser), steps: r.steps, simulatedMs: r.simulatedMs };
  };

  const original = evaluate(trace.choices, undefined, h.maxSteps);
  if (original === null) {
    throw new ShrinkInputError(`the trace's failure ${describeClassification(target)} does not reproduce with this build (replay it to see where it diverges)`);
  }
  let best: Best = original;
  const accepted = new Map<PassName, number>();

  const attempt = (pass: PassName, choices: readonly number[], kinds: readonly string[] = best.kinds): boolean => {
    const c = evaluate(choices, kinds, best.steps);
    if (c === null || !smaller(c, best)) return false;
    best = c;
    accepted.set(pass, (accepted.get(pass) ?? 0) + 1);
    o.onAccept?.(pass, c.steps, c.choices.length);
    return true;
  };

  const chunkSizes = (): number[] => {
    const out: number[] = [];
    for (let k = Math.max(1, Math.floor(best.choices.length / 2)); k >= 1; k = Math.floor(k / 2)) out.push(k);
    return out;
  };

  /** Binary search for the fewest values `keep(m)` still fails with; `size()` is the current count. */
  const shortest = (size: () => number, keep: (m: number) => boolean): boolean => {
    let kept = false;
    let lo = 0;
    let hi = size();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (keep(mid)) { kept = true; hi = Math.min(mid, size()); } else lo = mid + 1;
    }
    return kept;
  };

  const truncate = (): boolean => {
    let kept = shortest(() => best.choices.length, (m) => attempt('truncate', best.choices.slice(0, m), best.kinds.slice(0, m)));
    // Then each kind's own shortest prefix (its later choices take their simplest values), the
    // kinds with the most choices first.
    const counts = new Map<string, number>();
    for (const k of best.kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
    const byCount = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
    for (const kind of byCount) {
      const keepFirst = (m: number): boolean => {
        const choices: number[] = [];
        const kinds: string[] = [];
        let seen = 0;
        best.kinds.forEach((k, i) => {
          if (k === kind && seen++ >= m) return;
          choices.push(best.choices[i]!);
          kinds.push(k);
        });
        return attempt('truncate', choices, kinds);
      };
      if (shortest(() => best.kinds.filter((k) => k === kind).length, keepFirst)) kept = true;
    }
    return kept;
  };

  const chunked = (pass: 'delete' | 'simplify'): boolean => {
    let kept = false;
    for (const k of chunkSizes()) {
      for (let i = best.choices.length - k; i >= 0; i -= k) {
        i = Math.min(i, best.choices.length - k);
        if (i < 0) break;
        const b = best;
        const cur = b.choices;
        let next: number[];
        let kinds = b.kinds;
        if (pass === 'delete') {
          next = [...cur.slice(0, i), ...cur.slice(i + k)];
          kinds = [...b.kinds.slice(0, i), ...b.kinds.slice(i + k)];
        } else {
          next = [...cur];
          let changed = false;
          for (let j = i; j < i + k; j++) if (distance(b, j) !== 0) { next[j] = simplest(b.options[j]!); changed = true; }
          if (!changed) continue;
        }
        if (attempt(pass, next, kinds)) kept = true;
      }
    }
    return kept;
  };

  // A chance choice below half its range most likely fired a fault (fault rates are low): switch
  // each off alone, from the last, before the chunked passes perturb everything else too.
  const unfault = (): boolean => {
    let kept = false;
    for (let i = best.choices.length - 1; i >= 0; i--) {
      if (i >= best.choices.length || best.options[i] !== PERMILLE || best.choices[i]! >= PERMILLE / 2) continue;
      const next = [...best.choices];
      next[i] = simplest(PERMILLE);
      if (attempt('unfault', next)) kept = true;
    }
    return kept;
  };

  // Raise chunks of the "less activity" choices to their largest value: all of them, then
  // halves, down to eighths (at most 15 candidates a round: on a long run each costs a whole run);
  // kept only when the run gets shorter (smaller() ranks steps first).
  const sparse = (): boolean => {
    let kept = false;
    const open = (): number[] => best.choices.flatMap((v, i) => (SPARSE_KINDS.has(best.kinds[i]!) && v < best.options[i]! - 1 ? [i] : []));
    const all = open().length;
    for (let k = all; k >= 1 && k >= all / 8; k = k === 1 ? 0 : Math.floor(k / 2)) {
      for (let at = open(), j = at.length - k; j >= 0; j -= k) {
        const next = [...best.choices];
        for (const i of at.slice(j, j + k)) if (i < next.length) next[i] = best.options[i]! - 1;
        if (attempt('sparse', next)) { kept = true; at = open(); j = Math.min(j, at.length); }
      }
    }
    return kept;
  };

  const lower = (): boolean => {
    let kept = false;
    for (let i = best.choices.length - 1; i >= 0; i--) {
      if (i >= best.choices.length) continue;
      const v = best.choices[i]!;
      const s = simplest(best.options[i]!);
      const d = v - s;
      // Halfway and one step towards the simplest value (the simplest itself is the simplify pass's).
      for (const w of [s + Math.trunc(d / 2), v - Math.sign(d)]) {
        if (w === s || w === v || Math.abs(w - s) >= Math.abs(d)) continue;
        const next = [...best.choices];
        next[i] = w;
        if (attempt('lower', next)) { kept = true; break; }
      }
    }
    return kept;
  };

  const run: Record<PassName, () => boolean> = { truncate, unfault, sparse, delete: () => chunked('delete'), simplify: () => chunked('simplify'), lower };
  try {
    for (let progress = true; progress;) {
      progress = false;
      for (const p of PASSES) if (run[p]()) progress = true;
    }
  } catch (e) {
    if (!(e instanceof Budgeted)) throw e;
  }

  const p = o.prior;
  const passes = [...p?.passes ?? [], ...PASSES.filter((x) => accepted.has(x)).map((x) => ({ pass: x, accepted: accepted.get(x)! }))];
  const before: RunSize = p?.before ?? { steps: original.steps, simulatedMs: original.simulatedMs, choices: trace.choices.length, ...runCounts(trace) };
  const from: ShrunkFrom = { seed: h.seed, ...before };
  const info: ShrinkInfo = { passes, candidates: candidates + (p?.candidates ?? 0), budget: p?.budget ?? o.budget };
  // The shrunk trace: the best run once more, recorded, with the header's own step cap.
  const final = runSeed({ ...base, maxSteps: h.maxSteps, stepCap: h.stepCap, record: true, check: true, shrunk: { from, info } }, make, new FillingChooser(best.choices, best.kinds));
  if (!sameClass(classify(final.trace.outcome), target) || final.steps !== best.steps) {
    throw new Error(`shrink: the kept candidate did not reproduce when recorded (${final.trace.outcome.status} after ${final.steps} steps, expected ${best.steps}); the simulator is not deterministic — a bug in swsim`);
  }
  return {
    trace: final.trace, classification: target, before,
    after: { steps: final.steps, simulatedMs: final.simulatedMs, choices: final.trace.choices.length, ...runCounts(final.trace) },
    candidates: info.candidates, accepted: passes.reduce((s, x) => s + x.accepted, 0), passes, stoppedBy,
  };
}
