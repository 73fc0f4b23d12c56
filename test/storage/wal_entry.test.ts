import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { crc32 } from '../../src/storage/crc32.ts';
import { decodeWALEntry, encodeWALEntry, EntryType, WAL_ENTRY_HEADER_SIZE, type WALEntry } from '../../src/storage/blockvol/wal_entry.ts';

const RUNS = process.env.SWSIM_DEEP ? 5000 : 200;

describe('crc32', () => {
  it('matches the IEEE check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('WAL entry codec', () => {
  it('encodes the 38-byte layout little-endian with CRC over LSN..Data', () => {
    const e: WALEntry = { lsn: 0x0102030405, epoch: 7, type: EntryType.Write, flags: 3, lba: 9, length: 2, data: new Uint8Array([0xaa, 0xbb]) };
    const b = encodeWALEntry(e);
    expect(b.length).toBe(40);
    expect(Array.from(b.slice(0, 8))).toEqual([5, 4, 3, 2, 1, 0, 0, 0]);
    expect(b[8]).toBe(7);
    expect(b[16]).toBe(1);
    expect(b[17]).toBe(3);
    expect(b[18]).toBe(9);
    expect(b[26]).toBe(2);
    expect(Array.from(b.slice(30, 32))).toEqual([0xaa, 0xbb]);
    const crc = new DataView(b.buffer).getUint32(32, true);
    expect(crc).toBe(crc32(b, 0, 32));
    expect(new DataView(b.buffer).getUint32(36, true)).toBe(40);
  });

  it('rejects malformed entries on encode', () => {
    expect(() => encodeWALEntry({ lsn: 1, epoch: 1, type: EntryType.Write, flags: 0, lba: 0, length: 0, data: new Uint8Array(0) })).toThrow();
    expect(() => encodeWALEntry({ lsn: 1, epoch: 1, type: EntryType.Trim, flags: 0, lba: 0, length: 1, data: new Uint8Array(1) })).toThrow();
  });

  const arbEntry = fc.oneof(
    fc.record({ lsn: fc.nat(), epoch: fc.nat(), flags: fc.nat(255), lba: fc.nat(), data: fc.uint8Array({ minLength: 1, maxLength: 64 }) }).map(
      (r): WALEntry => ({ ...r, type: EntryType.Write, length: r.data.length }),
    ),
    fc.record({ lsn: fc.nat(), epoch: fc.nat(), lba: fc.nat(), length: fc.nat(1 << 20) }).map(
      (r): WALEntry => ({ ...r, type: EntryType.Trim, flags: 0, data: new Uint8Array(0) }),
    ),
  );

  it('round-trips at any offset', () => {
    fc.assert(
      fc.property(arbEntry, fc.nat(16), (e, pad) => {
        const enc = encodeWALEntry(e);
        const buf = new Uint8Array(pad + enc.length + 5);
        buf.set(enc, pad);
        const d = decodeWALEntry(buf, pad);
        expect(d.err).toBeUndefined();
        expect(d.size).toBe(WAL_ENTRY_HEADER_SIZE + e.data.length);
        expect(d.entry).toEqual(e);
      }),
      { numRuns: RUNS },
    );
  });

  it('never decodes a corrupted or truncated entry', () => {
    fc.assert(
      fc.property(arbEntry, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (e, pos, xor, truncate) => {
        const enc = encodeWALEntry(e);
        if (truncate) {
          const cut = pos % enc.length;
          expect(decodeWALEntry(enc.slice(0, cut)).err).toBeDefined();
        } else {
          const i = pos % enc.length;
          enc[i] = enc[i]! ^ xor;
          const d = decodeWALEntry(enc);
          // A flip in the Length field may make the decoder want more bytes: still an error.
          expect(d.err).toBeDefined();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
