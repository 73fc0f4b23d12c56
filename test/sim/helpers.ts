// Small test doubles for the simulator tests: a scripted chooser that logs every call (kind and
// number of options) and answers from a function, and a helper that runs a kernel until idle.
import type { RecordingChooser } from '../../src/sim/chooser.ts';
import type { Kernel } from '../../src/sim/kernel.ts';

export interface ChoiceCall {
  readonly kind: string;
  readonly n: number;
  readonly answer: number;
}

/** A chooser whose answers come from `answer(kind, n)`; every call is logged in `calls`. */
export class ScriptedChooser implements RecordingChooser {
  readonly recorded: number[] = [];
  readonly calls: ChoiceCall[] = [];

  constructor(private readonly answer: (kind: string, n: number) => number = () => 0) {}

  choose(kind: string, n: number): number {
    const x = n <= 1 ? 0 : this.answer(kind, n);
    this.calls.push({ kind, n, answer: x });
    if (n > 1) this.recorded.push(x);
    return x;
  }

  callsOf(kind: string): ChoiceCall[] {
    return this.calls.filter((c) => c.kind === kind);
  }
}

/** Step the kernel until nothing is scheduled (bounded, so a livelock fails the test instead of hanging). */
export function runUntilIdle(k: Kernel, limit = 100_000): number {
  let n = 0;
  while (k.step() !== null) {
    n += 1;
    if (n > limit) throw new Error(`kernel still busy after ${limit} steps`);
  }
  return n;
}
