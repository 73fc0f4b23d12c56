// The engine model checker (`swsim check engine`): breadth-first search over every sequence of
// engine calls up to a depth, over the bounded alphabet of engine_alphabet.ts, checking I1-I27
// (src/check/engine_checker.ts) after every call. States are deduplicated by a 64-bit structural
// hash (engine_state_hash.ts) of the engine's canonical state (storage, pin refusals, holds, the registry's canonical value
// with the session counter, and the live plans and executors with their progress) kept in a
// FingerprintSet; paths are kept as per-level links (level_links.ts) over interned script lines; a
// state is restored by replaying its path from a fresh engine (state_restorer.ts); a call that leaves the fingerprint unchanged keeps its
// runner for the next call instead (violations found that way are confirmed on a fresh copy). Breadth-first order makes the first violation a
// shortest one; it is returned as an engine script (docs/engine-scripts.md) that
// `swsim engine --check` replays with the same verdict. Partial-order reduction (default on):
// sleep sets over the independence of engine_independence.ts, each state's set intersected over
// every same-level edge into it, which keeps every state and every shortest violation depth
// (docs/model-checking.md argues why).
//
// Soundness note: the fingerprint leaves out the recovery log and the checker's memory of past
// steps (e.g. how often a session was planned), so two paths it merges may differ there; this can
// only hide a violation, never invent one (every counterexample is a replayable script).
import { canonicalPlan } from '../engine/plan.ts';
import type { EngineBugSwitches } from '../engine/context.ts';
import { parseEngineScriptLine } from '../engine/script.ts';
import type { HandleKind, ParsedLine } from '../engine/script.ts';
import type { Failure } from '../check/catalog.ts';
import { CheckedScriptRunner } from './checked_script.ts';
import { alphabetKey, enabledLines, initialStorage } from './engine_alphabet.ts';
import type { AlphabetBounds } from './engine_alphabet.ts';
import { FingerprintSet } from './fingerprint_set.ts';
import { LevelLinks } from './level_links.ts';
import { SleepSets } from './sleep_sets.ts';
import { ReplayRestorer } from './state_restorer.ts';
import { StateHasher } from './engine_state_hash.ts';
import { footprint, independent } from './engine_independence.ts';
import type { Footprint } from './engine_independence.ts';

export interface EngineCheckOptions extends AlphabetBounds {
  readonly depth: number;
  readonly bugs: EngineBugSwitches;
  /** Stop after this many distinct states (0 = no limit); the result says the search was cut. */
  readonly maxStates?: number;
  /** Partial-order reduction by sleep sets (engine_independence.ts); default true. */
  readonly por?: boolean;
  /** Called after each completed level (for progress output). */
  readonly onLevel?: (level: LevelStats) => void;
}

export interface LevelStats {
  readonly depth: number;
  /** New distinct states first reached at this depth. */
  readonly states: number;
  /** Transitions (engine calls) explored from the previous level. */
  readonly transitions: number;
  /** Enabled calls not run because they were in the state's sleep set (0 without POR). */
  readonly pruned: number;
}

export interface Counterexample {
  readonly invariant: string;
  readonly message: string;
  /** Number of engine calls after the prelude (the BFS depth of the violating call). */
  readonly depth: number;
  /** The engine script, JSON lines, replayable by `swsim engine --check`. */
  readonly script: string;
}

export interface EngineCheckResult {
  readonly states: number;
  readonly transitions: number;
  /** Enabled calls skipped by the partial-order reduction (0 with por: false). */
  readonly pruned: number;
  readonly depthReached: number;
  readonly levels: readonly LevelStats[];
  readonly violation: Counterexample | null;
  /** True when maxStates cut the search short. */
  readonly truncated: boolean;
  /**
   * Bytes held per distinct state by the search's per-state structures: (tableBytes + linkBytes +
   * sleepBytes) / states (not counted: interned lines, the enabled-lines cache, the runners in use).
   */
  readonly bytesPerState: number;
  /** Bytes of the fingerprint table (fingerprint_set.ts) and of the path links (level_links.ts) at the end. */
  readonly tableBytes: number;
  readonly linkBytes: number;
  /** Most bytes held at once by the sleep sets of two adjacent levels (sleep_sets.ts; 0 without POR). */
  readonly sleepBytes: number;
  /** Most next-level states holding a sleep set at once (POR bookkeeping, freed level by level; not in bytesPerState). */
  readonly peakSleepSets: number;
  /** Runners restored by replaying a path (state_restorer.ts). */
  readonly replays: number;
}

const PRELUDE_LINES = (o: EngineCheckOptions): string[] => {
  const out: string[] = [];
  if (Object.values(o.bugs).some((v) => v === true)) out.push(JSON.stringify({ op: 'engine.bugs', args: o.bugs }));
  out.push(JSON.stringify({ op: 'storage.state', args: initialStorage(o) }));
  return out;
};

/**
 * Hashes everything that decides the engine's future behaviour under the alphabet into `h` (hi,
 * lo): storage state, pin refusals, holds, the registry's canonical value, the live plans and
 * executors. Structural (engine_state_hash.ts): the values are built by engine code in a fixed key
 * order, so walking them is deterministic, and no JSON text is built (the checker's hottest code).
 */
export function stateHash(r: CheckedScriptRunner, h: StateHasher): void {
  const e = r.runner.engine;
  const live = r.live();
  h.reset();
  h.value(e.storage.state());
  h.value(e.storage.pinRefusals());
  const holds = e.storage.activeHolds();
  h.word(holds.length);
  for (const x of holds) {
    h.str(x.kind);
    h.num(x.startLSN);
  }
  // the registry's canonical value (Registry.canonical()), walked without building its outer object
  const registry = e.driver.orchestrator.registry;
  h.num(registry.ctx.lastAllocatedSessionID);
  const senders = registry.all();
  h.word(senders.length);
  for (const x of senders) h.value(x.canonical());
  h.word(live.plans.length);
  for (const [, p, kind] of live.plans) {
    h.str(kind);
    h.value(canonicalPlan(p));
  }
  h.word(live.executors.length);
  for (const handle of live.executors) {
    const x = e.executors.get(handle)!;
    h.value(canonicalPlan(x.executor.plan));
    h.value(x.spec);
    h.word(x.gen !== null ? 1 : 0);
    h.value(x.pendingStep);
    h.value(x.pendingIO);
    h.value(x.io === null ? null : x.io.remaining());
  }
  h.finish();
}

/** The state hash as 16 hex digits. */
export function stateFingerprint(r: CheckedScriptRunner): string {
  const h = new StateHasher();
  stateHash(r, h);
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}

/** Interned script lines: each distinct line text is parsed once and referred to by index. */
class LineTable {
  readonly texts: string[] = [];
  readonly parsed: ParsedLine[] = [];
  readonly footprints: Footprint[] = [];
  private readonly ids = new Map<string, number>();

  intern(text: string, handles: Map<string, HandleKind>): number {
    const known = this.ids.get(text);
    if (known !== undefined) return known;
    const id = this.texts.length;
    this.texts.push(text);
    this.parsed.push(parseEngineScriptLine(text, 0, new Map(handles)));
    const raw = JSON.parse(text) as { op: string; args?: Record<string, unknown> };
    this.footprints.push(footprint(raw.op, raw.args ?? {}));
    this.ids.set(text, id);
    return id;
  }
}

function handlesOf(r: CheckedScriptRunner): Map<string, HandleKind> {
  const m = new Map<string, HandleKind>();
  for (const k of r.runner.engine.plans.keys()) m.set(k, 'plan');
  for (const k of r.runner.engine.executors.keys()) m.set(k, 'executor');
  return m;
}

/** Real failures (candidate invariants are reported only under --strict elsewhere). */
function real(fs: readonly Failure[]): Failure | null {
  return fs.find((f) => !f.candidate) ?? null;
}

export function checkEngine(o: EngineCheckOptions): EngineCheckResult {
  const preludeText = PRELUDE_LINES(o);
  const table = new LineTable();
  const prelude: ParsedLine[] = [];
  {
    const handles = new Map<string, HandleKind>();
    preludeText.forEach((t, i) => prelude.push(parseEngineScriptLine(t, i + 1, handles)));
  }
  const fresh = (): CheckedScriptRunner => {
    const r = new CheckedScriptRunner(o.bugs, false);
    for (const p of prelude) {
      const f = real(r.exec(p).failures);
      if (f !== null) throw new Error(`prelude violates ${f.id}: ${f.message}`);
    }
    return r;
  };
  const enabledIDs = new Map<string, number[]>();
  const links = new LevelLinks();
  const seen = new FingerprintSet();
  const restorer = new ReplayRestorer(fresh, table.parsed);
  let replays = 0;
  const memory = (): Pick<EngineCheckResult, 'bytesPerState' | 'tableBytes' | 'linkBytes' | 'sleepBytes' | 'replays' | 'peakSleepSets'> => ({
    peakSleepSets,
    sleepBytes: Math.max(peakSleepBytes, sleepOf.bytes + nextSleep.bytes),
    bytesPerState: (seen.bytes + links.bytes + Math.max(peakSleepBytes, sleepOf.bytes + nextSleep.bytes)) / Math.max(1, seen.size),
    tableBytes: seen.bytes,
    linkBytes: links.bytes,
    replays,
  });
  const take = (): CheckedScriptRunner => {
    replays += 1;
    return restorer.take();
  };
  const root = fresh();
  const hasher = new StateHasher();
  stateHash(root, hasher);
  seen.add(hasher.hi, hasher.lo);
  const por = o.por ?? true;
  const fps = table.footprints;
  // Sleep sets (POR): for the level being expanded, by state index; for the next level, the
  // intersection over every edge that reaches a state at that level (breadth-first order sees all
  // of them before the state is expanded; a later, deeper visit is dropped as before).
  let sleepOf = new SleepSets();
  let nextSleep = new SleepSets();
  const NONE = new Uint16Array(0);
  const NO_CALLS: number[] = [];
  /** Notes a call run from the state being expanded, if it can be independent of anything. */
  const remember = (id: number, storage: number[], registry: number[]): void => {
    const f = fps[id]!;
    if (!f.engine) storage.push(id);
    else if (f.writes === 0) registry.push(id);
  };
  const levels: LevelStats[] = [];
  let transitions = 0;
  let pruned = 0;
  let peakSleepSets = 0;
  let peakSleepBytes = 0;
  let levelStart = 0;
  let levelEnd = 1;
  const maxStates = o.maxStates ?? 0;
  let truncated = false;
  for (let d = 1; d <= o.depth && levelStart < levelEnd && !truncated; d++) {
    let levelTransitions = 0;
    let levelPruned = 0;
    // the successors' sleep sets are needed only if they will be expanded (not at the last level)
    const sleeps = por && d < o.depth;
    links.openLevel();
    for (let s = levelStart; s < levelEnd && !truncated; s++) {
      const path = links.path(s).actions;
      restorer.enter(path);
      links.beginChildren(s);
      let r: CheckedScriptRunner | null = take();
      stateHash(r, hasher);
      const hereHi = hasher.hi;
      const hereLo = hasher.lo;
      const live = r.live();
      // the enabled lines, as interned ids, depend only on what alphabetKey reads: cached by it
      const akey = alphabetKey(r.runner.engine, live, d);
      let ids = enabledIDs.get(akey);
      if (ids === undefined) {
        const handles = handlesOf(r);
        ids = enabledLines(r.runner.engine, live, o, d).map((t) => table.intern(t, handles));
        if (enabledIDs.size >= 1 << 16) enabledIDs.clear();
        enabledIDs.set(akey, ids);
      }
      const asleep = por ? sleepOf.of(s) : NONE;
      // calls run so far from this state that may sleep in a successor (storage/registry calls)
      // (storage calls and registry calls apart: two registry calls are never independent)
      const doneStorage: number[] = [];
      const doneRegistry: number[] = [];
      let reused = false;
      for (const id of ids) {
        if (asleep.length > 0 && asleep.includes(id)) {
          pruned += 1;
          levelPruned += 1;
          continue;
        }
        r ??= take();
        const res = r.exec(table.parsed[id]!);
        transitions += 1;
        levelTransitions += 1;
        let f = real(res.failures);
        // A violation seen on a reused runner (see below) is confirmed on a fresh replay.
        if (f !== null && reused) f = real(take().exec(table.parsed[id]!).failures);
        if (f !== null) {
          const partial = { depth: d, states: links.size - levelEnd, transitions: levelTransitions, pruned: levelPruned };
          levels.push(partial);
          o.onLevel?.(partial);
          return {
            states: seen.size,
            transitions,
            pruned,
            depthReached: d,
            levels,
            truncated: false,
            ...memory(),
            violation: { invariant: f.id, message: f.message, depth: d, script: scriptText(o, preludeText, [...path, id].map((i) => table.texts[i]!), f) },
          };
        }
        stateHash(r, hasher);
        const hi = hasher.hi;
        const lo = hasher.lo;
        if (hi === hereHi && lo === hereLo) {
          // A call that left the state as it was (typically a rejected one): keep using this runner
          // instead of replaying the path again; only the log and the checker's memory differ.
          reused = true;
          if (sleeps) remember(id, doneStorage, doneRegistry);
          continue;
        }
        if (sleeps) {
          // the successor's sleep set: sleeping or already-run calls independent of this one
          const fp1 = fps[id]!;
          let child: number[] = NO_CALLS;
          for (const v of asleep) if (independent(fps[v]!, fp1)) (child === NO_CALLS ? (child = []) : child).push(v);
          for (const v of doneStorage) if (independent(fps[v]!, fp1)) (child === NO_CALLS ? (child = []) : child).push(v);
          if (!fp1.engine) for (const v of doneRegistry) if (independent(fps[v]!, fp1)) (child === NO_CALLS ? (child = []) : child).push(v);
          if (seen.add(hi, lo)) {
            const idx = links.add(id);
            if (child.length > 0) nextSleep.add(hi, lo, idx, child);
            if (maxStates > 0 && seen.size >= maxStates) truncated = true;
          } else {
            nextSleep.meet(hi, lo, child);
          }
          remember(id, doneStorage, doneRegistry);
        } else if (seen.add(hi, lo)) {
          links.add(id);
          if (maxStates > 0 && seen.size >= maxStates) truncated = true;
        }
        r = null;
        reused = false;
      }
    }
    links.closeLevel();
    const stats = { depth: d, states: links.size - levelEnd, transitions: levelTransitions, pruned: levelPruned };
    levels.push(stats);
    o.onLevel?.(stats);
    levelStart = levelEnd;
    levelEnd = links.size;
    peakSleepSets = Math.max(peakSleepSets, nextSleep.size);
    peakSleepBytes = Math.max(peakSleepBytes, sleepOf.bytes + nextSleep.bytes);
    nextSleep.seal();
    sleepOf = nextSleep;
    nextSleep = new SleepSets();
  }
  return { states: seen.size, transitions, pruned, depthReached: levels.length, levels, violation: null, truncated, ...memory() };
}

function scriptText(o: EngineCheckOptions, prelude: readonly string[], lines: readonly string[], f: Failure): string {
  const bugs = Object.keys(o.bugs).filter((k) => o.bugs[k as keyof EngineBugSwitches] === true);
  const head = [
    `# swsim check engine counterexample: ${f.id} at depth ${lines.length} (replicas ${o.replicas}, epochs ${o.epochs}, lsns ${o.lsns}${bugs.length > 0 ? `, bugs ${bugs.join(',')}` : ''})`,
    `# ${f.message.replace(/\n/g, ' ')}`,
    '# replay: npx swsim engine --check FILE',
  ];
  return [...head, ...prelude, ...lines].join('\n') + '\n';
}
