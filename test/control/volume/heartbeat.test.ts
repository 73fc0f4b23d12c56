import { describe, expect, it } from 'vitest';
import { newBlockService } from '../../../src/control/volume/assignment.ts';
import {
  collectBlockHeartbeat, nextBlockHeartbeatWake, newBlockHeartbeatLoop, onStateChangeSignal, onStreamClosed, onStreamConnected,
  pollBlockHeartbeat, shipperTransitionNotifies, toBlockVolumeShortInfoMessage, type VolumeReport,
} from '../../../src/control/volume/heartbeat.ts';
import { healthStats, NEW_HEALTH_SCORE } from '../../../src/control/volume/health_score.ts';
import { grantLease } from '../../../src/control/volume/lease.ts';
import { Role } from '../../../src/control/volume/role.ts';
import { createdVolumeState } from '../../../src/control/volume/volume_state.ts';


const report = (p: Partial<VolumeReport> = {}): VolumeReport => ({
  volumeSize: 1 << 20, blockSize: 4096, walHeadLsn: 7, checkpointLsn: 3, replicaDegraded: false, durabilityMode: 'sync_all', diskType: 'ssd', health: healthStats(NEW_HEALTH_SCORE, 0), ...p,
});

describe('heartbeat content (block_heartbeat.go ToBlockVolumeInfoMessage + InfoMessageToProto)', () => {
  it('testToInfoMessageFields: every wire field, hasLease from the lease at now, replica addrs from replState', () => {
    const vol = { ...createdVolumeState(), role: Role.Primary, epoch: 3, masterEpoch: 3, lease: grantLease(0, 1000) };
    const bs = { ...newBlockService('h:3260', { '/b.blk': vol, '/a.blk': createdVolumeState() }), replStates: { '/b.blk': { replicaDataAddr: 'r:1', replicaCtrlAddr: 'r:2' } } };
    const hb = collectBlockHeartbeat(bs, { '/a.blk': report(), '/b.blk': report({ replicaDegraded: true }) }, 500);
    expect(hb.hasNoBlockVolumes).toBe(false);
    expect(hb.blockVolumeInfos.map((m) => m.path)).toEqual(['/a.blk', '/b.blk']);
    expect(hb.blockVolumeInfos[1]).toEqual({
      path: '/b.blk', volumeSize: 1 << 20, blockSize: 4096, epoch: 3, role: 1, walHeadLsn: 7, checkpointLsn: 3, hasLease: true, diskType: 'ssd',
      replicaDataAddr: 'r:1', replicaCtrlAddr: 'r:2', healthScore: 1, scrubErrors: 0, lastScrubTime: 0, replicaDegraded: true, durabilityMode: 'sync_all',
    });
    expect(collectBlockHeartbeat(bs, { '/a.blk': report(), '/b.blk': report() }, 1000).blockVolumeInfos[1]!.hasLease).toBe(false);
  });
  it('the wire message carries no per-replica state and no replica flushed LSN', () => {
    const hb = collectBlockHeartbeat(newBlockService('h:1', { '/a.blk': createdVolumeState() }), { '/a.blk': report() }, 0);
    const keys = Object.keys(hb.blockVolumeInfos[0]!);
    for (const k of ['replicaShipperStates', 'flushedLsn', 'replicas']) expect(keys).not.toContain(k);
  });
  it('testCollectHeartbeatEmpty: no volumes → HasNoBlockVolumes', () => {
    expect(collectBlockHeartbeat(newBlockService('h:1', {}), {}, 0)).toEqual({ blockVolumeInfos: [], hasNoBlockVolumes: true });
  });
  it('testToShortInfoMessage', () => {
    expect(toBlockVolumeShortInfoMessage('/a.blk', report())).toEqual({ path: '/a.blk', volumeSize: 1 << 20, blockSize: 4096, diskType: 'ssd' });
  });
});

describe('heartbeat cadence (volume_grpc_client_to_master.go doHeartbeat, block cases)', () => {
  it('a full block report at connect, then every 5 × 5 s = 25 s on the connect-time phase', () => {
    let loop = newBlockHeartbeatLoop(true);
    expect(loop.periodMs).toBe(25_000);
    const c = onStreamConnected(loop, 1_000);
    expect(c.send).toEqual(['connect']);
    loop = c.loop;
    expect(nextBlockHeartbeatWake(loop, 1_000)).toBe(26_000);
    expect(pollBlockHeartbeat(loop, 25_999).send).toEqual([]);
    const t1 = pollBlockHeartbeat(loop, 26_000);
    expect(t1.send).toEqual(['tick']);
    expect(t1.loop.nextTickAt).toBe(51_000);
  });
  it('a late poll gets one tick (Go ticker drops missed ticks) and keeps the phase', () => {
    const loop = onStreamConnected(newBlockHeartbeatLoop(true), 0).loop;
    const p = pollBlockHeartbeat(loop, 80_000);
    expect(p.send).toEqual(['tick']);
    expect(p.loop.nextTickAt).toBe(100_000);
  });
  it('a shipper state change sends a full report at once; signals coalesce (channel of 1)', () => {
    let loop = onStreamConnected(newBlockHeartbeatLoop(true), 0).loop;
    loop = onStateChangeSignal(onStateChangeSignal(loop));
    expect(nextBlockHeartbeatWake(loop, 300)).toBe(300);
    const p = pollBlockHeartbeat(loop, 300);
    expect(p.send).toEqual(['state_change']);
    expect(pollBlockHeartbeat(p.loop, 301).send).toEqual([]);
    expect(p.loop.nextTickAt).toBe(25_000); // the ticker is not reset
  });
  it('a signal raised while disconnected is kept and sent on the next stream, after its connect report', () => {
    let loop = onStreamClosed(onStreamConnected(newBlockHeartbeatLoop(true), 0).loop);
    loop = onStateChangeSignal(loop);
    expect(pollBlockHeartbeat(loop, 10).send).toEqual([]);
    expect(nextBlockHeartbeatWake(loop, 10)).toBeNull();
    const c = onStreamConnected(loop, 40_000);
    expect(c.send).toEqual(['connect']);
    expect(pollBlockHeartbeat(c.loop, 40_000).send).toEqual(['state_change']);
    expect(c.loop.nextTickAt).toBe(65_000);
  });
  it('without a block service nothing is sent, and a pending signal is consumed', () => {
    const c = onStreamConnected(onStateChangeSignal(newBlockHeartbeatLoop(false)), 0);
    expect(c.send).toEqual([]);
    const p = pollBlockHeartbeat(c.loop, 25_000);
    expect(p.send).toEqual([]);
    expect(p.loop.stateChangePending).toBe(false);
  });
  it('a custom pulse period scales the block period', () => {
    expect(newBlockHeartbeatLoop(true, 1_000).periodMs).toBe(5_000);
  });
  it('only markDegraded / markInSync transitions signal (NeedsRebuild does not)', () => {
    expect(shipperTransitionNotifies('in_sync', 'degraded')).toBe(true);
    expect(shipperTransitionNotifies('catching_up', 'in_sync')).toBe(true);
    expect(shipperTransitionNotifies('degraded', 'degraded')).toBe(false);
    expect(shipperTransitionNotifies('degraded', 'needs_rebuild')).toBe(false);
    expect(shipperTransitionNotifies('disconnected', 'connecting')).toBe(false);
  });
});
