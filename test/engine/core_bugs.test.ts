// Known-bug switches owned by the engine core (spec §13): each scenario is asserted with the
// switch off (fixed behaviour) and on (the historical bug).
import { describe, it, expect } from 'vitest';
import { EngineContext } from '../../src/engine/context.ts';
import { RetainedHistory } from '../../src/engine/history.ts';
import { Registry } from '../../src/engine/registry.ts';
import { withBudget } from '../../src/engine/session.ts';
import { SessionKind } from '../../src/engine/types.ts';
import { attach, newSender, replica, stateOf, toCatchUp, toHandshake } from './core_helpers.ts';

describe('B4: nil RetainedHistory', () => {
  for (const on of [false, true]) {
    it(`recordHandshakeFromHistory(null) ${on ? 'throws TypeError (bug)' : 'is rejected without state change'}`, () => {
      const { s } = newSender({ B4: on });
      const id = attach(s);
      s.beginConnect(id);
      const before = stateOf(s);
      if (on) expect(() => s.recordHandshakeFromHistory(id, 5, null)).toThrow(TypeError);
      else expect(s.recordHandshakeFromHistory(id, 5, null).err?.code).toBe('nil_history');
      expect(stateOf(s)).toBe(before);
    });
    it(`selectRebuildFromHistory(null) ${on ? 'throws TypeError (bug)' : 'is rejected'}`, () => {
      const { s } = newSender({ B4: on });
      const id = toHandshake(s, 0, 10, SessionKind.Rebuild);
      if (on) expect(() => s.selectRebuildFromHistory(id, null)).toThrow(TypeError);
      else expect(s.selectRebuildFromHistory(id, null)?.code).toBe('nil_history');
    });
  }
});

describe('B12a: frozen target only with a budget', () => {
  it('off: progress beyond the frozen target is rejected without a budget', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 50);
    expect(s.recordCatchUpProgress(id, 60)?.code).toBe('progress_exceeds_frozen_target');
  });
  it('on: without a budget the catch-up chases past the frozen target; with a budget it is still bounded', () => {
    const { s } = newSender({ B12a: true });
    const id = toCatchUp(s, 0, 50);
    expect(s.recordCatchUpProgress(id, 60)).toBeNull();
    expect(s.sessionSnapshot()?.recoveredTo).toBe(60);
    const { s: b } = newSender({ B12a: true });
    const bid = toCatchUp(b, 0, 50, 0, withBudget({ maxDurationTicks: 0, maxEntries: 1000, progressDeadlineTicks: 0 }));
    expect(b.recordCatchUpProgress(bid, 60)?.code).toBe('progress_exceeds_frozen_target');
  });
});

describe('B12b: rebuild sessions through the catch-up APIs', () => {
  it('off: beginCatchUp / recordCatchUpProgress / completeSessionByID reject a rebuild session', () => {
    const { s } = newSender();
    const id = toHandshake(s, 0, 100, SessionKind.Rebuild);
    expect(s.beginCatchUp(id)?.code).toBe('rebuild_requires_rebuild_apis');
    expect(s.recordCatchUpProgress(id, 50)?.code).toBe('rebuild_requires_rebuild_apis');
    expect(s.completeSessionByID(id)).toBe(false);
  });
  it('on: a rebuild session is driven to in_sync through catch-up APIs without any rebuild transfer', () => {
    const { s } = newSender({ B12b: true });
    const id = toHandshake(s, 0, 100, SessionKind.Rebuild);
    expect(s.beginCatchUp(id)).toBeNull();
    expect(s.sessionSnapshot()?.phase).toBe('catchup');
    expect(s.recordCatchUpProgress(id, 100)).toBeNull();
    expect(s.completeSessionByID(id)).toBe(true);
    expect(s.state()).toBe('in_sync');
    expect(s.lastEndedSession()).toMatchObject({ kind: 'rebuild', rebuildPhase: 'init' });
  });
});

describe('B12c: tick required when ProgressDeadlineTicks > 0', () => {
  const budget = withBudget({ maxDurationTicks: 0, maxEntries: 0, progressDeadlineTicks: 5 });
  it('off: progress without a tick is rejected', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 100, 10, budget);
    expect(s.recordCatchUpProgress(id, 20)?.code).toBe('tick_required');
  });
  it('on: progress without a tick is accepted and the stall goes undetected relative to real progress', () => {
    const { s } = newSender({ B12c: true });
    const id = toCatchUp(s, 0, 100, 10, budget);
    expect(s.recordCatchUpProgress(id, 20)).toBeNull();
    expect(s.canonical().session?.tracker.lastProgressTick).toBe(10);
  });
});

describe('B12d: rebuild source selected without a handshake', () => {
  it('off: selectRebuildSource in connecting is rejected', () => {
    const { s } = newSender();
    const id = attach(s, SessionKind.Rebuild);
    s.beginConnect(id);
    expect(s.selectRebuildSource(id, 50, true, 100)?.code).toBe('requires_phase_handshake');
  });
  it('on: the source is selected in phase connecting (and even init)', () => {
    const { s } = newSender({ B12d: true });
    const id = attach(s, SessionKind.Rebuild);
    expect(s.selectRebuildSource(id, 50, true, 100)).toBeNull();
    expect(s.sessionSnapshot()).toMatchObject({ phase: 'init', rebuildSource: 'snapshot_tail' });
  });
});

describe('B13: registry keyed by address', () => {
  function scenario(on: boolean) {
    const r = new Registry(new EngineContext({ B13: on }));
    r.applyAssignment({ replicas: [replica('r1', '10.0.0.1:9333')], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    const old = r.sender('r1')!;
    const oldID = old.sessionID();
    old.beginConnect(oldID);
    const res = r.reconcile([replica('r1', '10.0.0.9:9333', 2)], 1);
    return { r, old, oldID, res };
  }
  it('off: a changed DataAddr keeps the sender object; session invalidated endpoint_changed', () => {
    const { r, old, res } = scenario(false);
    expect(res).toEqual({ added: [], removed: [] });
    expect(r.sender('r1')).toBe(old);
    expect(old.stopped()).toBe(false);
    expect(old.lastEndedSession()?.invalidateReason).toBe('endpoint_changed');
  });
  it('on: remove + add — old sender stopped, a new sender object under the same ID', () => {
    const { r, old, oldID, res } = scenario(true);
    expect(res).toEqual({ added: ['r1'], removed: ['r1'] });
    const now = r.sender('r1')!;
    expect(now).not.toBe(old);
    expect(old.stopped()).toBe(true);
    expect(old.lastEndedSession()).toMatchObject({ id: oldID, invalidateReason: 'sender_stopped' });
    expect(now.state()).toBe('disconnected');
    expect(now.endpoint().dataAddr).toBe('10.0.0.9:9333');
  });
  it('on: a ctrlAddr/version-only change keeps the sender (the address key did not change)', () => {
    const r = new Registry(new EngineContext({ B13: true }));
    r.reconcile([replica('r1', 'a:1')], 1);
    const s = r.sender('r1')!;
    expect(r.reconcile([replica('r1', 'a:1', 5)], 1)).toEqual({ added: [], removed: [] });
    expect(r.sender('r1')).toBe(s);
  });
});

describe('B27: snapshot_tail with CommittedLSN == 0', () => {
  const h = new RetainedHistory({ headLSN: 10, tailLSN: 0, committedLSN: 0, checkpointLSN: 5, checkpointTrusted: true });
  it('off (later fix is the default): full_base', () => {
    expect(h.rebuildSourceDecision()).toEqual({ source: 'full_base', snapshotLSN: 0 });
    const { s } = newSender();
    const id = toHandshake(s, 0, 0, SessionKind.Rebuild);
    expect(s.selectRebuildFromHistory(id, h)).toBeNull();
    expect(s.sessionSnapshot()?.rebuildSource).toBe('full_base');
  });
  it('on: snapshot_tail at the checkpoint with a tail target of 0; tail progress to 0 is a regression', () => {
    expect(h.rebuildSourceDecision({ legacyB27: true })).toEqual({ source: 'snapshot_tail', snapshotLSN: 5 });
    const { s } = newSender({ B27: true });
    const id = toHandshake(s, 0, 0, SessionKind.Rebuild);
    expect(s.selectRebuildFromHistory(id, h)).toBeNull();
    expect(s.canonical().session?.rebuild).toMatchObject({ source: 'snapshot_tail', tailTargetLSN: 0 });
    s.beginRebuildTransfer(id);
    s.recordRebuildTransferProgress(id, 5);
    s.beginRebuildTailReplay(id);
    expect(s.recordRebuildTailProgress(id, 0)?.code).toBe('rebuild_tail_regression');
  });
});
