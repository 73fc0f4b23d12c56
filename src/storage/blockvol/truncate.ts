// TruncateToLSN (spec §10.10, replica-ahead correction): pause the flusher (flushMu, no flush),
// take ioMu exclusively, then the exact safety predicate super.WALCheckpointLSN == t, else
// ErrTruncationUnsafe (wrapping the engine's ERR_TRUNCATION_UNSAFE). On success: clear the dirty
// map, reset the WAL, superblock WALHead = WALTail = 0 and checkpoint t (write + fsync), live
// checkpoint t, nextLSN := t + 1, receiver receivedLSN := t (flushedLSN untouched: hazard H3).
// Switches: B23 checks before pausing/draining; B31 skips the exclusive ioMu.

import { bugOn } from './bugs.ts';
import { type StorageError, truncationUnsafe } from '../errors.ts';
import { lockSteps, type Steps } from './locks.ts';
import { resetToCheckpointSteps } from './reset.ts';
import { ownerName, type VolumeState } from './volume_state.ts';
import { M, mark } from '../../marks/index.ts';

function predicate(v: VolumeState, t: number): StorageError | null {
  const cp = v.sb.walCheckpointLSN;
  if (cp === t) return null;
  mark(cp > t ? M.storage_truncate_unsafe_flushed_ahead : M.storage_truncate_unsafe_wal_only);
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
      mark(M.storage_truncate_accepted);
      return yield* resetToCheckpointSteps(v, owner, 'truncate', t, t + 1, t);
    } finally {
      if (exclusive) v.locks.ioMu.unlock(owner);
    }
  } finally {
    v.locks.flushMu.unlock(owner);
  }
}
