// Forking a checked engine-script runner (checked_script.ts fork()): an independent copy of the
// whole runner — engine, storage holds, registry, plans, executors, recovery log, the checker's
// memory and the handle tables — made by the generic object-graph copy (object_graph_copy.ts), so
// that the model checker (engine_check.ts) restores a state by copying it instead of replaying its
// path from a fresh engine. The copy must behave exactly as the original would; what the generic
// copy cannot do is done here:
//   - the storage's release functions (closures over the volume and a hold ID): remade on the
//     copied volume through the engine's releaseFor (push_storage_adapter.ts);
//   - the runner's own closures (the checker's activeHolds source, each plan's walContains): given
//     by the runner, bound to the copy;
//   - executor entries: a started, unfinished executor holds a live generator, which cannot be
//     copied (the fork is refused: null); a finished one is never resumed (stepExecutor and
//     executor.execute check `finished` first), so its generator and closures are shared; an
//     unstarted one gets closures over the copied executor, made as script.ts makes them.
import { CatchUpExecutor } from '../engine/catchup_executor.ts';
import type { EngineError } from '../engine/errors.ts';
import type { ExecutorSteps } from '../engine/executor.ts';
import { releaseOwner } from '../engine/push_storage_adapter.ts';
import type { EngineScriptRunner, ExecutorEntry } from '../engine/script.ts';
import { GraphCopier } from './object_graph_copy.ts';

/** The closures a runner hands out that point back at itself. */
export interface RunnerClosures {
  readonly walContains: ((lsn: number) => boolean) | null;
  readonly activeHolds: () => number;
}

/** Resolves a storage release function to the copied volume's own. */
function releaseHook(fn: Function, copier: GraphCopier): Function | undefined {
  const owner = releaseOwner(fn as () => void);
  return owner === undefined ? undefined : copier.copy(owner.volume).releaseFor(owner.holdID);
}

/** An unstarted entry's closures over its (copied) executor, as script.ts's executor.catchUp / executor.rebuild make them. */
function rebindEntry(x: ExecutorEntry): void {
  const m = x as { start: () => ExecutorSteps; execute: () => EngineError | null };
  const exec = x.executor;
  if (exec instanceof CatchUpExecutor) {
    const spec = x.spec as { readonly progressLSNs: readonly number[]; readonly startTick: number };
    m.start = () => exec.steps(spec.progressLSNs, spec.startTick);
    m.execute = () => exec.execute(spec.progressLSNs, spec.startTick);
  } else {
    m.start = () => exec.steps();
    m.execute = () => exec.execute();
  }
}

/**
 * A copy of `r` (null when an executor has started and not finished). `old` are r's closures,
 * `make` makes the copy's (given the copy object before its fields are filled).
 */
export function forkRunner<R extends { readonly runner: EngineScriptRunner }>(r: R, old: RunnerClosures, make: (copy: R) => RunnerClosures): R | null {
  const copier = new GraphCopier(releaseHook);
  const unstarted: ExecutorEntry[] = [];
  for (const x of r.runner.engine.executors.values()) {
    if (x === null) continue;
    if (!x.finished && x.gen !== null) return null;
    if (x.gen !== null) copier.preset(x.gen, x.gen);
    copier.preset(x.start, x.start);
    copier.preset(x.execute, x.execute);
    if (!x.finished) unstarted.push(x);
  }
  const copy = Object.create(Object.getPrototypeOf(r) as object) as R;
  const fresh = make(copy);
  if (old.walContains !== null && fresh.walContains !== null) copier.preset(old.walContains, fresh.walContains);
  copier.preset(old.activeHolds, fresh.activeHolds);
  copier.copyInto(r, copy);
  for (const x of unstarted) rebindEntry(copier.copy(x));
  return copy;
}
