// The coverage-mark catalogue (after TigerBeetle's marks.zig and FoundationDB's CODE_PROBE): one
// definition per mark — its name, the layer whose code bumps it and what hitting it means. A mark
// sits at a decision branch or an error path of the ported code; `swsim coverage` and
// test/marks/coverage.test.ts report which never fire. The numeric id of a mark is its position
// here (MARK_ID), so counting is an array increment. This file imports nothing: the ported layers
// (engine, storage, replication, control) may import it without learning about the simulator.

export type MarkLayer = 'engine' | 'storage' | 'replication' | 'control';

export interface MarkDef {
  readonly layer: MarkLayer;
  readonly meaning: string;
}

const e = (meaning: string): MarkDef => ({ layer: 'engine', meaning });
const s = (meaning: string): MarkDef => ({ layer: 'storage', meaning });
const r = (meaning: string): MarkDef => ({ layer: 'replication', meaning });
const c = (meaning: string): MarkDef => ({ layer: 'control', meaning });

export const MARKS = {
  // ---- engine: the planner (driver.planRecovery, orchestrator.executeRecovery) ----
  engine_recovery_no_sender: e('executeRecovery: no sender for the replica'),
  engine_recovery_no_session: e('executeRecovery: the sender has no session to recover with'),
  engine_recovery_connect_failed: e('executeRecovery: beginConnect rejected'),
  engine_recovery_handshake_failed: e('executeRecovery: the handshake from history was rejected'),
  engine_recovery_escalated_needs_rebuild: e('executeRecovery: the handshake classified needs_rebuild (escalation)'),
  engine_recovery_zero_gap_completed: e('executeRecovery: zero gap, the session completed in the planner'),
  engine_plan_truncate_only: e('planRecovery: replica ahead of committed, a truncate-only plan (no WAL pin)'),
  engine_plan_catchup_pinned: e('planRecovery: catch-up plan with its WAL retention pin'),
  engine_plan_catchup_wal_pin_failed: e('planRecovery: WAL pin refused, session invalidated (disconnected)'),
  // ---- engine: rebuild planning (driver.planRebuild) ----
  engine_rebuild_plan_no_sender: e('planRebuild: no sender for the replica'),
  engine_rebuild_plan_no_session: e('planRebuild: the sender has no session'),
  engine_rebuild_plan_not_rebuild_session: e('planRebuild: the session is not a rebuild session'),
  engine_rebuild_source_snapshot_tail: e('planRebuild: snapshot_tail chosen (trusted checkpoint, replayable tail)'),
  engine_rebuild_source_full_base_committed_zero: e('planRebuild: full_base because committed is 0'),
  engine_rebuild_source_full_base_no_checkpoint: e('planRebuild: full_base because there is no checkpoint'),
  engine_rebuild_source_full_base_untrusted: e('planRebuild: full_base because the checkpoint is not trusted'),
  engine_rebuild_source_full_base_tail_recycled: e('planRebuild: full_base because the tail after the trusted checkpoint was recycled'),
  engine_rebuild_target_head_fallback: e('planRebuild: committed 0, the target falls back to the head LSN'),
  engine_rebuild_snapshot_pin_failed: e('planRebuild: snapshot pin refused, session invalidated'),
  engine_rebuild_tail_wal_pin_failed: e('planRebuild: WAL pin after a granted snapshot pin refused; snapshot pin released, session invalidated'),
  engine_rebuild_full_base_pin_failed: e('planRebuild: full-base pin refused, session invalidated'),
  engine_rebuild_full_base_pinned: e('planRebuild: full-base plan with its pin'),
  // ---- engine: plan resources ----
  engine_plan_release_wal_pin: e('releasePlan: a WAL retention pin handed back'),
  engine_plan_release_snapshot_pin: e('releasePlan: a snapshot pin handed back'),
  engine_plan_release_full_base_pin: e('releasePlan: a full-base pin handed back'),
  engine_plan_cancelled: e('cancelPlan: a plan cancelled'),
  engine_plan_cancel_invalidated_session: e('cancelPlan: the cancelled plan\'s session was still current and got invalidated'),
  // ---- engine: executors ----
  engine_exec_already_started: e('executor: a second start refused'),
  engine_exec_cancelled: e('executor: Cancel released the plan'),
  engine_exec_io_result_missing: e('executor: an io yield resumed without a result'),
  engine_catchup_begin_failed: e('catch-up executor: beginCatchUp rejected'),
  engine_catchup_truncate_only: e('catch-up executor: nothing to replay, only a truncation'),
  engine_catchup_io_stream_failed: e('catch-up executor: streaming WAL entries failed'),
  engine_catchup_progress_failed: e('catch-up executor: recordCatchUpProgress rejected'),
  engine_catchup_session_invalidated: e('catch-up executor: the session changed between steps'),
  engine_catchup_budget_check_failed: e('catch-up executor: checkBudget rejected'),
  engine_catchup_budget_escalated: e('catch-up executor: a budget violation escalated the replica to needs_rebuild'),
  engine_catchup_truncation_escalated: e('catch-up executor: truncation unsafe, escalated to rebuild'),
  engine_catchup_truncation_io_failed: e('catch-up executor: the truncation I/O failed otherwise'),
  engine_catchup_truncation_record_failed: e('catch-up executor: recordTruncation rejected'),
  engine_catchup_truncated: e('catch-up executor: a truncation recorded'),
  engine_catchup_completion_rejected: e('catch-up executor: completeSessionByID refused'),
  engine_catchup_completed: e('catch-up executor: the replica is in sync'),
  engine_rebuild_connect_failed: e('rebuild executor: beginConnect rejected'),
  engine_rebuild_handshake_failed: e('rebuild executor: recordHandshake rejected'),
  engine_rebuild_select_failed: e('rebuild executor: selectRebuildSource rejected'),
  engine_rebuild_transfer_begin_failed: e('rebuild executor: beginRebuildTransfer rejected'),
  engine_rebuild_snapshot_io_failed: e('rebuild executor: the snapshot transfer failed'),
  engine_rebuild_transfer_progress_failed: e('rebuild executor: recordRebuildTransferProgress rejected'),
  engine_rebuild_session_invalidated: e('rebuild executor: the session changed between snapshot and tail'),
  engine_rebuild_tail_begin_failed: e('rebuild executor: beginRebuildTailReplay rejected'),
  engine_rebuild_tail_io_failed: e('rebuild executor: the tail replay stream failed'),
  engine_rebuild_tail_progress_failed: e('rebuild executor: recordRebuildTailProgress rejected'),
  engine_rebuild_full_base_io_failed: e('rebuild executor: the full-base transfer failed'),
  engine_rebuild_full_base_partial: e('rebuild executor: the full-base transfer reached less than the target'),
  engine_rebuild_completion_failed: e('rebuild executor: completeRebuild rejected'),
  engine_rebuild_completed: e('rebuild executor: the replica is in sync'),
  // ---- engine: sender state changes ----
  engine_sender_handshake_needs_rebuild: e('sender: a handshake outcome needs_rebuild dropped the session'),
  engine_sender_handshake_truncation_required: e('sender: a handshake found the replica ahead, truncation required'),
  engine_budget_duration_exceeded: e('sender: budget violation duration_exceeded'),
  engine_budget_entries_exceeded: e('sender: budget violation entries_exceeded'),
  engine_budget_progress_stalled: e('sender: budget violation progress_stalled'),
  // ---- engine: every sender/session API rejection (SenderErrorCode) ----
  engine_sender_reject_sender_stopped: e('sender rejects: sender stopped'),
  engine_sender_reject_no_active_session: e('sender rejects: no active session'),
  engine_sender_reject_session_id_mismatch: e('sender rejects: session ID mismatch (stale executor)'),
  engine_sender_reject_session_not_active: e('sender rejects: session not active'),
  engine_sender_reject_epoch_mismatch: e('sender rejects: attach with a mismatched epoch'),
  engine_sender_reject_session_already_active: e('sender rejects: a session is already active'),
  engine_sender_reject_cannot_begin_connect: e('sender rejects: beginConnect in the wrong phase'),
  engine_sender_reject_invalid_range: e('sender rejects: handshake range target < start'),
  engine_sender_reject_cannot_record_handshake: e('sender rejects: recordHandshake in the wrong phase'),
  engine_sender_reject_handshake_requires_connecting: e('sender rejects: handshake outcome outside connecting'),
  engine_sender_reject_cannot_advance_to_handshake: e('sender rejects: cannot advance to handshake'),
  engine_sender_reject_nil_history: e('sender rejects: nil retained history'),
  engine_sender_reject_rebuild_requires_rebuild_apis: e('sender rejects: catch-up API on a rebuild session'),
  engine_sender_reject_cannot_begin_catch_up: e('sender rejects: beginCatchUp in the wrong phase'),
  engine_sender_reject_progress_requires_catchup: e('sender rejects: catch-up progress outside catch-up'),
  engine_sender_reject_progress_regression: e('sender rejects: catch-up progress went backwards'),
  engine_sender_reject_progress_exceeds_frozen_target: e('sender rejects: progress beyond the frozen target'),
  engine_sender_reject_tick_required: e('sender rejects: progress without a tick under a deadline budget'),
  engine_sender_reject_truncation_not_required: e('sender rejects: truncation recorded where none is required'),
  engine_sender_reject_truncation_lsn_mismatch: e('sender rejects: truncation to the wrong LSN'),
  engine_sender_reject_not_a_rebuild_session: e('sender rejects: rebuild API on a catch-up session'),
  engine_sender_reject_requires_phase_handshake: e('sender rejects: rebuild source selection outside handshake'),
  engine_sender_reject_rebuild_state_not_initialized: e('sender rejects: rebuild state not initialized'),
  engine_sender_reject_no_rebuild_state: e('sender rejects: no rebuild state'),

  // ---- storage: WAL ----
  storage_wal_full_entry_too_large: s('WAL append: the entry is larger than the whole WAL'),
  storage_wal_full_at_wrap: s('WAL append: full when padding to the region end'),
  storage_wal_full: s('WAL append: full (ErrWALFull)'),
  storage_wal_append_disk_error: s('WAL append: the disk write failed'),
  storage_wal_full_retry: s('append: WAL full, waiting for the flusher and retrying'),
  storage_wal_full_gave_up: s('append: WAL still full after the retries'),
  storage_wal_scan_recycled: s('WAL scan: the requested LSN was recycled (ErrWALRecycled)'),
  // ---- storage: write admission ----
  storage_write_not_primary: s('write refused: the volume is not primary'),
  storage_write_epoch_mismatch: s('write refused: volume epoch != master epoch'),
  storage_write_lease_expired: s('write refused: the lease expired'),
  storage_write_bad_request: s('write refused: misaligned or out of bounds'),
  storage_write_volume_closed: s('write refused: the volume is closed'),
  storage_apply_not_admitted: s('replica apply refused by the receiver (stale, duplicate or gap)'),
  storage_sync_disk_error: s('sync: the fsync failed'),
  // ---- storage: truncation ----
  storage_truncate_unsafe_flushed_ahead: s('TruncateToLSN refused: entries beyond the point are already flushed'),
  storage_truncate_unsafe_wal_only: s('TruncateToLSN refused: part of the kept range exists only in the WAL'),
  storage_truncate_accepted: s('TruncateToLSN: the predicate held, the WAL is reset to the point'),
  // ---- storage: crash recovery ----
  storage_recovery_replayed: s('RecoverWAL: entries replayed into the dirty map'),
  storage_recovery_stale_lap: s('RecoverWAL: the scan stopped at stale bytes of an earlier lap'),
  storage_recovery_torn_tail: s('RecoverWAL: a torn or corrupt tail inside the recorded head was cut off'),
  // ---- storage: flusher ----
  storage_flush_wal_read_error: s('flusher: reading a WAL entry failed (disk error or corrupt entry)'),
  storage_flush_extent_write_error: s('flusher: writing the extent failed'),
  storage_flush_fsync_error: s('flusher: fsync of the extent failed'),
  // ---- storage: export (rebuild sources) ----
  storage_export_full_flush_failed: s('full-extent export: the flush before it failed'),
  storage_export_full_ok: s('full-extent export produced an image'),
  storage_export_snapshot_flush_failed: s('snapshot export: the flush before it failed'),
  storage_export_snapshot_boundary_mismatch: s('snapshot export: checkpoint != requested base'),
  storage_export_snapshot_ok: s('snapshot export produced an image'),
  storage_export_read_error: s('export: reading the extent failed'),
  // ---- storage: rebuild install ----
  storage_install_chunk_refused: s('rebuild installer: a chunk after commit or past the volume end'),
  storage_install_chunk_disk_error: s('rebuild installer: writing a chunk failed'),
  storage_install_already_committed: s('rebuild installer: a second commit refused'),
  storage_install_fsync_error: s('rebuild installer: fsync before the install failed'),
  storage_install_committed: s('rebuild installer: V2 install committed (WAL reset to the image\'s LSN)'),
  storage_install_v1_committed: s('rebuild installer: V1 handoff committed'),
  // ---- storage: pins ----
  storage_pin_wal_granted: s('pinner: a WAL retention pin granted'),
  storage_pin_wal_refused_recycled: s('pinner: WAL pin refused, the start was already recycled'),
  storage_pin_snapshot_granted: s('pinner: a snapshot pin granted'),
  storage_pin_snapshot_refused_untrusted: s('pinner: snapshot pin refused, checkpoint not trusted'),
  storage_pin_snapshot_refused_moved: s('pinner: snapshot pin refused, the checkpoint moved'),
  storage_pin_full_base_granted: s('pinner: a full-base pin granted'),

  // ---- replication: shipper transitions (TransitionCause) ----
  repl_shipper_barrier_ok: r('shipper -> in_sync: a barrier proved durability'),
  repl_shipper_reconnect_insync: r('shipper -> in_sync: the reconnect handshake found it caught up'),
  repl_shipper_catchup_done: r('shipper -> in_sync: catch-up finished'),
  repl_shipper_ship_failed: r('shipper -> degraded: shipping an entry failed'),
  repl_shipper_barrier_failed: r('shipper -> degraded: a barrier failed'),
  repl_shipper_reconnect: r('shipper -> connecting: reconnect started'),
  repl_shipper_reconnect_failed: r('shipper -> degraded: the reconnect dial or handshake failed'),
  repl_shipper_catchup_start: r('shipper -> catching_up'),
  repl_shipper_catchup_failed: r('shipper: a catch-up failed (degraded, or needs_rebuild after the retries)'),
  repl_shipper_catchup_recycled: r('shipper -> needs_rebuild: catch-up found the WAL recycled'),
  repl_shipper_handshake: r('shipper -> needs_rebuild: the handshake decided rebuild'),
  repl_shipper_retention_timeout: r('shipper -> needs_rebuild: retention budget ran out'),
  // ---- replication: the reconnect handshake matrix (status, R, S, H) ----
  repl_handshake_epoch_mismatch: r('handshake: the replica answered epoch mismatch -> needs_rebuild'),
  repl_handshake_replica_requests_rebuild: r('handshake: the replica asked for a rebuild -> needs_rebuild'),
  repl_handshake_unknown_status: r('handshake: unknown status -> degraded'),
  repl_handshake_impossible_progress: r('handshake: R > H -> needs_rebuild'),
  repl_handshake_caught_up: r('handshake: R == H -> in_sync'),
  repl_handshake_recoverable_gap: r('handshake: S <= R+1 < H+1 -> catching_up'),
  repl_handshake_gap_beyond_retention: r('handshake: R+1 < S -> needs_rebuild'),
  repl_handshake_dial_failed: r('reconnect: the data dial failed'),
  repl_handshake_superseded: r('reconnect: a newer data connection replaced this dial'),
  repl_handshake_timeout: r('reconnect: no handshake reply before the deadline'),
  repl_handshake_send_failed: r('reconnect: sending the handshake failed'),
  repl_handshake_bad_reply: r('reconnect: the connection closed or the reply did not decode'),
  // ---- replication: catch-up streaming ----
  repl_catchup_retries_exhausted: r('catch-up failed MAX_CATCHUP_RETRIES times: needs_rebuild'),
  repl_catchup_stream_error: r('catch-up: scanning the WAL failed (not recycled)'),
  repl_catchup_conn_replaced: r('catch-up: the data connection was replaced mid-stream'),
  repl_catchup_deadline: r('catch-up: deadline exceeded'),
  repl_catchup_send_failed: r('catch-up: sending an entry or the done marker failed'),
  // ---- replication: barriers (shipper side) ----
  repl_barrier_stopped: r('barrier: the shipper is stopped'),
  repl_barrier_via_reconnect: r('barrier: degraded with flushed progress, reconnect + catch-up first'),
  repl_barrier_bare_retry: r('barrier: degraded without progress, a bare retry'),
  repl_barrier_refused_state: r('barrier: refused in catching_up / needs_rebuild / connecting'),
  repl_barrier_no_ctrl: r('barrier: the control dial failed'),
  repl_barrier_deadline: r('barrier: no reply before the deadline'),
  repl_barrier_send_failed: r('barrier: sending the request failed'),
  repl_barrier_bad_reply: r('barrier: the connection closed or the reply did not decode'),
  repl_barrier_ok: r('barrier: OK with the flushed LSN'),
  repl_barrier_ok_legacy: r('barrier: OK without a flushed LSN (legacy reply) is not proof'),
  repl_barrier_epoch_mismatch: r('barrier: the replica answered epoch mismatch'),
  repl_barrier_timeout: r('barrier: the replica timed out waiting for the LSN'),
  repl_barrier_fsync_failed: r('barrier: the replica\'s fsync failed'),
  repl_barrier_unknown_status: r('barrier: unknown status'),
  // ---- replication: receiver ----
  repl_recv_resume_bad_request: r('receiver: an undecodable resume request, answered needs_rebuild'),
  repl_recv_resume_epoch_mismatch: r('receiver: a resume request of another epoch'),
  repl_recv_entry_decode_error: r('receiver: an undecodable WAL entry dropped'),
  repl_recv_entry_stale_epoch: r('receiver: an entry of another epoch dropped'),
  repl_recv_entry_duplicate: r('receiver: a duplicate entry dropped'),
  repl_recv_entry_gap: r('receiver: an entry after a gap dropped'),
  repl_recv_entry_busy: r('receiver: another connection holds the apply lock; waiting'),
  repl_recv_wal_full_retry: r('receiver: apply hit a full WAL, retrying'),
  repl_recv_apply_error: r('receiver: apply failed'),
  repl_recv_barrier_epoch_mismatch: r('receiver: barrier of another epoch'),
  repl_recv_barrier_wait_timeout: r('receiver: barrier LSN not received in time'),
  repl_recv_barrier_fsync_failed: r('receiver: barrier fsync failed'),
  // ---- replication: group commit ----
  repl_sync_local_only: r('distributed sync: no shippers, local fsync only'),
  repl_sync_all_failed: r('distributed sync: sync_all with a failed barrier'),
  repl_sync_quorum_lost: r('distributed sync: sync_quorum lost'),
  repl_sync_best_effort_failures: r('distributed sync: best_effort ignored failed barriers'),

  // ---- control: master promotion gates ----
  control_promotion_reject_no_heartbeat: c('promotion gate: candidate never heartbeated'),
  control_promotion_reject_stale_heartbeat: c('promotion gate: candidate heartbeat too old'),
  control_promotion_reject_wal_lag: c('promotion gate: candidate WAL lags the live primary'),
  control_promotion_reject_wrong_role: c('promotion gate: candidate is not a replica'),
  control_promotion_reject_server_dead: c('promotion gate: candidate server not block-capable'),
  control_promotion_no_replicas: c('promotion: the volume has no replicas'),
  control_promotion_primary_alive: c('manual promotion refused: primary alive without force'),
  control_promotion_target_not_found: c('manual promotion: target not a replica'),
  // ---- control: master failover events ----
  control_failover_no_replica: c('failover: dead primary without a replica'),
  control_failover_deferred: c('failover: lease not yet expired, a timer armed'),
  control_failover_promoted: c('failover: a replica promoted'),
  control_failover_promote_failed: c('failover: promotion failed (no eligible replica)'),
  control_failover_replica_removed: c('failover: a dead replica removed, pending rebuild recorded'),
  control_failover_timer_skipped_deleted: c('failover: a deferred timer found its volume deleted'),
  control_failover_timer_skipped_epoch: c('failover: a deferred timer found the epoch changed'),
  control_failover_timers_cancelled: c('failover: deferred promotion timers cancelled (server back)'),
  control_failover_orphan_detected: c('failover: an orphaned primary detected'),
  control_failover_rebuild_skipped_deleted: c('recovery: volume deleted while the server was down'),
  control_failover_catchup_enqueued: c('recovery: a returning replica re-added for catch-up'),
  control_failover_rebuild_enqueued: c('recovery: a rebuild assignment enqueued'),
  control_failover_rebuild_empty_addr: c('recovery: the new primary has no rebuild address'),
  control_failover_primary_refreshed: c('failover: the primary re-sent after a replica address change'),
  // ---- control: assignment queue ----
  control_assignment_stale_pruned: c('assignment queue: an older-epoch assignment pruned at peek'),
  control_assignment_confirmed: c('assignment queue: a heartbeat confirmed pending assignments'),
  // ---- control: the volume server's sentinels ----
  control_volume_ErrInvalidRoleTransition: c('volume: invalid role transition'),
  control_volume_ErrInvalidAssignment: c('volume: invalid assignment transition'),
  control_volume_ErrDrainTimeout: c('volume: demotion drain timed out'),
  control_volume_ErrEpochRegression: c('volume: an assignment with an older epoch'),
  control_volume_ErrNotPrimary: c('write gate: not primary'),
  control_volume_ErrEpochStale: c('write gate: epoch stale'),
  control_volume_ErrLeaseExpired: c('write gate: lease expired'),
  control_volume_ErrEpochPersist: c('volume: persisting the epoch failed'),
  control_volume_ErrVolumeNotFound: c('volume: assignment for an unknown volume'),
  control_volume_ErrReplicaReceiver: c('volume: starting the replica receiver failed'),
  // ---- control: the ideal master ----
  control_ideal_lease_expired: c('ideal master: the primary\'s lease expired, failing over'),
  control_ideal_failover_no_candidate: c('ideal master: failover found no live candidate'),
  control_ideal_failover_target_unavailable: c('ideal master: operator failover target not live'),
  control_ideal_failover_promoted: c('ideal master: a new primary at a new epoch'),
  control_ideal_rebuild_assigned: c('ideal master: a replica reported needs_rebuild, rebuild assigned'),
} as const satisfies Record<string, MarkDef>;

export type MarkName = keyof typeof MARKS;

/** Every mark name, in id order. */
export const MARK_NAMES: readonly MarkName[] = Object.keys(MARKS) as MarkName[];

export const MARK_COUNT: number = MARK_NAMES.length;

/** Numeric id of each mark: `mark(M.storage_wal_full)`. */
export const M: { readonly [K in MarkName]: number } = Object.fromEntries(MARK_NAMES.map((n, i) => [n, i])) as { [K in MarkName]: number };

export const MARK_LAYERS: readonly MarkLayer[] = ['engine', 'storage', 'replication', 'control'];

/** The id of a mark by name, or -1 for a name not in the catalogue. */
export function markId(name: string): number {
  return Object.prototype.hasOwnProperty.call(M, name) ? M[name as MarkName] : -1;
}
