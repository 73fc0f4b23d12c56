// Rebuild server + async v2bridge executor over the test world: WAL catch-up, full extent,
// snapshot, truncate, scan-only fidelity (H9), epoch fencing, and the engine-call dispatcher.
import { describe, expect, it } from 'vitest';
import { ERR_TRUNCATION_UNSAFE } from '../../src/engine/errors.ts';
import type { IOResult } from '../../src/engine/executor.ts';
import { BridgeExecutor } from '../../src/replication/bridge_executor.ts';
import { RebuildServer } from '../../src/replication/rebuild_server.ts';
import { ReplicaReceiver } from '../../src/replication/receiver.ts';
import { BLOCK, BLOCKS, FakeVolume } from './fake_volume.ts';
import { TestWorld } from './harness.ts';

function setup(opts: { scanOnly?: boolean; extentTransferMs?: number } = {}) {
  const world = new TestWorld();
  const primary = new FakeVolume();
  const replica = new FakeVolume();
  const paced = opts.extentTransferMs === undefined ? {} : { extentTransferMs: opts.extentTransferMs, blockSize: BLOCK, timers: world };
  const server = new RebuildServer({ volume: primary, transport: world, listenAddr: 'p:rebuild', chunkBytes: 32, ...paced });
  expect(server.start()).toBeNull();
  const receiver = new ReplicaReceiver({ volume: replica, transport: world, timers: world, dataListenAddr: 'r:data', ctrlListenAddr: 'r:ctrl' });
  const exec = new BridgeExecutor({ replica, receiver, rebuildAddr: 'p:rebuild', transport: world, timers: world, scanOnly: opts.scanOnly ?? false, primary });
  const call = (f: (done: (r: IOResult) => void) => void): IOResult => {
    let out: IOResult | undefined;
    f((r) => (out = r));
    expect(out).toBeUndefined(); // completion is always a later event
    world.run();
    if (out === undefined) throw new Error('no completion');
    return out;
  };
  return { world, primary, replica, server, receiver, exec, call };
}

describe('WAL catch-up through the bridge', () => {
  it('delivers exactly (a, b] to the replica and syncs receiver progress', () => {
    const s = setup();
    for (let i = 1; i <= 6; i++) s.primary.write(i, 0x10 + i);
    for (let l = 1; l <= 2; l++) s.replica.applyRebuildEntry(s.primary.wal.get(l)!);
    const r = s.call((d) => s.exec.streamWALEntries(2, 5, d));
    expect(r).toEqual({ value: 5, err: null });
    expect([...s.replica.wal.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(s.receiver.receivedLSN()).toBe(5);
    expect(s.replica.read(4)).toBe(0x14);
  });

  it('WAL_RECYCLED from the server is an error', () => {
    const s = setup();
    for (let i = 1; i <= 4; i++) s.primary.write(i, i);
    s.primary.flush();
    const r = s.call((d) => s.exec.streamWALEntries(1, 4, d));
    expect(r.err?.message).toMatch(/WAL_RECYCLED/);
  });

  it('scanOnly (H9): reports the highest LSN seen but ships nothing', () => {
    const s = setup({ scanOnly: true });
    for (let i = 1; i <= 4; i++) s.primary.write(i, i);
    const r = s.call((d) => s.exec.streamWALEntries(1, 3, d));
    expect(r).toEqual({ value: 3, err: null });
    expect(s.replica.wal.size).toBe(0);
  });

  it('perform() dispatches engine calls', () => {
    const s = setup();
    for (let i = 1; i <= 3; i++) s.primary.write(i, i);
    const r = s.call((d) => s.exec.perform({ op: 'streamWALEntries', startExclusive: 0, endInclusive: 3 }, d));
    expect(r).toEqual({ value: 3, err: null });
  });
});

describe('full-extent rebuild', () => {
  it('installs the flushed extent; achieved = snapshotLSN - 1 = head; receiver follows', () => {
    const s = setup();
    for (let i = 1; i <= 5; i++) s.primary.write(i, 0x20 + i);
    s.replica.write(9, 0xee); // stale local data is replaced
    const r = s.call((d) => s.exec.transferFullBase(5, d));
    expect(r).toEqual({ value: 5, err: null });
    for (let i = 1; i <= 5; i++) expect(s.replica.read(i)).toBe(0x20 + i);
    expect(s.replica.read(9)).toBe(0);
    expect(s.replica.checkpoint).toBe(5);
    expect(s.replica.next).toBe(6);
    expect(s.receiver.receivedLSN()).toBe(5);
  });

  it('committed 0 installs and reports the head', () => {
    const s = setup();
    s.primary.write(1, 1);
    expect(s.call((d) => s.exec.transferFullBase(0, d))).toEqual({ value: 1, err: null });
  });

  it('a snapshot that does not cover the target fails after the install', () => {
    const s = setup();
    for (let i = 1; i <= 3; i++) s.primary.write(i, i);
    const r = s.call((d) => s.exec.transferFullBase(7, d));
    expect(r.err?.message).toMatch(/does not cover target 7/);
    expect(s.replica.next).toBe(4); // local state already replaced (spec: check after commit)
  });

  it('a request of another epoch is refused with EPOCH_MISMATCH', () => {
    const s = setup();
    s.replica.epochV = 3;
    const r = s.call((d) => s.exec.transferFullBase(0, d));
    expect(r.err?.message).toMatch(/EPOCH_MISMATCH/);
    expect(s.server.rejected).toBe(1);
    expect(s.server.served).toBe(0);
  });
});

describe('a paced rebuild server (the copy of a large volume takes a while)', () => {
  it('sends the extent one block per frame over the transfer time, then installs the same image', () => {
    const s = setup({ extentTransferMs: 16_000 });
    for (let i = 1; i <= 5; i++) s.primary.write(i, 0x40 + i);
    const r = s.call((d) => s.exec.transferFullBase(5, d));
    expect(r).toEqual({ value: 5, err: null });
    for (let i = 1; i <= 5; i++) expect(s.replica.read(i)).toBe(0x40 + i);
    // BLOCKS frames, one every 16 s / BLOCKS: the answer ends 16 s (plus latencies) after the request.
    expect(s.world.now()).toBeGreaterThanOrEqual(16_000);
    expect(s.world.now()).toBeLessThan(16_100);
  });

  it('a snapshot export is paced too and still verifies against its manifest', () => {
    const s = setup({ extentTransferMs: 8_000 });
    for (let i = 1; i <= 4; i++) s.primary.write(i, 0x50 + i);
    s.primary.flush();
    expect(s.call((d) => s.exec.transferSnapshot(4, d))).toEqual({ err: null });
    expect(s.replica.read(2)).toBe(0x52);
    expect(s.world.now()).toBeGreaterThanOrEqual(8_000);
  });

  it('stops at the first frame the broken connection refuses', () => {
    const s = setup({ extentTransferMs: 16_000 });
    s.primary.write(1, 1);
    let result: IOResult | undefined;
    s.exec.transferFullBase(1, (r) => (result = r));
    s.world.runFor(3_000); // a few blocks out
    const sent = s.world.sentFrames;
    expect(sent).toBeGreaterThan(2);
    expect(sent).toBeLessThan(BLOCKS);
    s.world.crash('p:rebuild'); // the connection breaks mid-copy
    s.world.run();
    expect(s.world.sentFrames).toBe(sent);
    expect(result?.err?.message).toMatch(/rebuild/);
  });
});

describe('snapshot rebuild', () => {
  it('exact boundary: verifies manifest + hash, commit(s+1)', () => {
    const s = setup();
    for (let i = 1; i <= 4; i++) s.primary.write(i, 0x30 + i);
    s.primary.flush();
    const r = s.call((d) => s.exec.transferSnapshot(4, d));
    expect(r).toEqual({ err: null });
    expect(s.replica.checkpoint).toBe(4);
    expect(s.replica.next).toBe(5);
    expect(s.receiver.receivedLSN()).toBe(4);
    expect(s.replica.read(3)).toBe(0x33);
  });

  it('boundary drift (H19): SNAPSHOT_BOUNDARY_MISMATCH, nothing committed', () => {
    const s = setup();
    for (let i = 1; i <= 4; i++) s.primary.write(i, i);
    s.primary.flush();
    s.primary.write(5, 5);
    const r = s.call((d) => s.exec.transferSnapshot(4, d));
    expect(r.err?.message).toMatch(/SNAPSHOT_BOUNDARY_MISMATCH/);
    expect(s.replica.next).toBe(1);
  });

  it('a dead rebuild server is an error, not a hang', () => {
    const s = setup();
    s.server.stop();
    const r = s.call((d) => s.exec.transferSnapshot(4, d));
    expect(r.err?.message).toMatch(/rebuild connect/);
  });
});

describe('truncateWAL', () => {
  it('safe when checkpoint == t: runtime becomes exactly t', () => {
    const s = setup();
    for (let i = 1; i <= 3; i++) s.replica.write(i, i, false);
    s.replica.flush();
    s.replica.write(4, 4, false);
    s.replica.write(5, 5, false);
    expect(s.call((d) => s.exec.truncateWAL(3, d))).toEqual({ err: null });
    expect(s.replica.next).toBe(4);
    expect(s.receiver.receivedLSN()).toBe(3);
  });

  it('unsafe wraps the engine ErrTruncationUnsafe', () => {
    const s = setup();
    for (let i = 1; i <= 3; i++) s.replica.write(i, i, false);
    const r = s.call((d) => s.exec.truncateWAL(2, d));
    expect(r.err?.is(ERR_TRUNCATION_UNSAFE)).toBe(true);
  });
});
