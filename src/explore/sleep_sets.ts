// The partial-order reduction's sleep sets for the next breadth-first level (engine_check.ts),
// packed: each next-level state first reached with a non-empty sleep set gets an entry — its state
// index, where its calls start in a pool of 16-bit call IDs and how many there are — and an
// open-addressing index from its 64-bit fingerprint to the entry, so a later same-level edge into
// it can intersect its set in place (a subset keeps the order: the pool never grows for it).
// Entries are made in increasing state order, which is also the order the next level is expanded
// in, so a cursor finds a state's set without a second index; once the level is built (seal) the
// index is dropped and the arrays trimmed. While building, 25-35 bytes an entry plus 2 a call;
// states first reached with an empty set get nothing (intersections never grow a set).

const EMPTY = new Uint16Array(0);
/** Grow the index when an insert would pass this load; grow everything by GROWTH. */
const MAX_LOAD = 0.9;
const GROWTH = 1.125;

export class SleepSets {
  // empty until the first add (a search without POR, or the last level, allocates nothing)
  private entryState = new Int32Array(0);
  private entryStart = new Uint32Array(0);
  private entryLength = new Uint16Array(0);
  private entries = 0;
  private pool: Uint16Array = new Uint16Array(0);
  private poolUsed = 0;
  /** Index slot i: (slots[3i], slots[3i + 1]) = fingerprint, slots[3i + 2] = entry + 1 (0 = empty). */
  private slots = new Uint32Array(0);
  private capacity = 0;
  private cursor = 0;

  get size(): number {
    return this.entries;
  }

  /** Bytes held (array capacities). */
  get bytes(): number {
    return this.entryState.byteLength + this.entryStart.byteLength + this.entryLength.byteLength + this.pool.byteLength + this.slots.byteLength;
  }

  /** State `state` (greater than every state added before), fingerprint (hi, lo), first reached with the non-empty sleep set `calls`. */
  add(hi: number, lo: number, state: number, calls: readonly number[]): void {
    if ((this.entries + 1) > this.capacity * MAX_LOAD) this.growIndex();
    if (this.entries === this.entryState.length) this.growEntries();
    while (this.poolUsed + calls.length > this.pool.length) this.pool = grown16(this.pool);
    const e = this.entries++;
    this.entryState[e] = state;
    this.entryStart[e] = this.poolUsed;
    this.entryLength[e] = calls.length;
    for (const c of calls) this.pool[this.poolUsed++] = c;
    this.insert(hi >>> 0, lo >>> 0, e);
  }

  /** Another edge into the state with fingerprint (hi, lo), with sleep set `calls`: an indexed state's set becomes the intersection. */
  meet(hi: number, lo: number, calls: readonly number[]): void {
    if (this.entries === 0) return;
    const e = this.find(hi >>> 0, lo >>> 0);
    if (e < 0) return;
    const start = this.entryStart[e]!;
    const n = this.entryLength[e]!;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const c = this.pool[start + i]!;
      if (calls.includes(c)) this.pool[start + kept++] = c;
    }
    this.entryLength[e] = kept;
  }

  /** Ends the level's edges: drops the index (no more meet) and trims the arrays to their use. */
  seal(): void {
    this.slots = new Uint32Array(0);
    this.capacity = 0;
    this.entryState = this.entryState.slice(0, this.entries);
    this.entryStart = this.entryStart.slice(0, this.entries);
    this.entryLength = this.entryLength.slice(0, this.entries);
    this.pool = this.pool.slice(0, this.poolUsed);
  }

  /** The sleep set of `state`; states must be asked in increasing order (the expansion order). */
  of(state: number): Uint16Array {
    while (this.cursor < this.entries && this.entryState[this.cursor]! < state) this.cursor++;
    if (this.cursor === this.entries || this.entryState[this.cursor] !== state) return EMPTY;
    const start = this.entryStart[this.cursor]!;
    return this.pool.subarray(start, start + this.entryLength[this.cursor]!);
  }

  private home(hi: number, lo: number): number {
    return ((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) % this.capacity;
  }

  private insert(hi: number, lo: number, e: number): void {
    const s = this.slots;
    let i = this.home(hi, lo);
    while (s[3 * i + 2] !== 0) i = i + 1 === this.capacity ? 0 : i + 1;
    s[3 * i] = hi;
    s[3 * i + 1] = lo;
    s[3 * i + 2] = e + 1;
  }

  private find(hi: number, lo: number): number {
    const s = this.slots;
    let i = this.home(hi, lo);
    for (;;) {
      const tag = s[3 * i + 2]!;
      if (tag === 0) return -1;
      if (s[3 * i] === hi && s[3 * i + 1] === lo) return tag - 1;
      i = i + 1 === this.capacity ? 0 : i + 1;
    }
  }

  private growIndex(): void {
    const old = this.slots;
    const oldCapacity = this.capacity;
    this.capacity = Math.max(64, Math.ceil(this.capacity * GROWTH));
    this.slots = new Uint32Array(3 * this.capacity);
    for (let i = 0; i < oldCapacity; i++) if (old[3 * i + 2] !== 0) this.insert(old[3 * i]!, old[3 * i + 1]!, old[3 * i + 2]! - 1);
  }

  private growEntries(): void {
    const n = Math.max(64, Math.ceil(this.entryState.length * GROWTH));
    const state = new Int32Array(n);
    state.set(this.entryState);
    this.entryState = state;
    const start = new Uint32Array(n);
    start.set(this.entryStart);
    this.entryStart = start;
    const length = new Uint16Array(n);
    length.set(this.entryLength);
    this.entryLength = length;
  }
}

function grown16(a: Uint16Array): Uint16Array {
  const b = new Uint16Array(Math.max(256, Math.ceil(a.length * GROWTH)));
  b.set(a);
  return b;
}
