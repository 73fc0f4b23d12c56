// The "one truth" reset shared by TruncateToLSN and RebuildInstaller.Commit (spec §10.10): with
// the flusher paused and I/O drained by the caller, clear the dirty map, reset the WAL, persist a
// superblock with WALHead = WALTail = 0 and checkpoint `cp`, set the live checkpoint, store
// nextLSN and the receiver's receivedLSN plainly (flushedLSN untouched: hazard H3), and record the
// reset for the W11/W12 checks.

import type { StorageError } from '../errors.ts';
import type { Steps } from './locks.ts';
import { recordReset } from './reset_record.ts';
import { persistSuperblockSteps } from './superblock_persist.ts';
import type { VolumeState } from './volume_state.ts';

export function* resetToCheckpointSteps(
  v: VolumeState,
  owner: string,
  kind: 'truncate' | 'install',
  cp: number,
  nextLSN: number,
  /** The LSN the reset record names: t for a truncate, s for an install. */
  recordLSN: number,
): Steps<StorageError | null> {
  const checkpointAtReset = v.sb.walCheckpointLSN;
  const err = yield* resetWALSteps(v, owner, cp, null);
  if (err) return err;
  v.nextLSN = nextLSN;
  let received: number | null = null;
  if (v.receiverHooks) {
    v.receiverHooks.setReceivedLSN(cp);
    received = cp;
  }
  recordReset(v, kind, recordLSN, checkpointAtReset, received);
  return null;
}

/**
 * The WAL half of every reset (truncate, install, V1's extent handoff): clear the dirty map, reset
 * the WAL, persist a superblock with WALHead = WALTail = 0 and checkpoint `cp`, set the live
 * checkpoint. `yieldAfterWALReset` names a scheduling point between the WAL reset and the
 * superblock write (V1's handoff has one: it holds no lock).
 */
export function* resetWALSteps(v: VolumeState, owner: string, cp: number, yieldAfterWALReset: string | null): Steps<StorageError | null> {
  v.dirty.clear();
  v.publishedLSN.fill(0);
  v.publishInversions.clear();
  v.burned = [];
  v.unpublished.clear();
  v.passedUnpublished.clear();
  const zerr = v.wal.reset(v.tun.scrubStaleWAL);
  if (zerr) return zerr;
  if (yieldAfterWALReset !== null) yield yieldAfterWALReset;
  const perr = yield* persistSuperblockSteps(v, owner, (sb) => {
    sb.walHead = 0;
    sb.walTail = 0;
    sb.walCheckpointLSN = cp;
  });
  if (perr) return perr;
  v.flusherCheckpoint = cp;
  v.holdLowering = null; // an explicit reset: a lowering before it no longer explains the WAL
  return null;
}
