// A compact set of 64-bit state fingerprints for the exhaustive search (engine_check.ts): open
// addressing with linear probing over one Uint32Array of (high, low) pairs, 8 bytes a slot, kept
// between MAX_LOAD / GROWTH and MAX_LOAD full (any capacity, not a power of two), so a stored
// fingerprint costs 8 / load = 8.9 to 10 bytes once the set has grown past its initial capacity. High load makes probes longer (about 5 on a hit, 50 on a miss at 90 %), which costs
// nanoseconds against the microseconds of an engine call. (0, 0) marks an empty slot; a real
// all-zero fingerprint is stored as (0, 1). Deterministic: the slot order depends only on the
// fingerprints and the order they were added in.

/** Grow when an add would pass this load. */
const MAX_LOAD = 0.93;
/** Growth factor: after growing, the load is MAX_LOAD / GROWTH = 80 % (each fingerprint is re-inserted about 8 times over the set's growth: cheap against an engine call). */
const GROWTH = 1.1;

export class FingerprintSet {
  /** Slot i holds (slots[2i], slots[2i + 1]) = (hi, lo). */
  private slots: Uint32Array;
  private capacity: number;
  private limit: number;
  private count = 0;

  constructor(initialCapacity = 1 << 12) {
    this.capacity = Math.max(16, Math.ceil(initialCapacity));
    this.slots = new Uint32Array(this.capacity * 2);
    this.limit = Math.floor(this.capacity * MAX_LOAD);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Adds the fingerprint given as 16 hex digits; true when it was not there yet. */
  addHex(hex: string): boolean {
    return this.add(parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0);
  }

  hasHex(hex: string): boolean {
    return this.find(parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0) >= 0;
  }

  /** Adds (hi, lo); true when it was not there yet. */
  add(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    if (hi === 0 && lo === 0) lo = 1;
    if (this.count + 1 > this.limit) this.grow();
    const s = this.slots;
    const cap = this.capacity;
    let i = this.home(hi, lo);
    for (;;) {
      const h = s[2 * i]!;
      const l = s[2 * i + 1]!;
      if (h === 0 && l === 0) {
        s[2 * i] = hi;
        s[2 * i + 1] = lo;
        this.count += 1;
        return true;
      }
      if (h === hi && l === lo) return false;
      i += 1;
      if (i === cap) i = 0;
    }
  }

  private find(hi: number, lo: number): number {
    if (hi === 0 && lo === 0) lo = 1;
    const s = this.slots;
    const cap = this.capacity;
    let i = this.home(hi, lo);
    for (;;) {
      const h = s[2 * i]!;
      const l = s[2 * i + 1]!;
      if (h === 0 && l === 0) return -1;
      if (h === hi && l === lo) return i;
      i += 1;
      if (i === cap) i = 0;
    }
  }

  /** The first slot to probe: a mix of both halves, reduced to the capacity. */
  private home(hi: number, lo: number): number {
    return ((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) % this.capacity;
  }

  private grow(): void {
    const old = this.slots;
    this.capacity = Math.ceil(this.capacity * GROWTH);
    this.slots = new Uint32Array(this.capacity * 2);
    this.limit = Math.floor(this.capacity * MAX_LOAD);
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.add(old[i]!, old[i + 1]!);
    }
  }
}
