// Witness seeds for the coverage test: a small set of (profile, control, seed) runs that together
// hit every coverage mark the simulated cluster reached in `npm run bench:coverage -- --seeds 60`
// (a greedy cover; the bench prints it). If the simulator changes the runs of these seeds, re-run
// the bench and copy its witness list here.
import type { ControlMode, UpstreamCommit } from '../../src/sim/control_plane.ts';
import type { ProfileName } from '../../src/sim/profile.ts';

export interface Witness {
  readonly profile: ProfileName;
  readonly control: ControlMode;
  /** Under upstream: the commit (the bench runs upstream at its default, 3ec8fab2f, which the witnesses state). */
  readonly upstreamCommit?: UpstreamCommit;
  readonly seed: number;
}

export const WITNESSES: readonly Witness[] = [
  { profile: 'network', control: 'ideal', seed: 22 }, // 69 marks
  { profile: 'default', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 22 }, // 23 marks
  { profile: 'default', control: 'ideal', seed: 46 }, // 11 marks
  { profile: 'default', control: 'ideal', seed: 25 }, // 6 marks
  { profile: 'network', control: 'ideal', seed: 52 }, // 5 marks
  { profile: 'network', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 56 }, // 4 marks
  { profile: 'network', control: 'ideal', seed: 56 }, // 3 marks: engine_exec_cancelled, engine_rebuild_transfer_begin_failed, storage_truncate_unsafe_wal_only
  { profile: 'default', control: 'ideal', seed: 23 }, // 2 marks: engine_rebuild_snapshot_pin_failed, storage_pin_snapshot_refused_moved
  { profile: 'default', control: 'ideal', seed: 24 }, // 2 marks: engine_rebuild_select_failed, engine_rebuild_session_invalidated
  { profile: 'default', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 43 }, // 2 marks: control_failover_timer_skipped_epoch, control_volume_ErrInvalidAssignment
  { profile: 'basic', control: 'ideal', seed: 55 }, // 2 marks: storage_wal_scan_recycled, repl_shipper_catchup_recycled
  { profile: 'default', control: 'ideal', seed: 7 }, // 1 marks: engine_rebuild_plan_not_rebuild_session
  { profile: 'default', control: 'ideal', seed: 35 }, // 1 marks: storage_install_fsync_error
  { profile: 'default', control: 'ideal', seed: 39 }, // 1 marks: storage_export_snapshot_boundary_mismatch
  { profile: 'default', control: 'ideal', seed: 42 }, // 1 marks: storage_write_lease_expired
  { profile: 'default', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 30 }, // 1 marks: control_failover_promote_failed
  { profile: 'basic', control: 'ideal', seed: 10 }, // 1 marks: storage_write_epoch_mismatch
  { profile: 'basic', control: 'ideal', seed: 35 }, // 1 marks: repl_catchup_conn_replaced
  { profile: 'basic', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 21 }, // 1 marks: engine_sender_reject_sender_stopped
  { profile: 'basic', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 23 }, // 1 marks: engine_recovery_no_sender
  { profile: 'network', control: 'ideal', seed: 32 }, // 1 marks: engine_catchup_truncation_io_failed
  { profile: 'crash', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 57 }, // 1 marks: repl_barrier_timeout
];
