// Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010; as
// in AWS Shuttle) as a chooser. Every actor (a node, the master, the client, the fault injector)
// gets a random priority when first seen; among events due at the same instant the kernel runs
// the highest-priority actor's event. At d − 1 change points, drawn uniformly over an estimate of
// k scheduling decisions, the actor about to run drops to a priority below every initial one
// (the i-th point to priority i), which is what finds an ordering bug of depth d with probability
// at least 1/(n·k^(d−1)) for n actors. Network delays are oriented by the same priorities: a
// `net.delay` choice made while actor A runs (A sends or dials) takes the rank of A's priority
// scaled onto the delay range, so a higher-priority sender's deliveries land earlier and a
// lower-priority one's later. Every other choice (faults, sizes, think times) is the seed's
// seeded-random draw. Everything is drawn from the seed: the same seed and parameters give the
// same run. Choices with more than one option are recorded like any chooser's.
import seedrandom from 'seedrandom';
import { RandomChooser, type ActorAwareChooser, type RecordingChooser } from '../sim/chooser.ts';
import type { PctParams } from '../trace/format.ts';

/** Default estimate of scheduling decisions per run (k), when --pct-steps is not given. */
export const DEFAULT_PCT_STEPS = 2000;
/** Default bug depth (d), when --pct-depth is not given. */
export const DEFAULT_PCT_DEPTH = 3;

/** The kinds whose value PCT orients by the acting actor's priority (a delivery's delay). */
const ORIENTED = new Set(['net.delay']);

export class PctChooser implements RecordingChooser, ActorAwareChooser {
  readonly recorded: number[] = [];
  private readonly random: RandomChooser;
  private readonly prng: () => number;
  private readonly priority = new Map<string, number>();
  /** Scheduling decision number (1-based) → the priority the running actor drops to. */
  private readonly changeAt = new Map<number, number>();
  private decisions = 0;
  private current: string | null = null;

  constructor(seed: number, readonly params: PctParams) {
    if (!Number.isSafeInteger(params.depth) || params.depth < 1) throw new Error(`pct depth ${params.depth}: expected an integer >= 1`);
    if (!Number.isSafeInteger(params.steps) || params.steps < 1) throw new Error(`pct steps ${params.steps}: expected an integer >= 1`);
    this.random = new RandomChooser(seed);
    this.prng = seedrandom(`swsim/${seed}/pct`);
    // Change point i (1..d-1) at a decision drawn uniformly from 1..k; a later draw for an
    // already-taken decision keeps the first (the run then has fewer change points, as in PCT).
    for (let i = 1; i < params.depth; i++) {
      const at = 1 + Math.floor(this.prng() * params.steps);
      if (!this.changeAt.has(at)) this.changeAt.set(at, i);
    }
  }

  enterActor(actor: string): void {
    this.current = actor;
  }

  chooseEvent(_kind: string, actors: readonly string[]): number {
    if (actors.length <= 1) return 0;
    this.decisions += 1;
    let i = this.highest(actors);
    const drop = this.changeAt.get(this.decisions);
    if (drop !== undefined) {
      this.priority.set(actors[i]!, drop);
      i = this.highest(actors);
    }
    this.recorded.push(i);
    return i;
  }

  choose(kind: string, n: number): number {
    if (n <= 1) return 0;
    const x = ORIENTED.has(kind) && this.current !== null ? this.oriented(this.current, n) : this.random.choose(kind, n);
    this.recorded.push(x);
    return x;
  }

  /** Scheduling decisions made so far (the k a run actually needed). */
  decisionsMade(): number {
    return this.decisions;
  }

  /** The priority of `actor`, drawn on first sight above every change-point priority (> d). */
  private prio(actor: string): number {
    let p = this.priority.get(actor);
    if (p === undefined) {
      p = this.params.depth + this.prng();
      this.priority.set(actor, p);
    }
    return p;
  }

  /** Index of the highest-priority actor (the first such in queue order). */
  private highest(actors: readonly string[]): number {
    let best = 0, bp = this.prio(actors[0]!);
    for (let k = 1; k < actors.length; k++) {
      const p = this.prio(actors[k]!);
      if (p > bp) { best = k; bp = p; }
    }
    return best;
  }

  /** A delay option for `actor`: its rank among known actors (0 = highest) scaled onto 0..n-1. */
  private oriented(actor: string, n: number): number {
    const mine = this.prio(actor);
    let above = 0;
    for (const p of this.priority.values()) if (p > mine) above += 1;
    const others = this.priority.size - 1;
    return others <= 0 ? 0 : Math.round(above / others * (n - 1));
  }
}
