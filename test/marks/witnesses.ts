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
  { profile: 'network', control: 'ideal', seed: 22 }, // 68 marks
  { profile: 'storage', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 23 }, // 18 marks
  { profile: 'network', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 43 }, // 8 marks
  { profile: 'storage', control: 'ideal', seed: 30 }, // 6 marks
  { profile: 'network', control: 'ideal', seed: 52 }, // 4 marks
  { profile: 'network', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 56 }, // 3 marks: engine_plan_cancelled, control_promotion_reject_wal_lag, control_failover_no_replica
  { profile: 'storage', control: 'ideal', seed: 22 }, // 3 marks: storage_install_chunk_disk_error, storage_install_fsync_error, repl_recv_apply_error
  { profile: 'basic', control: 'ideal', seed: 13 }, // 2 marks: engine_exec_cancelled, storage_write_not_primary
  { profile: 'basic', control: 'ideal', seed: 55 }, // 2 marks: storage_wal_scan_recycled, repl_shipper_catchup_recycled
  { profile: 'basic', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 26 }, // 2 marks: engine_sender_reject_sender_stopped, repl_barrier_send_failed
  { profile: 'network', control: 'ideal', seed: 56 }, // 2 marks: engine_rebuild_transfer_begin_failed, storage_truncate_unsafe_wal_only
  { profile: 'basic', control: 'ideal', seed: 10 }, // 1 marks: storage_write_epoch_mismatch
  { profile: 'basic', control: 'ideal', seed: 31 }, // 1 marks: engine_rebuild_select_failed
  { profile: 'basic', control: 'ideal', seed: 35 }, // 1 marks: repl_catchup_conn_replaced
  { profile: 'basic', control: 'ideal', seed: 50 }, // 1 marks: engine_rebuild_session_invalidated
  { profile: 'basic', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 8 }, // 1 marks: control_promotion_reject_wrong_role
  { profile: 'basic', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 23 }, // 1 marks: engine_recovery_no_sender
  { profile: 'calm', control: 'ideal', seed: 36 }, // 1 marks: storage_export_snapshot_boundary_mismatch
  { profile: 'network', control: 'ideal', seed: 32 }, // 1 marks: engine_catchup_truncation_io_failed
  { profile: 'crash', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 57 }, // 1 marks: repl_barrier_timeout
  { profile: 'storage', control: 'ideal', seed: 51 }, // 1 marks: storage_export_snapshot_flush_failed
  { profile: 'network', control: 'upstream', upstreamCommit: 'c7eb87c58', seed: 50 }, // 1 marks: control_volume_ErrEpochRegression (only at c7eb87c58 in these budgets)
  // The default profile (every fault kind, storage shapes, client queues, lock-free points), taken
  // with npm run bench:coverage -- --seeds 30 after it became the swarm of every kind:
  { profile: 'default', control: 'ideal', seed: 7 }, // 69 marks
  { profile: 'default', control: 'ideal', seed: 25 }, // 5 marks: engine_rebuild_select_failed, storage_sync_disk_error, storage_flush_fsync_error, storage_install_chunk_disk_error, …
  { profile: 'default', control: 'ideal', seed: 3 }, // 2 marks: storage_recovery_stale_lap, control_ideal_failover_no_candidate
  { profile: 'default', control: 'ideal', seed: 23 }, // 2 marks: engine_rebuild_snapshot_pin_failed, storage_pin_snapshot_refused_moved
  { profile: 'default', control: 'upstream', upstreamCommit: '3ec8fab2f', seed: 30 }, // 2 marks: control_promotion_reject_wal_lag, control_failover_promote_failed
  { profile: 'default', control: 'ideal', seed: 6 }, // 1 mark: repl_recv_wal_full_retry
  { profile: 'default', control: 'ideal', seed: 8 }, // 1 mark: engine_rebuild_handshake_failed
  { profile: 'default', control: 'ideal', seed: 9 }, // 1 mark: engine_rebuild_transfer_begin_failed
  { profile: 'default', control: 'ideal', seed: 21 }, // 1 mark: engine_exec_cancelled
  { profile: 'default', control: 'ideal', seed: 24 }, // 1 mark: engine_rebuild_session_invalidated
];
