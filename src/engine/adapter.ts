// Adapters between the engine and the outside world (spec §9.6, §9.7): the StorageAdapter the
// driver pins through, the BlockVol reader/pinner contracts, the bridge StorageAdapter over them
// (shared pin-ID counter, wrapped errors, idempotent release), and the small pure control adapter
// (MakeReplicaID, ToAssignmentIntent). The declared-only ControlPlaneAdapter lives here too.
import { EngineError } from './errors.ts';
import { RetainedHistory } from './history.ts';
import { SessionKind } from './types.ts';
import type {
  AssignmentIntent,
  FullBasePin,
  ReplicaAssignment,
  ReplicaID,
  RetentionPin,
  SnapshotPin,
  VolumeHeartbeat,
} from './types.ts';

/** What the driver needs from the primary's storage: retained history and three kinds of pins. */
export interface StorageAdapter {
  getRetainedHistory(): RetainedHistory;
  pinSnapshot(checkpointLSN: number): { pin: SnapshotPin | null; err: EngineError | null };
  releaseSnapshot(pin: SnapshotPin): void;
  pinWALRetention(startLSN: number): { pin: RetentionPin | null; err: EngineError | null };
  releaseWALRetention(pin: RetentionPin): void;
  pinFullBase(committedLSN: number): { pin: FullBasePin | null; err: EngineError | null };
  releaseFullBase(pin: FullBasePin): void;
}

/** Declared upstream, implemented nowhere at the target (spec §9.6). */
export interface ControlPlaneAdapter {
  handleHeartbeat(serverID: string, volumes: readonly VolumeHeartbeat[]): AssignmentIntent[];
  handleFailover(deadServerID: string): AssignmentIntent[];
}

/** blockvol's V2 status as the bridge reads it (spec §9.7). */
export interface BlockVolState {
  readonly walHeadLSN: number;
  readonly walTailLSN: number;
  readonly committedLSN: number;
  readonly checkpointLSN: number;
  readonly checkpointTrusted: boolean;
}

export interface BlockVolReader {
  readState(): BlockVolState;
}

/** A storage hold: `release` is present iff `err` is null; calling it twice is harmless. */
export interface HoldResult {
  readonly release: (() => void) | null;
  readonly err: EngineError | null;
}

export interface BlockVolPinner {
  holdWALRetention(startLSN: number): HoldResult;
  holdSnapshot(checkpointLSN: number): HoldResult;
  holdFullBase(committedLSN: number): HoldResult;
}

/** Error codes of the bridge adapter's wrapped pin failures. */
export const StorageAdapterErrorCode = {
  SnapshotPin: 'snapshot_pin',
  WALRetentionPin: 'wal_retention_pin',
  FullBasePin: 'full_base_pin',
} as const;

/** sw-block/bridge/blockvol StorageAdapter: pins through a BlockVolPinner, one pin-ID counter for all kinds. */
export class BridgeStorageAdapter implements StorageAdapter {
  private lastPinID = 0;
  /** Release functions by pin ID; insertion-ordered, looked up by key only. */
  private readonly releases = new Map<number, () => void>();

  constructor(
    private readonly reader: BlockVolReader,
    private readonly pinner: BlockVolPinner,
  ) {}

  getRetainedHistory(): RetainedHistory {
    const s = this.reader.readState();
    return new RetainedHistory({
      headLSN: s.walHeadLSN,
      tailLSN: s.walTailLSN,
      committedLSN: s.committedLSN,
      checkpointLSN: s.checkpointLSN,
      checkpointTrusted: s.checkpointTrusted,
    });
  }

  pinSnapshot(checkpointLSN: number): { pin: SnapshotPin | null; err: EngineError | null } {
    const h = this.pinner.holdSnapshot(checkpointLSN);
    if (h.err !== null || h.release === null) {
      return { pin: null, err: wrapPinError(StorageAdapterErrorCode.SnapshotPin, `snapshot pin at LSN ${checkpointLSN}`, h.err) };
    }
    return { pin: { lsn: checkpointLSN, pinID: this.register(h.release), valid: true }, err: null };
  }

  releaseSnapshot(pin: SnapshotPin): void {
    this.release(pin.pinID);
  }

  pinWALRetention(startLSN: number): { pin: RetentionPin | null; err: EngineError | null } {
    const h = this.pinner.holdWALRetention(startLSN);
    if (h.err !== null || h.release === null) {
      return { pin: null, err: wrapPinError(StorageAdapterErrorCode.WALRetentionPin, `WAL retention pin at LSN ${startLSN}`, h.err) };
    }
    return { pin: { startLSN, pinID: this.register(h.release), valid: true }, err: null };
  }

  releaseWALRetention(pin: RetentionPin): void {
    this.release(pin.pinID);
  }

  pinFullBase(committedLSN: number): { pin: FullBasePin | null; err: EngineError | null } {
    const h = this.pinner.holdFullBase(committedLSN);
    if (h.err !== null || h.release === null) {
      return { pin: null, err: wrapPinError(StorageAdapterErrorCode.FullBasePin, `full base pin at LSN ${committedLSN}`, h.err) };
    }
    return { pin: { committedLSN, pinID: this.register(h.release), valid: true }, err: null };
  }

  releaseFullBase(pin: FullBasePin): void {
    this.release(pin.pinID);
  }

  /** Pin IDs whose release function is still held, ascending. */
  heldPinIDs(): number[] {
    return [...this.releases.keys()].sort((a, b) => a - b);
  }

  private register(release: () => void): number {
    this.lastPinID += 1;
    this.releases.set(this.lastPinID, release);
    return this.lastPinID;
  }

  /** Unknown or already released pin: no-op. */
  private release(pinID: number): void {
    const fn = this.releases.get(pinID);
    this.releases.delete(pinID);
    if (fn !== undefined) fn();
  }
}

function wrapPinError(code: string, prefix: string, cause: EngineError | null): EngineError {
  const inner = cause ?? new EngineError('hold_failed', 'hold returned no release function');
  return new EngineError(code, `${prefix}: ${inner.message}`, inner);
}

// --- control adapter (sw-block/bridge/blockvol/control_adapter.go) ---

/** Stable replica identity: "<volume>/<server-id>", never derived from an address. */
export function makeReplicaID(volumeName: string, serverID: string): ReplicaID {
  return `${volumeName}/${serverID}`;
}

/** One master assignment record as the control adapter receives it. */
export interface MasterAssignment {
  readonly volumeName: string;
  readonly epoch: number;
  readonly role: string;
  readonly primaryServerID: string;
  readonly replicaServerID: string;
  readonly dataAddr: string;
  readonly ctrlAddr: string;
  readonly addrVersion: number;
}

/**
 * Go's ControlAdapter.ToAssignmentIntent: the epoch comes from the primary record; every replica
 * record becomes a ReplicaAssignment; role replica -> catchup target, rebuilding -> rebuild
 * target, anything else -> no recovery target. recoveryTargets stays null (Go nil map) when no
 * replica has a target.
 */
export function toAssignmentIntent(primary: MasterAssignment, replicas: readonly MasterAssignment[]): AssignmentIntent {
  const assignments: ReplicaAssignment[] = [];
  let targets: Record<ReplicaID, SessionKind> | null = null;
  for (const r of replicas) {
    const id = makeReplicaID(r.volumeName, r.replicaServerID);
    assignments.push({ replicaID: id, endpoint: { dataAddr: r.dataAddr, ctrlAddr: r.ctrlAddr, version: r.addrVersion } });
    const kind = roleToSessionKind(r.role);
    if (kind !== null) {
      targets ??= {};
      targets[id] = kind;
    }
  }
  return { replicas: assignments, epoch: primary.epoch, recoveryTargets: targets };
}

/** Pure translation of a master role: replica -> catchup, rebuilding -> rebuild, else none. */
export function roleToSessionKind(role: string): SessionKind | null {
  if (role === 'replica') return SessionKind.CatchUp;
  if (role === 'rebuilding') return SessionKind.Rebuild;
  return null;
}
