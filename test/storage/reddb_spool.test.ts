// The reddb spool over the crashable file layer (spec §11.1-11.3): append durability, open-time
// repair (incl. hazard H12 and its fix), read_since through the seek index, prune via temp+rename,
// legacy re-framing, and the file layer's crash model.
import { describe, expect, it } from 'vitest';
import { FIRST_CHOICE } from '../../src/storage/disk.ts';
import { StorageError } from '../../src/storage/errors.ts';
import type { ReddbSwitches } from '../../src/storage/reddb/bugs.ts';
import { ManualClock } from '../../src/storage/reddb/clock.ts';
import { SpoolFs } from '../../src/storage/reddb/file.ts';
import { encodeLogicalWalV1ForCompat, encodeLogicalWalV2ForCompat, encodeLogicalWalV3, v3FrameLength } from '../../src/storage/reddb/frame.ts';
import { ReddbMemDisk } from '../../src/storage/reddb/mem_disk.ts';
import { readFramesFrom } from '../../src/storage/reddb/scan.ts';
import { DEFAULT_REPLICATION_TERM, LogicalWalSpool, type PayloadTermCodec } from '../../src/storage/reddb/spool.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const newFs = (): SpoolFs => new SpoolFs(() => new ReddbMemDisk(1 << 20));

function ok<T>(x: T | StorageError): T {
  if (x instanceof StorageError) throw x;
  return x;
}
function open(fs: SpoolFs, clock = new ManualClock(1000), switches?: ReddbSwitches, codec?: PayloadTermCodec): LogicalWalSpool {
  return ok(LogicalWalSpool.open(fs, { clock, switches, codec }));
}
function lsns(spool: LogicalWalSpool, since = 0): number[] {
  return ok(spool.readSince(since, 1e9)).map((r) => r.lsn);
}
function fileLsns(fs: SpoolFs, path = 'logical.wal'): number[] {
  return readFramesFrom(ok(fs.readAll(path)), 0).map((f) => f.entry.lsn);
}

describe('append and open', () => {
  it('creates an empty spool; appends are readable, durable and survive a crash that loses everything unsynced', () => {
    const fs = newFs();
    const s = open(fs);
    expect(s.currentLsn()).toBe(0);
    for (let l = 1; l <= 5; l++) expect(s.append(l, enc(`r${l}`))).toBeNull();
    expect(lsns(s)).toEqual([1, 2, 3, 4, 5]);
    expect(s.currentLsn()).toBe(5);
    fs.crash(FIRST_CHOICE);
    const again = open(fs);
    expect(lsns(again)).toEqual([1, 2, 3, 4, 5]);
    expect(again.currentLsn()).toBe(5);
    expect(again.writeOffset).toBe(5 * v3FrameLength(2));
  });

  it('uses the virtual clock for framing timestamps and the payload term (default term 1)', () => {
    const fs = newFs();
    const s = open(fs, new ManualClock(777));
    ok(s.append(1, enc('x')));
    const [f] = readFramesFrom(ok(fs.readAll('logical.wal')), 0);
    expect(f!.entry.timestampMs).toBe(777);
    expect(f!.entry.term).toBe(DEFAULT_REPLICATION_TERM);
  });

  it('open repairs a torn tail: truncates to the last valid frame and syncs the truncation', () => {
    const fs = newFs();
    const s = open(fs);
    ok(s.append(1, enc('ok')));
    const torn = ok(encodeLogicalWalV3(1, 2, 11, enc('torn')));
    expect(fs.append('logical.wal', torn.subarray(0, 12))).toBeNull();
    const again = open(fs);
    expect(ok(fs.length('logical.wal'))).toBe(v3FrameLength(2));
    expect(lsns(again)).toEqual([1]);
    fs.crash(FIRST_CHOICE); // the truncation was synced: a crash cannot bring the torn bytes back
    expect(ok(fs.length('logical.wal'))).toBe(v3FrameLength(2));
  });

  it('current_lsn after open is the LAST frame\'s lsn (not the max)', () => {
    const fs = newFs();
    const s = open(fs);
    ok(s.append(9, enc('a')));
    ok(s.append(4, enc('b')));
    expect(s.currentLsn()).toBe(9);
    expect(open(fs).currentLsn()).toBe(4);
  });

  it('a failed sync leaves the in-memory state unmoved', () => {
    const fs = new SpoolFs(() => new ReddbMemDisk(100));
    const s = open(fs);
    const e = s.append(1, new Uint8Array(200));
    expect(e).toBeInstanceOf(StorageError);
    expect(s.currentLsn()).toBe(0);
    expect(s.recordCount).toBe(0);
  });
});

describe('hazard H12: partial magic at the tail', () => {
  /** A crash that leaves `stub` bytes of an in-flight frame behind the acked ones. */
  function stubAfterCrash(fs: SpoolFs, stub: number): void {
    const frame = ok(encodeLogicalWalV3(1, 3, 1, enc('inflight')));
    ok(fs.append('logical.wal', frame));
    let lengthPicked = false;
    fs.crash({
      choose: (kind, n) => {
        if (kind === 'reddb.fs.crash.length') {
          lengthPicked = true;
          return stub;
        }
        return n - 1;
      },
    });
    expect(lengthPicked).toBe(true);
  }

  it('stored behaviour: the stub survives open, a later acked append lands behind it and the next open cuts it off', () => {
    const fs = newFs();
    const s = open(fs);
    ok(s.append(1, enc('a')));
    ok(s.append(2, enc('b')));
    stubAfterCrash(fs, 2);
    const reopened = open(fs);
    expect(ok(fs.length('logical.wal'))).toBe(2 * v3FrameLength(1) + 2);
    expect(reopened.append(4, enc('acked'))).toBeNull(); // acknowledged: written and synced
    expect(lsns(reopened)).toEqual([1, 2]); // already invisible to readers
    const third = open(fs);
    expect(lsns(third)).toEqual([1, 2]); // the acknowledged lsn 4 is gone
    expect(ok(fs.length('logical.wal'))).toBe(2 * v3FrameLength(1));
  });

  it('h12fix: the stub is truncated on open and the later append survives', () => {
    for (const stub of [1, 2, 3]) {
      const fs = newFs();
      const s = open(fs, undefined, { h12fix: true });
      ok(s.append(1, enc('a')));
      ok(s.append(2, enc('b')));
      stubAfterCrash(fs, stub);
      const reopened = open(fs, undefined, { h12fix: true });
      expect(ok(fs.length('logical.wal'))).toBe(2 * v3FrameLength(1));
      ok(reopened.append(4, enc('acked')));
      expect(lsns(open(fs, undefined, { h12fix: true }))).toEqual([1, 2, 4]);
    }
  });

  it('a sector-torn append can leave the stub by itself (frame starting 2 bytes before a sector boundary)', () => {
    const fs = new SpoolFs(() => new ReddbMemDisk(1 << 16, 512));
    const s = open(fs);
    const filler = 510 - v3FrameLength(0); // first frame ends at offset 510
    ok(s.append(1, new Uint8Array(filler)));
    ok(fs.append('logical.wal', ok(encodeLogicalWalV3(1, 2, 1, enc('inflight')))));
    // keep the whole length, tear the disk write to its first sector: bytes 510..511 survive
    fs.crash({ choose: (kind, n) => (kind === 'reddb.disk.crash.sectors' ? 1 : n - 1) });
    const bytes = ok(fs.readAll('logical.wal'));
    expect(Array.from(bytes.subarray(510, 512))).toEqual([0x52, 0x44]);
    expect(bytes[512]).toBe(0);
    open(fs); // the zeroed rest is a bad magic: corrupt, truncated back to 510
    expect(ok(fs.length('logical.wal'))).toBe(510);
  });
});

describe('read_since and the seek index', () => {
  it('seeks past offset 0 for a mid-spool LSN and returns exactly lsn > since, at most max', () => {
    const fs = newFs();
    const s = open(fs);
    for (let l = 1; l <= 300; l++) ok(s.append(l, enc(`p${l}`)));
    expect(s.seekIndex().map((p) => p.lsn)).toEqual([1, 65, 129, 193, 257]);
    expect(s.seekFloorOffset(100)).toBeGreaterThan(0);
    expect(s.seekFloorOffset(100)).toBe(s.seekIndex()[1]!.offset);
    expect(lsns(s, 200)).toEqual(Array.from({ length: 100 }, (_, i) => 201 + i));
    expect(ok(s.readSince(64, 3)).map((r) => r.lsn)).toEqual([65, 66, 67]);
    expect(ok(s.readSince(300, 10))).toEqual([]);
    expect(ok(s.readSince(5, 0))).toEqual([]);
    const reopened = open(fs);
    expect(reopened.seekIndex()).toEqual(s.seekIndex());
    expect(reopened.recordCount).toBe(300);
  });

  it('re-encodes a record payload with the framing term (logical_wal_data_with_framing_term)', () => {
    // toy record codec: byte 0 is the term
    const codec: PayloadTermCodec = {
      termOf: (d) => (d.length > 0 ? d[0]! : null),
      withTerm: (d, t) => Uint8Array.of(t, ...d.subarray(1)),
    };
    const fs = newFs();
    const s = open(fs, undefined, undefined, codec);
    ok(s.append(1, Uint8Array.of(5, 9)));
    expect(readFramesFrom(ok(fs.readAll('logical.wal')), 0)[0]!.entry.term).toBe(5);
    ok(s.appendWithTermAndTimestamp(7, 2, 1, Uint8Array.of(5, 9)));
    expect(Array.from(ok(s.readSince(1, 1))[0]!.data)).toEqual([7, 9]);
  });
});

describe('prune_through', () => {
  it('keeps lsn > upto, rewrites via temp + rename, rebuilds the index and raises current_lsn to upto', () => {
    const fs = newFs();
    const s = open(fs);
    for (let l = 1; l <= 200; l++) ok(s.append(l, enc(`p${l}`)));
    expect(s.pruneThrough(150)).toBeNull();
    expect(fileLsns(fs)).toEqual(Array.from({ length: 50 }, (_, i) => 151 + i));
    expect(fs.names()).toEqual(['logical.wal']);
    expect(s.seekIndex()).toEqual([{ lsn: 151, offset: 0 }]);
    expect(s.recordCount).toBe(50);
    expect(s.currentLsn()).toBe(200);
    expect(s.pruneThrough(500)).toBeNull();
    expect(fileLsns(fs)).toEqual([]);
    expect(s.currentLsn()).toBe(500);
    ok(s.append(501, enc('next')));
    expect(lsns(s)).toEqual([501]);
  });

  it('upgrades legacy frames to v3: term from the payload, timestamp "now" only where it was 0', () => {
    const fs = newFs();
    fs.create('logical.wal');
    ok(fs.append('logical.wal', encodeLogicalWalV1ForCompat(1, enc('v1'))));
    ok(fs.append('logical.wal', ok(encodeLogicalWalV2ForCompat(2, 44, enc('v2')))));
    ok(fs.syncAll('logical.wal'));
    const clock = new ManualClock(5000);
    const s = open(fs, clock);
    expect(s.currentLsn()).toBe(2);
    ok(s.pruneThrough(0 + 0)); // upto 0 keeps everything but still re-frames
    const entries = readFramesFrom(ok(fs.readAll('logical.wal')), 0).map((f) => f.entry);
    expect(entries.map((e) => [e.version, e.term, e.lsn, e.timestampMs])).toEqual([
      [3, DEFAULT_REPLICATION_TERM, 1, 5000],
      [3, DEFAULT_REPLICATION_TERM, 2, 44],
    ]);
  });

  it('a crash after the rename keeps either the old spool or the pruned one, never a mix', () => {
    for (const keepRename of [0, 1]) {
      const fs = newFs();
      const s = open(fs);
      for (let l = 1; l <= 10; l++) ok(s.append(l, enc(`p${l}`)));
      ok(s.pruneThrough(6));
      expect(fs.pendingDirectoryOps).toBe(1); // the rename; the temp file's sync committed its create
      fs.crash({ choose: (kind, n) => (kind === 'reddb.fs.crash.dirops' ? keepRename : n - 1) });
      const after = lsns(open(fs));
      expect(after).toEqual(keepRename === 1 ? [7, 8, 9, 10] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
  });
});

describe('file layer crash model', () => {
  it('an unsynced growth survives at a chosen length; lost data reads as zeros', () => {
    const fs = newFs();
    fs.create('f');
    ok(fs.append('f', Uint8Array.of(1, 2, 3)));
    ok(fs.syncAll('f'));
    ok(fs.append('f', Uint8Array.of(4, 5, 6)));
    fs.crash({ choose: (kind, n) => (kind === 'reddb.fs.crash.length' ? 2 : kind === 'reddb.disk.crash.sectors' ? 0 : n - 1) });
    expect(Array.from(ok(fs.readAll('f')))).toEqual([1, 2, 3, 0, 0]);
  });

  it('an uncommitted create is lost when the crash keeps no directory operation; a sync commits it', () => {
    const fs = newFs();
    fs.create('f');
    fs.crash(FIRST_CHOICE);
    expect(fs.exists('f')).toBe(false);
    fs.create('g');
    ok(fs.syncAll('g'));
    fs.crash(FIRST_CHOICE);
    expect(fs.exists('g')).toBe(true);
  });

  it('set_len refuses to grow a file', () => {
    const fs = newFs();
    fs.create('f');
    expect(fs.setLen('f', 1)).toBeInstanceOf(StorageError);
    expect(fs.readAll('nope')).toBeInstanceOf(StorageError);
  });
});
