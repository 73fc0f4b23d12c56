// Wire messages of §10.10: round trips, exact sizes, legacy barrier reply, decode errors.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as w from '../../src/replication/wire.ts';

const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

describe('wire', () => {
  it('frames round-trip and reject bad lengths', () => {
    const f = w.encodeFrame(0x13, Uint8Array.of(1, 2, 3));
    expect([...f.subarray(0, 5)]).toEqual([0x13, 0, 0, 0, 3]);
    expect(w.decodeFrame(f).value).toEqual({ type: 0x13, payload: Uint8Array.of(1, 2, 3) });
    expect(w.decodeFrame(f.subarray(0, 4)).err).toBeDefined();
    expect(w.decodeFrame(f.subarray(0, 7)).err).toBeDefined();
  });

  it('message sizes are those of the spec', () => {
    expect(w.encodeResumeShipReq({ epoch: 1, primaryHeadLSN: 2, walRetainStart: 3 }).length).toBe(24);
    expect(w.encodeResumeShipResp({ status: 0, replicaFlushedLSN: 5 }).length).toBe(9);
    expect(w.encodeCatchupDone(5).length).toBe(8);
    expect(w.encodeBarrierRequest({ vid: 1, lsn: 2, epoch: 3 }).length).toBe(20);
    expect(w.encodeBarrierResponse(0, 7).length).toBe(9);
    expect(w.encodeBarrierResponse(0, 7, true).length).toBe(1);
    expect(w.encodeRebuildRequest({ type: 1, fromLSN: 2, epoch: 3 }).length).toBe(17);
  });

  it('big-endian layout of the barrier request', () => {
    const b = w.encodeBarrierRequest({ vid: 0x01020304, lsn: 0x0506, epoch: 7 });
    expect([...b.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
    expect([...b.subarray(4, 12)]).toEqual([0, 0, 0, 0, 0, 0, 5, 6]);
    expect(b[19]).toBe(7);
  });

  it('round-trips every message (property)', () => {
    fc.assert(
      fc.property(u64, u64, u64, fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 255 }), (a, b, c, vid, st) => {
        expect(w.decodeResumeShipReq(w.encodeResumeShipReq({ epoch: a, primaryHeadLSN: b, walRetainStart: c })).value).toEqual({ epoch: a, primaryHeadLSN: b, walRetainStart: c });
        expect(w.decodeResumeShipResp(w.encodeResumeShipResp({ status: st, replicaFlushedLSN: a })).value).toEqual({ status: st, replicaFlushedLSN: a });
        expect(w.decodeBarrierRequest(w.encodeBarrierRequest({ vid, lsn: b, epoch: c })).value).toEqual({ vid, lsn: b, epoch: c });
        expect(w.decodeBarrierResponse(w.encodeBarrierResponse(st, a)).value).toEqual({ status: st, flushedLSN: a, legacy: false });
        expect(w.decodeRebuildRequest(w.encodeRebuildRequest({ type: st, fromLSN: a, epoch: b })).value).toEqual({ type: st, fromLSN: a, epoch: b });
        expect(w.decodeLSN(w.encodeLSN(c)).value).toBe(c);
      }),
      { numRuns: process.env['SWSIM_DEEP'] ? 5000 : 200 },
    );
  });

  it('legacy 1-byte barrier reply decodes as FlushedLSN 0', () => {
    expect(w.decodeBarrierResponse(Uint8Array.of(0)).value).toEqual({ status: 0, flushedLSN: 0, legacy: true });
    expect(w.decodeBarrierResponse(new Uint8Array(0)).err).toBeDefined();
  });

  it('short payloads are errors, never exceptions', () => {
    expect(w.decodeResumeShipReq(new Uint8Array(23)).err).toBeDefined();
    expect(w.decodeResumeShipResp(new Uint8Array(8)).err).toBeDefined();
    expect(w.decodeBarrierRequest(new Uint8Array(19)).err).toBeDefined();
    expect(w.decodeRebuildRequest(new Uint8Array(16)).err).toBeDefined();
    expect(w.decodeLSN(new Uint8Array(7)).err).toBeDefined();
  });
});
