// What a volume-server restart leaves: OpenBlockVol's control state (blockvol.go) and a fresh
// BlockService (StartBlockService) — and what that state permits until the master speaks.
import { describe, expect, it } from 'vitest';
import { newBlockService, replicationSetup, type BlockVolumeAssignment } from '../../../src/control/volume/assignment.ts';
import { leaseValid } from '../../../src/control/volume/lease.ts';
import { planAssignment } from '../../../src/control/volume/promotion.ts';
import { Role, roleToWire } from '../../../src/control/volume/role.ts';
import { createdVolumeState, openedVolumeState } from '../../../src/control/volume/volume_state.ts';
import { writeGate } from '../../../src/control/volume/write_gate.ts';
import { assign } from './helpers.ts';

describe('restart: OpenBlockVol control state', () => {
  it('RoleNone, epoch from the superblock, master epoch 0, no lease, local-only group commit, no shippers/receiver/callback', () => {
    expect(openedVolumeState(6)).toEqual({
      role: Role.None, epoch: 6, masterEpoch: 0, lease: { expiresAt: null }, hasShipperGroup: false, hasReceiver: false, groupCommit: 'local', stateChangeNotifyWired: false,
    });
    expect(createdVolumeState().epoch).toBe(0);
  });
  it('testEpochSurvivesRecovery: the epoch persisted before the crash is the epoch after it; the role and lease are not', () => {
    const before = assign(createdVolumeState(), 4, Role.Primary, 30_000, 0);
    const after = openedVolumeState(before.epoch);
    expect(after.epoch).toBe(4);
    expect(after.role).toBe(Role.None);
    expect(leaseValid(after.lease, 1)).toBe(false);
  });
  it('HAZARD (writeGate RoleNone): a restarted former primary accepts writes unfenced and, with local-only group commit, unreplicated', () => {
    const v = openedVolumeState(4);
    expect(writeGate(v, 10_000_000)).toBeNull();
    expect(v.groupCommit).toBe('local');
  });
  it('the restarted service has no replStates: heartbeats report no replica addresses until an assignment', () => {
    expect(newBlockService('h:3260', { '/a.blk': openedVolumeState(4) }).replStates).toEqual({});
  });
  it('after restart the master must re-assign: primary needs epoch ≥ the superblock epoch; replica takes any epoch', () => {
    const v = openedVolumeState(4);
    expect(planAssignment(v, 3, Role.Primary, 1000).ok).toBe(false);
    expect(planAssignment(v, 4, Role.Primary, 1000).ok).toBe(true);
    expect(planAssignment(v, 1, Role.Replica, 0).ok).toBe(true);
  });
  it('a restarted primary re-assigned primary with its replicas gets a new shipper group (distributed commit) from the assignment', () => {
    const a: BlockVolumeAssignment = { path: '/a.blk', epoch: 4, role: roleToWire(Role.Primary), leaseTtlMs: 30_000, replicaDataAddr: '', replicaCtrlAddr: '', rebuildAddr: '', replicaAddrs: [{ dataAddr: 'r:1', ctrlAddr: 'r:2' }] };
    const bs = newBlockService('h:3260', { '/a.blk': openedVolumeState(4) });
    expect(replicationSetup(bs, a).map((e) => e.kind)).toEqual(['setReplicaAddrs', 'startRebuildServer', 'setReplState']);
  });
});
