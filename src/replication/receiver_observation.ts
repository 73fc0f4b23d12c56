// What a replica receiver records for the checks (W2 replica side, W3, W14): how receivedLSN
// moved (contiguous applies vs explicit resets), the last change of flushedLSN and the barrier
// that justified it, and epoch-fencing slips. Cheap: counters and last values only.

export interface FlushRecord {
  readonly seq: number;
  readonly reqLSN: number;
  /** receivedLSN when the fsync was issued (must be >= reqLSN). */
  readonly receivedAtFsync: number;
  readonly fsynced: boolean;
  readonly flushedAfter: number;
}

export class ReceiverObservation {
  applied = 0;
  duplicates = 0;
  gapRejects = 0;
  staleEpochDrops = 0;
  decodeErrors = 0;
  applyErrors = 0;
  /** The entry (LSN, epoch) whose admitted apply failed last, as the receiver logged and went on. */
  lastApplyError: { readonly lsn: number; readonly epoch: number; readonly code: string } | null = null;
  catchupDoneSeen = 0;
  resets = 0;
  /** Every explicit receivedLSN store (truncate, install, SyncReceiverProgress), in order. */
  readonly stores: { readonly from: number; readonly to: number }[] = [];
  /** First apply that did not advance receivedLSN by exactly one (W2). */
  applyViolation: string | null = null;
  /** First apply of an entry whose epoch differed from the local epoch (W14). */
  epochViolation: string | null = null;
  /** First barrier answered OK for a foreign epoch (W14). */
  barrierEpochViolation: string | null = null;
  /** flushedLSN at construction (the checkpoint). */
  initialFlushed = 0;
  private flushSeq = 0;
  /** The barrier that last set flushedLSN, or null (W3). */
  lastFlush: FlushRecord | null = null;

  noteApply(prevReceived: number, lsn: number, entryEpoch: number, localEpoch: number): void {
    this.applied += 1;
    if (lsn !== prevReceived + 1 && this.applyViolation === null) {
      this.applyViolation = `applied LSN ${lsn} with receivedLSN ${prevReceived}`;
    }
    if (entryEpoch !== localEpoch && this.epochViolation === null) {
      this.epochViolation = `applied LSN ${lsn} of epoch ${entryEpoch} at local epoch ${localEpoch}`;
    }
  }

  noteStore(prevReceived: number, lsn: number): void {
    this.resets += 1;
    this.stores.push({ from: prevReceived, to: lsn });
  }

  /** The store that lowered receivedLSN below `bound` after the last store that set it to `bound` or above, if any (H22). */
  loweringBelow(bound: number): { readonly from: number; readonly to: number } | null {
    for (let i = this.stores.length - 1; i >= 0; i--) {
      const st = this.stores[i]!;
      if (st.to >= bound) return null;
      if (st.from >= bound) return st;
    }
    return null;
  }

  noteBarrierOK(reqEpoch: number, localEpoch: number): void {
    if (reqEpoch !== localEpoch && this.barrierEpochViolation === null) {
      this.barrierEpochViolation = `barrier of epoch ${reqEpoch} answered OK at local epoch ${localEpoch}`;
    }
  }

  noteFlush(reqLSN: number, receivedAtFsync: number, fsynced: boolean, flushedAfter: number): void {
    this.flushSeq += 1;
    this.lastFlush = { seq: this.flushSeq, reqLSN, receivedAtFsync, fsynced, flushedAfter };
  }
}
