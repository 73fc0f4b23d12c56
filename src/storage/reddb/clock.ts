// The virtual clock the reddb port reads instead of the wall clock (spec §0.2 rule 5): framing
// timestamps, slot last-seen times and idle timeouts all come from `nowMs()`.

export interface VirtualClock {
  /** Milliseconds of virtual time; never decreases. */
  nowMs(): number;
}

/** A clock that only moves when told to; the simulator and the tests drive it. */
export class ManualClock implements VirtualClock {
  constructor(private now: number = 0) {}

  nowMs(): number {
    return this.now;
  }

  /** Move forward by `ms` (a negative step is refused: virtual time never goes back). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`clock cannot go back (${ms} ms)`);
    this.now += ms;
  }

  set(now: number): void {
    if (now < this.now) throw new RangeError(`clock cannot go back from ${this.now} to ${now}`);
    this.now = now;
  }
}
