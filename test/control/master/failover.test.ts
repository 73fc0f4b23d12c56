// Failover, deferred promotion, recovery and rebuild. Derived from
// weed/server/master_block_failover_test.go (test names in the titles); timers use virtual time.
import { describe, expect, it } from 'vitest';
import { BlockMaster, Role } from '../../../src/control/master/index.ts';
import { NOW, entry, registerVolumeWithReplica, replica } from './helpers.ts';

function master(): BlockMaster { return new BlockMaster(); }

describe('failoverBlockVolumes', () => {
  it('TestFailover_PrimaryDies_ReplicaPromoted / EpochBumped / RegistryUpdated', () => {
    const m = master();
    registerVolumeWithReplica(m, 'vol1', 'vs1', 'vs2', 5, 5_000);
    m.failover.failoverBlockVolumes('vs1', NOW);
    const e = m.registry.lookup('vol1')!;
    expect(e.volumeServer).toBe('vs2');
    expect(e.epoch).toBe(6);
    expect(e.replicas).toEqual([]);
  });

  it('TestFailover_AssignmentQueued: only the new primary gets a Primary assignment at the new epoch', () => {
    const m = master();
    registerVolumeWithReplica(m, 'vol1', 'vs1', 'vs2', 1, 5_000);
    m.failover.failoverBlockVolumes('vs1', NOW);
    expect(m.queue.peek('vs2').map((a) => [a.epoch, a.role, a.leaseTtlMs])).toEqual([[2, Role.Primary, 30_000]]);
    expect(m.queue.pending('vs1')).toBe(0);
  });

  it('TestFailover_ReplicaDies_NoAction: primary unchanged, replica removed, pending rebuild keeps its addresses', () => {
    const m = master();
    registerVolumeWithReplica(m, 'vol1', 'vs1', 'vs2', 1, 5_000);
    m.registry.updateEntry('vol1', (e) => { e.replicas[0]!.dataAddr = 'vs2:d'; e.replicas[0]!.ctrlAddr = 'vs2:c'; });
    m.failover.failoverBlockVolumes('vs2', NOW);
    const e = m.registry.lookup('vol1')!;
    expect([e.volumeServer, e.epoch, e.replicas.length]).toEqual(['vs1', 1, 0]);
    expect(m.failover.pendingRebuildsFor('vs2')).toEqual([{ volumeName: 'vol1', oldPath: '/data/vol1.blk', newPrimary: 'vs1', epoch: 1, replicaDataAddr: 'vs2:d', replicaCtrlAddr: 'vs2:c' }]);
    // Upstream tells the primary nothing about the lost replica.
    expect(m.queue.pending('vs1')).toBe(0);
  });

  it('TestFailover_NoReplica_NoPromotion / NoPrimary_NoAction', () => {
    const m = master();
    m.registry.register(entry('vol1', 'vs1'));
    m.registry.register(entry('vol2', 'vs1', { role: Role.Replica, replicas: [replica('vs2')] }));
    m.registry.markBlockCapable('vs2');
    m.failover.failoverBlockVolumes('vs1', NOW);
    expect(m.registry.lookup('vol1')!.volumeServer).toBe('vs1');
    expect(m.registry.lookup('vol2')!.volumeServer).toBe('vs1');
  });

  it('TestFailover_MultipleVolumes', () => {
    const m = master();
    registerVolumeWithReplica(m, 'vol1', 'vs1', 'vs2', 1, 5_000);
    registerVolumeWithReplica(m, 'vol2', 'vs1', 'vs3', 3, 5_000);
    m.failover.failoverBlockVolumes('vs1', NOW);
    expect(m.registry.lookup('vol1')!.volumeServer).toBe('vs2');
    expect(m.registry.lookup('vol2')!).toMatchObject({ volumeServer: 'vs3', epoch: 4 });
  });

  it('TestFailover_LeaseNotExpired_DeferredPromotion: waits until LastLeaseGrant + LeaseTTL, then promotes', () => {
    const m = master();
    m.registry.markBlockCapable('vs2');
    m.registry.register(entry('vol1', 'vs1', { leaseTTL: 200, lastLeaseGrant: NOW, replicas: [replica('vs2')] }));
    m.failover.failoverBlockVolumes('vs1', NOW);
    expect(m.registry.lookup('vol1')!.volumeServer).toBe('vs1');
    expect(m.nextDeadline()).toBe(NOW + 200);
    m.fireTimers(NOW + 199);
    expect(m.registry.lookup('vol1')!.volumeServer).toBe('vs1');
    m.fireTimers(NOW + 200);
    expect(m.registry.lookup('vol1')!).toMatchObject({ volumeServer: 'vs2', epoch: 2 });
    expect(m.nextDeadline()).toBeNull();
    expect(m.failover.diagnostic().volumes).toEqual([{ volumeName: 'vol1', currentPrimary: 'vs2', affectedServer: 'vs1', deferredPromotion: false, pendingRebuild: true, reason: 'rebuild_pending' }]);
  });

  it('TestFailover_LeaseExpired_ImmediatePromotion: the lease boundary itself counts as expired', () => {
    const m = master();
    m.registry.markBlockCapable('vs2');
    m.registry.register(entry('vol1', 'vs1', { leaseTTL: 200, lastLeaseGrant: NOW - 200, replicas: [replica('vs2')] }));
    m.failover.failoverBlockVolumes('vs1', NOW);
    expect(m.registry.lookup('vol1')!.volumeServer).toBe('vs2');
  });

  it('TestRF3_LeaseDeferred_Promotion / TestRF3_OtherReplicasSurvivePromotion: surviving replica keeps its old epoch and gets no assignment', () => {
    const m = master();
    for (const s of ['vs2', 'vs3']) m.registry.markBlockCapable(s);
    m.registry.register(entry('vol1', 'vs1', { replicaFactor: 3, leaseTTL: 200, lastLeaseGrant: NOW, replicas: [
      replica('vs2', { healthScore: 1.0, walHeadLSN: 50, dataAddr: 'vs2:d', ctrlAddr: 'vs2:c' }),
      replica('vs3', { healthScore: 0.9, walHeadLSN: 50, dataAddr: 'vs3:d', ctrlAddr: 'vs3:c' }),
    ] }));
    m.failover.failoverBlockVolumes('vs1', NOW);
    m.fireTimers(NOW + 350);
    const e = m.registry.lookup('vol1')!;
    expect(e.volumeServer).toBe('vs2');
    expect(e.replicas.map((r) => r.server)).toEqual(['vs3']);
    const [a] = m.queue.peek('vs2');
    expect(a!.replicaAddrs).toEqual([{ dataAddr: 'vs3:d', ctrlAddr: 'vs3:c', serverID: 'vs3' }]);
    expect([a!.replicaDataAddr, a!.replicaServerID]).toEqual(['vs3:d', 'vs3']);
    expect(m.queue.pending('vs3')).toBe(0); // upstream hazard: vs3 is never told epoch 2
  });

  it('TestRF3_AllReplicasDead_NoPromotion: the rejection reasons are reported', () => {
    const m = master();
    m.registry.register(entry('vol1', 'vs1', { replicas: [replica('vs2'), replica('vs3')] }));
    m.failover.failoverBlockVolumes('vs1', NOW);
    expect(m.registry.lookup('vol1')!.volumeServer).toBe('vs1');
    const ev = m.drainEvents().find((x) => x.source === 'failover' && x.kind === 'promote_failed');
    expect(ev).toMatchObject({ detail: 'block volume "vol1": no eligible replicas: server_dead (+1 more)' });
  });

  it('TestRF3_CancelDeferredOnReconnect / TestFailover_TransientDisconnect_NoPromotion', () => {
    const m = master();
    m.registry.markBlockCapable('vs2');
    m.registry.register(entry('vol1', 'vs1', { leaseTTL: 5_000, lastLeaseGrant: NOW, replicas: [replica('vs2')] }));
    m.failover.failoverBlockVolumes('vs1', NOW);
    expect(m.failover.diagnostic().deferredPromotionCount).toEqual({ vs1: 1 });
    m.failover.recoverBlockVolumes('vs1', NOW + 100);
    expect(m.failover.diagnostic().deferredPromotionCount).toEqual({});
    m.fireTimers(NOW + 60_000);
    expect(m.registry.lookup('vol1')!).toMatchObject({ volumeServer: 'vs1', epoch: 1 });
  });

  it('TestT3_DeferredTimer_VolumeDeleted_NoPromotion / EpochChanged_NoPromotion', () => {
    const m = master();
    m.registry.markBlockCapable('vs2');
    m.registry.register(entry('vol1', 'vs1', { epoch: 5, leaseTTL: 200, lastLeaseGrant: NOW, replicas: [replica('vs2')] }));
    m.registry.register(entry('vol2', 'vs1', { epoch: 5, leaseTTL: 200, lastLeaseGrant: NOW, replicas: [replica('vs2', { path: '/data/vol2.blk' })] }));
    m.failover.failoverBlockVolumes('vs1', NOW);
    m.registry.unregister('vol1');
    m.registry.updateEntry('vol2', (e) => { e.epoch = 99; });
    m.fireTimers(NOW + 350);
    expect(m.registry.lookup('vol1')).toBeNull();
    expect(m.registry.lookup('vol2')!).toMatchObject({ volumeServer: 'vs1', epoch: 99 });
    expect(m.failover.diagnostic().volumes).toEqual([]);
  });
});

describe('recoverBlockVolumes / reevaluateOrphanedPrimaries', () => {
  it('TestRebuild_PendingRecordedOnFailover / ReconnectTriggersDrain / RegistryUpdatedWithNewReplica / StaleAndRebuildingAssignments', () => {
    const m = master();
    registerVolumeWithReplica(m, 'vol1', 'vs1', 'vs2', 1, 5_000);
    m.failover.failoverBlockVolumes('vs1', NOW);
    expect(m.failover.pendingRebuildsFor('vs1').map((r) => r.volumeName)).toEqual(['vol1']);
    m.failover.recoverBlockVolumes('vs1', NOW + 1);
    expect(m.failover.pendingRebuildsFor('vs1')).toEqual([]);
    const e = m.registry.lookup('vol1')!;
    expect(e.volumeServer).toBe('vs2');
    expect(e.replicas.map((r) => [r.server, r.role, r.lastHeartbeat])).toEqual([['vs1', Role.None, null]]);
    expect(m.queue.peek('vs1').map((a) => [a.role, a.epoch, a.leaseTtlMs])).toEqual([[Role.Rebuilding, 2, 0]]);
  });

  it('TestT4_RebuildEmptyAddr_StillQueued / TestRebuild_AssignmentContainsRebuildAddr: after a promotion RebuildAddr is empty', () => {
    const m = master();
    registerVolumeWithReplica(m, 'vol1', 'vs1', 'vs2', 1, 5_000);
    m.registry.updateEntry('vol1', (e) => { e.rebuildListenAddr = 'vs1:15000'; });
    m.failover.failoverBlockVolumes('vs1', NOW);
    m.failover.recoverBlockVolumes('vs1', NOW);
    expect(m.queue.peek('vs1')[0]!.rebuildAddr).toBe('');
  });

  it('TestRebuild_VolumeDeletedWhileDown / NoPendingRebuilds_NoAction', () => {
    const m = master();
    registerVolumeWithReplica(m, 'vol1', 'vs1', 'vs2', 1, 5_000);
    m.failover.failoverBlockVolumes('vs1', NOW);
    m.registry.unregister('vol1');
    m.failover.recoverBlockVolumes('vs1', NOW);
    m.failover.recoverBlockVolumes('vs9', NOW);
    expect(m.queue.pending('vs1') + m.queue.pending('vs9')).toBe(0);
  });

  it('TestRebuild_MultipleVolumes', () => {
    const m = master();
    registerVolumeWithReplica(m, 'vol1', 'vs1', 'vs2', 1, 5_000);
    registerVolumeWithReplica(m, 'vol2', 'vs1', 'vs3', 2, 5_000);
    m.failover.failoverBlockVolumes('vs1', NOW);
    m.failover.recoverBlockVolumes('vs1', NOW);
    expect(m.queue.peek('vs1').filter((a) => a.role === Role.Rebuilding)).toHaveLength(2);
  });

  it('TestRF3_RecoverRebuildsDeadReplica (CP13-8 catch-up first): a returning replica gets a Replica assignment and the primary a refresh without it', () => {
    const m = master();
    for (const s of ['vs1', 'vs2', 'vs3']) m.registry.markBlockCapable(s);
    m.registry.register(entry('vol1', 'vs1', { epoch: 4, replicas: [
      replica('vs2', { dataAddr: 'vs2:d', ctrlAddr: 'vs2:c' }), replica('vs3', { dataAddr: 'vs3:d', ctrlAddr: 'vs3:c' }),
    ] }));
    m.failover.failoverBlockVolumes('vs3', NOW);
    m.failover.recoverBlockVolumes('vs3', NOW);
    expect(m.queue.peek('vs3').map((a) => [a.role, a.epoch, a.replicaDataAddr, a.replicaCtrlAddr])).toEqual([[Role.Replica, 4, 'vs3:d', 'vs3:c']]);
    const refresh = m.queue.peek('vs1');
    expect(refresh.map((a) => [a.role, a.epoch])).toEqual([[Role.Primary, 4]]);
    // Upstream hazard: the refresh was built from the entry read before AddReplica.
    expect(refresh[0]!.replicaAddrs.map((r) => r.serverID)).toEqual(['vs2']);
    expect(m.registry.lookup('vol1')!.replicas.map((r) => r.server)).toEqual(['vs2', 'vs3']);
  });

  it('TestT2_OrphanedPrimary_ReplicaReconnect_Promotes / PrimaryAlive_NoPromotion / RepeatedHeartbeats_NoDuplicatePromotion', () => {
    const m = master();
    registerVolumeWithReplica(m, 'vol1', 'vs1', 'vs2', 1, 5_000);
    m.failover.recoverBlockVolumes('vs2', NOW);
    expect(m.registry.lookup('vol1')!.epoch).toBe(1);
    m.registry.unmarkBlockCapable('vs1');
    m.failover.recoverBlockVolumes('vs2', NOW);
    expect(m.registry.lookup('vol1')!).toMatchObject({ volumeServer: 'vs2', epoch: 2 });
    m.failover.reevaluateOrphanedPrimaries('vs2', NOW);
    expect(m.registry.lookup('vol1')!.epoch).toBe(2);
  });

  it('TestT2_OrphanedPrimary_LeaseNotExpired_DefersPromotion: timer filed under the dead primary', () => {
    const m = master();
    m.registry.markBlockCapable('vs2');
    m.registry.register(entry('vol1', 'vs1', { leaseTTL: 300, lastLeaseGrant: NOW, replicas: [replica('vs2')] }));
    m.failover.reevaluateOrphanedPrimaries('vs2', NOW);
    expect(m.registry.lookup('vol1')!.epoch).toBe(1);
    expect(m.failover.diagnostic().deferredPromotionCount).toEqual({ vs1: 1 });
    m.fireTimers(NOW + 300);
    expect(m.registry.lookup('vol1')!).toMatchObject({ volumeServer: 'vs2', epoch: 2 });
  });

  it('each orphan re-evaluation during the lease arms another timer; a fired one may remove the record of another (upstream)', () => {
    const m = master();
    m.registry.markBlockCapable('vs2');
    m.registry.register(entry('vol1', 'vs1', { leaseTTL: 300, lastLeaseGrant: NOW, replicas: [replica('vs2')] }));
    m.failover.reevaluateOrphanedPrimaries('vs2', NOW);
    m.failover.reevaluateOrphanedPrimaries('vs2', NOW + 100);
    expect(m.failover.armedTimers()).toBe(2);
    m.fireTimers(NOW + 300);
    expect(m.registry.lookup('vol1')!.epoch).toBe(2); // the second timer saw the epoch change
    expect(m.drainEvents().filter((e) => e.source === 'failover' && e.kind === 'timer_skipped_epoch')).toHaveLength(1);
  });

  it('refreshPrimaryForAddrChange goes to the current primary with every replica', () => {
    const m = master();
    m.registry.register(entry('vol1', 'vs1', { epoch: 3, replicas: [replica('vs2', { dataAddr: 'new:d', ctrlAddr: 'new:c' })] }));
    m.failover.refreshPrimaryForAddrChange({ volumeName: 'vol1', primaryServer: 'stale', oldDataAddr: 'o', oldCtrlAddr: 'o', newDataAddr: 'new:d', newCtrlAddr: 'new:c' });
    expect(m.queue.peek('vs1').map((a) => [a.epoch, a.replicaDataAddr, a.replicaServerID])).toEqual([[3, 'new:d', 'vs2']]);
  });
});
