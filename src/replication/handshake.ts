// The reconnect decision matrix (spec §10.7 step 3): from the replica's reply (status, R) and the
// primary's retained range (S, H) to the shipper's next state. Pure, so the shipper and the W7
// check share one definition of the table.

import { ReplicaState } from '../engine/types.ts';
import { ResumeStatus } from './wire.ts';

export interface HandshakeDecision {
  readonly state: ReplicaState;
  readonly reason: string;
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
