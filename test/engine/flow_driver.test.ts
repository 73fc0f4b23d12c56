// RecoveryDriver (spec §9.2): ports of upstream TestDriver_*, pin inventory per plan kind,
// session cleanup on pin failure, CancelPlan with hazard H4, and known-bug switches B7, B8, B9.
import { describe, expect, it } from 'vitest';
import { RebuildExecutor } from '../../src/engine/rebuild_executor.ts';
import { eventNames, eventsNamed, intent, newDriver, setupCatchUp } from './flow_helpers.ts';

describe('RecoveryDriver.planRecovery (TestDriver_*)', () => {
  it('TestDriver_PlanRecovery_CatchUp: one WAL pin at R, frozen range, proof, plan_catchup detail', () => {
    const { driver, storage, plan } = setupCatchUp(70);
    expect(plan.outcome).toBe('catchup');
    expect([plan.catchUpStartLSN, plan.catchUpTarget, plan.truncateLSN]).toEqual([70, 100, 0]);
    expect(plan.retentionPin).toEqual({ startLSN: 70, pinID: 1, valid: true });
    expect(plan.proof?.recoverable).toBe(true);
    expect(storage.activeHolds().map((h) => [h.kind, h.startLSN])).toEqual([['wal', 70]]);
    expect(eventsNamed(driver, 'plan_catchup')).toEqual([{ sessionID: 1, detail: 'replay=70\u2192100 pin=1' }]);
    expect(driver.orchestrator.completeCatchUp('r1', { targetLSN: 100, startTick: 0, completeTick: 0, truncateLSN: 0 })).toBeNull();
    driver.releasePlan(plan);
    driver.releasePlan(plan);
    expect(storage.activeHoldCount()).toBe(0);
    expect(plan.retentionPin).toBeNull();
  });

  it('TestDriver_PlanRecovery_ZeroGap: no pin, already in_sync, plan session 0', () => {
    const { driver, storage } = newDriver({ headLSN: 100, committedLSN: 100 });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan } = driver.planRecovery('r1', 100);
    expect(plan?.outcome).toBe('zero_gap');
    expect(plan?.sessionID).toBe(0);
    expect(storage.activeHoldCount()).toBe(0);
    expect(driver.orchestrator.registry.sender('r1')!.state()).toBe('in_sync');
  });

  it('TestDriver_PlanRecovery_NeedsRebuild_ThenRebuild: full_base chosen (checkpoint 50 < tail 60) and completed', () => {
    const { driver, storage } = newDriver({ headLSN: 100, tailLSN: 60, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan } = driver.planRecovery('r1', 30);
    expect(plan?.outcome).toBe('needs_rebuild');
    expect(plan?.sessionID).toBe(0);
    driver.orchestrator.processAssignment(intent('rebuild'));
    const rb = driver.planRebuild('r1');
    expect(rb.plan?.rebuildSource).toBe('full_base');
    expect(eventsNamed(driver, 'plan_rebuild_full_base')[0]?.detail).toBe(
      'reason=trusted_checkpoint_unreplayable_tail: checkpoint=50 tail=60 committed=100',
    );
    expect(driver.orchestrator.completeRebuild('r1', storage.getRetainedHistory())).toBeNull();
    expect(driver.orchestrator.registry.sender('r1')!.state()).toBe('in_sync');
  });

  it('TestDriver_PlanRecovery_WALPinFailure_CleansUpSession: disconnected, no session, wrapped error, no hold', () => {
    const { driver, storage } = newDriver({ headLSN: 100, tailLSN: 30, committedLSN: 100 });
    storage.setPinRefusals({ walPin: true });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan, err } = driver.planRecovery('r1', 70);
    expect(plan).toBeNull();
    expect(err?.message).toBe('WAL retention pin failed: WAL retention pin at LSN 70: WAL retention pin refused');
    const s = driver.orchestrator.registry.sender('r1')!;
    expect(s.hasActiveSession()).toBe(false);
    expect(s.state()).toBe('disconnected');
    expect(eventsNamed(driver, 'wal_pin_failed')).toEqual([{ sessionID: 1, detail: 'WAL retention pin at LSN 70: WAL retention pin refused' }]);
    expect(storage.activeHoldCount()).toBe(0);
  });

  it('TestDriver_PlanRecovery_ReplicaAhead_NoWALPin (B8 off): truncation-only plan, zero holds', () => {
    const { driver, storage } = newDriver({ headLSN: 100, committedLSN: 100 });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan } = driver.planRecovery('r1', 105);
    expect(plan?.truncateLSN).toBe(100);
    expect(plan?.retentionPin).toBeNull();
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventsNamed(driver, 'plan_truncate_only')).toEqual([{ sessionID: 1, detail: 'truncate_to=100' }]);
    expect(driver.orchestrator.completeCatchUp('r1', { targetLSN: 100, startTick: 0, completeTick: 0, truncateLSN: 100 })).toBeNull();
  });

  it('B8 on: the truncation-only plan pins WAL at R (above the head)', () => {
    const { driver, storage } = newDriver({ headLSN: 100, committedLSN: 100 }, { B8: true });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan } = driver.planRecovery('r1', 105);
    expect(plan?.truncateLSN).toBe(100);
    expect(plan?.retentionPin?.startLSN).toBe(105);
    expect(storage.activeHoldCount()).toBe(1);
    expect(eventNames(driver)).not.toContain('plan_truncate_only');
  });

  it('TestDriver_CrossLayer_StorageProvesRecoverability: the plan carries storage\'s proof', () => {
    const { driver } = newDriver({ headLSN: 100, tailLSN: 50, committedLSN: 100, checkpointLSN: 40, checkpointTrusted: true });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan } = driver.planRecovery('r1', 60);
    expect(plan?.proof?.reason).toBe('gap_within_retention: need LSN 61-100, tail=50 head=100');
    driver.releasePlan(plan!);
  });

  it('planRecovery without sender or session returns the orchestrator error and holds nothing', () => {
    const { driver, storage } = newDriver({ headLSN: 100, committedLSN: 100 });
    expect(driver.planRecovery('r1', 1).err?.message).toBe('sender not found');
    driver.orchestrator.processAssignment(intent(null));
    expect(driver.planRecovery('r1', 1).err?.message).toBe('no session');
    expect(storage.activeHoldCount()).toBe(0);
  });
});

describe('RecoveryDriver.planRebuild', () => {
  const trusted = { headLSN: 100, tailLSN: 30, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true };

  it('snapshot_tail: one snapshot pin and one WAL pin at the snapshot LSN, values frozen in the plan', () => {
    const { driver, storage } = newDriver(trusted);
    driver.orchestrator.processAssignment(intent('rebuild'));
    const { plan } = driver.planRebuild('r1');
    expect([plan?.rebuildSource, plan?.rebuildSnapshotLSN, plan?.rebuildTargetLSN]).toEqual(['snapshot_tail', 50, 100]);
    expect(storage.activeHolds().map((h) => [h.kind, h.startLSN])).toEqual([['snapshot', 50], ['wal', 50]]);
    expect([plan?.snapshotPin?.pinID, plan?.retentionPin?.pinID]).toEqual([1, 2]);
    expect(eventsNamed(driver, 'plan_rebuild_snapshot_tail')).toEqual([{ sessionID: 1, detail: 'snapshot=50' }]);
  });

  it('TestDriver_PlanRebuild_MissingSender / NoSession / NonRebuildSession fail closed without side effects', () => {
    const { driver, storage } = newDriver(trusted);
    expect(driver.planRebuild('nonexistent').err?.message).toBe('sender "nonexistent" not found');
    driver.orchestrator.processAssignment(intent(null));
    expect(driver.planRebuild('r1').err?.message).toBe('no active session for "r1"');
    driver.orchestrator.processAssignment(intent('catchup'));
    expect(driver.planRebuild('r1').err?.message).toBe('session for "r1" is not a rebuild session (kind=catchup)');
    expect(driver.orchestrator.registry.sender('r1')!.hasActiveSession()).toBe(true);
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventNames(driver)).toEqual(['sender_added', 'session_created']);
  });

  it('B8 on: PlanRebuild accepts a catch-up session and pins', () => {
    const { driver, storage } = newDriver(trusted, { B8: true });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan, err } = driver.planRebuild('r1');
    expect(err).toBeNull();
    expect(plan?.sessionID).toBe(1);
    expect(storage.activeHoldCount()).toBe(2);
  });

  it('TestDriver_PlanRebuild_FullBase_PinsBaseImage (B7 off): one full-base pin, released by ReleasePlan', () => {
    const { driver, storage } = newDriver({ headLSN: 100, tailLSN: 60, committedLSN: 100, checkpointLSN: 40, checkpointTrusted: true });
    driver.orchestrator.processAssignment(intent('rebuild'));
    const { plan } = driver.planRebuild('r1');
    expect(plan?.rebuildSource).toBe('full_base');
    expect(plan?.fullBasePin).toEqual({ committedLSN: 100, pinID: 1, valid: true });
    expect(storage.activeHoldCountOf('fullbase')).toBe(1);
    driver.releasePlan(plan!);
    expect(storage.activeHoldCount()).toBe(0);
  });

  it('B7 on: full_base plan runs without any pinned source', () => {
    const { driver, storage } = newDriver({ headLSN: 100, tailLSN: 60, committedLSN: 100, checkpointLSN: 40, checkpointTrusted: true }, { B7: true });
    driver.orchestrator.processAssignment(intent('rebuild'));
    const { plan } = driver.planRebuild('r1');
    expect(plan?.rebuildSource).toBe('full_base');
    expect(plan?.fullBasePin).toBeNull();
    expect(storage.activeHoldCount()).toBe(0);
  });

  it('plan_rebuild_full_base reasons: untrusted_checkpoint and no_checkpoint', () => {
    const a = newDriver({ headLSN: 100, tailLSN: 30, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: false });
    a.driver.orchestrator.processAssignment(intent('rebuild'));
    a.driver.planRebuild('r1');
    expect(eventsNamed(a.driver, 'plan_rebuild_full_base')[0]?.detail).toBe('reason=untrusted_checkpoint committed=100');
    const b = newDriver({ headLSN: 100, committedLSN: 100 });
    b.driver.orchestrator.processAssignment(intent('rebuild'));
    b.driver.planRebuild('r1');
    expect(eventsNamed(b.driver, 'plan_rebuild_full_base')[0]?.detail).toBe('reason=no_checkpoint committed=100');
  });

  it('TestDriver_PlanRebuild_SnapshotPinFailure (B9 off): session invalidated, needs_rebuild, logged', () => {
    const { driver, storage } = newDriver(trusted);
    storage.setPinRefusals({ snapshotPin: true });
    driver.orchestrator.processAssignment(intent('rebuild'));
    const { err } = driver.planRebuild('r1');
    expect(err?.message).toBe('snapshot pin failed: snapshot pin at LSN 50: snapshot pin refused');
    const s = driver.orchestrator.registry.sender('r1')!;
    expect([s.hasActiveSession(), s.state()]).toEqual([false, 'needs_rebuild']);
    expect(eventNames(driver)).toContain('snapshot_pin_failed');
  });

  it('B9 on: snapshot and full-base pin failures leave the rebuild session dangling', () => {
    const a = newDriver(trusted, { B9: true });
    a.storage.setPinRefusals({ snapshotPin: true });
    a.driver.orchestrator.processAssignment(intent('rebuild'));
    expect(a.driver.planRebuild('r1').err).not.toBeNull();
    expect(a.driver.orchestrator.registry.sender('r1')!.hasActiveSession()).toBe(true);
    const b = newDriver({ headLSN: 100, tailLSN: 60, committedLSN: 100 }, { B9: true });
    b.storage.setPinRefusals({ fullBasePin: true });
    b.driver.orchestrator.processAssignment(intent('rebuild'));
    expect(b.driver.planRebuild('r1').err).not.toBeNull();
    expect(b.driver.orchestrator.registry.sender('r1')!.hasActiveSession()).toBe(true);
  });

  it('TestP3_E2_RebuildWALPinFailure_SessionCleaned: snapshot pin released, session gone, needs_rebuild', () => {
    const { driver, storage } = newDriver(trusted);
    storage.setPinRefusals({ walPin: true });
    driver.orchestrator.processAssignment(intent('rebuild'));
    expect(driver.planRebuild('r1').err?.message).toBe('WAL retention pin failed: WAL retention pin at LSN 50: WAL retention pin refused');
    const s = driver.orchestrator.registry.sender('r1')!;
    expect([s.hasActiveSession(), s.state()]).toEqual([false, 'needs_rebuild']);
    expect(storage.activeHoldCount()).toBe(0);
    expect(eventNames(driver).at(-1)).toBe('wal_pin_failed');
  });

  it('TestP3_E4_FullBasePinFails_SessionCleaned: invalidated with needs_rebuild, full_base_pin_failed logged', () => {
    const { driver, storage } = newDriver({ headLSN: 100, tailLSN: 60, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: false });
    storage.setPinRefusals({ fullBasePin: true });
    driver.orchestrator.processAssignment(intent('rebuild'));
    expect(driver.planRebuild('r1').err?.message).toBe('full base pin failed: full base pin at LSN 100: full base pin refused');
    const s = driver.orchestrator.registry.sender('r1')!;
    expect([s.hasActiveSession(), s.state()]).toEqual([false, 'needs_rebuild']);
    expect(eventNames(driver)).toContain('full_base_pin_failed');
  });

  // a79cba0be (with 943000ae8, the B27 pair): CommittedLSN 0 (sync_all, replica degraded) makes
  // the rebuild target the primary's HeadLSN; the full-base pin stays at CommittedLSN, as upstream.
  const committedZero = { headLSN: 80, tailLSN: 0, committedLSN: 0, checkpointLSN: 40, checkpointTrusted: true };

  it('CommittedLSN == 0: full_base targeting HeadLSN; the executor completes in_sync', () => {
    const { driver, storage } = newDriver(committedZero);
    driver.orchestrator.processAssignment(intent('rebuild'));
    const { plan, err } = driver.planRebuild('r1');
    expect(err).toBeNull();
    expect([plan?.rebuildSource, plan?.rebuildSnapshotLSN, plan?.rebuildTargetLSN]).toEqual(['full_base', 0, 80]);
    expect(plan?.fullBasePin).toEqual({ committedLSN: 0, pinID: 1, valid: true });
    expect(eventsNamed(driver, 'plan_rebuild_full_base')).toEqual([{ sessionID: 1, detail: 'reason=no_checkpoint committed=0' }]);
    expect(new RebuildExecutor(driver, plan!).execute()).toBeNull();
    expect(eventsNamed(driver, 'exec_rebuild_started').map((e) => e.detail)).toEqual(['source=full_base target=80 io=false']);
    expect(driver.orchestrator.registry.sender('r1')!.state()).toBe('in_sync');
    expect(storage.activeHoldCount()).toBe(0);
  });

  it('B27 on restores both pre-fix behaviours: snapshot_tail at the checkpoint and target CommittedLSN 0', () => {
    const { driver, storage } = newDriver(committedZero, { B27: true });
    driver.orchestrator.processAssignment(intent('rebuild'));
    const { plan } = driver.planRebuild('r1');
    expect([plan?.rebuildSource, plan?.rebuildSnapshotLSN, plan?.rebuildTargetLSN]).toEqual(['snapshot_tail', 40, 0]);
    expect(new RebuildExecutor(driver, plan!).execute()?.code).toBe('rebuild_tail_regression');
    expect(storage.activeHoldCount()).toBe(0);
  });

  it('B27 on, no checkpoint: full_base with target 0; test-mode transfer progress to 0 is a regression', () => {
    const { driver } = newDriver({ headLSN: 80, committedLSN: 0 }, { B27: true });
    driver.orchestrator.processAssignment(intent('rebuild'));
    const { plan } = driver.planRebuild('r1');
    expect([plan?.rebuildSource, plan?.rebuildTargetLSN, plan?.fullBasePin?.committedLSN]).toEqual(['full_base', 0, 0]);
    expect(new RebuildExecutor(driver, plan!).execute()?.code).toBe('rebuild_transfer_regression');
  });
});

describe('RecoveryDriver.cancelPlan', () => {
  it('TestP3_E1_ChangedAddress_OldPlanCancelledByDriver: pins released, session invalidated, new session on new endpoint', () => {
    const { driver, storage, plan } = setupCatchUp(70);
    const before = driver.orchestrator.registry.sender('r1');
    driver.cancelPlan(plan, 'address_change');
    expect(storage.activeHoldCount()).toBe(0);
    expect(before!.sessionSnapshot()).toBeNull();
    expect(before!.state()).toBe('disconnected');
    driver.orchestrator.processAssignment(intent('catchup', 1, '10.0.0.2:9333', 2));
    expect(driver.orchestrator.registry.sender('r1')).toBe(before);
    expect(driver.planRecovery('r1', 100).plan?.outcome).toBe('zero_gap');
    expect(eventsNamed(driver, 'plan_cancelled')).toEqual([{ sessionID: 1, detail: 'address_change' }]);
    expect(eventNames(driver)).not.toContain('session_invalidated'); // session already gone before the assignment
  });

  it('CancelPlan of a stale plan leaves the newer session alone', () => {
    const { driver, plan } = setupCatchUp(70);
    driver.orchestrator.processAssignment(intent('catchup'));
    const s = driver.orchestrator.registry.sender('r1')!;
    expect(s.sessionID()).toBe(2);
    driver.cancelPlan(plan, 'stale');
    expect(s.sessionID()).toBe(2);
  });

  it('hazard H4 (default, target behaviour): cancelling a zero-gap plan demotes an in_sync sender', () => {
    const { driver } = newDriver({ headLSN: 100, committedLSN: 100 });
    driver.orchestrator.processAssignment(intent('catchup'));
    const { plan } = driver.planRecovery('r1', 100);
    const s = driver.orchestrator.registry.sender('r1')!;
    expect(s.state()).toBe('in_sync');
    driver.cancelPlan(plan!, 'late_cancel');
    expect(s.state()).toBe('disconnected');
    expect(eventsNamed(driver, 'plan_cancelled')).toEqual([{ sessionID: 0, detail: 'late_cancel' }]);
  });
});
