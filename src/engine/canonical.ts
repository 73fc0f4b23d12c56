// Canonical values (design.md principle 3): turn any engine state value into a plain value with
// sorted object keys and a stable JSON text, so two states compare and fingerprint by content,
// never by object identity or construction order.

/** Plain JSON-like value. */
export type Canonical = null | boolean | number | string | readonly Canonical[] | { readonly [k: string]: Canonical };

/** Deep copy with object keys sorted; `undefined` fields are dropped; arrays keep their order. */
export function canonicalize(value: unknown): Canonical {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalize: non-finite number ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => canonicalize(v));
  if (typeof value === 'object') {
    const out: Record<string, Canonical> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonicalize(v);
    }
    return out;
  }
  throw new TypeError(`canonicalize: unsupported ${typeof value}`);
}

/** Stable JSON text of the canonical value. */
export function canonicalJSON(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/**
 * 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits. Deterministic, not
 * cryptographic. Computed on four 16-bit limbs (prime = 2^40 + 0x1b3) to avoid BigInt.
 */
export function fnv1a64(text: string): string {
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < text.length; i++) {
    h0 ^= text.charCodeAt(i) & 0xffff; // code units are < 2^16: only the lowest limb changes
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (t1 >>> 16) + (h0 << 8);
    const t3 = h3 * 0x1b3 + (t2 >>> 16) + (h1 << 8);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  const hex = (x: number): string => x.toString(16).padStart(4, '0');
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}

/** Fingerprint of a state value: FNV-1a 64 of its canonical JSON. */
export function fingerprint(value: unknown): string {
  return fnv1a64(canonicalJSON(value));
}
