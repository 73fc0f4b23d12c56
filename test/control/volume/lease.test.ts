import { describe, expect, it } from 'vitest';
import { grantLease, leaseTTLFromWire, leaseTTLToWire, leaseValid, MAX_UINT32, revokeLease, ZERO_LEASE } from '../../../src/control/volume/lease.ts';

describe('lease.go on the virtual clock', () => {
  it('testLeaseGrantValid: the zero value is invalid, a grant is valid', () => {
    expect(leaseValid(ZERO_LEASE, 0)).toBe(false);
    expect(leaseValid(grantLease(100, 1000), 100)).toBe(true);
  });
  it('testLeaseExpiredRejects: valid strictly before now+ttl (time.Now().Before)', () => {
    const l = grantLease(100, 1000);
    expect(leaseValid(l, 1099)).toBe(true);
    expect(leaseValid(l, 1100)).toBe(false);
    expect(leaseValid(l, 5000)).toBe(false);
  });
  it('testLeaseRevoke: revoke invalidates at once', () => {
    const l = grantLease(0, 3_600_000);
    expect(leaseValid(l, 1)).toBe(true);
    expect(leaseValid(revokeLease(), 1)).toBe(false);
  });
  it('a zero TTL grant is expired at once (testAdversarialZeroTTLLease)', () => {
    expect(leaseValid(grantLease(500, 0), 500)).toBe(false);
  });
  it('a later grant replaces the expiry, even with a shorter one', () => {
    // Go Grant stores now+ttl unconditionally: a later short grant cuts a long lease.
    const long = grantLease(0, 10_000);
    expect(leaseValid(long, 200)).toBe(true);
    const cut = grantLease(100, 5);
    expect(cut.expiresAt).toBe(105);
    expect(leaseValid(cut, 200)).toBe(false);
  });
  it('testLeaseTTLWireRoundtrip / testLeaseTTLOverflowClamps', () => {
    expect(leaseTTLFromWire(30000)).toBe(30000);
    expect(leaseTTLToWire(30000)).toBe(30000);
    expect(leaseTTLToWire(MAX_UINT32 + 10)).toBe(MAX_UINT32);
    expect(leaseTTLToWire(-5)).toBe(0);
  });
});
