// The storage shape of one seed (issue #14): the volume geometry and the blockvol tunables every
// server of the seed runs with, drawn through the chooser within what upstream allows, so seeds
// reach the branches a single fixed shape never does — small WALs that fill, slow flushers whose
// first checkpoint comes late, failovers before any server flushed (a primary holding data with
// checkpoint 0, whose rebuilds are full-base).
//
// Upstream evidence (weed/storage/blockvol at c7eb87c58 and 3ec8fab2f):
// - superblock.go NewSuperblock: BlockSize default 4096, WALSize default 64 MiB; Validate()
//   needs BlockSize, VolumeSize, WALSize non-zero and VolumeSize % BlockSize == 0; the volume
//   size is the caller's (CreateOptions.VolumeSize; iscsi-target main.go -size/-wal-size flags,
//   volume_server_block.go CreateBlockVol; preset.go WALSizeRec 64 or 128 MiB).
// - config.go BlockVolConfig: WALFullTimeout (default 5s, Validate: > 0) bounds appendWithRetry's
//   1 ms WAL-full polls (blockvol.go); FlushInterval (default 100ms, Validate: > 0) is the
//   flusher's ticker (flusher.go NewFlusher cfg.Interval).
// - Checkpoint cadence has no knob of its own: every FlushOnce that flushed something persists
//   WALCheckpointLSN (flusher.go), so the cadence is FlushInterval plus the WAL-full nudges
//   (NotifyUrgent). It is drawn here through the flusher interval.
// - An untrusted checkpoint (StatusSnapshot's CheckpointTrusted = super.Validate() == nil) has no
//   mechanism: OpenBlockVol refuses a superblock that fails Validate, and no later mutation
//   (WALHead/WALTail/WALCheckpointLSN, Epoch, PreparedSize+ExpandEpoch set and cleared together)
//   can make the in-memory copy fail it. A zero checkpoint does: a fresh volume (CreateBlockVol:
//   WALCheckpointLSN 0) holds data until its first flush, and a crash-restart before that flush
//   recovers the data from the WAL with the checkpoint still 0.
// - rebuild.go handleFullExtent / handleSnapshotExport: the extent goes out in 64 KiB chunks
//   (rebuildExtentChunkSize), each a ReadAt plus a WriteFrame on the connection, so a rebuild's
//   copy lasts as long as the volume takes to read and send — seconds for a GiB, minutes for
//   a large volume. The simulator's volumes are a few hundred bytes; `rebuildTransferMs` is the
//   time the copy of the volume it stands for takes (0: the copy is as quick as the bytes it has).
//
// The simulator scales sizes down (16-byte blocks instead of 4 KiB, a WAL of tens to hundreds of
// entries instead of ~16 thousand) and keeps their ratios meaningful. Every shape stays
// recoverable (design principle 6): the WAL holds at least three of the largest client entries
// (an emptied WAL always takes the next write, padding at the wrap included), the WAL-full
// timeout is positive, and a slow flusher is still nudged by every WAL-full wait.
import { between, chance, pick, type Chooser } from './chooser.ts';
import { WAL_ENTRY_HEADER_SIZE } from '../storage/blockvol/wal_entry.ts';

export interface StorageShape {
  /** Superblock BlockSize in bytes (a multiple of the simulated disk's 16-byte sector). */
  readonly blockSize: number;
  /** VolumeSize / BlockSize. */
  readonly numBlocks: number;
  /** Superblock WALSize in bytes. */
  readonly walSize: number;
  /** BlockVolConfig.WALFullTimeout: how long an append polls a full WAL (every 1 ms) before failing. */
  readonly walFullTimeoutMs: number;
  /** BlockVolConfig.FlushInterval: the flusher's period. */
  readonly flushIntervalMs: number;
  /** The first primary crashes at this virtual time, before any flusher ran on a slow-flush shape (null: no such crash). */
  readonly earlyPrimaryCrashMs: number | null;
  /** ...and restarts this long after (drawn up front, so the crash itself draws nothing). */
  readonly earlyCrashRestartMs: number;
  /**
   * How long a rebuild server takes to send the volume's extent (the size of the volume this
   * shape stands for over the rebuild link); 0 = as long as the simulator's bytes take.
   */
  readonly rebuildTransferMs: number;
}

/** Block sizes drawn (bytes): the simulator's 16 and two larger powers of two. */
const BLOCK_SIZES = [16, 32, 64] as const;
/** A flusher interval from which on the shape may crash the primary before its first flush. */
const SLOW_FLUSH_MS = 2000;
/** The smallest WAL: this many of the largest client entries. */
const MIN_WAL_ENTRIES = 3;

/**
 * Draw a shape: every choice kind starts with `shape.`, its own chooser stream, so no other
 * stream's draws move. `maxWriteBlocks` is the client's largest write of the seed; `faults`: the
 * profile injects faults (else no early crash).
 */
export function drawStorageShape(c: Chooser, maxWriteBlocks: number, faults: boolean): StorageShape {
  const blockSize = pick(c, 'shape.block_size', BLOCK_SIZES);
  const numBlocks = pick(c, 'shape.num_blocks', [8, 16, 32, 64] as const);
  const largestEntry = WAL_ENTRY_HEADER_SIZE + blockSize * Math.min(maxWriteBlocks, numBlocks);
  const walSize = alignUp(drawWALEntries(c) * largestEntry, blockSize);
  const walFullTimeoutMs = chance(c, 'shape.wal_full_default', 500) ? 5000 : between(c, 'shape.wal_full_ms', 20, 2000);
  const flushIntervalMs = drawFlushInterval(c);
  // Only a slow flusher leaves a window before the first flush worth crashing in.
  const earlyPrimaryCrashMs = faults && flushIntervalMs >= SLOW_FLUSH_MS && chance(c, 'shape.early_crash', 500) ? between(c, 'shape.early_crash_ms', 200, 3000) : null;
  const earlyCrashRestartMs = earlyPrimaryCrashMs === null ? 0 : between(c, 'shape.early_restart_ms', 500, 8000);
  // Drawn last: every earlier draw of a seed stays what it was.
  const rebuildTransferMs = drawRebuildTransfer(c);
  return { blockSize, numBlocks, walSize, walFullTimeoutMs, flushIntervalMs, earlyPrimaryCrashMs, earlyCrashRestartMs, rebuildTransferMs };
}

/**
 * The extent copy's duration: half the seeds keep the small volume's (0), the rest stand for a
 * volume of about 1 to 120 GiB copied at about 1 GiB/s — 1 s to 2 min, log-uniform by band, so
 * copies that outlast a lease (30 s) and a heartbeat redial are drawn as often as short ones.
 */
function drawRebuildTransfer(c: Chooser): number {
  if (!chance(c, 'shape.large_volume', 500)) return 0;
  switch (c.choose('shape.transfer_class', 3)) {
    case 0: return between(c, 'shape.transfer_ms', 1_000, 5_000);
    case 1: return between(c, 'shape.transfer_ms', 5_001, 30_000);
    default: return between(c, 'shape.transfer_ms', 30_001, 120_000);
  }
}

/** WAL capacity in largest entries: small (fills under load), medium, or large as today's. */
function drawWALEntries(c: Chooser): number {
  switch (c.choose('shape.wal_class', 3)) {
    case 0: return between(c, 'shape.wal_entries', MIN_WAL_ENTRIES, 12);
    case 1: return between(c, 'shape.wal_entries', 13, 100);
    default: return between(c, 'shape.wal_entries', 101, 400);
  }
}

/** Upstream's default 100 ms, a range around it, or a slow flusher (seconds between checkpoints). */
function drawFlushInterval(c: Chooser): number {
  switch (c.choose('shape.flush_class', 3)) {
    case 0: return 100;
    case 1: return between(c, 'shape.flush_ms', 20, 1000);
    default: return between(c, 'shape.flush_ms', SLOW_FLUSH_MS, 20_000);
  }
}

/** WAL-full polls a WAL-full timeout allows: upstream polls every 1 ms (blockvol.go appendWithRetry). */
export function walFullRetries(walFullTimeoutMs: number): number {
  return Math.max(1, walFullTimeoutMs);
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
