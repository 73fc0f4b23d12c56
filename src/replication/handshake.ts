// The reconnect decision matrix (spec §10.7 step 3): from the replica's reply (status, R) and the
// primary's retained range (S, H) to the shipper's next state. Pure, so the shipper and the W7
// check share one definition of the table.

import { ReplicaState } from '../engine/types.ts';
import { ResumeStatus } from './wire.ts';
import { M } from '../marks/index.ts';

export interface HandshakeDecision {
  readonly state: ReplicaState;
  readonly reason: string;
}

/** The coverage mark of a decision, by its reason (a reason outside the table is an unknown status). */
export function handshakeMark(reason: string): number {
  switch (reason) {
    case 'epoch mismatch': return M.repl_handshake_epoch_mismatch;
    case 'replica requests rebuild': return M.repl_handshake_replica_requests_rebuild;
    case 'impossible replica progress': return M.repl_handshake_impossible_progress;
    case 'already caught up': return M.repl_handshake_caught_up;
    case 'recoverable gap': return M.repl_handshake_recoverable_gap;
    case 'gap exceeds retained WAL': return M.repl_handshake_gap_beyond_retention;
    default: return M.repl_handshake_unknown_status;
  }
}

export function decideHandshake(status: number, R: number, S: number, H: number): HandshakeDecision {
  switch (status) {
    case ResumeStatus.EpochMismatch:
      return { state: ReplicaState.NeedsRebuild, reason: 'epoch mismatch' };
    case ResumeStatus.NeedsRebuild:
      return { state: ReplicaState.NeedsRebuild, reason: 'replica requests rebuild' };
    case ResumeStatus.OK:
      break;
    default:
      return { state: ReplicaState.Degraded, reason: `unknown status 0x${status.toString(16).padStart(2, '0')}` };
  }
  if (R > H) return { state: ReplicaState.NeedsRebuild, reason: 'impossible replica progress' };
  if (R === H) return { state: ReplicaState.InSync, reason: 'already caught up' };
  if (R + 1 >= S) return { state: ReplicaState.CatchingUp, reason: 'recoverable gap' };
  return { state: ReplicaState.NeedsRebuild, reason: 'gap exceeds retained WAL' };
}
