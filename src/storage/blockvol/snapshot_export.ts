// The primary-side rebuild sources (spec §10.10 rebuild server): full extent (ForceFlush first,
// then snapshotLSN = nextLSN, extent in chunks) and snapshot export at an exact base LSN (ForceFlush,
// live checkpoint must equal the base, else SNAPSHOT_BOUNDARY_MISMATCH). Port simplification: the
// snapshot image is the flushed extent read in one step (no CoW delta files), and the manifest
// carries a CRC-32 of the image where upstream uses SHA-256.

import { crc32 } from '../crc32.ts';
import { ERR_SNAPSHOT_BOUNDARY_MISMATCH, StorageError, storageErr } from '../errors.ts';
import { flushSteps } from './flusher.ts';
import type { Steps } from './locks.ts';
import { readExtent } from './read_path.ts';
import type { VolumeState } from './volume_state.ts';
import { M, mark } from '../../marks/index.ts';

export const ERR_FLUSH_FAILED = 'flush_failed';

export interface FullExtentExport {
  readonly chunks: readonly Uint8Array[];
  readonly snapshotLSN: number;
}

export interface SnapshotManifest {
  readonly baseLSN: number;
  readonly volumeSize: number;
  readonly blockSize: number;
  readonly imageCRC32: number;
}

export interface SnapshotExport {
  readonly image: Uint8Array;
  readonly chunks: readonly Uint8Array[];
  readonly manifest: SnapshotManifest;
}

function chunk(img: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < img.length; off += size) out.push(img.slice(off, Math.min(img.length, off + size)));
  return out;
}

export function* exportFullExtentSteps(v: VolumeState): Steps<FullExtentExport | StorageError> {
  const ferr = yield* flushSteps(v);
  if (ferr) return mark(M.storage_export_full_flush_failed), new StorageError(ERR_FLUSH_FAILED, `FLUSH_FAILED: ${ferr.message}`, ferr);
  const snapshotLSN = v.nextLSN;
  yield 'export:boundary-fixed';
  const img = readExtent(v);
  if (img instanceof StorageError) return mark(M.storage_export_read_error), img;
  mark(M.storage_export_full_ok);
  return { chunks: chunk(img, v.tun.exportChunkSize), snapshotLSN };
}

export function* exportSnapshotSteps(v: VolumeState, baseLSN: number): Steps<SnapshotExport | StorageError> {
  const ferr = yield* flushSteps(v);
  if (ferr) return mark(M.storage_export_snapshot_flush_failed), new StorageError(ERR_FLUSH_FAILED, `FLUSH_FAILED: ${ferr.message}`, ferr);
  if (v.flusherCheckpoint !== baseLSN)
    return mark(M.storage_export_snapshot_boundary_mismatch), storageErr(ERR_SNAPSHOT_BOUNDARY_MISMATCH, `SNAPSHOT_BOUNDARY_MISMATCH: checkpoint ${v.flusherCheckpoint} != requested base ${baseLSN}`);
  const img = readExtent(v);
  if (img instanceof StorageError) return mark(M.storage_export_read_error), img;
  mark(M.storage_export_snapshot_ok);
  return {
    image: img,
    chunks: chunk(img, v.tun.exportChunkSize),
    manifest: { baseLSN, volumeSize: v.geo.volumeSize, blockSize: v.geo.blockSize, imageCRC32: crc32(img) },
  };
}
