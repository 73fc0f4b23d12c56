// Registry behaviour: registration, full/delta heartbeats, restart reconciliation, lease grants.
// Derived from weed/server/master_block_registry_test.go (test names in the titles).
import { describe, expect, it } from 'vitest';
import {
  BlockVolumeRegistry, Role, VolumeStatus, infoMessage, nameFromPath,
} from '../../../src/control/master/index.ts';
import { NOW, entry, replica } from './helpers.ts';

describe('registration', () => {
  it('TestRegistry_RegisterLookup / DuplicateRegister / Unregister', () => {
    const r = new BlockVolumeRegistry();
    expect(r.register(entry('vol1', 'vs1', { replicas: [replica('vs2')] }))).toBeNull();
    expect(r.register(entry('vol1', 'vs3'))).toMatch(/already registered/);
    expect(r.namesOnServer('vs2')).toEqual(['vol1']);
    expect(r.unregister('vol1')!.name).toBe('vol1');
    expect(r.lookup('vol1')).toBeNull();
    expect(r.namesOnServer('vs1')).toEqual([]);
    expect(r.namesOnServer('vs2')).toEqual([]);
  });

  it('TestLookup_ReturnsCopy / TestLookup_ReplicaSliceCopy / TestUpdateEntry_MutatesRegistry', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 'vs1', { replicas: [replica('vs2')] }));
    const copy = r.lookup('vol1')!;
    copy.epoch = 42;
    copy.replicas[0]!.server = 'evil';
    expect(r.lookup('vol1')!.epoch).toBe(1);
    expect(r.lookup('vol1')!.replicas[0]!.server).toBe('vs2');
    r.updateEntry('vol1', (e) => { e.epoch = 7; });
    expect(r.lookup('vol1')!.epoch).toBe(7);
    expect(r.updateEntry('nope', () => {})).toMatch(/not found/);
  });

  it('TestRegistry_PickServer: fewest indexed volumes, first wins ties', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('a', 's1'));
    r.register(entry('b', 's1'));
    r.register(entry('c', 's2'));
    expect(r.pickServer(['s1', 's2', 's3'])).toBe('s3');
    expect(r.pickServer(['s1', 's2'])).toBe('s2');
    expect(r.pickServer([])).toBeNull();
  });

  it('TestRegistry_AddReplica_Upsert / RemoveReplica keep the scalar fields in sync with Replicas[0]', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 'vs1'));
    r.addReplica('vol1', replica('vs2', { dataAddr: 'd2' }));
    r.addReplica('vol1', replica('vs3', { dataAddr: 'd3' }));
    r.addReplica('vol1', replica('vs2', { dataAddr: 'd2b' }));
    let e = r.lookup('vol1')!;
    expect(e.replicas.map((x) => [x.server, x.dataAddr])).toEqual([['vs2', 'd2b'], ['vs3', 'd3']]);
    expect([e.replicaServer, e.replicaDataAddr]).toEqual(['vs2', 'd2b']);
    expect(r.removeReplica('vol1', 'vs2')).toBeNull();
    e = r.lookup('vol1')!;
    expect([e.replicaServer, e.replicaDataAddr]).toEqual(['vs3', 'd3']);
    expect(r.namesOnServer('vs2')).toEqual([]);
    expect(r.removeReplica('vol1', 'vs9')).toMatch(/not found/);
  });

  it('TestRegistry_SwapPrimaryReplica (deprecated scalar path): epoch+1, roles swapped, Replicas[] untouched', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 'vs1', { epoch: 3, replicas: [replica('vs2')] }));
    expect(r.swapPrimaryReplica('vol1', NOW)).toEqual({ epoch: 4 });
    const e = r.lookup('vol1')!;
    expect([e.volumeServer, e.replicaServer, e.role]).toEqual(['vs2', 'vs1', Role.Primary]);
    expect(e.replicas.map((x) => x.server)).toEqual(['vs2']);
  });
});

describe('UpdateFullHeartbeat', () => {
  it('TestRegistry_UpdateFullHeartbeat / PendingToActive: primary fields copied, lease stamped, unreported primary entry removed', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 's1', { status: VolumeStatus.Pending, lastLeaseGrant: null }));
    r.register(entry('vol2', 's1'));
    r.updateFullHeartbeat('s1', [infoMessage({ path: '/data/vol1.blk', volumeSize: 2 << 30, epoch: 5, role: Role.Primary, walHeadLsn: 77, healthScore: 0.5 })], '', NOW);
    const e = r.lookup('vol1')!;
    expect([e.status, e.epoch, e.sizeBytes, e.walHeadLSN, e.healthScore, e.lastLeaseGrant]).toEqual([VolumeStatus.Active, 5, 2 << 30, 77, 0.5, NOW]);
    expect(r.lookup('vol2')).toBeNull();
    expect(r.isBlockCapable('s1')).toBe(true);
  });

  it('the primary report overwrites Epoch and Role without comparison (upstream hazard: epoch can go backwards)', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 's1', { epoch: 6, role: Role.Primary }));
    r.updateFullHeartbeat('s1', [infoMessage({ path: '/data/vol1.blk', epoch: 5, role: Role.Replica })], '', NOW);
    const e = r.lookup('vol1')!;
    expect(e.epoch).toBe(5);
    expect(e.role).toBe(Role.Replica);
  });

  it('TestFullHeartbeat_UpdatesReplicaAddrs: primary report syncs scalar and Replicas[0] addresses; durability only when non-empty', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 's1', { durabilityMode: 'sync_all', replicas: [replica('s2', { dataAddr: 'old:1', ctrlAddr: 'old:2' })] }));
    r.updateFullHeartbeat('s1', [infoMessage({ path: '/data/vol1.blk', epoch: 1, role: Role.Primary, replicaDataAddr: '10.0.0.2:14260', replicaCtrlAddr: '10.0.0.2:14261' })], '', NOW);
    const e = r.lookup('vol1')!;
    expect([e.replicaDataAddr, e.replicaCtrlAddr]).toEqual(['10.0.0.2:14260', '10.0.0.2:14261']);
    expect([e.replicas[0]!.dataAddr, e.replicas[0]!.ctrlAddr]).toEqual(['10.0.0.2:14260', '10.0.0.2:14261']);
    expect(e.durabilityMode).toBe('sync_all');
  });

  it('TestRegistry_FullHeartbeat_UpdatesHealthScore: replica fields, WALLag vs the primary copy, LastHeartbeat', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 's1', { walHeadLSN: 500, replicas: [replica('s2', { lastHeartbeat: null, role: Role.None })] }));
    r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 1, role: Role.Replica, walHeadLsn: 420, healthScore: 0.7 })], '', NOW + 5);
    const ri = r.lookup('vol1')!.replicas[0]!;
    expect([ri.walHeadLSN, ri.walLag, ri.healthScore, ri.lastHeartbeat, ri.role]).toEqual([420, 80, 0.7, NOW + 5, Role.Replica]);
    // The replica heartbeat does not stamp the primary's lease.
    expect(r.lookup('vol1')!.lastLeaseGrant).toBe(NOW - 10_000);
  });

  it('TestRegistry_ReplicaHeartbeat_DoesNotDeleteVolume / StaleReplicaRemoved', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 's1', { replicas: [replica('s2')] }));
    r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 1, role: Role.Replica })], '', NOW);
    expect(r.lookup('vol1')!.replicas).toHaveLength(1);
    r.updateFullHeartbeat('s2', [], '', NOW);
    const e = r.lookup('vol1')!;
    expect(e.volumeServer).toBe('s1');
    expect(e.replicas).toEqual([]);
    expect(r.namesOnServer('s2')).toEqual([]);
  });

  it('CP13-8 address change: a replica reporting a new receiver address yields a ReplicaAddrChange (not on first learn)', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 's1', { replicas: [replica('s2', { dataAddr: '' })] }));
    const first = r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 1, role: Role.Replica, replicaDataAddr: 'a:1', replicaCtrlAddr: 'a:2' })], '', NOW);
    expect(first).toEqual([]);
    const second = r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 1, role: Role.Replica, replicaDataAddr: 'b:1', replicaCtrlAddr: 'a:2' })], '', NOW);
    expect(second).toEqual([{ volumeName: 'vol1', primaryServer: 's1', oldDataAddr: 'a:1', oldCtrlAddr: 'a:2', newDataAddr: 'b:1', newCtrlAddr: 'a:2' }]);
    expect(r.lookup('vol1')!.replicas[0]!.dataAddr).toBe('b:1');
  });

  it('TestRegistry_ReplicaHeartbeat_ReconstructsAfterRestart: auto-register from the primary, then the replica joins', () => {
    const r = new BlockVolumeRegistry();
    r.updateFullHeartbeat('s1', [infoMessage({ path: '/data/vol1.blk', volumeSize: 100, epoch: 3, role: Role.Primary, walHeadLsn: 50 })], '', NOW);
    let e = r.lookup('vol1')!;
    expect([e.volumeServer, e.epoch, e.leaseTTL, e.lastLeaseGrant, e.status]).toEqual(['s1', 3, 30_000, NOW, VolumeStatus.Active]);
    r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Replica, walHeadLsn: 50 })], '', NOW);
    e = r.lookup('vol1')!;
    expect(e.volumeServer).toBe('s1');
    expect(e.replicas.map((x) => [x.server, x.role, x.lastHeartbeat])).toEqual([['s2', Role.Replica, NOW]]);
  });

  it('TestMasterRestart_HigherEpochWins: the old primary becomes a RoleReplica replica', () => {
    const r = new BlockVolumeRegistry();
    r.updateFullHeartbeat('s1', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Primary, walHeadLsn: 50 })], '', NOW);
    r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 4, role: Role.Primary, walHeadLsn: 10 })], '', NOW + 1);
    const e = r.lookup('vol1')!;
    expect([e.volumeServer, e.epoch, e.walHeadLSN]).toEqual(['s2', 4, 10]);
    expect(e.replicas.map((x) => [x.server, x.role, x.walHeadLSN, x.lastHeartbeat])).toEqual([['s1', Role.Replica, 50, NOW]]);
  });

  it('TestMasterRestart_LowerEpochBecomesReplica / SameEpoch_RoleTrusted', () => {
    const r = new BlockVolumeRegistry();
    r.updateFullHeartbeat('s1', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Replica })], '', NOW);
    r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 2, role: Role.Primary })], '', NOW);
    expect(r.lookup('vol1')!.volumeServer).toBe('s1');
    r.updateFullHeartbeat('s3', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Primary })], '', NOW);
    expect(r.lookup('vol1')!.volumeServer).toBe('s3');
  });

  it('TestMasterRestart_SameEpoch_HigherLSNWins / SameLSN_ExistingWins', () => {
    const r = new BlockVolumeRegistry();
    r.updateFullHeartbeat('s1', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Primary, walHeadLsn: 100 })], '', NOW);
    r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Primary, walHeadLsn: 100 })], '', NOW);
    expect(r.lookup('vol1')!.volumeServer).toBe('s1');
    const r2 = new BlockVolumeRegistry();
    r2.updateFullHeartbeat('s1', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Primary, walHeadLsn: 100 })], '', NOW);
    r2.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Primary, walHeadLsn: 101 })], '', NOW);
    expect(r2.lookup('vol1')!.volumeServer).toBe('s2');
  });

  it('TestMasterRestart_DuplicateReplicaHeartbeat_NoDuplicate', () => {
    const r = new BlockVolumeRegistry();
    r.updateFullHeartbeat('s1', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Primary })], '', NOW);
    r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Replica })], '', NOW);
    r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 3, role: Role.Replica, walHeadLsn: 9 })], '', NOW);
    expect(r.lookup('vol1')!.replicas.map((x) => [x.server, x.walHeadLSN])).toEqual([['s2', 9]]);
  });

  it('TestRegistry_InflightBlocksAutoRegister', () => {
    const r = new BlockVolumeRegistry();
    expect(r.acquireInflight('vol1')).toBe(true);
    expect(r.acquireInflight('vol1')).toBe(false);
    r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 1, role: Role.Replica })], '', NOW);
    expect(r.lookup('vol1')).toBeNull();
    r.releaseInflight('vol1');
    r.updateFullHeartbeat('s2', [infoMessage({ path: '/data/vol1.blk', epoch: 1, role: Role.Replica })], '', NOW);
    expect(r.lookup('vol1')!.volumeServer).toBe('s2');
  });

  it('ExpandInProgress keeps an unreported primary entry and its size (B-10)', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 's1', { expandInProgress: true, sizeBytes: 10 }));
    r.updateFullHeartbeat('s1', [], '', NOW);
    expect(r.lookup('vol1')).not.toBeNull();
  });

  it('nameFromPath', () => {
    expect(nameFromPath('/opt/data/block/my-volume.blk')).toBe('my-volume');
    expect(nameFromPath('/x/raw')).toBe('raw');
  });
});

describe('UpdateDeltaHeartbeat', () => {
  it('TestRegistry_UpdateDeltaHeartbeat: removed path deletes the volume, added path marks Active, no lease stamp', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('vol1', 's1', { status: VolumeStatus.Pending }));
    r.register(entry('vol2', 's1'));
    const short = (path: string) => ({ path, volumeSize: 0, blockSize: 0, diskType: '' });
    r.updateDeltaHeartbeat('s1', [short('/data/vol1.blk')], [short('/data/vol2.blk')]);
    expect(r.lookup('vol2')).toBeNull();
    const e = r.lookup('vol1')!;
    expect(e.status).toBe(VolumeStatus.Active);
    expect(e.lastLeaseGrant).toBe(NOW - 10_000);
  });
});

describe('LeaseGrants', () => {
  it('TestRegistry_LeaseGrants_PrimaryOnly: only Active entries whose primary (Role Primary) is this server', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('prim1', 's1', { epoch: 5, leaseTTL: 30_000 }));
    r.register(entry('repl1', 's2', { role: Role.Replica }));
    r.addReplica('repl1', replica('s1'));
    r.register(entry('none1', 's1', { role: Role.None }));
    r.register(entry('pend1', 's1', { status: VolumeStatus.Pending }));
    expect(r.leaseGrants('s1', new Set())).toEqual([{ path: '/data/prim1.blk', epoch: 5, role: Role.Primary, leaseTtlMs: 30_000 }]);
  });

  it('TestRegistry_LeaseGrants_PendingExcluded / UnknownServer', () => {
    const r = new BlockVolumeRegistry();
    r.register(entry('prim1', 's1'));
    expect(r.leaseGrants('s1', new Set(['/data/prim1.blk']))).toEqual([]);
    expect(r.leaseGrants('nobody', new Set())).toEqual([]);
  });

  it('TestRegistry_VolumesWithDeadPrimary_Basic / PrimaryServer_NotIncluded', () => {
    const r = new BlockVolumeRegistry();
    r.markBlockCapable('s2');
    r.register(entry('vol1', 's1', { replicas: [replica('s2')] }));
    r.register(entry('vol2', 's2'));
    expect(r.volumesWithDeadPrimary('s2')).toEqual(['vol1']);
    r.markBlockCapable('s1');
    expect(r.volumesWithDeadPrimary('s2')).toEqual([]);
  });
});
