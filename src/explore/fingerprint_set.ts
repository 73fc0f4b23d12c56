// A compact set of 64-bit state fingerprints for the exhaustive search: open addressing with
// linear probing over two Uint32Arrays (high and low halves), 8 bytes per slot, grown at half
// load. Far smaller and faster than a JS Set of 16-character strings at millions of states.
// (0, 0) marks an empty slot; a real all-zero fingerprint is stored as (0, 1).

export class FingerprintSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private count = 0;

  constructor(initialCapacity = 1 << 12) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
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
    if (hi === 0 && lo === 0) lo = 1;
    if ((this.count + 1) * 2 > this.hi.length) this.grow();
    const mask = this.hi.length - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const h = this.hi[i]!;
      const l = this.lo[i]!;
      if (h === 0 && l === 0) {
        this.hi[i] = hi;
        this.lo[i] = lo;
        this.count += 1;
        return true;
      }
      if (h === hi && l === lo) return false;
      i = (i + 1) & mask;
    }
  }

  private find(hi: number, lo: number): number {
    if (hi === 0 && lo === 0) lo = 1;
    const mask = this.hi.length - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const h = this.hi[i]!;
      const l = this.lo[i]!;
      if (h === 0 && l === 0) return -1;
      if (h === hi && l === lo) return i;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    this.hi = new Uint32Array(oldHi.length * 2);
    this.lo = new Uint32Array(oldLo.length * 2);
    this.count = 0;
    for (let i = 0; i < oldHi.length; i++) {
      if (oldHi[i] !== 0 || oldLo[i] !== 0) this.add(oldHi[i]!, oldLo[i]!);
    }
  }
}
