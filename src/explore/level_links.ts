// The breadth-first search's path links, packed per level (engine_check.ts): enough to rebuild the
// path to any visited state — for restoring a state to expand it and for printing the shortest
// counterexample — in about 2.5 bytes a state. States are numbered in the order they are found;
// the states of level L + 1 are found while expanding level L in order, so each level-L state's
// children are a contiguous run: level L + 1 keeps, per level-L state, where its children start
// (4 bytes per parent), and per state only the call that reached it (2 bytes, an interned line ID).
// A state's parent is found by binary search over its level's child starts.

/** Growable Uint16Array, trimmed to its length when its level closes. */
class Vec16 {
  a: Uint16Array = new Uint16Array(256);
  length = 0;
  push(v: number): void {
    if (this.length === this.a.length) this.a = grow16(this.a);
    this.a[this.length++] = v;
  }
  trim(): void {
    this.a = this.a.slice(0, this.length);
  }
}

function grow16(a: Uint16Array): Uint16Array {
  const b = new Uint16Array(Math.max(16, Math.ceil(a.length * 1.5)));
  b.set(a);
  return b;
}

interface Level {
  /** Global index of this level's first state. */
  readonly start: number;
  /** Per state of the previous level (local index): the local index of its first child here; one extra entry at the end. */
  childStart: Uint32Array;
  /** Per state of this level: the call (interned line ID) that first reached it. */
  readonly action: Vec16;
}

export class LevelLinks {
  private readonly levels: Level[] = [];
  /** Level 0: the root alone. */
  constructor() {
    this.levels.push({ start: 0, childStart: new Uint32Array(0), action: new Vec16() });
    this.levels[0]!.action.push(0);
  }

  /** Number of states. */
  get size(): number {
    const top = this.levels[this.levels.length - 1]!;
    return top.start + top.action.length;
  }

  /** Bytes held by the links (array capacities). */
  get bytes(): number {
    let b = 0;
    for (const l of this.levels) b += l.childStart.byteLength + l.action.a.byteLength;
    return b;
  }

  /** Opens the next level; its parents are the current top level's states. */
  openLevel(): void {
    const top = this.levels[this.levels.length - 1]!;
    const parents = top.action.length;
    this.levels.push({ start: top.start + parents, childStart: new Uint32Array(parents + 1).fill(0xffffffff), action: new Vec16() });
  }

  /** Starts adding the children of state `s` (a state of the level below the open one, in increasing order). */
  beginChildren(s: number): void {
    const lvl = this.levels[this.levels.length - 1]!;
    const below = this.levels[this.levels.length - 2]!;
    const local = s - below.start;
    this.fillTo(lvl, local);
  }

  /** Adds a child of the state passed to beginChildren, reached by `action`; returns its global index. */
  add(action: number): number {
    if (action < 0 || action > 0xffff) throw new RangeError(`LevelLinks: action ID ${action} does not fit 16 bits`);
    const lvl = this.levels[this.levels.length - 1]!;
    lvl.action.push(action);
    return lvl.start + lvl.action.length - 1;
  }

  /** Closes the open level (marks the remaining parents childless) and trims its action array to its length. */
  closeLevel(): void {
    const lvl = this.levels[this.levels.length - 1]!;
    this.fillTo(lvl, lvl.childStart.length - 1);
    lvl.childStart[lvl.childStart.length - 1] = lvl.action.length;
    lvl.action.trim();
  }

  /** Sets childStart for local parents up to and including `local` that are still unset. */
  private fillTo(lvl: Level, local: number): void {
    const cs = lvl.childStart;
    for (let i = local; i >= 0 && cs[i] === 0xffffffff; i--) cs[i] = lvl.action.length;
  }

  /** The states from the root to `s` (inclusive) and the calls between them. */
  path(s: number): { states: number[]; actions: number[] } {
    const states: number[] = [];
    const actions: number[] = [];
    let l = this.levelOf(s);
    let cur = s;
    while (l > 0) {
      const lvl = this.levels[l]!;
      const local = cur - lvl.start;
      states.push(cur);
      actions.push(lvl.action.a[local]!);
      cur = this.levels[l - 1]!.start + this.parentLocal(lvl, local);
      l -= 1;
    }
    states.push(cur);
    return { states: states.reverse(), actions: actions.reverse() };
  }

  private levelOf(s: number): number {
    for (let l = this.levels.length - 1; l >= 0; l--) if (s >= this.levels[l]!.start) return l;
    throw new RangeError(`LevelLinks: no state ${s}`);
  }

  /** The largest parent p with childStart[p] <= local (childStart is non-decreasing once the level is filled up to the parent). */
  private parentLocal(lvl: Level, local: number): number {
    const cs = lvl.childStart;
    let lo = 0;
    let hi = cs.length - 2;
    // while the level is open, unset entries (0xffffffff) sort above every child index, as they should
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (cs[mid]! <= local) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
