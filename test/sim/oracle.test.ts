// Oracle: per LBA, the values a correct cluster may serve — anything (null) until a write is
// durable, then the data of any write not ordered before a durable one in real time (the last
// durable write, overlapping writes, later writes); only acknowledged writes become durable, and
// only once; a SyncCache covers exactly the writes the same primary acknowledged before it was
// issued. Concurrency tests: cases where the old issue-order rule gave a false violation or
// missed a real one, and planted bugs the new rule still catches.
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

  it('one command at a time: the last durable write and every later write, in issue order', () => {
    const o = new Oracle();
    const w1 = o.issue(1, 7, d(1));
    o.ack(w1, 1, 1, 'p');
    const w2 = o.issue(2, 7, d(2));
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
    o.ack(acked, 1, 1, 'p');
    const lost = o.issue(2, 2, d(2));
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

describe('Oracle.lateOverwrite (H46)', () => {
  it('names a write the client gave up on that the same primary appended later, above a durable one', () => {
    const o = new Oracle();
    const aborted = o.issue(1, 4, d(1)); // queued on the primary, then the client times out
    o.abandon(aborted);
    const later = o.issue(2, 4, d(2));
    o.ack(later, 1, 10, 'p#1@1');
    o.markDurable([later]);
    expect(o.allowedValues(4)).toEqual([d(2)]); // the aborted write is ordered before the durable one
    expect(o.lateOverwrite(4, d(1), 10, 'p#1@1')).toBeUndefined(); // no late acknowledgement yet
    o.lateAck(aborted, 12, 'p#1@1'); // it was appended after all, at LSN 12
    expect(o.lateOverwrite(4, d(1), 10, 'p#1@1')).toBe(aborted);
    expect(o.lateOverwrite(4, d(1), 12, 'p#1@1')).toBeUndefined(); // not above the durable write
    expect(o.lateOverwrite(4, d(1), 10, 'q#1@2')).toBeUndefined(); // another primary's lineage
    expect(o.lateOverwrite(4, d(1), 10, 'p#1@3')).toBe(aborted); // the same incarnation after an epoch change
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

/** Values as numbers (first byte of each block) for readable expectations. */
const firsts = (vs: Uint8Array[] | null): number[] | null => (vs === null ? null : vs.map((v) => v[0]!));

describe('Oracle: real-time order with overlapping commands', () => {
  it('two overlapping durable writes: either may be the final value (the issue-order rule said only the later-issued)', () => {
    const o = new Oracle();
    const a = o.issue(1, 4, d(1));
    const b = o.issue(2, 4, d(2)); // issued before a was acknowledged: they overlap
    o.ack(b, 1, 1, 'p'); // the primary applied b first...
    o.ack(a, 1, 2, 'p'); // ...then a, at a higher LSN: the block holds a's data
    o.syncSucceeded(o.syncIssued(), 'p');
    expect(a.durable && b.durable).toBe(true);
    expect(firsts(o.allowedValues(4))).toEqual([1, 2]);
  });

  it('a write acknowledged before a durable write was issued is superseded; one still outstanding then is not', () => {
    const o = new Oracle();
    const old = o.issue(1, 4, d(1));
    o.ack(old, 1, 1, 'p');
    const slow = o.issue(2, 4, d(2)); // outstanding across the durable write below
    const dw = o.issue(3, 4, d(3));
    o.ack(dw, 1, 2, 'p');
    o.syncSucceeded(o.syncIssued(), 'p');
    o.ack(slow, 1, 3, 'p');
    expect(firsts(o.allowedValues(4))).toEqual([2, 3]);
    expect(o.lostDurable(4)).toBe(dw);
  });

  it('a timed-out write counts as done at its timeout: a durable write issued later supersedes it', () => {
    const o = new Oracle();
    const gaveUp = o.issue(1, 4, d(1));
    o.abandon(gaveUp);
    const dw = o.issue(2, 4, d(2));
    o.ack(dw, 1, 1, 'p');
    o.syncSucceeded(o.syncIssued(), 'p');
    expect(firsts(o.allowedValues(4))).toEqual([2]);
  });

  it('a read overlapping a write that became durable while it ran may return the older value (the old rule: a false violation)', () => {
    const o = new Oracle();
    const v = o.issue(1, 6, d(1));
    o.ack(v, 1, 1, 'p');
    o.syncSucceeded(o.syncIssued(), 'p');
    const r = o.readIssued();
    const w = o.issue(2, 6, d(2)); // issued and acknowledged while the read is outstanding
    o.ack(w, 1, 2, 'p');
    o.syncSucceeded(o.syncIssued(), 'p');
    o.observeRead(6, d(1), 'p', r);
    const read = o.readsSince(0)[0]!;
    expect(firsts(o.allowedValues(6, read))).toEqual([1, 2]);
    expect(firsts(o.allowedValues(6))).toEqual([2]); // the final image must hold w's data
  });

  it('planted: a read returning a value superseded by a durable write acknowledged before the read was issued', () => {
    const o = new Oracle();
    const v = o.issue(1, 6, d(1));
    o.ack(v, 1, 1, 'p');
    const w = o.issue(2, 6, d(2));
    o.ack(w, 1, 2, 'p');
    o.syncSucceeded(o.syncIssued(), 'p');
    const r = o.readIssued();
    o.observeRead(6, d(1), 'p', r);
    const read = o.readsSince(0)[0]!;
    expect(firsts(o.allowedValues(6, read))).toEqual([2]);
    expect(o.lostDurable(6, read)).toBe(w);
  });

  it('a read may not return a write issued after it was answered (the old rule allowed a same-step trim: a missed loss)', () => {
    const o = new Oracle();
    const v = o.issue(1, 6, d(1));
    o.ack(v, 1, 1, 'p');
    o.syncSucceeded(o.syncIssued(), 'p');
    const r = o.readIssued();
    o.observeRead(6, d(0), 'p', r); // zeros: the durable write was lost...
    o.issue(2, 6, d(0)); // ...and a trim issued right after the answer must not excuse it
    const read = o.readsSince(0)[0]!;
    expect(firsts(o.allowedValues(6, read))).toEqual([1]);
    expect(firsts(o.allowedValues(6))).toEqual([1, 0]);
  });

  it('a durable write binds a read only once its SyncCache was answered before the read was', () => {
    const o = new Oracle();
    const v = o.issue(1, 6, d(1));
    o.ack(v, 1, 1, 'p');
    const s = o.syncIssued();
    const r = o.readIssued();
    o.observeRead(6, d(0), 'p', r);
    o.syncSucceeded(s, 'p');
    const read = o.readsSince(0)[0]!;
    expect(o.allowedValues(6, read)).toBeNull();
    expect(firsts(o.allowedValues(6))).toEqual([1]);
  });
});

describe('Oracle: SyncCache covers exactly what the same primary acknowledged before it was issued', () => {
  it('not writes acknowledged after it was issued, nor by another primary incarnation', () => {
    const o = new Oracle();
    const before = o.issue(1, 1, d(1));
    o.ack(before, 1, 1, 'p');
    const other = o.issue(2, 2, d(2));
    o.ack(other, 1, 2, 'q');
    const s = o.syncIssued();
    const after = o.issue(3, 3, d(3));
    o.ack(after, 1, 3, 'p');
    o.syncSucceeded(s, 'p');
    expect([before.durable, other.durable, after.durable]).toEqual([true, false, false]);
    expect(o.knownUnsynced()).toBe(2);
    o.syncSucceeded(o.syncIssued(), 'q');
    expect(other.durable).toBe(true);
  });

  it('any client\'s SyncCache covers every client\'s writes, and a later one covers what a timed-out one did (the old per-client rule missed both)', () => {
    const o = new Oracle();
    const w = o.issue(o.nextOp(), 5, d(1)); // client 1
    o.ack(w, 1, 1, 'p');
    o.syncLost(o.syncIssued()); // client 1's SyncCache: never answered (timed out)
    expect(o.knownUnsynced()).toBe(0); // the client cannot know whether it covered w...
    const s2 = o.syncIssued(); // client 2's SyncCache
    o.syncSucceeded(s2, 'p');
    expect(w.durable).toBe(true); // ...but a later SyncCache does
    expect(w.durableAt).toBeGreaterThan(w.doneAt);
  });

  it('a failed SyncCache makes nothing durable', () => {
    const o = new Oracle();
    const w = o.issue(1, 5, d(1));
    o.ack(w, 1, 1, 'p');
    o.syncIssued();
    expect(o.durableWrites()).toBe(0);
    expect(o.allowedValues(5)).toBeNull();
  });

  it('counts writes issued while another write to the same LBA was outstanding', () => {
    const o = new Oracle();
    const a = o.issue(1, 0, d(1));
    o.issue(2, 1, d(2)); // another LBA: no overlap
    o.issue(3, 0, d(3)); // overlaps a
    o.ack(a, 1, 1, 'p');
    expect(o.overlappingWrites()).toBe(1);
    expect(o.nextOp()).toBe(1);
    expect(o.nextOp()).toBe(2);
  });
});
