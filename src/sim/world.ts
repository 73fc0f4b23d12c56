// The contract between a simulated world and whoever runs it (the recorder/replayer in
// src/trace, the explorers in src/explore): step it, fingerprint it, ask what happened. Keeping
// it narrow lets the runner stay ignorant of clusters, nodes and engines.
import type { ControlMode } from './control_plane.ts';
import type { SimEvent } from './kernel.ts';

export interface World {
  /** Run one event; null when nothing is left to run (the world is quiescent). */
  step(): SimEvent | null;
  /** Virtual time in ms. */
  now(): number;
  /** True once the run's planned duration (fault phase + quiet phase) has elapsed. */
  finished(): boolean;
  /** Short human detail for the step just run (trace record), or undefined. */
  lastDetail(): string | undefined;
  /** From now on make lastDetail() say everything a step did (its message, its state changes); costs time. */
  startTracing?(): void;
  /** Fingerprint of the canonical state after the last step. */
  fingerprint(): string;
  /** Coverage counters (what interleavings and faults actually happened). */
  coverage(): Record<string, number>;
  /** The control plane the world runs (a cluster's: asked for, or drawn by its profile). */
  controlMode?(): ControlMode;
}
