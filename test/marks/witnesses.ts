// Witness seeds for the coverage test: a small set of (profile, control, seed) runs that together
// hit every coverage mark the simulated cluster reached in `npm run bench:coverage -- --seeds 60`
// (a greedy cover; the bench prints it). If the simulator changes the runs of these seeds, re-run
// the bench and copy its witness list here.
import type { ControlMode, UpstreamCommit } from '../../src/sim/control_plane.ts';
import type { ProfileName } from '../../src/sim/profile.ts';

export interface Witness {
  readonly profile: ProfileName;
  readonly control: ControlMode;
  /** Under upstream: the commit (the bench's witnesses below were found at c7eb87c58, which they state). */
  readonly upstreamCommit?: UpstreamCommit;
  readonly seed: number;
}

export const WITNESSES: readonly Witness[] = [
  { profile: 'network', control: 'ideal', seed: 22 }, // 68 marks
  { profile: 'network', control: 'upstream', upstreamCommit: 'c7eb87c58', seed: 49 }, // 18 marks
  { profile: 'storage', control: 'ideal', seed: 56 }, // 11 marks
  { profile: 'network', control: 'ideal', seed: 52 }, // 6 marks
  { profile: 'default', control: 'upstream', upstreamCommit: 'c7eb87c58', seed: 23 }, // 5 marks
  { profile: 'default', control: 'ideal', seed: 13 }, // 2 marks: engine_exec_cancelled, storage_write_not_primary
  { profile: 'default', control: 'ideal', seed: 58 }, // 2 marks: engine_catchup_begin_failed, engine_rebuild_transfer_begin_failed
  { profile: 'crash', control: 'ideal', seed: 31 }, // 2 marks: engine_rebuild_select_failed, storage_install_fsync_error
  { profile: 'storage', control: 'ideal', seed: 23 }, // 2 marks: engine_sender_reject_progress_regression, storage_truncate_unsafe_wal_only
  { profile: 'default', control: 'ideal', seed: 10 }, // 1 marks: storage_write_epoch_mismatch
  { profile: 'default', control: 'ideal', seed: 35 }, // 1 marks: repl_catchup_conn_replaced
  { profile: 'default', control: 'ideal', seed: 50 }, // 1 marks: engine_rebuild_session_invalidated
  { profile: 'default', control: 'upstream', upstreamCommit: 'c7eb87c58', seed: 7 }, // 1 marks: repl_barrier_timeout
  { profile: 'calm', control: 'ideal', seed: 36 }, // 1 marks: storage_export_snapshot_boundary_mismatch
  { profile: 'network', control: 'ideal', seed: 32 }, // 1 marks: engine_catchup_truncation_io_failed
  { profile: 'network', control: 'upstream', upstreamCommit: 'c7eb87c58', seed: 3 }, // 1 marks: control_failover_no_replica
  { profile: 'network', control: 'upstream', upstreamCommit: 'c7eb87c58', seed: 50 }, // 1 marks: control_volume_ErrEpochRegression
  { profile: 'crash', control: 'ideal', seed: 41 }, // 1 marks: storage_install_chunk_disk_error
  { profile: 'storage', control: 'ideal', seed: 51 }, // 1 marks: storage_export_snapshot_flush_failed
  // Upstream at 3ec8fab2f (the V2 engine wired): marks only its recovery tasks reach.
  { profile: 'default', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 23 }, // engine_recovery_no_sender, engine_plan_cancelled
  { profile: 'network', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 49 }, // engine_sender_reject_no_active_session
];
