// Fingerprints: fnv64 is FNV-1a 64 (published vectors, and a BigInt reference over the byte
// sequence it defines: each UTF-16 unit's low byte, then its high byte when non-zero), and
// canonicalJSON renders equal values identically whatever their key insertion order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJSON, fingerprint, fnv64, hex } from '../../src/sim/fingerprint.ts';

const RUNS = process.env['SWSIM_DEEP'] !== undefined ? 2000 : 200;

function referenceFnv64(s: string): string {
  let h = 0xcbf29ce484222325n;
  const fold = (b: number): void => { h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn; };
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    fold(u & 0xff);
    if (u >> 8 !== 0) fold(u >> 8);
  }
  return h.toString(16).padStart(16, '0');
}

/** The same value with every object's keys inserted in reverse order. */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).reverse()) out[k] = reverseKeys(o[k]);
  return out;
}

describe('fnv64', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(fnv64('')).toBe('cbf29ce484222325');
    expect(fnv64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv64('foobar')).toBe('85944171f73967e8');
    expect(fnv64('hello world')).toBe('779a65e7023cd2e7');
  });

  it('agrees with a BigInt reference on arbitrary strings (including non-ASCII)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
      expect(fnv64(s)).toBe(referenceFnv64(s));
    }), { numRuns: RUNS });
  });

  it('always 16 lowercase hex digits; the high byte of a code unit counts', () => {
    expect(fnv64('\u0100')).not.toBe(fnv64('\u0000'));
    expect(fnv64('\u4e2d')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('canonicalJSON', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJSON({ b: 1, a: { d: [3, 1, 2], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,1,2]},"b":1}');
  });

  it('drops undefined object fields; undefined elsewhere renders as null', () => {
    expect(canonicalJSON({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(canonicalJSON([1, undefined])).toBe('[1,null]');
    expect(canonicalJSON(undefined)).toBe('null');
    expect(canonicalJSON(null)).toBe('null');
  });

  it('renders bytes as hex strings', () => {
    expect(hex(Uint8Array.of(0, 15, 255))).toBe('000fff');
    expect(canonicalJSON({ data: Uint8Array.of(1, 171) })).toBe('{"data":"01ab"}');
  });

  it('key insertion order never changes the rendering or the fingerprint', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const w = reverseKeys(v);
      expect(canonicalJSON(w)).toBe(canonicalJSON(v));
      expect(fingerprint(w)).toBe(fingerprint(v));
    }), { numRuns: RUNS });
  });

  it('is valid JSON and a fixed point of parse-then-render', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const s = canonicalJSON(v);
      expect(canonicalJSON(JSON.parse(s))).toBe(s);
    }), { numRuns: RUNS });
  });

  it('different states get different fingerprints', () => {
    expect(fingerprint({ lsn: 1 })).not.toBe(fingerprint({ lsn: 2 }));
    expect(fingerprint({ a: [1, 2] })).not.toBe(fingerprint({ a: [2, 1] }));
    expect(fingerprint({ a: '1' })).not.toBe(fingerprint({ a: 1 }));
    expect(fingerprint({ x: 1 })).toBe(fnv64('{"x":1}'));
  });
});
