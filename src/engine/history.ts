// RetainedHistory (spec §8): the primary's WAL retention state as the recovery decision sees it.
// Answers "is (start, end] still replayable?", builds the handshake result, chooses the rebuild
// source, and writes the recoverability proof with the exact reason strings of §8.5.
import { RebuildSource } from './types.ts';
import type { HandshakeResult, RecoverabilityProof } from './types.ts';

export interface RetainedHistoryInit {
  readonly headLSN: number;
  readonly tailLSN: number;
  readonly committedLSN: number;
  readonly checkpointLSN: number;
  readonly checkpointTrusted: boolean;
}

export class RetainedHistory {
  /** Highest LSN written to the primary WAL. */
  readonly headLSN: number;
  /** Retention boundary, exclusive: LSNs > tailLSN are readable. 0 = nothing recycled. */
  readonly tailLSN: number;
  /** Lineage-safe boundary; the recovery target. */
  readonly committedLSN: number;
  /** Highest LSN contained in a durable base image. */
  readonly checkpointLSN: number;
  /** The base image is known to be usable. */
  readonly checkpointTrusted: boolean;

  constructor(init: RetainedHistoryInit) {
    this.headLSN = init.headLSN;
    this.tailLSN = init.tailLSN;
    this.committedLSN = init.committedLSN;
    this.checkpointLSN = init.checkpointLSN;
    this.checkpointTrusted = init.checkpointTrusted;
  }

  /**
   * Engine version (two conditions): false if the start was recycled (start < tail) or the end
   * is beyond the head. start == tail is recoverable; a reversed range is reported recoverable.
   * The no-holes condition of the prototype is not checkable here (see invariant I16).
   */
  isRecoverable(startExclusive: number, endInclusive: number): boolean {
    if (startExclusive < this.tailLSN) return false;
    if (endInclusive > this.headLSN) return false;
    return true;
  }

  /** {R, C, S} with S = tail + 1, or 0 when nothing was recycled. */
  makeHandshakeResult(replicaFlushedLSN: number): HandshakeResult {
    return {
      replicaFlushedLSN,
      committedLSN: this.committedLSN,
      retentionStartLSN: this.tailLSN === 0 ? 0 : this.tailLSN + 1,
    };
  }

  /**
   * snapshot_tail at the checkpoint iff it is trusted, non-zero and (checkpoint, committed] is
   * recoverable; else full_base with snapshot LSN 0. The [later] fix (943000ae8) forces full_base
   * when committed is 0; `legacyB27` restores the target's behaviour without that rule (B27 also
   * undoes its companion a79cba0be, PlanRebuild's HeadLSN target for committed 0: driver.ts).
   */
  rebuildSourceDecision(opts: { legacyB27?: boolean } = {}): { source: RebuildSource; snapshotLSN: number } {
    if (opts.legacyB27 !== true && this.committedLSN === 0) {
      return { source: RebuildSource.FullBase, snapshotLSN: 0 };
    }
    if (this.checkpointTrusted && this.checkpointLSN > 0 && this.isRecoverable(this.checkpointLSN, this.committedLSN)) {
      return { source: RebuildSource.SnapshotTail, snapshotLSN: this.checkpointLSN };
    }
    return { source: RebuildSource.FullBase, snapshotLSN: 0 };
  }

  /** Explicit proof for a recovery decision, with the reason strings of spec §8.5. */
  proveRecoverability(replicaFlushedLSN: number): RecoverabilityProof {
    const r = replicaFlushedLSN;
    const c = this.committedLSN;
    // One literal per proof (no `{ ...base, reason }`: adding fields after a spread is slow on Node 20).
    const proof = (recoverable: boolean, reason: string): RecoverabilityProof =>
      ({ replicaFlushedLSN: r, committedLSN: c, tailLSN: this.tailLSN, headLSN: this.headLSN, recoverable, reason });
    if (r === c) return proof(true, 'zero_gap');
    if (r > c) return proof(true, 'replica_ahead_needs_truncation');
    if (this.isRecoverable(r, c)) return proof(true, `gap_within_retention: need LSN ${r + 1}-${c}, tail=${this.tailLSN} head=${this.headLSN}`);
    return proof(false, `gap_beyond_retention: need LSN ${r + 1} but tail=${this.tailLSN}`);
  }

  /** Plain value of all fields, for traces and fingerprints. */
  canonical(): RetainedHistoryInit {
    return {
      headLSN: this.headLSN,
      tailLSN: this.tailLSN,
      committedLSN: this.committedLSN,
      checkpointLSN: this.checkpointLSN,
      checkpointTrusted: this.checkpointTrusted,
    };
  }
}
