// What a shipper records for the checks (W2, W4, W5, W7, W8, W14): per-connection order of sent
// LSNs, state transitions with their cause, the last handshake and what catch-up streamed after
// it. Kept cheap: counters, the last value per connection, and a bounded transition log.

import type { ReplicaState } from '../engine/types.ts';

export type TransitionCause =
  | 'barrier_ok'
  | 'reconnect_insync'
  | 'catchup_done'
  | 'ship_failed'
  | 'barrier_failed'
  | 'reconnect'
  | 'reconnect_failed'
  | 'handshake'
  | 'catchup_start'
  | 'catchup_failed'
  | 'catchup_recycled'
  | 'retention_timeout';

export interface ShipperTransition {
  readonly seq: number;
  readonly from: ReplicaState;
  readonly to: ReplicaState;
  readonly cause: TransitionCause;
}

export interface HandshakeRecord {
  readonly seq: number;
  readonly status: number;
  readonly R: number;
  readonly S: number;
  readonly H: number;
  readonly result: ReplicaState;
  /** First LSN catch-up streamed after this handshake (null if none yet). */
  firstStreamedLSN: number | null;
}

export interface BarrierReplyRecord {
  readonly lsnMax: number;
  readonly status: number;
  readonly flushedLSN: number;
}

const MAX_TRANSITIONS = 1024;

export class ShipperObservation {
  /** Last LSN sent per data connection id (W2). */
  private readonly lastSentByConn = new Map<number, number>();
  /** First out-of-order send seen, if any (W2): LSN `lsn` sent on connection `connID` after `prev`. */
  orderViolation: { readonly connID: number; readonly lsn: number; readonly prev: number } | null = null;
  /** First live ship of an entry whose epoch differed from the current epoch (W14). */
  epochViolation: string | null = null;
  droppedStaleEpoch = 0;
  private transitionSeq = 0;
  private readonly log: ShipperTransition[] = [];
  private handshakeSeq = 0;
  lastHandshake: HandshakeRecord | null = null;
  lastBarrier: BarrierReplyRecord | null = null;

  noteShipAttempt(entryEpoch: number, currentEpoch: number): void {
    if (entryEpoch !== currentEpoch && this.epochViolation === null) {
      this.epochViolation = `shipped entry with epoch ${entryEpoch} while the primary is at epoch ${currentEpoch}`;
    }
  }

  /** The last LSN sent on connection `connID` (undefined if none). */
  lastSentOn(connID: number): number | undefined {
    return this.lastSentByConn.get(connID);
  }

  noteSent(connID: number, lsn: number): void {
    const prev = this.lastSentByConn.get(connID);
    if (prev !== undefined && lsn <= prev && this.orderViolation === null) {
      this.orderViolation = { connID, lsn, prev };
    }
    this.lastSentByConn.set(connID, lsn);
  }

  noteCatchupStreamed(lsn: number): void {
    const h = this.lastHandshake;
    if (h !== null && h.firstStreamedLSN === null) h.firstStreamedLSN = lsn;
  }

  noteHandshake(status: number, R: number, S: number, H: number, result: ReplicaState): void {
    this.handshakeSeq += 1;
    this.lastHandshake = { seq: this.handshakeSeq, status, R, S, H, result, firstStreamedLSN: null };
  }

  noteBarrierReply(lsnMax: number, status: number, flushedLSN: number): void {
    this.lastBarrier = { lsnMax, status, flushedLSN };
  }

  noteTransition(from: ReplicaState, to: ReplicaState, cause: TransitionCause): void {
    this.transitionSeq += 1;
    this.log.push({ seq: this.transitionSeq, from, to, cause });
    if (this.log.length > MAX_TRANSITIONS) this.log.splice(0, this.log.length - MAX_TRANSITIONS);
  }

  /** Transitions with seq > `afterSeq` still in the bounded log: seqs are consecutive, so the last `transitionSeq - afterSeq`. */
  transitionsSince(afterSeq: number): readonly ShipperTransition[] {
    const n = Math.min(this.log.length, this.transitionSeq - afterSeq);
    return n > 0 ? this.log.slice(this.log.length - n) : [];
  }

  lastTransitionSeq(): number {
    return this.transitionSeq;
  }
}
