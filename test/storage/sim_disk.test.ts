import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { SimDisk } from '../../src/storage/sim_disk.ts';
import type { Chooser } from '../../src/storage/disk.ts';
import { ALWAYS, listChooser } from './helpers.ts';

const RUNS = process.env.SWSIM_DEEP ? 3000 : 200;

function recording(inner: Chooser): Chooser & { kinds: string[] } {
  const kinds: string[] = [];
  return { kinds, choose: (k, n) => (kinds.push(k), inner.choose(k, n)) };
}

describe('SimDisk', () => {
  it('reads see cached writes; fsync makes them durable; crash keeps only durable + chosen fates', () => {
    const d = new SimDisk({ size: 256, sectorSize: 16 });
    d.write(0, new Uint8Array(16).fill(1));
    expect(d.read(0, 1)).toEqual(new Uint8Array([1]));
    expect(d.durableBytes()[0]).toBe(0);
    expect(d.fsync()).toBeNull();
    expect(d.durableBytes()[0]).toBe(1);
    d.write(16, new Uint8Array(16).fill(2)); // lost
    d.write(32, new Uint8Array(16).fill(3)); // persisted
    d.write(48, new Uint8Array(48).fill(4)); // torn: 1 + 1 = 2 of 3 sectors
    const rep = d.crash(listChooser([0, 1, 2, 1]));
    expect(rep.writes.map((w) => w.fate)).toEqual(['lost', 'persisted', 'torn']);
    const b = d.cachedBytes();
    expect([b[0], b[16], b[32], b[48], b[64], b[80]]).toEqual([1, 0, 3, 4, 4, 0]);
    expect(d.pendingWriteCount()).toBe(0);
  });

  it('a torn write persists a strict sector prefix of an unaligned write', () => {
    const d = new SimDisk({ size: 128, sectorSize: 16 });
    d.write(10, new Uint8Array(30).fill(9)); // spans sectors 0,1,2 (bytes 10..39)
    d.crash(listChooser([2, 0])); // torn keeping 1 sector: bytes 10..15
    const b = d.cachedBytes();
    expect(Array.from(b.subarray(8, 20))).toEqual([0, 0, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0]);
  });

  it('injects I/O errors only when enabled, within the budget, and never through peek', () => {
    const c = recording(ALWAYS(1));
    const d = new SimDisk({ size: 64, faults: { readError: true, writeError: true, fsyncError: true }, budget: { maxIOErrors: 2, maxOutOfSpace: 0, maxCorruptSectors: 0 }, chooser: c });
    expect(d.read(0, 4)).toMatchObject({ code: 'io_error' });
    expect(d.write(0, new Uint8Array(1))).toMatchObject({ code: 'io_error' });
    expect(d.fsync()).toBeNull(); // budget exhausted
    expect(d.peek(0, 4)).toEqual(new Uint8Array(4));
    expect(c.kinds).toEqual(['disk.read.error', 'disk.write.error']);
    const quiet = recording(ALWAYS(1));
    const d2 = new SimDisk({ size: 64, chooser: quiet });
    expect(d2.read(0, 4)).toBeInstanceOf(Uint8Array);
    expect(d2.write(0, new Uint8Array(1))).toBeNull();
    expect(quiet.kinds).toEqual([]);
  });

  it('out of space only past the high-water mark', () => {
    const d = new SimDisk({ size: 64, faults: { outOfSpace: true }, chooser: ALWAYS(1), budget: { maxIOErrors: 0, maxOutOfSpace: 5, maxCorruptSectors: 0 } });
    expect(d.write(0, new Uint8Array(8))).toMatchObject({ code: 'out_of_space' });
    const fresh = new SimDisk({ size: 64, image: new Uint8Array(64), faults: { outOfSpace: true }, chooser: ALWAYS(1) });
    expect(fresh.write(0, new Uint8Array(8))).toBeNull(); // already allocated
  });

  it('corruption damages only bytes of unsynced writes outside protected ranges (fault atlas)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ off: fc.nat(200), len: fc.integer({ min: 1, max: 40 }), sync: fc.boolean() }), { maxLength: 12 }), fc.array(fc.nat(7), { maxLength: 40 }), (writes, picks) => {
        const d = new SimDisk({ size: 256, sectorSize: 16, faults: { corruptSector: true }, budget: { maxIOErrors: 0, maxOutOfSpace: 0, maxCorruptSectors: 1 }, protectedRanges: [{ offset: 0, length: 32 }] });
        let n = 1;
        for (const w of writes) {
          d.write(w.off, new Uint8Array(Math.min(w.len, 256 - w.off)).fill(n++));
          if (w.sync) d.fsync();
        }
        const durable = d.durableBytes();
        const pending = writes.length > 0 ? d.pendingWriteCount() : 0;
        const rep = d.crash(listChooser(picks));
        const after = d.cachedBytes();
        if (rep.corrupted) {
          expect(pending).toBeGreaterThan(0);
          expect(rep.corrupted.offset).toBeGreaterThanOrEqual(32);
        }
        // Outside the unsynced writes' ranges nothing changed from the durable image.
        const touched = new Uint8Array(256);
        for (const w of rep.writes) touched.fill(1, w.offset, w.offset + w.length);
        for (let i = 0; i < 256; i++) if (!touched[i]) expect(after[i]).toBe(durable[i]);
      }),
      { numRuns: RUNS },
    );
  });
});
