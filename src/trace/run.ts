// Runs one seed: builds the world for (seed, profile, bugs), steps it, calls the checker after
// every step, and records the trace (step records with fingerprints, outcome, choices). This is
// the single loop behind `swsim run`, `swsim fuzz`, `swsim replay` and the benchmarks, so a
// recorded run and its replay execute exactly the same code.
import type { Failure } from '../check/catalog.ts';
import type { RecordingChooser } from '../sim/chooser.ts';
import type { World } from '../sim/world.ts';
import { TOOL_VERSION, TRACE_FORMAT, TRACE_FORMAT_VERSION, type Finding, type Trace, type TraceHeader, type TraceStep } from './format.ts';

export interface RunOptions {
  readonly seed: number;
  readonly profile: string;
  readonly bugs: readonly string[];
  /** Candidate invariants fail the run too. */
  readonly strict: boolean;
  readonly maxSteps: number;
  /** Record step records (fingerprints). Off for the bare benchmark. */
  readonly record: boolean;
  /** Run the checker after every step. Off for the bare benchmark. */
  readonly check: boolean;
  /** Polled between steps; returning true stops the run as "interrupted". */
  readonly interrupted?: () => boolean;
  /** Observes each step record as it is produced (replay compares fingerprints here). */
  readonly onStep?: (rec: TraceStep) => boolean | void;
}

/** What a world built for a run must offer: the World plus its checker. */
export interface CheckedWorld {
  readonly world: World;
  /** Failures after the last step (invariants). */
  check(): Failure[];
  /** End-of-run checks (liveness, final content). */
  finalCheck(): Failure[];
}

export type WorldFactory = (opts: { seed: number; profile: string; bugs: readonly string[]; chooser: RecordingChooser }) => CheckedWorld;

export interface RunResult {
  readonly status: 'pass' | 'fail' | 'interrupted';
  readonly failure?: Failure & { step: number };
  readonly findings: Finding[];
  readonly steps: number;
  readonly simulatedMs: number;
  readonly coverage: Record<string, number>;
  readonly trace: Trace;
  /** Set when the run stopped early because onStep returned false (replay divergence). */
  readonly stoppedAt?: number;
}

export function traceHeader(o: RunOptions): TraceHeader {
  return {
    type: 'header', format: TRACE_FORMAT, formatVersion: TRACE_FORMAT_VERSION, tool: TOOL_VERSION,
    seed: o.seed, profile: o.profile, bugs: [...o.bugs].sort(), strict: o.strict, maxSteps: o.maxSteps,
  };
}

export function runSeed(o: RunOptions, make: WorldFactory, chooser: RecordingChooser): RunResult {
  const cw = make({ seed: o.seed, profile: o.profile, bugs: o.bugs, chooser });
  const w = cw.world;
  const steps: TraceStep[] = [];
  const findings: Finding[] = [];
  const seenFindings = new Set<string>();
  let failure: (Failure & { step: number }) | undefined;
  let status: RunResult['status'] = 'pass';
  let n = 0;
  let stoppedAt: number | undefined;

  const consider = (fs: Failure[], step: number): void => {
    for (const f of fs) {
      if (f.candidate && !o.strict) {
        if (!seenFindings.has(f.id)) {
          seenFindings.add(f.id);
          findings.push({ invariant: f.id, step, message: f.message });
        }
        continue;
      }
      if (failure === undefined) failure = { ...f, step };
    }
  };

  while (n < o.maxSteps && !w.finished()) {
    if (o.interrupted?.() === true) { status = 'interrupted'; break; }
    const e = w.step();
    if (e === null) break;
    n += 1;
    if (o.check) consider(cw.check(), n);
    if (o.record || o.onStep !== undefined) {
      const detail = w.lastDetail();
      const rec: TraceStep = detail === undefined
        ? { type: 'step', step: n, t: e.time, actor: e.actor, kind: e.kind, fp: w.fingerprint() }
        : { type: 'step', step: n, t: e.time, actor: e.actor, kind: e.kind, detail, fp: w.fingerprint() };
      if (o.record) steps.push(rec);
      if (o.onStep?.(rec) === false) { stoppedAt = n; break; }
    }
    if (failure !== undefined) break;
  }
  if (failure === undefined && status !== 'interrupted' && stoppedAt === undefined && o.check) consider(cw.finalCheck(), n);
  if (failure !== undefined) status = 'fail';

  const trace: Trace = {
    header: traceHeader(o),
    steps,
    outcome: {
      type: 'outcome',
      status,
      ...(failure !== undefined ? { invariant: failure.id, step: failure.step, message: failure.message } : {}),
      steps: n,
      findings,
    },
    choices: [...chooser.recorded],
  };
  return {
    status, findings, steps: n, simulatedMs: w.now(), coverage: w.coverage(), trace,
    ...(failure !== undefined ? { failure } : {}),
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
  };
}
