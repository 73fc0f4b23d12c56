// reddb frame codec (spec §11.1) and scans (§11.2-11.3): layout, checksums, legacy versions, every
// torn cut, the plausibility bound, the repairing scan with and without the H12 fix, the seek index.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 } from '../../src/storage/crc32.ts';
import { StorageError } from '../../src/storage/errors.ts';
import {
  decodeFrameAt,
  encodeLogicalWalV1ForCompat,
  encodeLogicalWalV2ForCompat,
  encodeLogicalWalV3,
  LOGICAL_WAL_V3_HEADER_LEN,
  MAX_PLAUSIBLE_PAYLOAD,
} from '../../src/storage/reddb/frame.ts';
import { buildSeekIndex, readFramesFrom, scanForRepair } from '../../src/storage/reddb/scan.ts';
import { SeekIndex } from '../../src/storage/reddb/seek_index.ts';

const RUNS = process.env.SWSIM_DEEP ? 2000 : 100;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function v3(term: number, lsn: number, ts: number, data: Uint8Array): Uint8Array {
  const f = encodeLogicalWalV3(term, lsn, ts, data);
  if (f instanceof StorageError) throw f;
  return f;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('v3 frame layout', () => {
  it('is magic, version 3, term, lsn, timestamp, u32 length, payload, crc over everything after the magic', () => {
    const f = v3(7, 42, 99, enc('payload'));
    expect(f.length).toBe(LOGICAL_WAL_V3_HEADER_LEN + 7 + 4);
    expect(Array.from(f.subarray(0, 5))).toEqual([0x52, 0x44, 0x4c, 0x57, 3]);
    const view = new DataView(f.buffer);
    expect(view.getUint32(5, true)).toBe(7);
    expect(view.getUint32(9, true)).toBe(0);
    expect(view.getUint32(13, true)).toBe(42);
    expect(view.getUint32(21, true)).toBe(99);
    expect(view.getUint32(29, true)).toBe(7);
    expect(new TextDecoder().decode(f.subarray(33, 40))).toBe('payload');
    expect(view.getUint32(40, true)).toBe(crc32(f, 4, 40));
  });

  it('round-trips term, lsn, timestamp and payload (as the Rust v3_roundtrip test)', () => {
    const d = decodeFrameAt(v3(7, 42, 99, enc('payload')), 0);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.entry).toMatchObject({ term: 7, lsn: 42, timestampMs: 99, version: 3 });
    expect(new TextDecoder().decode(d.entry.data)).toBe('payload');
  });

  it('encodes u64 values above 2^32 little-endian', () => {
    const lsn = 2 ** 40 + 5;
    const f = v3(1, lsn, 2 ** 41, enc('x'));
    expect(new DataView(f.buffer).getUint32(17, true)).toBe(2 ** 8);
    const d = decodeFrameAt(f, 0);
    expect(d.ok && d.entry.lsn).toBe(lsn);
    expect(d.ok && d.entry.timestampMs).toBe(2 ** 41);
  });

  it('detects a flipped bit anywhere after the version byte (a flip of 3 to 1 would read as an unchecked v1 frame)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (payload, pos, bit) => {
        const f = v3(3, 9, 11, payload);
        const at = 5 + (pos % (f.length - 5));
        f[at] = f[at]! ^ (1 << bit);
        expect(decodeFrameAt(f, 0).ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('names the reason of every torn cut of a frame', () => {
    const f = v3(1, 2, 11, enc('torn'));
    const reasons = new Set<string>();
    for (let cut = 0; cut < f.length; cut++) {
      const d = decodeFrameAt(f.subarray(0, cut), 0);
      expect(d.ok).toBe(false);
      if (!d.ok) reasons.add(d.reason);
      if (!d.ok && cut === 0) expect(d.reason).toBe('eof');
      if (!d.ok && cut >= 1 && cut <= 3) expect(d.reason).toBe('torn_magic');
    }
    expect([...reasons].sort()).toEqual(['eof', 'torn_crc', 'torn_header', 'torn_magic', 'torn_payload', 'torn_version']);
  });

  it('rejects a wrong magic and an unknown version', () => {
    const f = v3(1, 1, 1, enc('a'));
    const badMagic = f.slice();
    badMagic[0] = 0x51;
    expect(decodeFrameAt(badMagic, 0)).toEqual({ ok: false, reason: 'bad_magic' });
    const badVersion = f.slice();
    badVersion[4] = 4;
    expect(decodeFrameAt(badVersion, 0)).toEqual({ ok: false, reason: 'unknown_version' });
  });

  it('treats a declared payload above 256 MiB as corruption, and accepts the bound itself as a length', () => {
    const f = v3(1, 1, 1, enc('a'));
    const view = new DataView(f.buffer);
    view.setUint32(29, MAX_PLAUSIBLE_PAYLOAD + 1, true);
    expect(decodeFrameAt(f, 0)).toEqual({ ok: false, reason: 'implausible_payload' });
    view.setUint32(29, MAX_PLAUSIBLE_PAYLOAD, true);
    expect(decodeFrameAt(f, 0)).toEqual({ ok: false, reason: 'torn_payload' });
  });
});

describe('legacy frames', () => {
  it('decodes v2 with term 0 and its timestamp (as the Rust v2 compat test)', () => {
    const f = encodeLogicalWalV2ForCompat(3, 44, enc('legacy'));
    if (f instanceof StorageError) throw f;
    expect(f.length).toBe(25 + 6 + 4);
    const d = decodeFrameAt(f, 0);
    expect(d.ok && d.entry).toMatchObject({ term: 0, lsn: 3, timestampMs: 44, version: 2 });
    f[30] = f[30]! ^ 1;
    expect(decodeFrameAt(f, 0)).toEqual({ ok: false, reason: 'crc_mismatch' });
  });

  it('decodes v1 with term 0 and timestamp 0; it has no checksum, so damaged payload bytes pass', () => {
    const f = encodeLogicalWalV1ForCompat(5, enc('old'));
    const d = decodeFrameAt(f, 0);
    expect(d.ok && d.entry).toMatchObject({ term: 0, lsn: 5, timestampMs: 0, version: 1 });
    f[f.length - 1] = 0;
    expect(decodeFrameAt(f, 0).ok).toBe(true);
    new DataView(f.buffer).setUint32(17, 1, true); // payload_len high word: > 256 MiB
    expect(decodeFrameAt(f, 0)).toEqual({ ok: false, reason: 'implausible_payload' });
  });
});

describe('repairing scan', () => {
  const first = v3(1, 1, 10, enc('ok'));
  const second = v3(1, 2, 11, enc('torn'));

  it('keeps the longest valid prefix and marks a torn frame as corrupt (as the Rust repair test)', () => {
    const s = scanForRepair(concat(first, second.subarray(0, 12)), false);
    expect(s.frames.map((f) => f.entry.lsn)).toEqual([1]);
    expect(s.corrupt).toBe(true);
    expect(s.lastGoodOffset).toBe(first.length);
  });

  it('a clean end at a frame boundary is not corruption', () => {
    const s = scanForRepair(concat(first, second), false);
    expect(s).toMatchObject({ corrupt: false, lastGoodOffset: first.length + second.length, stopReason: 'eof' });
  });

  it('H12: 1-3 stray bytes after the last frame are a clean end in the stored version, corruption with h12fix', () => {
    for (const stub of [1, 2, 3]) {
      const bytes = concat(first, second.subarray(0, stub));
      expect(scanForRepair(bytes, false)).toMatchObject({ corrupt: false, stopReason: 'torn_magic' });
      expect(scanForRepair(bytes, true)).toMatchObject({ corrupt: true, lastGoodOffset: first.length });
    }
  });

  it('stops at the first invalid frame even if valid frames follow', () => {
    const broken = second.slice();
    broken[20] = broken[20]! ^ 0xff;
    const s = scanForRepair(concat(first, broken, v3(1, 3, 12, enc('later'))), true);
    expect(s.frames.map((f) => f.entry.lsn)).toEqual([1]);
    expect(readFramesFrom(concat(first, broken), 0).map((f) => f.entry.lsn)).toEqual([1]);
  });
});

describe('seek index', () => {
  it('indexes ordinals 0, 64, 128, ... with their frame offsets', () => {
    const frames = Array.from({ length: 200 }, (_, i) => v3(1, i + 1, 1, enc(`p${i}`)));
    const bytes = concat(...frames);
    const rebuilt = buildSeekIndex(bytes);
    expect(rebuilt.recordCount).toBe(200);
    expect(rebuilt.writeOffset).toBe(bytes.length);
    const offsets = readFramesFrom(bytes, 0).map((f) => f.offset);
    expect(rebuilt.index.snapshot()).toEqual([
      { lsn: 1, offset: 0 },
      { lsn: 65, offset: offsets[64] },
      { lsn: 129, offset: offsets[128] },
      { lsn: 193, offset: offsets[192] },
    ]);
  });

  it('seekFloorOffset: exact hit, else greatest lower point, else 0', () => {
    const idx = new SeekIndex();
    idx.noteRecord(0, 10, 0);
    idx.noteRecord(64, 74, 1000);
    idx.noteRecord(128, 138, 2000);
    expect(idx.seekFloorOffset(5)).toBe(0);
    expect(idx.seekFloorOffset(10)).toBe(0);
    expect(idx.seekFloorOffset(73)).toBe(0);
    expect(idx.seekFloorOffset(74)).toBe(1000);
    expect(idx.seekFloorOffset(100)).toBe(1000);
    expect(idx.seekFloorOffset(999)).toBe(2000);
  });

  it('skips non-boundary ordinals and a repeated LSN', () => {
    const idx = new SeekIndex();
    idx.noteRecord(0, 5, 0);
    idx.noteRecord(1, 6, 50);
    idx.noteRecord(64, 5, 900);
    expect(idx.snapshot()).toEqual([{ lsn: 5, offset: 0 }]);
  });
});
