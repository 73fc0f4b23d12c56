// Oracle: per LBA, the values a correct cluster may serve — anything (null) until a write is
// durable, then the last durable write's data or any later write's; only acknowledged writes
// become durable, and only once.
import { describe, expect, it } from 'vitest';
import { Oracle, sameBytes } from '../../src/sim/oracle.ts';

const d = (x: number): Uint8Array => Uint8Array.of(x, x, x, x);

describe('Oracle.allowedValues', () => {
  it('null for an LBA never written, and while nothing there is durable', () => {
    const o = new Oracle();
    expect(o.allowedValues(3)).toBeNull();
    const w = o.issue(1, 3, d(1));
    o.ack(w, 1, 5, 'p');
    expect(o.allowedValues(3)).toBeNull();
    expect(o.lastDurable(3)).toBeNull();
  });

  it('the last durable write and every later write, in issue order', () => {
    const o = new Oracle();
    const w1 = o.issue(1, 7, d(1));
    const w2 = o.issue(2, 7, d(2));
    o.ack(w1, 1, 1, 'p');
    o.ack(w2, 1, 2, 'p');
    o.markDurable([w1]);
    const w3 = o.issue(3, 7, d(3));
    expect(o.allowedValues(7)).toEqual([d(1), d(2), d(3)]);
    o.markDurable([w2]);
    expect(o.allowedValues(7)).toEqual([d(2), d(3)]);
    expect(o.lastDurable(7)).toBe(w2);
    o.ack(w3, 2, 1, 'p');
    o.markDurable([w3]);
    expect(o.allowedValues(7)).toEqual([d(3)]);
  });

  it('writes to other LBAs do not widen or narrow an LBA', () => {
    const o = new Oracle();
    const a = o.issue(1, 0, d(1));
    o.ack(a, 1, 1, 'p');
    o.markDurable([a]);
    const b = o.issue(2, 1, d(9));
    o.ack(b, 1, 2, 'p');
    expect(o.allowedValues(0)).toEqual([d(1)]);
    expect(o.allowedValues(1)).toBeNull();
  });

  it('an unacknowledged write never becomes durable (it stays only an allowed later value)', () => {
    const o = new Oracle();
    const acked = o.issue(1, 2, d(1));
    const lost = o.issue(2, 2, d(2));
    o.ack(acked, 1, 1, 'p');
    o.markDurable([acked, lost]);
    expect(lost.durable).toBe(false);
    expect(o.durableWrites()).toBe(1);
    expect(o.allowedValues(2)).toEqual([d(1), d(2)]);
  });

  it('marking durable twice counts once', () => {
    const o = new Oracle();
    const w = o.issue(1, 2, d(1));
    o.ack(w, 3, 4, 'p');
    o.markDurable([w]);
    o.markDurable([w]);
    expect(o.durableWrites()).toBe(1);
    expect(w.ackEpoch).toBe(3);
    expect(w.ackLSN).toBe(4);
  });

  it('lbas() lists written LBAs in numeric order', () => {
    const o = new Oracle();
    for (const lba of [10, 2, 1, 2, 33]) o.issue(lba, lba, d(lba));
    expect(o.lbas()).toEqual([1, 2, 10, 33]);
  });
});

describe('sameBytes', () => {
  it('compares length and content', () => {
    expect(sameBytes(d(1), d(1))).toBe(true);
    expect(sameBytes(d(1), d(2))).toBe(false);
    expect(sameBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false);
    expect(sameBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
