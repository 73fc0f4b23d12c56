// Sender construction, accessors, checkAuthority and lifecycle APIs (spec §3.1–§3.4, H17).
import { describe, it, expect } from 'vitest';
import { SenderErrorCode } from '../../src/engine/sender.ts';
import { withBudget } from '../../src/engine/session.ts';
import { ReplicaState, SessionKind } from '../../src/engine/types.ts';
import { attach, ep, newSender, stateOf, toCatchUp, toHandshake } from './core_helpers.ts';

describe('Sender construction and accessors (§3.1, §3.3)', () => {
  it('new sender: disconnected, no session, not stopped, endpoint and epoch as given', () => {
    const { s } = newSender({}, 4);
    expect(s.replicaID()).toBe('r1');
    expect(s.endpoint()).toEqual(ep('r1:9333'));
    expect(s.epoch()).toBe(4);
    expect(s.state()).toBe('disconnected');
    expect(s.stopped()).toBe(false);
    expect(s.sessionSnapshot()).toBeNull();
    expect(s.sessionID()).toBe(0);
    expect(s.hasActiveSession()).toBe(false);
  });

  it('endpoint() returns a copy', () => {
    const { s } = newSender();
    const e = s.endpoint() as { dataAddr: string };
    e.dataAddr = 'mutated';
    expect(s.endpoint().dataAddr).toBe('r1:9333');
  });

  it('sessionID/hasActiveSession/sessionSnapshot reflect an attached session', () => {
    const { s } = newSender();
    const id = attach(s);
    expect(s.sessionID()).toBe(id);
    expect(s.hasActiveSession()).toBe(true);
    expect(s.sessionSnapshot()).toMatchObject({ id, replicaID: 'r1', epoch: 1, kind: 'catchup', phase: 'init', active: true });
  });
});

describe('checkAuthority order (§3.2)', () => {
  it('stopped is reported before "no active session"', () => {
    const { s } = newSender();
    s.stop();
    const e = s.beginConnect(1);
    expect(e?.code).toBe(SenderErrorCode.SenderStopped);
    expect(e?.message).toBe('sender stopped');
  });

  it('no session -> no active session', () => {
    const { s } = newSender();
    const e = s.beginConnect(1);
    expect(e?.code).toBe('no_active_session');
    expect(e?.message).toBe('no active session');
  });

  it('wrong ID -> session ID mismatch with both IDs', () => {
    const { s } = newSender();
    const id = attach(s);
    const e = s.beginConnect(id + 5);
    expect(e?.code).toBe('session_id_mismatch');
    expect(e?.message).toBe(`session ID mismatch: active=${id} requested=${id + 5}`);
  });

  it('a stopped sender with a stale ID still reports "sender stopped" first', () => {
    const { s } = newSender();
    const id = attach(s);
    s.stop();
    expect(s.recordHandshake(id, 0, 1)?.code).toBe('sender_stopped');
  });
});

describe('UpdateEpoch (§3.4)', () => {
  it('invalidates an older-epoch session with epoch_advanced_<old>_to_<new> and disconnects', () => {
    const { s } = newSender({}, 3);
    const id = toCatchUp(s, 0, 10);
    expect(s.state()).toBe('catching_up');
    s.updateEpoch(5);
    expect(s.epoch()).toBe(5);
    expect(s.sessionSnapshot()).toBeNull();
    expect(s.state()).toBe('disconnected');
    expect(s.lastEndedSession()).toMatchObject({ id, phase: 'invalidated', invalidateReason: 'epoch_advanced_3_to_5', active: false });
  });

  it('no-op for e <= epoch', () => {
    const { s } = newSender({}, 3);
    attach(s);
    const before = stateOf(s);
    s.updateEpoch(3);
    s.updateEpoch(2);
    expect(stateOf(s)).toBe(before);
  });

  it('no-op when stopped (epoch stays)', () => {
    const { s } = newSender({}, 3);
    s.stop();
    s.updateEpoch(9);
    expect(s.epoch()).toBe(3);
  });

  it('H17: without a session the state is left unchanged (in_sync stays in_sync)', () => {
    const { s } = newSender();
    const id = toHandshake(s, 5, 5);
    expect(s.completeSessionByID(id)).toBe(true);
    expect(s.state()).toBe('in_sync');
    s.updateEpoch(2);
    expect(s.epoch()).toBe(2);
    expect(s.state()).toBe('in_sync');
  });
});

describe('UpdateEndpoint (§3.4)', () => {
  it('a changed endpoint invalidates the session (endpoint_changed) and disconnects', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 10);
    s.updateEndpoint(ep('r1:9444', 2));
    expect(s.endpoint()).toEqual(ep('r1:9444', 2));
    expect(s.hasActiveSession()).toBe(false);
    expect(s.state()).toBe('disconnected');
    expect(s.lastEndedSession()).toMatchObject({ id, invalidateReason: 'endpoint_changed' });
  });

  it('each field counts as a change: dataAddr, ctrlAddr, version', () => {
    for (const next of [ep('x:1'), ep('r1:9333', 2), ep('r1:9333', 1, 'ctrl')]) {
      const { s } = newSender();
      attach(s);
      s.updateEndpoint(next);
      expect(s.hasActiveSession()).toBe(false);
    }
  });

  it('an identical endpoint keeps the session', () => {
    const { s } = newSender();
    const id = attach(s);
    s.updateEndpoint(ep('r1:9333'));
    expect(s.sessionID()).toBe(id);
  });

  it('H17: a change without a session updates the endpoint but not the state', () => {
    const { s } = newSender();
    s.invalidateSession('x', ReplicaState.InSync);
    s.updateEndpoint(ep('new:1', 7));
    expect(s.endpoint()).toEqual(ep('new:1', 7));
    expect(s.state()).toBe('in_sync');
  });

  it('no-op when stopped', () => {
    const { s } = newSender();
    s.stop();
    s.updateEndpoint(ep('new:1', 7));
    expect(s.endpoint()).toEqual(ep('r1:9333'));
  });
});

describe('AttachSession (§3.4)', () => {
  it('fails on a stopped sender', () => {
    const { s } = newSender();
    s.stop();
    const r = s.attachSession(1, SessionKind.CatchUp);
    expect(r).toMatchObject({ id: 0 });
    expect(r.err?.code).toBe('sender_stopped');
  });

  it('fails on epoch mismatch with the template', () => {
    const { s, ctx } = newSender({}, 2);
    const r = s.attachSession(3, SessionKind.CatchUp);
    expect(r.err?.code).toBe('epoch_mismatch');
    expect(r.err?.message).toBe('epoch mismatch: sender=2 session=3');
    expect(ctx.lastAllocatedSessionID).toBe(0); // no ID consumed on failure
  });

  it('fails while a session is active', () => {
    const { s } = newSender();
    const id = attach(s);
    const before = stateOf(s);
    const r = s.attachSession(1, SessionKind.Rebuild);
    expect(r.err?.code).toBe('session_already_active');
    expect(r.err?.message).toBe(`session already active (id=${id})`);
    expect(stateOf(s)).toBe(before);
  });

  it('does not change the state; applies options', () => {
    const { s } = newSender();
    s.invalidateSession('x', ReplicaState.InSync);
    const id = attach(s, SessionKind.CatchUp, withBudget({ maxDurationTicks: 3, maxEntries: 0, progressDeadlineTicks: 0 }));
    expect(s.state()).toBe('in_sync');
    expect(s.canonical().session?.budget).toEqual({ maxDurationTicks: 3, maxEntries: 0, progressDeadlineTicks: 0 });
    expect(id).toBe(1);
  });
});

describe('SupersedeSession (§3.4)', () => {
  it('returns 0 on a stopped sender', () => {
    const { s } = newSender();
    s.stop();
    expect(s.supersedeSession(SessionKind.CatchUp, 'r')).toBe(0);
  });

  it('invalidates the old session with the reason and installs a new one at the sender epoch', () => {
    const { s } = newSender({}, 4);
    const old = toCatchUp(s, 0, 10);
    const id = s.supersedeSession(SessionKind.Rebuild, 'assignment_intent');
    expect(id).toBeGreaterThan(old);
    expect(s.lastEndedSession()).toMatchObject({ id: old, invalidateReason: 'assignment_intent' });
    expect(s.sessionSnapshot()).toMatchObject({ id, epoch: 4, kind: 'rebuild', phase: 'init' });
    expect(s.state()).toBe('catching_up'); // state untouched
    expect(s.recordCatchUpProgress(old, 5)?.code).toBe('session_id_mismatch');
  });

  it('works without a previous session and applies options', () => {
    const { s } = newSender();
    const id = s.supersedeSession(SessionKind.CatchUp, 'r', withBudget({ maxDurationTicks: 0, maxEntries: 9, progressDeadlineTicks: 0 }));
    expect(id).toBe(1);
    expect(s.canonical().session?.budget?.maxEntries).toBe(9);
  });
});

describe('Stop and InvalidateSession (§3.4)', () => {
  it('stop invalidates with sender_stopped, keeps the state, is idempotent and permanent', () => {
    const { s } = newSender();
    const id = toCatchUp(s, 0, 10);
    s.stop();
    expect(s.stopped()).toBe(true);
    expect(s.sessionSnapshot()).toBeNull();
    expect(s.state()).toBe('catching_up');
    expect(s.lastEndedSession()).toMatchObject({ id, invalidateReason: 'sender_stopped' });
    const before = stateOf(s);
    s.stop();
    expect(stateOf(s)).toBe(before);
    expect(s.attachSession(1, SessionKind.CatchUp).err?.code).toBe('sender_stopped');
  });

  it('invalidateSession drops the session and always sets the state, even with no session or when stopped', () => {
    const { s } = newSender();
    const id = attach(s);
    s.invalidateSession('wal_pin_failed', ReplicaState.NeedsRebuild);
    expect(s.sessionSnapshot()).toBeNull();
    expect(s.state()).toBe('needs_rebuild');
    expect(s.lastEndedSession()).toMatchObject({ id, invalidateReason: 'wal_pin_failed' });
    s.invalidateSession('again', ReplicaState.Degraded);
    expect(s.state()).toBe('degraded');
    s.stop();
    s.invalidateSession('stopped', ReplicaState.Disconnected);
    expect(s.state()).toBe('disconnected');
  });
});
