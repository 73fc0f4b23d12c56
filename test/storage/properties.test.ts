// fast-check properties of the blockvol storage over SimDisk: crash recovery (longest valid
// prefix, fsynced entries survive, no corrupt entry returned, content = reference at the
// recovered LSN), retention floor (W9), checkpoint soundness (W10), truncation and install
// (W11, W12). SWSIM_DEEP=1 runs many more cases.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { BlockVolume } from '../../src/storage/blockvol/volume.ts';
import { SimDisk } from '../../src/storage/sim_disk.ts';
import { ReferenceModel, bytesEqual, contentAt } from '../../src/storage/blockvol/reference_model.ts';
import { EntryType, trimEntry, writeEntry } from '../../src/storage/blockvol/wal_entry.ts';
import { checkW1, W10Checkpoint, W11Truncation, W12Install, W9RetentionFloor, verifyDurableThrough } from '../../src/storage/blockvol/checks.ts';
import { StorageError } from '../../src/storage/errors.ts';
import { volumeDiskSize } from '../../src/storage/blockvol/volume.ts';
import { listChooser, ok } from './helpers.ts';

const DEEP = !!process.env.SWSIM_DEEP;
const RUNS = DEEP ? 3000 : 150;
const G = { blockSize: 16, numBlocks: 16, walSize: 640 };

type Op =
  | { k: 'write'; lba: number; blocks: number; byte: number }
  | { k: 'trim'; lba: number; blocks: number }
  | { k: 'sync' }
  | { k: 'flush' }
  | { k: 'crash'; picks: number[] }
  | { k: 'hold'; at: number }
  | { k: 'release'; idx: number }
  | { k: 'shipper'; on: boolean }
  | { k: 'truncate'; delta: number }
  | { k: 'install'; s: number; byte: number };

const write = fc.record({ k: fc.constant('write' as const), lba: fc.nat(G.numBlocks - 1), blocks: fc.integer({ min: 1, max: 3 }), byte: fc.integer({ min: 1, max: 255 }) });
const trim = fc.record({ k: fc.constant('trim' as const), lba: fc.nat(G.numBlocks - 1), blocks: fc.integer({ min: 1, max: 2 }) });
const sync = fc.constant({ k: 'sync' as const });
const flush = fc.constant({ k: 'flush' as const });
const crash = fc.record({ k: fc.constant('crash' as const), picks: fc.array(fc.nat(5), { maxLength: 40 }) });

function mkDisk(faults = false, ioPicks: readonly number[] | null = null): SimDisk {
  return new SimDisk({
    size: volumeDiskSize(G),
    sectorSize: 64,
    faults: { ...(faults ? { corruptSector: true } : {}), ...(ioPicks ? { readError: true, writeError: true, fsyncError: true } : {}) },
    budget: { maxIOErrors: ioPicks ? 3 : 0, maxOutOfSpace: 0, maxCorruptSectors: 3 },
    protectedRanges: [{ offset: 0, length: 4096 }],
    corruptibleRanges: [{ offset: 4096, length: G.walSize }],
  });
}

/** Apply a write/trim to the volume and, on success, to the reference. */
function doWrite(vol: BlockVolume, ref: ReferenceModel, op: Op): void {
  if (op.k === 'write') {
    const blocks = Math.min(op.blocks, G.numBlocks - op.lba);
    const data = new Uint8Array(blocks * G.blockSize);
    for (let i = 0; i < data.length; i++) data[i] = (op.byte + i) & 0xff;
    const r = vol.writeLBA(op.lba, data);
    if (!r.err) ref.apply(writeEntry(r.lsn, 0, op.lba, data));
  } else if (op.k === 'trim') {
    const bytes = Math.min(op.blocks, G.numBlocks - op.lba) * G.blockSize;
    const r = vol.trim(op.lba, bytes);
    if (!r.err) ref.apply(trimEntry(r.lsn, 0, op.lba, bytes));
  }
}

function imageMatches(vol: BlockVolume, ref: ReferenceModel, lsn: number): string | null {
  const img = vol.readImage();
  if (img instanceof StorageError) return img.message;
  for (let lba = 0; lba < G.numBlocks; lba++) {
    if (!bytesEqual(img.subarray(lba * G.blockSize, (lba + 1) * G.blockSize), contentAt(ref, lba, lsn))) return `LBA ${lba} differs from reference at LSN ${lsn}`;
  }
  return null;
}

/**
 * Hazard HS4: a flush whose fsync failed leaves extent writes that a crash may persist while the
 * WAL entries they came from are lost. Such a block must hold a version above the recovered head
 * (never anything else); the reference then adopts it.
 */
function adoptPhantoms(vol: BlockVolume, ref: ReferenceModel, h: number): void {
  const img = ok(vol.readImage());
  for (let lba = 0; lba < G.numBlocks; lba++) {
    const data = img.subarray(lba * G.blockSize, (lba + 1) * G.blockSize);
    if (bytesEqual(data, contentAt(ref, lba, h))) continue;
    const lost = ref.versions(lba).find((v) => v.lsn > h && bytesEqual(data, v.data ?? new Uint8Array(G.blockSize)));
    expect(lost).toBeDefined();
    ref.adopt(lba, h, data);
  }
}

describe('crash recovery', () => {
  it('after every reopen: longest valid prefix, fsynced entries present, no corrupt entry, content = reference at recovered LSN', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 6, arbitrary: write }, { weight: 1, arbitrary: trim }, { weight: 2, arbitrary: sync }, { weight: 2, arbitrary: flush }, { weight: 2, arbitrary: crash }), { maxLength: 50 }), fc.boolean(), fc.option(fc.array(fc.nat(1), { maxLength: 60 })), (ops, faults, ioPicks) => {
        const disk = mkDisk(faults, ioPicks);
        const ioFaults = ioPicks !== null; // I/O errors burn LSNs (H1): W1 is then a candidate, not asserted
        const tuning = { scrubStaleWAL: true }; // without it: hazard HS3 (see volume.test.ts)
        let vol = ok(BlockVolume.create(disk, { ...G, ...tuning }));
        if (ioPicks) disk.setChooser(listChooser(ioPicks)); // runtime I/O faults from here on
        const ref = new ReferenceModel(G.blockSize, G.numBlocks);
        let durable = 0;
        for (const op of ops) {
          if (op.k === 'write' || op.k === 'trim') doWrite(vol, ref, op);
          else if (op.k === 'sync') {
            const err = vol.syncLocal();
            if (!ioFaults) expect(err).toBeNull();
            if (!err) {
              durable = ref.highestLSN(); // not headLSN: an LSN burned by a failed append (H1) is never durable
              expect(verifyDurableThrough(disk, durable, ref)).toBeNull();
            }
          } else if (op.k === 'flush') {
            const err = vol.flushOnce();
            if (!ioFaults) expect(err).toBeNull();
          }
          else if (op.k === 'crash') {
            disk.crash(listChooser(op.picks));
            const reopened = BlockVolume.open(disk, tuning);
            if (ioFaults && reopened instanceof StorageError) {
              expect(reopened.code).toBe('disk_error'); // an injected read/fsync error; retry once the budget allows
              vol = ok(BlockVolume.open(SimDisk.fromImage(disk.durableBytes()), tuning));
              return;
            }
            vol = ok(reopened);
            const h = vol.headLSN();
            expect(h).toBeGreaterThanOrEqual(durable);
            if (!ioFaults) expect(checkW1(vol)).toBeNull();
            const recs = ok(vol.walRecords());
            for (const r of recs) {
              if (r.entry.type !== EntryType.Write) continue;
              for (let i = 0; i < r.entry.length / G.blockSize; i++) {
                const v = ref.versions(r.entry.lba + i).find((x) => x.lsn === r.entry.lsn);
                expect(v && v.data && bytesEqual(v.data, r.entry.data.subarray(i * G.blockSize, (i + 1) * G.blockSize))).toBe(true);
              }
            }
            const pos = vol.walPosition();
            const last = recs[recs.length - 1];
            if (last) expect(pos.head).toBeGreaterThanOrEqual(last.logical + last.size);
            if (ioFaults) adoptPhantoms(vol, ref, h);
            ref.truncateAbove(h);
            durable = Math.min(durable, h);
          }
          expect(imageMatches(vol, ref, vol.headLSN())).toBeNull();
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('retention floor and checkpoint under holds (W9, W10)', () => {
  it('no entry above a live floor is reclaimed; the checkpoint never regresses', () => {
    const hold = fc.record({ k: fc.constant('hold' as const), at: fc.nat(3) });
    const release = fc.record({ k: fc.constant('release' as const), idx: fc.nat(5) });
    const shipper = fc.record({ k: fc.constant('shipper' as const), on: fc.boolean() });
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 6, arbitrary: write }, { weight: 3, arbitrary: flush }, { weight: 2, arbitrary: hold }, { weight: 2, arbitrary: release }, { weight: 1, arbitrary: shipper }), { maxLength: 60 }), (ops) => {
        const disk = mkDisk();
        const vol = ok(BlockVolume.create(disk, { ...G, walFullRetries: 1 }));
        const ref = new ReferenceModel(G.blockSize, G.numBlocks);
        const pinner = vol.pinner();
        const releases: (() => void)[] = [];
        let shipperFloor: number | null = null;
        vol.setShipperFloorFn(() => (shipperFloor === null ? { lsn: 0, found: false } : { lsn: shipperFloor, found: true }));
        const w9 = new W9RetentionFloor();
        const w10 = new W10Checkpoint();
        const floors = () => ({ holds: pinner.activeHolds().filter((h) => h.kind !== 'fullbase').map((h) => h.startLSN), shipperFlushed: shipperFloor === null ? [] : [shipperFloor] });
        for (const op of ops) {
          if (op.k === 'write') doWrite(vol, ref, op);
          else if (op.k === 'flush') expect(vol.flushOnce()).toBeNull();
          else if (op.k === 'hold') {
            const tail = vol.statusSnapshot().walTailLSN;
            const s = Math.min(vol.headLSN(), tail + op.at);
            const h = pinner.holdWALRetention(s);
            expect(h.err).toBeNull();
            releases.push(h.release);
          } else if (op.k === 'release') {
            if (releases.length > 0) releases.splice(op.idx % releases.length, 1)[0]!();
          } else if (op.k === 'shipper') {
            // progress is reported at or above the live checkpoint (a lower first report is hazard H2)
            shipperFloor = op.on ? Math.max(shipperFloor ?? 0, vol.checkpointLSN()) : null;
          }
          expect(w9.observe(vol, floors())).toBeNull();
          expect(w10.observe(vol, ref)).toBeNull();
          const f = floors();
          const all = [...f.holds, ...f.shipperFlushed];
          if (all.length > 0) expect(vol.scanFrom(Math.min(...all) + 1, () => {})).toBeNull();
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('truncation and install leave one truth (W10, W11, W12)', () => {
  it('random writes, flushes, crashes, truncations and installs', () => {
    const truncate = fc.record({ k: fc.constant('truncate' as const), delta: fc.integer({ min: -1, max: 1 }) });
    const install = fc.record({ k: fc.constant('install' as const), s: fc.integer({ min: 1, max: 60 }), byte: fc.nat(255) });
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 6, arbitrary: write }, { weight: 1, arbitrary: trim }, { weight: 2, arbitrary: flush }, { weight: 1, arbitrary: sync }, { weight: 2, arbitrary: truncate }, { weight: 1, arbitrary: install }, { weight: 1, arbitrary: crash }), { maxLength: 50 }), (ops) => {
        const disk = mkDisk();
        const tuning = { scrubStaleWAL: true }; // without it: hazard HS1 (see volume.test.ts)
        let vol = ok(BlockVolume.create(disk, { ...G, ...tuning }));
        let received = 0;
        const hooks = { setReceivedLSN: (x: number) => (received = x) };
        vol.setReceiverHooks(hooks);
        const ref = new ReferenceModel(G.blockSize, G.numBlocks);
        let w10 = new W10Checkpoint();
        let w11 = new W11Truncation();
        let w12 = new W12Install();
        for (const op of ops) {
          if (op.k === 'write' || op.k === 'trim') doWrite(vol, ref, op);
          else if (op.k === 'flush') expect(vol.flushOnce()).toBeNull();
          else if (op.k === 'sync') expect(vol.syncLocal()).toBeNull();
          else if (op.k === 'truncate') {
            const cp = vol.persistedCheckpointLSN();
            const t = Math.max(0, cp + op.delta);
            const err = vol.truncateToLSN(t);
            if (t === cp) {
              expect(err).toBeNull();
              ref.truncateAbove(t);
              expect(received).toBe(t);
            } else expect(err?.is('truncation_unsafe')).toBe(true);
          } else if (op.k === 'install') {
            const inst = vol.newRebuildInstaller();
            const img = new Uint8Array(G.blockSize * G.numBlocks);
            for (let i = 0; i < img.length; i++) img[i] = (op.byte * 7 + i) & 0xff;
            expect(inst.writeChunk(img.subarray(0, 100))).toBeNull();
            expect(inst.writeChunk(img.subarray(100))).toBeNull();
            expect(inst.commit(op.s)).toBeNull();
            ref.installImage(img, op.s - 1);
            expect(received).toBe(op.s - 1);
          } else if (op.k === 'crash') {
            disk.crash(listChooser(op.picks));
            vol = ok(BlockVolume.open(disk, tuning));
            vol.setReceiverHooks(hooks);
            ref.truncateAbove(vol.headLSN());
            w10 = new W10Checkpoint();
            w11 = new W11Truncation();
            w12 = new W12Install();
          }
          expect(w10.observe(vol, ref)).toBeNull();
          expect(w11.observe(vol, ref)).toBeNull();
          expect(w12.observe(vol)).toBeNull();
          expect(checkW1(vol)).toBeNull();
          expect(imageMatches(vol, ref, vol.headLSN())).toBeNull();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
