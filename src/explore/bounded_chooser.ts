// The chooser of bounded exhaustive search (`swsim check SCENARIO`): it makes the default choice
// everywhere except at the positions of its deviation schedule, where it takes the scheduled
// value. The default is the seed's seeded-random draw (`base: seed`, so the zero-deviation run is
// the scenario's own seeded run) or 0 (`base: zero`). The seed's stream is drawn at every
// position either way, so a deviation does not shift the draws after it. It remembers each
// recorded position's option count, default and kind: the search derives a run's children (one
// more deviation, later than the last) from them.
import { RandomChooser, type RecordingChooser } from '../sim/chooser.ts';
import type { BoundedParams } from '../trace/format.ts';

/** Up to this many options, every other value is an alternative; above it, only the extremes. */
export const ALL_VALUES_UP_TO = 8;

/** The values a deviation may take at a position with `n` options whose default is `dflt`. */
export function alternatives(n: number, dflt: number): number[] {
  if (n <= ALL_VALUES_UP_TO) {
    const out: number[] = [];
    for (let v = 0; v < n; v++) if (v !== dflt) out.push(v);
    return out;
  }
  return [0, n - 1].filter((v) => v !== dflt);
}

export class BoundedChooser implements RecordingChooser {
  readonly recorded: number[] = [];
  /** Per recorded position: option count, default value, kind. */
  readonly options: number[] = [];
  readonly defaults: number[] = [];
  readonly kinds: string[] = [];
  private readonly random: RandomChooser;
  private readonly schedule = new Map<number, number>();

  constructor(seed: number, readonly params: BoundedParams) {
    this.random = new RandomChooser(seed);
    for (const [pos, v] of params.deviations) this.schedule.set(pos, v);
  }

  choose(kind: string, n: number): number {
    if (n <= 1) return 0;
    const pos = this.recorded.length;
    const drawn = this.random.choose(kind, n);
    const dflt = this.params.base === 'seed' ? drawn : 0;
    const dev = this.schedule.get(pos);
    const x = dev === undefined ? dflt : Math.min(dev, n - 1);
    this.recorded.push(x);
    this.options.push(n);
    this.defaults.push(dflt);
    this.kinds.push(kind);
    return x;
  }
}
