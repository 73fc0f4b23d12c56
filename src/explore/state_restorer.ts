// How the engine model checker (engine_check.ts) gets a runner at a state it expands: the state is
// named by its path (the calls leading to it from the root), and a fresh
// engine replays the prelude and every call of the path. The runner has run exactly the calls of
// the path first found to the state, so the checker's memory and the recovery log, which the
// fingerprint leaves out, are those of that path. Forking a kept runner instead (copying its whole
// object graph, about 50 objects) was built and measured slower than replaying the 3-6 calls of a
// path at these bounds, and removed (docs/model-checking.md, "Replay vs forking").
import type { ParsedLine } from '../engine/script.ts';
import type { CheckedScriptRunner } from './checked_script.ts';

/** Replays the entered path from a fresh engine for every runner taken. */
export class ReplayRestorer {
  private actions: readonly number[] = [];

  constructor(
    private readonly fresh: () => CheckedScriptRunner,
    private readonly lines: readonly ParsedLine[],
  ) {}

  /** Enters the state the calls `actions` (interned line ids, root first) lead to. */
  enter(actions: readonly number[]): void {
    this.actions = actions;
  }

  /** A fresh runner at the entered state, the caller's to run calls on. */
  take(): CheckedScriptRunner {
    const r = this.fresh();
    for (const id of this.actions) r.exec(this.lines[id]!);
    return r;
  }
}
