// The narrow surface the data path needs from a block volume (the storage layer's BlockVolume
// satisfies these interfaces structurally). The primary side ships, scans and serves rebuilds;
// the replica side applies entries, fsyncs and installs rebuilt state. Every call is synchronous
// and returns an error value instead of throwing.

import type { BlockVolState } from '../engine/adapter.ts';
import type { EngineError } from '../engine/errors.ts';
import type { WALEntry } from '../storage/blockvol/wal_entry.ts';

export type { WALEntry };

/** V2 status snapshot (spec §10.9). */
export type VolumeStatus = BlockVolState;

/** Full-extent export: force-flushed first, boundary fixed at snapshotLSN = nextLSN, then copied. */
export interface FullExtentExport {
  readonly chunks: readonly Uint8Array[];
  readonly snapshotLSN: number;
}

/** Exact-boundary snapshot export (force-flushed; checkpoint must equal the requested base). */
export interface SnapshotExport {
  readonly chunks: readonly Uint8Array[];
  readonly manifest: { readonly baseLSN: number };
}

/** Retention floor: `found` false means "no floor". */
export interface FloorResult {
  readonly lsn: number;
  readonly found: boolean;
}

export interface RebuildInstaller {
  /** Append the next sequential chunk of the extent image. */
  writeChunk(data: Uint8Array): EngineError | null;
  /** Install: checkpoint s-1, nextLSN s, receivedLSN s-1 (spec §10.10). Once only. */
  commit(s: number): EngineError | null;
}

/** What the replica receiver exposes to the volume so truncate/install can reset it. */
export interface ReceiverHooks {
  setReceivedLSN(lsn: number): void;
}

interface VolumeBase {
  epoch(): number;
  nextLSN(): number;
  /** nextLSN - 1 (0 when nothing was written). */
  headLSN(): number;
  /** Live (in-memory) flusher checkpoint. */
  checkpointLSN(): number;
  /** Superblock checkpoint (what survived the last persist). */
  persistedCheckpointLSN(): number;
  /** fsync the volume file. */
  syncLocal(): EngineError | null;
  statusSnapshot(): VolumeStatus;
}

export interface PrimaryVolumePort extends VolumeBase {
  /** Register the fan-out called under shipMu for every appended entry. */
  onShip(fn: (entry: WALEntry) => void): void;
  /**
   * WRITE/TRIM entries with LSN >= fromLSN present now; recycled boundary = live checkpoint.
   * `fn` must return nothing: the real volume treats a truthy return as an error that stops the scan.
   */
  scanFrom(fromLSN: number, fn: (entry: WALEntry) => void): EngineError | null;
  /** Same, with the persisted superblock checkpoint as the recycled boundary (V2 primitive). */
  scanWALEntries(fromLSN: number, fn: (entry: WALEntry) => void): EngineError | null;
  forceFlush(): EngineError | null;
  /** ForceFlush + boundary + extent copy (errors: FLUSH_FAILED-prefixed message, disk errors). */
  exportFullExtent(): FullExtentExport | EngineError;
  /** ForceFlush + checkpoint check (snapshot_boundary_mismatch) + extent copy. */
  exportSnapshot(baseLSN: number): SnapshotExport | EngineError;
  setShipperFloorFn(fn: () => FloorResult): void;
}

export interface ReplicaVolumePort extends VolumeBase {
  /**
   * Contiguous replica apply, completing through `done` (it may interleave with other operations
   * on the volume). Under ioMu shared it first calls `admit` (the receiver's epoch and contiguity
   * checks, made under its mu); when that refuses, nothing is applied and `done(null)` follows.
   * Otherwise WAL append (may fail with wal_full), dirty map, CAS nextLSN.
   */
  appendReplicaEntry(entry: WALEntry, admit: () => boolean, done: (err: EngineError | null) => void): void;
  /** Rebuild apply: no contiguity or epoch check. */
  applyRebuildEntry(entry: WALEntry): EngineError | null;
  setReceiverHooks(hooks: ReceiverHooks): void;
  truncateToLSN(t: number): EngineError | null;
  newRebuildInstaller(): RebuildInstaller;
}

/**
 * V1 full-extent install (rebuild.go rebuildFullExtent): sequential chunk writes into the extent,
 * then the handoff Go does inline — fsync, clear the dirty map, reset the WAL, superblock
 * WALHead = WALTail = 0 and checkpoint s-1, flusher checkpoint s-1. Unlike RebuildInstaller.commit
 * it pauses no flusher, takes no ioMu and leaves nextLSN and receivedLSN alone.
 */
export interface V1ExtentInstaller {
  writeChunk(data: Uint8Array): EngineError | null;
  commitV1(s: number): EngineError | null;
}

/** What V1's StartRebuild (rebuild.go) needs of the rebuilding volume beyond ReplicaVolumePort. */
export interface V1RebuildVolumePort extends ReplicaVolumePort {
  newV1ExtentInstaller(): V1ExtentInstaller;
  /** syncLSNAfterRebuild's CAS loop: nextLSN := max(nextLSN, lsn). */
  advanceNextLSN(lsn: number): void;
}

/** syncLSNAfterRebuild's receiver half: under the receiver's mu, receivedLSN := max(receivedLSN, lsn). */
export interface RebuildReceiverHooks {
  advanceReceivedLSN(lsn: number): void;
}
