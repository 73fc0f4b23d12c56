// The control plane as the simulated cluster sees it: who the master names primary (the client's
// multipath follows it), the current epoch, failovers with what the master knew at each, the
// operator faults it accepts, and its share of the state fingerprint. Two implementations:
// `ideal` (ideal_control.ts: the model of the spec's intended V2 design, src/control/ideal/) and
// `upstream` (the master and volume-server block service ported from upstream, src/control/master
// and src/control/volume). The trace header records which one a run used.
import type { FailoverRecord, MasterStats } from '../control/ideal/master.ts';
import type { StateHash } from './state_hash.ts';

export type ControlMode = 'ideal' | 'upstream';
export const CONTROL_MODES: readonly ControlMode[] = ['ideal', 'upstream'];

export function isControlMode(s: string): s is ControlMode {
  return (CONTROL_MODES as readonly string[]).includes(s);
}

export interface ControlPlane {
  readonly mode: ControlMode;
  readonly stats: MasterStats;
  /** Every failover with the progress the master knew of each server (E2's quorum classification). */
  readonly failoverLog: readonly FailoverRecord[];
  /** The server the master names primary now (null when it names none). */
  primaryServerID(): string | null;
  currentEpoch(): number;
  /** Fault: an operator's fresh epoch for the same topology; returns what happened, for the trace. */
  bumpEpoch(): string;
  digest(h: StateHash): void;
}
