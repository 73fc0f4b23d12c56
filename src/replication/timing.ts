// Timing constants of the blockvol data path (spec §10.11), in virtual milliseconds. Every
// timeout is armed with Timers.after; nothing here reads a wall clock.

export const SHIP_DIAL_TIMEOUT_MS = 3_000;
export const SHIP_WRITE_DEADLINE_MS = 3_000;
export const BARRIER_DEADLINE_MS = 5_000;
export const REPLICA_BARRIER_WAIT_MS = 5_000;
export const CATCHUP_DEADLINE_MS = 30_000;
export const MAX_CATCHUP_RETRIES = 3;
export const WAL_RETENTION_TIMEOUT_MS = 5 * 60_000;
export const GROUP_COMMIT_MAX_DELAY_MS = 1;
export const GROUP_COMMIT_MAX_BATCH = 64;
export const WAL_FULL_RETRY_MS = 1;
/** blockvol's default WALFullTimeout (the receiver's append retry budget). */
export const WAL_FULL_TIMEOUT_MS = 5_000;
/** Rebuild server extent chunk size. */
export const REBUILD_CHUNK_BYTES = 64 * 1024;
/** Rebuild client: give up when no frame arrives for this long. */
export const REBUILD_IDLE_TIMEOUT_MS = 30_000;
/**
 * V1 StartRebuild dials with net.Dial (no timeout of its own): the kernel gives up on an
 * unanswered SYN after tcp_syn_retries = 6 retransmissions, about 127 s (Linux default).
 */
export const V1_REBUILD_DIAL_TIMEOUT_MS = 127_000;
