// Group commit batching and the durability modes of §10.8 (quorum arithmetic, best_effort,
// legacy barrier replies and B26).
import { describe, expect, it } from 'vitest';
import { GroupCommitter, quorumHolds } from '../../src/replication/group_commit.ts';
import { ERR_DURABILITY_BARRIER_FAILED, ERR_DURABILITY_QUORUM_LOST } from '../../src/replication/errors.ts';
import { ReplicaState } from '../../src/engine/types.ts';
import { Cluster } from './cluster.ts';
import { TestWorld } from './harness.ts';

describe('GroupCommitter', () => {
  it('batches up to 64 waiters per sync, one sync at a time, after at most 1 ms', () => {
    const world = new TestWorld();
    let calls = 0;
    const gc = new GroupCommitter((done) => {
      calls += 1;
      world.after(5, 'fsync', () => done(null));
    }, world);
    let acked = 0;
    for (let i = 0; i < 100; i++) gc.submit(() => (acked += 1));
    world.run();
    expect(calls).toBe(2);
    expect(acked).toBe(100);
    gc.submit(() => (acked += 1));
    const t0 = world.now();
    world.step();
    expect(world.now() - t0).toBe(1);
    world.run();
    expect(calls).toBe(3);
  });

  it('every waiter of a batch gets the batch error', () => {
    const world = new TestWorld();
    const gc = new GroupCommitter((done) => world.after(0, 'x', () => done(new (class extends Error {})() as never)), world);
    const got: unknown[] = [];
    gc.submit((e) => got.push(e));
    gc.submit((e) => got.push(e));
    world.run();
    expect(got.length).toBe(2);
    expect(got.every((e) => e !== null)).toBe(true);
  });
});

describe('durability modes', () => {
  it('quorum arithmetic: rf = n+1, quorum = rf/2+1, durable = 1 + successes', () => {
    expect(quorumHolds(2, 1)).toBe(true); // rf 3, quorum 2
    expect(quorumHolds(2, 0)).toBe(false);
    expect(quorumHolds(3, 1)).toBe(false); // rf 4, quorum 3
    expect(quorumHolds(3, 2)).toBe(true);
    expect(quorumHolds(4, 2)).toBe(true); // rf 5, quorum 3
  });

  it('sync_quorum with RF 3: one replica down is fine, two is quorum lost; best_effort always succeeds', () => {
    const c = new Cluster({ replicas: 2, mode: 'sync_quorum' });
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica(0);
    c.settle();
    c.writeN(1);
    expect(c.sync()).toBeNull();
    c.crashReplica(1);
    c.settle();
    c.writeN(1);
    expect(c.sync()?.is(ERR_DURABILITY_QUORUM_LOST)).toBe(true);
    c.mode = 'best_effort';
    expect(c.sync()).toBeNull();
    expect(c.failures()).toEqual([]);
  });

  it('no shippers: local fsync only', () => {
    const c = new Cluster({ replicas: 0 });
    c.writeN(1);
    expect(c.sync()).toBeNull();
    expect(c.primary.syncCount).toBe(1);
  });
});

describe('legacy barrier reply (B26)', () => {
  it('fixed: BarrierOK without FlushedLSN is an error; sync_all fails; the shipper is not InSync', () => {
    const c = new Cluster({ legacyReply: true });
    c.writeN(2);
    expect(c.sync()?.is(ERR_DURABILITY_BARRIER_FAILED)).toBe(true);
    expect(c.shipper().state()).not.toBe(ReplicaState.InSync);
    expect(c.shipper().hasFlushedProgress()).toBe(false);
    expect(c.failures()).toEqual([]);
  });

  it('B26 on: sync_all acknowledges without proof and W6 fires as a candidate', () => {
    const c = new Cluster({ legacyReply: true, bugs: { B26: true } });
    c.writeN(2);
    expect(c.sync()).toBeNull();
    expect(c.shipper().state()).toBe(ReplicaState.InSync);
    const f = c.checks.w6();
    expect(f?.id).toBe('W6');
    expect(f?.candidate).toBe(true);
  });
});
