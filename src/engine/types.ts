// Core vocabulary of the engine (spec §1): endpoints, sender and session states, outcomes,
// rebuild phases, budgets and the plain value types passed across the engine's API.
// Every string value is exactly the Go constant's string so logs and traces compare 1:1.

/** Stable identity of a replica ("<volume>/<server-id>" in the bridge). Never derived from an address. */
export type ReplicaID = string;

/** Where a replica listens. `version` is bumped by the control plane when an address changes. */
export interface Endpoint {
  readonly dataAddr: string;
  readonly ctrlAddr: string;
  readonly version: number;
}

/** Go's `ep.Changed(other)`: true iff any of the three fields differ. */
export function endpointChanged(a: Endpoint, b: Endpoint): boolean {
  return a.dataAddr !== b.dataAddr || a.ctrlAddr !== b.ctrlAddr || a.version !== b.version;
}

export const ReplicaState = {
  Disconnected: 'disconnected',
  Connecting: 'connecting',
  CatchingUp: 'catching_up',
  InSync: 'in_sync',
  Degraded: 'degraded',
  NeedsRebuild: 'needs_rebuild',
} as const;
export type ReplicaState = (typeof ReplicaState)[keyof typeof ReplicaState];

export const SessionKind = {
  Bootstrap: 'bootstrap',
  CatchUp: 'catchup',
  Rebuild: 'rebuild',
  Reassign: 'reassign',
} as const;
export type SessionKind = (typeof SessionKind)[keyof typeof SessionKind];

export const SessionPhase = {
  Init: 'init',
  Connecting: 'connecting',
  Handshake: 'handshake',
  CatchUp: 'catchup',
  Completed: 'completed',
  Invalidated: 'invalidated',
} as const;
export type SessionPhase = (typeof SessionPhase)[keyof typeof SessionPhase];

/** Allowed `advance(to)` edges (spec §1.4); terminal phases allow nothing. */
export const VALID_TRANSITIONS: Readonly<Record<SessionPhase, readonly SessionPhase[]>> = {
  init: ['connecting', 'invalidated'],
  connecting: ['handshake', 'invalidated'],
  handshake: ['catchup', 'completed', 'invalidated'],
  catchup: ['completed', 'invalidated'],
  completed: [],
  invalidated: [],
};

export const RecoveryOutcome = {
  ZeroGap: 'zero_gap',
  CatchUp: 'catchup',
  NeedsRebuild: 'needs_rebuild',
} as const;
export type RecoveryOutcome = (typeof RecoveryOutcome)[keyof typeof RecoveryOutcome];

export const RebuildSource = {
  SnapshotTail: 'snapshot_tail',
  FullBase: 'full_base',
} as const;
export type RebuildSource = (typeof RebuildSource)[keyof typeof RebuildSource];

export const RebuildPhase = {
  Init: 'init',
  SourceSelect: 'source_select',
  Transfer: 'transfer',
  TailReplay: 'tail_replay',
  Completed: 'completed',
  Aborted: 'aborted',
} as const;
export type RebuildPhase = (typeof RebuildPhase)[keyof typeof RebuildPhase];

export const BudgetViolation = {
  OK: '',
  DurationExceeded: 'duration_exceeded',
  EntriesExceeded: 'entries_exceeded',
  ProgressStalled: 'progress_stalled',
} as const;
export type BudgetViolation = (typeof BudgetViolation)[keyof typeof BudgetViolation];

/** Replica's reported durable point, the lineage-safe target and the oldest retained LSN (0 = all). */
export interface HandshakeResult {
  readonly replicaFlushedLSN: number;
  readonly committedLSN: number;
  readonly retentionStartLSN: number;
}

/** Zero in a field = no limit in that dimension. */
export interface CatchUpBudget {
  readonly maxDurationTicks: number;
  readonly maxEntries: number;
  readonly progressDeadlineTicks: number;
}

/** Per-session runtime tracker, always present even without a budget. */
export interface BudgetCheck {
  startTick: number;
  entriesReplayed: number;
  lastProgressTick: number;
}

/** Detached copy of a session (spec §1.9). Rebuild fields are '' for non-rebuild sessions. */
export interface SessionSnapshot {
  readonly id: number;
  readonly replicaID: ReplicaID;
  readonly epoch: number;
  readonly kind: SessionKind;
  readonly phase: SessionPhase;
  readonly invalidateReason: string;
  readonly startLSN: number;
  readonly targetLSN: number;
  readonly frozenTargetLSN: number;
  readonly recoveredTo: number;
  readonly active: boolean;
  readonly truncateRequired: boolean;
  readonly truncateToLSN: number;
  readonly truncateRecorded: boolean;
  readonly rebuildSource: RebuildSource | '';
  readonly rebuildPhase: RebuildPhase | '';
}

export interface ReplicaAssignment {
  readonly replicaID: ReplicaID;
  readonly endpoint: Endpoint;
}

export interface AssignmentIntent {
  readonly replicas: readonly ReplicaAssignment[];
  readonly epoch: number;
  /** null/undefined = no recovery targets (Go nil map). Iterated in ascending ReplicaID order. */
  readonly recoveryTargets?: Readonly<Record<ReplicaID, SessionKind>> | null;
}

export interface AssignmentResult {
  added: ReplicaID[];
  removed: ReplicaID[];
  sessionsCreated: ReplicaID[];
  sessionsSuperseded: ReplicaID[];
  sessionsFailed: ReplicaID[];
}

export interface RecoverabilityProof {
  readonly replicaFlushedLSN: number;
  readonly committedLSN: number;
  readonly tailLSN: number;
  readonly headLSN: number;
  readonly recoverable: boolean;
  readonly reason: string;
}

export interface RetentionPin { readonly startLSN: number; readonly pinID: number; readonly valid: boolean }
export interface SnapshotPin { readonly lsn: number; readonly pinID: number; readonly valid: boolean }
export interface FullBasePin { readonly committedLSN: number; readonly pinID: number; readonly valid: boolean }

export interface CatchUpOptions {
  readonly targetLSN: number;
  readonly startTick: number;
  readonly completeTick: number;
  readonly truncateLSN: number;
}

export interface RecoveryEvent {
  readonly replicaID: ReplicaID;
  readonly sessionID: number;
  readonly event: string;
  readonly detail: string;
}

export interface SenderStatus {
  readonly replicaID: ReplicaID;
  readonly endpoint: Endpoint;
  readonly epoch: number;
  readonly state: ReplicaState;
  readonly stopped: boolean;
  readonly session: SessionSnapshot | null;
}

export interface RegistryStatus {
  readonly senders: readonly SenderStatus[];
  readonly totalCount: number;
  readonly inSync: number;
  readonly recovering: number;
  readonly degraded: number;
  readonly rebuilding: number;
}

/** Only referenced by the (unimplemented upstream) ControlPlaneAdapter interface. */
export interface VolumeHeartbeat {
  readonly volumeID: number;
  readonly replicaID: ReplicaID;
  readonly epoch: number;
  readonly flushedLSN: number;
  readonly state: string;
  readonly dataAddr: string;
  readonly ctrlAddr: string;
  readonly addrVersion: number;
}
