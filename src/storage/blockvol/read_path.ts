// The read path (spec §10.3): dirty map first (the WAL entry at the recorded offset, accepted
// only if its header LSN matches; TRIM reads as zeros; on mismatch re-check the dirty map and
// fall back to the extent), else the extent. A WAL entry that fails its CRC is reported as a
// corrupt_sector disk error, never returned. One read is one atomic step.

import { inspectOrRead } from '../disk.ts';
import { diskErr, type StorageError } from '../errors.ts';
import { readWALEntryAt } from './flusher.ts';
import { EntryType, type WALEntry } from './wal_entry.ts';
import type { VolumeState } from './volume_state.ts';

/** Read `count` blocks starting at `lba` into a new buffer. Bounds are the caller's. */
export function readBlocks(v: VolumeState, lba: number, count: number, inspect = false): Uint8Array | StorageError {
  const bs = v.geo.blockSize;
  const out = new Uint8Array(count * bs);
  const ext = inspectOrRead(v.disk, v.geo.extentOffset + lba * bs, count * bs, inspect);
  if (!(ext instanceof Uint8Array)) return diskErr('read extent', ext);
  out.set(ext);
  let cachedOffset = -1;
  let cached: WALEntry | null = null;
  for (let i = 0; i < count; i++) {
    const b = lba + i;
    for (let attempt = 0; attempt < 2; attempt++) {
      const d = v.dirty.get(b);
      if (!d) break;
      let entry: WALEntry | null | StorageError;
      if (d.walOffset === cachedOffset && cached && cached.lsn === d.lsn) entry = cached;
      else entry = readWALEntryAt(v, d.walOffset, d.lsn, inspect);
      if (entry instanceof Error) return entry;
      if (entry === null) {
        if (v.dirty.lsnOf(b) !== d.lsn) continue; // map changed: look again
        break; // slot reused and map unchanged: extent
      }
      cachedOffset = d.walOffset;
      cached = entry;
      if (entry.type === EntryType.Write) {
        const off = (b - entry.lba) * bs;
        out.set(entry.data.subarray(off, off + bs), i * bs);
      } else {
        out.fill(0, i * bs, (i + 1) * bs);
      }
      break;
    }
  }
  return out;
}

/** The readable content of the whole volume (for reset records and checks). */
export function readImage(v: VolumeState, inspect = false): Uint8Array | StorageError {
  return readBlocks(v, 0, v.geo.numBlocks, inspect);
}

/** The extent region as it is on the (cached) disk, without the dirty map. */
export function readExtent(v: VolumeState, inspect = false): Uint8Array | StorageError {
  const r = inspectOrRead(v.disk, v.geo.extentOffset, v.geo.volumeSize, inspect);
  return r instanceof Uint8Array ? r : diskErr('read extent', r);
}
