// TruncateToLSN (spec §10.10, replica-ahead correction): pause the flusher (flushMu, no flush),
// take ioMu exclusively, then the exact safety predicate super.WALCheckpointLSN == t, else
// ErrTruncationUnsafe (wrapping the engine's ERR_TRUNCATION_UNSAFE). On success: clear the dirty
// map, reset the WAL, superblock WALHead = WALTail = 0 and checkpoint t (write + fsync), live
// checkpoint t, nextLSN := t + 1, receiver receivedLSN := t (flushedLSN untouched: hazard H3).
// Switches: B23 checks before pausing/draining; B31 skips the exclusive ioMu.

import { bugOn } from './bugs.ts';
import { type StorageError, truncationUnsafe } from './errors.ts';
import { lockSteps, type Steps } from './locks.ts';
import { recordReset } from './reset_record.ts';
import { persistSuperblockSteps } from './superblock_persist.ts';
import { ownerName, type VolumeState } from './volume_state.ts';

function predicate(v: VolumeState, t: number): StorageError | null {
  const cp = v.sb.walCheckpointLSN;
  if (cp === t) return null;
  return truncationUnsafe(cp > t ? `checkpoint ${cp} > truncate LSN ${t}: ahead entries already flushed to the extent` : `checkpoint ${cp} < truncate LSN ${t}: part of the kept range exists only in the WAL`);
}

export function* truncateSteps(v: VolumeState, t: number): Steps<StorageError | null> {
  const owner = ownerName(v, 'truncate');
  const early = bugOn(v.bugs, 'B23');
  if (early) {
    const bad = predicate(v, t);
    if (bad) return bad;
    yield 'truncate:checked';
  }
  yield* lockSteps(v.locks.flushMu, owner); // Pause(): no flush
  const exclusive = !bugOn(v.bugs, 'B31');
  try {
    yield 'truncate:flusher-paused';
    if (exclusive) yield* lockSteps(v.locks.ioMu, owner);
    try {
      yield 'truncate:io-drained';
      if (!early) {
        const bad = predicate(v, t);
        if (bad) return bad;
      }
      const checkpointAtReset = v.sb.walCheckpointLSN;
      v.dirty.clear();
      const zerr = v.wal.reset(v.tun.scrubStaleWAL);
      if (zerr) return zerr;
      const perr = yield* persistSuperblockSteps(v, owner, (sb) => {
        sb.walHead = 0;
        sb.walTail = 0;
        sb.walCheckpointLSN = t;
      });
      if (perr) return perr;
      v.flusherCheckpoint = t;
      v.nextLSN = t + 1;
      let received: number | null = null;
      if (v.receiverHooks) {
        v.receiverHooks.setReceivedLSN(t);
        received = t;
      }
      recordReset(v, 'truncate', t, checkpointAtReset, received);
      return null;
    } finally {
      if (exclusive) v.locks.ioMu.unlock(owner);
    }
  } finally {
    v.locks.flushMu.unlock(owner);
  }
}
