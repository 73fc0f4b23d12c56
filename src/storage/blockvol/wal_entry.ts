// The blockvol WAL entry codec (spec §10.1): a 38-byte framed, little-endian record
//   LSN u64 | Epoch u64 | Type u8 | Flags u8 | LBA u64 | Length u32 | Data | CRC32 u32 | EntrySize u32
// CRC-32/IEEE covers LSN..end of Data; EntrySize = 38 + len(Data). WRITE and PADDING carry Length
// bytes of data; TRIM carries Length (bytes trimmed) but no data; BARRIER has neither.
// Decoding never throws: short buffer, CRC mismatch or EntrySize mismatch return an error.

import { crc32 } from '../crc32.ts';
import {
  ERR_CRC_MISMATCH,
  ERR_ENTRY_TRUNCATED,
  ERR_INVALID_ENTRY,
  StorageError,
  storageErr,
} from '../errors.ts';

export const WAL_ENTRY_HEADER_SIZE = 38;
/** Bytes before Data: LSN, Epoch, Type, Flags, LBA, Length. */
export const WAL_ENTRY_PREFIX_SIZE = 30;

export const EntryType = {
  Write: 0x01,
  Trim: 0x02,
  Barrier: 0x03,
  Padding: 0xff,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface WALEntry {
  readonly lsn: number;
  readonly epoch: number;
  readonly type: number;
  readonly flags: number;
  /** In blocks. */
  readonly lba: number;
  /** WRITE: data size; TRIM: bytes trimmed; BARRIER: 0; PADDING: padding payload size. */
  readonly length: number;
  /** Present (non-empty) only for WRITE and PADDING. */
  readonly data: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const TWO_32 = 4294967296;

/** Encoded size of an entry. */
export function walEntrySize(e: WALEntry): number {
  return WAL_ENTRY_HEADER_SIZE + e.data.length;
}

/** Shape check of Go's Encode; null when the entry is encodable. */
export function validateWALEntry(e: WALEntry): StorageError | null {
  switch (e.type) {
    case EntryType.Write:
      if (e.data.length === 0) return storageErr(ERR_INVALID_ENTRY, 'blockvol: invalid WAL entry: WRITE entry with no data');
      if (e.data.length !== e.length)
        return storageErr(ERR_INVALID_ENTRY, `blockvol: invalid WAL entry: data length ${e.data.length} != Length field ${e.length}`);
      break;
    case EntryType.Trim:
      if (e.data.length !== 0) return storageErr(ERR_INVALID_ENTRY, 'blockvol: invalid WAL entry: TRIM entry must have no data payload');
      break;
    case EntryType.Barrier:
      if (e.length !== 0 || e.data.length !== 0)
        return storageErr(ERR_INVALID_ENTRY, 'blockvol: invalid WAL entry: BARRIER entry must have no data');
      break;
    case EntryType.Padding:
      if (e.data.length !== e.length)
        return storageErr(ERR_INVALID_ENTRY, 'blockvol: invalid WAL entry: PADDING data length != Length');
      break;
    default:
      break;
  }
  return null;
}

// Little-endian fields read and written byte by byte (as DataView would, without allocating one
// per entry); a u32 is stored as ToUint32 of the value, like DataView.setUint32.

function putU32(b: Uint8Array, off: number, x: number): void {
  const v = x >>> 0;
  b[off] = v;
  b[off + 1] = v >>> 8;
  b[off + 2] = v >>> 16;
  b[off + 3] = v >>> 24;
}

function getU32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

function putU64(b: Uint8Array, off: number, x: number): void {
  putU32(b, off, x % TWO_32);
  putU32(b, off + 4, Math.floor(x / TWO_32));
}

function getU64(b: Uint8Array, off: number): number {
  return getU32(b, off + 4) * TWO_32 + getU32(b, off);
}

/** Encode into `out` at `offset` (must have room: RangeError otherwise). Returns bytes written. Assumes a valid entry. */
export function encodeWALEntryInto(e: WALEntry, out: Uint8Array, offset: number): number {
  const size = WAL_ENTRY_HEADER_SIZE + e.data.length;
  if (offset < 0 || offset + size > out.length) throw new RangeError(`WAL entry of ${size} bytes does not fit at ${offset} in ${out.length}`);
  putU64(out, offset, e.lsn);
  putU64(out, offset + 8, e.epoch);
  out[offset + 16] = e.type;
  out[offset + 17] = e.flags;
  putU64(out, offset + 18, e.lba);
  putU32(out, offset + 26, e.length);
  out.set(e.data, offset + WAL_ENTRY_PREFIX_SIZE);
  const dataEnd = offset + WAL_ENTRY_PREFIX_SIZE + e.data.length;
  putU32(out, dataEnd, crc32(out, offset, dataEnd));
  putU32(out, dataEnd + 4, size);
  return size;
}

/** Encode an entry (throws only on a programming error: an entry violating validateWALEntry). */
export function encodeWALEntry(e: WALEntry): Uint8Array {
  const bad = validateWALEntry(e);
  if (bad) {
    Error.captureStackTrace(bad); // storage errors carry no stack until thrown (see EngineError)
    throw bad;
  }
  const out = new Uint8Array(walEntrySize(e));
  encodeWALEntryInto(e, out, 0);
  return out;
}

export type DecodeResult = { entry: WALEntry; size: number; err?: undefined } | { err: StorageError; entry?: undefined; size?: undefined };

/**
 * Decode the entry starting at `offset` of `buf`, validating CRC and EntrySize (Go's
 * DecodeWALEntry on buf[offset:]). The returned data is a copy.
 */
export function decodeWALEntry(buf: Uint8Array, offset = 0): DecodeResult {
  const avail = buf.length - offset;
  if (avail < WAL_ENTRY_HEADER_SIZE)
    return { err: storageErr(ERR_ENTRY_TRUNCATED, `blockvol: WAL entry truncated: need ${WAL_ENTRY_HEADER_SIZE} bytes, have ${Math.max(avail, 0)}`) };
  const type = buf[offset + 16]!;
  const length = getU32(buf, offset + 26);
  const dataLen = type === EntryType.Write || type === EntryType.Padding ? length : 0;
  const dataEnd = WAL_ENTRY_PREFIX_SIZE + dataLen;
  if (dataEnd + 8 > avail)
    return { err: storageErr(ERR_ENTRY_TRUNCATED, `blockvol: WAL entry truncated: need ${dataEnd + 8} bytes for data+footer, have ${avail}`) };
  const stored = getU32(buf, offset + dataEnd);
  const computed = crc32(buf, offset, offset + dataEnd);
  if (stored !== computed)
    return { err: storageErr(ERR_CRC_MISMATCH, `blockvol: CRC mismatch: stored=${hex8(stored)} computed=${hex8(computed)}`) };
  const entrySize = getU32(buf, offset + dataEnd + 4);
  if (entrySize !== WAL_ENTRY_HEADER_SIZE + dataLen)
    return { err: storageErr(ERR_INVALID_ENTRY, `blockvol: invalid WAL entry: EntrySize=${entrySize}, expected=${WAL_ENTRY_HEADER_SIZE + dataLen}`) };
  const entry: WALEntry = {
    lsn: getU64(buf, offset),
    epoch: getU64(buf, offset + 8),
    type,
    flags: buf[offset + 17]!,
    lba: getU64(buf, offset + 18),
    length,
    data: dataLen > 0 ? buf.slice(offset + WAL_ENTRY_PREFIX_SIZE, offset + dataEnd) : EMPTY,
  };
  return { entry, size: WAL_ENTRY_HEADER_SIZE + dataLen };
}

/**
 * How many bytes decodeWALEntry reads for the entry at `offset` (prefix, data, CRC, EntrySize),
 * from its type and Length fields alone; `buf` must hold the 30-byte prefix there.
 */
export function walEntryExtent(buf: Uint8Array, offset = 0): number {
  if (offset < 0 || offset + WAL_ENTRY_PREFIX_SIZE > buf.length) throw new RangeError(`no WAL entry prefix at ${offset} in ${buf.length} bytes`);
  const type = buf[offset + 16]!;
  const dataLen = type === EntryType.Write || type === EntryType.Padding ? getU32(buf, offset + 26) : 0;
  return WAL_ENTRY_PREFIX_SIZE + dataLen + 8;
}

/** Read only the LSN of the header at offset (no validation); used by the dirty-map read path. */
export function peekLSN(buf: Uint8Array, offset = 0): number {
  if (offset < 0 || offset + 8 > buf.length) throw new RangeError(`no LSN at ${offset} in ${buf.length} bytes`);
  return getU64(buf, offset);
}

/** The Length field of the entry header at `offset` (no validation). */
export function peekLength(buf: Uint8Array, offset = 0): number {
  if (offset < 0 || offset + WAL_ENTRY_PREFIX_SIZE > buf.length) throw new RangeError(`no WAL entry prefix at ${offset} in ${buf.length} bytes`);
  return getU32(buf, offset + 26);
}

function hex8(x: number): string {
  return x.toString(16).padStart(8, '0');
}

export function writeEntry(lsn: number, epoch: number, lba: number, data: Uint8Array): WALEntry {
  return { lsn, epoch, type: EntryType.Write, flags: 0, lba, length: data.length, data };
}

export function trimEntry(lsn: number, epoch: number, lba: number, bytes: number): WALEntry {
  return { lsn, epoch, type: EntryType.Trim, flags: 0, lba, length: bytes, data: EMPTY };
}

export function barrierEntry(lsn: number, epoch: number): WALEntry {
  return { lsn, epoch, type: EntryType.Barrier, flags: 0, lba: 0, length: 0, data: EMPTY };
}
