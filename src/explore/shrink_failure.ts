// The whole shrink of a failing run (`swsim shrink`, fuzz's shrinking): first its structure, then
// its choices. A seeded run's trace becomes a scenario draft (src/scenario/from_trace.ts, the
// injector in shadow mode); the structural passes (shrink_structure.ts) shrink the draft while it
// fails the same way; the kept scenario is run once, recorded, and its trace goes through the
// choice-sequence passes (shrink.ts) with the budget left. The result is an ordinary shrunk trace
// of a scenario run (its header names the scenario file, which the caller writes at
// `scenarioPath`) — `swsim replay` verifies the trace, `swsim scenario FILE` reproduces the file.
// A trace that cannot become a scenario (a scenario run, a pct or bounded run, a LIVELOCK), a
// scenario that does not reproduce the failure, or a structural search that keeps nothing leaves
// the choice-sequence passes alone on the original trace, as before. Deterministic for a trace
// and a budget, like its parts.
import { RandomChooser } from '../sim/chooser.ts';
import type { ControlMode } from '../sim/control_plane.ts';
import { renderDraft, type ScenarioDraft } from '../scenario/draft.ts';
import { draftFromTrace, TraceConversionError } from '../scenario/from_trace.ts';
import { loadScenario, scenarioBugs, worldFactory, type LoadedScenario } from '../scenario/runner.ts';
import { ScenarioError } from '../scenario/parse.ts';
import type { Trace } from '../trace/format.ts';
import { runSeed, type RunResult, type WorldFactory } from '../trace/run.ts';
import { classify, runSize, shrinkTrace, type ShrinkOptions, type ShrinkResult } from './shrink.ts';
import { draftFaults, shrinkStructure, type DraftRun, type DraftRunner, type StructurePass } from './shrink_structure.ts';

export interface FailureShrinkOptions extends Omit<ShrinkOptions, 'prior' | 'onAccept'> {
  /**
   * Where the shrunk scenario file will be written (its path goes into the trace header). Absent:
   * no structural passes, only the choice sequence is shrunk.
   */
  readonly scenarioPath?: string;
  /** The trace's file name, for the scenario's comments. */
  readonly source?: string;
  readonly onAccept?: (pass: string, steps: number, size: string) => void;
}

/** The shrunk scenario, when the structural passes kept something. */
export interface ShrunkScenario {
  readonly path: string;
  readonly text: string;
  /** Faults the file states (timeline actions + message-fault kinds), before → after. */
  readonly faultsBefore: number;
  readonly faultsAfter: number;
  readonly messageFaultsBefore: readonly string[];
  readonly messageFaultsAfter: readonly string[];
  readonly serversBefore: number;
  readonly serversAfter: number;
  /** What running the file showed (steps to the failure). */
  readonly steps: number;
}

export interface FailureShrinkResult extends ShrinkResult {
  readonly scenario: ShrunkScenario | null;
  /** Why the structural passes did not run or kept nothing (null when they produced the scenario). */
  readonly structureNote: string | null;
}

/** Load a draft's text as the scenario file `path` (nothing is written). */
export function loadDraft(d: ScenarioDraft, path: string): LoadedScenario {
  return loadScenario(path, renderDraft(d));
}

/** Run a loaded scenario for its seed (seeded random), at most `maxSteps` steps. */
function runScenarioRun(l: LoadedScenario, seed: number, maxSteps: number, stepCap: 'incomplete' | 'livelock', record: boolean): RunResult {
  const sc = l.scenario;
  return runSeed({
    seed, profile: sc.free.profile, control: sc.cluster.control as ControlMode, bugs: scenarioBugs(l), strict: sc.run.strict,
    maxSteps, stepCap, record, check: true, scenario: { path: l.file, sha256: l.sha256 },
  }, worldFactory(l), new RandomChooser(seed));
}

/** The real DraftRunner: render, load (a draft that does not load reproduces nothing) and run it. */
export function draftRunner(path: string): DraftRunner {
  return (d, cap): DraftRun | null => {
    let l: LoadedScenario;
    try { l = loadDraft(d, path); } catch (e) {
      if (e instanceof ScenarioError) return null;
      throw e;
    }
    const r = runScenarioRun(l, d.seed, Math.min(cap, l.scenario.run.max_steps), 'incomplete', false);
    return { classification: classify(r.trace.outcome), steps: r.steps, simulatedMs: r.simulatedMs };
  };
}

function withShrinkComment(d: ScenarioDraft, passes: readonly { pass: StructurePass; accepted: number }[], from: Trace, steps: number): ScenarioDraft {
  return {
    ...d,
    name: `${d.name}-shrunk`,
    description: `${d.description}; shrunk to fail at step ${steps}`,
    tags: [...d.tags, 'shrunk'],
    comments: [
      ...d.comments,
      '',
      `Shrunk by swsim shrink (structural passes: ${passes.map((p) => `${p.pass}×${p.accepted}`).join(', ')}): the run of`,
      `seed ${from.header.seed} failed at step ${from.outcome.steps}; this file states only what still makes it fail the`,
      'same way, so the "timeline" and "free" notes above describe the run before shrinking.',
      ...(d.seed === from.header.seed ? [] : [`It runs seed ${d.seed}, not ${from.header.seed}: the same scenario fails the same way sooner with it (the seed pass).`]),
    ],
  };
}

/**
 * Shrink a failing trace: its structure (when `scenarioPath` is given and the trace converts),
 * then its choices. Throws ShrinkInputError (shrink.ts) for a trace that cannot be shrunk.
 */
export function shrinkFailure(trace: Trace, make: WorldFactory, o: FailureShrinkOptions): FailureShrinkResult {
  const choicesOnly = (note: string | null): FailureShrinkResult => ({
    ...shrinkTrace(trace, make, { budget: o.budget, ...(o.shouldStop === undefined ? {} : { shouldStop: o.shouldStop }), ...(o.onAccept === undefined ? {} : { onAccept: (p, s, c) => o.onAccept!(p, s, `${c} choices`) }) }),
    scenario: null, structureNote: note,
  });
  const target = classify(trace.outcome);
  if (o.scenarioPath === undefined) return choicesOnly('no scenario path given (--choices-only)');
  if (target === null) return choicesOnly(null); // shrinkTrace refuses it with the reason
  if (o.budget < 3) return choicesOnly('a budget below 3 candidates leaves no room for the structural passes');
  if (target.invariant === 'LIVELOCK') return choicesOnly('a LIVELOCK fails only at the step cap: its structure is not shrunk');
  let draft: ScenarioDraft;
  try { draft = draftFromTrace(trace, o.source ?? 'a failing run'); } catch (e) {
    if (!(e instanceof TraceConversionError)) throw e;
    return choicesOnly(`not a scenario: ${e.message}`);
  }
  const path = o.scenarioPath;
  // Keep at least one candidate for the choice passes' reproduction check of the kept scenario.
  const s = shrinkStructure(draft, target, draftRunner(path), {
    budget: o.budget - 1,
    ...(o.shouldStop === undefined ? {} : { shouldStop: o.shouldStop }),
    ...(o.onAccept === undefined ? {} : { onAccept: (p, steps, faults) => o.onAccept!(p, steps, `${faults} faults stated`) }),
  });
  if (s.original === null) return choicesOnly('the scenario saved from the trace does not fail the same way: only the choice sequence is shrunk');
  if (s.passes.length === 0) return choicesOnly('no structural pass kept anything');

  const kept = withShrinkComment(s.draft, s.passes, trace, s.run.steps);
  const loaded = loadDraft(kept, path);
  const run = runScenarioRun(loaded, kept.seed, kept.maxSteps, 'livelock', true);
  const r = shrinkTrace(run.trace, worldFactory(loaded), {
    budget: Math.max(1, o.budget - s.candidates),
    ...(o.shouldStop === undefined ? {} : { shouldStop: o.shouldStop }),
    ...(o.onAccept === undefined ? {} : { onAccept: (p, st, c) => o.onAccept!(p, st, `${c} choices`) }),
    prior: { before: runSize(trace), passes: s.passes, candidates: s.candidates, budget: o.budget },
  });
  return {
    ...r,
    stoppedBy: s.stoppedBy === 'fixpoint' ? r.stoppedBy : s.stoppedBy,
    scenario: {
      path, text: loaded.text, faultsBefore: draftFaults(draft), faultsAfter: draftFaults(kept),
      messageFaultsBefore: draft.messageFaults, messageFaultsAfter: kept.messageFaults,
      serversBefore: draft.servers.length, serversAfter: kept.servers.length, steps: run.steps,
    },
    structureNote: null,
  };
}
