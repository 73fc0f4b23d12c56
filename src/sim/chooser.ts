// The one source of nondeterminism (design.md principle 1). Every decision that could go more
// than one way — which enabled event runs next, a message delay, a drop, a crash point, a torn
// write length, a fault — is a call to `choose(kind, n)`. Strategies implement it: seeded random
// (with per-kind streams), and replay of a recorded choice sequence. Every choice with more than
// one option is recorded, so replay and shrinking work for every strategy alike.
import seedrandom from 'seedrandom';
import type { Chooser } from '../storage/disk.ts';

export type { Chooser };

/** A chooser that also records what it chose (the trace's choice sequence). */
export interface RecordingChooser extends Chooser {
  /** Choices made so far, in order (only those with more than one option). */
  readonly recorded: number[];
}

type Prng = () => number;

/**
 * A chooser that wants to know who acts (PCT: priorities are per actor). The kernel calls
 * `enterActor` before it runs each event, and asks `chooseEvent` (with the actors of the events
 * due at that instant, in queue order) instead of `choose('sched.next', n)`. The answer is an
 * index recorded exactly like a `choose` answer, so a replay (which is not actor-aware) sees the
 * same choice sequence.
 */
export interface ActorAwareChooser extends Chooser {
  enterActor(actor: string): void;
  chooseEvent(kind: string, actors: readonly string[]): number;
}

export function isActorAware(c: Chooser): c is ActorAwareChooser {
  const a = c as Partial<ActorAwareChooser>;
  return typeof a.enterActor === 'function' && typeof a.chooseEvent === 'function';
}

/** Seeded random strategy: one seedrandom stream per kind family ("net.delay" → "net"). */
export class RandomChooser implements RecordingChooser {
  readonly recorded: number[] = [];
  private readonly streams = new Map<string, Prng>();
  /** The stream of each kind seen so far (saves cutting the family out of the kind on every choice). */
  private readonly byKind = new Map<string, Prng>();

  constructor(private readonly seed: number) {}

  choose(kind: string, n: number): number {
    if (n <= 1) return 0;
    const x = Math.floor(this.stream(kind)() * n);
    this.recorded.push(x);
    return x;
  }

  private stream(kind: string): Prng {
    const known = this.byKind.get(kind);
    if (known !== undefined) return known;
    const s = this.familyStream(kind);
    this.byKind.set(kind, s);
    return s;
  }

  private familyStream(kind: string): Prng {
    const dot = kind.indexOf('.');
    const family = dot < 0 ? kind : kind.slice(0, dot);
    let s = this.streams.get(family);
    if (s === undefined) {
      s = seedrandom(`swsim/${this.seed}/${family}`);
      this.streams.set(family, s);
    }
    return s;
  }
}

export class ReplayDivergence extends Error {
  constructor(readonly index: number, message: string) {
    super(message);
    this.name = 'ReplayDivergence';
  }
}

/**
 * Replays a recorded choice sequence. A choice out of range means the run diverged from the
 * recording. When the recording runs out, `exhausted` says what to do: fail (exact replay) or
 * pick 0 (the shrinker's "simplest continuation").
 */
export class ReplayChooser implements RecordingChooser {
  readonly recorded: number[] = [];
  private next = 0;

  constructor(private readonly choices: readonly number[], private readonly exhausted: 'fail' | 'zero' = 'fail') {}

  choose(kind: string, n: number): number {
    if (n <= 1) return 0;
    if (this.next >= this.choices.length) {
      if (this.exhausted === 'fail') throw new ReplayDivergence(this.next, `choice #${this.next} (${kind}) is beyond the recording`);
      this.recorded.push(0);
      this.next += 1;
      return 0;
    }
    const x = this.choices[this.next]!;
    if (x >= n) {
      if (this.exhausted === 'fail') throw new ReplayDivergence(this.next, `choice #${this.next} (${kind}) recorded ${x} but only ${n} options exist`);
      this.recorded.push(n - 1);
      this.next += 1;
      return n - 1;
    }
    this.recorded.push(x);
    this.next += 1;
    return x;
  }

  consumed(): number {
    return this.next;
  }
}

/** The option count of a `chance` choice: a value below the permille fires it, so 0 always fires. */
export const PERMILLE = 1000;

/** Convenience helpers over a chooser. */
export function chance(c: Chooser, kind: string, permille: number): boolean {
  if (permille <= 0) return false;
  if (permille >= PERMILLE) return true;
  return c.choose(kind, PERMILLE) < permille;
}

/** A value in [lo, hi] (inclusive), uniformly. */
export function between(c: Chooser, kind: string, lo: number, hi: number): number {
  return hi <= lo ? lo : lo + c.choose(kind, hi - lo + 1);
}

export function pick<T>(c: Chooser, kind: string, options: readonly T[]): T {
  return options[c.choose(kind, options.length)]!;
}
