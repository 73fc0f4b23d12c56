// Registry (spec §4): reconcile, applyAssignment (ordering, stale, stopped, supersede on
// re-delivery), stopAll, inSyncCount, invalidateEpoch, status, canonical.
import { describe, it, expect } from 'vitest';
import { EngineContext } from '../../src/engine/context.ts';
import { Registry } from '../../src/engine/registry.ts';
import { ReplicaState, SessionKind } from '../../src/engine/types.ts';
import { ep, replica } from './core_helpers.ts';

function reg(): Registry {
  return new Registry(new EngineContext());
}

describe('Registry.reconcile (§4.2)', () => {
  it('adds new senders (disconnected, no session) and returns sorted added', () => {
    const r = reg();
    const res = r.reconcile([replica('r3', 'a:3'), replica('r1', 'a:1'), replica('r2', 'a:2')], 5);
    expect(res).toEqual({ added: ['r1', 'r2', 'r3'], removed: [] });
    expect(r.len()).toBe(3);
    expect(r.all().map((s) => s.replicaID())).toEqual(['r1', 'r2', 'r3']);
    expect(r.sender('r2')?.epoch()).toBe(5);
    expect(r.sender('r2')?.state()).toBe('disconnected');
    expect(r.sender('nope')).toBeNull();
  });

  it('stops and removes senders not listed, sorted removed', () => {
    const r = reg();
    r.reconcile([replica('r1', 'a:1'), replica('r2', 'a:2'), replica('r3', 'a:3')], 1);
    const gone = r.sender('r3')!;
    const res = r.reconcile([replica('r2', 'a:2')], 1);
    expect(res).toEqual({ added: [], removed: ['r1', 'r3'] });
    expect(gone.stopped()).toBe(true);
    expect(r.len()).toBe(1);
  });

  it('later duplicates overwrite earlier ones', () => {
    const r = reg();
    r.reconcile([replica('r1', 'first:1'), replica('r1', 'second:1')], 1);
    expect(r.sender('r1')?.endpoint().dataAddr).toBe('second:1');
    expect(r.len()).toBe(1);
  });

  it('kept senders: endpoint then epoch update; identity preserved', () => {
    const r = reg();
    r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    const s = r.sender('r1')!;
    const res = r.reconcile([replica('r1', 'b:1', 2)], 3);
    expect(res).toEqual({ added: [], removed: [] });
    expect(r.sender('r1')).toBe(s);
    expect(s.endpoint()).toEqual(ep('b:1', 2));
    expect(s.epoch()).toBe(3);
    // endpoint update ran first, so the reason is endpoint_changed, not epoch_advanced
    expect(s.lastEndedSession()?.invalidateReason).toBe('endpoint_changed');
  });

  it('epoch-only change invalidates with epoch_advanced', () => {
    const r = reg();
    r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    r.reconcile([replica('r1', 'a:1')], 2);
    expect(r.sender('r1')?.lastEndedSession()?.invalidateReason).toBe('epoch_advanced_1_to_2');
  });

  it('a sender stopped by stopAll stays in the map and stays stopped', () => {
    const r = reg();
    r.reconcile([replica('r1', 'a:1')], 1);
    r.stopAll();
    const res = r.reconcile([replica('r1', 'b:1')], 2);
    expect(res).toEqual({ added: [], removed: [] });
    const s = r.sender('r1')!;
    expect(s.stopped()).toBe(true);
    expect(s.epoch()).toBe(1);
    expect(s.endpoint().dataAddr).toBe('a:1');
  });
});

describe('Registry.applyAssignment (§4.3)', () => {
  it('no recovery targets -> only reconcile', () => {
    const r = reg();
    const res = r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 1 });
    expect(res).toEqual({ added: ['r1'], removed: [], sessionsCreated: [], sessionsSuperseded: [], sessionsFailed: [] });
    expect(r.sender('r1')?.hasActiveSession()).toBe(false);
    expect(r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 1, recoveryTargets: null }).sessionsCreated).toEqual([]);
  });

  it('creates sessions in ascending ReplicaID order, so IDs follow that order', () => {
    const r = reg();
    const res = r.applyAssignment({
      replicas: [replica('r3', 'a:3'), replica('r1', 'a:1'), replica('r2', 'a:2')],
      epoch: 1,
      recoveryTargets: { r3: 'catchup', r1: 'rebuild', r2: 'catchup' },
    });
    expect(res.sessionsCreated).toEqual(['r1', 'r2', 'r3']);
    expect(['r1', 'r2', 'r3'].map((id) => r.sender(id)!.sessionID())).toEqual([1, 2, 3]);
    expect(r.sender('r1')?.sessionSnapshot()?.kind).toBe('rebuild');
  });

  it('target without a sender -> failed', () => {
    const r = reg();
    const res = r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 1, recoveryTargets: { r9: 'catchup', r1: 'catchup' } });
    expect(res.sessionsFailed).toEqual(['r9']);
    expect(res.sessionsCreated).toEqual(['r1']);
  });

  it('stale intent epoch -> failed, no session, no ID consumed (I9)', () => {
    const r = reg();
    r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 2 });
    const res = r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    expect(res.sessionsFailed).toEqual(['r1']);
    expect(r.sender('r1')?.hasActiveSession()).toBe(false);
    expect(r.ctx.lastAllocatedSessionID).toBe(0);
  });

  it('re-delivery supersedes the in-flight session every time (assignment_intent)', () => {
    const r = reg();
    const intent = { replicas: [replica('r1', 'a:1')], epoch: 1, recoveryTargets: { r1: SessionKind.CatchUp } };
    r.applyAssignment(intent);
    const s = r.sender('r1')!;
    const first = s.sessionID();
    s.beginConnect(first);
    const res = r.applyAssignment(intent);
    expect(res.sessionsSuperseded).toEqual(['r1']);
    expect(res.sessionsCreated).toEqual([]);
    expect(s.sessionID()).toBe(first + 1);
    expect(s.lastEndedSession()).toMatchObject({ id: first, invalidateReason: 'assignment_intent' });
    expect(s.state()).toBe('connecting'); // supersede leaves the state alone
    expect(r.applyAssignment(intent).sessionsSuperseded).toEqual(['r1']);
    expect(s.sessionID()).toBe(first + 2);
  });

  it('stopped sender -> attach fails, supersede returns 0 -> failed', () => {
    const r = reg();
    r.reconcile([replica('r1', 'a:1')], 1);
    r.stopAll();
    const res = r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    expect(res.sessionsFailed).toEqual(['r1']);
  });

  it('removed replicas listed as targets fail', () => {
    const r = reg();
    r.reconcile([replica('r1', 'a:1'), replica('r2', 'a:2')], 1);
    const res = r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 1, recoveryTargets: { r2: 'catchup' } });
    expect(res.removed).toEqual(['r2']);
    expect(res.sessionsFailed).toEqual(['r2']);
  });

  it('no budget is attached by this path', () => {
    const r = reg();
    r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    expect(r.sender('r1')?.canonical().session?.budget).toBeNull();
  });
});

describe('Registry.invalidateEpoch, inSyncCount, status (§4.4)', () => {
  it('invalidates only sessions with an older epoch, counts them, never changes sender epochs', () => {
    const r = reg();
    r.applyAssignment({ replicas: [replica('r1', 'a:1'), replica('r2', 'a:2'), replica('r3', 'a:3')], epoch: 1, recoveryTargets: { r1: 'catchup', r2: 'catchup' } });
    r.sender('r2')!.updateEpoch(3); // drops its session
    r.sender('r2')!.attachSession(3, SessionKind.CatchUp);
    r.sender('r3')!.invalidateSession('x', ReplicaState.InSync);
    expect(r.invalidateEpoch(3)).toBe(1);
    expect(r.sender('r1')?.hasActiveSession()).toBe(false);
    expect(r.sender('r1')?.state()).toBe('disconnected');
    expect(r.sender('r1')?.lastEndedSession()?.invalidateReason).toBe('epoch_bump');
    expect(r.sender('r1')?.epoch()).toBe(1);
    expect(r.sender('r2')?.hasActiveSession()).toBe(true);
    expect(r.sender('r3')?.state()).toBe('in_sync'); // no session: untouched
    expect(r.invalidateEpoch(3)).toBe(0);
  });

  it('inSyncCount and status counters; disconnected counts nowhere', () => {
    const r = reg();
    r.reconcile(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => replica(id, `${id}:1`)), 1);
    r.sender('a')!.invalidateSession('x', ReplicaState.InSync);
    r.sender('b')!.invalidateSession('x', ReplicaState.InSync);
    r.sender('c')!.invalidateSession('x', ReplicaState.CatchingUp);
    r.sender('d')!.invalidateSession('x', ReplicaState.Connecting);
    r.sender('e')!.invalidateSession('x', ReplicaState.NeedsRebuild);
    r.sender('f')!.invalidateSession('x', ReplicaState.Degraded);
    r.reconcile(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => replica(id, `${id}:1`)), 1);
    expect(r.inSyncCount()).toBe(2);
    const st = r.status();
    expect(st).toMatchObject({ totalCount: 7, inSync: 2, recovering: 2, degraded: 1, rebuilding: 1 });
    expect(st.senders.map((x) => x.replicaID)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(st.senders[6]).toEqual({ replicaID: 'g', endpoint: ep('g:1'), epoch: 1, state: 'disconnected', stopped: false, session: null });
  });

  it('status carries session snapshots', () => {
    const r = reg();
    r.applyAssignment({ replicas: [replica('r1', 'a:1')], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    expect(r.status().senders[0]?.session).toMatchObject({ id: 1, phase: 'init', kind: 'catchup' });
  });

  it('canonical lists senders in ID order with the session counter', () => {
    const r = reg();
    r.applyAssignment({ replicas: [replica('b', 'b:1'), replica('a', 'a:1')], epoch: 1, recoveryTargets: { b: 'catchup' } });
    const c = r.canonical();
    expect(c.lastSessionID).toBe(1);
    expect(c.senders.map((s) => s.replicaID)).toEqual(['a', 'b']);
    expect(c.senders[1]?.session?.id).toBe(1);
  });
});
