// The master at upstream 3ec8fab2f ("Phase 10 — control-plane closure") vs c7eb87c58, through the
// `commit` switch: ServerIDs on the wire (block_heartbeat_proto_test.go TestP10P1_ProtoRoundTrip_*),
// CreateBlockVolume's ServerIDs (qa_block_identity_test.go / qa_block_control_loop_test.go
// TestP10P4_MasterCreate_FullDelivery, TestP10P4_IdentityPreservation), and the EC-6 wal_lag gate
// (master_block_registry_test.go TestRegistry_PromoteBestReplica_WALLagIneligible /
// ConfigurableTolerance as changed by 3ec8fab2f).
import { describe, expect, it } from 'vitest';
import {
  BlockMaster, BlockVolumeRegistry, Role, UPSTREAM_COMMITS, assignment, assignmentOverWire, fullHeartbeat,
  type AllocateFn, type BlockAllocResult, type UpstreamCommit,
} from '../../../src/control/master/index.ts';
import { NOW, entry, replica } from './helpers.ts';

const alloc = (server: string, name: string): BlockAllocResult => ({
  path: `/data/${name}.blk`, iqn: `iqn:${name}`, iscsiAddr: `${server}:3260`, nvmeAddr: '', nqn: '',
  replicaDataAddr: `${server}:4260`, replicaCtrlAddr: `${server}:4261`, rebuildListenAddr: `${server}:15000`,
});
const allocAll: AllocateFn = (s, n) => alloc(s, n);

function created(commit: UpstreamCommit, rf: number): BlockMaster {
  const m = new BlockMaster({ commit });
  const servers = ['vs1', 'vs2', 'vs3'].slice(0, rf);
  for (const s of servers) m.onHeartbeat(`${s}#1`, s, fullHeartbeat([]), 1_000);
  expect('response' in m.createBlockVolume({ name: 'vol1', sizeBytes: 1 << 20, replicaFactor: rf, durabilityMode: 'sync_all' }, servers, allocAll, 1_000)).toBe(true);
  return m;
}

describe('UPSTREAM_COMMITS', () => {
  it('lists the two commits in order; the default stays c7eb87c58', () => {
    expect(UPSTREAM_COMMITS).toEqual(['c7eb87c58', '3ec8fab2f']);
    expect(new BlockMaster().commit).toBe('c7eb87c58');
  });
});

describe('assignmentOverWire (AssignmentToProto + AssignmentFromProto)', () => {
  const scalar = assignment({ path: '/data/vol1.blk', epoch: 5, role: Role.Primary, replicaDataAddr: '10.0.0.2:9333', replicaCtrlAddr: '10.0.0.2:9334', replicaServerID: 'vs2-grpc:18080', rebuildAddr: '10.0.0.1:5000' });
  const multi = assignment({ path: '/data/vol1.blk', epoch: 5, role: Role.Primary, replicaAddrs: [
    { dataAddr: '10.0.0.2:9333', ctrlAddr: '10.0.0.2:9334', serverID: 'vs2-grpc:18080' },
    { dataAddr: '10.0.0.3:9333', ctrlAddr: '10.0.0.3:9334', serverID: 'vs3-grpc:18080' },
  ] });
  it('TestP10P1_ProtoRoundTrip_ScalarServerID', () => {
    expect(assignmentOverWire(scalar, '3ec8fab2f')).toEqual(scalar);
    expect(assignmentOverWire(scalar, 'c7eb87c58').replicaServerID).toBe('');
  });
  it('TestP10P1_ProtoRoundTrip_MultiReplicaServerID', () => {
    expect(assignmentOverWire(multi, '3ec8fab2f').replicaAddrs.map((r) => r.serverID)).toEqual(['vs2-grpc:18080', 'vs3-grpc:18080']);
    expect(assignmentOverWire(multi, 'c7eb87c58').replicaAddrs.map((r) => r.serverID)).toEqual(['', '']);
  });
  it('TestP10P1_ProtoRoundTrip_MissingServerID_NotSynthesized', () => {
    expect(assignmentOverWire({ ...scalar, replicaServerID: '' }, '3ec8fab2f').replicaServerID).toBe('');
  });
  it('with ReplicaAddrs the scalar addresses are still dropped, but ReplicaServerID survives (FromProto sets it unconditionally)', () => {
    const w = assignmentOverWire({ ...multi, replicaDataAddr: 'd', replicaCtrlAddr: 'c', replicaServerID: 'vs2' }, '3ec8fab2f');
    expect([w.replicaDataAddr, w.replicaCtrlAddr, w.replicaServerID]).toEqual(['', '', 'vs2']);
  });
});

describe('CreateBlockVolume ServerIDs', () => {
  it('3ec8fab2f, RF=2: the primary assignment names the replica by its registry server (ReplicaAddrs[].ServerID and ReplicaServerID)', () => {
    const m = created('3ec8fab2f', 2);
    const [p] = m.queue.peek('vs1');
    expect(p!.replicaAddrs).toEqual([{ dataAddr: 'vs2:4260', ctrlAddr: 'vs2:4261', serverID: 'vs2' }]);
    expect(p!.replicaServerID).toBe('vs2');
    // the replica's own assignment still carries no ServerID (the V2 bridge uses its localServerID)
    expect(m.queue.peek('vs2')[0]!.replicaServerID).toBe('');
    // and survives the wire
    expect(assignmentOverWire(p!, '3ec8fab2f').replicaAddrs[0]!.serverID).toBe('vs2');
  });
  it('3ec8fab2f, RF=3: one ServerID per replica, no scalar ReplicaServerID', () => {
    const [p] = created('3ec8fab2f', 3).queue.peek('vs1');
    expect(p!.replicaAddrs.map((r) => r.serverID)).toEqual(['vs2', 'vs3']);
    expect(p!.replicaServerID).toBe('');
  });
  it('c7eb87c58 (hazard 9 of docs/control.md): no ServerIDs', () => {
    const [p] = created('c7eb87c58', 2).queue.peek('vs1');
    expect(p!.replicaAddrs.map((r) => r.serverID)).toEqual(['']);
    expect(p!.replicaServerID).toBe('');
  });
});

describe('EC-6: evaluatePromotionLocked skips wal_lag when the primary is dead (3ec8fab2f)', () => {
  function registry(commit: UpstreamCommit, primaryAlive: boolean): BlockVolumeRegistry {
    const r = new BlockVolumeRegistry();
    r.setCommit(commit);
    if (primaryAlive) r.markBlockCapable('primary');
    r.markBlockCapable('lagging');
    r.register(entry('vol1', 'primary', { walHeadLSN: 1000, replicas: [replica('lagging', { walHeadLSN: 10 })] }));
    return r;
  }
  it('TestRegistry_PromoteBestReplica_WALLagIneligible (3ec8fab2f): primary alive → wal_lag', () => {
    expect(registry('3ec8fab2f', true).evaluatePromotion('vol1', NOW)!.rejections).toEqual([{ server: 'lagging', reason: 'wal_lag' }]);
  });
  it('3ec8fab2f: primary not block-capable → the lagging replica is promotable', () => {
    const r = registry('3ec8fab2f', false);
    expect(r.evaluatePromotion('vol1', NOW)!.promotable).toBe(true);
    expect('epoch' in r.promoteBestReplica('vol1', NOW)).toBe(true);
  });
  it('c7eb87c58: the gate applies whether or not the primary is alive', () => {
    expect(registry('c7eb87c58', false).evaluatePromotion('vol1', NOW)!.rejections[0]!.reason).toBe('wal_lag');
  });
  it('manual promotion (evaluateManualPromotionLocked, unchanged) keeps wal_lag without force', () => {
    const pf = registry('3ec8fab2f', false).manualPromote('vol1', '', false, NOW);
    expect(pf.preflight.rejections).toEqual([{ server: 'lagging', reason: 'wal_lag' }]);
  });
  it('through the facade: disconnect of a lagging volume\'s primary promotes at 3ec8fab2f only', () => {
    for (const [commit, promoted] of [['c7eb87c58', false], ['3ec8fab2f', true]] as const) {
      const m = new BlockMaster({ commit });
      m.onHeartbeat('p#1', 'primary', fullHeartbeat([]), NOW);
      m.onHeartbeat('l#1', 'lagging', fullHeartbeat([]), NOW);
      m.registry.register(entry('vol1', 'primary', { walHeadLSN: 1000, lastLeaseGrant: null, replicas: [replica('lagging', { walHeadLSN: 10 })] }));
      m.onDisconnect('p#1', NOW);
      expect(m.registry.lookup('vol1')!.volumeServer === 'lagging').toBe(promoted);
    }
  });
});
