// Builds the ResetRecord a truncate, install or V1 install leaves behind (the W11/W12 checks consume it).

import { readImage } from './read_path.ts';
import type { ResetKind, ResetRecord, VolumeState } from './volume_state.ts';

export function recordReset(v: VolumeState, kind: ResetKind, lsn: number, checkpointAtReset: number, receivedLSNSet: number | null): ResetRecord {
  const img = readImage(v, true);
  const rec: ResetRecord = {
    seq: v.resets.length + 1,
    kind,
    lsn,
    checkpointAtReset,
    walEmpty: v.wal.head() === v.wal.tail(),
    dirtyEmpty: v.dirty.size() === 0,
    liveCheckpoint: v.flusherCheckpoint,
    persistedCheckpoint: v.sb.walCheckpointLSN,
    nextLSN: v.nextLSN,
    receivedLSNSet,
    image: img instanceof Uint8Array ? img : new Uint8Array(0),
  };
  v.resets.push(rec);
  return rec;
}
