// The blockvol WAL entry codec (spec §10.1): a 38-byte framed, little-endian record
//   LSN u64 | Epoch u64 | Type u8 | Flags u8 | LBA u64 | Length u32 | Data | CRC32 u32 | EntrySize u32
// CRC-32/IEEE covers LSN..end of Data; EntrySize = 38 + len(Data). WRITE and PADDING carry Length
// bytes of data; TRIM carries Length (bytes trimmed) but no data; BARRIER has neither.
// Decoding never throws: short buffer, CRC mismatch or EntrySize mismatch return an error.

import { crc32 } from './crc32.ts';
import {
  ERR_CRC_MISMATCH,
  ERR_ENTRY_TRUNCATED,
  ERR_INVALID_ENTRY,
  StorageError,
  storageErr,
} from './errors.ts';

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

function putU64(view: DataView, off: number, x: number): void {
  view.setUint32(off, x % TWO_32, true);
  view.setUint32(off + 4, Math.floor(x / TWO_32), true);
}

function getU64(view: DataView, off: number): number {
  return view.getUint32(off + 4, true) * TWO_32 + view.getUint32(off, true);
}

/** Encode into `out` at `offset` (must have room). Returns bytes written. Assumes a valid entry. */
export function encodeWALEntryInto(e: WALEntry, out: Uint8Array, offset: number): number {
  const view = new DataView(out.buffer, out.byteOffset + offset, WAL_ENTRY_HEADER_SIZE + e.data.length);
  putU64(view, 0, e.lsn);
  putU64(view, 8, e.epoch);
  view.setUint8(16, e.type);
  view.setUint8(17, e.flags);
  putU64(view, 18, e.lba);
  view.setUint32(26, e.length, true);
  out.set(e.data, offset + WAL_ENTRY_PREFIX_SIZE);
  const dataEnd = WAL_ENTRY_PREFIX_SIZE + e.data.length;
  const sum = crc32(out, offset, offset + dataEnd);
  view.setUint32(dataEnd, sum, true);
  view.setUint32(dataEnd + 4, WAL_ENTRY_HEADER_SIZE + e.data.length, true);
  return WAL_ENTRY_HEADER_SIZE + e.data.length;
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
  const view = new DataView(buf.buffer, buf.byteOffset + offset, avail);
  const type = view.getUint8(16);
  const length = view.getUint32(26, true);
  const dataLen = type === EntryType.Write || type === EntryType.Padding ? length : 0;
  const dataEnd = WAL_ENTRY_PREFIX_SIZE + dataLen;
  if (dataEnd + 8 > avail)
    return { err: storageErr(ERR_ENTRY_TRUNCATED, `blockvol: WAL entry truncated: need ${dataEnd + 8} bytes for data+footer, have ${avail}`) };
  const stored = view.getUint32(dataEnd, true);
  const computed = crc32(buf, offset, offset + dataEnd);
  if (stored !== computed)
    return { err: storageErr(ERR_CRC_MISMATCH, `blockvol: CRC mismatch: stored=${hex8(stored)} computed=${hex8(computed)}`) };
  const entrySize = view.getUint32(dataEnd + 4, true);
  if (entrySize !== WAL_ENTRY_HEADER_SIZE + dataLen)
    return { err: storageErr(ERR_INVALID_ENTRY, `blockvol: invalid WAL entry: EntrySize=${entrySize}, expected=${WAL_ENTRY_HEADER_SIZE + dataLen}`) };
  const entry: WALEntry = {
    lsn: getU64(view, 0),
    epoch: getU64(view, 8),
    type,
    flags: view.getUint8(17),
    lba: getU64(view, 18),
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
  const view = new DataView(buf.buffer, buf.byteOffset + offset, WAL_ENTRY_PREFIX_SIZE);
  const type = view.getUint8(16);
  const dataLen = type === EntryType.Write || type === EntryType.Padding ? view.getUint32(26, true) : 0;
  return WAL_ENTRY_PREFIX_SIZE + dataLen + 8;
}

/** Read only the LSN of the header at offset (no validation); used by the dirty-map read path. */
export function peekLSN(buf: Uint8Array, offset = 0): number {
  const view = new DataView(buf.buffer, buf.byteOffset + offset, 8);
  return getU64(view, 0);
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
