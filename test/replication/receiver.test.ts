// Replica receiver (§10.5) driven directly over the test world: gap rejection, duplicates,
// barrier waits woken by applies, WAL-full retry, address canonicalisation (B18), idempotent
// start (B28), resume handshake replies.
import { describe, expect, it } from 'vitest';
import type { Conn } from '../../src/replication/transport.ts';
import { ReplicaReceiver } from '../../src/replication/receiver.ts';
import { canonicalizeAddr } from '../../src/replication/addr.ts';
import * as w from '../../src/replication/wire.ts';
import { encodeWALEntry, writeEntry } from '../../src/storage/blockvol/wal_entry.ts';
import type { ReplicationBugSwitches } from '../../src/replication/bugs.ts';
import { FakeVolume } from './fake_volume.ts';
import { TestWorld } from './harness.ts';

function setup(bugs: ReplicationBugSwitches = {}, dataAddr = 'r:data') {
  const world = new TestWorld();
  const vol = new FakeVolume();
  const rx = new ReplicaReceiver({ volume: vol, transport: world, timers: world, dataListenAddr: dataAddr, ctrlListenAddr: 'r:ctrl', bugs, advertisedHost: '10.0.0.7' });
  expect(rx.start()).toBeNull();
  const replies: Uint8Array[] = [];
  const open = (addr: string): Conn => {
    let conn: Conn | null = null;
    world.dial(addr, { onFrame: (f) => replies.push(f), onClose: () => {} }, (c) => (conn = c));
    world.run();
    return conn!;
  };
  const entry = (lsn: number, epoch = 1) => w.encodeFrame(w.MsgWALEntry, encodeWALEntry(writeEntry(lsn, epoch, lsn, new Uint8Array(8).fill(lsn))));
  const barrier = (lsn: number, epoch = 1) => w.encodeFrame(w.MsgBarrierReq, w.encodeBarrierRequest({ vid: 0, lsn, epoch }));
  const lastBarrier = () => w.decodeBarrierResponse(w.decodeFrame(replies[replies.length - 1]!).value!.payload).value!;
  return { world, vol, rx, replies, open, entry, barrier, lastBarrier };
}

describe('applyEntry', () => {
  it('TestAdversarial_ReplicaRejectsGapLSN: a gap is rejected, never buffered; duplicates are ignored', () => {
    const s = setup();
    const d = s.open('r:data');
    d.send(s.entry(1));
    d.send(s.entry(3));
    s.world.run();
    expect(s.rx.receivedLSN()).toBe(1);
    expect(s.rx.obs.gapRejects).toBe(1);
    expect(s.vol.wal.has(3)).toBe(false);
    d.send(s.entry(2));
    d.send(s.entry(2));
    d.send(s.entry(3));
    s.world.run();
    expect(s.rx.receivedLSN()).toBe(3);
    expect(s.rx.obs.duplicates).toBe(1);
    expect(s.rx.obs.applyViolation).toBeNull();
  });

  it('WAL full: retries every 1 ms and holds later frames of the connection back', () => {
    const s = setup();
    s.vol.walFullAnswers = 3;
    const d = s.open('r:data');
    d.send(s.entry(1));
    d.send(s.entry(2));
    s.world.run();
    expect(s.rx.receivedLSN()).toBe(2);
    expect(s.rx.obs.gapRejects).toBe(0);
  });

  it("an apply holds the receiver's mu: a second connection's entry waits, then is judged against the new receivedLSN", () => {
    const s = setup();
    s.vol.holdApplies = true;
    const a = s.open('r:data');
    const b = s.open('r:data');
    a.send(s.entry(1));
    s.world.run();
    b.send(s.entry(1)); // the same LSN on another connection (a reconnect racing the old one)
    s.world.run();
    expect(s.rx.receivedLSN()).toBe(0);
    expect(s.vol.finishApply()).toBe(true); // connection a's apply stores 1, then b is judged
    expect(s.rx.receivedLSN()).toBe(1);
    expect(s.rx.obs.duplicates).toBe(1);
    expect(s.vol.finishApply()).toBe(false); // b applied nothing
    expect(s.rx.obs.applyViolation).toBeNull();
  });

  it('a progress store during an apply lands after the apply\'s own store (it may lower receivedLSN: H22)', () => {
    const s = setup();
    const d = s.open('r:data');
    d.send(s.entry(1));
    s.world.run();
    s.vol.holdApplies = true;
    d.send(s.entry(2));
    s.world.run();
    s.rx.setReceivedLSN(1); // SyncReceiverProgress(1) while LSN 2 is being applied
    expect(s.rx.receivedLSN()).toBe(1);
    expect(s.rx.obs.resets).toBe(0);
    s.vol.finishApply();
    expect(s.rx.receivedLSN()).toBe(1); // 2 was stored, then the waiting store lowered it
    expect(s.rx.obs.resets).toBe(1);
    expect(s.rx.obs.applyViolation).toBeNull();
  });

  it('remembers the stores that lowered receivedLSN below a reset point (H22 evidence)', () => {
    const s = setup();
    s.rx.setReceivedLSN(28); // an install's reset to 28
    expect(s.rx.obs.loweringBelow(28)).toBeNull();
    s.rx.setReceivedLSN(23); // a stale SyncReceiverProgress
    s.rx.setReceivedLSN(23);
    expect(s.rx.obs.loweringBelow(28)).toEqual({ from: 28, to: 23 });
    s.rx.setReceivedLSN(28); // a later reset back at the point: nothing lowered since
    expect(s.rx.obs.loweringBelow(28)).toBeNull();
  });

  it('corrupt payloads are dropped', () => {
    const s = setup();
    const d = s.open('r:data');
    const f = s.entry(1);
    f[f.length - 9] ^= 0xff;
    d.send(f);
    s.world.run();
    expect(s.rx.obs.decodeErrors).toBe(1);
    expect(s.rx.receivedLSN()).toBe(0);
  });
});

describe('barriers', () => {
  it('waits for receivedLSN >= req.LSN, woken by the apply; flushedLSN = req.LSN', () => {
    const s = setup();
    const c = s.open('r:ctrl');
    const d = s.open('r:data');
    c.send(s.barrier(2));
    s.world.runFor(100);
    expect(s.replies.length).toBe(0);
    d.send(s.entry(1));
    d.send(s.entry(2));
    s.world.run();
    expect(s.lastBarrier()).toEqual({ status: 0, flushedLSN: 2, legacy: false });
    expect(s.rx.flushedLSN()).toBe(2);
    expect(s.vol.durable).toBe(2);
    expect(s.rx.obs.lastFlush).toMatchObject({ reqLSN: 2, receivedAtFsync: 2, fsynced: true });
  });

  it('times out after 5 s and leaves flushedLSN alone', () => {
    const s = setup();
    const c = s.open('r:ctrl');
    c.send(s.barrier(1));
    const t0 = s.world.now();
    s.world.run();
    expect(s.lastBarrier().status).toBe(w.BarrierStatus.Timeout);
    expect(s.world.now() - t0).toBeGreaterThanOrEqual(5_000);
    expect(s.rx.flushedLSN()).toBe(0);
  });

  it('epoch mismatch is answered at once', () => {
    const s = setup();
    const c = s.open('r:ctrl');
    c.send(s.barrier(0, 9));
    s.world.run();
    expect(s.lastBarrier().status).toBe(w.BarrierStatus.EpochMismatch);
  });

  it('flushedLSN = max(old, req): an older barrier never lowers it', () => {
    const s = setup();
    const c = s.open('r:ctrl');
    const d = s.open('r:data');
    for (let l = 1; l <= 3; l++) d.send(s.entry(l));
    c.send(s.barrier(3));
    c.send(s.barrier(1));
    s.world.run();
    expect(s.lastBarrier().flushedLSN).toBe(3);
  });
});

describe('resume handshake replies', () => {
  it('OK with flushedLSN, EpochMismatch, NeedsRebuild on garbage', () => {
    const s = setup();
    s.vol.checkpoint = 0;
    const d = s.open('r:data');
    d.send(w.encodeFrame(w.MsgResumeShipReq, w.encodeResumeShipReq({ epoch: 1, primaryHeadLSN: 9, walRetainStart: 1 })));
    d.send(w.encodeFrame(w.MsgResumeShipReq, w.encodeResumeShipReq({ epoch: 2, primaryHeadLSN: 9, walRetainStart: 1 })));
    d.send(w.encodeFrame(w.MsgResumeShipReq, new Uint8Array(3)));
    s.world.run();
    const st = s.replies.map((f) => w.decodeResumeShipResp(w.decodeFrame(f).value!.payload).value!.status);
    expect(st).toEqual([w.ResumeStatus.OK, w.ResumeStatus.EpochMismatch, w.ResumeStatus.NeedsRebuild]);
  });
});

describe('addresses and start (B18, B28)', () => {
  it('canonicalises wildcard binds', () => {
    expect(canonicalizeAddr(':3260', 'h1', null)).toBe('h1:3260');
    expect(canonicalizeAddr('0.0.0.0:3260', null, '10.1.1.1')).toBe('10.1.1.1:3260');
    expect(canonicalizeAddr('[::]:3260', null, null)).toBe('[::]:3260');
    expect(canonicalizeAddr('10.2.2.2:1', 'h1', null)).toBe('10.2.2.2:1');
  });

  it('the receiver advertises the canonical address; B18 on: the raw wildcard', () => {
    expect(setup({}, ':4000').rx.dataAddr()).toBe('10.0.0.7:4000');
    expect(setup({ B18: true }, ':4000').rx.dataAddr()).toBe(':4000');
  });

  it('a repeated start is skipped; B28 on: it fails on the bound port', () => {
    expect(setup().rx.start()).toBeNull();
    expect(setup({ B28: true }).rx.start()?.message).toMatch(/already in use/);
  });
});
