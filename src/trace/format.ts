// The trace format: a versioned contract (design.md principle 7). JSON lines:
//   1. header   {type:"header", format:"swsim-trace", formatVersion, tool, build, seed, strategy, profile,
//                control, bugs, strict, maxSteps, stepCap, scenario?: {path, sha256}}
//   2. steps    {type:"step", step, t, actor, kind, detail?, fp}   one per simulator step
//   3. outcome  {type:"outcome", status, invariant?, step?, message?, steps, findings}
//   4. choices  {type:"choices", choices:[...]}                      the chooser's recorded sequence
// A step's detail says what the step carried and did, then what replication state it changed
// (`WHAT | key=value …`, see detail.ts). Replay re-executes the header's run with the recorded
// choices and checks every fingerprint (and detail).
// Version 2 added `build` (which code recorded it), `strategy`, `control`, `stepCap` and the
// `incomplete` status. A shrunk trace (`swsim shrink`) has strategy `shrunk`: its choices are
// a reduced sequence, not its seed's draws, and its header adds `shrunkFrom` and `shrink`.
// A `pct` trace (Probabilistic Concurrency Testing) records its parameters in `pct`, a `bounded`
// trace (`swsim check SCENARIO`) its deviation schedule in `bounded`; replay re-creates that
// strategy's chooser from the seed and the parameters and checks every recorded choice.

export const TRACE_FORMAT = 'swsim-trace';
export const TRACE_FORMAT_VERSION = 2;
export const TOOL_VERSION = 'swsim 0.1.0';

/**
 * What reaching `maxSteps` before the run's planned end means: `livelock` (the default cap: a
 * run that never finishes is a failure) or `incomplete` (a cap the user set: the run was cut
 * short, so neither pass nor fail can be claimed).
 */
export type StepCap = 'livelock' | 'incomplete';

/**
 * How a run ends. `incomplete`: stopped by a user-set step cap before the quiet phase and the
 * end-of-run checks; `interrupted`: stopped by Ctrl-C. Neither is a pass.
 */
export type RunStatus = 'pass' | 'fail' | 'incomplete' | 'interrupted';

export interface TraceHeader {
  readonly type: 'header';
  readonly format: typeof TRACE_FORMAT;
  readonly formatVersion: number;
  readonly tool: string;
  /** Hash of the simulator's source that recorded the trace (build_info.ts). */
  readonly build: string;
  readonly seed: number;
  /**
   * The chooser strategy; `random` traces are checked against their seed on replay, `shrunk`
   * traces (written by `swsim shrink`) replay their recorded choices without that check.
   */
  readonly strategy: Strategy;
  readonly profile: string;
  /** The control plane the run used: `ideal` (the model) or `upstream` (the port). */
  readonly control: string;
  /**
   * Under `upstream`: the upstream commit the master and block service behaved as (c7eb87c58 or
   * 3ec8fab2f). Absent under `ideal`; absent in an `upstream` trace written before the option
   * existed, which ran c7eb87c58.
   */
  readonly upstreamCommit?: string;
  readonly bugs: readonly string[];
  readonly strict: boolean;
  readonly maxSteps: number;
  readonly stepCap: StepCap;
  /** Set for a scenario run: the file (as given) and the SHA-256 of its content; replay rebuilds the world from it. */
  readonly scenario?: ScenarioRef;
  /** A shrunk trace: the run it was shrunk from (same seed, profile, control, bugs). */
  readonly shrunkFrom?: ShrunkFrom;
  /** A shrunk trace: the passes that reduced it and how many candidates were tried. */
  readonly shrink?: ShrinkInfo;
  /** A pct trace: the PCT parameters (with the seed they determine every choice). */
  readonly pct?: PctParams;
  /** A bounded trace: where the run deviates from its default choices. */
  readonly bounded?: BoundedParams;
}

export const STRATEGIES = ['random', 'shrunk', 'pct', 'bounded'] as const;
export type Strategy = typeof STRATEGIES[number];

/** PCT: bug depth d (d − 1 priority change points) over an estimate of k scheduling decisions. */
export interface PctParams {
  readonly depth: number;
  readonly steps: number;
}

/**
 * Bounded search: the default choice at each position is the seed's own draw (`seed`) or 0
 * (`zero`); `deviations` lists [position, value] pairs where the run chose otherwise (positions
 * count the recorded choices, from 0).
 */
export interface BoundedParams {
  readonly base: 'seed' | 'zero';
  readonly deviations: readonly (readonly [number, number])[];
}

/** How a run's choices are made, when not plain seeded random. */
export type StrategySpec = { readonly name: 'pct'; readonly pct: PctParams } | { readonly name: 'bounded'; readonly bounded: BoundedParams };

export interface ShrunkFrom {
  readonly seed: number;
  readonly steps: number;
  readonly simulatedMs: number;
  readonly choices: number;
  /** Fault events and client operations of the original run (src/trace/run_counts.ts). */
  readonly faults?: number;
  readonly clientOps?: number;
}

export interface ShrinkInfo {
  /** Each pass that reduced the run, with how many of its candidates were kept. */
  readonly passes: readonly { readonly pass: string; readonly accepted: number }[];
  /** Candidates replayed (the original's check included). */
  readonly candidates: number;
  /** The candidate budget the shrink ran with. */
  readonly budget: number;
}

export interface ScenarioRef {
  readonly path: string;
  readonly sha256: string;
}

export interface TraceStep {
  readonly type: 'step';
  readonly step: number;
  readonly t: number;
  readonly actor: string;
  readonly kind: string;
  readonly detail?: string;
  readonly fp: string;
}

export interface Finding {
  readonly invariant: string;
  readonly step: number;
  readonly message: string;
}

export interface TraceOutcome {
  readonly type: 'outcome';
  readonly status: RunStatus;
  readonly invariant?: string;
  readonly step?: number;
  readonly message?: string;
  readonly steps: number;
  readonly findings: readonly Finding[];
}

export interface TraceChoices {
  readonly type: 'choices';
  readonly choices: readonly number[];
}

export interface Trace {
  readonly header: TraceHeader;
  readonly steps: readonly TraceStep[];
  readonly outcome: TraceOutcome;
  readonly choices: readonly number[];
}

/** Serialise a trace as JSON lines (field order fixed by construction, so output is byte-stable). */
export function traceToLines(t: Trace): string {
  const out: string[] = [JSON.stringify(t.header)];
  for (const s of t.steps) out.push(JSON.stringify(s));
  out.push(JSON.stringify(t.outcome));
  out.push(JSON.stringify({ type: 'choices', choices: t.choices }));
  return out.join('\n') + '\n';
}
