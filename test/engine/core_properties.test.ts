// Property tests over random Sender call sequences: errors change no state, the session pointer
// is nil-or-active (I1), session epoch = sender epoch (I2), phase discipline (I5), stopped
// senders are inert (I6), frozen bounded progress (I11), exact entry accounting (I12),
// completion only at convergence (I13), budget escalation is total (I15), rebuild exclusivity
// (I18), and snapshot detachment.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { EngineContext } from '../../src/engine/context.ts';
import { RetainedHistory } from '../../src/engine/history.ts';
import { Sender } from '../../src/engine/sender.ts';
import { withBudget } from '../../src/engine/session.ts';
import { ReplicaState, SessionKind, VALID_TRANSITIONS } from '../../src/engine/types.ts';
import type { SessionPhase } from '../../src/engine/types.ts';
import { RUNS, ep } from './core_helpers.ts';

const lsn = fc.nat(120);
const kind = fc.constantFrom<SessionKind>('catchup', 'rebuild', 'bootstrap', 'reassign');
const budgetArb = fc.record({ maxDurationTicks: fc.nat(20), maxEntries: fc.nat(60), progressDeadlineTicks: fc.nat(10) });
// `sid` chooses between the current session ID (0), a stale/foreign one (1) and a random one.
const sid = fc.oneof(fc.constant(0), fc.constant(1), fc.nat(8));
const op = fc.oneof(
  fc.record({ k: fc.constant('attach' as const), kind, epochDelta: fc.integer({ min: -1, max: 1 }), budget: fc.option(budgetArb) }),
  fc.record({ k: fc.constant('supersede' as const), kind }),
  fc.record({ k: fc.constant('epoch' as const), e: fc.nat(6) }),
  fc.record({ k: fc.constant('endpoint' as const), v: fc.nat(2) }),
  fc.constant({ k: 'stop' as const }),
  fc.record({ k: fc.constant('invalidate' as const), st: fc.constantFrom(...Object.values(ReplicaState)) }),
  fc.record({ k: fc.constant('connect' as const), sid }),
  fc.record({ k: fc.constant('handshake' as const), sid, a: lsn, b: lsn }),
  fc.record({ k: fc.constant('outcome' as const), sid, r: lsn, c: lsn, s: lsn }),
  fc.record({ k: fc.constant('history' as const), sid, r: lsn, t: lsn, c: lsn, nil: fc.boolean() }),
  fc.record({ k: fc.constant('beginCatchUp' as const), sid, tick: fc.option(fc.nat(30), { nil: undefined }) }),
  fc.record({ k: fc.constant('progress' as const), sid, x: lsn, tick: fc.option(fc.nat(30), { nil: undefined }) }),
  fc.record({ k: fc.constant('truncate' as const), sid, x: lsn }),
  fc.record({ k: fc.constant('complete' as const), sid }),
  fc.record({ k: fc.constant('budget' as const), sid, tick: fc.nat(40) }),
  fc.record({ k: fc.constant('selectSource' as const), sid, snap: lsn, valid: fc.boolean(), c: lsn }),
  fc.record({ k: fc.constant('selectHistory' as const), sid, cp: lsn, t: lsn, c: lsn }),
  fc.record({ k: fc.constant('transfer' as const), sid }),
  fc.record({ k: fc.constant('transferProgress' as const), sid, x: lsn }),
  fc.record({ k: fc.constant('tail' as const), sid }),
  fc.record({ k: fc.constant('tailProgress' as const), sid, x: lsn }),
  fc.record({ k: fc.constant('completeRebuild' as const), sid }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function idFor(s: Sender, choice: number, lastEnded: number): number {
  if (choice === 0) return s.sessionID();
  if (choice === 1) return lastEnded;
  return choice;
}

/** Apply one op; returns whether the call was rejected (error / false / (OK, err)). */
function apply(s: Sender, o: Op, staleID: number): { rejected: boolean; mutatorWithoutResult: boolean; violation?: string } {
  const id = 'sid' in o ? idFor(s, o.sid, staleID) : 0;
  const rej = (e: unknown) => ({ rejected: e !== null, mutatorWithoutResult: false });
  switch (o.k) {
    case 'attach': {
      const opts = o.budget ? [withBudget(o.budget)] : [];
      return rej(s.attachSession(Math.max(0, s.epoch() + o.epochDelta), o.kind, ...opts).err);
    }
    case 'supersede': return { rejected: s.supersedeSession(o.kind, 'prop') === 0, mutatorWithoutResult: false };
    case 'epoch': s.updateEpoch(o.e); return { rejected: false, mutatorWithoutResult: true };
    case 'endpoint': s.updateEndpoint(ep('r1:9333', 1 + o.v)); return { rejected: false, mutatorWithoutResult: true };
    case 'stop': s.stop(); return { rejected: false, mutatorWithoutResult: true };
    case 'invalidate': s.invalidateSession('prop', o.st); return { rejected: false, mutatorWithoutResult: true };
    case 'connect': return rej(s.beginConnect(id));
    case 'handshake': return rej(s.recordHandshake(id, o.a, o.b));
    case 'outcome': return rej(s.recordHandshakeWithOutcome(id, { replicaFlushedLSN: o.r, committedLSN: o.c, retentionStartLSN: o.s }).err);
    case 'history': {
      const h = o.nil ? null : new RetainedHistory({ headLSN: 120, tailLSN: o.t, committedLSN: o.c, checkpointLSN: 0, checkpointTrusted: false });
      return rej(s.recordHandshakeFromHistory(id, o.r, h).err);
    }
    case 'beginCatchUp': return rej(s.beginCatchUp(id, o.tick));
    case 'progress': return rej(s.recordCatchUpProgress(id, o.x, o.tick));
    case 'truncate': return rej(s.recordTruncation(id, o.x));
    case 'complete': return { rejected: !s.completeSessionByID(id), mutatorWithoutResult: false };
    case 'budget': {
      const r = s.checkBudget(id, o.tick);
      return { rejected: r.err !== null || r.violation === '', mutatorWithoutResult: false, violation: r.violation };
    }
    case 'selectSource': return rej(s.selectRebuildSource(id, o.snap, o.valid, o.c));
    case 'selectHistory': return rej(s.selectRebuildFromHistory(id, new RetainedHistory({ headLSN: 120, tailLSN: o.t, committedLSN: o.c, checkpointLSN: o.cp, checkpointTrusted: true })));
    case 'transfer': return rej(s.beginRebuildTransfer(id));
    case 'transferProgress': return rej(s.recordRebuildTransferProgress(id, o.x));
    case 'tail': return rej(s.beginRebuildTailReplay(id));
    case 'tailProgress': return rej(s.recordRebuildTailProgress(id, o.x));
    case 'completeRebuild': return rej(s.completeRebuild(id));
  }
}

describe('Sender properties over random call sequences', () => {
  it('rejections change no state; I1, I2, I5, I6, I11, I12, I13, I15, I18 hold after every step', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const ctx = new EngineContext();
        const s = new Sender(ctx, 'r1', ep('r1:9333'), 1);
        let stale = 0;
        let maxID = 0;
        let wasStopped = false;
        for (const o of ops) {
          const before = s.canonical();
          const beforeText = JSON.stringify(before);
          const res = apply(s, o, stale);
          const after = s.canonical();
          if (res.rejected && !res.mutatorWithoutResult) {
            // a no-violation budget check is a "successful" no-op; all others must not mutate
            expect(JSON.stringify(after)).toBe(beforeText);
          }
          const sess = after.session;
          // I1 nil-or-active; I2 epoch equality
          if (sess !== null) {
            expect(['completed', 'invalidated']).not.toContain(sess.phase);
            expect(sess.epoch).toBe(after.epoch);
            // I18: rebuild state iff rebuild kind; rebuild never in catchup
            expect(sess.rebuild !== null).toBe(sess.kind === 'rebuild');
            if (sess.kind === 'rebuild') expect(sess.phase).not.toBe('catchup');
            // I11 / I12
            if (sess.phase === 'catchup') {
              expect(sess.frozenTargetLSN).toBe(sess.targetLSN);
              expect(sess.recoveredTo).toBeGreaterThanOrEqual(sess.startLSN);
              if (sess.frozenTargetLSN > 0) expect(sess.recoveredTo).toBeLessThanOrEqual(sess.frozenTargetLSN);
              expect(sess.tracker.entriesReplayed).toBe(sess.recoveredTo - sess.startLSN);
            }
            // I14 (engine part)
            if (sess.truncateRequired) expect([sess.startLSN, sess.targetLSN]).toEqual([sess.truncateToLSN, sess.truncateToLSN]);
            if (sess.truncateRecorded) expect(sess.truncateRequired).toBe(true);
            // I3 fresh IDs
            if (sess.id !== before.session?.id) {
              expect(sess.id).toBeGreaterThan(maxID);
              maxID = sess.id;
            }
          }
          // I5: same session -> its phase moved along a table edge (or not at all)
          if (sess !== null && before.session !== null && sess.id === before.session.id && sess.phase !== before.session.phase) {
            expect(VALID_TRANSITIONS[before.session.phase as SessionPhase]).toContain(sess.phase);
          }
          // I13: a successful catch-up completion happened only at convergence
          if (o.k === 'complete' && !res.rejected) {
            const b = before.session!;
            expect(b.kind).not.toBe('rebuild');
            expect((b.phase === 'catchup' && b.targetLSN > 0 && b.recoveredTo >= b.targetLSN) || (b.phase === 'handshake' && b.targetLSN === b.startLSN)).toBe(true);
            if (b.truncateRequired) expect(b.truncateRecorded).toBe(true);
            expect(after.state).toBe('in_sync');
          }
          // I15
          if (o.k === 'budget' && res.violation !== undefined && res.violation !== '') {
            expect(after.session).toBeNull();
            expect(after.state).toBe('needs_rebuild');
            expect(s.lastEndedSession()?.invalidateReason).toBe(`budget_${res.violation}`);
          }
          // I6
          if (wasStopped) {
            expect(after.stopped).toBe(true);
            expect(after.session).toBeNull();
          }
          wasStopped = after.stopped;
          if (before.session !== null && (after.session === null || after.session.id !== before.session.id)) stale = before.session.id;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('snapshot detachment: earlier snapshots never change, and mutating a snapshot never changes the sender', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const s = new Sender(new EngineContext(), 'r1', ep('r1:9333'), 1);
        s.attachSession(1, 'catchup');
        const taken: Array<{ snap: object; text: string }> = [];
        let stale = 0;
        for (const o of ops) {
          const snap = s.sessionSnapshot();
          if (snap !== null) {
            taken.push({ snap, text: JSON.stringify(snap) });
            const before = JSON.stringify(s.canonical());
            const m = snap as unknown as Record<string, unknown>;
            m['phase'] = 'completed';
            m['recoveredTo'] = 999;
            m['active'] = false;
            expect(JSON.stringify(s.canonical())).toBe(before);
            m['phase'] = JSON.parse(taken[taken.length - 1]!.text).phase;
            m['recoveredTo'] = JSON.parse(taken[taken.length - 1]!.text).recoveredTo;
            m['active'] = JSON.parse(taken[taken.length - 1]!.text).active;
          }
          const id = s.sessionID();
          apply(s, o, stale);
          if (id !== 0 && s.sessionID() !== id) stale = id;
        }
        for (const t of taken) expect(JSON.stringify(t.snap)).toBe(t.text);
      }),
      { numRuns: RUNS },
    );
  });

  it('canonical() is detached too', () => {
    const s = new Sender(new EngineContext(), 'r1', ep('r1:9333'), 1);
    const id = s.attachSession(1, 'rebuild').id;
    const c = s.canonical();
    s.beginConnect(id);
    s.recordHandshake(id, 0, 10);
    s.selectRebuildSource(id, 0, false, 10);
    expect(c.session?.phase).toBe('init');
    expect(c.session?.rebuild?.phase).toBe('init');
  });
});
