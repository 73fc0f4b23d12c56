// Every storage check passes on correct behaviour and fires on a planted bug (a switch, a
// hazard interleaving, or a test-only mutation).
import { describe, it, expect } from 'vitest';
import {
  checkFlushBuffers,
  checkW1,
  checkW13,
  verifyDurableThrough,
  W10Checkpoint,
  W11Truncation,
  W12Install,
  W9RetentionFloor,
} from '../../src/storage/blockvol/checks.ts';
import { ReferenceModel } from '../../src/storage/blockvol/reference_model.ts';
import { writeEntry, trimEntry } from '../../src/storage/blockvol/wal_entry.ts';
import type { BlockVolume } from '../../src/storage/blockvol/volume.ts';
import { ALWAYS, block, finish, GEO, mkVolume, ok, stepUntil } from './helpers.ts';

/** Write through the volume and record it in the reference. */
function w(vol: BlockVolume, ref: ReferenceModel, lba: number, byte: number, blocks = 1): number {
  const data = block(byte, blocks);
  const r = vol.writeLBA(lba, data);
  expect(r.err).toBeNull();
  ref.apply(writeEntry(r.lsn, 0, lba, data));
  return r.lsn;
}

function refOf(): ReferenceModel {
  return new ReferenceModel(GEO.blockSize, GEO.numBlocks);
}

describe('W1 LSN order (candidate: H1)', () => {
  it('passes on ordinary writes, flushes and wraps', () => {
    const { vol } = mkVolume({ walSize: 400 });
    const ref = refOf();
    for (let i = 0; i < 30; i++) {
      w(vol, ref, i % 5, i);
      if (i % 7 === 0) vol.flushOnce();
      expect(checkW1(vol)).toBeNull();
    }
  });

  it('fires (as a candidate) on a burned LSN (H1)', () => {
    const { vol } = mkVolume({ walSize: 170, walFullRetries: 0 });
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(1));
    expect(vol.writeLBA(4, block(1)).err).not.toBeNull();
    vol.flushOnce();
    vol.writeLBA(4, block(1));
    const f = checkW1(vol);
    expect(f?.id).toBe('W1');
    expect(f?.candidate).toBe(true);
  });

  it('does not fire for an LSN suspended in a WAL-full wait', () => {
    const { vol } = mkVolume({ walSize: 170, walFullRetries: 3 });
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(1));
    const g = vol.writeSteps(5, block(2));
    stepUntil(g, 'write:wal-full-wait');
    expect(vol.inFlightLSNs()).toEqual([4]);
    expect(checkW1(vol)).toBeNull();
    expect(vol.flushOnce()).toBeNull();
    expect(finish(g)).toEqual({ lsn: 4, err: null });
    expect(checkW1(vol)).toBeNull();
  });
});

describe('W3 durability (storage half)', () => {
  it('passes for every LSN covered by syncLocal, fails for an unsynced one', () => {
    const { disk, vol } = mkVolume();
    const ref = refOf();
    w(vol, ref, 0, 1);
    w(vol, ref, 1, 2, 2);
    vol.flushOnce();
    w(vol, ref, 0, 3);
    expect(vol.syncLocal()).toBeNull();
    expect(verifyDurableThrough(disk, 3, ref)).toBeNull();
    const unsynced = w(vol, ref, 5, 9);
    const f = verifyDurableThrough(disk, unsynced, ref);
    expect(f?.id).toBe('W3');
    expect(f?.message).toContain('durable head 3 < required 4');
  });

  it('fails when durable content is wrong (test-only mutation of the reference)', () => {
    const { disk, vol } = mkVolume();
    const ref = refOf();
    w(vol, ref, 2, 7);
    vol.syncLocal();
    ref.apply(writeEntry(1, 0, 2, block(8))); // the reference claims LSN 1 wrote 8s
    expect(verifyDurableThrough(disk, 1, ref)?.id).toBe('W3');
  });
});

describe('W9 retention floor', () => {
  it('passes with the pinner wired into the flusher', () => {
    const { vol } = mkVolume();
    const check = new W9RetentionFloor();
    const p = vol.pinner();
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(i + 1));
    const h = p.holdWALRetention(1);
    expect(h.err).toBeNull();
    const holds = (): number[] => p.activeHolds().filter((x) => x.kind !== 'fullbase').map((x) => x.startLSN);
    expect(check.observe(vol, { holds: holds(), shipperFlushed: [] })).toBeNull();
    vol.writeLBA(3, block(4));
    vol.flushOnce();
    expect(check.observe(vol, { holds: holds(), shipperFlushed: [] })).toBeNull();
    expect(vol.scanFrom(2, () => {})).toBeNull();
  });

  it('fires when the hold is not part of the flusher floor (unwired pinner mutation)', () => {
    const { vol } = mkVolume();
    const check = new W9RetentionFloor();
    const p = vol.pinner();
    vol.setV2RetentionFloor(null); // mutation: the pinner floor is not chained into the flusher
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(i + 1));
    expect(p.holdWALRetention(1).err).toBeNull();
    expect(check.observe(vol, { holds: [1], shipperFlushed: [] })).toBeNull();
    vol.flushOnce();
    const f = check.observe(vol, { holds: [1], shipperFlushed: [] });
    expect(f?.id).toBe('W9');
  });
});

describe('W10 checkpoint soundness (candidate: H2, H11)', () => {
  it('passes across writes, flushes, truncation and install', () => {
    const { vol } = mkVolume();
    const ref = refOf();
    const check = new W10Checkpoint();
    for (let i = 0; i < 12; i++) {
      w(vol, ref, i % 6, i + 1, 1 + (i % 2));
      if (i % 4 === 3) vol.flushOnce();
      expect(check.observe(vol, ref)).toBeNull();
    }
    expect(vol.truncateToLSN(vol.persistedCheckpointLSN())).toBeNull();
    ref.truncateAbove(vol.persistedCheckpointLSN());
    expect(check.observe(vol, ref)).toBeNull();
  });

  it('fires on H2: a shipper floor below the checkpoint lowers it', () => {
    const { vol } = mkVolume();
    const check = new W10Checkpoint();
    for (let i = 0; i < 4; i++) vol.writeLBA(i, block(1));
    vol.flushOnce();
    expect(check.observe(vol)).toBeNull();
    vol.setShipperFloorFn(() => ({ lsn: 2, found: true })); // first progress arrives late
    vol.writeLBA(0, block(2));
    vol.flushOnce();
    const f = check.observe(vol);
    expect(f).toMatchObject({ id: 'W10', candidate: true });
    expect(f?.message).toContain('regressed 4 -> 2');
    // The flush cycle that lowered it is recorded, so the failure and a W1 gap name H2.
    expect(vol.checkpointLowering()).toEqual({ from: 4, to: 2 });
    expect(f?.message).toContain("(H2: a flush under a retention hold set it to the hold's floor 2)");
    expect(checkW1(vol)?.message).toMatch(/WAL gap: expected LSN 3 above checkpoint 2, found 5 \(H2: /);
  });

  it('names no H2 when nothing lowered the checkpoint under a hold', () => {
    const { vol } = mkVolume();
    for (let i = 0; i < 4; i++) vol.writeLBA(i, block(1));
    vol.flushOnce();
    expect(vol.checkpointLowering()).toBeNull();
  });

  it('fires on H11: a flush between two writers publishes the later one first', () => {
    const { vol } = mkVolume();
    const ref = refOf();
    const check = new W10Checkpoint();
    const a = vol.writeSteps(0, block(0xa));
    stepUntil(a, 'write:shipped'); // LSN 1 in the WAL, not yet in the dirty map
    ref.apply(writeEntry(1, 0, 0, block(0xa)));
    w(vol, ref, 1, 0xb); // LSN 2, published
    expect(vol.flushOnce()).toBeNull(); // flushes only LSN 2: checkpoint 2 passes LSN 1
    const f = check.observe(vol, ref);
    expect(f).toMatchObject({ id: 'W10', candidate: true });
    expect(finish(a).lsn).toBe(1);
    expect(vol.walPosition().used).toBe(0); // the tail moved past LSN 1 too: its slot is reusable
  });

  it('fires on B30: a stale superblock copy overwrites a newer checkpoint', () => {
    const { vol } = mkVolume({ bugs: { B30: true } });
    const check = new W10Checkpoint();
    vol.writeLBA(0, block(1));
    const sync = vol.syncSteps();
    stepUntil(sync, 'super:copied'); // copy taken with checkpoint 0
    expect(vol.flushOnce()).toBeNull(); // checkpoint 1 persisted
    expect(check.observe(vol)).toBeNull();
    expect(finish(sync)).toBeNull(); // stale copy written back
    expect(vol.persistedCheckpointLSN()).toBe(0);
    expect(check.observe(vol)?.id).toBe('W10');
  });

  it('the same interleaving is harmless with superMu (B30 off)', () => {
    const { vol } = mkVolume();
    const check = new W10Checkpoint();
    vol.writeLBA(0, block(1));
    const sync = vol.syncSteps();
    stepUntil(sync, 'super:written'); // holds superMu
    const flush = vol.flushSteps();
    stepUntil(flush, 'blocked:superMu');
    expect(finish(sync)).toBeNull();
    expect(finish(flush)).toBeNull();
    expect(vol.persistedCheckpointLSN()).toBe(1);
    expect(check.observe(vol)).toBeNull();
  });
});

describe('W11 truncation safety', () => {
  function setup(bugs = {}): { vol: BlockVolume; ref: ReferenceModel } {
    const { vol } = mkVolume({ bugs });
    const ref = refOf();
    w(vol, ref, 0, 1);
    w(vol, ref, 1, 2);
    vol.flushOnce(); // checkpoint 2
    w(vol, ref, 0, 3); // ahead entry LSN 3
    return { vol, ref };
  }

  it('passes: truncate(2) discards the unflushed ahead entry', () => {
    const { vol, ref } = setup();
    const check = new W11Truncation();
    const g = vol.truncateSteps(2);
    stepUntil(g, 'truncate:flusher-paused');
    const flush = vol.flushSteps();
    expect(flush.next().value).toBe('blocked:flushMu'); // paused: no flush can run
    expect(finish(g)).toBeNull();
    ref.truncateAbove(2);
    expect(check.observe(vol, ref)).toBeNull();
    expect(finish(flush)).toBeNull();
  });

  it('fires with B23: a flush between check and reset writes the ahead entry into the extent', () => {
    const { vol, ref } = setup({ B23: true });
    const check = new W11Truncation();
    const g = vol.truncateSteps(2);
    stepUntil(g, 'truncate:checked');
    expect(vol.flushOnce()).toBeNull(); // checkpoint 3
    expect(finish(g)).toBeNull(); // "succeeds"
    ref.truncateAbove(2);
    const f = check.observe(vol, ref);
    expect(f?.id).toBe('W11');
    expect(f?.message).toContain('checkpoint 3 != 2');
  });

  it('fires with B31: a write racing the reset survives it', () => {
    const { vol, ref } = setup({ B31: true });
    const check = new W11Truncation();
    const writer = vol.writeSteps(5, block(5));
    stepUntil(writer, 'write:shipped'); // holds ioMu shared, entry LSN 4 appended
    const g = vol.truncateSteps(2);
    expect(finish(g)).toBeNull(); // no exclusive ioMu: does not wait for the writer
    finish(writer); // publishes LSN 4 into the dirty map after the reset
    ref.truncateAbove(2);
    expect(check.observe(vol, ref)?.id).toBe('W11');
  });

  it('with the fix the truncation waits for the in-flight writer', () => {
    const { vol } = setup();
    const writer = vol.writeSteps(5, block(5));
    stepUntil(writer, 'write:shipped');
    const g = vol.truncateSteps(2);
    stepUntil(g, 'truncate:flusher-paused');
    expect(g.next().value).toBe('blocked:ioMu');
    expect(finish(writer).lsn).toBe(4);
    expect(finish(g)).toBeNull(); // checkpoint still 2: ahead entries 3 and 4 discarded together
    const ref = refOf();
    ref.apply(writeEntry(1, 0, 0, block(1)));
    ref.apply(writeEntry(2, 0, 1, block(2)));
    expect(new W11Truncation().observe(vol, ref)).toBeNull();
    expect(vol.readLBA(5, 16).data![0]).toBe(0);
  });
});

describe('W12 install convergence', () => {
  it('passes after commit and later writes', () => {
    const { vol } = mkVolume();
    vol.setReceiverHooks({ setReceivedLSN: () => {} });
    const check = new W12Install();
    vol.writeLBA(0, block(1));
    const inst = vol.newRebuildInstaller();
    inst.writeChunk(new Uint8Array(GEO.blockSize * GEO.numBlocks).fill(4));
    expect(inst.commit(8)).toBeNull();
    expect(check.observe(vol)).toBeNull();
    vol.writeLBA(0, block(2));
    expect(check.observe(vol)).toBeNull();
  });

  it('fires with B31: a write racing Commit leaves an older entry behind', () => {
    const { vol } = mkVolume({ bugs: { B31: true } });
    const check = new W12Install();
    vol.writeLBA(0, block(1));
    const writer = vol.writeSteps(3, block(3));
    stepUntil(writer, 'write:shipped'); // LSN 2 appended, not yet published
    const inst = vol.newRebuildInstaller();
    expect(inst.commit(8)).toBeNull();
    finish(writer);
    const f = check.observe(vol);
    expect(f?.id).toBe('W12');
    expect(f?.message).toContain('dirty map holds LSN 2');
  });

  it('fires with B31: a replica apply straddling Commit publishes an entry of the discarded WAL', () => {
    const { vol } = mkVolume({ bugs: { B31: true } });
    const check = new W12Install();
    const apply = vol.appendReplicaEntrySteps(writeEntry(1, 0, 2, block(4)));
    stepUntil(apply, 'apply:appended');
    expect(vol.newRebuildInstaller().commit(8)).toBeNull();
    finish(apply); // publishes LSN 1 into the dirty map after the reset
    expect(check.observe(vol)?.message).toContain('dirty map holds LSN 1');
  });

  it('an apply suspended after its append (nextLSN not yet advanced) is not a stale entry', () => {
    const { vol } = mkVolume();
    const check = new W12Install();
    expect(vol.newRebuildInstaller().commit(8)).toBeNull();
    const apply = vol.appendReplicaEntrySteps(writeEntry(8, 0, 2, block(4)));
    stepUntil(apply, 'apply:appended'); // LSN 8 in the WAL, nextLSN still 8
    expect(check.observe(vol)).toBeNull();
    finish(apply);
    expect(vol.nextLSN()).toBe(9);
    expect(check.observe(vol)).toBeNull();
  });

  it('the fixed Commit waits for the writer', () => {
    const { vol } = mkVolume();
    vol.writeLBA(0, block(1));
    const writer = vol.writeSteps(3, block(3));
    stepUntil(writer, 'write:shipped');
    const commit = vol.newRebuildInstaller().commitSteps(8);
    stepUntil(commit, 'install:flusher-paused');
    expect(commit.next().value).toBe('blocked:ioMu');
    finish(writer);
    expect(finish(commit)).toBeNull();
    expect(new W12Install().observe(vol)).toBeNull();
  });
});

describe('W13 split boundary', () => {
  it('passes: export after ForceFlush reflects every LSN below snapshotLSN', () => {
    const { vol } = mkVolume();
    const ref = refOf();
    for (let i = 0; i < 6; i++) w(vol, ref, i, i + 1);
    vol.trim(2, 16);
    ref.apply(trimEntry(7, 0, 2, 16));
    const ex = ok(vol.exportFullExtent());
    expect(ex.snapshotLSN).toBe(8);
    expect(checkW13(ex, ref)).toBeNull();
  });

  it('fires under H11: an unpublished write is below snapshotLSN but not in the extent', () => {
    const { vol } = mkVolume();
    const ref = refOf();
    w(vol, ref, 0, 1);
    const a = vol.writeSteps(1, block(0xa));
    stepUntil(a, 'write:shipped');
    ref.apply(writeEntry(2, 0, 1, block(0xa)));
    const ex = ok(vol.exportFullExtent());
    expect(ex.snapshotLSN).toBe(3);
    expect(checkW13(ex, ref)?.id).toBe('W13');
    finish(a);
  });
});

describe('B32 flush buffer bound', () => {
  it('one buffer per multi-block entry; B32 reads one per block', () => {
    const good = mkVolume().vol;
    good.writeLBA(0, block(1, 4));
    good.flushOnce();
    expect(good.flushStats()).toEqual({ buffersRead: 1, distinctEntries: 1 });
    expect(checkFlushBuffers(good)).toBeNull();
    const bad = mkVolume({ bugs: { B32: true } }).vol;
    bad.writeLBA(0, block(1, 4));
    bad.flushOnce();
    expect(bad.flushStats().buffersRead).toBe(4);
    expect(checkFlushBuffers(bad)?.id).toBe('B32-RES');
    expect(Array.from(bad.readLBA(0, 64).data!)).toEqual(Array.from(block(1, 4)));
  });

  it('a flush aborted by an extent write error counts nothing, so the next full flush stays within the bound', () => {
    let fail = false;
    const chooser = { choose: (k: string) => (fail && k === 'disk.write.error' ? 1 : 0) };
    const { vol } = mkVolume({}, { faults: { writeError: true }, chooser });
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(i + 1));
    fail = true;
    expect(vol.flushOnce()?.code).toBe('disk_error');
    expect(vol.flushStats()).toEqual({ buffersRead: 0, distinctEntries: 0 });
    fail = false;
    expect(vol.flushOnce()).toBeNull();
    expect(vol.flushStats()).toEqual({ buffersRead: 3, distinctEntries: 3 });
    expect(checkFlushBuffers(vol)).toBeNull();
  });
});

describe('B20 switch', () => {
  it('reports the tail as a byte offset and scans with the live checkpoint', () => {
    const { vol } = mkVolume({ bugs: { B20: true } });
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(1));
    vol.flushOnce();
    expect(vol.statusSnapshot().walTailLSN).toBe(162);
    vol.setCheckpointLSN(3);
    vol.writeLBA(0, block(1));
    vol.setCheckpointLSN(4);
    expect(vol.scanWALEntries(4, () => {})?.code).toBe('wal_recycled');
    const fixed = mkVolume().vol;
    for (let i = 0; i < 3; i++) fixed.writeLBA(i, block(1));
    fixed.flushOnce();
    expect(fixed.statusSnapshot().walTailLSN).toBe(3);
  });
});

void ALWAYS;
