// Shipper + receiver + distributed sync over the deterministic test world: happy path, the
// TestBug1/TestBug2 analogues, catch-up, retries, retention, barrier timeout, epoch fencing.
import { describe, expect, it, vi } from 'vitest';
import { ReplicaState } from '../../src/engine/types.ts';
import { ERR_DURABILITY_BARRIER_FAILED, ERR_REPLICA_DEGRADED } from '../../src/replication/errors.ts';
import { storageErr } from '../../src/storage/errors.ts';
import { writeEntry } from '../../src/storage/blockvol/wal_entry.ts';
import { Cluster } from './cluster.ts';

describe('ship + barrier happy path', () => {
  it('sync_all succeeds, the replica has every entry and flushedLSN = lsnMax', () => {
    const c = new Cluster();
    c.writeN(3);
    expect(c.sync()).toBeNull();
    const r = c.replicas[0]!;
    expect(r.receiver.receivedLSN()).toBe(3);
    expect(r.receiver.flushedLSN()).toBe(3);
    expect(r.vol.durable).toBe(3);
    expect(c.shipper().state()).toBe(ReplicaState.InSync);
    expect(c.shipper().replicaFlushedLSN()).toBe(3);
    expect(c.shipper().hasFlushedProgress()).toBe(true);
    expect(c.shipper().shippedLSN()).toBe(3);
    expect(c.shipper().lastContactTime()).not.toBeNull();
    expect(c.failures()).toEqual([]);
  });

  it('Ship never grants InSync (bootstrap stays Disconnected until a barrier)', () => {
    const c = new Cluster();
    c.writeN(2);
    c.settle();
    expect(c.shipper().state()).toBe(ReplicaState.Disconnected);
    expect(c.replicas[0]!.receiver.receivedLSN()).toBe(2);
  });

  it('Ship drops entries of a stale epoch', () => {
    const c = new Cluster();
    c.shipper().ship(writeEntry(1, 7, 0, new Uint8Array(8)));
    c.settle();
    expect(c.shipper().obs.droppedStaleEpoch).toBe(1);
    expect(c.replicas[0]!.receiver.receivedLSN()).toBe(0);
  });
});

describe('TestBug1/TestBug2 analogues: replica down, writes, replica back', () => {
  it('sync_all fails while the replica is down and succeeds after it returns, with catch-up from R+1', () => {
    const c = new Cluster();
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    c.writeN(3);
    const err = c.sync();
    expect(err?.is(ERR_DURABILITY_BARRIER_FAILED)).toBe(true);
    expect(c.shipper().state()).toBe(ReplicaState.Degraded);
    c.restartReplica();
    expect(c.sync()).toBeNull();
    const r = c.replicas[0]!;
    expect(r.receiver.receivedLSN()).toBe(5);
    expect(r.receiver.flushedLSN()).toBe(5);
    for (let l = 3; l <= 5; l++) expect(r.vol.wal.has(l)).toBe(true);
    const h = c.shipper().obs.lastHandshake!;
    expect(h).toMatchObject({ status: 0, R: 2, H: 5, result: ReplicaState.CatchingUp, firstStreamedLSN: 3 });
    expect(c.shipper().state()).toBe(ReplicaState.InSync);
    expect(r.receiver.obs.gapRejects).toBe(0);
    expect(c.failures()).toEqual([]);
  });

  it('B19 on: barriers are skipped while all replicas are degraded and the gap is never repaired', () => {
    const c = new Cluster({ bugs: { B19: true } });
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    c.writeN(3);
    expect(c.sync()).not.toBeNull();
    c.restartReplica();
    const syncsBefore = c.world.sentFrames;
    expect(c.sync()).not.toBeNull();
    expect(c.world.sentFrames).toBe(syncsBefore); // short-circuit: not a single barrier frame
    c.writeN(1); // degraded shipper resumes live shipping with a gap
    c.settle();
    const r = c.replicas[0]!;
    expect(r.receiver.obs.gapRejects).toBeGreaterThan(0);
    expect(r.receiver.receivedLSN()).toBe(2);
    expect(c.shipper().state()).toBe(ReplicaState.Degraded);
  });
});

describe('reconnect matrix (§10.7), integration', () => {
  it('R == H: reconnect goes straight to InSync without streaming', () => {
    const c = new Cluster();
    c.writeN(3);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    expect(c.sync()).not.toBeNull(); // the barrier on the dead control connection degrades
    c.restartReplica();
    expect(c.sync()).toBeNull();
    const h = c.shipper().obs.lastHandshake!;
    expect(h).toMatchObject({ R: 3, H: 3, result: ReplicaState.InSync, firstStreamedLSN: null });
  });

  it('R + 1 < S: gap beyond retained WAL -> NeedsRebuild, never Degraded', () => {
    const c = new Cluster();
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    c.writeN(4);
    c.primary.setShipperFloorFn(() => ({ lsn: 0, found: false })); // no retention hold
    c.primary.flush(); // checkpoint 6 -> S = 7 > R + 1 = 3
    c.restartReplica();
    const err = c.sync();
    expect(err).not.toBeNull();
    expect(c.shipper().state()).toBe(ReplicaState.NeedsRebuild);
    expect(c.shipper().obs.lastHandshake).toMatchObject({ R: 2, S: 7, H: 6, result: ReplicaState.NeedsRebuild });
    expect(c.failures()).toEqual([]);
  });

  it('R > H: impossible progress -> NeedsRebuild', () => {
    const c = new Cluster();
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    expect(c.sync()).not.toBeNull();
    c.replicas[0]!.vol.checkpoint = 9; // new receiver starts with flushedLSN = 9
    c.restartReplica();
    expect(c.sync()).not.toBeNull();
    expect(c.shipper().obs.lastHandshake).toMatchObject({ R: 9, H: 2, result: ReplicaState.NeedsRebuild });
    expect(c.shipper().state()).toBe(ReplicaState.NeedsRebuild);
  });

  it('epoch mismatch in the handshake -> NeedsRebuild', () => {
    const c = new Cluster();
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    expect(c.sync()).not.toBeNull();
    c.replicas[0]!.vol.epochV = 2;
    c.restartReplica();
    expect(c.sync()).not.toBeNull();
    expect(c.shipper().obs.lastHandshake).toMatchObject({ status: 1, result: ReplicaState.NeedsRebuild });
  });

  it('a retention floor keeps the gap recoverable: the primary holds the checkpoint at R', () => {
    const c = new Cluster();
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    c.writeN(4);
    c.primary.flush(); // floor = replicaFlushedLSN 2 -> checkpoint held at 2
    expect(c.primary.checkpoint).toBe(2);
    c.restartReplica();
    expect(c.sync()).toBeNull();
    expect(c.shipper().obs.lastHandshake).toMatchObject({ R: 2, S: 3, H: 6, result: ReplicaState.CatchingUp, firstStreamedLSN: 3 });
  });
});

describe('catch-up failures and retention', () => {
  it('three failed catch-ups escalate to NeedsRebuild; the first two leave Degraded', () => {
    const c = new Cluster();
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    c.writeN(2);
    c.restartReplica();
    c.primary.scanError = storageErr('disk_error', 'read failed');
    expect(c.sync()?.is(ERR_DURABILITY_BARRIER_FAILED)).toBe(true);
    expect(c.shipper().state()).toBe(ReplicaState.Degraded);
    expect(c.shipper().catchupFailures()).toBe(1);
    c.sync();
    expect(c.shipper().catchupFailures()).toBe(2);
    expect(c.shipper().state()).toBe(ReplicaState.Degraded);
    c.sync();
    expect(c.shipper().state()).toBe(ReplicaState.NeedsRebuild);
    // NeedsRebuild has no exit: further barriers are rejected at once.
    c.primary.scanError = null;
    let got: unknown;
    c.shipper().barrier(4, (e) => (got = e));
    expect((got as { is(c: string): boolean }).is(ERR_REPLICA_DEGRADED)).toBe(true);
  });

  it('a successful catch-up resets the failure count', () => {
    const c = new Cluster();
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    c.writeN(2);
    c.restartReplica();
    c.primary.scanError = storageErr('disk_error', 'read failed');
    c.sync();
    expect(c.shipper().catchupFailures()).toBe(1);
    c.primary.scanError = null;
    expect(c.sync()).toBeNull();
    expect(c.shipper().catchupFailures()).toBe(0);
  });

  it('retention timeout: contact older than 5 min -> NeedsRebuild and the floor releases', () => {
    const c = new Cluster({ replicas: 2 });
    c.writeN(2);
    expect(c.sync()).toBeNull();
    expect(c.group.minRecoverableFlushedLSN()).toEqual({ lsn: 2, found: true });
    c.crashReplica(0);
    c.settle();
    c.world.runFor(4 * 60_000);
    expect(c.group.evaluateRetentionBudgets()).toEqual([]);
    c.writeN(1);
    c.mode = 'best_effort';
    expect(c.sync()).toBeNull(); // replica 1 keeps fresh contact
    c.world.runFor(2 * 60_000);
    expect(c.group.evaluateRetentionBudgets()).toEqual(['r1:data']);
    expect(c.shipper(0).state()).toBe(ReplicaState.NeedsRebuild);
    expect(c.shipper(1).state()).toBe(ReplicaState.InSync);
    expect(c.group.minRecoverableFlushedLSN()).toEqual({ lsn: 3, found: true });
    expect(c.group.minReplicaFlushedLSN()).toEqual({ lsn: 2, found: true });
  });
});

describe('barrier timeout and epoch fencing', () => {
  it('replica never receives lsnMax: BarrierTimeout after 5 s, shipper Degraded, sync_all fails', () => {
    const c = new Cluster();
    c.writeN(1);
    expect(c.sync()).toBeNull();
    c.primary.write(3, 9, false); // allocated but never shipped
    const t0 = c.world.now();
    const err = c.sync();
    expect(err?.is(ERR_DURABILITY_BARRIER_FAILED)).toBe(true);
    expect(c.world.now() - t0).toBeGreaterThanOrEqual(5_000);
    expect(c.shipper().state()).toBe(ReplicaState.Degraded);
    expect(c.replicas[0]!.receiver.flushedLSN()).toBe(1);
  });

  it('a late reply to a timed-out barrier is never read by the next barrier (bare retry redials ctrl)', () => {
    const c = new Cluster();
    c.writeN(1);
    c.settle(); // LSN 1 on the replica; no barrier yet, so no flushed progress (bootstrap path)
    const s = c.shipper();
    let first: ReturnType<Cluster['sync']> | undefined;
    c.committer.submit((err) => (first = err));
    while (!c.world.pendingLabels().includes('barrier:r1:ctrl')) expect(c.world.step()).toBe(true);
    const oldCtrl = (s as unknown as { ctrl: { conn: { id: number } } }).ctrl.conn.id;
    c.world.latency = 6_000; // the request is already under way; the replica's OK 1 arrives after the 5 s deadline
    while (first === undefined) expect(c.world.step()).toBe(true);
    c.world.latency = 1;
    expect(first?.is(ERR_DURABILITY_BARRIER_FAILED)).toBe(true);
    expect(s.state()).toBe(ReplicaState.Degraded);
    expect(s.hasFlushedProgress()).toBe(false);
    c.primary.write(3, 9); // LSN 2: Ship drops it (Degraded), so the replica never holds it
    const err = c.sync(); // lsnMax 2; the stale "OK, flushed 1" must not prove it
    expect(err?.is(ERR_DURABILITY_BARRIER_FAILED)).toBe(true);
    expect(s.obs.lastBarrier).toBeNull(); // no reply was taken as an answer (the replica's wait outlasts the deadline)
    expect(c.replicas[0]!.receiver.receivedLSN()).toBe(1);
    expect((s as unknown as { ctrl: { conn: { id: number } } | null }).ctrl?.conn.id).not.toBe(oldCtrl);
    expect(c.log.since(0).map((r) => r.err === null)).toEqual([false, false]);
    expect(c.failures()).toEqual([]);
  });

  it('replica at another epoch drops entries and answers barriers with EpochMismatch', () => {
    const c = new Cluster();
    c.replicas[0]!.vol.epochV = 2;
    c.writeN(2);
    const err = c.sync();
    expect(err).not.toBeNull();
    const r = c.replicas[0]!;
    expect(r.receiver.obs.staleEpochDrops).toBe(2);
    expect(r.receiver.receivedLSN()).toBe(0);
    expect(c.shipper().obs.lastBarrier).toMatchObject({ status: 1 });
    expect(c.shipper().state()).toBe(ReplicaState.Degraded);
    expect(c.failures()).toEqual([]);
  });

  it('fsync failure on the replica -> BarrierFsyncFailed, flushedLSN unchanged', () => {
    const c = new Cluster();
    c.writeN(2);
    c.replicas[0]!.vol.syncFails = true;
    expect(c.sync()).not.toBeNull();
    expect(c.shipper().obs.lastBarrier).toMatchObject({ status: 3 });
    expect(c.replicas[0]!.receiver.flushedLSN()).toBe(0);
  });

  it('a local fsync error is returned first', () => {
    const c = new Cluster();
    c.writeN(1);
    c.primary.syncFails = true;
    expect(c.sync()?.code).toBe('disk_error');
  });

  it('dial to a black-holed replica times out after 3 s and degrades', () => {
    const c = new Cluster();
    c.world.blackhole('r1:ctrl');
    c.world.blackhole('r1:data');
    c.writeN(1);
    const t0 = c.world.now();
    expect(c.sync()).not.toBeNull();
    expect(c.world.now() - t0).toBeGreaterThanOrEqual(3_000);
    expect(c.shipper().state()).toBe(ReplicaState.Degraded);
  });
});

describe('proactive reconnect (B29)', () => {
  function outage(c: Cluster): void {
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    c.writeN(2);
    c.sync();
    c.restartReplica();
  }

  it('fixed: tryReconnect brings a degraded shipper back to InSync without foreground I/O', () => {
    const c = new Cluster();
    outage(c);
    c.group.tryReconnectAll();
    c.settle();
    expect(c.shipper().state()).toBe(ReplicaState.InSync);
    expect(c.replicas[0]!.receiver.receivedLSN()).toBe(4);
  });

  it('B29 on: tryReconnect does nothing and the shipper stays Degraded', () => {
    const c = new Cluster({ bugs: { B29: true } });
    outage(c);
    c.group.tryReconnectAll();
    c.settle();
    expect(c.shipper().state()).toBe(ReplicaState.Degraded);
    expect(c.replicas[0]!.receiver.receivedLSN()).toBe(2);
  });

  // TryReconnectAll / TryReconnect / HasTransportContact (f90ccf5bf): every shipper without
  // transport contact runs the full reconnect, whether or not it ever had a barrier.
  it('a fresh shipper that never had a barrier is reconnected by tryReconnectAll', () => {
    const c = new Cluster();
    // The primary's entries predate the shipper (a new group after SetReplicaAddrs): nothing shipped.
    for (let i = 0; i < 3; i++) c.primary.write(i, i + 1, false);
    expect(c.shipper().state()).toBe(ReplicaState.Disconnected);
    expect(c.shipper().hasFlushedProgress()).toBe(false);
    c.group.tryReconnectAll();
    c.settle();
    expect(c.shipper().state()).toBe(ReplicaState.InSync);
    expect(c.shipper().obs.lastHandshake).toMatchObject({ R: 0, H: 3 });
    expect(c.replicas[0]!.receiver.receivedLSN()).toBe(3);
    expect(c.failures()).toEqual([]);
  });

  it('a shipper with transport contact is left alone by tryReconnectAll', () => {
    const c = new Cluster();
    c.writeN(2);
    c.settle();
    // Shipped but never had a barrier: still Disconnected, yet it has transport contact.
    expect(c.shipper().state()).toBe(ReplicaState.Disconnected);
    expect(c.shipper().shippedLSN()).toBe(2);
    const calls = vi.spyOn(c.shipper(), 'tryReconnect');
    c.group.tryReconnectAll();
    c.settle();
    expect(calls).not.toHaveBeenCalled();
    expect(c.shipper().state()).toBe(ReplicaState.Disconnected);
    expect(c.shipper().obs.lastHandshake).toBeNull();
  });

  it('hasTransportContact follows the state, then shipped progress or a last contact', () => {
    const c = new Cluster();
    expect(c.shipper().hasTransportContact()).toBe(false); // fresh and disconnected
    c.writeN(2);
    expect(c.sync()).toBeNull();
    expect(c.shipper().state()).toBe(ReplicaState.InSync);
    expect(c.shipper().hasTransportContact()).toBe(true);
    c.crashReplica();
    c.settle();
    c.writeN(1);
    expect(c.sync()).not.toBeNull();
    expect(c.shipper().state()).toBe(ReplicaState.Degraded);
    expect(c.shipper().hasTransportContact()).toBe(false); // degraded: no, despite its progress
  });
});

describe('writes during catch-up (H10)', () => {
  it('entries written while CatchingUp are dropped; the next barrier times out, then converges', () => {
    const c = new Cluster({ catchupBatch: 1 });
    c.writeN(1);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    c.writeN(4);
    c.restartReplica();
    let result: unknown = 'pending';
    c.committer.submit((e) => (result = e));
    let wrote = false;
    c.world.run(100_000, () => {
      if (!wrote && c.shipper().state() === ReplicaState.CatchingUp) {
        wrote = true;
        c.writeN(1);
      }
    });
    expect(wrote).toBe(true);
    // the sync's lsnMax was 5; the write at 6 is lost to the replica until the next reconnect
    expect(result).toBeNull();
    expect(c.replicas[0]!.receiver.receivedLSN()).toBe(5);
    expect(c.sync()).not.toBeNull();
    expect(c.shipper().state()).toBe(ReplicaState.Degraded);
    expect(c.sync()).toBeNull();
    expect(c.replicas[0]!.receiver.receivedLSN()).toBe(6);
  });
});
