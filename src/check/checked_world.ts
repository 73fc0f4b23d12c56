// A world together with the checks that judge it: what a seed's runner steps (src/trace/run.ts)
// and what a world factory builds (src/check/cluster_world.ts). Defined here, below the trace
// layer, so the factory and the runner can both name it.
import type { RecordingChooser } from '../sim/chooser.ts';
import type { ControlMode, UpstreamCommit } from '../sim/control_plane.ts';
import type { World } from '../sim/world.ts';
import type { Failure } from './catalog.ts';

export interface CheckedWorld {
  readonly world: World;
  /** Failures after the last step (invariants). */
  check(): readonly Failure[];
  /** End-of-run checks (liveness, final content). */
  finalCheck(): Failure[];
}

export type WorldFactory = (opts: { seed: number; profile: string; bugs: readonly string[]; control?: ControlMode; upstreamCommit?: UpstreamCommit; chooser: RecordingChooser }) => CheckedWorld;
