// Bounded exhaustive search over a run's free choices (`swsim check SCENARIO`), after CHESS's
// preemption bounding (Musuvathi & Qadeer, PLDI 2007): every run whose choice sequence deviates
// from the default choice in at most K places, level by level (k = 0, 1, …, K deviations), so the
// first violation found is one with the fewest deviations. A run is a deviation schedule
// (position → value, src/explore/bounded_chooser.ts); its children add one deviation at a later
// position, with the option counts the parent's run met there (the prefix is the same run). So
// every schedule is enumerated once: with m binary choices and no pruning, sum_{i<=K} C(m, i) runs.
// Pruning: after a run's last deviation, a state already reached with at least as many
// deviations to spare ends the run — what follows it was or will be explored from the first
// visit. A state is the per-step fingerprint with the step number and the number of choices
// drawn so far: the fingerprint covers the nodes, the master and the virtual time, but not the
// messages in flight, the event queue or the client, so two steps of one run often share it; the
// step and choice counts keep such look-alikes apart. Pruning stays a heuristic to the extent the
// key misses state (--no-prune turns it off).
// No wall-clock here: the caller's `shouldStop` (a time budget) is asked between runs.
import type { BoundedParams, TraceStep } from '../trace/format.ts';
import type { RunResult } from '../trace/run.ts';
import { alternatives, BoundedChooser } from './bounded_chooser.ts';

export interface BoundedTarget {
  /** Run once with `chooser` (whose strategy is `params`); `onStep` returning false stops the run. */
  run(chooser: BoundedChooser, params: BoundedParams, onStep: (rec: TraceStep) => boolean): RunResult;
  /** Whether a finished run is a violation. */
  violates(r: RunResult): boolean;
}

export interface BoundedOptions {
  readonly seed: number;
  readonly base: 'seed' | 'zero';
  /** K: the most deviations a run may have. */
  readonly deviations: number;
  readonly prune: boolean;
  /** Deviate only at choices whose kind starts with one of these (all kinds when absent). */
  readonly kinds?: readonly string[];
  /** Asked between runs; true stops the search (a time budget). */
  readonly shouldStop?: () => boolean;
  /** Called when a level is done (or cut short). */
  readonly onLevel?: (l: LevelStats) => void;
}

export interface LevelStats {
  /** Deviations per run at this level. */
  readonly k: number;
  readonly runs: number;
  /** Runs ended early at a state already explored. */
  readonly pruned: number;
  /** Every schedule of this level ran. */
  readonly complete: boolean;
}

export interface BoundedViolation {
  readonly k: number;
  readonly params: BoundedParams;
  readonly result: RunResult;
}

export interface BoundedResult {
  readonly runs: number;
  readonly pruned: number;
  readonly distinctStates: number;
  readonly levels: readonly LevelStats[];
  /** The largest k whose level (and every level below) completed; -1 when none did. */
  readonly boundReached: number;
  readonly stopped: 'exhausted' | 'violation' | 'stopped';
  readonly violation: BoundedViolation | null;
}

/** A finished run's share of the next level: one more deviation at a position in [from, to). */
interface Parent {
  readonly deviations: readonly (readonly [number, number])[];
  readonly from: number;
  readonly options: readonly number[];
  readonly defaults: readonly number[];
  readonly kinds: readonly string[];
}

export function boundedSearch(target: BoundedTarget, o: BoundedOptions): BoundedResult {
  if (!Number.isSafeInteger(o.deviations) || o.deviations < 0) throw new Error(`deviations ${o.deviations}: expected an integer >= 0`);
  /** step/choices drawn/fingerprint → most deviations to spare seen there. */
  const seen = new Map<string, number>();
  const fingerprints = new Set<string>();
  const levels: LevelStats[] = [];
  let runs = 0, prunedTotal = 0;
  let violation: BoundedViolation | null = null;
  let stopped: BoundedResult['stopped'] = 'exhausted';
  const wanted = (kind: string): boolean => o.kinds === undefined || o.kinds.some((p) => kind.startsWith(p));

  let frontier: Parent[] = [];
  for (let k = 0; k <= o.deviations && stopped === 'exhausted'; k++) {
    const next: Parent[] = [];
    let levelRuns = 0, levelPruned = 0;
    const spare = o.deviations - k;
    const runOne = (deviations: readonly (readonly [number, number])[]): boolean => {
      if (o.shouldStop?.() === true) { stopped = 'stopped'; return false; }
      const params: BoundedParams = { base: o.base, deviations };
      const chooser = new BoundedChooser(o.seed, params);
      const last = deviations.length === 0 ? -1 : deviations[deviations.length - 1]![0];
      let prunedAt = -1;
      const r = target.run(chooser, params, (rec) => {
        fingerprints.add(rec.fp);
        if (chooser.recorded.length <= last) return true;
        const key = `${rec.step}/${chooser.recorded.length}/${rec.fp}`;
        const before = seen.get(key);
        if (before === undefined || before < spare) seen.set(key, spare);
        if (o.prune && before !== undefined && before >= spare) { prunedAt = chooser.recorded.length; return false; }
        return true;
      });
      runs += 1; levelRuns += 1;
      if (prunedAt >= 0) { prunedTotal += 1; levelPruned += 1; }
      if (target.violates(r)) { violation = { k, params, result: r }; stopped = 'violation'; return false; }
      if (k < o.deviations) {
        const to = prunedAt >= 0 ? prunedAt : chooser.recorded.length;
        next.push({ deviations, from: last + 1, options: chooser.options.slice(last + 1, to), defaults: chooser.defaults.slice(last + 1, to), kinds: chooser.kinds.slice(last + 1, to) });
      }
      return true;
    };
    if (k === 0) runOne([]);
    else {
      outer: for (const p of frontier) {
        for (let j = 0; j < p.options.length; j++) {
          if (!wanted(p.kinds[j]!)) continue;
          for (const v of alternatives(p.options[j]!, p.defaults[j]!)) {
            if (!runOne([...p.deviations, [p.from + j, v]])) break outer;
          }
        }
      }
    }
    const complete = stopped === 'exhausted';
    const stats: LevelStats = { k, runs: levelRuns, pruned: levelPruned, complete };
    levels.push(stats);
    o.onLevel?.(stats);
    frontier = next;
  }
  const complete = levels.filter((l) => l.complete);
  const boundReached = complete.length === 0 ? -1 : complete[complete.length - 1]!.k;
  return { runs, pruned: prunedTotal, distinctStates: fingerprints.size, levels, boundReached, stopped, violation };
}
