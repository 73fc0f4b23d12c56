// The shared internal state of one BlockVolume: geometry, in-memory superblock, WAL writer,
// dirty map, locks, LSN counter, live flusher checkpoint, floors, hooks and the reset log.
// The step modules (write_path, flusher, truncate, rebuild_installer, snapshot_export,
// superblock_persist, recovery) operate on it; BlockVolume (volume.ts) is the public facade.

import type { Disk } from '../disk.ts';
import type { DirtyMap } from './dirty_map.ts';
import type { StorageBugSwitches } from './bugs.ts';
import type { VolumeLocks } from './locks.ts';
import type { SuperblockFields } from './superblock.ts';
import type { WALWriter } from './wal_writer.ts';
import type { WALEntry } from './wal_entry.ts';

/** A flush cycle that set the checkpoint to a retention floor below the one before (spec H2). */
export interface CheckpointLowering {
  readonly from: number;
  readonly to: number;
}

export interface Geometry {
  readonly blockSize: number;
  readonly numBlocks: number;
  readonly volumeSize: number;
  readonly walOffset: number;
  readonly walSize: number;
  readonly extentOffset: number;
}

export type VolumeRole = 'primary' | 'replica' | 'none';

/** `found: false` = no floor (Go's `(0, false)`). */
export interface FloorResult {
  readonly lsn: number;
  readonly found: boolean;
}
export type FloorFn = () => FloorResult;

export interface ReceiverHooks {
  setReceivedLSN(lsn: number): void;
}

/** truncate: TruncateToLSN; install: RebuildInstaller.Commit; v1-install: V1 rebuildFullExtent's handoff. */
export type ResetKind = 'truncate' | 'install' | 'v1-install';

/** One explicit reset (truncate / install / v1-install) with the state captured when it completed. */
export interface ResetRecord {
  readonly seq: number;
  readonly kind: ResetKind;
  /** truncate: t; install and v1-install: s (the snapshot LSN). */
  readonly lsn: number;
  /** Persisted checkpoint read under the locks just before the reset. */
  readonly checkpointAtReset: number;
  readonly walEmpty: boolean;
  readonly dirtyEmpty: boolean;
  readonly liveCheckpoint: number;
  readonly persistedCheckpoint: number;
  readonly nextLSN: number;
  /** Value pushed through ReceiverHooks.setReceivedLSN (null if no hooks installed). */
  readonly receivedLSNSet: number | null;
  /** Readable content of the whole volume when the reset completed. */
  readonly image: Uint8Array;
}

export interface VolumeTunables {
  /** WAL-full retries of a write/apply before it fails (each yields 'write:wal-full-wait'). */
  readonly walFullRetries: number;
  /** ApplyRebuildEntry retries on WAL full (Go: 100). */
  readonly rebuildApplyRetries: number;
  /** Extent chunk size of exports (Go: 64 KiB). */
  readonly exportChunkSize: number;
  /**
   * Port hardening, off by default (target behaviour): zero stale WAL bytes — the whole region when
   * truncate/install resets it (hazard HS1) and the free space beyond the recovered head on open
   * (hazard HS3) — so crash recovery cannot replay entries of a discarded history (docs/storage.md).
   */
  readonly scrubStaleWAL: boolean;
}

export interface VolumeState {
  readonly disk: Disk;
  readonly geo: Geometry;
  readonly wal: WALWriter;
  readonly dirty: DirtyMap;
  readonly locks: VolumeLocks;
  readonly bugs: StorageBugSwitches;
  readonly tun: VolumeTunables;
  sb: SuperblockFields;
  nextLSN: number;
  flusherCheckpoint: number;
  role: VolumeRole;
  masterEpoch: number;
  leaseValid: boolean;
  closed: boolean;
  shipperFloor: FloorFn | null;
  v2Floor: FloorFn | null;
  shipHooks: ((e: WALEntry) => void)[];
  receiverHooks: ReceiverHooks | null;
  /** Called by every flush cycle that flushed something, just before the floor (EvaluateRetentionBudgets). */
  retentionBudgetHook: (() => void) | null;
  opSeq: number;
  /** Buffers (WAL-entry reads) the flusher made, for the B32 resource check. */
  flushBuffersRead: number;
  /** Distinct WAL entries read by flushes (B32 bound). */
  flushDistinctEntries: number;
  /** The last flush cycle whose retention hold lowered the checkpoint (H2), for the checks; null: none. */
  holdLowering: CheckpointLowering | null;
  resets: ResetRecord[];
  /** LSNs allocated under shipMu whose append attempt has not finished (W1 ignores them). */
  inFlight: number[];
  /** LSNs allocated whose append failed since the last reset (H1: burned), for the checks. */
  burned: number[];
  /** Highest LSN published into the dirty map per LBA since the last reset (0: none). */
  readonly publishedLSN: Float64Array;
  /**
   * LBAs whose last publication was older than one before it (H11: two writes' publications ran
   * in the opposite order of their LSNs, so the dirty map, and then the extent, hold the older
   * data): LBA -> the LSN published and the newer one it covered. A newer publication clears it.
   */
  readonly publishInversions: Map<number, { readonly lsn: number; readonly over: number }>;
  /** Entries appended by WriteLBA/Trim and not yet published to the dirty map: LSN -> first LBA, blocks. */
  readonly unpublished: Map<number, { readonly lba: number; readonly blocks: number }>;
  /** LBAs whose entry was still unpublished when a flush set the checkpoint at or above its LSN (H11 checkpoint form). */
  readonly passedUnpublished: Map<number, { readonly lsn: number; readonly checkpoint: number }>;
  /** LSNs of replica applies appended to the WAL whose nextLSN CAS has not happened yet. */
  applying: number[];
}

/** Unique owner name for a lock holder (deterministic per volume). */
export function ownerName(v: VolumeState, kind: string): string {
  v.opSeq += 1;
  return `${kind}#${v.opSeq}`;
}

/** Chained retention floor: the minimum of the shipper floor and the V2 pinner floor. */
export function retentionFloor(v: VolumeState): FloorResult {
  const a = v.shipperFloor ? v.shipperFloor() : { lsn: 0, found: false };
  const b = v.v2Floor ? v.v2Floor() : { lsn: 0, found: false };
  if (a.found && b.found) return { lsn: Math.min(a.lsn, b.lsn), found: true };
  if (a.found) return a;
  if (b.found) return b;
  return { lsn: 0, found: false };
}
