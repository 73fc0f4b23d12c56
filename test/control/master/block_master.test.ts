// The BlockMaster facade: heartbeat streams, replies (pending assignments + lease grants),
// disconnect -> failover, create. Derived from master_grpc_server.go SendHeartbeat's block path,
// master_grpc_server_block_test.go (TestMaster_Create*) and TestLifecycle_CreateFailoverRebuild.
import { describe, expect, it } from 'vitest';
import {
  BlockMaster, Role, assignmentOverWire, fullHeartbeat, heartbeat, infoMessage,
  type AllocateFn, type BlockAllocResult,
} from '../../../src/control/master/index.ts';

const alloc = (server: string, name: string): BlockAllocResult => ({
  path: `/data/${name}.blk`, iqn: `iqn:${name}`, iscsiAddr: `${server}:3260`, nvmeAddr: '', nqn: '',
  replicaDataAddr: `${server}:4260`, replicaCtrlAddr: `${server}:4261`, rebuildListenAddr: `${server}:15000`,
});
const allocAll: AllocateFn = (s, n) => alloc(s, n);
const T0 = 1_000;

function report(path: string, epoch: number, role: number, extra: Parameters<typeof infoMessage>[0] extends infer P ? Partial<P> : never = {}) {
  return infoMessage({ path, epoch, role, healthScore: 1, ...extra });
}

/** Create vol1 on vs1 (primary) + vs2 and bring both streams up with matching full heartbeats. */
function cluster(rf = 2): BlockMaster {
  const m = new BlockMaster();
  const servers = ['vs1', 'vs2', 'vs3'].slice(0, rf);
  for (const s of servers) m.onHeartbeat(`${s}#1`, s, fullHeartbeat([]), T0);
  const r = m.createBlockVolume({ name: 'vol1', sizeBytes: 1 << 20, replicaFactor: rf, durabilityMode: 'sync_all' }, servers, allocAll, T0);
  expect('response' in r).toBe(true);
  return m;
}

describe('createBlockVolume', () => {
  it('TestMaster_CreateWithReplica / CreateEnqueuesAssignments: epoch 1, Primary + Replica assignments, no ServerIDs (upstream)', () => {
    const m = cluster();
    const e = m.registry.lookup('vol1')!;
    expect([e.volumeServer, e.epoch, e.role, e.leaseTTL, e.lastLeaseGrant, e.rebuildListenAddr]).toEqual(['vs1', 1, Role.Primary, 30_000, T0, 'vs1:15000']);
    const [p] = m.queue.peek('vs1');
    expect(p).toMatchObject({ epoch: 1, role: Role.Primary, leaseTtlMs: 30_000, replicaDataAddr: 'vs2:4260', replicaServerID: '' });
    expect(p!.replicaAddrs).toEqual([{ dataAddr: 'vs2:4260', ctrlAddr: 'vs2:4261', serverID: '' }]);
    expect(m.queue.peek('vs2')).toMatchObject([{ epoch: 1, role: Role.Replica, replicaDataAddr: 'vs2:4260' }]);
  });

  it('TestMaster_CreateIdempotent / CreateIdempotentSizeMismatch', () => {
    const m = cluster();
    expect(m.createBlockVolume({ name: 'vol1', sizeBytes: 1 << 20, replicaFactor: 2, durabilityMode: 'sync_all' }, ['vs9'], allocAll, T0)).toMatchObject({ response: { volumeServer: 'vs1' } });
    expect(m.createBlockVolume({ name: 'vol1', sizeBytes: 1 << 21, replicaFactor: 2, durabilityMode: 'sync_all' }, ['vs9'], allocAll, T0)).toMatchObject({ error: expect.stringMatching(/exists with size/) });
    expect(m.createBlockVolume({ name: 'vol1', sizeBytes: 1, replicaFactor: 2, durabilityMode: 'best_effort' }, ['vs9'], allocAll, T0)).toMatchObject({ error: expect.stringMatching(/durability_mode/) });
  });

  it('TestMaster_CreateVSFailure_Retry / CreateReplica_SecondFails_SingleCopy / strict mode cleanup', () => {
    const m = new BlockMaster();
    const failing: AllocateFn = (s, n) => (s === 'vs1' || s === 'vs3' ? { error: 'disk full' } : alloc(s, n));
    const ok = m.createBlockVolume({ name: 'a', sizeBytes: 1, replicaFactor: 2, durabilityMode: '' }, ['vs1', 'vs2', 'vs3'], failing, T0);
    expect(ok).toMatchObject({ response: { volumeServer: 'vs2', replicaServers: [] } });
    const strict = m.createBlockVolume({ name: 'b', sizeBytes: 1, replicaFactor: 2, durabilityMode: 'sync_all' }, ['vs1', 'vs2', 'vs3'], failing, T0);
    expect(strict).toEqual({ error: 'durability mode "sync_all" requires 1 replicas but only 0 provisioned', cleanup: ['vs2'] });
    expect(m.registry.lookup('b')).toBeNull();
    expect(m.createBlockVolume({ name: 'c', sizeBytes: 1, replicaFactor: 2, durabilityMode: 'sync_quorum' }, ['vs2'], failing, T0)).toMatchObject({ error: expect.stringMatching(/requires replica_factor >= 3/) });
  });

  it('TestMaster_CreateRF3_AssignmentsIncludeReplicaAddrs', () => {
    const m = cluster(3);
    expect(m.queue.peek('vs1')[0]!.replicaAddrs.map((r) => r.dataAddr)).toEqual(['vs2:4260', 'vs3:4260']);
    expect(m.queue.peek('vs1')[0]!.replicaDataAddr).toBe('');
  });
});

describe('onHeartbeat', () => {
  it('pending assignments are re-sent on every heartbeat until a full heartbeat reports (path, epoch)', () => {
    const m = cluster();
    const hb1 = m.onHeartbeat('vs1#1', 'vs1', heartbeat(), T0 + 10);
    expect(hb1!.blockVolumeAssignments.map((a) => [a.epoch, a.role, a.replicaAddrs.length])).toEqual([[1, Role.Primary, 1]]);
    const hb2 = m.onHeartbeat('vs1#1', 'vs1', heartbeat(), T0 + 20);
    expect(hb2!.blockVolumeAssignments).toHaveLength(1);
    // Confirmed by a full heartbeat: only the lease grant remains.
    const hb3 = m.onHeartbeat('vs1#1', 'vs1', fullHeartbeat([report('/data/vol1.blk', 1, Role.Primary)]), T0 + 30);
    expect(hb3!.blockVolumeAssignments).toEqual([{ path: '/data/vol1.blk', epoch: 1, role: Role.Primary, leaseTtlMs: 30_000, replicaDataAddr: '', replicaCtrlAddr: '', replicaServerID: '', rebuildAddr: '', replicaAddrs: [] }]);
    expect(m.queue.pending('vs1')).toBe(0);
  });

  it('a replica gets no lease grant; with nothing pending upstream sends no block reply', () => {
    const m = cluster();
    expect(m.onHeartbeat('vs2#1', 'vs2', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica)]), T0 + 5)).toBeNull();
  });

  it('lease grants answer plain heartbeats too, but only full heartbeats stamp LastLeaseGrant (upstream hazard)', () => {
    const m = cluster();
    m.onHeartbeat('vs1#1', 'vs1', fullHeartbeat([report('/data/vol1.blk', 1, Role.Primary)]), T0 + 10);
    const later = m.onHeartbeat('vs1#1', 'vs1', heartbeat(), T0 + 20_000);
    expect(later!.blockVolumeAssignments.map((a) => a.leaseTtlMs)).toEqual([30_000]);
    expect(m.registry.lookup('vol1')!.lastLeaseGrant).toBe(T0 + 10);
    // vs2 keeps reporting; vs1's stream drops. The master promotes at T0+10+30s although vs1
    // was granted a 30 s lease at T0+20s (valid until at least T0+50s).
    m.onHeartbeat('vs2#1', 'vs2', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica)]), T0 + 20_000);
    m.onDisconnect('vs1#1', T0 + 21_000);
    expect(m.nextDeadline()).toBe(T0 + 10 + 30_000);
    m.fireTimers(T0 + 30_010);
    expect(m.registry.lookup('vol1')!).toMatchObject({ volumeServer: 'vs2', epoch: 2 });
  });

  it('a same-epoch refresh is confirmed before it is ever sent if the next message is a full heartbeat (upstream hazard)', () => {
    const m = cluster();
    m.onHeartbeat('vs1#1', 'vs1', fullHeartbeat([report('/data/vol1.blk', 1, Role.Primary)]), T0 + 1);
    m.onHeartbeat('vs2#1', 'vs2', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica, { replicaDataAddr: 'vs2:4260', replicaCtrlAddr: 'vs2:4261' })]), T0 + 2);
    // vs2 restarts its receiver on a new port: the master queues a Primary refresh for vs1 at epoch 1.
    m.onHeartbeat('vs2#1', 'vs2', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica, { replicaDataAddr: 'vs2:5555', replicaCtrlAddr: 'vs2:4261' })]), T0 + 3);
    expect(m.queue.peek('vs1').map((a) => a.replicaDataAddr)).toEqual(['vs2:5555']);
    const reply = m.onHeartbeat('vs1#1', 'vs1', fullHeartbeat([report('/data/vol1.blk', 1, Role.Primary)]), T0 + 4);
    expect(reply!.blockVolumeAssignments.every((a) => a.replicaDataAddr === '')).toBe(true);
    expect(m.queue.pending('vs1')).toBe(0);
  });

  it('disconnect -> promotion -> only the new primary is told; the old primary returns and is given a rebuild', () => {
    const m = cluster(3);
    m.onHeartbeat('vs1#1', 'vs1', fullHeartbeat([report('/data/vol1.blk', 1, Role.Primary, { walHeadLsn: 10 })]), T0 + 1);
    m.onHeartbeat('vs2#1', 'vs2', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica, { walHeadLsn: 10 })]), T0 + 2);
    m.onHeartbeat('vs3#1', 'vs3', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica, { walHeadLsn: 10, healthScore: 0.9 })]), T0 + 3);
    m.onDisconnect('vs1#1', T0 + 5);
    expect(m.registry.isBlockCapable('vs1')).toBe(false);
    m.fireTimers(T0 + 1 + 30_000);
    expect(m.registry.lookup('vol1')!).toMatchObject({ volumeServer: 'vs2', epoch: 2 });
    // vs2 and vs3 heartbeat (plain): vs2 gets its Primary assignment, vs3 nothing.
    expect(m.onHeartbeat('vs2#1', 'vs2', heartbeat(), T0 + 30_100)!.blockVolumeAssignments.map((a) => [a.epoch, a.role])).toEqual([[2, Role.Primary]]);
    expect(m.onHeartbeat('vs3#1', 'vs3', heartbeat(), T0 + 30_100)).toBeNull();
    // vs1 comes back on a new stream: recoverBlockVolumes runs before its first heartbeat applies.
    const back = m.onHeartbeat('vs1#2', 'vs1', fullHeartbeat([report('/data/vol1.blk', 1, Role.Primary, { walHeadLsn: 12 })]), T0 + 40_000);
    expect(back!.blockVolumeAssignments.map((a) => [a.epoch, a.role, a.rebuildAddr])).toEqual([[2, Role.Rebuilding, '']]);
    const e = m.registry.lookup('vol1')!;
    expect(e.volumeServer).toBe('vs2');
    expect(e.replicas.map((r) => [r.server, r.role])).toEqual([['vs3', Role.Replica], ['vs1', Role.Primary]]);
  });

  it('the new primary reporting its old epoch before applying the assignment rolls the registry epoch back (upstream hazard)', () => {
    const m = cluster();
    m.onHeartbeat('vs1#1', 'vs1', fullHeartbeat([report('/data/vol1.blk', 1, Role.Primary)]), T0 + 1);
    m.onHeartbeat('vs2#1', 'vs2', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica)]), T0 + 2);
    m.onDisconnect('vs1#1', T0 + 3);
    m.fireTimers(T0 + 1 + 30_000);
    expect(m.registry.lookup('vol1')!.epoch).toBe(2);
    const reply = m.onHeartbeat('vs2#1', 'vs2', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica)]), T0 + 30_002);
    expect(reply!.blockVolumeAssignments.map((a) => a.epoch)).toEqual([2]); // still pending, re-sent
    expect(m.registry.lookup('vol1')!).toMatchObject({ epoch: 1, role: Role.Replica });
    // If vs2 now dies, failover skips the volume: its Role is no longer Primary.
    m.onDisconnect('vs2#1', T0 + 30_003);
    expect(m.nextDeadline()).toBeNull();
    expect(m.registry.lookup('vol1')!.volumeServer).toBe('vs2');
  });

  it('a reconnect before the old stream ends is a phantom: the old stream ending triggers nothing (dn.Counter)', () => {
    const m = cluster();
    m.onHeartbeat('vs1#1', 'vs1', fullHeartbeat([report('/data/vol1.blk', 1, Role.Primary)]), T0 + 1);
    m.onHeartbeat('vs2#1', 'vs2', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica)]), T0 + 2);
    m.onHeartbeat('vs1#2', 'vs1', fullHeartbeat([report('/data/vol1.blk', 1, Role.Primary)]), T0 + 3);
    m.onDisconnect('vs1#1', T0 + 4);
    expect(m.registry.isBlockCapable('vs1')).toBe(true);
    expect(m.nextDeadline()).toBeNull();
    m.onDisconnect('never-spoke', T0 + 5);
    m.onDisconnect('vs1#2', T0 + 6);
    expect(m.nextDeadline()).toBe(T0 + 3 + 30_000);
  });

  it('a delta heartbeat removing the primary path deletes the volume', () => {
    const m = cluster();
    m.onHeartbeat('vs1#1', 'vs1', heartbeat({ deletedBlockVolumes: [{ path: '/data/vol1.blk', volumeSize: 0, blockSize: 0, diskType: '' }] }), T0 + 1);
    expect(m.registry.lookup('vol1')).toBeNull();
  });

  it('manualPromote finalizes like the auto path', () => {
    const m = cluster();
    m.onHeartbeat('vs2#1', 'vs2', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica)]), T0 + 2);
    expect(m.manualPromote('vol1', '', false, T0 + 3)).toMatchObject({ preflight: { reason: 'primary_alive' } });
    expect(m.manualPromote('vol1', 'vs2', true, T0 + 3)).toEqual({ newPrimary: 'vs2', epoch: 2 });
    expect(m.queue.peek('vs2').map((a) => [a.epoch, a.role])).toEqual([[2, Role.Primary]]);
    expect(m.failover.pendingRebuildsFor('vs1').map((r) => r.volumeName)).toEqual(['vol1']);
  });
});

describe('wire and determinism', () => {
  it('assignmentOverWire drops the V2 ServerIDs and, with ReplicaAddrs, the scalar fields (AssignmentToProto/FromProto)', () => {
    const a = { path: '/p', epoch: 2, role: Role.Primary, leaseTtlMs: 30_000, replicaDataAddr: 'd', replicaCtrlAddr: 'c', replicaServerID: 'vs2', rebuildAddr: '', replicaAddrs: [{ dataAddr: 'd', ctrlAddr: 'c', serverID: 'vs2' }] };
    const w = assignmentOverWire(a);
    expect(w.replicaAddrs).toEqual([{ dataAddr: 'd', ctrlAddr: 'c', serverID: '' }]);
    expect([w.replicaDataAddr, w.replicaServerID]).toEqual(['', '']);
  });

  it('the same inputs give the same canonical state', () => {
    const run = () => {
      const m = cluster(3);
      m.onHeartbeat('vs2#1', 'vs2', fullHeartbeat([report('/data/vol1.blk', 1, Role.Replica)]), T0 + 2);
      m.onDisconnect('vs1#1', T0 + 3);
      m.fireTimers(T0 + 40_000);
      return JSON.stringify(m.canonical());
    };
    expect(run()).toBe(run());
  });
});
