// The write lease of a primary, on the virtual millisecond clock.
// Ports weed/storage/blockvol/lease.go @c7eb87c58 (Lease.Grant / IsValid / Revoke) and
// LeaseTTLFromWire / LeaseTTLToWire from block_heartbeat.go. Runtime only, never persisted:
// a reopened volume has the zero-value lease (invalid).
// Upstream reads the wall clock (time.Now); here `now` is passed in. Go's IsValid is
// time.Now().Before(expiry): valid strictly before the expiry instant, so a TTL of 0 is expired at
// once (upstream test adversarial_zero_ttl_lease), although block_heartbeat.go documents
// LeaseTtlMs 0 as "no lease".

export interface Lease {
  /** Virtual ms at which the lease expires; null = zero value or revoked (Go: time.Time{}). */
  readonly expiresAt: number | null;
}

export const ZERO_LEASE: Lease = { expiresAt: null };

/** Go Lease.Grant(ttl): expiry = now + ttl. Overwrites any earlier expiry (it may shorten it). */
export function grantLease(now: number, ttlMs: number): Lease {
  return { expiresAt: now + ttlMs };
}

/** Go Lease.IsValid: now < expiry. */
export function leaseValid(l: Lease, now: number): boolean {
  return l.expiresAt !== null && now < l.expiresAt;
}

/** Go Lease.Revoke: the zero time, always in the past. */
export function revokeLease(): Lease {
  return ZERO_LEASE;
}

export const MAX_UINT32 = 0xffffffff;

/** Go LeaseTTLFromWire: milliseconds (uint32) → duration in ms. */
export function leaseTTLFromWire(ms: number): number {
  return ms;
}

/** Go LeaseTTLToWire: clamps to [0, MaxUint32] milliseconds. */
export function leaseTTLToWire(ms: number): number {
  if (ms > MAX_UINT32) return MAX_UINT32;
  if (ms < 0) return 0;
  return Math.trunc(ms);
}
