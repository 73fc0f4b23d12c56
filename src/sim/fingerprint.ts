// Fingerprints of canonical state (design.md principle 3): a 64-bit FNV-1a hash, computed as two
// 32-bit lanes, over a canonical JSON rendering (object keys sorted, no identity). Used to verify
// replay step by step and to find the first point where two runs diverge.

/** Canonical JSON: keys sorted at every level, Uint8Arrays rendered as hex, undefined dropped. */
export function canonicalJSON(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    return v === undefined ? 'null' : JSON.stringify(v);
  }
  if (v instanceof Uint8Array) return JSON.stringify(hex(v));
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON(o[k])}`).join(',')}}`;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

/** FNV-1a 64-bit over a string's UTF-16 code units, as 16 hex digits. */
export function fnv64(s: string): string {
  // Two lanes of the 64-bit FNV computation using 32-bit multiplications (offset basis and prime of FNV-1a 64).
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2; // 0xcbf29ce484222325 in 16-bit limbs (low first)
  for (let i = 0; i < s.length; i++) {
    // Fold the low byte, then (for non-ASCII) the high byte, so every code unit counts.
    h0 ^= s.charCodeAt(i) & 0xff;
    [h0, h1, h2, h3] = mulPrime(h0, h1, h2, h3);
    const hi = s.charCodeAt(i) >> 8;
    if (hi !== 0) {
      h0 ^= hi;
      [h0, h1, h2, h3] = mulPrime(h0, h1, h2, h3);
    }
  }
  return [h3, h2, h1, h0].map((x) => x.toString(16).padStart(4, '0')).join('');
}

/** Multiply the 64-bit value (four 16-bit limbs) by the FNV prime 0x100000001b3, mod 2^64. */
function mulPrime(h0: number, h1: number, h2: number, h3: number): [number, number, number, number] {
  // prime = 0x0000_0100_0000_01b3 → limbs p0 = 0x01b3, p2 = 0x0100 (p1 = p3 = 0)
  const p0 = 0x01b3, p2 = 0x0100;
  const t0 = h0 * p0;
  const t1 = h1 * p0 + (t0 >>> 16);
  const t2 = h2 * p0 + h0 * p2 + (t1 >>> 16);
  const t3 = h3 * p0 + h1 * p2 + (t2 >>> 16);
  return [t0 & 0xffff, t1 & 0xffff, t2 & 0xffff, t3 & 0xffff];
}

export function fingerprint(v: unknown): string {
  return fnv64(canonicalJSON(v));
}
