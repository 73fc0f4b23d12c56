// Planted paths: each test drives one layer into a specific branch and asserts, with expectMark,
// that the branch's coverage mark fired — the pattern for users' own regression tests (a test that
// states which code path its setup reaches fails when a refactor makes it miss that path). Also:
// a simulated run reports its marks, and the same seed run twice reports the same marks.
import { describe, expect, it } from 'vitest';
import { expectMark, expectNoMark } from '../../src/marks/index.ts';
import { ERR_WAL_FULL } from '../../src/storage/errors.ts';
import { writeGate } from '../../src/control/volume/write_gate.ts';
import { openedVolumeState } from '../../src/control/volume/volume_state.ts';
import { Role } from '../../src/control/volume/role.ts';
import { grantLease } from '../../src/control/volume/lease.ts';
import { decideHandshake, handshakeMark } from '../../src/replication/handshake.ts';
import { ResumeStatus } from '../../src/replication/wire.ts';
import { M } from '../../src/marks/index.ts';
import { runSeedOutcome } from '../../src/cli/seed_outcome.ts';
import { block, mkVolume } from '../storage/helpers.ts';
import { intent, newDriver, setupCatchUp } from '../engine/flow_helpers.ts';
import { CatchUpExecutor } from '../../src/engine/catchup_executor.ts';

describe('storage marks', () => {
  it('a write into a full WAL without retries hits storage_wal_full and never retries', () => {
    const { vol } = mkVolume({ walSize: 270, walFullRetries: 0 });
    for (let i = 0; i < 4; i++) vol.writeLBA(i, block(i + 1));
    const r = expectMark('storage_wal_full', () => expectNoMark('storage_wal_full_retry', () => vol.writeLBA(5, block(7))));
    expect(r.err?.code).toBe(ERR_WAL_FULL);
  });

  it('an entry that does not fit before the region end: full at the wrap', () => {
    const { vol } = mkVolume({ walSize: 170, walFullRetries: 0 });
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(i + 1));
    expect(expectMark('storage_wal_full_at_wrap', () => vol.writeLBA(5, block(7))).err?.code).toBe(ERR_WAL_FULL);
  });

  it('with retries the writer waits for the flusher (storage_wal_full_retry) and succeeds', () => {
    const { vol } = mkVolume({ walSize: 170, walFullRetries: 2 });
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(i + 1));
    expect(expectMark(['storage_wal_full_at_wrap', 'storage_wal_full_retry'], () => vol.writeLBA(5, block(7))).err).toBeNull();
  });

  it('truncation is refused with the WAL-only reason, then accepted at the checkpoint', () => {
    const { vol } = mkVolume();
    for (let i = 0; i < 3; i++) vol.writeLBA(i, block(i + 1));
    vol.flushOnce();
    vol.writeLBA(3, block(4));
    expect(expectMark('storage_truncate_unsafe_wal_only', () => vol.truncateToLSN(4))).not.toBeNull();
    expect(expectMark('storage_truncate_unsafe_flushed_ahead', () => vol.truncateToLSN(2))).not.toBeNull();
    expect(expectMark('storage_truncate_accepted', () => vol.truncateToLSN(3))).toBeNull();
  });
});

describe('engine marks', () => {
  it('a refused WAL pin marks the failure of the catch-up plan', () => {
    const { driver, storage } = newDriver({ headLSN: 100, tailLSN: 30, committedLSN: 100 });
    storage.setPinRefusals({ walPin: true });
    driver.orchestrator.processAssignment(intent('catchup'));
    expect(expectMark('engine_plan_catchup_wal_pin_failed', () => driver.planRecovery('r1', 70)).plan).toBeNull();
  });

  it('a rebuild at committed 0 chooses full_base for that reason and targets the head', () => {
    const { driver } = newDriver({ headLSN: 20, tailLSN: 0, committedLSN: 0, checkpointLSN: 10, checkpointTrusted: true });
    driver.orchestrator.processAssignment(intent('rebuild'));
    expectMark(['engine_rebuild_source_full_base_committed_zero', 'engine_rebuild_target_head_fallback', 'engine_rebuild_full_base_pinned'], () => driver.planRebuild('r1'));
  });

  it('a catch-up executor runs to in_sync; a second start is refused', () => {
    const { driver, plan } = setupCatchUp(70);
    const exec = new CatchUpExecutor(driver, plan);
    expectMark('engine_catchup_completed', () => exec.execute([80, 90, 100], 0));
    expectMark('engine_exec_already_started', () => exec.execute([100], 0));
  });
});

describe('control marks', () => {
  it('the write gate refuses a replica, a stale epoch and an expired lease, each with its mark', () => {
    const v = openedVolumeState(3);
    expectMark('control_volume_ErrNotPrimary', () => writeGate({ ...v, role: Role.Replica }, 0));
    expectMark('control_volume_ErrEpochStale', () => writeGate({ ...v, role: Role.Primary, masterEpoch: 2 }, 0));
    expectMark('control_volume_ErrLeaseExpired', () => writeGate({ ...v, role: Role.Primary, masterEpoch: 3, lease: grantLease(0, 10) }, 50));
  });
});

describe('replication marks', () => {
  it('each row of the handshake matrix has its own mark', () => {
    const rows: [number, number, number, number, number][] = [
      [ResumeStatus.EpochMismatch, 0, 1, 5, M.repl_handshake_epoch_mismatch],
      [ResumeStatus.NeedsRebuild, 0, 1, 5, M.repl_handshake_replica_requests_rebuild],
      [0x7f, 0, 1, 5, M.repl_handshake_unknown_status],
      [ResumeStatus.OK, 6, 1, 5, M.repl_handshake_impossible_progress],
      [ResumeStatus.OK, 5, 1, 5, M.repl_handshake_caught_up],
      [ResumeStatus.OK, 3, 2, 5, M.repl_handshake_recoverable_gap],
      [ResumeStatus.OK, 1, 4, 5, M.repl_handshake_gap_beyond_retention],
    ];
    for (const [st, R, S, H, id] of rows) expect(handshakeMark(decideHandshake(st, R, S, H).reason)).toBe(id);
  });
});

describe('marks of a simulated run', () => {
  it('a seed reports the marks its run hit, the same on a second run (no bleed between runs)', async () => {
    const o = { profile: 'basic', control: 'ideal' as const, bugs: [], strict: false, maxSteps: 2_000_000 };
    const a = await runSeedOutcome(1, o, () => false);
    const b = await runSeedOutcome(1, o, () => false);
    expect(a.marks['repl_barrier_ok']).toBeGreaterThan(0);
    expect(a.marks['engine_recovery_zero_gap_completed']).toBeGreaterThan(0);
    expect(b.marks).toEqual(a.marks);
  });
});
