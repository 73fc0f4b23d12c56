// RetainedHistory and handshake classification (spec §7, §8): boundary tables, proof reason
// strings, and properties that the classification agrees with the closed-form rule.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RetainedHistory } from '../../src/engine/history.ts';
import { classifyRecoveryOutcome } from '../../src/engine/outcome.ts';
import { RUNS, newSender, attach } from './core_helpers.ts';

const H = (head: number, tail: number, committed: number, cp = 0, trusted = false) =>
  new RetainedHistory({ headLSN: head, tailLSN: tail, committedLSN: committed, checkpointLSN: cp, checkpointTrusted: trusted });
const hr = (r: number, c: number, s: number) => ({ replicaFlushedLSN: r, committedLSN: c, retentionStartLSN: s });

describe('classifyRecoveryOutcome (§7)', () => {
  it('R == C is zero_gap whatever the retention', () => {
    expect(classifyRecoveryOutcome(hr(100, 100, 500))).toBe('zero_gap');
    expect(classifyRecoveryOutcome(hr(0, 0, 0))).toBe('zero_gap');
  });
  it('S == 0 -> catchup for any R != C (never needs_rebuild)', () => {
    expect(classifyRecoveryOutcome(hr(0, 100, 0))).toBe('catchup');
    expect(classifyRecoveryOutcome(hr(200, 100, 0))).toBe('catchup');
  });
  it('R + 1 >= S -> catchup; R + 1 < S -> needs_rebuild', () => {
    expect(classifyRecoveryOutcome(hr(49, 100, 50))).toBe('catchup');
    expect(classifyRecoveryOutcome(hr(48, 100, 50))).toBe('needs_rebuild');
  });
  it('replica ahead is catchup, unless it is also below the retention start', () => {
    expect(classifyRecoveryOutcome(hr(120, 100, 50))).toBe('catchup');
    expect(classifyRecoveryOutcome(hr(20, 10, 50))).toBe('needs_rebuild');
  });
});

describe('boundary table with S from the history (§7)', () => {
  const T = 50;
  const C = 100;
  const h = H(100, T, C);
  const cases: Array<[string, number, string]> = [
    ['R == C', 100, 'zero_gap'],
    ['T <= R < C (R == T)', 50, 'catchup'],
    ['T <= R < C (R == C-1)', 99, 'catchup'],
    ['R == T - 1', 49, 'needs_rebuild'],
    ['R < T - 1', 10, 'needs_rebuild'],
    ['R > C and R >= T', 130, 'catchup'],
  ];
  for (const [name, r, want] of cases) {
    it(`${name}: R=${r} -> ${want}`, () => {
      expect(classifyRecoveryOutcome(h.makeHandshakeResult(r))).toBe(want);
    });
  }
  it('R > C but R + 1 < S (committed below tail) -> needs_rebuild', () => {
    expect(classifyRecoveryOutcome(H(100, 50, 20).makeHandshakeResult(30))).toBe('needs_rebuild');
  });
  it('T == 0 never gives needs_rebuild', () => {
    for (const r of [0, 1, 50, 200]) expect(classifyRecoveryOutcome(H(100, 0, 100).makeHandshakeResult(r))).not.toBe('needs_rebuild');
  });
  it('property: outcome == closed form (zero_gap iff R==C; catchup iff T==0 or R>=T)', () => {
    const n = fc.nat(300);
    fc.assert(
      fc.property(n, n, n, n, (head, tail, committed, r) => {
        const out = classifyRecoveryOutcome(H(head, tail, committed).makeHandshakeResult(r));
        const want = r === committed ? 'zero_gap' : tail === 0 || r >= tail ? 'catchup' : 'needs_rebuild';
        expect(out).toBe(want);
      }),
      { numRuns: RUNS },
    );
  });
  it('property: sender effects match the table (range, truncation, state)', () => {
    const n = fc.nat(300);
    fc.assert(
      fc.property(n, n, n, (tail, committed, r) => {
        const { s } = newSender();
        const id = attach(s);
        s.beginConnect(id);
        const { outcome, err } = s.recordHandshakeWithOutcome(id, H(1000, tail, committed).makeHandshakeResult(r));
        expect(err).toBeNull();
        const snap = s.sessionSnapshot();
        if (outcome === 'needs_rebuild') {
          expect(snap).toBeNull();
          expect(s.state()).toBe('needs_rebuild');
        } else if (r > committed) {
          expect(snap).toMatchObject({ startLSN: committed, targetLSN: committed, truncateRequired: true, truncateToLSN: committed });
        } else {
          expect(snap).toMatchObject({ startLSN: r, targetLSN: committed, truncateRequired: false });
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('RetainedHistory (§8)', () => {
  it('isRecoverable: start == tail ok, start < tail not, end > head not, reversed range ok', () => {
    const h = H(100, 50, 100);
    expect(h.isRecoverable(50, 100)).toBe(true);
    expect(h.isRecoverable(49, 100)).toBe(false);
    expect(h.isRecoverable(50, 101)).toBe(false);
    expect(h.isRecoverable(90, 60)).toBe(true);
  });
  it('makeHandshakeResult: S = T + 1, or 0 when T == 0', () => {
    expect(H(100, 30, 90).makeHandshakeResult(70)).toEqual(hr(70, 90, 31));
    expect(H(100, 0, 90).makeHandshakeResult(70)).toEqual(hr(70, 90, 0));
  });
  it('proof reasons: exact strings of §8.5', () => {
    const h = H(100, 30, 90);
    expect(h.proveRecoverability(90)).toEqual({ replicaFlushedLSN: 90, committedLSN: 90, tailLSN: 30, headLSN: 100, recoverable: true, reason: 'zero_gap' });
    expect(h.proveRecoverability(95)).toMatchObject({ recoverable: true, reason: 'replica_ahead_needs_truncation' });
    expect(h.proveRecoverability(40)).toMatchObject({ recoverable: true, reason: 'gap_within_retention: need LSN 41-90, tail=30 head=100' });
    expect(h.proveRecoverability(29)).toMatchObject({ recoverable: false, reason: 'gap_beyond_retention: need LSN 30 but tail=30' });
  });
  it('proof with C > H: unrecoverable, same gap_beyond_retention text; classifier still says catchup (I17 anomaly)', () => {
    const h = H(80, 0, 100);
    expect(h.proveRecoverability(50)).toMatchObject({ recoverable: false, reason: 'gap_beyond_retention: need LSN 51 but tail=0' });
    expect(classifyRecoveryOutcome(h.makeHandshakeResult(50))).toBe('catchup');
  });
  it('property: proof.recoverable agrees with the closed form', () => {
    const n = fc.nat(300);
    fc.assert(
      fc.property(n, n, n, n, (head, tail, committed, r) => {
        const p = H(head, tail, committed).proveRecoverability(r);
        expect(p.recoverable).toBe(r >= committed || (r >= tail && committed <= head));
        expect([p.replicaFlushedLSN, p.committedLSN, p.tailLSN, p.headLSN]).toEqual([r, committed, tail, head]);
      }),
      { numRuns: RUNS },
    );
  });
  it('rebuildSourceDecision: trusted + replayable -> snapshot_tail at checkpoint', () => {
    expect(H(100, 30, 100, 50, true).rebuildSourceDecision()).toEqual({ source: 'snapshot_tail', snapshotLSN: 50 });
    expect(H(100, 50, 100, 50, true).rebuildSourceDecision()).toEqual({ source: 'snapshot_tail', snapshotLSN: 50 });
  });
  it('rebuildSourceDecision: untrusted, zero checkpoint, tail past checkpoint, committed past head -> full_base 0', () => {
    expect(H(100, 30, 100, 50, false).rebuildSourceDecision()).toEqual({ source: 'full_base', snapshotLSN: 0 });
    expect(H(100, 0, 100, 0, true).rebuildSourceDecision()).toEqual({ source: 'full_base', snapshotLSN: 0 });
    expect(H(100, 80, 100, 50, true).rebuildSourceDecision()).toEqual({ source: 'full_base', snapshotLSN: 0 });
    expect(H(90, 30, 100, 50, true).rebuildSourceDecision()).toEqual({ source: 'full_base', snapshotLSN: 0 });
  });
  it('property (I21): snapshot_tail only when trusted, cp > 0, cp >= T, C <= H, C > 0', () => {
    const n = fc.nat(200);
    fc.assert(
      fc.property(n, n, n, n, fc.boolean(), (head, tail, committed, cp, trusted) => {
        const d = H(head, tail, committed, cp, trusted).rebuildSourceDecision();
        const want = trusted && cp > 0 && cp >= tail && committed <= head && committed > 0;
        expect(d.source === 'snapshot_tail').toBe(want);
        expect(d.snapshotLSN).toBe(want ? cp : 0);
      }),
      { numRuns: RUNS },
    );
  });
  it('canonical returns all five fields', () => {
    expect(H(1, 2, 3, 4, true).canonical()).toEqual({ headLSN: 1, tailLSN: 2, committedLSN: 3, checkpointLSN: 4, checkpointTrusted: true });
  });
});
