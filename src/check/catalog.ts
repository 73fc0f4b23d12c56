// The invariant catalog: every invariant the model checker knows, with its stable id, one-line
// meaning, the layer that checks it, and whether the spec marks it *candidate* (believed violable
// in the upstream target; reported as a finding, a failure only under --strict). One place of
// definition: checkers refer to these ids, the summary and docs render this table.

export type InvariantGroup = 'engine' | 'storage' | 'replication' | 'end-to-end' | 'reddb' | 'simulator';

export interface InvariantInfo {
  readonly id: string;
  readonly group: InvariantGroup;
  readonly meaning: string;
  readonly candidate: boolean;
}

/** A violation reported by a checker. `candidate` copies the catalog flag unless a checker knows better. */
export interface Failure {
  readonly id: string;
  readonly message: string;
  readonly candidate: boolean;
}

const I = (id: string, meaning: string, candidate = false): InvariantInfo => ({ id, group: 'engine', meaning, candidate });
const W = (id: string, group: InvariantGroup, meaning: string, candidate = false): InvariantInfo => ({ id, group, meaning, candidate });

export const INVARIANTS: readonly InvariantInfo[] = [
  I('I1', 'a sender holds no session or exactly one active session'),
  I('I2', 'a live session has the sender\'s epoch'),
  I('I3', 'session IDs are positive, strictly increasing per engine, never reinstalled'),
  I('I4', 'an execution call with a stale session ID fails and changes nothing'),
  I('I5', 'session phases move only along the allowed edges; terminal phases never change'),
  I('I6', 'a stopped sender has no session, forever'),
  I('I7', 'after an epoch bump no active session has an older epoch'),
  I('I8', 'an endpoint change invalidates the session in the same step; sender identity is stable per ReplicaID'),
  I('I9', 'a stale assignment (intent epoch below the sender\'s) creates no session'),
  I('I10', 'outcome zero_gap iff replica flushed LSN equals committed LSN'),
  I('I11', 'catch-up is frozen and bounded: start <= recoveredTo <= frozen target'),
  I('I12', 'progress is monotone and EntriesReplayed == recoveredTo - startLSN'),
  I('I13', 'CompleteSessionByID succeeds only at convergence (and after a required truncation)'),
  I('I14', 'truncation contract: truncateRequired implies truncateTo == start == target; recorded implies required'),
  I('I15', 'a budget violation invalidates the session and sets needs_rebuild in the same step'),
  I('I16', 'a catch-up plan (R, C] is physically present in the primary WAL while its pin is held'),
  I('I17', 'outcome catchup comes with a recoverable proof', true),
  I('I18', 'rebuild sessions never complete through catch-up APIs; only rebuild sessions have rebuild state'),
  I('I19', 'rebuild FSM order and strictly increasing transfer/tail progress; tail replay only after the base reached the snapshot'),
  I('I20', 'CompleteRebuild succeeds only when the rebuild is ready to complete'),
  I('I21', 'snapshot_tail is chosen only with a trusted, non-zero, replayable checkpoint and committed > 0'),
  I('I22', 'a rebuild executes exactly the plan\'s source, snapshot LSN and target'),
  I('I23', 'pins are released when an executor or failed plan returns; zero holds at quiescence'),
  I('I24', 'each plan holds exactly the pins its source needs (none for zero-gap and truncation-only)'),
  I('I25', 'a failed plan leaves no dangling session'),
  I('I26', 'the recovery log is causal (endpoint_changed only on real changes, one release per executor, escalations logged)'),
  I('I27', 'CancelPlan of a session-less plan does not demote an in_sync sender', true),
  W('W1', 'storage', 'WAL LSNs strictly increase and are contiguous between checkpoint and head', true),
  W('W2', 'replication', 'shipped entries arrive in LSN order and replicas apply contiguously'),
  W('W3', 'replication', 'a replica\'s flushedLSN grows only by barrier after fsync, and is durable', true),
  W('W4', 'replication', 'the primary\'s view of replica flushed LSN is monotone and bounded by its head', true),
  W('W5', 'replication', 'a shipper enters InSync only through a barrier or reconnect handshake'),
  W('W6', 'replication', 'a sync_all acknowledgement means every replica durably holds the LSNs', true),
  W('W7', 'replication', 'the reconnect handshake lands in the state the R/S/H matrix gives'),
  W('W8', 'replication', 'catch-up starts at the handshake\'s R + 1'),
  W('W9', 'storage', 'the retention floor is honoured: held LSNs are never reclaimed'),
  W('W10', 'storage', 'the checkpoint is sound and only regresses through explicit resets', true),
  W('W11', 'storage', 'TruncateToLSN succeeds only when safe and leaves exactly LSN t'),
  W('W12', 'storage', 'a rebuild install leaves one truth (nextLSN, checkpoint, receiver progress)'),
  W('W13', 'storage', 'a full-extent rebuild fixes its split boundary before copying'),
  W('W14', 'replication', 'entries, barriers and rebuild requests are fenced by epoch'),
  W('E1', 'end-to-end', 'a replica the engine marks in_sync holds the primary\'s content at the target'),
  W('E2', 'end-to-end', 'no write acknowledged under sync_all is lost'),
  W('E3', 'end-to-end', 'after faults stop, every replica converges to in_sync (or rebuilds) within a bound'),
  W('LIVELOCK', 'simulator', 'a run reaches its planned end within the default step cap (a run that never ends passes nothing)'),
  W('SCENARIO', 'simulator', 'a scenario file\'s action ran before its timeout and each of its assertions held (src/scenario)'),
  W('CRASH', 'simulator', 'no step throws: an exception in the code under test (a Go panic) or in the simulator fails the run'),
  W('R1', 'reddb', 'after repair the spool is the longest valid prefix holding every acknowledged append', true),
  W('R2', 'reddb', 'the seek index points at valid frames and read_since returns exactly lsn > x'),
  W('R3', 'reddb', 'pruning never removes a frame above the slot retention floor'),
  W('R4', 'reddb', 'resume decision: partial resync iff the slot is valid and the gap is retained'),
  W('R5', 'reddb', 'slot positions never decrease; invalidation is permanent'),
];

const BY_ID = new Map(INVARIANTS.map((i) => [i.id, i]));

export function invariantInfo(id: string): InvariantInfo {
  const i = BY_ID.get(id);
  if (i === undefined) throw new Error(`unknown invariant id ${id}`);
  return i;
}

export function failure(id: string, message: string): Failure {
  return { id, message, candidate: invariantInfo(id).candidate };
}
