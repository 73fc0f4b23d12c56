// The primary write path (spec §10.3) and the replica/rebuild apply paths (§10.5, §10.10) as
// step generators. WriteLBA/Trim: ioMu shared, write gate, bounds, then under shipMu allocate
// `lsn = nextLSN++`, append (retrying on WAL full: each retry yields 'write:wal-full-wait', the
// flusher nudge), ship to every hook, release shipMu; the dirty-map publication is a separate
// step after shipMu is released (hazard H11 is reachable by interleaving). A failed append leaves
// the allocated LSN burned (hazard H1). Both hazards are kept: they are the target's behaviour.

import {
  ERR_ALIGNMENT,
  ERR_EPOCH_MISMATCH,
  ERR_LEASE_EXPIRED,
  ERR_NOT_ADMITTED,
  ERR_NOT_PRIMARY,
  ERR_OUT_OF_BOUNDS,
  ERR_VOLUME_CLOSED,
  ERR_WAL_FULL,
  type StorageError,
  storageErr,
} from '../errors.ts';
import { lockSteps, rlockSteps, type Steps } from './locks.ts';
import { EntryType, trimEntry, type WALEntry, writeEntry } from './wal_entry.ts';
import { ownerName, type VolumeState } from './volume_state.ts';
import { M, mark } from '../../marks/index.ts';

export interface WriteResult {
  readonly lsn: number;
  readonly err: StorageError | null;
}

export type WriteOp = { readonly kind: 'write'; readonly lba: number; readonly data: Uint8Array } | { readonly kind: 'trim'; readonly lba: number; readonly bytes: number };

/** Write gate: role primary needs epoch == masterEpoch and a valid lease; role none skips. */
export function writeGate(v: VolumeState): StorageError | null {
  if (v.role === 'none') return null;
  if (v.role !== 'primary') return mark(M.storage_write_not_primary), storageErr(ERR_NOT_PRIMARY, `blockvol: not primary (role ${v.role})`);
  if (v.sb.epoch !== v.masterEpoch) return mark(M.storage_write_epoch_mismatch), storageErr(ERR_EPOCH_MISMATCH, `blockvol: epoch ${v.sb.epoch} != master epoch ${v.masterEpoch}`);
  if (!v.leaseValid) return mark(M.storage_write_lease_expired), storageErr(ERR_LEASE_EXPIRED, 'blockvol: lease expired');
  return null;
}

export function checkBounds(v: VolumeState, lba: number, bytes: number): StorageError | null {
  const bs = v.geo.blockSize;
  if (bytes <= 0 || bytes % bs !== 0) return mark(M.storage_write_bad_request), storageErr(ERR_ALIGNMENT, `blockvol: length ${bytes} not a positive multiple of block size ${bs}`);
  if (!Number.isSafeInteger(lba) || lba < 0 || lba * bs + bytes > v.geo.volumeSize)
    return mark(M.storage_write_bad_request), storageErr(ERR_OUT_OF_BOUNDS, `blockvol: LBA ${lba} + ${bytes} bytes beyond volume size ${v.geo.volumeSize}`);
  return null;
}

/** Blocks covered by an entry (TRIM of fewer bytes than a block counts as one, legacy). */
export function entryBlocks(e: WALEntry, blockSize: number): number {
  const n = Math.floor(e.length / blockSize);
  return e.type === EntryType.Trim && n === 0 ? 1 : n;
}

/**
 * dirty_map.go Put for every block of the entry: it overwrites whatever is there, so a
 * publication that runs after a newer entry's (H11) leaves the older data mapped. The volume
 * records such inversions for the checks (publishInversions).
 */
export function publishDirty(v: VolumeState, e: WALEntry, walOffset: number): void {
  const n = entryBlocks(e, v.geo.blockSize);
  v.unpublished.delete(e.lsn);
  for (let i = 0; i < n; i++) {
    const lba = e.lba + i;
    v.dirty.put(lba, walOffset, e.lsn);
    const newest = v.publishedLSN[lba]!;
    if (newest > e.lsn) v.publishInversions.set(lba, { lsn: e.lsn, over: newest });
    else { v.publishedLSN[lba] = e.lsn; v.publishInversions.delete(lba); }
  }
}

export function* writeSteps(v: VolumeState, op: WriteOp): Steps<WriteResult> {
  const owner = ownerName(v, op.kind);
  if (v.closed) return mark(M.storage_write_volume_closed), { lsn: 0, err: storageErr(ERR_VOLUME_CLOSED, 'blockvol: volume closed') };
  yield* rlockSteps(v.locks.ioMu, owner);
  try {
    const gate = writeGate(v);
    if (gate) return { lsn: 0, err: gate };
    const bytes = op.kind === 'write' ? op.data.length : op.bytes;
    const bad = checkBounds(v, op.lba, bytes);
    if (bad) return { lsn: 0, err: bad };
    yield `${op.kind}:before-shipMu`;
    yield* lockSteps(v.locks.shipMu, owner);
    let entry: WALEntry;
    let walOffset: number;
    try {
      const lsn = v.nextLSN++;
      entry = op.kind === 'write' ? writeEntry(lsn, v.sb.epoch, op.lba, op.data.slice()) : trimEntry(lsn, v.sb.epoch, op.lba, op.bytes);
      v.inFlight.push(lsn);
      const r = yield* appendWithRetry(v, entry, v.tun.walFullRetries);
      v.inFlight.splice(v.inFlight.indexOf(lsn), 1);
      if (r.err) { v.burned.push(lsn); return { lsn: 0, err: r.err }; } // LSN burned (H1)
      walOffset = r.offset;
      v.unpublished.set(lsn, { lba: op.lba, blocks: entryBlocks(entry, v.geo.blockSize) });
      if (v.closed) return mark(M.storage_write_volume_closed), { lsn: 0, err: storageErr(ERR_VOLUME_CLOSED, 'blockvol: volume closed') };
      for (const ship of v.shipHooks) ship(entry);
    } finally {
      v.locks.shipMu.unlock(owner);
    }
    yield `${op.kind}:shipped`; // H11 window: the entry is in the WAL but not in the dirty map
    publishDirty(v, entry, walOffset);
    return { lsn: entry.lsn, err: null };
  } finally {
    v.locks.ioMu.runlock(owner);
  }
}

/** Append, retrying on ErrWALFull up to `retries` times (each retry yields the flusher nudge). */
export function* appendWithRetry(v: VolumeState, entry: WALEntry, retries: number): Steps<{ offset: number; err: null } | { offset: 0; err: StorageError }> {
  for (let attempt = 0; ; attempt++) {
    const r = v.wal.append(entry);
    if (!r.err) return { offset: r.offset, err: null };
    if (r.err.is(ERR_WAL_FULL) && attempt >= retries) mark(M.storage_wal_full_gave_up);
    if (!r.err.is(ERR_WAL_FULL) || attempt >= retries) return { offset: 0, err: r.err };
    mark(M.storage_wal_full_retry);
    yield 'write:wal-full-wait';
  }
}

/**
 * Replica apply (receiver applyEntry's storage half): under ioMu shared ask `admit` (the
 * receiver's epoch/contiguity checks; a refusal applies nothing and answers not_admitted), append,
 * publish to the dirty map, CAS-advance nextLSN.
 */
export function* appendReplicaEntrySteps(v: VolumeState, entry: WALEntry, retries: number, admit?: () => boolean): Steps<StorageError | null> {
  const owner = ownerName(v, 'apply');
  yield* rlockSteps(v.locks.ioMu, owner);
  try {
    if (admit !== undefined && !admit()) return mark(M.storage_apply_not_admitted), storageErr(ERR_NOT_ADMITTED, 'replica apply: refused by the receiver (stale epoch, duplicate or gap)');
    if (entry.type === EntryType.Write || entry.type === EntryType.Trim) {
      const bad = checkBounds(v, entry.lba, entry.type === EntryType.Write ? entry.data.length : Math.max(entry.length, v.geo.blockSize));
      if (bad) return bad;
    }
    const r = yield* appendWithRetry(v, entry, retries);
    if (r.err) return r.err;
    v.applying.push(entry.lsn);
    yield 'apply:appended'; // the entry is in the WAL but not yet in the dirty map (B31 window)
    v.applying.splice(v.applying.indexOf(entry.lsn), 1);
    if (entry.type === EntryType.Write || entry.type === EntryType.Trim) publishDirty(v, entry, r.offset);
    if (entry.lsn + 1 > v.nextLSN) v.nextLSN = entry.lsn + 1;
    return null;
  } finally {
    v.locks.ioMu.runlock(owner);
  }
}
