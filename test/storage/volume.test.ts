import { describe, it, expect } from 'vitest';
import { BlockVolume } from '../../src/storage/blockvol/volume.ts';
import { ERR_TRUNCATION_UNSAFE } from '../../src/engine/errors.ts';
import { ERR_WAL_FULL, ERR_WAL_RECYCLED, ERR_NOT_PRIMARY, ERR_EPOCH_MISMATCH } from '../../src/storage/errors.ts';
import { ALWAYS, block, finish, GEO, listChooser, mkVolume, ok, stepUntil } from './helpers.ts';
import { trimEntry, writeEntry, type WALEntry } from '../../src/storage/blockvol/wal_entry.ts';
import { StorageError } from '../../src/storage/errors.ts';
import { Pinner } from '../../src/storage/blockvol/pinner.ts';

describe('BlockVolume basics', () => {
  it('writes get LSNs 1,2,3 and read back through the dirty map, then through the extent after a flush', () => {
    const { vol } = mkVolume();
    expect(vol.writeLBA(0, block(1)).lsn).toBe(1);
    expect(vol.writeLBA(1, block(2, 2)).lsn).toBe(2);
    expect(vol.trim(1, 16).lsn).toBe(3);
    expect(vol.headLSN()).toBe(3);
    const r = vol.readLBA(0, 48);
    expect(Array.from(r.data!)).toEqual([...block(1), ...block(0), ...block(2)]);
    expect(vol.dirtyCount()).toBe(3);
    expect(vol.flushOnce()).toBeNull();
    expect(vol.dirtyCount()).toBe(0);
    expect(vol.checkpointLSN()).toBe(3);
    expect(vol.persistedCheckpointLSN()).toBe(3);
    expect(Array.from(vol.readLBA(0, 48).data!)).toEqual([...block(1), ...block(0), ...block(2)]);
    expect(vol.statusSnapshot()).toEqual({ walHeadLSN: 3, walTailLSN: 3, committedLSN: 3, checkpointLSN: 3, checkpointTrusted: true });
  });

  it('rejects misaligned and out-of-bounds I/O, and gates writes by role/epoch', () => {
    const { vol } = mkVolume();
    expect(vol.writeLBA(0, new Uint8Array(5)).err?.code).toBe('alignment');
    expect(vol.writeLBA(GEO.numBlocks, block(1)).err?.code).toBe('out_of_bounds');
    vol.setRole('replica');
    expect(vol.writeLBA(0, block(1)).err?.code).toBe(ERR_NOT_PRIMARY);
    vol.setRole('primary');
    expect(vol.setEpoch(3)).toBeNull();
    vol.setMasterEpoch(2);
    expect(vol.writeLBA(0, block(1)).err?.code).toBe(ERR_EPOCH_MISMATCH);
    vol.setMasterEpoch(3);
    expect(vol.writeLBA(0, block(1)).lsn).toBe(1);
    expect(vol.nextLSN()).toBe(2);
  });

  it('ships each appended entry under shipMu with the current epoch', () => {
    const { vol } = mkVolume();
    ok(vol.setEpoch(4));
    const seen: WALEntry[] = [];
    vol.onShip((e) => {
      expect(vol.locks().shipMu.state().writer).not.toBeNull();
      seen.push(e);
    });
    vol.writeLBA(2, block(9));
    expect(seen.map((e) => [e.lsn, e.epoch, e.lba])).toEqual([[1, 4, 2]]);
  });

  it('WAL full without a flusher burns the LSN (H1); with the nudge the write succeeds', () => {
    const { vol } = mkVolume({ walSize: 170, walFullRetries: 0 });
    for (let i = 0; i < 3; i++) expect(vol.writeLBA(i, block(i + 1)).err).toBeNull(); // 3*54 = 162
    const r = vol.writeLBA(5, block(7));
    expect(r.err?.code).toBe(ERR_WAL_FULL);
    expect(vol.headLSN()).toBe(4); // burned
    const v2 = mkVolume({ walSize: 170, walFullRetries: 2 }).vol;
    for (let i = 0; i < 3; i++) v2.writeLBA(i, block(i + 1));
    expect(v2.writeLBA(5, block(7))).toEqual({ lsn: 4, err: null });
    expect(v2.checkpointLSN()).toBe(3);
  });

  it('never fills the WAL completely (an exactly full region would be unreclaimable, HS2)', () => {
    const { vol } = mkVolume({ walSize: 270, walFullRetries: 0 });
    for (let i = 0; i < 4; i++) expect(vol.writeLBA(i, block(i + 1)).err).toBeNull();
    expect(vol.writeLBA(5, block(1)).err?.code).toBe(ERR_WAL_FULL); // would make used == 270
    expect(vol.walPosition().used).toBe(216);
  });

  it('wraps the circular WAL with padding and keeps reading correctly', () => {
    const { vol } = mkVolume({ walSize: 300 });
    for (let i = 0; i < 40; i++) {
      const r = vol.writeLBA(i % 8, block(i + 1));
      expect(r.err).toBeNull();
    }
    for (let i = 0; i < 8; i++) expect(vol.readLBA(i, 16).data![0]).toBe(32 + i + 1);
    expect(vol.walPosition().head).toBeGreaterThan(300);
  });

  it('scanFrom honours the live checkpoint; scanWALEntries the persisted one', () => {
    const { vol } = mkVolume();
    for (let i = 0; i < 4; i++) vol.writeLBA(i, block(i + 1));
    const lsns: number[] = [];
    expect(vol.scanFrom(2, (e) => void lsns.push(e.lsn))).toBeNull();
    expect(lsns).toEqual([2, 3, 4]);
    vol.flushOnce();
    vol.writeLBA(0, block(9));
    expect(vol.scanFrom(4, () => {})?.code).toBe(ERR_WAL_RECYCLED);
    const after: number[] = [];
    expect(vol.scanFrom(5, (e) => void after.push(e.lsn))).toBeNull();
    expect(after).toEqual([5]);
    vol.setCheckpointLSN(5); // live moves ahead of persisted (4)
    expect(vol.scanFrom(5, () => {})?.code).toBe(ERR_WAL_RECYCLED);
    expect(vol.scanWALEntries(5, () => {})).toBeNull();
  });

  it('TruncateToLSN: exact predicate, then one truth', () => {
    const { vol } = mkVolume();
    let received = -1;
    vol.setReceiverHooks({ setReceivedLSN: (x) => (received = x) });
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(i + 1));
    vol.flushOnce();
    vol.writeLBA(0, block(9));
    const bad = vol.truncateToLSN(2);
    expect(bad?.is(ERR_TRUNCATION_UNSAFE)).toBe(true);
    expect(vol.truncateToLSN(4)?.is(ERR_TRUNCATION_UNSAFE)).toBe(true);
    expect(vol.truncateToLSN(3)).toBeNull();
    expect(vol.nextLSN()).toBe(4);
    expect(received).toBe(3);
    expect(vol.dirtyCount()).toBe(0);
    expect(vol.walPosition()).toEqual({ head: 0, tail: 0, used: 0 });
    expect(vol.readLBA(0, 16).data![0]).toBe(1);
  });

  it('RebuildInstaller: chunks, commit(s) resets state; rejects after commit and past the end', () => {
    const { vol } = mkVolume();
    let received = -1;
    vol.setReceiverHooks({ setReceivedLSN: (x) => (received = x) });
    vol.writeLBA(0, block(5));
    const inst = vol.newRebuildInstaller();
    const img = new Uint8Array(GEO.blockSize * GEO.numBlocks).fill(7);
    expect(inst.writeChunk(img.subarray(0, 256))).toBeNull();
    expect(inst.writeChunk(img.subarray(256))).toBeNull();
    expect(inst.writeChunk(new Uint8Array(1))?.code).toBe('out_of_bounds');
    expect(inst.commit(10)).toBeNull();
    expect(inst.writeChunk(new Uint8Array(1))?.code).toBe('installer_committed');
    expect([vol.nextLSN(), vol.checkpointLSN(), vol.persistedCheckpointLSN(), received]).toEqual([10, 9, 9, 9]);
    expect(vol.readLBA(0, 16).data![0]).toBe(7);
    expect(vol.writeLBA(1, block(1)).lsn).toBe(10);
  });

  it('exports: full extent after ForceFlush, snapshot at the exact checkpoint', () => {
    const { vol } = mkVolume({ exportChunkSize: 100 });
    vol.writeLBA(3, block(3));
    vol.writeLBA(4, block(4));
    const ex = ok(vol.exportFullExtent());
    expect(ex.snapshotLSN).toBe(3);
    expect(ex.chunks.length).toBe(Math.ceil(512 / 100));
    const img = Uint8Array.from(ex.chunks.flatMap((c) => Array.from(c)));
    expect(img[3 * 16]).toBe(3);
    expect(img[4 * 16]).toBe(4);
    expect(vol.exportSnapshot(1)).toMatchObject({ code: 'snapshot_boundary_mismatch' });
    const snap = ok(vol.exportSnapshot(2));
    expect(snap.manifest.baseLSN).toBe(2);
  });

  it('open after a clean crash recovers every fsynced entry', () => {
    const { disk, vol } = mkVolume();
    for (let i = 0; i < 5; i++) vol.writeLBA(i, block(i + 1));
    vol.flushOnce();
    vol.writeLBA(7, block(70));
    vol.syncLocal();
    vol.writeLBA(8, block(80)); // not synced
    disk.crash(ALWAYS(0));
    const v2 = ok(BlockVolume.open(disk));
    expect(v2.headLSN()).toBe(6);
    expect(v2.readLBA(7, 16).data![0]).toBe(70);
    expect(v2.readLBA(8, 16).data![0]).toBe(0);
    expect(v2.readLBA(4, 16).data![0]).toBe(5);
    expect(v2.writeLBA(9, block(1)).lsn).toBe(7);
  });

  it('pinner holds: WAL below tail rejected, snapshot must equal checkpoint, floor holds the tail', () => {
    const { vol } = mkVolume();
    const p = vol.pinner();
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(i + 1));
    vol.flushOnce();
    expect(p.holdWALRetention(2).err).not.toBeNull();
    expect(p.holdSnapshot(2).err).not.toBeNull();
    const s = p.holdSnapshot(3);
    expect(s.err).toBeNull();
    const h = p.holdWALRetention(3);
    vol.writeLBA(0, block(9));
    vol.writeLBA(1, block(9));
    vol.flushOnce();
    expect(vol.checkpointLSN()).toBe(3); // held
    expect(vol.scanFrom(4, () => {})).toBeNull();
    expect(p.holdFullBase(1).err).toBeNull();
    expect(p.activeHoldCount()).toBe(3);
    h.release();
    h.release();
    s.release();
    expect(p.minWALRetentionFloor()).toEqual({ lsn: 0, found: false });
    vol.writeLBA(2, block(9));
    vol.flushOnce();
    expect(vol.checkpointLSN()).toBe(6);
  });

  it('HS1: crash recovery after TruncateToLSN replays the discarded ahead entries (target behaviour); scrubStaleWAL prevents it', () => {
    for (const zero of [false, true]) {
      const { disk, vol } = mkVolume({ scrubStaleWAL: zero });
      vol.writeLBA(0, block(1)); // LSN 1: ahead of the committed LSN 0, never flushed
      expect(vol.truncateToLSN(0)).toBeNull(); // superblock head = tail = 0, checkpoint 0 (fsynced)
      expect(vol.readLBA(0, 16).data![0]).toBe(0);
      disk.crash(ALWAYS(0));
      const v2 = ok(BlockVolume.open(disk));
      expect(v2.headLSN()).toBe(zero ? 0 : 1);
      expect(v2.readLBA(0, 16).data![0]).toBe(zero ? 0 : 1);
    }
  });

  it('HS3: a surviving unsynced entry beyond the recovered head later continues a new history (target behaviour); scrubStaleWAL prevents it', () => {
    for (const scrub of [false, true]) {
      const { disk, vol } = mkVolume({ scrubStaleWAL: scrub });
      vol.writeLBA(0, block(1)); // LSN 1 at WAL 0
      vol.writeLBA(0, block(2)); // LSN 2 at WAL 54
      disk.crash(listChooser([0, 1])); // LSN 1 lost, LSN 2 persisted: recovery stops at 0
      const v2 = ok(BlockVolume.open(disk, { scrubStaleWAL: scrub }));
      expect(v2.headLSN()).toBe(0);
      expect(v2.writeLBA(0, block(3)).lsn).toBe(1); // new LSN 1 at WAL 0
      expect(v2.flushOnce()).toBeNull(); // durable: LBA 0 = 3s, checkpoint 1
      disk.crash(ALWAYS(0));
      const v3 = ok(BlockVolume.open(disk));
      expect(v3.headLSN()).toBe(scrub ? 1 : 2); // the old LSN 2 continues the new lineage
      expect(v3.readLBA(0, 16).data![0]).toBe(scrub ? 3 : 2); // and overwrites a flushed write
    }
  });

  it('replica apply: WAL + dirty map + CAS nextLSN (never lowers); admit runs under ioMu shared', () => {
    const { vol } = mkVolume();
    const apply = (e: WALEntry, admit: () => boolean = () => true): StorageError | null | undefined => {
      let out: StorageError | null | undefined;
      vol.appendReplicaEntry(e, admit, (err) => { out = err; });
      return out;
    };
    let sawShared = false;
    expect(apply(writeEntry(5, 2, 3, block(7)), () => (sawShared = vol.locks().ioMu.state().readers.length === 1))).toBeNull();
    expect(sawShared).toBe(true);
    expect(vol.nextLSN()).toBe(6);
    expect(vol.readLBA(3, 16).data![0]).toBe(7);
    expect(apply(writeEntry(3, 2, 4, block(8)))).toBeNull();
    expect(vol.nextLSN()).toBe(6);
    expect(apply(writeEntry(6, 2, 4, block(8)), () => false)?.code).toBe('not_admitted');
    expect(vol.nextLSN()).toBe(6);
    expect(vol.readLBA(4, 16).data![0]).toBe(8); // LSN 3 applied; the refused LSN 6 not
    expect(vol.applyRebuildEntry(trimEntry(6, 2, 3, 16))).toBeNull();
    expect(vol.readLBA(3, 16).data![0]).toBe(0);
    expect(vol.nextLSN()).toBe(7);
  });

  it('a write I/O error burns the LSN (H1); a flush I/O error leaves the checkpoint', () => {
    let fail = false;
    const chooser = { choose: (k: string) => (fail && k === 'disk.write.error' ? 1 : 0) };
    const { vol } = mkVolume({}, { faults: { writeError: true }, chooser });
    expect(vol.writeLBA(0, block(1)).lsn).toBe(1);
    fail = true;
    expect(vol.writeLBA(1, block(2)).err?.code).toBe('disk_error');
    expect(vol.headLSN()).toBe(2);
    expect(vol.flushOnce()?.code).toBe('disk_error');
    expect(vol.checkpointLSN()).toBe(0);
    expect(vol.locks().flushMu.isFree()).toBe(true);
    fail = false;
    expect(vol.flushOnce()).toBeNull();
    expect(vol.checkpointLSN()).toBe(1);
    expect(vol.writeLBA(1, block(2)).lsn).toBe(3);
  });

  it('a WAL entry damaged in place is reported, never returned as data', () => {
    const { disk, vol } = mkVolume();
    vol.writeLBA(0, block(1));
    const off = 4096 + 30; // first data byte of the entry at WAL 0
    disk.write(off, new Uint8Array([0xee]));
    const r = vol.readLBA(0, 16);
    expect(r.err?.code).toBe('disk_error');
    expect(r.err?.message).toContain('corrupt_sector');
  });

  it('a wrapper blocked by a suspended generator returns lock_busy and releases what it held', () => {
    const { vol } = mkVolume();
    vol.writeLBA(0, block(1));
    const flush = vol.flushSteps();
    stepUntil(flush, 'super:written'); // holds flushMu and superMu
    expect(vol.syncLocal()?.code).toBe('lock_busy');
    expect(vol.truncateToLSN(0)?.code).toBe('lock_busy');
    expect(vol.locks().ioMu.isFree()).toBe(true);
    const w = vol.writeLBA(1, block(2)); // needs neither: proceeds
    expect(w.err).toBeNull();
    expect(finish(flush)).toBeNull();
    expect(vol.syncLocal()).toBeNull();
  });

  it('each flush that flushed something evaluates retention budgets right before reading the floor', () => {
    const { vol } = mkVolume();
    const order: string[] = [];
    vol.setRetentionBudgetHook(() => order.push('budget'));
    vol.setShipperFloorFn(() => (order.push('floor'), { lsn: 0, found: false }));
    vol.flushOnce(); // empty dirty map: nothing at all
    expect(order).toEqual([]);
    vol.writeLBA(0, block(1));
    vol.flushOnce();
    expect(order).toEqual(['budget', 'floor']);
  });

  it('pinner() returns the pinner registered with the volume (no second, empty floor)', () => {
    const { vol } = mkVolume();
    const p = new Pinner(vol);
    expect(vol.pinner()).toBe(p);
    vol.writeLBA(0, block(1));
    p.holdWALRetention(0);
    vol.writeLBA(1, block(1));
    vol.flushOnce();
    expect(vol.checkpointLSN()).toBe(0);
  });

  it('HS4: a crash before the flush fsync can persist an extent block whose WAL entry is lost', () => {
    const { disk, vol } = mkVolume();
    vol.writeLBA(0, block(1)); // LSN 1: WAL write, unsynced
    const flush = vol.flushSteps();
    stepUntil(flush, 'flush:extent-write'); // extent write issued, no fsync yet
    disk.crash(listChooser([0, 1])); // WAL write lost, extent write persisted
    const v2 = ok(BlockVolume.open(disk));
    expect(v2.headLSN()).toBe(0);
    expect(v2.readLBA(0, 16).data![0]).toBe(1); // content of an LSN the volume no longer has
  });
});

describe('H47: a WAL wedged after a retention hold', () => {
  /** Write single blocks until the WAL refuses one (at most `max`); returns how many went in. */
  function fill(vol: BlockVolume, from: number, max = 100): number {
    for (let n = 0; n < max; n++) {
      const r = vol.writeLBA((from + n) % GEO.numBlocks, block(from + n));
      if (r.err !== null) { expect(r.err.is(ERR_WAL_FULL)).toBe(true); return n; }
    }
    return max;
  }

  it('a held flush empties the dirty map but keeps the tail; once the hold is gone nothing frees the full WAL', () => {
    const { vol } = mkVolume({ walFullRetries: 2 });
    let held = true;
    vol.setShipperFloorFn(() => (held ? { lsn: 1, found: true } : { lsn: 0, found: false }));
    for (let i = 0; i < 6; i++) expect(vol.writeLBA(i, block(i)).err).toBeNull();
    expect(vol.flushOnce()).toBeNull(); // held: extent written, dirty map emptied, tail kept
    expect(vol.dirtyCount()).toBe(0);
    const n = fill(vol, 6);
    expect(n).toBeGreaterThan(0); // the WAL fills up...
    expect(n).toBeLessThan(100); // ...and refuses one
    expect(vol.flushOnce()).toBeNull(); // still held
    expect(vol.walWedged()).toBe(true);
    held = false; // the replica is escalated, the floor is gone
    expect(vol.flushOnce()).toBeNull(); // nothing dirty: returns at once (flusher.go flushOnceLocked)
    expect(vol.walWedged()).toBe(true);
    expect(vol.writeLBA(0, block(0x77)).err?.is(ERR_WAL_FULL)).toBe(true); // and it stays so
  });

  it('without a hold the same load never wedges: every flush moves the tail', () => {
    const { vol } = mkVolume({ walFullRetries: 2 });
    for (let i = 0; i < 6; i++) vol.writeLBA(i, block(i));
    expect(vol.flushOnce()).toBeNull();
    fill(vol, 6, 40);
    expect(vol.walWedged()).toBe(false); // whatever is in the WAL is still dirty
    expect(vol.flushOnce()).toBeNull();
    expect(vol.walWedged()).toBe(false);
    expect(vol.writeLBA(0, block(0x77)).err).toBeNull();
  });
});
