// Sender execution APIs (spec §3.5, §3.6): every precondition in order, every effect, every
// message template, and "errors change no state".
import { describe, it, expect } from 'vitest';
import { RetainedHistory } from '../../src/engine/history.ts';
import { withBudget } from '../../src/engine/session.ts';
import { SessionKind } from '../../src/engine/types.ts';
import { attach, newSender, stateOf, toCatchUp, toHandshake } from './core_helpers.ts';

const hr = (r: number, c: number, s: number) => ({ replicaFlushedLSN: r, committedLSN: c, retentionStartLSN: s });
const stall = (d: number) => withBudget({ maxDurationTicks: 0, maxEntries: 0, progressDeadlineTicks: d });

describe('BeginConnect', () => {
  it('init -> connecting, state connecting', () => {
    const { s } = newSender();
    const id = attach(s);
    expect(s.beginConnect(id)).toBeNull();
    expect(s.sessionSnapshot()?.phase).toBe('connecting');
    expect(s.state()).toBe('connecting');
  });
  it('second call fails with the phase, no state change', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    const before = stateOf(s);
    const e = s.beginConnect(id);
    expect(e?.code).toBe('cannot_begin_connect');
    expect(e?.message).toBe('cannot begin connect: phase=connecting');
    expect(stateOf(s)).toBe(before);
  });
});

describe('RecordHandshake', () => {
  it('sets the range, recoveredTo = start, state stays connecting', () => {
    const { s } = newSender();
    const id = toHandshake(s, 40, 90);
    expect(s.sessionSnapshot()).toMatchObject({ phase: 'handshake', startLSN: 40, targetLSN: 90, recoveredTo: 40, truncateRequired: false });
    expect(s.state()).toBe('connecting');
    void id;
  });
  it('invalid range is checked before the phase', () => {
    const { s } = newSender();
    const id = attach(s); // still init: phase would also fail
    const e = s.recordHandshake(id, 10, 5);
    expect(e?.code).toBe('invalid_range');
    expect(e?.message).toBe('invalid range: target=5 < start=10');
  });
  it('requires connecting', () => {
    const { s } = newSender();
    const id = attach(s);
    const e = s.recordHandshake(id, 0, 5);
    expect(e?.code).toBe('cannot_record_handshake');
    expect(e?.message).toBe('cannot record handshake: phase=init');
  });
});

describe('RecordHandshakeWithOutcome', () => {
  it('outcome is returned even with an authority error, and nothing changes', () => {
    const { s } = newSender();
    const id = attach(s);
    const before = stateOf(s);
    const r = s.recordHandshakeWithOutcome(id + 1, hr(10, 100, 50));
    expect(r.outcome).toBe('needs_rebuild');
    expect(r.err?.code).toBe('session_id_mismatch');
    expect(stateOf(s)).toBe(before);
  });
  it('requires exactly connecting', () => {
    const { s } = newSender();
    const id = attach(s);
    const r = s.recordHandshakeWithOutcome(id, hr(5, 5, 0));
    expect(r).toMatchObject({ outcome: 'zero_gap' });
    expect(r.err?.code).toBe('handshake_requires_connecting');
    expect(r.err?.message).toBe('handshake requires connecting, got init');
  });
  it('zero_gap: range (R, R), state connecting', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    expect(s.recordHandshakeWithOutcome(id, hr(100, 100, 50))).toEqual({ outcome: 'zero_gap', err: null });
    expect(s.sessionSnapshot()).toMatchObject({ phase: 'handshake', startLSN: 100, targetLSN: 100, recoveredTo: 100 });
    expect(s.state()).toBe('connecting');
  });
  it('catchup: range (R, C)', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    expect(s.recordHandshakeWithOutcome(id, hr(70, 100, 50)).outcome).toBe('catchup');
    expect(s.sessionSnapshot()).toMatchObject({ startLSN: 70, targetLSN: 100, recoveredTo: 70, truncateRequired: false });
  });
  it('replica ahead: truncation required to C, range (C, C)', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    expect(s.recordHandshakeWithOutcome(id, hr(120, 100, 50)).outcome).toBe('catchup');
    expect(s.sessionSnapshot()).toMatchObject({ startLSN: 100, targetLSN: 100, truncateRequired: true, truncateToLSN: 100, truncateRecorded: false });
  });
  it('needs_rebuild: session invalidated gap_exceeds_retention, state needs_rebuild, no error', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    expect(s.recordHandshakeWithOutcome(id, hr(10, 100, 50))).toEqual({ outcome: 'needs_rebuild', err: null });
    expect(s.sessionSnapshot()).toBeNull();
    expect(s.state()).toBe('needs_rebuild');
    expect(s.lastEndedSession()).toMatchObject({ id, invalidateReason: 'gap_exceeds_retention' });
  });
  it('does not check the session kind (a rebuild session can take an outcome handshake)', () => {
    const { s } = newSender();
    const id = attach(s, SessionKind.Rebuild);
    s.beginConnect(id);
    expect(s.recordHandshakeWithOutcome(id, hr(70, 100, 0)).err).toBeNull();
    expect(s.sessionSnapshot()?.phase).toBe('handshake');
  });
});

describe('RecordHandshakeFromHistory / SelectRebuildFromHistory', () => {
  const h = new RetainedHistory({ headLSN: 100, tailLSN: 30, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true });
  it('null history: needs_rebuild, no proof, nil_history, no state change', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    const before = stateOf(s);
    const r = s.recordHandshakeFromHistory(id, 70, null);
    expect(r.outcome).toBe('needs_rebuild');
    expect(r.proof).toBeNull();
    expect(r.err?.code).toBe('nil_history');
    expect(r.err?.message).toBe('nil RetainedHistory');
    expect(stateOf(s)).toBe(before);
  });
  it('returns the proof together with a delegated error', () => {
    const { s } = newSender();
    const id = attach(s); // not connecting
    const r = s.recordHandshakeFromHistory(id, 70, h);
    expect(r.err?.code).toBe('handshake_requires_connecting');
    expect(r.proof?.reason).toBe('gap_within_retention: need LSN 71-100, tail=30 head=100');
  });
  it('uses S = T + 1 from the history', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    const r = s.recordHandshakeFromHistory(id, 29, h); // R + 1 = 30 < S = 31
    expect(r.outcome).toBe('needs_rebuild');
    expect(r.proof?.recoverable).toBe(false);
    expect(s.state()).toBe('needs_rebuild');
  });
  it('selectRebuildFromHistory: null -> nil_history; else policy + mechanism', () => {
    const { s } = newSender();
    const id = toHandshake(s, 0, 100, SessionKind.Rebuild);
    const before = stateOf(s);
    expect(s.selectRebuildFromHistory(id, null)?.code).toBe('nil_history');
    expect(stateOf(s)).toBe(before);
    expect(s.selectRebuildFromHistory(id, h)).toBeNull();
    expect(s.canonical().session?.rebuild).toMatchObject({ source: 'snapshot_tail', snapshotLSN: 50, snapshotValid: true, tailStartLSN: 50, tailTargetLSN: 100 });
  });
  it('selectRebuildFromHistory with an unreplayable tail picks full_base with snapshot 0', () => {
    const { s } = newSender();
    const id = toHandshake(s, 0, 100, SessionKind.Rebuild);
    const h2 = new RetainedHistory({ headLSN: 100, tailLSN: 80, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true });
    expect(s.selectRebuildFromHistory(id, h2)).toBeNull();
    expect(s.canonical().session?.rebuild).toMatchObject({ source: 'full_base', snapshotLSN: 0, snapshotValid: false, tailTargetLSN: 100 });
  });
});

describe('BeginCatchUp', () => {
  it('rebuild kind rejected before the phase check', () => {
    const { s } = newSender();
    const id = attach(s, SessionKind.Rebuild);
    const e = s.beginCatchUp(id);
    expect(e?.code).toBe('rebuild_requires_rebuild_apis');
    expect(e?.message).toBe('rebuild sessions must use rebuild APIs');
  });
  it('only from handshake', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    expect(s.beginCatchUp(id)?.message).toBe('cannot begin catch-up: phase=connecting');
  });
  it('freezes the target, sets catching_up, and ticks only when supplied', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 10, 60, 7);
    expect(s.state()).toBe('catching_up');
    expect(s.canonical().session).toMatchObject({ phase: 'catchup', frozenTargetLSN: 60, tracker: { startTick: 7, lastProgressTick: 7, entriesReplayed: 0 } });
    const { s: s2 } = newSender();
    toCatchUp(s2, 10, 60);
    expect(s2.canonical().session?.tracker).toEqual({ startTick: 0, entriesReplayed: 0, lastProgressTick: 0 });
    void id;
  });
});

describe('RecordCatchUpProgress', () => {
  it('checks in order: kind, phase, regression, frozen target, tick', () => {
    const { s: r } = newSender();
    const rid = toHandshake(r, 0, 10, SessionKind.Rebuild);
    expect(r.recordCatchUpProgress(rid, 5)?.code).toBe('rebuild_requires_rebuild_apis');

    const { s } = newSender();
    const hid = toHandshake(s, 0, 10, SessionKind.CatchUp, stall(5));
    expect(s.recordCatchUpProgress(hid, 0)?.message).toBe('progress requires catchup phase, got handshake');
    s.beginCatchUp(hid);
    expect(s.recordCatchUpProgress(hid, 0)?.message).toBe('progress regression: 0 <= 0'); // before tick check
    expect(s.recordCatchUpProgress(hid, 11)?.message).toBe('progress 11 exceeds frozen target 10'); // before tick check
    const e = s.recordCatchUpProgress(hid, 5);
    expect(e?.code).toBe('tick_required');
    expect(e?.message).toBe('tick required when ProgressDeadlineTicks > 0');
    expect(s.recordCatchUpProgress(hid, 5, 3)).toBeNull();
  });
  it('accumulates entries as an LSN delta from the handshake start and records the tick', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 70, 100, 1);
    expect(s.recordCatchUpProgress(id, 80, 5)).toBeNull();
    expect(s.recordCatchUpProgress(id, 100)).toBeNull();
    expect(s.canonical().session).toMatchObject({ recoveredTo: 100, tracker: { entriesReplayed: 30, lastProgressTick: 5, startTick: 1 } });
  });
  it('a frozen target of 0 disables the bound', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 0);
    expect(s.recordCatchUpProgress(id, 1000)).toBeNull();
  });
  it('the frozen target does not follow a later range (frozen at BeginCatchUp)', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 50);
    expect(s.recordCatchUpProgress(id, 50)).toBeNull();
    expect(s.recordCatchUpProgress(id, 51)?.code).toBe('progress_exceeds_frozen_target');
  });
  it('ticks need not be monotonic', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 50, 10);
    s.recordCatchUpProgress(id, 5, 20);
    expect(s.recordCatchUpProgress(id, 6, 3)).toBeNull();
    expect(s.canonical().session?.tracker.lastProgressTick).toBe(3);
  });
});

describe('RecordTruncation', () => {
  it('not required -> error', () => {
    const { s } = newSender();
    const id = toHandshake(s, 0, 10);
    const e = s.recordTruncation(id, 0);
    expect(e?.code).toBe('truncation_not_required');
    expect(e?.message).toBe('truncation not required');
  });
  it('mismatch -> error with template; match -> recorded; idempotent', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    s.recordHandshakeWithOutcome(id, hr(120, 100, 0));
    const e = s.recordTruncation(id, 99);
    expect(e?.code).toBe('truncation_lsn_mismatch');
    expect(e?.message).toBe('truncation LSN mismatch: expected 100, got 99');
    expect(s.sessionSnapshot()?.truncateRecorded).toBe(false);
    expect(s.recordTruncation(id, 100)).toBeNull();
    expect(s.recordTruncation(id, 100)).toBeNull();
    expect(s.sessionSnapshot()?.truncateRecorded).toBe(true);
  });
  it('allowed in catchup phase too', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    s.recordHandshakeWithOutcome(id, hr(120, 100, 0));
    s.beginCatchUp(id);
    expect(s.recordTruncation(id, 100)).toBeNull();
  });
});

describe('CompleteSessionByID', () => {
  it('false on authority failure, rebuild kind, missing truncation, unconverged catch-up, handshake with a gap, init/connecting', () => {
    const { s } = newSender();
    expect(s.completeSessionByID(1)).toBe(false);
    const { s: r } = newSender();
    const rid = toHandshake(r, 0, 0, SessionKind.Rebuild);
    expect(r.completeSessionByID(rid)).toBe(false);

    const { s: t } = newSender();
    const tid = attach(t);
    t.beginConnect(tid);
    t.recordHandshakeWithOutcome(tid, hr(120, 100, 0));
    const before = stateOf(t);
    expect(t.completeSessionByID(tid)).toBe(false);
    expect(stateOf(t)).toBe(before);

    const { s: c } = newSender();
    const cid = toCatchUp(c, 0, 100);
    c.recordCatchUpProgress(cid, 50);
    expect(c.completeSessionByID(cid)).toBe(false);

    const { s: h } = newSender();
    const hid = toHandshake(h, 10, 20);
    expect(h.completeSessionByID(hid)).toBe(false);

    const { s: i } = newSender();
    const iid = attach(i);
    expect(i.completeSessionByID(iid)).toBe(false);
    i.beginConnect(iid);
    expect(i.completeSessionByID(iid)).toBe(false);
  });
  it('catch-up with target 0 never completes from catchup (not converged)', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 0);
    expect(s.completeSessionByID(id)).toBe(false);
  });
  it('handshake with start == target completes; session dropped; in_sync', () => {
    const { s } = newSender();
    const id = toHandshake(s, 0, 0); // even target 0 completes from handshake
    expect(s.completeSessionByID(id)).toBe(true);
    expect(s.sessionSnapshot()).toBeNull();
    expect(s.state()).toBe('in_sync');
    expect(s.lastEndedSession()).toMatchObject({ id, phase: 'completed', active: false });
    expect(s.completeSessionByID(id)).toBe(false);
  });
  it('converged catch-up completes', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 100);
    s.recordCatchUpProgress(id, 100);
    expect(s.completeSessionByID(id)).toBe(true);
    expect(s.state()).toBe('in_sync');
  });
  it('truncation recorded then completes from handshake', () => {
    const { s } = newSender();
    const id = attach(s);
    s.beginConnect(id);
    s.recordHandshakeWithOutcome(id, hr(120, 100, 0));
    s.recordTruncation(id, 100);
    expect(s.completeSessionByID(id)).toBe(true);
  });
});

describe('CheckBudget', () => {
  it('authority failure -> (OK, err)', () => {
    const { s } = newSender();
    expect(s.checkBudget(3, 10)).toMatchObject({ violation: '' });
    expect(s.checkBudget(3, 10).err?.code).toBe('no_active_session');
  });
  it('no budget -> OK, nothing changes', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 100, 0);
    const before = stateOf(s);
    expect(s.checkBudget(id, 1e9)).toEqual({ violation: '', err: null });
    expect(stateOf(s)).toBe(before);
  });
  it('violations invalidate with budget_<v> and set needs_rebuild', () => {
    const cases = [
      { b: { maxDurationTicks: 10, maxEntries: 0, progressDeadlineTicks: 0 }, v: 'duration_exceeded', tick: 12 },
      { b: { maxDurationTicks: 0, maxEntries: 5, progressDeadlineTicks: 0 }, v: 'entries_exceeded', tick: 1 },
      { b: { maxDurationTicks: 0, maxEntries: 0, progressDeadlineTicks: 2 }, v: 'progress_stalled', tick: 10 },
    ] as const;
    for (const c of cases) {
      const { s } = newSender();
      const id = toCatchUp(s, 0, 100, 1, withBudget(c.b));
      s.recordCatchUpProgress(id, 6, 2);
      expect(s.checkBudget(id, c.tick)).toEqual({ violation: c.v, err: null });
      expect(s.state()).toBe('needs_rebuild');
      expect(s.sessionSnapshot()).toBeNull();
      expect(s.lastEndedSession()?.invalidateReason).toBe(`budget_${c.v}`);
    }
  });
  it('within budget -> OK and the session continues', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 100, 0, withBudget({ maxDurationTicks: 10, maxEntries: 50, progressDeadlineTicks: 5 }));
    s.recordCatchUpProgress(id, 50, 8);
    expect(s.checkBudget(id, 10).violation).toBe('');
    expect(s.sessionID()).toBe(id);
  });
});

describe('Rebuild APIs on the sender (§3.6)', () => {
  it('selectRebuildSource: not a rebuild session / requires PhaseHandshake / delegated error', () => {
    const { s } = newSender();
    const cid = toHandshake(s, 0, 10);
    const e1 = s.selectRebuildSource(cid, 5, true, 10);
    expect(e1?.code).toBe('not_a_rebuild_session');
    expect(e1?.message).toBe('not a rebuild session');
    const { s: r } = newSender();
    const rid = attach(r, SessionKind.Rebuild);
    const e2 = r.selectRebuildSource(rid, 5, true, 10);
    expect(e2?.code).toBe('requires_phase_handshake');
    expect(e2?.message).toBe('requires PhaseHandshake, got init');
    r.beginConnect(rid);
    r.recordHandshake(rid, 0, 10);
    expect(r.selectRebuildSource(rid, 5, true, 10)).toBeNull();
    expect(r.selectRebuildSource(rid, 5, true, 10)?.code).toBe('rebuild_source_select_requires_init');
    expect(r.sessionSnapshot()).toMatchObject({ rebuildSource: 'snapshot_tail', rebuildPhase: 'source_select' });
  });
  it('transfer/tail APIs on a non-rebuild session -> no rebuild state', () => {
    const { s } = newSender();
    const id = toHandshake(s, 0, 10);
    for (const e of [s.beginRebuildTransfer(id), s.recordRebuildTransferProgress(id, 1), s.beginRebuildTailReplay(id), s.recordRebuildTailProgress(id, 1), s.completeRebuild(id)]) {
      expect(e?.code).toBe('no_rebuild_state');
      expect(e?.message).toBe('no rebuild state');
    }
  });
  it('completeRebuild error leaves the session active; success completes and sets in_sync', () => {
    const { s } = newSender();
    const id = toHandshake(s, 0, 100, SessionKind.Rebuild);
    s.selectRebuildSource(id, 0, false, 100);
    s.beginRebuildTransfer(id);
    s.recordRebuildTransferProgress(id, 60);
    const e = s.completeRebuild(id);
    expect(e?.code).toBe('rebuild_not_ready');
    expect(e?.message).toBe('rebuild: not ready (source=full_base phase=transfer)');
    expect(s.hasActiveSession()).toBe(true);
    s.recordRebuildTransferProgress(id, 130); // overshoot allowed
    expect(s.completeRebuild(id)).toBeNull();
    expect(s.state()).toBe('in_sync');
    expect(s.lastEndedSession()).toMatchObject({ phase: 'completed', rebuildPhase: 'completed', rebuildSource: 'full_base' });
  });
  it('rebuild session stays in phase handshake through the whole transfer', () => {
    const { s } = newSender();
    const id = toHandshake(s, 0, 100, SessionKind.Rebuild);
    s.selectRebuildSource(id, 50, true, 100);
    s.beginRebuildTransfer(id);
    s.recordRebuildTransferProgress(id, 50);
    s.beginRebuildTailReplay(id);
    s.recordRebuildTailProgress(id, 100);
    expect(s.sessionSnapshot()).toMatchObject({ phase: 'handshake', rebuildPhase: 'tail_replay' });
    expect(s.state()).toBe('connecting');
  });
});
