// Runs one seed: builds the world for (seed, profile, bugs), steps it, calls the checker after
// every step, and records the trace (step records with fingerprints, outcome, choices). This is
// the single loop behind `swsim run`, `swsim fuzz`, `swsim replay` and the benchmarks, so a
// recorded run and its replay execute exactly the same code. A run advances in batches
// (`SeedRun.advance`), so a caller can return to its event loop between batches — that is how the
// CLI notices Ctrl-C in the middle of a long seed.
import { failure, type Failure } from '../check/catalog.ts';
import { ReplayDivergence, type RecordingChooser } from '../sim/chooser.ts';
import { DEFAULT_CONTROL, isUpstreamCommit, LEGACY_UPSTREAM_COMMIT, runUpstreamCommit, type ControlMode, type UpstreamCommit } from '../sim/control_plane.ts';
import type { CheckedWorld, WorldFactory } from '../check/checked_world.ts';
import { markRecord, newMarkCounts, swapMarkCounts, type MarkCounts } from '../marks/index.ts';
import { buildId } from './build_info.ts';
import { TOOL_VERSION, TRACE_FORMAT, TRACE_FORMAT_VERSION, type Finding, type RunStatus, type ScenarioRef, type ShrinkInfo, type ShrunkFrom, type StepCap, type StrategySpec, type Trace, type TraceHeader, type TraceStep } from './format.ts';

export interface RunOptions {
  readonly seed: number;
  readonly profile: string;
  readonly bugs: readonly string[];
  /** The control plane (default `ideal`). */
  readonly control?: ControlMode;
  /** Under `upstream`: the upstream commit (default DEFAULT_RUN_UPSTREAM_COMMIT); ignored under `ideal`. */
  readonly upstreamCommit?: UpstreamCommit;
  /** Candidate invariants fail the run too. */
  readonly strict: boolean;
  readonly maxSteps: number;
  /** What reaching maxSteps before the planned end means (default `livelock`: a failure). */
  readonly stepCap?: StepCap;
  /** Record step records (fingerprints). Off for the bare benchmark and for fuzz's first run of a seed (a kept seed runs again recorded). */
  readonly record: boolean;
  /** Run the checker after every step. Off for the bare benchmark. */
  readonly check: boolean;
  /**
   * Step records say what each step did (World.startTracing; default true when recording or
   * observing steps). Off, records carry no detail and the run is faster — fuzz runs a seed so
   * and re-runs only a seed whose trace it keeps (the same steps, now with details).
   */
  readonly details?: boolean;
  /** Observes each step record as it is produced; returning false stops the run (replay divergence). */
  readonly onStep?: (rec: TraceStep) => boolean | void;
  /** A scenario run's file reference, recorded in the header. */
  readonly scenario?: ScenarioRef;
  /** A shrunk run (the chooser replays a reduced choice sequence): recorded in the header. */
  readonly shrunk?: { readonly from: ShrunkFrom; readonly info: ShrinkInfo };
  /** The chooser strategy when not seeded random (pct, bounded): recorded in the header. */
  readonly strategy?: StrategySpec;
}

export type { CheckedWorld, WorldFactory };

export interface RunResult {
  readonly status: RunStatus;
  readonly failure?: Failure & { step: number };
  readonly findings: Finding[];
  readonly steps: number;
  readonly simulatedMs: number;
  readonly coverage: Record<string, number>;
  /** Coverage marks hit during this run (src/marks), by name; only non-zero counts. */
  readonly marks: Record<string, number>;
  readonly trace: Trace;
  /** Set when the run stopped early because onStep returned false (replay divergence). */
  readonly stoppedAt?: number;
}

/** The header of a run with these options; `control`: the control plane the world ran (drawn or asked for). */
export function traceHeader(o: RunOptions, control: ControlMode = o.control ?? DEFAULT_CONTROL): TraceHeader {
  return {
    type: 'header', format: TRACE_FORMAT, formatVersion: TRACE_FORMAT_VERSION, tool: TOOL_VERSION, build: buildId(),
    seed: o.seed, strategy: o.shrunk !== undefined ? 'shrunk' : o.strategy?.name ?? 'random', profile: o.profile, control,
    ...upstreamCommitField(control, o.upstreamCommit), bugs: [...o.bugs].sort(), strict: o.strict,
    maxSteps: o.maxSteps, stepCap: o.stepCap ?? 'livelock',
    ...(o.scenario === undefined ? {} : { scenario: { path: o.scenario.path, sha256: o.scenario.sha256 } }),
    ...(o.shrunk === undefined ? {} : { shrunkFrom: o.shrunk.from, shrink: o.shrunk.info }),
    ...(o.shrunk !== undefined || o.strategy === undefined ? {} : o.strategy.name === 'pct' ? { pct: o.strategy.pct } : { bounded: o.strategy.bounded }),
  };
}

/**
 * The upstream commit a trace's run used, as run options: its header's, or for an `upstream` trace
 * written before the option existed, c7eb87c58 (the only commit then).
 */
export function headerUpstreamCommit(h: TraceHeader): { upstreamCommit?: UpstreamCommit } {
  if (h.control !== 'upstream') return {};
  const c = h.upstreamCommit;
  return { upstreamCommit: c !== undefined && isUpstreamCommit(c) ? c : LEGACY_UPSTREAM_COMMIT };
}

/** The header's `upstreamCommit`: recorded for every `upstream` run, absent under `ideal`. */
function upstreamCommitField(control: ControlMode, commit: UpstreamCommit | undefined): { upstreamCommit?: string } {
  const c = runUpstreamCommit(control, commit);
  return c === undefined ? {} : { upstreamCommit: c };
}

export class SeedRun {
  private readonly cw: CheckedWorld;
  private readonly steps: TraceStep[] = [];
  private readonly findings: Finding[] = [];
  private readonly seenFindings = new Set<string>();
  private failure: (Failure & { step: number }) | undefined;
  private n = 0;
  private stoppedAt: number | undefined;
  private ended = false;
  /** Set when a user-set step cap stopped the run before its planned end. */
  private cutShort = false;
  /**
   * This run's mark counters (src/marks): swapped in while the run builds its world and steps, so
   * runs never share counts; they are not added to an enclosing test scope (read `result().marks`).
   */
  private readonly marks: MarkCounts = newMarkCounts();

  constructor(private readonly o: RunOptions, make: WorldFactory, private readonly chooser: RecordingChooser) {
    const prev = swapMarkCounts(this.marks);
    try {
      // Without a control plane asked for, the world takes its profile's draw (or the default).
      this.cw = make({ seed: o.seed, profile: o.profile, bugs: o.bugs, ...(o.control === undefined ? {} : { control: o.control }), ...(o.upstreamCommit === undefined ? {} : { upstreamCommit: o.upstreamCommit }), chooser });
      if ((o.record || o.onStep !== undefined) && o.details !== false) this.cw.world.startTracing?.();
    } finally {
      swapMarkCounts(prev);
    }
  }

  /** Run up to `batch` more steps; true while the run has more to do. */
  advance(batch: number): boolean {
    const prev = swapMarkCounts(this.marks);
    try {
      return this.advanceCounted(batch);
    } finally {
      swapMarkCounts(prev);
    }
  }

  private advanceCounted(batch: number): boolean {
    const { o, cw } = this;
    const w = cw.world;
    for (let k = 0; k < batch && !this.ended; k++) {
      if (w.finished()) { this.end(true); break; }
      if (this.n >= o.maxSteps) { this.hitStepCap(); break; }
      let e;
      try {
        e = w.step();
      } catch (err) {
        if (err instanceof ReplayDivergence) throw err; // the replayer's, not the system's
        // A panic is a finding like any other: the run fails at this step with the stack.
        this.n += 1;
        this.consider([failure('CRASH', err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err))], this.n);
        this.end(false);
        break;
      }
      if (e === null) { this.end(true); break; }
      this.n += 1;
      if (o.check) this.consider(cw.check(), this.n);
      if (o.record || o.onStep !== undefined) {
        const detail = w.lastDetail();
        const rec: TraceStep = detail === undefined
          ? { type: 'step', step: this.n, t: e.time, actor: e.actor, kind: e.kind, fp: w.fingerprint() }
          : { type: 'step', step: this.n, t: e.time, actor: e.actor, kind: e.kind, detail, fp: w.fingerprint() };
        if (o.record) this.steps.push(rec);
        if (o.onStep?.(rec) === false) { this.stoppedAt = this.n; this.end(false); break; }
      }
      if (this.failure !== undefined) this.end(false);
    }
    return !this.ended;
  }

  /** The outcome so far; `interrupted` when the run has not ended. */
  result(): RunResult {
    const status: RunStatus = this.failure !== undefined ? 'fail' : !this.ended ? 'interrupted' : this.cutShort ? 'incomplete' : 'pass';
    const f = this.failure;
    const trace: Trace = {
      header: traceHeader(this.o, this.cw.world.controlMode?.()),
      steps: this.steps,
      outcome: {
        type: 'outcome', status,
        ...(f !== undefined ? { invariant: f.id, step: f.step, message: f.message } : {}),
        steps: this.n, findings: this.findings,
      },
      choices: [...this.chooser.recorded],
    };
    return {
      status, findings: this.findings, steps: this.n, simulatedMs: this.cw.world.now(), coverage: this.cw.world.coverage(), marks: markRecord(this.marks), trace,
      ...(f !== undefined ? { failure: f } : {}),
      ...(this.stoppedAt !== undefined ? { stoppedAt: this.stoppedAt } : {}),
    };
  }

  /**
   * The step cap came before the planned end. Under the default cap the run is a livelock (it
   * should have finished long before); under a cap the user set it is incomplete: the quiet phase
   * and the end-of-run checks never ran, so it neither passes nor fails.
   */
  private hitStepCap(): void {
    if ((this.o.stepCap ?? 'livelock') === 'livelock') {
      const t = this.cw.world.now();
      this.consider([failure('LIVELOCK', `the run did not reach its planned end within ${this.o.maxSteps} steps (virtual time ${t} ms): something keeps generating events without progress`)], this.n);
    } else {
      this.cutShort = true;
    }
    this.end(false);
  }

  /** End the run; end-of-run checks apply only to a run that reached its planned end. */
  private end(naturally: boolean): void {
    this.ended = true;
    const completed = naturally && this.cw.world.finished();
    if (completed && this.failure === undefined && this.o.check) this.consider(this.cw.finalCheck(), this.n);
  }

  private consider(fs: readonly Failure[], step: number): void {
    for (const f of fs) {
      if (f.candidate && !this.o.strict) {
        if (!this.seenFindings.has(f.id)) {
          this.seenFindings.add(f.id);
          this.findings.push({ invariant: f.id, step, message: f.message });
        }
        continue;
      }
      if (this.failure === undefined) this.failure = { ...f, step };
    }
  }
}

/** Run one seed to its end, synchronously. */
export function runSeed(o: RunOptions, make: WorldFactory, chooser: RecordingChooser): RunResult {
  const r = new SeedRun(o, make, chooser);
  while (r.advance(Number.MAX_SAFE_INTEGER)) { /* until done */ }
  return r.result();
}
