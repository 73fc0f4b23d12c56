// Storage errors (blockvol sentinels as stable codes). StorageError extends the engine's
// EngineError so `err.is(code)` works across layers (e.g. ErrTruncationUnsafe wraps the engine's
// ERR_TRUNCATION_UNSAFE). Disk-level failures are DiskError (disk.ts) and get wrapped with
// code 'disk_error' plus the disk code in the message.

import { EngineError, ERR_TRUNCATION_UNSAFE, errTruncationUnsafe } from '../engine/errors.ts';
import type { DiskError } from './disk.ts';

export class StorageError extends EngineError {
  constructor(code: string, message: string, wrapped?: EngineError) {
    super(code, message, wrapped);
    this.name = 'StorageError';
  }
}

export const ERR_ENTRY_TRUNCATED = 'entry_truncated';
export const ERR_CRC_MISMATCH = 'crc_mismatch';
export const ERR_INVALID_ENTRY = 'invalid_entry';
export const ERR_WAL_FULL = 'wal_full';
export const ERR_WAL_RECYCLED = 'wal_recycled';
export const ERR_DISK = 'disk_error';
export const ERR_BAD_SUPERBLOCK = 'bad_superblock';
export const ERR_OUT_OF_BOUNDS = 'out_of_bounds';
export const ERR_ALIGNMENT = 'alignment';
export const ERR_NOT_PRIMARY = 'not_primary';
export const ERR_EPOCH_MISMATCH = 'epoch_mismatch';
export const ERR_LEASE_EXPIRED = 'lease_expired';
export const ERR_VOLUME_CLOSED = 'volume_closed';
export const ERR_INSTALLER_COMMITTED = 'installer_committed';
export const ERR_SNAPSHOT_BOUNDARY_MISMATCH = 'snapshot_boundary_mismatch';
export const ERR_LOCK_BUSY = 'lock_busy';
export const ERR_NOT_ADMITTED = 'not_admitted';
/** blockvol.ErrTruncationUnsafe: code of its own, wrapping the engine's ERR_TRUNCATION_UNSAFE. */
export const ERR_BLOCKVOL_TRUNCATION_UNSAFE = 'blockvol_truncation_unsafe';
export { ERR_TRUNCATION_UNSAFE };

export function storageErr(code: string, message: string): StorageError {
  return new StorageError(code, message);
}

export function diskErr(op: string, e: DiskError): StorageError {
  return new StorageError(ERR_DISK, `${op}: ${e.code}: ${e.message}`);
}

/** ErrTruncationUnsafe with detail; `.is(ERR_TRUNCATION_UNSAFE)` holds. */
export function truncationUnsafe(detail: string): StorageError {
  return new StorageError(ERR_BLOCKVOL_TRUNCATION_UNSAFE, `blockvol: truncation unsafe: ${detail}`, errTruncationUnsafe());
}
