// The names a scenario may use, taken from the layers that own them — engine states, session
// kinds and recovery-log events, executor step labels, invariant ids, bug switches, durability
// modes, profiles — so a scenario validates against what the simulator actually has. Only the
// vocabulary that exists nowhere else in code (finding ids, fault kinds, message kinds) is
// defined here; test/scenario/names.test.ts pins the executor step labels to the engine source.
import { ENGINE_BUGS } from '../engine/context.ts';
import { RECOVERY_EVENTS } from '../engine/recovery_log.ts';
import { ReplicaState, SessionKind } from '../engine/types.ts';
import { REPLICATION_BUGS } from '../replication/bugs.ts';
import { WAL_RETENTION_TIMEOUT_MS } from '../replication/timing.ts';
import { PROFILE_NAMES } from '../sim/profile.ts';
import { GEOMETRY } from '../sim/cluster.ts';
import { STORAGE_BUGS } from '../storage/blockvol/bugs.ts';
import { INVARIANTS } from '../check/catalog.ts';

type NonEmpty = [string, ...string[]];
const nonEmpty = (xs: readonly string[]): NonEmpty => [xs[0]!, ...xs.slice(1)];

/** Engine sender states (spec §1); the shipper's six states use the same names. */
export const SENDER_STATES = nonEmpty(Object.values(ReplicaState));
export const SHIPPER_STATES = SENDER_STATES;
export const SESSION_KINDS = nonEmpty(Object.values(SessionKind));
export const EVENTS = nonEmpty(RECOVERY_EVENTS);
export const INVARIANT_IDS = nonEmpty(INVARIANTS.map((i) => i.id));
export const CANDIDATE_INVARIANTS: ReadonlySet<string> = new Set(INVARIANTS.filter((i) => i.candidate).map((i) => i.id));
export const BUG_IDS = nonEmpty([...Object.keys(ENGINE_BUGS), ...Object.keys(STORAGE_BUGS), ...Object.keys(REPLICATION_BUGS)]);
export const PROFILES = nonEmpty(PROFILE_NAMES);
export const DURABILITY_MODES = ['sync_all', 'sync_quorum', 'best_effort'] as const;

/**
 * Findings (README "Invariants and findings"): violations whose cause is target behaviour, named
 * in the failure message. The spec's hazards H1 and H3, and this project's H20–H30. The two
 * unnamed findings of the README (in-flight appends, barrier epoch after wait) have no id yet.
 */
export const FINDING_IDS = nonEmpty(['H1', 'H3', 'H20', 'H21', 'H22', 'H23', 'H24', 'H25', 'H27', 'H28', 'H29', 'H30', 'H31', 'H32']);

/**
 * Executor step labels in IO mode (the simulator's mode), in order: each is one sender call the
 * executor makes, one `yield this.step(label)` of src/engine/catchup_executor.ts and
 * rebuild_executor.ts. I/O yields are not steps. A catch-up runs at most 4 steps (3 without a
 * truncation); a rebuild 9 (snapshot_tail) or 6 (full_base).
 */
export const CATCHUP_STEPS = ['beginCatchUp', 'recordCatchUpProgress', 'recordTruncation', 'invalidateSession', 'completeSessionByID'] as const;
export const REBUILD_STEPS = ['beginConnect', 'recordHandshake', 'selectRebuildSource', 'beginRebuildTransfer', 'recordRebuildTransferProgress', 'checkSession', 'beginRebuildTailReplay', 'recordRebuildTailProgress', 'completeRebuild'] as const;
export const EXECUTOR_MAX_STEPS = { catchup: 4, rebuild: 9 } as const;
export const EXECUTOR_STEP_NAMES = nonEmpty([...new Set([...CATCHUP_STEPS, ...REBUILD_STEPS])]);

/** Fault kinds the seed may still draw (each is one rate of src/sim/profile.ts FaultPlan). */
export const FAULT_KINDS = nonEmpty([
  'reset', 'drop', 'duplicate', 'reorder', 'partition', 'isolate_primary', 'crash', 'new_address', 'pause',
  'epoch_bump', 'endpoint_change', 'torn_write', 'disk_error',
]);

/**
 * Message kinds for drop_next / delay_next / duplicate_next / reset_next. Datagrams (the control
 * plane and the engine's RPCs) may be dropped, delayed and duplicated. Stream frames travel on
 * TCP-like connections (src/sim/network.ts: in order, at most once), so they can be delayed or have
 * their connection reset, never dropped alone or duplicated. Client commands (iSCSI over TCP) too.
 */
export const DATAGRAM_KINDS = ['heartbeat', 'assignment', 'probe', 'probe_reply', 'executor_io', 'executor_io_reply'] as const;
export const STREAM_KINDS = [
  'wal_entry', 'resume_ship_req', 'resume_ship_resp', 'catchup_done', 'barrier_req', 'barrier_resp',
  'rebuild_req', 'rebuild_entry', 'rebuild_extent', 'rebuild_done', 'rebuild_error',
  'client_write', 'client_trim', 'client_read', 'client_sync',
] as const;
export const MESSAGE_KINDS = nonEmpty([...DATAGRAM_KINDS, ...STREAM_KINDS]);

/** Hosts that are not volume servers but can be partitioned: the master and the client. */
export const NON_SERVER_HOSTS = ['master', 'client'] as const;

/** Cluster defaults: the simulator's own constants where it has one (src/sim/cluster.ts, node.ts). */
export const CLUSTER_DEFAULTS = {
  servers: ['n1', 'n2', 'n3'],
  durability: 'sync_all',
  blockSize: GEOMETRY.blockSize,
  numBlocks: GEOMETRY.numBlocks,
  walSize: GEOMETRY.walSize,
  flusherIntervalMs: 100,
  heartbeatIntervalMs: 500,
  leaseMs: 3000,
  retryMs: 1000,
  retentionTimeoutMs: WAL_RETENTION_TIMEOUT_MS,
  latencyMinMs: 1,
  latencyMaxMs: 3,
  dialTimeoutMs: 3000,
  interleavePermille: 100,
} as const;
