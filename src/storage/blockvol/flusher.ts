// The flusher (spec §10.4): one FlushOnce cycle under flushMu. Snapshot the dirty map; read each
// distinct WAL entry once (B32 switch: once per dirty block; counters flushBuffersRead /
// flushDistinctEntries expose it, both added when the reads of a cycle are done, so a cycle
// aborted by an I/O error counts nothing); write blocks (TRIM = zeros) to the extent; fsync; drop
// dirty entries whose LSN is unchanged; then the retention floor F: if F exists and maxLSN > F,
// hold (checkpoint := F, even below the previous checkpoint: hazard H2; tail not advanced), else
// checkpoint := maxLSN and AdvanceTail(maxWALEnd); persist the superblock. The checkpoint comes
// from this batch only (with H11 it can pass an entry not yet in the dirty map).
// Port choice: a batch in which every entry was skipped (slot reused) leaves the checkpoint alone.

import { bugOn } from './bugs.ts';
import { DiskError, inspectOrRead } from '../disk.ts';
import { diskErr, type StorageError } from '../errors.ts';
import { lockSteps, type Steps } from './locks.ts';
import { persistSuperblockSteps } from './superblock_persist.ts';
import { decodeWALEntry, EntryType, peekLength, peekLSN, WAL_ENTRY_HEADER_SIZE, WAL_ENTRY_PREFIX_SIZE, type WALEntry } from './wal_entry.ts';
import type { DirtyEntry } from './dirty_map.ts';
import { ownerName, retentionFloor, type VolumeState } from './volume_state.ts';
import { M, mark } from '../../marks/index.ts';

/** Read and decode the WAL entry at a physical offset; null if the slot holds another LSN. */
export function readWALEntryAt(v: VolumeState, walOffset: number, expectLSN: number, inspect = false): WALEntry | null | StorageError {
  const hdr = inspectOrRead(v.disk, v.geo.walOffset + walOffset, Math.min(WAL_ENTRY_PREFIX_SIZE, v.geo.walSize - walOffset), inspect);
  if (!(hdr instanceof Uint8Array)) return diskErr('read WAL header', hdr);
  if (hdr.length < WAL_ENTRY_PREFIX_SIZE || peekLSN(hdr) !== expectLSN) return null;
  const type = hdr[16]!;
  const length = peekLength(hdr);
  const size = WAL_ENTRY_HEADER_SIZE + (type === EntryType.Write || type === EntryType.Padding ? length : 0);
  if (walOffset + size > v.geo.walSize) return diskErr('read WAL entry', new DiskError('corrupt_sector', `entry at WAL+${walOffset} spans the region end`));
  const buf = inspectOrRead(v.disk, v.geo.walOffset + walOffset, size, inspect);
  if (!(buf instanceof Uint8Array)) return diskErr('read WAL entry', buf);
  const d = decodeWALEntry(buf, 0);
  if (d.err) return diskErr('read WAL entry', new DiskError('corrupt_sector', d.err.message));
  return d.entry;
}

export function* flushSteps(v: VolumeState): Steps<StorageError | null> {
  const owner = ownerName(v, 'flush');
  yield* lockSteps(v.locks.flushMu, owner);
  try {
    const snap = v.dirty.snapshot();
    const unpublishedAtSnap = [...v.unpublished];
    if (snap.length === 0) return null;
    yield 'flush:snapshot';
    const groups = groupByOffset(snap, bugOn(v.bugs, 'B32'));
    let maxLSN = 0;
    let maxWALEnd = 0;
    let buffersRead = 0;
    const bs = v.geo.blockSize;
    const zeros = new Uint8Array(bs);
    for (const group of groups) {
      const first = group[0]!;
      const entry = readWALEntryAt(v, first.walOffset, first.lsn);
      buffersRead++;
      if (entry === null) continue;
      if (!isEntry(entry)) return mark(M.storage_flush_wal_read_error), entry;
      for (const d of group) {
        if (d.lsn !== entry.lsn) continue;
        const block = entry.type === EntryType.Write ? entry.data.subarray((d.lba - entry.lba) * bs, (d.lba - entry.lba + 1) * bs) : zeros;
        const werr = v.disk.write(v.geo.extentOffset + d.lba * bs, block);
        if (werr) return mark(M.storage_flush_extent_write_error), diskErr(`flusher: write extent at LBA ${d.lba}`, werr);
      }
      const end = first.walOffset + WAL_ENTRY_HEADER_SIZE + entry.data.length;
      if (end > maxWALEnd) maxWALEnd = end;
      if (entry.lsn > maxLSN) maxLSN = entry.lsn;
      yield 'flush:extent-write';
    }
    v.flushBuffersRead += buffersRead;
    v.flushDistinctEntries += countDistinct(snap);
    const serr = v.disk.fsync();
    if (serr) return mark(M.storage_flush_fsync_error), diskErr('flusher: fsync extent', serr);
    yield 'flush:extent-synced';
    for (const d of snap) if (v.dirty.lsnOf(d.lba) === d.lsn) v.dirty.delete(d.lba);
    if (maxLSN === 0) return null;
    v.retentionBudgetHook?.();
    const floor = retentionFloor(v);
    let checkpoint: number;
    if (floor.found && maxLSN > floor.lsn) {
      checkpoint = floor.lsn; // hold: tail stays (H2: may lower the checkpoint)
      if (checkpoint < v.flusherCheckpoint) v.holdLowering = { from: v.flusherCheckpoint, to: checkpoint };
    } else {
      checkpoint = maxLSN;
      for (const [lsn, u] of unpublishedAtSnap) if (lsn <= maxLSN) for (let i = 0; i < u.blocks; i++) v.passedUnpublished.set(u.lba + i, { lsn, checkpoint: maxLSN });
      if (maxWALEnd > 0) v.wal.advanceTail(maxWALEnd);
    }
    v.flusherCheckpoint = checkpoint;
    // A scheduling point: flusher.go flushOnceLocked holds only flushMu between AdvanceTail and
    // updateSuperblockCheckpoint, so StatusSnapshot, the pinner and writers run here (H23).
    yield 'flush:before-superblock';
    return yield* persistSuperblockSteps(v, owner, (sb) => {
      sb.walCheckpointLSN = checkpoint;
      sb.walHead = v.wal.head();
      sb.walTail = v.wal.tail();
    });
  } finally {
    v.locks.flushMu.unlock(owner);
  }
}

function isEntry(x: WALEntry | StorageError): x is WALEntry {
  return !(x instanceof Error);
}

/** Dirty entries grouped by WAL offset (first-seen order); B32: one group per block. */
function groupByOffset(snap: readonly DirtyEntry[], perBlock: boolean): DirtyEntry[][] {
  if (perBlock) return snap.map((d) => [d]);
  const byOffset = new Map<string, DirtyEntry[]>();
  for (const d of snap) {
    // Key by offset and LSN: a stale entry (its slot reused by a later LSN) must not share a group
    // with the slot's live entry — upstream checks each dirty entry's header LSN (flusher.go Step 2b).
    const key = `${d.walOffset}:${d.lsn}`;
    const g = byOffset.get(key);
    if (g) g.push(d);
    else byOffset.set(key, [d]);
  }
  return [...byOffset.values()];
}

function countDistinct(snap: readonly DirtyEntry[]): number {
  return new Set(snap.map((d) => `${d.walOffset}:${d.lsn}`)).size;
}
