// Ports of the upstream Go tests named by the spec (sw-block/engine/replication:
// ownership_test.go, recovery_test.go, recoverability_test.go), under their Go names.
import { describe, it, expect } from 'vitest';
import { EngineContext } from '../../src/engine/context.ts';
import { RetainedHistory } from '../../src/engine/history.ts';
import { classifyRecoveryOutcome } from '../../src/engine/outcome.ts';
import { Registry } from '../../src/engine/registry.ts';
import { Sender } from '../../src/engine/sender.ts';
import { withBudget } from '../../src/engine/session.ts';
import type { CatchUpBudget } from '../../src/engine/types.ts';
import { ep, replica, stateOf } from './core_helpers.ts';

const hr = (r: number, c: number, s: number) => ({ replicaFlushedLSN: r, committedLSN: c, retentionStartLSN: s });
const budget = (b: Partial<CatchUpBudget>): CatchUpBudget => ({ maxDurationTicks: 0, maxEntries: 0, progressDeadlineTicks: 0, ...b });
const rh = (f: Partial<{ headLSN: number; tailLSN: number; committedLSN: number; checkpointLSN: number; checkpointTrusted: boolean }>) =>
  new RetainedHistory({ headLSN: 0, tailLSN: 0, committedLSN: 0, checkpointLSN: 0, checkpointTrusted: false, ...f });
function sender(epoch = 1): Sender {
  return new Sender(new EngineContext(), 'r1', ep('r1:9333'), epoch);
}

describe('ownership_test.go', () => {
  it('TestEngine_ChangedAddress_InvalidatesSession', () => {
    const r = new Registry(new EngineContext());
    r.applyAssignment({ replicas: [{ replicaID: 'r1', endpoint: { dataAddr: 'r1:9333', ctrlAddr: 'r1:9334', version: 1 } }], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    const s = r.sender('r1')!;
    const id = s.sessionID();
    s.beginConnect(id);
    r.reconcile([{ replicaID: 'r1', endpoint: { dataAddr: 'r1:9333', ctrlAddr: 'r1:9445', version: 2 } }], 1);
    expect(s.hasActiveSession()).toBe(false);
    expect(s.lastEndedSession()?.id).toBe(id);
    expect(r.sender('r1')).toBe(s);
    expect(s.state()).toBe('disconnected');
  });

  it('TestEngine_ChangedAddress_NewSessionAfterUpdate', () => {
    const r = new Registry(new EngineContext());
    r.applyAssignment({ replicas: [replica('r1', 'r1:9333', 1)], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    const s = r.sender('r1')!;
    const oldID = s.sessionID();
    s.beginConnect(oldID);
    r.reconcile([replica('r1', 'r1:9333', 2)], 1);
    const res = r.applyAssignment({ replicas: [replica('r1', 'r1:9333', 2)], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    expect(res.sessionsCreated).toEqual(['r1']);
    expect(s.sessionID()).not.toBe(oldID);
  });

  it('TestEngine_ChangedDataAddr_PreservesSenderIdentity', () => {
    const r = new Registry(new EngineContext());
    r.applyAssignment({ replicas: [replica('vol1/srv1', '10.0.0.1:9333')], epoch: 1, recoveryTargets: { 'vol1/srv1': 'catchup' } });
    const s = r.sender('vol1/srv1')!;
    const id = s.sessionID();
    s.beginConnect(id);
    const res = r.applyAssignment({ replicas: [replica('vol1/srv1', '10.0.0.2:9333', 2)], epoch: 1, recoveryTargets: { 'vol1/srv1': 'catchup' } });
    expect(res.added).toEqual([]);
    expect(res.removed).toEqual([]);
    expect(r.sender('vol1/srv1')).toBe(s);
    expect(s.endpoint().dataAddr).toBe('10.0.0.2:9333');
    expect(res.sessionsCreated).toEqual(['vol1/srv1']); // old one invalidated by the endpoint change
    expect(s.beginConnect(id)?.code).toBe('session_id_mismatch');
  });

  it('TestEngine_StaleSessionID_RejectedAtAllAPIs', () => {
    const s = sender();
    const stale = s.attachSession(1, 'catchup').id;
    s.updateEpoch(2);
    const fresh = s.attachSession(2, 'rebuild').id;
    const before = stateOf(s);
    const h = rh({ headLSN: 10, committedLSN: 10 });
    const errs = [
      s.beginConnect(stale), s.recordHandshake(stale, 0, 10), s.recordHandshakeWithOutcome(stale, hr(0, 10, 0)).err,
      s.recordHandshakeFromHistory(stale, 0, h).err, s.selectRebuildFromHistory(stale, h), s.beginCatchUp(stale),
      s.recordCatchUpProgress(stale, 5), s.recordTruncation(stale, 0), s.checkBudget(stale, 1).err,
      s.selectRebuildSource(stale, 0, false, 10), s.beginRebuildTransfer(stale), s.recordRebuildTransferProgress(stale, 1),
      s.beginRebuildTailReplay(stale), s.recordRebuildTailProgress(stale, 1), s.completeRebuild(stale),
    ];
    for (const e of errs) expect(e?.message).toBe(`session ID mismatch: active=${fresh} requested=${stale}`);
    expect(s.completeSessionByID(stale)).toBe(false);
    expect(stateOf(s)).toBe(before);
  });

  it('TestEngine_StaleCompletion_AfterSupersede', () => {
    const s = sender();
    const id1 = s.attachSession(1, 'catchup').id;
    s.updateEpoch(2);
    const id2 = s.attachSession(2, 'catchup').id;
    expect(s.completeSessionByID(id1)).toBe(false);
    expect(s.hasActiveSession()).toBe(true);
    expect(s.sessionID()).toBe(id2);
    expect(s.state()).not.toBe('in_sync');
  });

  it('TestEngine_EpochBump_InvalidatesAllSessions', () => {
    const r = new Registry(new EngineContext());
    r.applyAssignment({ replicas: [replica('r1', 'r1:9333'), replica('r2', 'r2:9333')], epoch: 1, recoveryTargets: { r1: 'catchup', r2: 'catchup' } });
    expect(r.invalidateEpoch(2)).toBe(2);
    expect(r.sender('r1')?.hasActiveSession()).toBe(false);
    expect(r.sender('r2')?.hasActiveSession()).toBe(false);
  });

  it('TestEngine_EpochBump_StaleAssignment_Rejected', () => {
    const r = new Registry(new EngineContext());
    r.applyAssignment({ replicas: [replica('r1', 'r1:9333')], epoch: 2 });
    const res = r.applyAssignment({ replicas: [replica('r1', 'r1:9333')], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    expect(res.sessionsFailed).toEqual(['r1']);
  });

  it('TestEngine_Rebuild_CatchUpAPIs_Rejected', () => {
    const s = sender();
    const id = s.attachSession(1, 'rebuild').id;
    s.beginConnect(id);
    s.recordHandshake(id, 0, 100);
    expect(s.beginCatchUp(id)).not.toBeNull();
    expect(s.recordCatchUpProgress(id, 50)).not.toBeNull();
    expect(s.completeSessionByID(id)).toBe(false);
  });

  it('TestEngine_Rebuild_FullLifecycle', () => {
    const s = sender();
    const id = s.attachSession(1, 'rebuild').id;
    for (const e of [s.beginConnect(id), s.recordHandshake(id, 0, 100), s.selectRebuildSource(id, 50, true, 100), s.beginRebuildTransfer(id),
      s.recordRebuildTransferProgress(id, 50), s.beginRebuildTailReplay(id), s.recordRebuildTailProgress(id, 100)]) expect(e).toBeNull();
    expect(s.completeRebuild(id)).toBeNull();
    expect(s.state()).toBe('in_sync');
  });

  it('TestEngine_FrozenTarget_RejectsChase', () => {
    const s = sender();
    const id = s.attachSession(1, 'catchup').id;
    s.beginConnect(id);
    s.recordHandshake(id, 0, 50);
    s.beginCatchUp(id);
    expect(s.recordCatchUpProgress(id, 51)).not.toBeNull();
  });

  it('TestEngine_BudgetViolation_Escalates', () => {
    const s = sender();
    const id = s.attachSession(1, 'catchup', withBudget(budget({ maxDurationTicks: 5 }))).id;
    s.beginConnect(id);
    s.recordHandshake(id, 0, 100);
    s.beginCatchUp(id, 0);
    s.recordCatchUpProgress(id, 10);
    expect(s.checkBudget(id, 10).violation).toBe('duration_exceeded');
    expect(s.state()).toBe('needs_rebuild');
  });

  it('TestEngine_E2E_ThreeReplicas_ThreeOutcomes', () => {
    const r = new Registry(new EngineContext());
    r.applyAssignment({ replicas: ['r1', 'r2', 'r3'].map((x) => replica(x, `${x}:9333`)), epoch: 1, recoveryTargets: { r1: 'catchup', r2: 'catchup', r3: 'catchup' } });
    const [r1, r2, r3] = ['r1', 'r2', 'r3'].map((x) => r.sender(x)!) as [Sender, Sender, Sender];
    const i1 = r1.sessionID();
    r1.beginConnect(i1);
    expect(r1.recordHandshakeWithOutcome(i1, hr(100, 100, 50)).outcome).toBe('zero_gap');
    r1.completeSessionByID(i1);
    const i2 = r2.sessionID();
    r2.beginConnect(i2);
    expect(r2.recordHandshakeWithOutcome(i2, hr(70, 100, 50)).outcome).toBe('catchup');
    r2.beginCatchUp(i2);
    r2.recordCatchUpProgress(i2, 100);
    r2.completeSessionByID(i2);
    const i3 = r3.sessionID();
    r3.beginConnect(i3);
    expect(r3.recordHandshakeWithOutcome(i3, hr(10, 100, 50)).outcome).toBe('needs_rebuild');
    expect([r1.state(), r2.state(), r3.state()]).toEqual(['in_sync', 'in_sync', 'needs_rebuild']);
    expect(r.inSyncCount()).toBe(2);
  });
});

describe('recovery_test.go', () => {
  function connected(kind: 'catchup' | 'rebuild' = 'catchup', b?: CatchUpBudget): { s: Sender; id: number } {
    const s = sender();
    const id = b ? s.attachSession(1, kind, withBudget(b)).id : s.attachSession(1, kind).id;
    s.beginConnect(id);
    return { s, id };
  }

  it('TestRecovery_ZeroGap_FastComplete', () => {
    const { s, id } = connected();
    expect(s.recordHandshakeWithOutcome(id, hr(100, 100, 50)).outcome).toBe('zero_gap');
    expect(s.completeSessionByID(id)).toBe(true);
    expect(s.state()).toBe('in_sync');
  });
  it('TestRecovery_CatchUp_FullExecution', () => {
    const { s, id } = connected();
    expect(s.recordHandshakeWithOutcome(id, hr(70, 100, 50)).outcome).toBe('catchup');
    s.beginCatchUp(id);
    expect(s.recordCatchUpProgress(id, 85)).toBeNull();
    expect(s.recordCatchUpProgress(id, 100)).toBeNull();
    expect(s.completeSessionByID(id)).toBe(true);
    expect(s.state()).toBe('in_sync');
  });
  it('TestRecovery_NeedsRebuild_Escalation', () => {
    const { s, id } = connected();
    expect(s.recordHandshakeWithOutcome(id, hr(10, 100, 50)).outcome).toBe('needs_rebuild');
    expect(s.state()).toBe('needs_rebuild');
    expect(s.hasActiveSession()).toBe(false);
  });
  it('TestRecovery_StaleID_DuringCatchUp', () => {
    const { s, id } = connected();
    s.recordHandshake(id, 0, 100);
    s.beginCatchUp(id);
    s.recordCatchUpProgress(id, 30);
    s.updateEpoch(2);
    expect(s.recordCatchUpProgress(id, 50)).not.toBeNull();
    expect(s.completeSessionByID(id)).toBe(false);
    const id2 = s.attachSession(2, 'catchup').id;
    expect(s.beginConnect(id2)).toBeNull();
  });
  it('TestRecovery_EndpointChange_DuringCatchUp', () => {
    const { s, id } = connected();
    s.recordHandshake(id, 0, 100);
    s.beginCatchUp(id);
    s.updateEndpoint(ep('r1:9444', 2));
    expect(s.recordCatchUpProgress(id, 50)).not.toBeNull();
    expect(s.state()).toBe('disconnected');
  });
  it('TestRecovery_FrozenTarget_ExactBoundary', () => {
    const { s, id } = connected();
    s.recordHandshake(id, 0, 50);
    s.beginCatchUp(id);
    expect(s.recordCatchUpProgress(id, 50)).toBeNull();
    expect(s.recordCatchUpProgress(id, 51)).not.toBeNull();
  });
  it('TestRecovery_BudgetDuration_Escalates', () => {
    const { s, id } = connected('catchup', budget({ maxDurationTicks: 10 }));
    s.recordHandshake(id, 0, 100);
    s.beginCatchUp(id, 0);
    s.recordCatchUpProgress(id, 10);
    expect(s.checkBudget(id, 15).violation).toBe('duration_exceeded');
    expect(s.state()).toBe('needs_rebuild');
  });
  it('TestRecovery_BudgetEntries_Escalates', () => {
    const { s, id } = connected('catchup', budget({ maxEntries: 20 }));
    s.recordHandshake(id, 0, 100);
    s.beginCatchUp(id);
    s.recordCatchUpProgress(id, 21);
    expect(s.checkBudget(id, 0).violation).toBe('entries_exceeded');
  });
  it('TestRecovery_BudgetStall_Escalates', () => {
    const { s, id } = connected('catchup', budget({ progressDeadlineTicks: 5 }));
    s.recordHandshake(id, 0, 100);
    s.beginCatchUp(id, 10);
    expect(s.recordCatchUpProgress(id, 20, 12)).toBeNull();
    expect(s.checkBudget(id, 18).violation).toBe('progress_stalled');
  });
  it('TestRecovery_BudgetEntries_NonZeroStart_CountsOnlyDelta', () => {
    const { s, id } = connected('catchup', budget({ maxEntries: 50 }));
    s.recordHandshakeWithOutcome(id, hr(70, 100, 50));
    s.beginCatchUp(id);
    s.recordCatchUpProgress(id, 100);
    expect(s.checkBudget(id, 0).violation).toBe('');
    expect(s.canonical().session?.tracker.entriesReplayed).toBe(30);
  });
  it('TestRecovery_BudgetEntries_NonZeroStart_ExceedsBudget', () => {
    const { s, id } = connected('catchup', budget({ maxEntries: 20 }));
    s.recordHandshakeWithOutcome(id, hr(70, 100, 50));
    s.beginCatchUp(id);
    s.recordCatchUpProgress(id, 100);
    expect(s.checkBudget(id, 0).violation).toBe('entries_exceeded');
  });
  it('TestRecovery_Rebuild_PartialTransfer_BlocksTailReplay', () => {
    const { s, id } = connected('rebuild');
    s.recordHandshake(id, 0, 100);
    s.selectRebuildSource(id, 50, true, 100);
    s.beginRebuildTransfer(id);
    s.recordRebuildTransferProgress(id, 30);
    expect(s.beginRebuildTailReplay(id)).not.toBeNull();
    s.recordRebuildTransferProgress(id, 50);
    expect(s.beginRebuildTailReplay(id)).toBeNull();
  });
  it('TestRecovery_CompletionBeforeConvergence_Rejected', () => {
    const { s, id } = connected();
    s.recordHandshake(id, 0, 100);
    s.beginCatchUp(id);
    s.recordCatchUpProgress(id, 50);
    expect(s.completeSessionByID(id)).toBe(false);
  });
  it('TestRecovery_Rebuild_CatchUpAPIsExcluded', () => {
    const { s, id } = connected('rebuild');
    s.recordHandshake(id, 0, 100);
    expect(s.beginCatchUp(id)).not.toBeNull();
    expect(s.recordCatchUpProgress(id, 50)).not.toBeNull();
    expect(s.completeSessionByID(id)).toBe(false);
  });
  it('TestRecovery_Rebuild_SnapshotTailLifecycle', () => {
    const { s, id } = connected('rebuild');
    s.recordHandshake(id, 0, 100);
    s.selectRebuildSource(id, 50, true, 100);
    s.beginRebuildTransfer(id);
    s.recordRebuildTransferProgress(id, 50);
    s.beginRebuildTailReplay(id);
    s.recordRebuildTailProgress(id, 100);
    expect(s.completeRebuild(id)).toBeNull();
    expect(s.state()).toBe('in_sync');
  });
  it('TestRecovery_Rebuild_FullBaseLifecycle', () => {
    const { s, id } = connected('rebuild');
    s.recordHandshake(id, 0, 100);
    s.selectRebuildSource(id, 0, false, 100);
    s.beginRebuildTransfer(id);
    s.recordRebuildTransferProgress(id, 100);
    expect(s.completeRebuild(id)).toBeNull();
    expect(s.state()).toBe('in_sync');
  });
  it('TestRecovery_Rebuild_StaleIDRejected', () => {
    const s = sender();
    const id1 = s.attachSession(1, 'rebuild').id;
    s.updateEpoch(2);
    s.attachSession(2, 'rebuild');
    expect(s.selectRebuildSource(id1, 50, true, 100)).not.toBeNull();
  });
  it('TestRecovery_AssignmentDrivenFlow', () => {
    const r = new Registry(new EngineContext());
    const res = r.applyAssignment({ replicas: [replica('r1', '10.0.0.1:9333'), replica('r2', '10.0.0.2:9333')], epoch: 1, recoveryTargets: { r1: 'catchup' } });
    expect(res.added.length).toBe(2);
    expect(res.sessionsCreated.length).toBe(1);
    expect(r.sender('r1')?.hasActiveSession()).toBe(true);
    expect(r.sender('r2')?.hasActiveSession()).toBe(false);
    const r1 = r.sender('r1')!;
    const id = r1.sessionID();
    r1.beginConnect(id);
    r1.recordHandshakeWithOutcome(id, hr(80, 100, 50));
    r1.beginCatchUp(id);
    r1.recordCatchUpProgress(id, 100);
    expect(r1.completeSessionByID(id)).toBe(true);
    expect(r1.state()).toBe('in_sync');
  });
});

describe('recoverability_test.go', () => {
  it('TestHistory_Recoverable_GapWithinRetention', () => {
    const h = rh({ headLSN: 100, tailLSN: 30, committedLSN: 100 });
    expect(h.isRecoverable(50, 100)).toBe(true);
    expect(h.proveRecoverability(50).recoverable).toBe(true);
  });
  it('TestHistory_Unrecoverable_GapBeyondRetention', () => {
    const h = rh({ headLSN: 100, tailLSN: 60, committedLSN: 100 });
    expect(h.isRecoverable(50, 100)).toBe(false);
    expect(h.proveRecoverability(50).recoverable).toBe(false);
  });
  it('TestHistory_ExactBoundary', () => {
    const h = rh({ headLSN: 100, tailLSN: 50, committedLSN: 100 });
    expect(h.isRecoverable(50, 100)).toBe(true);
    expect(h.isRecoverable(49, 100)).toBe(false);
  });
  it('TestHistory_BeyondHead_Unrecoverable', () => {
    expect(rh({ headLSN: 80, committedLSN: 100 }).isRecoverable(0, 100)).toBe(false);
  });
  it('TestHistory_RebuildSource_TrustedCheckpoint', () => {
    expect(rh({ headLSN: 100, tailLSN: 30, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true }).rebuildSourceDecision()).toEqual({ source: 'snapshot_tail', snapshotLSN: 50 });
  });
  it('TestHistory_RebuildSource_NoCheckpoint', () => {
    expect(rh({ committedLSN: 100 }).rebuildSourceDecision()).toEqual({ source: 'full_base', snapshotLSN: 0 });
  });
  it('TestHistory_RebuildSource_TrustedCheckpoint_UnreplayableTail', () => {
    expect(rh({ headLSN: 100, tailLSN: 80, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true }).rebuildSourceDecision().source).toBe('full_base');
  });
  it('TestHistory_RebuildSource_UntrustedCheckpoint', () => {
    expect(rh({ checkpointLSN: 50, committedLSN: 100 }).rebuildSourceDecision().source).toBe('full_base');
  });
  it('TestHistory_MakeHandshakeResult', () => {
    const r = rh({ headLSN: 100, tailLSN: 30, committedLSN: 90 }).makeHandshakeResult(70);
    expect(r).toEqual(hr(70, 90, 31));
    expect(classifyRecoveryOutcome(r)).toBe('catchup');
  });
  it('TestHistory_Proof_ZeroGap', () => {
    expect(rh({ committedLSN: 100 }).proveRecoverability(100)).toMatchObject({ recoverable: true, reason: 'zero_gap' });
  });
  it('TestHistory_Proof_ReplicaAhead', () => {
    expect(rh({ committedLSN: 100 }).proveRecoverability(105)).toMatchObject({ recoverable: true, reason: 'replica_ahead_needs_truncation' });
  });
  it('TestHistory_Proof_GapWithinRetention', () => {
    expect(rh({ headLSN: 100, tailLSN: 30, committedLSN: 100 }).proveRecoverability(50).recoverable).toBe(true);
  });
  it('TestHistory_Proof_GapBeyondRetention', () => {
    expect(rh({ headLSN: 100, tailLSN: 60, committedLSN: 100 }).proveRecoverability(50).recoverable).toBe(false);
  });
  it('TestHistory_E2E_RecoveryDrivenByRetainedHistory', () => {
    const primary = rh({ headLSN: 100, tailLSN: 30, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true });
    const r = new Registry(new EngineContext());
    r.applyAssignment({ replicas: [replica('r1', '10.0.0.1:9333'), replica('r2', '10.0.0.2:9333')], epoch: 1, recoveryTargets: { r1: 'catchup', r2: 'catchup' } });
    const r1 = r.sender('r1')!;
    const id1 = r1.sessionID();
    r1.beginConnect(id1);
    expect(primary.proveRecoverability(70).recoverable).toBe(true);
    expect(r1.recordHandshakeWithOutcome(id1, primary.makeHandshakeResult(70)).outcome).toBe('catchup');
    r1.beginCatchUp(id1);
    r1.recordCatchUpProgress(id1, 100);
    r1.completeSessionByID(id1);
    const r2 = r.sender('r2')!;
    const id2 = r2.sessionID();
    r2.beginConnect(id2);
    expect(primary.proveRecoverability(20).recoverable).toBe(false);
    expect(r2.recordHandshakeWithOutcome(id2, primary.makeHandshakeResult(20)).outcome).toBe('needs_rebuild');
    const { source, snapshotLSN } = primary.rebuildSourceDecision();
    expect([source, snapshotLSN]).toEqual(['snapshot_tail', 50]);
    r.applyAssignment({ replicas: [replica('r1', '10.0.0.1:9333'), replica('r2', '10.0.0.2:9333')], epoch: 1, recoveryTargets: { r2: 'rebuild' } });
    const id2b = r2.sessionID();
    r2.beginConnect(id2b);
    r2.recordHandshake(id2b, 0, 100);
    r2.selectRebuildSource(id2b, snapshotLSN, true, primary.committedLSN);
    r2.beginRebuildTransfer(id2b);
    r2.recordRebuildTransferProgress(id2b, snapshotLSN);
    r2.beginRebuildTailReplay(id2b);
    r2.recordRebuildTailProgress(id2b, 100);
    expect(r2.completeRebuild(id2b)).toBeNull();
    expect([r1.state(), r2.state()]).toEqual(['in_sync', 'in_sync']);
  });
  it('TestHistory_SenderDriven_CatchUp', () => {
    const s = sender();
    const id = s.attachSession(1, 'catchup').id;
    s.beginConnect(id);
    const res = s.recordHandshakeFromHistory(id, 70, rh({ headLSN: 100, tailLSN: 30, committedLSN: 100 }));
    expect(res.err).toBeNull();
    expect(res.outcome).toBe('catchup');
    expect(res.proof?.recoverable).toBe(true);
    s.beginCatchUp(id);
    s.recordCatchUpProgress(id, 100);
    s.completeSessionByID(id);
    expect(s.state()).toBe('in_sync');
  });
  it('TestHistory_SenderDriven_Rebuild_SnapshotTail', () => {
    const s = sender();
    const id = s.attachSession(1, 'rebuild').id;
    s.beginConnect(id);
    s.recordHandshake(id, 0, 100);
    expect(s.selectRebuildFromHistory(id, rh({ headLSN: 100, tailLSN: 30, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true }))).toBeNull();
    s.beginRebuildTransfer(id);
    s.recordRebuildTransferProgress(id, 50);
    expect(s.beginRebuildTailReplay(id)).toBeNull();
    s.recordRebuildTailProgress(id, 100);
    expect(s.completeRebuild(id)).toBeNull();
    expect(s.state()).toBe('in_sync');
  });
  it('TestHistory_SenderDriven_Rebuild_FallsBackToFullBase', () => {
    const s = sender();
    const id = s.attachSession(1, 'rebuild').id;
    s.beginConnect(id);
    s.recordHandshake(id, 0, 100);
    expect(s.selectRebuildFromHistory(id, rh({ headLSN: 100, tailLSN: 80, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true }))).toBeNull();
    s.beginRebuildTransfer(id);
    s.recordRebuildTransferProgress(id, 100);
    expect(s.completeRebuild(id)).toBeNull();
    expect(s.state()).toBe('in_sync');
  });
  it('TestHistory_Proof_TruncationRequired', () => {
    const h = rh({ committedLSN: 100 });
    expect(h.proveRecoverability(105).reason).toBe('replica_ahead_needs_truncation');
    const s = sender();
    const id = s.attachSession(1, 'catchup').id;
    s.beginConnect(id);
    expect(s.recordHandshakeWithOutcome(id, h.makeHandshakeResult(105)).outcome).toBe('catchup');
    expect(s.completeSessionByID(id)).toBe(false);
    expect(s.recordTruncation(id, 100)).toBeNull();
    expect(s.completeSessionByID(id)).toBe(true);
  });
});
