// Choosers: the seeded RandomChooser is reproducible and keeps one stream per kind family (so
// choices of one family never shift another's); the ReplayChooser reproduces a recording, detects
// divergence, and in 'zero' mode continues with the simplest choices; the helpers draw in range.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { between, chance, pick, RandomChooser, ReplayChooser, ReplayDivergence } from '../../src/sim/chooser.ts';

const RUNS = process.env['SWSIM_DEEP'] !== undefined ? 2000 : 100;

type Ask = readonly [kind: string, n: number];

const KINDS = ['sched.next', 'net.delay', 'net.drop', 'swarm.crash.on', 'vol.interleave', 'fault', 'disk.torn'];
const askArb = fc.tuple(fc.constantFrom(...KINDS), fc.integer({ min: 1, max: 50 }));

function draw(c: { choose(kind: string, n: number): number }, asks: readonly Ask[]): number[] {
  return asks.map(([k, n]) => c.choose(k, n));
}

describe('RandomChooser', () => {
  it('the same seed gives the same sequence; answers are in range', () => {
    fc.assert(fc.property(fc.nat(), fc.array(askArb, { maxLength: 200 }), (seed, asks) => {
      const a = new RandomChooser(seed);
      const b = new RandomChooser(seed);
      const xs = draw(a, asks);
      expect(draw(b, asks)).toEqual(xs);
      asks.forEach(([, n], i) => {
        expect(xs[i]).toBeGreaterThanOrEqual(0);
        expect(xs[i]).toBeLessThan(n);
      });
      expect(a.recorded).toEqual(b.recorded);
    }), { numRuns: RUNS });
  });

  it('different seeds give different sequences', () => {
    const asks: Ask[] = Array.from({ length: 64 }, () => ['sched.next', 1000] as const);
    const seqs = new Set([1, 2, 3, 4, 5].map((s) => draw(new RandomChooser(s), asks).join(',')));
    expect(seqs.size).toBe(5);
  });

  it('records only choices with more than one option, in order', () => {
    const c = new RandomChooser(7);
    const x1 = c.choose('net.delay', 10);
    expect(c.choose('net.delay', 1)).toBe(0);
    expect(c.choose('net.delay', 0)).toBe(0);
    const x2 = c.choose('sched.next', 3);
    expect(c.recorded).toEqual([x1, x2]);
  });

  it('a single-option choice does not advance the stream', () => {
    const a = new RandomChooser(11);
    const b = new RandomChooser(11);
    a.choose('net.delay', 1);
    expect(a.choose('net.delay', 100)).toBe(b.choose('net.delay', 100));
  });

  it('per-family streams are independent: adding choices of one family does not shift another', () => {
    fc.assert(fc.property(
      fc.nat(),
      fc.array(fc.integer({ min: 2, max: 1000 }), { minLength: 1, maxLength: 50 }),
      fc.array(fc.tuple(fc.constantFrom('sched.next', 'vol.step_delay', 'swarm.drop.on', 'fault'), fc.integer({ min: 2, max: 1000 })), { maxLength: 50 }),
      fc.array(fc.nat(50), { maxLength: 50 }),
      (seed, netNs, others, positions) => {
        const alone = new RandomChooser(seed);
        const netAlone = netNs.map((n) => alone.choose('net.delay', n));
        // Same net choices, with other families' choices inserted at arbitrary points.
        const mixed = new RandomChooser(seed);
        const netMixed: number[] = [];
        let o = 0;
        netNs.forEach((n, i) => {
          const extra = positions[i] ?? 0;
          for (let j = 0; j < extra % 4 && o < others.length; j++, o++) mixed.choose(others[o]![0], others[o]![1]);
          netMixed.push(mixed.choose('net.delay', n));
        });
        expect(netMixed).toEqual(netAlone);
      }), { numRuns: RUNS });
  });

  it('kinds sharing a family share its stream (net.drop shifts net.delay)', () => {
    const a = new RandomChooser(3);
    const b = new RandomChooser(3);
    const seqA = Array.from({ length: 20 }, () => a.choose('net.delay', 1_000_000));
    b.choose('net.drop', 1_000_000);
    const seqB = Array.from({ length: 20 }, () => b.choose('net.delay', 1_000_000));
    expect(seqB).not.toEqual(seqA);
    // ... and the shift is exactly one draw of the shared stream.
    expect(seqB.slice(0, 19)).toEqual(seqA.slice(1));
  });

  it('a kind without a dot is its own family', () => {
    const a = new RandomChooser(5);
    const b = new RandomChooser(5);
    const seqA = Array.from({ length: 10 }, () => a.choose('fault', 1000));
    b.choose('faults.x', 1000);
    b.choose('fault2', 1000);
    expect(Array.from({ length: 10 }, () => b.choose('fault', 1000))).toEqual(seqA);
  });
});

describe('ReplayChooser', () => {
  it('replays a recorded random sequence exactly when asked the same questions', () => {
    fc.assert(fc.property(fc.nat(), fc.array(askArb, { maxLength: 200 }), (seed, asks) => {
      const rec = new RandomChooser(seed);
      const xs = draw(rec, asks);
      const rep = new ReplayChooser(rec.recorded, 'fail');
      expect(draw(rep, asks)).toEqual(xs);
      expect(rep.recorded).toEqual(rec.recorded);
      expect(rep.consumed()).toBe(rec.recorded.length);
    }), { numRuns: RUNS });
  });

  it('single-option choices consume nothing', () => {
    const rep = new ReplayChooser([2], 'fail');
    expect(rep.choose('a.b', 1)).toBe(0);
    expect(rep.consumed()).toBe(0);
    expect(rep.choose('a.b', 3)).toBe(2);
    expect(rep.consumed()).toBe(1);
  });

  it('fail mode: a choice beyond the recording is a divergence naming its index and kind', () => {
    const rep = new ReplayChooser([1, 0], 'fail');
    rep.choose('x.y', 2);
    rep.choose('x.y', 2);
    let err: unknown;
    try { rep.choose('sched.next', 4); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ReplayDivergence);
    expect((err as ReplayDivergence).index).toBe(2);
    expect((err as ReplayDivergence).message).toMatch(/choice #2 \(sched\.next\) is beyond the recording/);
  });

  it('fail mode: a recorded value out of range is a divergence', () => {
    const rep = new ReplayChooser([0, 5], 'fail');
    rep.choose('a', 2);
    let err: unknown;
    try { rep.choose('net.delay', 5); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ReplayDivergence);
    expect((err as ReplayDivergence).index).toBe(1);
    expect((err as ReplayDivergence).message).toMatch(/choice #1 \(net\.delay\) recorded 5 but only 5 options exist/);
  });

  it("zero mode: past the recording picks 0, an out-of-range value clamps to n-1, both recorded", () => {
    const rep = new ReplayChooser([1, 9], 'zero');
    expect(rep.choose('a', 3)).toBe(1);
    expect(rep.choose('a', 4)).toBe(3);
    expect(rep.choose('a', 7)).toBe(0);
    expect(rep.choose('a', 2)).toBe(0);
    expect(rep.recorded).toEqual([1, 3, 0, 0]);
    expect(rep.consumed()).toBe(4);
  });

  it('zero mode replays a prefix faithfully', () => {
    const rec = new RandomChooser(42);
    const asks: Ask[] = Array.from({ length: 30 }, (_, i) => ['sched.next', 2 + (i % 5)] as const);
    const xs = draw(rec, asks);
    const rep = new ReplayChooser(rec.recorded.slice(0, 10), 'zero');
    const ys = draw(rep, asks);
    expect(ys.slice(0, 10)).toEqual(xs.slice(0, 10));
    expect(ys.slice(10)).toEqual(new Array(20).fill(0));
  });
});

describe('chooser helpers', () => {
  it('chance: 0 and 1000 permille decide without consuming a choice', () => {
    const rep = new ReplayChooser([], 'fail'); // any consumption would throw
    expect(chance(rep, 'net.drop', 0)).toBe(false);
    expect(chance(rep, 'net.drop', -3)).toBe(false);
    expect(chance(rep, 'net.drop', 1000)).toBe(true);
    expect(chance(rep, 'net.drop', 2000)).toBe(true);
  });

  it('chance: true exactly when the 1000-way choice is below the rate', () => {
    expect(chance(new ReplayChooser([299]), 'x', 300)).toBe(true);
    expect(chance(new ReplayChooser([300]), 'x', 300)).toBe(false);
  });

  it('between: inclusive bounds; a degenerate range consumes nothing', () => {
    expect(between(new ReplayChooser([0]), 'x', 5, 9)).toBe(5);
    expect(between(new ReplayChooser([4]), 'x', 5, 9)).toBe(9);
    expect(between(new ReplayChooser([], 'fail'), 'x', 5, 5)).toBe(5);
    expect(between(new ReplayChooser([], 'fail'), 'x', 5, 2)).toBe(5);
    const c = new RandomChooser(1);
    for (let i = 0; i < 500; i++) {
      const v = between(c, 'net.delay', 1, 3);
      expect(v === 1 || v === 2 || v === 3).toBe(true);
    }
  });

  it('pick: the option at the chosen index', () => {
    expect(pick(new ReplayChooser([2]), 'x', ['a', 'b', 'c'])).toBe('c');
    expect(pick(new ReplayChooser([], 'fail'), 'x', ['only'])).toBe('only');
  });
});
