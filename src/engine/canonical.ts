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

/** 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits. Deterministic, not cryptographic. */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

/** Fingerprint of a state value: FNV-1a 64 of its canonical JSON. */
export function fingerprint(value: unknown): string {
  return fnv1a64(canonicalJSON(value));
}
