// The incremental WAL record cache behind BlockVolume.walRecords() returns exactly what a fresh
// walk of [tail, head) returns, whatever happened in between: appends that wrap the region,
// flushes that move the tail, truncations, raw writes into the WAL bytes (inside and outside the
// live range), bursts of more writes than the disk's change journal remembers, and crashes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SUPERBLOCK_REGION } from '../../src/storage/blockvol/superblock.ts';
import { BlockVolume } from '../../src/storage/blockvol/volume.ts';
import { WALWriter, type WALRecord } from '../../src/storage/blockvol/wal_writer.ts';
import { block, listChooser, mkVolume, ok } from './helpers.ts';

const G = { blockSize: 16, numBlocks: 16, walSize: 512 };

type Op =
  | { k: 'write'; lba: number; blocks: number; byte: number }
  | { k: 'flush' }
  | { k: 'truncate' }
  | { k: 'poke'; at: number; byte: number }
  | { k: 'burst'; at: number; byte: number; n: number }
  | { k: 'crash'; picks: number[] }
  | { k: 'look' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('write' as const), lba: fc.nat(G.numBlocks - 3), blocks: fc.integer({ min: 1, max: 3 }), byte: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 2, arbitrary: fc.constant({ k: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'truncate' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('poke' as const), at: fc.nat(G.walSize - 1), byte: fc.nat(255) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('burst' as const), at: fc.nat(G.walSize - 1), byte: fc.nat(255), n: fc.integer({ min: 250, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('crash' as const), picks: fc.array(fc.nat(5), { maxLength: 20 }) }) },
  { weight: 4, arbitrary: fc.constant({ k: 'look' as const }) },
);

function plain(recs: readonly WALRecord[]): unknown[] {
  return recs.map((r) => [r.logical, r.physical, r.size, r.entry.lsn, r.entry.epoch, r.entry.type, r.entry.flags, r.entry.lba, r.entry.length, [...r.entry.data]]);
}

/** A fresh, uncached walk of the volume's [tail, head) on the same disk. */
function freshRecords(vol: BlockVolume): unknown[] {
  const pos = vol.walPosition();
  return plain(ok(new WALWriter(vol.disk(), SUPERBLOCK_REGION, G.walSize, pos.head, pos.tail).records(true)));
}

describe('WAL record cache', () => {
  it('equals a fresh walk after any sequence of appends, flushes, resets, raw writes and crashes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const made = mkVolume(G);
        const disk = made.disk;
        let vol = made.vol;
        for (const o of ops) {
          if (o.k === 'write') vol.writeLBA(o.lba, block(o.byte, o.blocks));
          else if (o.k === 'flush') vol.flushOnce();
          else if (o.k === 'truncate') vol.truncateToLSN(vol.checkpointLSN());
          else if (o.k === 'poke') disk.write(SUPERBLOCK_REGION + o.at, new Uint8Array([o.byte]));
          else if (o.k === 'burst') {
            // One raw write inside the live WAL range, then more writes elsewhere than the change journal holds.
            const pos = vol.walPosition();
            const at = (pos.tail + (o.at % Math.max(1, pos.used))) % G.walSize;
            disk.write(SUPERBLOCK_REGION + at, new Uint8Array([o.byte]));
            for (let i = 0; i < o.n; i++) disk.write(disk.size() - 1, new Uint8Array([i & 0xff]));
          }
          else if (o.k === 'crash') {
            disk.crash(listChooser(o.picks));
            const reopened = BlockVolume.open(disk);
            if (!(reopened instanceof BlockVolume)) return;
            vol = reopened;
          }
          if (o.k === 'look') expect(plain(ok(vol.walRecords()))).toEqual(freshRecords(vol));
        }
        expect(plain(ok(vol.walRecords()))).toEqual(freshRecords(vol));
      }),
      { numRuns: 200 },
    );
  });
});
