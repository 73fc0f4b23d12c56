import { describe, expect, it } from 'vitest';
import { grantLease } from '../../../src/control/volume/lease.ts';
import { ALL_ROLES, Role, roleName } from '../../../src/control/volume/role.ts';
import { createdVolumeState, type VolumeControlState } from '../../../src/control/volume/volume_state.ts';
import { postSyncCheck, writeGate } from '../../../src/control/volume/write_gate.ts';

function vol(p: Partial<VolumeControlState>): VolumeControlState {
  return { ...createdVolumeState(), ...p };
}

describe('write_gate.go writeGate', () => {
  it('testGatePrimaryOK: primary, epoch == masterEpoch, valid lease', () => {
    expect(writeGate(vol({ role: Role.Primary, epoch: 1, masterEpoch: 1, lease: grantLease(0, 10_000) }), 5)).toBeNull();
  });
  it('testBlockvolWriteGateIntegration: RoleNone passes with no lease and mismatched epochs', () => {
    expect(writeGate(vol({ role: Role.None, epoch: 7, masterEpoch: 0 }), 1_000_000)).toBeNull();
  });
  for (const r of ALL_ROLES.filter((x) => x !== Role.None && x !== Role.Primary)) {
    it(`testGateNotPrimary: ${roleName(r)} is rejected with ErrNotPrimary even with a lease and matching epochs`, () => {
      const e = writeGate(vol({ role: r, epoch: 1, masterEpoch: 1, lease: grantLease(0, 10_000) }), 5);
      expect(e?.is('ErrNotPrimary')).toBe(true);
      expect(e?.message).toBe('blockvol: not primary');
    });
  }
  it('testGateStaleEpoch: epoch != masterEpoch → ErrEpochStale (checked before the lease)', () => {
    expect(writeGate(vol({ role: Role.Primary, epoch: 1, masterEpoch: 2, lease: grantLease(0, 10_000) }), 5)?.sentinel).toBe('ErrEpochStale');
    expect(writeGate(vol({ role: Role.Primary, epoch: 1, masterEpoch: 2 }), 5)?.sentinel).toBe('ErrEpochStale');
  });
  it('testGateLeaseExpired: no lease granted → ErrLeaseExpired', () => {
    expect(writeGate(vol({ role: Role.Primary, epoch: 1, masterEpoch: 1 }), 5)?.sentinel).toBe('ErrLeaseExpired');
  });
  it('testHeartbeatLossLeaseExpires: writes pass until the TTL passes, then fail', () => {
    const v = vol({ role: Role.Primary, epoch: 1, masterEpoch: 1, lease: grantLease(1000, 100) });
    expect(writeGate(v, 1099)).toBeNull();
    expect(writeGate(v, 1100)?.sentinel).toBe('ErrLeaseExpired');
  });
  it('the group committer PostSyncCheck is the same gate', () => {
    const v = vol({ role: Role.Primary, epoch: 1, masterEpoch: 1, lease: grantLease(0, 10) });
    expect(postSyncCheck(v, 9)).toBeNull();
    expect(postSyncCheck(v, 10)?.sentinel).toBe('ErrLeaseExpired');
  });
});
