// StateHash: the 64-bit hash behind the per-step state fingerprint (Cluster.fingerprint). The
// cluster, the master and every node feed it their state as numbers and strings directly, so no
// text is built per step; a part that rarely changes (the master's view) may be hashed on its own
// and fed as its 64-bit value. Two 32-bit lanes, each stepped per word by a bijective
// xor-multiply-xorshift (different seeds, multipliers and shifts), finalised with MurmurHash3's
// fmix32 into 16 hex digits. Deterministic, not cryptographic. A feeder separates variable-length
// parts itself (a count or a tag first), so two different states never feed the same word
// sequence (parts aside, which differ unless their hashes collide).

const M1 = 0x9e3779b1 | 0;
const M2 = 0x85ebca77 | 0;
const TWO_32 = 4294967296;
/** Numbers below this are fed as one word. */
const SMALL = 0x80000000;
/** Tag words (top bit set) of a safe integer outside [0, SMALL) and of any other number; the value's words follow. */
const LONG_INTEGER = 0x80000001 | 0;
const NON_INTEGER = 0xfff8dead | 0;

const float = new Float64Array(1);
const floatWords = new Uint32Array(float.buffer);

/** MurmurHash3's 32-bit finaliser. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Character codes of the hex digits 0-f. */
const HEX_DIGIT = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Hex digit `i` (0 = most significant) of the 32-bit value x. */
function nibble(x: number, i: number): number {
  return HEX_DIGIT[(x >>> (28 - 4 * i)) & 0xf]!;
}

/** a and b as 16 hex digits, built as one flat string (the trace keeps one per step). */
function hex16(a: number, b: number): string {
  return String.fromCharCode(
    nibble(a, 0), nibble(a, 1), nibble(a, 2), nibble(a, 3), nibble(a, 4), nibble(a, 5), nibble(a, 6), nibble(a, 7),
    nibble(b, 0), nibble(b, 1), nibble(b, 2), nibble(b, 3), nibble(b, 4), nibble(b, 5), nibble(b, 6), nibble(b, 7),
  );
}

const SEED_A = 0x2325f00d;
const SEED_B = 0x5bd1e995;

export class StateHash {
  private a = SEED_A;
  private b = SEED_B;

  /** Back to the state of a new StateHash (one instance reused per step, no allocation). */
  reset(): this {
    this.a = SEED_A;
    this.b = SEED_B;
    return this;
  }

  /** One 32-bit word into both lanes. */
  private word(w: number): void {
    const a = Math.imul(this.a ^ w, M1);
    this.a = a ^ (a >>> 15);
    const b = Math.imul(this.b ^ w, M2);
    this.b = b ^ (b >>> 13);
  }

  /**
   * A number: an integer in [0, 2^31) as one word (top bit clear); any other safe integer as a
   * tagged word (top bit set) and its low and high 32 bits; anything else as another tag and its
   * float bits. The top bit of the first word tells the forms apart.
   */
  num(x: number): this {
    if (x >= 0 && x < SMALL && Number.isInteger(x)) {
      this.word(x);
    } else if (Number.isSafeInteger(x)) {
      this.word(LONG_INTEGER);
      this.word(x | 0);
      this.word(Math.floor(x / TWO_32) | 0);
    } else {
      float[0] = x;
      this.word(NON_INTEGER);
      this.word(floatWords[0]!);
      this.word(floatWords[1]!);
    }
    return this;
  }

  /** A string: its length, then its UTF-16 code units two per word. */
  str(s: string): this {
    const n = s.length;
    this.word(n);
    let i = 0;
    for (; i + 1 < n; i += 2) this.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (i < n) this.word(s.charCodeAt(i));
    return this;
  }

  /** Another hash's value as two words (a part hashed separately, e.g. kept while its input is unchanged). */
  part(p: StateHash): this {
    this.word(p.a);
    this.word(p.b);
    return this;
  }

  /** A boolean as one word. */
  bool(x: boolean): this {
    this.word(x ? 1 : 0);
    return this;
  }

  /** The 64-bit value as 16 hex digits. */
  hex(): string {
    return hex16(fmix32(this.a), fmix32(this.b));
  }
}
