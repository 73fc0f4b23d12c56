// RebuildInstaller (spec §10.10): WriteChunk writes sequential chunks into the extent (rejected
// after commit and past the volume size; chunks land before validation, so a failed transfer
// leaves a mixed extent). Commit(s), once: pause the flusher, ioMu exclusive (B31: not), fsync,
// clear the dirty map, reset the WAL, superblock WALHead = WALTail = 0 and checkpoint s - 1
// (0 if s == 0), live checkpoint likewise, nextLSN := s (plain store, may lower it), receiver
// receivedLSN := s - 1 (plain store).
// CommitV1(s), once: the handoff V1's rebuildFullExtent (rebuild.go) does inline — no flusher
// pause and no ioMu, fsync, clear the dirty map, reset the WAL, superblock WALHead = WALTail = 0
// and checkpoint s - 1, live checkpoint likewise; nextLSN and receivedLSN are left alone (V1's
// syncLSNAfterRebuild raises them later, never lowering either).

import { bugOn } from './bugs.ts';
import { diskErr, ERR_INSTALLER_COMMITTED, ERR_OUT_OF_BOUNDS, type StorageError, storageErr } from '../errors.ts';
import { lockSteps, runOrBusy, type Steps } from './locks.ts';
import { resetToCheckpointSteps, resetWALSteps } from './reset.ts';
import { recordReset } from './reset_record.ts';
import { ownerName, type VolumeState } from './volume_state.ts';
import { M, mark } from '../../marks/index.ts';

export class RebuildInstaller {
  private position = 0;
  private committed = false;

  constructor(private readonly v: VolumeState) {}

  /** Bytes written so far. */
  written(): number {
    return this.position;
  }

  writeChunk(data: Uint8Array): StorageError | null {
    if (this.committed) return mark(M.storage_install_chunk_refused), storageErr(ERR_INSTALLER_COMMITTED, 'rebuild installer: chunk after commit');
    if (this.position + data.length > this.v.geo.volumeSize)
      return mark(M.storage_install_chunk_refused), storageErr(ERR_OUT_OF_BOUNDS, `rebuild installer: chunk past volume size (${this.position}+${data.length} > ${this.v.geo.volumeSize})`);
    const err = this.v.disk.write(this.v.geo.extentOffset + this.position, data);
    if (err) return mark(M.storage_install_chunk_disk_error), diskErr('rebuild installer: write chunk', err);
    this.position += data.length;
    return null;
  }

  commit(s: number): StorageError | null {
    return runOrBusy(this.commitSteps(s), (e) => e);
  }

  *commitSteps(s: number): Steps<StorageError | null> {
    const v = this.v;
    if (this.committed) return mark(M.storage_install_already_committed), storageErr(ERR_INSTALLER_COMMITTED, 'rebuild installer: already committed');
    this.committed = true;
    const owner = ownerName(v, 'install');
    yield* lockSteps(v.locks.flushMu, owner);
    const exclusive = !bugOn(v.bugs, 'B31');
    try {
      yield 'install:flusher-paused';
      if (exclusive) yield* lockSteps(v.locks.ioMu, owner);
      try {
        yield 'install:io-drained';
        const serr = v.disk.fsync();
        if (serr) return mark(M.storage_install_fsync_error), diskErr('rebuild installer: fsync', serr);
        yield 'install:synced';
        mark(M.storage_install_committed);
        return yield* resetToCheckpointSteps(v, owner, 'install', s > 0 ? s - 1 : 0, s, s);
      } finally {
        if (exclusive) v.locks.ioMu.unlock(owner);
      }
    } finally {
      v.locks.flushMu.unlock(owner);
    }
  }

  /**
   * V1 rebuildFullExtent's handoff (not a V2 primitive). Go runs it with no lock of its own, so a
   * flush cycle or a replica apply may run between its steps. Errors: `fsync extent: …`, then
   * the superblock's (`write superblock: …`, `fsync superblock: …`; Go: `sync superblock`).
   */
  commitV1(s: number): StorageError | null {
    return runOrBusy(this.commitV1Steps(s), (e) => e);
  }

  *commitV1Steps(s: number): Steps<StorageError | null> {
    const v = this.v;
    if (this.committed) return mark(M.storage_install_already_committed), storageErr(ERR_INSTALLER_COMMITTED, 'rebuild installer: already committed');
    this.committed = true;
    const owner = ownerName(v, 'v1-install');
    const serr = v.disk.fsync();
    if (serr) return mark(M.storage_install_fsync_error), diskErr('fsync extent', serr);
    yield 'v1-install:synced';
    const checkpointAtReset = v.sb.walCheckpointLSN;
    const cp = s > 0 ? s - 1 : 0;
    const err = yield* resetWALSteps(v, owner, cp, 'v1-install:wal-reset');
    if (err) return err;
    recordReset(v, 'v1-install', s, checkpointAtReset, null);
    mark(M.storage_install_v1_committed);
    return null;
  }
}
