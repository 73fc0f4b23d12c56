// The control plane as the simulated cluster sees it: who the master names primary (the client's
// multipath follows it), the current epoch, failovers with what the master knew at each, the
// operator faults it accepts, and its share of the state fingerprint. Two implementations:
// `ideal` (ideal_control.ts: the model of the spec's intended V2 design, src/control/ideal/) and
// `upstream` (the master and volume-server block service ported from upstream, src/control/master
// and src/control/volume). The trace header records which one a run used.
import { UPSTREAM_COMMITS, type UpstreamCommit } from '../control/commits.ts';
import type { FailoverRecord, MasterStats } from '../control/ideal/master.ts';
import type { StateHash } from './state_hash.ts';

export type ControlMode = 'ideal' | 'upstream';
export const CONTROL_MODES: readonly ControlMode[] = ['ideal', 'upstream'];

/**
 * The control plane a run uses when none is chosen: the master and block service ported from
 * upstream. `ideal` — the model of the spec's intended V2 design — is asked for by name.
 */
export const DEFAULT_CONTROL: ControlMode = 'upstream';

export function isControlMode(s: string): s is ControlMode {
  return (CONTROL_MODES as readonly string[]).includes(s);
}

/**
 * The upstream commit a `--control upstream` run behaves as when none is chosen: 3ec8fab2f, the
 * first commit that wires the V2 engine (RecoveryManager, ServerIDs on the wire). c7eb87c58 runs
 * the master and block service without it (docs/control.md).
 */
export const DEFAULT_RUN_UPSTREAM_COMMIT: UpstreamCommit = '3ec8fab2f';

/** A trace header or scenario written before the option existed ran upstream at this commit. */
export const LEGACY_UPSTREAM_COMMIT: UpstreamCommit = 'c7eb87c58';

export { UPSTREAM_COMMITS, type UpstreamCommit };

export function isUpstreamCommit(s: string): s is UpstreamCommit {
  return (UPSTREAM_COMMITS as readonly string[]).includes(s);
}

/** The commit a run with this control plane behaves as: none under `ideal`, else the given one or the default. */
export function runUpstreamCommit(control: ControlMode, commit: UpstreamCommit | undefined): UpstreamCommit | undefined {
  return control === 'upstream' ? commit ?? DEFAULT_RUN_UPSTREAM_COMMIT : undefined;
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
