// The blockvol superblock (spec §10.1): magic "SWBK", version 1, geometry, logical WALHead /
// WALTail, WALCheckpointLSN, Epoch, DurabilityMode, expand state. No checksum: Validate() checks
// magic, version, non-zero sizes, alignment and enum ranges, and CheckpointTrusted in the V2
// status is exactly "Validate passes". Encoded in SUPERBLOCK_ENCODED_SIZE (64) bytes at offset 0
// of a SUPERBLOCK_REGION (4096) bytes region; a write of it is atomic when the disk's sector size
// is >= 64 (a smaller sector size lets it tear, which Validate may not notice — as upstream).

import { ERR_BAD_SUPERBLOCK, StorageError, storageErr } from '../errors.ts';

export const SUPERBLOCK_REGION = 4096;
export const SUPERBLOCK_ENCODED_SIZE = 64;
export const SUPERBLOCK_MAGIC = 0x4b425753; // "SWBK" little-endian
export const SUPERBLOCK_VERSION = 1;

export const DurabilityMode = { BestEffort: 0, SyncAll: 1, SyncQuorum: 2 } as const;
export type DurabilityMode = (typeof DurabilityMode)[keyof typeof DurabilityMode];

export interface SuperblockFields {
  magic: number;
  version: number;
  durabilityMode: number;
  expandState: number;
  blockSize: number;
  walOffset: number;
  volumeSize: number;
  walSize: number;
  walHead: number;
  walTail: number;
  walCheckpointLSN: number;
  epoch: number;
}

const TWO_32 = 4294967296;

export function newSuperblock(blockSize: number, volumeSize: number, walSize: number, durabilityMode: number): SuperblockFields {
  return {
    magic: SUPERBLOCK_MAGIC,
    version: SUPERBLOCK_VERSION,
    durabilityMode,
    expandState: 0,
    blockSize,
    walOffset: SUPERBLOCK_REGION,
    volumeSize,
    walSize,
    walHead: 0,
    walTail: 0,
    walCheckpointLSN: 0,
    epoch: 0,
  };
}

export function encodeSuperblock(sb: SuperblockFields): Uint8Array {
  const out = new Uint8Array(SUPERBLOCK_ENCODED_SIZE);
  const v = new DataView(out.buffer);
  v.setUint32(0, sb.magic, true);
  v.setUint16(4, sb.version, true);
  v.setUint8(6, sb.durabilityMode);
  v.setUint8(7, sb.expandState);
  v.setUint32(8, sb.blockSize, true);
  v.setUint32(12, sb.walOffset, true);
  const u64 = [sb.volumeSize, sb.walSize, sb.walHead, sb.walTail, sb.walCheckpointLSN, sb.epoch];
  u64.forEach((x, i) => {
    v.setUint32(16 + 8 * i, x % TWO_32, true);
    v.setUint32(20 + 8 * i, Math.floor(x / TWO_32), true);
  });
  return out;
}

export function decodeSuperblock(buf: Uint8Array): SuperblockFields {
  const v = new DataView(buf.buffer, buf.byteOffset, SUPERBLOCK_ENCODED_SIZE);
  const u64 = (i: number): number => v.getUint32(20 + 8 * i, true) * TWO_32 + v.getUint32(16 + 8 * i, true);
  return {
    magic: v.getUint32(0, true),
    version: v.getUint16(4, true),
    durabilityMode: v.getUint8(6),
    expandState: v.getUint8(7),
    blockSize: v.getUint32(8, true),
    walOffset: v.getUint32(12, true),
    volumeSize: u64(0),
    walSize: u64(1),
    walHead: u64(2),
    walTail: u64(3),
    walCheckpointLSN: u64(4),
    epoch: u64(5),
  };
}

/** Go's Superblock.Validate(): structural checks only (no checksum). */
export function validateSuperblock(sb: SuperblockFields): StorageError | null {
  const bad = (m: string): StorageError => storageErr(ERR_BAD_SUPERBLOCK, `blockvol: bad superblock: ${m}`);
  if (sb.magic !== SUPERBLOCK_MAGIC) return bad('magic');
  if (sb.version !== SUPERBLOCK_VERSION) return bad(`version ${sb.version}`);
  if (sb.blockSize === 0 || sb.volumeSize === 0 || sb.walSize === 0) return bad('zero size');
  if (sb.walOffset !== SUPERBLOCK_REGION) return bad(`WALOffset ${sb.walOffset}`);
  if (sb.volumeSize % sb.blockSize !== 0) return bad('volume size not block aligned');
  if (sb.durabilityMode > 2) return bad(`durability mode ${sb.durabilityMode}`);
  if (sb.expandState > 2) return bad(`expand state ${sb.expandState}`);
  return null;
}
