// How the engine model checker (engine_check.ts) gets a runner at a state it expands: the state is
// named by its path (the states along it and the calls between them, root first). Two ways:
//   - replay (default): a fresh engine runs the prelude and every call of the path;
//   - fork: a stack of pristine runners, one per prefix of the last path entered; a new
//     path keeps the longest common prefix and extends it by forking the deepest pristine runner
//     and running one call per further step (breadth-first order enters siblings one after another,
//     so usually only the last step is run); each runner handed out is a fork of the pristine one.
//     Where a runner cannot be forked (an executor has started: its generator cannot be copied),
//     the path, or the rest of it, is replayed instead.
// Both hand out runners that have run exactly the same calls (the path's first-found one), so the
// checker's memory and the recovery log, which the fingerprint leaves out, are the same either way.
// Forking copies the whole runner graph (about 50 objects, object_graph_copy.ts), which at the
// bounds measured costs more than replaying the 3-6 calls of a path (docs/model-checking.md), so
// replay is the default; fork stays selectable, tested equal (test/explore/state_fork.test.ts).
import type { ParsedLine } from '../engine/script.ts';
import type { CheckedScriptRunner } from './checked_script.ts';

export type RestoreMode = 'replay' | 'fork';

export interface StateRestorer {
  /** Enters the state at the end of the path: `states[0]` is the root, `actions[i]` leads from states[i] to states[i + 1]. */
  enter(states: readonly number[], actions: readonly number[]): void;
  /** A runner at the entered state, the caller's to run calls on. */
  take(): CheckedScriptRunner;
}

/** Replays the entered path from a fresh engine for every runner taken. */
export class ReplayRestorer implements StateRestorer {
  private actions: readonly number[] = [];

  constructor(
    private readonly fresh: () => CheckedScriptRunner,
    private readonly lines: readonly ParsedLine[],
  ) {}

  enter(_states: readonly number[], actions: readonly number[]): void {
    this.actions = actions;
  }

  take(): CheckedScriptRunner {
    const r = this.fresh();
    for (const id of this.actions) r.exec(this.lines[id]!);
    return r;
  }
}

/** Forks pristine runners kept per prefix of the entered path (see the file comment). */
export class ForkRestorer implements StateRestorer {
  /** States of the path the pristine runners are at, and the runners (null: cannot be forked). */
  private readonly stackStates: number[] = [];
  private readonly stack: (CheckedScriptRunner | null)[] = [];
  private actions: readonly number[] = [];
  private readonly replay: ReplayRestorer;
  /** Forks made and runners replayed (for the bench and tests). */
  forks = 0;
  replays = 0;

  constructor(
    private readonly fresh: () => CheckedScriptRunner,
    private readonly lines: readonly ParsedLine[],
  ) {
    this.replay = new ReplayRestorer(fresh, lines);
  }

  enter(states: readonly number[], actions: readonly number[]): void {
    this.actions = actions;
    let k = 0;
    while (k < this.stackStates.length && k < states.length && this.stackStates[k] === states[k]) k++;
    this.stackStates.length = k;
    this.stack.length = k;
    for (let i = k; i < states.length; i++) {
      this.stackStates.push(states[i]!);
      this.stack.push(this.extend(i, actions));
    }
  }

  /** The pristine runner at prefix i (i calls run), from the one at i - 1 when it can be forked. */
  private extend(i: number, actions: readonly number[]): CheckedScriptRunner | null {
    if (i === 0) return this.fresh();
    const below = this.stack[i - 1]!;
    let r = below === null ? null : below.fork();
    if (r !== null) {
      this.forks += 1;
      r.exec(this.lines[actions[i - 1]!]!);
    } else {
      this.replays += 1;
      this.replay.enter([], actions.slice(0, i));
      r = this.replay.take();
    }
    return r.canFork() ? r : null;
  }

  take(): CheckedScriptRunner {
    const top = this.stack[this.stack.length - 1] ?? null;
    const r = top === null ? null : top.fork();
    if (r !== null) {
      this.forks += 1;
      return r;
    }
    this.replays += 1;
    this.replay.enter([], this.actions);
    return this.replay.take();
  }
}
