// Unsigned 64-bit arithmetic for LSNs, epochs and ticks (spec §0.3).
//
// Representation: LSNs, epochs, session IDs, pin IDs and ticks are JavaScript `number`s holding
// non-negative integers no larger than Number.MAX_SAFE_INTEGER (2^53 - 1). Every value the
// simulator or an engine script produces is far below that bound, and plain numbers keep the hot
// path fast. The one place where Go's wrap-around matters — `currentTick - StartTick` and
// `currentTick - LastProgressTick` in budget checks — goes through `sub64`, which returns the
// wrapped difference 2^64 - (b - a) as a float when a < b. That value is larger than any budget
// limit a caller can express, so every comparison gives the same answer as Go's uint64.

/** 2^64 as a float: the modulus of Go's uint64 arithmetic. */
export const TWO_POW_64 = 18446744073709551616;

/** Go's `a - b` on uint64: the plain difference, or the wrapped value when a < b. */
export function sub64(a: number, b: number): number {
  return a >= b ? a - b : TWO_POW_64 - (b - a);
}

/** True when `x` is a valid u64 value in our representation (a safe non-negative integer). */
export function isU64(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
