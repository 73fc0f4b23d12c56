// Wire format of the blockvol data path (spec §10.10): frames `type u8 | length u32 BE | payload`
// and every message of the data, control and rebuild channels. Encoders return bytes; decoders
// never throw and return a WireError for short or oversized input. Multi-byte fields are big-endian.

import { EngineError } from '../engine/errors.ts';
import { ERR_WIRE } from './errors.ts';

export const FRAME_HEADER_SIZE = 5;
export const MAX_FRAME_PAYLOAD = 256 * 1024 * 1024;

/** Data channel. */
export const MsgWALEntry = 0x01;
export const MsgResumeShipReq = 0x03;
export const MsgResumeShipResp = 0x04;
export const MsgCatchupDone = 0x05;
/** Control channel. */
export const MsgBarrierReq = 0x01;
export const MsgBarrierResp = 0x02;
/** Rebuild channel. */
export const MsgRebuildReq = 0x10;
export const MsgRebuildEntry = 0x11;
export const MsgRebuildExtent = 0x12;
export const MsgRebuildDone = 0x13;
export const MsgRebuildError = 0x14;

export const RebuildType = { WALCatchUp: 1, FullExtent: 2, Snapshot: 3 } as const;
export type RebuildType = (typeof RebuildType)[keyof typeof RebuildType];

export const ResumeStatus = { OK: 0, EpochMismatch: 1, NeedsRebuild: 2 } as const;
export const BarrierStatus = { OK: 0, EpochMismatch: 1, Timeout: 2, FsyncFailed: 3 } as const;

export interface Frame {
  readonly type: number;
  readonly payload: Uint8Array;
}
export interface ResumeShipReq {
  readonly epoch: number;
  readonly primaryHeadLSN: number;
  readonly walRetainStart: number;
}
export interface ResumeShipResp {
  readonly status: number;
  readonly replicaFlushedLSN: number;
}
export interface BarrierRequest {
  readonly vid: number;
  readonly lsn: number;
  readonly epoch: number;
}
export interface BarrierResponse {
  readonly status: number;
  /** 0 when the reply was the legacy 1-byte form. */
  readonly flushedLSN: number;
  readonly legacy: boolean;
}
export interface RebuildRequest {
  readonly type: number;
  readonly fromLSN: number;
  readonly epoch: number;
}

export type Decoded<T> = { value: T; err?: undefined } | { err: EngineError; value?: undefined };

const TWO_32 = 4294967296;
const wireErr = (msg: string): { err: EngineError } => ({ err: new EngineError(ERR_WIRE, `wire: ${msg}`) });

// Big-endian fields read and written byte by byte (as DataView would, without allocating one per
// message); a u32 is stored as ToUint32 of the value, like DataView.setUint32. Callers check
// lengths first.
function putU32(b: Uint8Array, off: number, x: number): void {
  const v = x >>> 0;
  b[off] = v >>> 24;
  b[off + 1] = v >>> 16;
  b[off + 2] = v >>> 8;
  b[off + 3] = v;
}
function getU32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}
function putU64(b: Uint8Array, off: number, x: number): void {
  putU32(b, off, Math.floor(x / TWO_32));
  putU32(b, off + 4, x % TWO_32);
}
function getU64(b: Uint8Array, off: number): number {
  return getU32(b, off) * TWO_32 + getU32(b, off + 4);
}

export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
  out[0] = type;
  putU32(out, 1, payload.length);
  out.set(payload, FRAME_HEADER_SIZE);
  return out;
}

export function decodeFrame(frame: Uint8Array): Decoded<Frame> {
  if (frame.length < FRAME_HEADER_SIZE) return wireErr(`short frame header: ${frame.length} bytes`);
  const len = getU32(frame, 1);
  if (len > MAX_FRAME_PAYLOAD) return wireErr(`frame too large: ${len}`);
  if (frame.length !== FRAME_HEADER_SIZE + len) return wireErr(`frame length ${len} but ${frame.length - FRAME_HEADER_SIZE} payload bytes`);
  return { value: { type: frame[0]!, payload: frame.subarray(FRAME_HEADER_SIZE) } };
}

export function encodeResumeShipReq(r: ResumeShipReq): Uint8Array {
  const b = new Uint8Array(24);
  putU64(b, 0, r.epoch);
  putU64(b, 8, r.primaryHeadLSN);
  putU64(b, 16, r.walRetainStart);
  return b;
}
export function decodeResumeShipReq(p: Uint8Array): Decoded<ResumeShipReq> {
  if (p.length < 24) return wireErr(`resume ship request: ${p.length} bytes, need 24`);
  return { value: { epoch: getU64(p, 0), primaryHeadLSN: getU64(p, 8), walRetainStart: getU64(p, 16) } };
}

export function encodeResumeShipResp(r: ResumeShipResp): Uint8Array {
  const b = new Uint8Array(9);
  b[0] = r.status;
  putU64(b, 1, r.replicaFlushedLSN);
  return b;
}
export function decodeResumeShipResp(p: Uint8Array): Decoded<ResumeShipResp> {
  if (p.length < 9) return wireErr(`resume ship response: ${p.length} bytes, need 9`);
  return { value: { status: p[0]!, replicaFlushedLSN: getU64(p, 1) } };
}

export function encodeLSN(lsn: number): Uint8Array {
  const b = new Uint8Array(8);
  putU64(b, 0, lsn);
  return b;
}
export function decodeLSN(p: Uint8Array): Decoded<number> {
  if (p.length < 8) return wireErr(`LSN payload: ${p.length} bytes, need 8`);
  return { value: getU64(p, 0) };
}
export const encodeCatchupDone = encodeLSN;
export const decodeCatchupDone = decodeLSN;
export const encodeRebuildDone = encodeLSN;
export const decodeRebuildDone = decodeLSN;

export function encodeBarrierRequest(r: BarrierRequest): Uint8Array {
  const b = new Uint8Array(20);
  putU32(b, 0, r.vid);
  putU64(b, 4, r.lsn);
  putU64(b, 12, r.epoch);
  return b;
}
export function decodeBarrierRequest(p: Uint8Array): Decoded<BarrierRequest> {
  if (p.length < 20) return wireErr(`barrier request: ${p.length} bytes, need 20`);
  return { value: { vid: getU32(p, 0), lsn: getU64(p, 4), epoch: getU64(p, 12) } };
}

/** Full 9-byte reply, or the legacy 1-byte form (status only). */
export function encodeBarrierResponse(status: number, flushedLSN: number, legacy = false): Uint8Array {
  if (legacy) return Uint8Array.of(status);
  const b = new Uint8Array(9);
  b[0] = status;
  putU64(b, 1, flushedLSN);
  return b;
}
/** Go's DecodeBarrierResponse: a payload shorter than 9 bytes carries FlushedLSN 0. */
export function decodeBarrierResponse(p: Uint8Array): Decoded<BarrierResponse> {
  if (p.length < 1) return wireErr('barrier response: empty payload');
  if (p.length < 9) return { value: { status: p[0]!, flushedLSN: 0, legacy: true } };
  return { value: { status: p[0]!, flushedLSN: getU64(p, 1), legacy: false } };
}

export function encodeRebuildRequest(r: RebuildRequest): Uint8Array {
  const b = new Uint8Array(17);
  b[0] = r.type;
  putU64(b, 1, r.fromLSN);
  putU64(b, 9, r.epoch);
  return b;
}
export function decodeRebuildRequest(p: Uint8Array): Decoded<RebuildRequest> {
  if (p.length < 17) return wireErr(`rebuild request: ${p.length} bytes, need 17`);
  return { value: { type: p[0]!, fromLSN: getU64(p, 1), epoch: getU64(p, 9) } };
}

export function encodeText(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
export function decodeText(p: Uint8Array): string {
  return new TextDecoder().decode(p);
}
