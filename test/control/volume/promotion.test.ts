import { describe, expect, it } from 'vitest';
import { leaseValid } from '../../../src/control/volume/lease.ts';
import { applyVolumeEffect, DEFAULT_DRAIN_TIMEOUT_MS, planAssignment, runVolumePlan, startPlan } from '../../../src/control/volume/promotion.ts';
import { ALL_ROLES, Role, roleName, type Role as RoleT } from '../../../src/control/volume/role.ts';
import { createdVolumeState, type VolumeControlState } from '../../../src/control/volume/volume_state.ts';
import { writeGate } from '../../../src/control/volume/write_gate.ts';
import { assign, assignErr, StubIO } from './helpers.ts';

const fresh = createdVolumeState;
/** setupPrimary / setupReplica of blockvol_test.go: HandleAssignment(1, role, 30s). */
const primary = (now = 0) => assign(fresh(), 1, Role.Primary, 30_000, now);
const replica = () => assign(fresh(), 1, Role.Replica, 0);
const stale = () => assign(primary(), 2, Role.Stale, 0);

describe('promotion.go HandleAssignment: the transition matrix', () => {
  // Which (current, new) pairs HandleAssignment accepts for a different role (the switch cases).
  const ACCEPTED = new Set(['replica->primary', 'primary->stale', 'stale->rebuilding', 'none->rebuilding', 'none->primary', 'none->replica']);
  const at: Record<number, () => VolumeControlState> = {
    [Role.None]: fresh,
    [Role.Primary]: primary,
    [Role.Replica]: replica,
    [Role.Stale]: stale,
    [Role.Rebuilding]: () => assign(stale(), 2, Role.Rebuilding, 0),
    [Role.Draining]: () => ({ ...primary(), role: Role.Draining }),
  };
  for (const from of ALL_ROLES) {
    for (const to of ALL_ROLES) {
      if (from === to) continue;
      const key = `${roleName(from)}->${roleName(to)}`;
      it(`${key}: ${ACCEPTED.has(key) ? 'accepted' : 'ErrInvalidAssignment'}`, () => {
        const v = at[from]!();
        expect(v.role).toBe(from);
        const d = planAssignment(v, 5, to as RoleT, 1000);
        if (ACCEPTED.has(key)) {
          expect(d.ok).toBe(true);
          expect(assign(v, 5, to as RoleT, 1000).role).toBe(to);
        } else {
          expect(d.ok).toBe(false);
          if (!d.ok) {
            expect(d.error.is('ErrInvalidAssignment')).toBe(true);
            expect(d.error.message).toBe(`blockvol: invalid assignment transition: ${key.replace('->', ' -> ')}`);
          }
        }
      });
    }
  }
});

describe('promotion.go HandleAssignment: cases from blockvol_test.go', () => {
  it('testPromoteReplicaToPrimary: epoch persisted before the role, lease granted, writes pass', () => {
    const io = new StubIO();
    const d = planAssignment(replica(), 2, Role.Primary, 30_000);
    expect(d.ok && d.effects.map((e) => e.kind)).toEqual(['setEpoch', 'setMasterEpoch', 'setRole', 'grantLease']);
    const v = assign(replica(), 2, Role.Primary, 30_000, 100, io);
    expect(io.persisted).toEqual([2]);
    expect([v.role, v.epoch, v.masterEpoch, v.lease.expiresAt]).toEqual([Role.Primary, 2, 2, 30_100]);
    expect(writeGate(v, 200)).toBeNull();
  });
  it('testPromoteRejectsNonReplica: primary→primary is a lease refresh; stale→primary is ErrInvalidAssignment', () => {
    expect(assign(primary(), 3, Role.Primary, 30_000).epoch).toBe(3);
    expect(assignErr(stale(), 3, Role.Primary, 30_000).error.is('ErrInvalidAssignment')).toBe(true);
  });
  it('testDemotePrimaryToStale: lease revoked, draining, shippers stopped, stale, then the epoch persisted', () => {
    const d = planAssignment(primary(), 2, Role.Stale, 0);
    expect(d.ok && d.effects.map((e) => e.kind)).toEqual(['revokeLease', 'setRole', 'awaitDrain', 'stopShippers', 'setRole', 'setEpoch', 'setMasterEpoch']);
    const v = assign(primary(), 2, Role.Stale, 0);
    expect([v.role, v.epoch, v.masterEpoch, leaseValid(v.lease, 1)]).toEqual([Role.Stale, 2, 2, false]);
    expect(writeGate(v, 1)?.sentinel).toBe('ErrNotPrimary');
  });
  it('demote stops the shipper group only if there is one (testDemoteStopsShipper)', () => {
    const io = new StubIO();
    assign(primary(), 2, Role.Stale, 0, 0, io);
    expect(io.stops).toBe(0);
    assign({ ...primary(), hasShipperGroup: true }, 2, Role.Stale, 0, 0, io);
    expect(io.stops).toBe(1);
  });
  it('testDemoteDrainsInflightOps: the demotion waits (polling each ms) until in-flight ops finish', () => {
    const io = new StubIO();
    io.ops = 1;
    const v0 = primary();
    const d = planAssignment(v0, 2, Role.Stale, 0, { drainTimeoutMs: 2000 });
    if (!d.ok) throw new Error('plan');
    let step = runVolumePlan(v0, startPlan(d.effects), 1000, io);
    expect(step.status).toBe('waiting');
    if (step.status !== 'waiting') return;
    expect(step.vol.role).toBe(Role.Draining);
    expect(leaseValid(step.vol.lease, 1000)).toBe(false);
    expect(step.wakeAt).toBe(1001);
    step = runVolumePlan(step.vol, step.cursor, 1001, io);
    expect(step.status).toBe('waiting');
    io.ops = 0;
    if (step.status !== 'waiting') return;
    step = runVolumePlan(step.vol, step.cursor, 1050, io);
    expect(step.status).toBe('done');
    expect(step.vol.role).toBe(Role.Stale);
  });
  it('ErrDrainTimeout: in-flight ops past the deadline leave the volume Draining with no lease, epoch unchanged', () => {
    const io = new StubIO();
    io.ops = 1;
    const v0 = primary();
    const d = planAssignment(v0, 2, Role.Stale, 0);
    if (!d.ok) throw new Error('plan');
    let step = runVolumePlan(v0, startPlan(d.effects), 0, io);
    if (step.status !== 'waiting') throw new Error('expected waiting');
    step = runVolumePlan(step.vol, step.cursor, DEFAULT_DRAIN_TIMEOUT_MS - 1, io);
    expect(step.status).toBe('waiting');
    if (step.status !== 'waiting') return;
    expect(step.wakeAt).toBe(DEFAULT_DRAIN_TIMEOUT_MS);
    step = runVolumePlan(step.vol, step.cursor, DEFAULT_DRAIN_TIMEOUT_MS, io);
    expect(step.status).toBe('failed');
    if (step.status !== 'failed') return;
    expect(step.error.message).toBe('blockvol: drain timeout waiting for in-flight ops');
    expect([step.vol.role, step.vol.epoch]).toEqual([Role.Draining, 1]);
    // HAZARD (HandleAssignment): nothing gets a Draining volume out — every assignment is refused.
    for (const r of ALL_ROLES.filter((x) => x !== Role.Draining)) expect(planAssignment(step.vol, 9, r, 1000).ok, roleName(r)).toBe(false);
  });
  it('testAssignmentRefreshLease: same role+epoch refreshes the lease; a bumped epoch is persisted and writes still pass', () => {
    const v1 = assign(primary(0), 1, Role.Primary, 3_600_000, 20_000);
    expect(v1.lease.expiresAt).toBe(3_620_000);
    const io = new StubIO();
    const v2 = assign(v1, 5, Role.Primary, 3_600_000, 30_000, io);
    expect([v2.epoch, v2.masterEpoch, io.persisted]).toEqual([5, 5, [5]]);
    expect(writeGate(v2, 30_001)).toBeNull();
  });
  it('testLeaseKeepaliveLongevity: periodic same-role assignments keep a short lease alive', () => {
    let v = assign(fresh(), 1, Role.Primary, 200, 0);
    for (let t = 100; t <= 500; t += 100) {
      v = assign(v, 1, Role.Primary, 200, t);
      expect(writeGate(v, t + 50)).toBeNull();
    }
    expect(writeGate(v, 700)?.sentinel).toBe('ErrLeaseExpired');
  });
  it('a same-role refresh grants no lease to a non-primary and does not persist an unchanged epoch', () => {
    const io = new StubIO();
    const d = planAssignment(replica(), 1, Role.Replica, 30_000);
    expect(d.ok && d.effects).toEqual([]);
    const v = assign(replica(), 4, Role.Replica, 30_000, 0, io);
    expect([v.epoch, v.masterEpoch, v.lease.expiresAt, io.persisted]).toEqual([4, 4, null, [4]]);
  });
  it('testAssignmentInvalidTransition / testAdversarialAssignmentWrongRoleTransition: replica→stale', () => {
    const e = assignErr(replica(), 2, Role.Stale, 0).error;
    expect(e.is('ErrInvalidAssignment')).toBe(true);
    expect(e.message).toBe('blockvol: invalid assignment transition: replica -> stale');
  });
  it('testAdversarialStaleEpochAssignment: a same-role assignment with a lower epoch is ErrEpochRegression, nothing changes', () => {
    let v = primary();
    v = assign(v, 2, Role.Primary, 30_000);
    v = assign(v, 3, Role.Primary, 30_000);
    const f = assignErr(v, 1, Role.Primary, 30_000, 5);
    expect(f.error.is('ErrEpochRegression')).toBe(true);
    expect(f.error.message).toBe('blockvol: epoch regression: new 1 < current 3');
    expect(f.vol).toEqual(v);
  });
  it('promote and demote refuse a lower epoch before any change', () => {
    const r3 = assign(replica(), 3, Role.Replica, 0);
    expect(assignErr(r3, 2, Role.Primary, 1000).error.is('ErrEpochRegression')).toBe(true);
    const p3 = assign(primary(), 3, Role.Primary, 1000);
    const f = assignErr(p3, 2, Role.Stale, 0);
    expect(f.error.is('ErrEpochRegression')).toBe(true);
    expect(f.vol.role).toBe(Role.Primary);
    expect(leaseValid(f.vol.lease, 1)).toBe(true);
  });
  it('promote accepts the same epoch (no strict increase)', () => {
    expect(assign(replica(), 1, Role.Primary, 1000).epoch).toBe(1);
  });
  it('TestBlockService_ProcessAssignment_InvalidTransition: primary@5 given replica@3 → refused, epoch stays 5', () => {
    const p5 = assign(fresh(), 5, Role.Primary, 30_000);
    const f = assignErr(p5, 3, Role.Replica, 30_000);
    expect(f.error.is('ErrInvalidAssignment')).toBe(true);
    expect(f.vol.epoch).toBe(5);
  });
  it('testAdversarialPromoteDuringRebuild: rebuilding→primary refused, role stays rebuilding', () => {
    const rb = assign(stale(), 2, Role.Rebuilding, 0);
    const f = assignErr(rb, 3, Role.Primary, 30_000);
    expect(f.error.is('ErrInvalidAssignment')).toBe(true);
    expect(f.vol.role).toBe(Role.Rebuilding);
  });
  it('stale→rebuilding changes the role only (no epoch effect)', () => {
    const d = planAssignment(stale(), 7, Role.Rebuilding, 0);
    expect(d.ok && d.effects).toEqual([{ kind: 'setRole', role: Role.Rebuilding, context: null }]);
    expect(assign(stale(), 7, Role.Rebuilding, 0).epoch).toBe(2);
  });
  it('testAdversarialZeroTTLLease: a primary with TTL 0 cannot write', () => {
    const v = assign(fresh(), 1, Role.Primary, 0, 10);
    expect(v.role).toBe(Role.Primary);
    expect(writeGate(v, 10)?.sentinel).toBe('ErrLeaseExpired');
  });
  it('testSeqPromoteDemoteCycle: none→primary(1)→stale(2)→rebuilding→(rebuild done) replica→primary(3)', () => {
    let v = assign(fresh(), 1, Role.Primary, 30_000);
    expect(writeGate(v, 1)).toBeNull();
    v = assign(v, 2, Role.Stale, 0);
    expect(writeGate(v, 1)?.sentinel).toBe('ErrNotPrimary');
    v = assign(v, 2, Role.Rebuilding, 0);
    const done = applyVolumeEffect(v, { kind: 'setRole', role: Role.Replica, context: null }, 1); // StartRebuild's completion
    expect(done.ok).toBe(true);
    v = assign(done.vol, 3, Role.Primary, 30_000);
    expect([v.role, v.epoch]).toEqual([Role.Primary, 3]);
    expect(writeGate(v, 2)).toBeNull();
  });
  it('testSplitBrainNoSelfPromotion: a bare SetRole(primary) on a replica leaves writes fenced (lease)', () => {
    const out = applyVolumeEffect(replica(), { kind: 'setRole', role: Role.Primary, context: null }, 0);
    expect(out.ok).toBe(true);
    expect(writeGate(out.vol, 0)).not.toBeNull();
  });
  it('TestBlockAssign_RoleNoneIgnored: none→none at epoch 0 is a no-op success', () => {
    const d = planAssignment(fresh(), 0, Role.None, 0);
    expect(d.ok && d.effects).toEqual([]);
  });
  it('SetEpoch failure: the error is wrapped, the in-memory epoch has already moved, nothing after it runs', () => {
    const io = new StubIO();
    io.persistError = 'blockvol: sync superblock: EIO';
    const f = assignErr(replica(), 2, Role.Primary, 30_000, 0, io);
    expect(f.error.message).toBe('promote: set epoch: blockvol: sync superblock: EIO');
    expect([f.vol.role, f.vol.epoch, f.vol.masterEpoch]).toEqual([Role.Replica, 2, 1]);
  });
  it('a setRole effect re-validates the transition (Go SetRole CAS) and wraps the error', () => {
    const out = applyVolumeEffect(replica(), { kind: 'setRole', role: Role.Stale, context: 'demote: set stale' }, 0);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error.message).toBe('demote: set stale: blockvol: invalid role transition: replica -> stale');
  });
});

describe('promotion.go HandleAssignment: upstream hazards, pinned', () => {
  it('HAZARD: none→replica accepts a lower epoch and persists it (epoch goes backwards on disk)', () => {
    const io = new StubIO();
    const v = assign({ ...fresh(), epoch: 7 }, 3, Role.Replica, 0, 0, io);
    expect([v.epoch, io.persisted]).toEqual([3, [3]]);
  });
  it('HAZARD: none→rebuilding likewise accepts a lower epoch', () => {
    expect(assign({ ...fresh(), epoch: 7 }, 2, Role.Rebuilding, 0).epoch).toBe(2);
  });
  it('but none→primary refuses a lower epoch (promote checks)', () => {
    expect(assignErr({ ...fresh(), epoch: 7 }, 3, Role.Primary, 1000).error.is('ErrEpochRegression')).toBe(true);
  });
  it('HAZARD: stale→replica is a valid role transition that no assignment performs', () => {
    expect(planAssignment(stale(), 3, Role.Replica, 0).ok).toBe(false);
  });
});
