// The reddb logical WAL frame codec (spec §11.1, reddb-file `logical_wal.rs`): magic `RDLW`, a
// version byte, then v3 `term, lsn, timestamp_ms, payload_len u32, payload, crc u32`, v2 (no term)
// or v1 (`lsn, payload_len u64, payload`, no CRC). All integers little-endian; the CRC-32/IEEE
// covers everything after the magic. Decoding never throws: it reports why a frame is invalid.

import { crc32 } from '../crc32.ts';
import { StorageError, storageErr } from '../errors.ts';

export const LOGICAL_WAL_SPOOL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x52, 0x44, 0x4c, 0x57); // "RDLW"
export const LOGICAL_WAL_SPOOL_VERSION_V1 = 1;
export const LOGICAL_WAL_SPOOL_VERSION_V2 = 2;
export const LOGICAL_WAL_SPOOL_VERSION_V3 = 3;
export const LOGICAL_WAL_SPOOL_VERSION_CURRENT = LOGICAL_WAL_SPOOL_VERSION_V3;
/** magic 4 + version 1 + term 8 + lsn 8 + timestamp 8 + payload_len 4. */
export const LOGICAL_WAL_V3_HEADER_LEN = 33;
/** magic 4 + version 1 + lsn 8 + timestamp 8 + payload_len 4. */
export const LOGICAL_WAL_V2_HEADER_LEN = 25;
/** magic 4 + version 1 + lsn 8 + payload_len 8. */
export const LOGICAL_WAL_V1_HEADER_LEN = 21;
export const LOGICAL_WAL_CRC_LEN = 4;
/** Readers treat a declared payload above this as corruption (`MAX_PLAUSIBLE_PAYLOAD`). */
export const MAX_PLAUSIBLE_PAYLOAD = 256 * 1024 * 1024;
/** The encoder refuses payloads above u32::MAX. */
export const MAX_ENCODABLE_PAYLOAD = 0xffffffff;

export const ERR_REDDB_PAYLOAD_TOO_LARGE = 'reddb_payload_too_large';

const TWO_32 = 4294967296;

/** A decoded frame. `term` is 0 for v1/v2 frames, `timestamp_ms` 0 for v1. */
export interface LogicalWalEntry {
  readonly term: number;
  readonly lsn: number;
  readonly timestampMs: number;
  readonly data: Uint8Array;
  readonly version: number;
}

/** Why a frame at some offset is not valid (the Rust reader's error strings, as codes). */
export type FrameInvalidReason =
  | 'eof' // no byte at all at the frame start: a clean end
  | 'torn_magic' // 1-3 bytes where a magic should be
  | 'bad_magic'
  | 'torn_version'
  | 'unknown_version'
  | 'torn_header'
  | 'implausible_payload'
  | 'torn_payload'
  | 'torn_crc'
  | 'crc_mismatch';

export type FrameDecode =
  | { readonly ok: true; readonly entry: LogicalWalEntry; readonly end: number }
  | { readonly ok: false; readonly reason: FrameInvalidReason };

function putU64(out: Uint8Array, at: number, value: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(at, value % TWO_32, true);
  view.setUint32(at + 4, Math.floor(value / TWO_32), true);
}

function getU64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * TWO_32;
}

function checkU64(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`reddb frame: ${name} ${value} is not a u64 we can represent`);
}

/** encode_logical_wal_v3: the whole frame in one buffer (one write per append). */
export function encodeLogicalWalV3(term: number, lsn: number, timestampMs: number, data: Uint8Array): Uint8Array | StorageError {
  if (data.length > MAX_ENCODABLE_PAYLOAD)
    return storageErr(ERR_REDDB_PAYLOAD_TOO_LARGE, `logical WAL payload of ${data.length} bytes exceeds 4 GiB framing limit`);
  checkU64('term', term);
  checkU64('lsn', lsn);
  checkU64('timestamp_ms', timestampMs);
  const frame = new Uint8Array(LOGICAL_WAL_V3_HEADER_LEN + data.length + LOGICAL_WAL_CRC_LEN);
  const view = new DataView(frame.buffer);
  frame.set(LOGICAL_WAL_SPOOL_MAGIC, 0);
  frame[4] = LOGICAL_WAL_SPOOL_VERSION_V3;
  putU64(frame, 5, term);
  putU64(frame, 13, lsn);
  putU64(frame, 21, timestampMs);
  view.setUint32(29, data.length, true);
  frame.set(data, LOGICAL_WAL_V3_HEADER_LEN);
  const crcAt = LOGICAL_WAL_V3_HEADER_LEN + data.length;
  view.setUint32(crcAt, crc32(frame, 4, crcAt), true);
  return frame;
}

/** encode_logical_wal_v2_for_compat: legacy frames, for compatibility tests. */
export function encodeLogicalWalV2ForCompat(lsn: number, timestampMs: number, data: Uint8Array): Uint8Array | StorageError {
  if (data.length > MAX_ENCODABLE_PAYLOAD)
    return storageErr(ERR_REDDB_PAYLOAD_TOO_LARGE, 'logical WAL v2 payload exceeds 4 GiB framing limit');
  checkU64('lsn', lsn);
  checkU64('timestamp_ms', timestampMs);
  const frame = new Uint8Array(LOGICAL_WAL_V2_HEADER_LEN + data.length + LOGICAL_WAL_CRC_LEN);
  const view = new DataView(frame.buffer);
  frame.set(LOGICAL_WAL_SPOOL_MAGIC, 0);
  frame[4] = LOGICAL_WAL_SPOOL_VERSION_V2;
  putU64(frame, 5, lsn);
  putU64(frame, 13, timestampMs);
  view.setUint32(21, data.length, true);
  frame.set(data, LOGICAL_WAL_V2_HEADER_LEN);
  const crcAt = LOGICAL_WAL_V2_HEADER_LEN + data.length;
  view.setUint32(crcAt, crc32(frame, 4, crcAt), true);
  return frame;
}

/** A v1 frame (no checksum). reddb no longer writes these; tests use it for legacy decoding. */
export function encodeLogicalWalV1ForCompat(lsn: number, data: Uint8Array): Uint8Array {
  checkU64('lsn', lsn);
  const frame = new Uint8Array(LOGICAL_WAL_V1_HEADER_LEN + data.length);
  frame.set(LOGICAL_WAL_SPOOL_MAGIC, 0);
  frame[4] = LOGICAL_WAL_SPOOL_VERSION_V1;
  putU64(frame, 5, lsn);
  putU64(frame, 13, data.length);
  frame.set(data, LOGICAL_WAL_V1_HEADER_LEN);
  return frame;
}

function invalid(reason: FrameInvalidReason): FrameDecode {
  return { ok: false, reason };
}

function hasMagic(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < 4; i++) if (bytes[at + i] !== LOGICAL_WAL_SPOOL_MAGIC[i]) return false;
  return true;
}

/** Decode the frame starting at `start`, reading no byte at or beyond `limit`. */
export function decodeFrameAt(bytes: Uint8Array, start: number, limit: number = bytes.length): FrameDecode {
  const avail = limit - start;
  if (avail <= 0) return invalid('eof');
  if (avail < 4) return invalid('torn_magic');
  if (!hasMagic(bytes, start)) return invalid('bad_magic');
  if (avail < 5) return invalid('torn_version');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[start + 4]!;
  switch (version) {
    case LOGICAL_WAL_SPOOL_VERSION_V3:
      return decodeChecked(bytes, view, start, limit, true);
    case LOGICAL_WAL_SPOOL_VERSION_V2:
      return decodeChecked(bytes, view, start, limit, false);
    case LOGICAL_WAL_SPOOL_VERSION_V1:
      return decodeV1(bytes, view, start, limit);
    default:
      return invalid('unknown_version');
  }
}

/** v3 (withTerm) and v2: fixed header, payload, CRC over [version .. payload]. */
function decodeChecked(bytes: Uint8Array, view: DataView, start: number, limit: number, withTerm: boolean): FrameDecode {
  const headerLen = withTerm ? LOGICAL_WAL_V3_HEADER_LEN : LOGICAL_WAL_V2_HEADER_LEN;
  if (limit - start < headerLen) return invalid('torn_header');
  let at = start + 5;
  const term = withTerm ? getU64(view, at) : 0;
  if (withTerm) at += 8;
  const lsn = getU64(view, at);
  const timestampMs = getU64(view, at + 8);
  const payloadLen = view.getUint32(at + 16, true);
  if (payloadLen > MAX_PLAUSIBLE_PAYLOAD) return invalid('implausible_payload');
  const payloadAt = start + headerLen;
  if (limit - payloadAt < payloadLen) return invalid('torn_payload');
  const crcAt = payloadAt + payloadLen;
  if (limit - crcAt < LOGICAL_WAL_CRC_LEN) return invalid('torn_crc');
  if (view.getUint32(crcAt, true) !== crc32(bytes, start + 4, crcAt)) return invalid('crc_mismatch');
  const version = withTerm ? LOGICAL_WAL_SPOOL_VERSION_V3 : LOGICAL_WAL_SPOOL_VERSION_V2;
  const data = bytes.slice(payloadAt, crcAt);
  return { ok: true, entry: { term, lsn, timestampMs, data, version }, end: crcAt + LOGICAL_WAL_CRC_LEN };
}

function decodeV1(bytes: Uint8Array, view: DataView, start: number, limit: number): FrameDecode {
  if (limit - start < LOGICAL_WAL_V1_HEADER_LEN) return invalid('torn_header');
  const lsn = getU64(view, start + 5);
  const lenLo = view.getUint32(start + 13, true);
  const lenHi = view.getUint32(start + 17, true);
  if (lenHi !== 0 || lenLo > MAX_PLAUSIBLE_PAYLOAD) return invalid('implausible_payload');
  const payloadAt = start + LOGICAL_WAL_V1_HEADER_LEN;
  if (limit - payloadAt < lenLo) return invalid('torn_payload');
  const data = bytes.slice(payloadAt, payloadAt + lenLo);
  return { ok: true, entry: { term: 0, lsn, timestampMs: 0, data, version: LOGICAL_WAL_SPOOL_VERSION_V1 }, end: payloadAt + lenLo };
}

/** Encoded length of a v3 frame with this payload. */
export function v3FrameLength(payloadLength: number): number {
  return LOGICAL_WAL_V3_HEADER_LEN + payloadLength + LOGICAL_WAL_CRC_LEN;
}
