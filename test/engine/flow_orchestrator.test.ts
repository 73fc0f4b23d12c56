// RecoveryOrchestrator (spec §9.1): ports of upstream TestIntegration_* plus the exact log
// events and details of ProcessAssignment, ExecuteRecovery, the convenience flows and epoch
// invalidation; known-bug switch B5.
import { describe, expect, it } from 'vitest';
import { EngineContext } from '../../src/engine/context.ts';
import { RetainedHistory } from '../../src/engine/history.ts';
import { RecoveryOrchestrator } from '../../src/engine/orchestrator.ts';
import { withBudget } from '../../src/engine/session.ts';
import type { AssignmentIntent } from '../../src/engine/types.ts';

const hist = (h: Partial<ConstructorParameters<typeof RetainedHistory>[0]>): RetainedHistory =>
  new RetainedHistory({ headLSN: 0, tailLSN: 0, committedLSN: 0, checkpointLSN: 0, checkpointTrusted: false, ...h });

function assign(o: RecoveryOrchestrator, kind: 'catchup' | 'rebuild' | null, epoch = 1, addr = 'r1:9333', version = 1, id = 'r1'): void {
  const intent: AssignmentIntent = {
    replicas: [{ replicaID: id, endpoint: { dataAddr: addr, ctrlAddr: '', version } }],
    epoch,
    recoveryTargets: kind === null ? null : { [id]: kind },
  };
  o.processAssignment(intent);
}

const names = (o: RecoveryOrchestrator, id = 'r1'): string[] => o.log.eventsFor(id).map((e) => e.event);

describe('RecoveryOrchestrator (TestIntegration_*)', () => {
  it('TestIntegration_ChangedAddress_ViaOrchestrator: identity survives, endpoint updates, both cycles logged', () => {
    const o = new RecoveryOrchestrator();
    const primary = hist({ headLSN: 100, tailLSN: 30, committedLSN: 100 });
    assign(o, 'catchup', 1, '10.0.0.1:9333');
    const r = o.executeRecovery('r1', 80, primary);
    expect(r.outcome).toBe('catchup');
    expect(o.completeCatchUp('r1', { targetLSN: 100, startTick: 0, completeTick: 0, truncateLSN: 0 })).toBeNull();
    const s = o.registry.sender('r1')!;
    expect(s.state()).toBe('in_sync');
    assign(o, 'catchup', 1, '10.0.0.2:9333', 2);
    expect(o.registry.sender('r1')).toBe(s);
    expect(s.endpoint().dataAddr).toBe('10.0.0.2:9333');
    const r2 = o.executeRecovery('r1', 100, primary);
    expect(r2.outcome).toBe('zero_gap');
    expect(r2.finalState).toBe('in_sync');
    expect(names(o)).toEqual([
      'sender_added', 'session_created', 'connected', 'handshake', 'catchup_started', 'completed',
      'session_created', 'connected', 'handshake', 'completed',
    ]);
  });

  it('TestIntegration_NeedsRebuild_Rebuild_ViaOrchestrator: escalated with the proof reason, then rebuild_completed', () => {
    const o = new RecoveryOrchestrator();
    const primary = hist({ headLSN: 100, tailLSN: 60, committedLSN: 100, checkpointLSN: 40, checkpointTrusted: true });
    assign(o, 'catchup');
    const r = o.executeRecovery('r1', 30, primary);
    expect(r.outcome).toBe('needs_rebuild');
    expect(r.proof?.recoverable).toBe(false);
    expect(r.finalState).toBe('needs_rebuild');
    expect(o.log.eventsFor('r1').find((e) => e.event === 'escalated')?.detail).toBe('needs_rebuild: gap_beyond_retention: need LSN 31 but tail=60');
    assign(o, 'rebuild');
    expect(o.completeRebuild('r1', primary)).toBeNull();
    expect(o.registry.sender('r1')!.state()).toBe('in_sync');
    const tail = o.log.eventsFor('r1').slice(-3).map((e) => `${e.event}:${e.detail}`);
    expect(tail).toEqual(['rebuild_connected:', 'rebuild_source_selected:kind=rebuild', 'rebuild_completed:in_sync']);
  });

  it('TestIntegration_EpochBump_ViaOrchestrator: stale session fails, epoch-2 assignment recovers, invalidation logged', () => {
    const o = new RecoveryOrchestrator();
    const primary = hist({ headLSN: 100, committedLSN: 100 });
    assign(o, 'catchup');
    const oldID = o.registry.sender('r1')!.sessionID();
    expect(o.invalidateEpoch(2)).toBe(1);
    o.registry.sender('r1')!.updateEpoch(2);
    const r = o.executeRecovery('r1', 100, primary);
    expect(r.error?.message).toBe('no session');
    assign(o, 'catchup', 2);
    expect(o.executeRecovery('r1', 100, primary).outcome).toBe('zero_gap');
    expect(o.registry.sender('r1')!.state()).toBe('in_sync');
    expect(o.log.events().filter((e) => e.event === 'session_invalidated')).toEqual([
      { replicaID: 'r1', sessionID: oldID, event: 'session_invalidated', detail: 'epoch_bump_to_2' },
    ]);
  });

  it('TestIntegration_MultiReplica_ViaOrchestrator: mixed outcomes counted by status; targets created in ascending ID order', () => {
    const o = new RecoveryOrchestrator();
    const primary = hist({ headLSN: 100, tailLSN: 40, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true });
    o.processAssignment({
      replicas: ['r3', 'r1', 'r2'].map((id) => ({ replicaID: id, endpoint: { dataAddr: `${id}:9333`, ctrlAddr: '', version: 1 } })),
      epoch: 1,
      recoveryTargets: { r3: 'catchup', r2: 'catchup', r1: 'catchup' },
    });
    expect(o.log.events().filter((e) => e.event === 'session_created').map((e) => [e.replicaID, e.sessionID])).toEqual([
      ['r1', 1], ['r2', 2], ['r3', 3],
    ]);
    expect(o.executeRecovery('r1', 100, primary).outcome).toBe('zero_gap');
    expect(o.executeRecovery('r2', 60, primary).proof?.recoverable).toBe(true);
    expect(o.completeCatchUp('r2', { targetLSN: 100, startTick: 0, completeTick: 0, truncateLSN: 0 })).toBeNull();
    expect(o.executeRecovery('r3', 20, primary).outcome).toBe('needs_rebuild');
    const st = o.registry.status();
    expect([st.inSync, st.rebuilding]).toEqual([2, 1]);
  });

  it('TestIntegration_RecoveryLog_AutoPopulated: exact event chain and details of a catch-up', () => {
    const o = new RecoveryOrchestrator();
    assign(o, 'catchup');
    o.executeRecovery('r1', 80, hist({ headLSN: 100, committedLSN: 100 }));
    o.completeCatchUp('r1', { targetLSN: 100, startTick: 5, completeTick: 0, truncateLSN: 0 });
    expect(o.log.eventsFor('r1').map((e) => `${e.event}|${e.sessionID}|${e.detail}`)).toEqual([
      'sender_added|0|', 'session_created|1|', 'connected|1|', 'handshake|1|outcome=catchup',
      'catchup_started|1|target=100 start_tick=5', 'completed|1|in_sync',
    ]);
  });

  it('TestIntegration_ReplicaAhead_NoTruncate_CompletionRejected, then truncation completes', () => {
    const o = new RecoveryOrchestrator();
    assign(o, 'catchup');
    o.executeRecovery('r1', 105, hist({ headLSN: 100, committedLSN: 100 }));
    const err = o.completeCatchUp('r1', { targetLSN: 100, startTick: 0, completeTick: 0, truncateLSN: 0 });
    expect(err?.message).toBe('completion rejected');
    expect(o.log.eventsFor('r1').at(-1)?.event).toBe('completion_rejected');
    expect(o.registry.sender('r1')!.state()).toBe('catching_up');
    const s = o.registry.sender('r1')!;
    expect(s.recordTruncation(s.sessionID(), 100)).toBeNull();
    expect(s.completeSessionByID(s.sessionID())).toBe(true);
  });

  it('CompleteCatchUp with truncation logs truncation_recorded; wrong LSN logs truncation_failed', () => {
    const o = new RecoveryOrchestrator();
    assign(o, 'catchup');
    o.executeRecovery('r1', 105, hist({ headLSN: 100, committedLSN: 100 }));
    const bad = o.completeCatchUp('r1', { targetLSN: 100, startTick: 0, completeTick: 0, truncateLSN: 99 });
    expect(bad?.message).toBe('truncation LSN mismatch: expected 100, got 99');
    expect(o.log.eventsFor('r1').at(-1)).toMatchObject({ event: 'truncation_failed', detail: bad?.message });
    assign(o, 'catchup');
    o.executeRecovery('r1', 105, hist({ headLSN: 100, committedLSN: 100 }));
    expect(o.completeCatchUp('r1', { targetLSN: 100, startTick: 0, completeTick: 0, truncateLSN: 100 })).toBeNull();
    expect(o.log.eventsFor('r1').slice(-2).map((e) => e.detail)).toEqual(['truncated_to=100', 'in_sync']);
  });

  it('CompleteCatchUp budget violation logs budget_escalated and leaves needs_rebuild', () => {
    const o = new RecoveryOrchestrator();
    assign(o, null);
    const s = o.registry.sender('r1')!;
    expect(s.attachSession(1, 'catchup', withBudget({ maxDurationTicks: 10, maxEntries: 0, progressDeadlineTicks: 0 })).err).toBeNull();
    o.executeRecovery('r1', 70, hist({ headLSN: 100, committedLSN: 100 }));
    const err = o.completeCatchUp('r1', { targetLSN: 100, startTick: 0, completeTick: 15, truncateLSN: 0 });
    expect(err?.message).toBe('budget violation: duration_exceeded');
    expect(o.log.eventsFor('r1').at(-1)).toMatchObject({ event: 'budget_escalated', detail: 'duration_exceeded' });
    expect(s.state()).toBe('needs_rebuild');
  });

  it('ExecuteRecovery: missing sender and no session log nothing; connect_failed and handshake_failed carry the error', () => {
    const o = new RecoveryOrchestrator();
    expect(o.executeRecovery('nope', 1, null).error?.message).toBe('sender not found');
    assign(o, null);
    expect(o.executeRecovery('r1', 1, null).error?.message).toBe('no session');
    expect(names(o)).toEqual(['sender_added']);
    assign(o, 'catchup');
    const r = o.executeRecovery('r1', 1, null);
    expect(r.error?.message).toBe('nil RetainedHistory');
    expect(r.finalState).toBe('connecting');
    expect(o.log.eventsFor('r1').at(-1)).toMatchObject({ event: 'handshake_failed', detail: 'nil RetainedHistory' });
    const again = o.executeRecovery('r1', 1, hist({}));
    expect(again.error).not.toBeNull();
    expect(o.log.eventsFor('r1').at(-1)?.event).toBe('connect_failed');
  });

  it('UpdateSenderEpoch logs epoch_advanced_to_<e> only when it killed a session', () => {
    const o = new RecoveryOrchestrator();
    assign(o, 'catchup');
    o.updateSenderEpoch('r1', 1); // not an advance
    o.updateSenderEpoch('missing', 5); // no-op
    o.updateSenderEpoch('r1', 3);
    o.updateSenderEpoch('r1', 4); // no session any more
    expect(o.log.eventsFor('r1').filter((e) => e.event === 'session_invalidated')).toEqual([
      { replicaID: 'r1', sessionID: 1, event: 'session_invalidated', detail: 'epoch_advanced_to_3' },
    ]);
    expect(o.registry.sender('r1')!.sessionSnapshot()).toBeNull();
  });

  it('TestIntegration_EndpointChange_LogsInvalidation: endpoint change logs the old session; removal logged', () => {
    const o = new RecoveryOrchestrator();
    assign(o, 'catchup');
    assign(o, 'catchup', 1, 'r1:9444', 2);
    expect(o.log.events().map((e) => `${e.event}|${e.sessionID}|${e.detail}`)).toEqual([
      'sender_added|0|', 'session_created|1|', 'session_invalidated|1|endpoint_changed', 'session_created|2|',
    ]);
    o.processAssignment({ replicas: [], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    expect(o.log.events().slice(-2).map((e) => `${e.event}|${e.sessionID}`)).toEqual(['sender_removed|0', 'session_failed|0']);
  });

  it('B5 off: re-delivered assignment supersedes without endpoint_changed', () => {
    const o = new RecoveryOrchestrator();
    assign(o, 'catchup');
    assign(o, 'catchup');
    expect(names(o)).toEqual(['sender_added', 'session_created', 'session_superseded']);
  });

  it('B5 on: the ordinary supersede is mislogged as session_invalidated/endpoint_changed', () => {
    const o = new RecoveryOrchestrator(new EngineContext({ B5: true }));
    assign(o, 'catchup');
    assign(o, 'catchup');
    expect(names(o)).toEqual(['sender_added', 'session_created', 'session_invalidated', 'session_superseded']);
    expect(o.log.events()[2]).toMatchObject({ sessionID: 1, detail: 'endpoint_changed' });
  });
});
