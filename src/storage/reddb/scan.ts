// Sequential frame scans over a spool's bytes (spec §11.2-11.3): the repairing scan that finds the
// longest valid prefix (with the stored version's partial-magic edge, hazard H12, unless `h12fix`),
// the non-repairing reader that stops at the first invalid frame, and the seek-index rebuild.
// Pure functions over a byte array; the file I/O around them lives in reddb_spool.ts.

import { decodeFrameAt, type FrameInvalidReason, type LogicalWalEntry } from './frame.ts';
import { SeekIndex } from './seek_index.ts';

export interface ScannedFrame {
  readonly entry: LogicalWalEntry;
  /** Byte offset of the frame's magic. */
  readonly offset: number;
  /** Byte offset just past the frame. */
  readonly end: number;
}

export interface RepairScan {
  readonly frames: readonly ScannedFrame[];
  /** End of the last valid frame (0 if none): where the repair truncates to. */
  readonly lastGoodOffset: number;
  /** True when the scan stopped on an invalid frame (the file is then truncated to lastGoodOffset). */
  readonly corrupt: boolean;
  /** Why the scan stopped ('eof' for a clean end; 'torn_magic' is clean unless h12fix). */
  readonly stopReason: FrameInvalidReason;
}

/**
 * The scan of `read_and_repair_logical_wal_entries`. A clean end of file at a frame boundary is not
 * corruption. Stored behaviour (H12): 1-3 bytes where a magic should start also count as a clean
 * end, so they are never truncated. With `h12fix` they are corruption like any torn frame.
 */
export function scanForRepair(bytes: Uint8Array, h12fix: boolean): RepairScan {
  const frames: ScannedFrame[] = [];
  let at = 0;
  for (;;) {
    const d = decodeFrameAt(bytes, at);
    if (!d.ok) {
      const clean = d.reason === 'eof' || (d.reason === 'torn_magic' && !h12fix);
      return { frames, lastGoodOffset: at, corrupt: !clean, stopReason: d.reason };
    }
    frames.push({ entry: d.entry, offset: at, end: d.end });
    at = d.end;
  }
}

/** `read_logical_wal_entries_from(offset)`: frames from `start` up to the first invalid one. */
export function readFramesFrom(bytes: Uint8Array, start: number): ScannedFrame[] {
  const frames: ScannedFrame[] = [];
  let at = start;
  for (;;) {
    const d = decodeFrameAt(bytes, at);
    if (!d.ok) return frames;
    frames.push({ entry: d.entry, offset: at, end: d.end });
    at = d.end;
  }
}

export interface RebuiltIndex {
  readonly index: SeekIndex;
  /** End of the last frame the non-repairing reader accepts (NOT necessarily the file length). */
  readonly writeOffset: number;
  readonly recordCount: number;
}

/** `build_logical_wal_seek_index`: index every 64th readable frame from offset 0. */
export function buildSeekIndex(bytes: Uint8Array): RebuiltIndex {
  const index = new SeekIndex();
  let ordinal = 0;
  let writeOffset = 0;
  for (const f of readFramesFrom(bytes, 0)) {
    index.noteRecord(ordinal, f.entry.lsn, f.offset);
    ordinal += 1;
    writeOffset = f.end;
  }
  return { index, writeOffset, recordCount: ordinal };
}
