// Replays a recorded trace: re-executes the header's run with the recorded choice sequence,
// compares every step's time, actor, kind, detail and fingerprint with the recording, and stops at
// the first divergence. A replay passes when every step matches and the recorded outcome
// reproduces — a run cut short (interrupted by Ctrl-C, or incomplete under a user's step cap) is
// replayed to its last recorded step. The header's seed is checked against the choice stream (a
// random-strategy trace's choices are exactly what its seed draws), so an edited seed is caught; a
// shrunk trace's choices are a reduced sequence (swsim shrink), replayed exactly without that check.
import { RandomChooser, ReplayChooser, ReplayDivergence, type RecordingChooser } from '../sim/chooser.ts';
import type { ControlMode } from '../sim/control_plane.ts';
import { buildId } from './build_info.ts';
import type { Trace, TraceStep } from './format.ts';
import { runSeed, type RunResult, type WorldFactory } from './run.ts';

export interface Divergence {
  readonly step: number;
  readonly expected: string;
  readonly actual: string;
}

export interface ReplayReport {
  readonly ok: boolean;
  readonly divergence?: Divergence;
  /** Set when the header's seed does not draw the recorded choices. */
  readonly seedMismatch?: string;
  readonly result?: RunResult;
  readonly replayed: TraceStep[];
}

/** Why a replay of this trace may legitimately differ: the code that recorded it, versus ours. */
export function provenance(trace: Trace): { sameBuild: boolean; explanation: string } {
  const ours = buildId();
  if (trace.header.build === ours) {
    return { sameBuild: true, explanation: `recorded by this very build (${ours}): the trace was edited, or the simulator is not deterministic — a bug in swsim; please report it with this trace` };
  }
  return {
    sameBuild: false,
    explanation: `recorded with ${trace.header.tool} build ${trace.header.build}, this is build ${ours}: the simulator changed since, so the seed's run changed too. A scenario file (docs/scenarios.md) states a case by what happens and survives such changes`,
  };
}

function describe(s: TraceStep | undefined): string {
  if (s === undefined) return '(no step)';
  return `t=${s.t} ${s.actor} ${s.kind}${s.detail !== undefined ? ` ${s.detail}` : ''} fp=${s.fp}`;
}

function outcomeLine(o: Trace['outcome']): string {
  return o.status === 'fail' ? `fail ${o.invariant} at step ${o.step}` : `${o.status} after ${o.steps} steps`;
}

/** Replays the recorded choices and, in step, draws the header seed's own; the first difference is fatal. */
class SeedCheckingChooser implements RecordingChooser {
  private readonly replay: ReplayChooser;
  private readonly fromSeed: RandomChooser;
  mismatch: string | undefined;

  constructor(choices: readonly number[], private readonly seed: number) {
    this.replay = new ReplayChooser(choices, 'fail');
    this.fromSeed = new RandomChooser(seed);
  }

  get recorded(): number[] {
    return this.replay.recorded;
  }

  choose(kind: string, n: number): number {
    const index = this.replay.consumed();
    const x = this.replay.choose(kind, n);
    const y = this.fromSeed.choose(kind, n);
    if (x !== y && this.mismatch === undefined) {
      this.mismatch = `the header's seed ${this.seed} does not draw this trace's choices (choice #${index}, ${kind}: recorded ${x}, seed ${this.seed} draws ${y}); the header was edited or the trace comes from another seed`;
      throw new ReplayDivergence(index, this.mismatch);
    }
    return x;
  }
}

export function replayTrace(trace: Trace, make: WorldFactory): ReplayReport {
  const h = trace.header;
  const want = trace.outcome;
  const chooser = h.strategy === 'shrunk' ? new ReplayChooser(trace.choices, 'fail') : new SeedCheckingChooser(trace.choices, h.seed);
  // A run that was cut short replays to its last recorded step, no further.
  const cutShort = want.status === 'interrupted' || want.status === 'incomplete';
  const maxSteps = cutShort ? Math.min(h.maxSteps, want.steps) : h.maxSteps;
  const replayed: TraceStep[] = [];
  let divergence: Divergence | undefined;
  let result: RunResult;
  try {
    result = runSeed(
      { seed: h.seed, profile: h.profile, control: h.control as ControlMode, bugs: h.bugs, strict: h.strict, maxSteps, stepCap: cutShort ? 'incomplete' : h.stepCap,
        record: false, check: true,
        onStep: (rec) => {
          replayed.push(rec);
          const w = trace.steps[rec.step - 1];
          if (w === undefined || w.fp !== rec.fp || w.kind !== rec.kind || w.t !== rec.t || w.actor !== rec.actor || w.detail !== rec.detail) {
            divergence = { step: rec.step, expected: describe(w), actual: describe(rec) };
            return false;
          }
          return true;
        } },
      make, chooser);
  } catch (e) {
    if (!(e instanceof ReplayDivergence)) throw e;
    const step = replayed.length + 1;
    if (chooser instanceof SeedCheckingChooser && chooser.mismatch !== undefined) {
      return { ok: false, seedMismatch: chooser.mismatch, divergence: { step, expected: describe(trace.steps[step - 1]), actual: 'stopped: seed mismatch' }, replayed };
    }
    return { ok: false, divergence: { step, expected: describe(trace.steps[step - 1]), actual: `choice sequence diverged: ${e.message}` }, replayed };
  }
  if (divergence !== undefined) return { ok: false, divergence, result, replayed };
  if (trace.steps.length > 0 && result.steps < trace.steps.length) {
    const step = result.steps + 1;
    return { ok: false, divergence: { step, expected: describe(trace.steps[step - 1]), actual: '(run ended)' }, result, replayed };
  }
  const got = result.trace.outcome;
  const gotStatus = cutShort && got.status === 'incomplete' ? want.status : got.status;
  if (gotStatus !== want.status || got.invariant !== want.invariant || got.step !== want.step || got.steps !== want.steps) {
    return { ok: false, divergence: { step: result.steps, expected: `outcome ${outcomeLine(want)}`, actual: `outcome ${outcomeLine({ ...got, status: gotStatus })}` }, result, replayed };
  }
  return { ok: true, result, replayed };
}
