// Replays a recorded trace: re-executes the header's run with the recorded choice sequence,
// compares every step's time, actor, kind, detail and fingerprint with the recording, and stops at
// the first divergence. A replay passes when every step matches and the recorded outcome
// reproduces — a run cut short (interrupted by Ctrl-C, or incomplete under a user's step cap) is
// replayed to its last recorded step. The header's seed is checked against the choice stream (a
// random-strategy trace's choices are exactly what its seed draws), so an edited seed is caught; a
// shrunk trace's choices are a reduced sequence (swsim shrink), replayed exactly without that check.
// A pct or bounded trace is checked the same way against its strategy's chooser, re-created from
// the seed and the header's parameters by the caller (src/explore/strategy.ts: this layer cannot
// build it) and passed as `reference`.
import { isActorAware, RandomChooser, ReplayChooser, ReplayDivergence, type ActorAwareChooser, type RecordingChooser } from '../sim/chooser.ts';
import type { ControlMode } from '../sim/control_plane.ts';
import { buildId } from './build_info.ts';
import type { Trace, TraceStep } from './format.ts';
import { headerUpstreamCommit, runSeed, type RunResult, type WorldFactory } from './run.ts';

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

/**
 * Replays the recorded choices and, in step, lets the header's strategy draw its own (the seed's
 * random draws, or PCT's, or the bounded schedule's); the first difference is fatal. Actor-aware
 * like its reference, so a PCT reference sees the actors it chooses among.
 */
class SeedCheckingChooser implements RecordingChooser, ActorAwareChooser {
  private readonly replay: ReplayChooser;
  mismatch: string | undefined;

  constructor(choices: readonly number[], private readonly seed: number, private readonly fromSeed: RecordingChooser, private readonly strategy: string) {
    this.replay = new ReplayChooser(choices, 'fail');
  }

  get recorded(): number[] {
    return this.replay.recorded;
  }

  enterActor(actor: string): void {
    if (isActorAware(this.fromSeed)) this.fromSeed.enterActor(actor);
  }

  chooseEvent(kind: string, actors: readonly string[]): number {
    return this.check(kind, actors.length, () => isActorAware(this.fromSeed) ? this.fromSeed.chooseEvent(kind, actors) : this.fromSeed.choose(kind, actors.length));
  }

  choose(kind: string, n: number): number {
    return this.check(kind, n, () => this.fromSeed.choose(kind, n));
  }

  private check(kind: string, n: number, draw: () => number): number {
    const index = this.replay.consumed();
    const x = this.replay.choose(kind, n);
    const y = draw();
    if (x !== y && this.mismatch === undefined) {
      const by = this.strategy === 'random' ? `seed ${this.seed}` : `the ${this.strategy} strategy with seed ${this.seed} and the header's parameters`;
      this.mismatch = `the header's seed ${this.seed} does not draw this trace's choices (choice #${index}, ${kind}: recorded ${x}, ${by} draws ${y}); the header was edited or the trace comes from another seed`;
      throw new ReplayDivergence(index, this.mismatch);
    }
    return x;
  }
}

/**
 * Replay `trace` in the world `make` builds. `reference` draws the choices the header's strategy
 * would make (a random trace's default: its seed's RandomChooser); a pct or bounded trace needs
 * one (src/explore/strategy.ts referenceChooser), a shrunk trace is replayed as recorded.
 */
export function replayTrace(trace: Trace, make: WorldFactory, reference?: RecordingChooser | null): ReplayReport {
  const h = trace.header;
  const want = trace.outcome;
  const ref = reference !== undefined ? reference : h.strategy === 'random' ? new RandomChooser(h.seed) : null;
  if (ref === null && h.strategy !== 'shrunk') throw new Error(`a ${h.strategy} trace is checked against its strategy's chooser: pass it as the reference (src/explore/strategy.ts referenceChooser)`);
  const chooser = ref === null ? new ReplayChooser(trace.choices, 'fail') : new SeedCheckingChooser(trace.choices, h.seed, ref, h.strategy);
  // A run that was cut short replays to its last recorded step, no further.
  const cutShort = want.status === 'interrupted' || want.status === 'incomplete';
  const maxSteps = cutShort ? Math.min(h.maxSteps, want.steps) : h.maxSteps;
  const replayed: TraceStep[] = [];
  let divergence: Divergence | undefined;
  let result: RunResult;
  try {
    result = runSeed(
      { seed: h.seed, profile: h.profile, control: h.control as ControlMode, ...headerUpstreamCommit(h), bugs: h.bugs, strict: h.strict, maxSteps, stepCap: cutShort ? 'incomplete' : h.stepCap,
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
