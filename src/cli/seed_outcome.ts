// What one fuzz seed produced, as plain data that crosses a worker boundary: status, the failure,
// findings, counters, coverage, and the trace text when the seed failed or was interrupted (the
// only traces fuzz writes). `runSeedOutcome` is the one loop both the in-process runner and the
// worker threads use, so a seed's outcome is the same whichever runs it. A failing seed is also
// shrunk there (src/explore/shrink_failure.ts: structure, then choices) when a shrink budget is
// given, in parallel with other seeds; a structural shrink's scenario file comes back as text for
// the main thread to write where the shrunk trace's header says.
import { createHash } from 'node:crypto';
import { makeClusterWorld } from '../check/cluster_world.ts';
import { makeChooser } from '../explore/strategy.ts';
import { traceToLines, type Finding, type RunStatus } from '../trace/format.ts';
import { SeedRun, type RunOptions, type RunResult } from '../trace/run.ts';
import { join } from 'node:path';
import type { RunSize } from '../explore/shrink.ts';
import { shrinkFailure } from '../explore/shrink_failure.ts';
import type { Trace } from '../trace/format.ts';

/** Steps between two checks for a stop request (Ctrl-C) inside a seed. */
export const STEP_BATCH = 2000;

export type SeedRunOptions = Omit<RunOptions, 'seed' | 'record' | 'check' | 'onStep'> & {
  /** Keep every seed's whole trace and its hash (the determinism check compares them). */
  readonly keepTraces?: boolean;
  /** Shrink a failing seed with at most this many candidates (0 or absent: no shrinking). */
  readonly shrinkBudget?: number;
  /** Also stop a shrink after this much wall-clock time (not deterministic; absent: no cap). */
  readonly shrinkTimeMs?: number;
  /**
   * Where a structural shrink's scenario file goes: `dir/seed-S-ID<suffix>` (fuzz: the
   * --save-scenarios folder and ".yaml", else the traces folder and ".shrunk.yaml"). Absent: the
   * choice sequence only is shrunk.
   */
  readonly shrinkScenarios?: { readonly dir: string; readonly suffix: string };
};

/** A failing seed's shrunk run. */
export interface ShrunkRun {
  readonly trace: string;
  readonly before: RunSize;
  readonly after: RunSize;
  readonly stoppedBy: 'fixpoint' | 'budget' | 'time';
  /** The shrunk scenario file (the shrunk trace names it), when the structural passes kept something. */
  readonly scenario: { readonly path: string; readonly text: string; readonly faults: number } | null;
}

export interface SeedOutcome {
  readonly seed: number;
  readonly status: RunStatus;
  readonly failure: { readonly id: string; readonly step: number; readonly message: string } | null;
  readonly findings: readonly Finding[];
  readonly steps: number;
  readonly simulatedMs: number;
  readonly coverage: Readonly<Record<string, number>>;
  /** Coverage marks hit (src/marks), by name; only non-zero counts. */
  readonly marks: Readonly<Record<string, number>>;
  /** The trace as JSON lines, for a failed or interrupted seed only (every seed with keepTraces). */
  readonly trace: string | null;
  /** sha256 of the whole trace, with keepTraces. */
  readonly traceHash: string | null;
  /** The failing seed's shrunk run, with a shrink budget. */
  readonly shrunk: ShrunkRun | null;
}

/**
 * Run one seed to its end, or until `shouldStop` says so between two batches. `pause` lets an
 * in-process caller return to its event loop between batches (where Ctrl-C is noticed).
 */
export async function runSeedOutcome(seed: number, o: SeedRunOptions, shouldStop: () => boolean, pause?: () => Promise<void>): Promise<SeedOutcome> {
  const { keepTraces, shrinkBudget, shrinkTimeMs, shrinkScenarios, ...runOptions } = o;
  // Step records (fingerprints, details) cost time and only kept traces need them: a seed runs
  // checked but unrecorded (unless every trace is kept), and a seed whose trace is kept runs again,
  // deterministically, recording every step with its detail — as FoundationDB's simulator and
  // TigerBeetle's VOPR re-run a failing seed for its log.
  const details = keepTraces === true;
  const run = new SeedRun({ ...runOptions, seed, record: details, check: true, details }, makeClusterWorld, makeChooser(seed, runOptions.strategy));
  while (!shouldStop() && run.advance(STEP_BATCH)) if (pause !== undefined) await pause();
  const bare = run.result();
  const keep = keepTraces === true || bare.status === 'fail' || bare.status === 'interrupted';
  const r = keep && !details ? withDetails(seed, { ...runOptions, seed, record: true, check: true }, bare) : bare;
  const text = keep ? traceToLines(r.trace) : null;
  return {
    seed, status: r.status,
    failure: r.failure === undefined ? null : { id: r.failure.id, step: r.failure.step, message: r.failure.message },
    findings: r.findings, steps: r.steps, simulatedMs: r.simulatedMs, coverage: r.coverage, marks: r.marks,
    trace: text,
    traceHash: keepTraces === true && text !== null ? createHash('sha256').update(text).digest('hex') : null,
    shrunk: r.status === 'fail' && (shrinkBudget ?? 0) > 0 && !shouldStop() ? shrink(r.trace, shrinkBudget!, shrinkTimeMs, shrinkScenarios, shouldStop) : null,
  };
}

/** The run `bare` again, as far as it went, now recording every step with its detail (the same states, choices, outcome and findings, checked). */
function withDetails(seed: number, o: RunOptions, bare: RunResult): RunResult {
  const run = new SeedRun(o, makeClusterWorld, makeChooser(seed, o.strategy));
  run.advance(bare.steps);
  // A run that ended after its last step (a step cap, the end-of-run checks) ends the same way now.
  if (bare.status !== 'interrupted' && run.result().status === 'interrupted') run.advance(1);
  const r = run.result();
  const same = r.status === bare.status && r.steps === bare.steps && r.failure?.step === bare.failure?.step && r.failure?.message === bare.failure?.message
    && JSON.stringify(r.findings) === JSON.stringify(bare.findings);
  if (!same) {
    throw new Error(`seed ${seed}: re-running with step records gave ${r.status} after ${r.steps} steps (${r.findings.length} findings), not ${bare.status} after ${bare.steps} (${bare.findings.length} findings), or another failure message or finding (a determinism bug)`);
  }
  return r;
}

function shrink(trace: Trace, budget: number, timeMs: number | undefined, where: SeedRunOptions['shrinkScenarios'], interrupted: () => boolean): ShrunkRun {
  const started = Date.now();
  const o = trace.outcome;
  const s = shrinkFailure(trace, makeClusterWorld, {
    budget, source: `seed ${trace.header.seed}'s fuzz run`,
    ...(where === undefined ? {} : { scenarioPath: join(where.dir, `seed-${trace.header.seed}-${o.invariant ?? o.status}${where.suffix}`) }),
    shouldStop: () => interrupted() || (timeMs !== undefined && Date.now() - started >= timeMs),
  });
  return {
    trace: traceToLines(s.trace), before: s.before, after: s.after, stoppedBy: s.stoppedBy,
    scenario: s.scenario === null ? null : { path: s.scenario.path, text: s.scenario.text, faults: s.scenario.faultsAfter },
  };
}
