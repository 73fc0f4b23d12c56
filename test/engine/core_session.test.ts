// Session (spec §1.4, §2): phase FSM, predicates, mutators, options, snapshot detachment.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { EngineContext } from '../../src/engine/context.ts';
import { Session, newSession, withBudget, isTerminalPhase } from '../../src/engine/session.ts';
import { SessionKind, SessionPhase, VALID_TRANSITIONS } from '../../src/engine/types.ts';
import { RUNS } from './core_helpers.ts';

const PHASES = Object.values(SessionPhase);

describe('Session phase FSM (§1.4)', () => {
  it('starts in init with zero fields, no budget, zero tracker', () => {
    const s = new Session(7, 'r1', 3, SessionKind.CatchUp);
    expect(s.phase).toBe('init');
    expect([s.startLSN, s.targetLSN, s.frozenTargetLSN, s.recoveredTo, s.truncateToLSN]).toEqual([0, 0, 0, 0, 0]);
    expect(s.truncateRequired || s.truncateRecorded).toBe(false);
    expect(s.budget).toBeNull();
    expect(s.tracker).toEqual({ startTick: 0, entriesReplayed: 0, lastProgressTick: 0 });
    expect(s.rebuild).toBeNull();
    expect(s.active()).toBe(true);
  });

  it('accepts exactly the edges of the table, from every phase', () => {
    for (const from of PHASES) {
      for (const to of PHASES) {
        const s = new Session(1, 'r1', 1, SessionKind.CatchUp);
        // walk to `from` through legal edges
        const path: Record<SessionPhase, SessionPhase[]> = {
          init: [], connecting: ['connecting'], handshake: ['connecting', 'handshake'],
          catchup: ['connecting', 'handshake', 'catchup'], completed: ['connecting', 'handshake', 'completed'],
          invalidated: ['invalidated'],
        };
        for (const p of path[from]) expect(s.advance(p)).toBe(true);
        expect(s.phase).toBe(from);
        const ok = s.advance(to);
        expect(ok).toBe(VALID_TRANSITIONS[from].includes(to));
        expect(s.phase).toBe(ok ? to : from);
      }
    }
  });

  it('terminal phases reject every advance', () => {
    for (const t of ['completed', 'invalidated'] as const) {
      const s = new Session(1, 'r1', 1, SessionKind.CatchUp);
      if (t === 'completed') s.complete(); else s.invalidate('x');
      for (const p of PHASES) expect(s.advance(p)).toBe(false);
      expect(s.phase).toBe(t);
      expect(isTerminalPhase(t)).toBe(true);
    }
  });

  it('property: random advance sequences never leave the table', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PHASES), { maxLength: 30 }), (seq) => {
        const s = new Session(1, 'r1', 1, SessionKind.CatchUp);
        for (const to of seq) {
          const from = s.phase;
          const ok = s.advance(to);
          if (ok) expect(VALID_TRANSITIONS[from]).toContain(to);
          else expect(s.phase).toBe(from);
          expect(ok).toBe(!isTerminalPhase(from) && VALID_TRANSITIONS[from].includes(to));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('invalidate keeps the first reason and is a no-op once terminal', () => {
    const s = new Session(1, 'r1', 1, SessionKind.CatchUp);
    s.invalidate('first');
    s.invalidate('second');
    expect(s.phase).toBe('invalidated');
    expect(s.invalidateReason).toBe('first');
    const c = new Session(2, 'r1', 1, SessionKind.CatchUp);
    c.complete();
    c.invalidate('late');
    expect(c.phase).toBe('completed');
    expect(c.invalidateReason).toBe('');
  });
});

describe('Session predicates and mutators (§2.3, §2.4)', () => {
  it('converged needs target > 0 and recoveredTo >= target', () => {
    const s = new Session(1, 'r1', 1, SessionKind.CatchUp);
    s.setRange(0, 0);
    expect(s.converged()).toBe(false); // a target of 0 never converges
    s.setRange(5, 10);
    expect(s.converged()).toBe(false);
    s.updateProgress(10);
    expect(s.converged()).toBe(true);
  });

  it('setRange sets recoveredTo to start; updateProgress is a max', () => {
    const s = new Session(1, 'r1', 1, SessionKind.CatchUp);
    s.setRange(70, 100);
    expect(s.recoveredTo).toBe(70);
    s.updateProgress(60);
    expect(s.recoveredTo).toBe(70);
    s.updateProgress(90);
    expect(s.recoveredTo).toBe(90);
  });

  it('rebuild sessions get a RebuildState in init, others none', () => {
    for (const k of Object.values(SessionKind)) {
      const s = new Session(1, 'r1', 1, k);
      if (k === 'rebuild') expect(s.rebuild?.phase).toBe('init');
      else expect(s.rebuild).toBeNull();
      const snap = s.snapshot();
      expect(snap.rebuildPhase).toBe(k === 'rebuild' ? 'init' : '');
      expect(snap.rebuildSource).toBe('');
    }
  });

  it('newSession allocates IDs from the context: 1, 2, 3, never reused; options run after creation', () => {
    const ctx = new EngineContext();
    const a = newSession(ctx, 'r1', 1, SessionKind.CatchUp);
    const b = newSession(ctx, 'r2', 1, SessionKind.CatchUp, withBudget({ maxDurationTicks: 1, maxEntries: 2, progressDeadlineTicks: 3 }));
    const other = newSession(new EngineContext(), 'r1', 1, SessionKind.CatchUp);
    expect([a.id, b.id, other.id]).toEqual([1, 2, 1]);
    expect(b.budget).toEqual({ maxDurationTicks: 1, maxEntries: 2, progressDeadlineTicks: 3 });
  });

  it('withBudget stores a private copy; budget and tracker getters return copies', () => {
    const b = { maxDurationTicks: 10, maxEntries: 0, progressDeadlineTicks: 0 };
    const s = newSession(new EngineContext(), 'r1', 1, SessionKind.CatchUp, withBudget(b));
    (b as { maxDurationTicks: number }).maxDurationTicks = 99;
    expect(s.budget?.maxDurationTicks).toBe(10);
    const got = s.budget as { maxDurationTicks: number };
    got.maxDurationTicks = 55;
    expect(s.budget?.maxDurationTicks).toBe(10);
    const t = s.tracker as { entriesReplayed: number };
    t.entriesReplayed = 1000;
    expect(s.tracker.entriesReplayed).toBe(0);
  });

  it('snapshot is detached from later session changes', () => {
    const s = new Session(1, 'r1', 1, SessionKind.CatchUp);
    const before = s.snapshot();
    s.advance('connecting');
    s.setRange(3, 9);
    s.requireTruncation(3);
    expect(before.phase).toBe('init');
    expect(before.startLSN).toBe(0);
    expect(before.truncateRequired).toBe(false);
    expect(s.snapshot().phase).toBe('connecting');
  });
});
