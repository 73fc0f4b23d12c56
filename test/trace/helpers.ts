// Shared helpers for the trace tests: record a (short) run, and a chooser wrapper that remembers
// during which step each recorded choice was made, so a test can tamper with the choice consumed
// at a known step and check where replay reports the divergence.
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import { RandomChooser, type RecordingChooser } from '../../src/sim/chooser.ts';
import { runSeed, type RunResult } from '../../src/trace/run.ts';

export interface ChoiceSite {
  readonly kind: string;
  readonly n: number;
  /** The step during which the choice was made (1 for choices made while building the world). */
  readonly step: number;
}

/** Delegates to a RandomChooser; logs the kind, option count and step of every recorded choice. */
export class StepTrackingChooser implements RecordingChooser {
  readonly sites: ChoiceSite[] = [];
  /** Steps completed so far; choices are attributed to the step after them. */
  completed = 0;
  private readonly inner: RandomChooser;

  constructor(seed: number) {
    this.inner = new RandomChooser(seed);
  }

  get recorded(): number[] {
    return this.inner.recorded;
  }

  choose(kind: string, n: number): number {
    if (n > 1) this.sites.push({ kind, n, step: this.completed + 1 });
    return this.inner.choose(kind, n);
  }
}

export interface TrackedRun {
  readonly result: RunResult;
  readonly sites: ChoiceSite[];
}

/** Record seed `seed` of `profile` (all checks on), stopping after `maxSteps`. */
export function recordRun(seed: number, profile: string, maxSteps: number): TrackedRun {
  const chooser = new StepTrackingChooser(seed);
  const result = runSeed(
    { seed, profile, bugs: [], strict: false, maxSteps, record: true, check: true, onStep: (rec) => { chooser.completed = rec.step; } },
    makeClusterWorld, chooser);
  return { result, sites: chooser.sites };
}
