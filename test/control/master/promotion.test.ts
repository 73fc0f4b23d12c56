// Promotion gates and ranking. Derived from master_block_registry_test.go
// (TestRegistry_PromoteBestReplica_*, TestRegistry_EvaluatePromotion_*, TestRegistry_ManualPromote_*).
import { describe, expect, it } from 'vitest';
import { BlockVolumeRegistry, Role, bestReplicaForPromotion } from '../../../src/control/master/index.ts';
import { NOW, entry, replica } from './helpers.ts';

function reg(...servers: string[]): BlockVolumeRegistry {
  const r = new BlockVolumeRegistry();
  for (const s of servers) r.markBlockCapable(s);
  return r;
}

describe('PromoteBestReplica', () => {
  it('TestRegistry_PromoteBestReplica_PicksHighest: highest HealthScore wins, epoch+1, promoted leaves Replicas', () => {
    const r = reg('vs1', 'vs2', 'vs3');
    r.register(entry('vol1', 'vs1', { epoch: 5, replicas: [replica('vs2', { healthScore: 0.8, walHeadLSN: 100 }), replica('vs3', { healthScore: 0.95, walHeadLSN: 50 })] }));
    const res = r.promoteBestReplica('vol1', NOW);
    expect(res).toMatchObject({ epoch: 6 });
    const e = r.lookup('vol1')!;
    expect(e.volumeServer).toBe('vs3');
    expect(e.role).toBe(Role.Primary);
    expect(e.lastLeaseGrant).toBe(NOW);
    expect(e.replicas.map((x) => x.server)).toEqual(['vs2']);
    expect(e.replicaServer).toBe('vs2');
    // The old primary is not re-added and no longer indexed on vs1.
    expect(r.namesOnServer('vs1')).toEqual([]);
  });

  it('TestRegistry_PromoteBestReplica_TiebreakByLSN, then first in list', () => {
    const r = reg('vs1', 'vs2', 'vs3', 'vs4');
    r.register(entry('vol1', 'vs1', { replicas: [replica('vs2', { walHeadLSN: 10 }), replica('vs3', { walHeadLSN: 20 }), replica('vs4', { walHeadLSN: 20 })] }));
    expect(r.evaluatePromotion('vol1', NOW)!.candidate!.server).toBe('vs3');
  });

  it('TestRegistry_PromoteBestReplica_NoReplica', () => {
    const r = reg('vs1');
    r.register(entry('vol1', 'vs1'));
    const res = r.promoteBestReplica('vol1', NOW);
    expect(res).toMatchObject({ error: 'block volume "vol1": no replicas' });
    expect(r.lookup('vol1')!.epoch).toBe(1);
  });

  it('TestRegistry_PromoteBestReplica_StaleHeartbeatIneligible: older than 2 x LeaseTTL', () => {
    const r = reg('vs1', 'vs2');
    r.register(entry('vol1', 'vs1', { leaseTTL: 5_000, replicas: [replica('vs2', { lastHeartbeat: NOW - 10_001 })] }));
    const pf = r.evaluatePromotion('vol1', NOW)!;
    expect(pf.promotable).toBe(false);
    expect(pf.rejections).toEqual([{ server: 'vs2', reason: 'stale_heartbeat' }]);
    expect(pf.reason).toBe('no eligible replicas: stale_heartbeat');
    // Exactly 2 x TTL is still fresh.
    r.updateEntry('vol1', (e) => { e.replicas[0]!.lastHeartbeat = NOW - 10_000; });
    expect(r.evaluatePromotion('vol1', NOW)!.promotable).toBe(true);
  });

  it('freshness cutoff is 60 s when LeaseTTL is 0', () => {
    const r = reg('vs1', 'vs2');
    r.register(entry('vol1', 'vs1', { leaseTTL: 0, replicas: [replica('vs2', { lastHeartbeat: NOW - 59_000 })] }));
    expect(r.evaluatePromotion('vol1', NOW)!.promotable).toBe(true);
    expect(r.evaluatePromotion('vol1', NOW + 2_000)!.rejections[0]!.reason).toBe('stale_heartbeat');
  });

  it('TestRegistry_PromoteBestReplica_WALLagIneligible / ConfigurableTolerance', () => {
    const r = reg('vs1', 'vs2');
    r.register(entry('vol1', 'vs1', { walHeadLSN: 1000, replicas: [replica('vs2', { walHeadLSN: 899 })] }));
    expect(r.evaluatePromotion('vol1', NOW)!.rejections).toEqual([{ server: 'vs2', reason: 'wal_lag' }]);
    r.updateEntry('vol1', (e) => { e.replicas[0]!.walHeadLSN = 900; });
    expect(r.evaluatePromotion('vol1', NOW)!.promotable).toBe(true);
    r.setPromotionLSNTolerance(10);
    expect(r.evaluatePromotion('vol1', NOW)!.rejections[0]!.reason).toBe('wal_lag');
  });

  it('primary WALHeadLSN 0 means every replica passes the lag gate', () => {
    const r = reg('vs1', 'vs2');
    r.register(entry('vol1', 'vs1', { walHeadLSN: 0, replicas: [replica('vs2', { walHeadLSN: 0 })] }));
    expect(r.evaluatePromotion('vol1', NOW)!.promotable).toBe(true);
  });

  it('TestRegistry_PromoteBestReplica_RebuildingIneligible / UnsetRoleIneligible: role must be exactly RoleReplica', () => {
    const r = reg('vs1', 'vs2', 'vs3');
    r.register(entry('vol1', 'vs1', { replicas: [replica('vs2', { role: Role.Rebuilding }), replica('vs3', { role: Role.None })] }));
    const pf = r.evaluatePromotion('vol1', NOW)!;
    expect(pf.rejections).toEqual([{ server: 'vs2', reason: 'wrong_role' }, { server: 'vs3', reason: 'wrong_role' }]);
    expect(pf.reason).toBe('no eligible replicas: wrong_role (+1 more)');
  });

  it('TestRegistry_PromoteBestReplica_NoHeartbeatIneligible', () => {
    const r = reg('vs1', 'vs2');
    r.register(entry('vol1', 'vs1', { replicas: [replica('vs2', { lastHeartbeat: null })] }));
    expect(r.evaluatePromotion('vol1', NOW)!.rejections).toEqual([{ server: 'vs2', reason: 'no_heartbeat' }]);
  });

  it('TestRegistry_PromoteBestReplica_DeadServerIneligible / DeadSkipped_AlivePromoted', () => {
    const r = reg('vs1', 'vs3');
    r.register(entry('vol1', 'vs1', { replicas: [replica('vs2', { healthScore: 1.0 }), replica('vs3', { healthScore: 0.5 })] }));
    const pf = r.evaluatePromotion('vol1', NOW)!;
    expect(pf.rejections).toEqual([{ server: 'vs2', reason: 'server_dead' }]);
    expect(pf.candidate!.server).toBe('vs3');
  });

  it('TestRegistry_PromoteBestReplica_EligibilityFiltersCorrectly: gate order names the first failure', () => {
    const r = reg('vs1', 'vs2', 'vs3', 'vs4');
    r.register(entry('vol1', 'vs1', { walHeadLSN: 1000, replicas: [
      replica('vs2', { lastHeartbeat: NOW - 60_000, walHeadLSN: 0, role: Role.Rebuilding }), // stale first
      replica('vs3', { walHeadLSN: 0, role: Role.Rebuilding }),                              // then lag
      replica('vs4', { walHeadLSN: 999, healthScore: 0.1 }),
    ] }));
    const pf = r.evaluatePromotion('vol1', NOW)!;
    expect(pf.rejections.map((x) => x.reason)).toEqual(['stale_heartbeat', 'wal_lag']);
    expect(pf.candidate!.server).toBe('vs4');
    expect(pf.candidateIdx).toBe(2);
  });

  it('TestRegistry_PromoteBestReplica_ClearsRebuildAddr and copies the candidate addresses', () => {
    const r = reg('vs1', 'vs2');
    r.register(entry('vol1', 'vs1', { rebuildListenAddr: 'vs1:15000', replicas: [replica('vs2', { iscsiAddr: 'vs2:3260', nvmeAddr: 'vs2:4420', path: '/r/vol1.blk' })] }));
    r.promoteBestReplica('vol1', NOW);
    const e = r.lookup('vol1')!;
    expect(e.rebuildListenAddr).toBe('');
    expect([e.iscsiAddr, e.nvmeAddr, e.path]).toEqual(['vs2:3260', 'vs2:4420', '/r/vol1.blk']);
  });

  it('BestReplicaForPromotion (ungated accessor) ranks a dead, rebuilding replica too', () => {
    const e = entry('vol1', 'vs1', { replicas: [replica('vs2', { healthScore: 0.5 }), replica('vs3', { healthScore: 0.9, role: Role.Rebuilding })] });
    expect(bestReplicaForPromotion(e)!.server).toBe('vs3');
  });
});

describe('ManualPromote', () => {
  it('TestRegistry_ManualPromote_PrimaryAlive_Rejected', () => {
    const r = reg('vs1', 'vs2');
    r.register(entry('vol1', 'vs1', { replicas: [replica('vs2')] }));
    expect(r.manualPromote('vol1', '', false, NOW)).toMatchObject({ preflight: { reason: 'primary_alive' } });
  });

  it('TestRegistry_ManualPromote_SpecificTarget / TargetNotFound', () => {
    const r = reg('vs2', 'vs3');
    r.register(entry('vol1', 'vs1', { replicas: [replica('vs2', { healthScore: 1 }), replica('vs3', { healthScore: 0.1 })] }));
    expect(r.manualPromote('vol1', 'vs9', false, NOW)).toMatchObject({ preflight: { reason: 'target_not_found' } });
    const ok = r.manualPromote('vol1', 'vs3', false, NOW);
    expect(ok).toMatchObject({ epoch: 2, oldPrimary: 'vs1', oldPath: '/data/vol1.blk' });
    expect(r.lookup('vol1')!.volumeServer).toBe('vs3');
  });

  it('TestRegistry_ManualPromote_Force_StaleHeartbeat / Force_StillRejectsDeadServer', () => {
    const r = reg('vs1', 'vs2');
    r.register(entry('vol1', 'vs1', { walHeadLSN: 10_000, replicas: [replica('vs2', { lastHeartbeat: NOW - 600_000 }), replica('vs3')] }));
    expect(r.manualPromote('vol1', 'vs3', true, NOW)).toMatchObject({ preflight: { rejections: [{ server: 'vs3', reason: 'server_dead' }] } });
    expect(r.manualPromote('vol1', '', true, NOW)).toMatchObject({ epoch: 2 });
    expect(r.lookup('vol1')!.volumeServer).toBe('vs2');
  });
});
