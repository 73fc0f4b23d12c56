// The reddb logical WAL spool (spec §11, reddb-server `LogicalWalSpool`): a durable append-only
// file of v3 frames beside the data file. Open repairs the file to its longest valid prefix;
// append is one write plus sync_all before it is acknowledged; read_since seeks through the sparse
// index; prune_through rewrites the kept frames into a temp file and renames it over the spool.
// All state beyond the file (index, counters) is process memory, lost on a crash and rebuilt on open.

import { StorageError } from '../errors.ts';
import { planted, type ReddbSwitches } from './bugs.ts';
import type { VirtualClock } from './clock.ts';
import type { SpoolFs } from './file.ts';
import { encodeLogicalWalV3, type LogicalWalEntry } from './frame.ts';
import { buildSeekIndex, readFramesFrom, scanForRepair, type RepairScan } from './scan.ts';
import { SeekIndex, type SeekPoint } from './seek_index.ts';

/** reddb's DEFAULT_REPLICATION_TERM: the term of a payload that does not decode as a ChangeRecord. */
export const DEFAULT_REPLICATION_TERM = 1;

export const DEFAULT_SPOOL_PATH = 'logical.wal';

/**
 * How the spool sees the term inside a payload (reddb's ChangeRecord). `termOf` returns null when
 * the payload is not a record; `withTerm` re-encodes a record with another term.
 */
export interface PayloadTermCodec {
  termOf(data: Uint8Array): number | null;
  withTerm(data: Uint8Array, term: number): Uint8Array;
}

/** Payloads are opaque bytes: every payload gets DEFAULT_REPLICATION_TERM. */
export const OPAQUE_PAYLOADS: PayloadTermCodec = {
  termOf: () => null,
  withTerm: (data) => data,
};

export interface LogicalWalSpoolOptions {
  readonly clock: VirtualClock;
  readonly path?: string;
  readonly codec?: PayloadTermCodec;
  readonly switches?: ReddbSwitches;
}

export interface SpoolRecord {
  readonly lsn: number;
  readonly data: Uint8Array;
}

export class LogicalWalSpool {
  private currentLsnValue: number;
  private index: SeekIndex;
  private writeOffsetValue: number;
  private recordCountValue: number;
  private readonly codec: PayloadTermCodec;

  private constructor(
    private readonly fs: SpoolFs,
    readonly path: string,
    private readonly clock: VirtualClock,
    codec: PayloadTermCodec | undefined,
    private readonly switches: ReddbSwitches,
    currentLsn: number,
  ) {
    this.codec = codec ?? OPAQUE_PAYLOADS;
    this.currentLsnValue = currentLsn;
    this.index = new SeekIndex();
    this.writeOffsetValue = 0;
    this.recordCountValue = 0;
  }

  /** `LogicalWalSpool::open`: create if missing, repair to the longest valid prefix, rebuild the index. */
  static open(fs: SpoolFs, options: LogicalWalSpoolOptions): LogicalWalSpool | StorageError {
    const path = options.path ?? DEFAULT_SPOOL_PATH;
    if (!fs.exists(path)) fs.create(path);
    const repaired = readAndRepair(fs, path, options.switches?.h12fix === true);
    if (repaired instanceof StorageError) return repaired;
    const frames = repaired.frames;
    const currentLsn = frames.length === 0 ? 0 : frames[frames.length - 1]!.entry.lsn;
    const spool = new LogicalWalSpool(fs, path, options.clock, options.codec, options.switches ?? {}, currentLsn);
    const e = spool.rebuildIndex();
    return e ?? spool;
  }

  get tempPath(): string {
    return `${this.path}.tmp`;
  }

  /** `append`: framing timestamp from the virtual clock, term from the payload. */
  append(lsn: number, data: Uint8Array): StorageError | null {
    return this.appendWithTimestamp(lsn, this.clock.nowMs(), data);
  }

  appendWithTimestamp(lsn: number, timestampMs: number, data: Uint8Array): StorageError | null {
    return this.appendWithTermAndTimestamp(this.termFromPayload(data), lsn, timestampMs, data);
  }

  /** One write of the whole frame, then sync_all; only then the in-memory state moves. */
  appendWithTermAndTimestamp(term: number, lsn: number, timestampMs: number, data: Uint8Array): StorageError | null {
    const frame = encodeLogicalWalV3(term, lsn, timestampMs, data);
    if (frame instanceof StorageError) return frame;
    const w = this.fs.append(this.path, frame);
    if (w !== null) return w;
    if (!planted(this.switches, 'ackBeforeFsync')) {
      const s = this.fs.syncAll(this.path);
      if (s !== null) return s;
    }
    this.currentLsnValue = Math.max(this.currentLsnValue, lsn);
    const recordStart = this.writeOffsetValue;
    const ordinal = this.recordCountValue;
    this.index.noteRecord(ordinal, lsn, recordStart);
    this.writeOffsetValue = recordStart + frame.length;
    this.recordCountValue = ordinal + 1;
    return null;
  }

  /** Records with lsn > since, in file order, at most `max`; scans from the seek floor, non-repairing. */
  readSince(since: number, max: number): SpoolRecord[] | StorageError {
    const bytes = this.fs.readAll(this.path);
    if (bytes instanceof StorageError) return bytes;
    const out: SpoolRecord[] = [];
    for (const f of readFramesFrom(bytes, this.index.seekFloorOffset(since))) {
      if (out.length >= max) break;
      if (f.entry.lsn > since) out.push({ lsn: f.entry.lsn, data: this.dataWithFramingTerm(f.entry) });
    }
    return out;
  }

  seekFloorOffset(since: number): number {
    return this.index.seekFloorOffset(since);
  }

  currentLsn(): number {
    return this.currentLsnValue;
  }

  /** `oldest_lsn`: repairs the file (as Rust does), then the first frame's LSN. */
  oldestLsn(): number | null | StorageError {
    const r = readAndRepair(this.fs, this.path, this.h12fix);
    if (r instanceof StorageError) return r;
    return r.frames.length === 0 ? null : r.frames[0]!.entry.lsn;
  }

  /** `prune_through`: keep lsn > upto, re-framed as v3, via temp file + fsync + rename. */
  pruneThrough(upto: number): StorageError | null {
    const previous = this.currentLsnValue;
    const r = readAndRepair(this.fs, this.path, this.h12fix);
    if (r instanceof StorageError) return r;
    const now = this.clock.nowMs();
    const retained = r.frames
      .map((f) => f.entry)
      .filter((e) => e.lsn > upto)
      .map((e) => ({ ...e, term: this.entryTerm(e), timestampMs: e.timestampMs > 0 ? e.timestampMs : now }));
    const rewritten = this.rewrite(retained);
    if (rewritten instanceof StorageError) return rewritten;
    if (!planted(this.switches, 'staleIndexAfterPrune')) {
      const e = this.rebuildIndex();
      if (e !== null) return e;
    }
    this.currentLsnValue = Math.max(previous, rewritten, upto);
    return null;
  }

  /** The seek index checkpoints, for checks and tests. */
  seekIndex(): SeekPoint[] {
    return this.index.snapshot();
  }

  /** Where the spool believes the next append lands (not re-read from the file). */
  get writeOffset(): number {
    return this.writeOffsetValue;
  }

  get recordCount(): number {
    return this.recordCountValue;
  }

  /** The spool file's current bytes (as a reader would see them). */
  fileBytes(): Uint8Array | StorageError {
    return this.fs.readAll(this.path);
  }

  private get h12fix(): boolean {
    return this.switches.h12fix === true;
  }

  /** `rewrite_logical_wal_entries`: returns the max LSN written (0 if none). */
  private rewrite(entries: readonly LogicalWalEntry[]): number | StorageError {
    const temp = this.tempPath;
    this.fs.create(temp);
    let maxLsn = 0;
    for (const e of entries) {
      const frame = encodeLogicalWalV3(e.term, e.lsn, e.timestampMs, e.data);
      if (frame instanceof StorageError) return frame;
      const w = this.fs.append(temp, frame);
      if (w !== null) return w;
      maxLsn = Math.max(maxLsn, e.lsn);
    }
    const s = this.fs.syncAll(temp);
    if (s !== null) return s;
    const m = this.fs.rename(temp, this.path);
    return m ?? maxLsn;
  }

  private rebuildIndex(): StorageError | null {
    const bytes = this.fs.readAll(this.path);
    if (bytes instanceof StorageError) return bytes;
    const rebuilt = buildSeekIndex(bytes);
    this.index = rebuilt.index;
    this.writeOffsetValue = rebuilt.writeOffset;
    this.recordCountValue = rebuilt.recordCount;
    return null;
  }

  private termFromPayload(data: Uint8Array): number {
    return this.codec.termOf(data) ?? DEFAULT_REPLICATION_TERM;
  }

  /** `logical_wal_entry_term`: the framing term, or the payload's when the frame has none. */
  private entryTerm(e: LogicalWalEntry): number {
    return e.term === 0 ? this.termFromPayload(e.data) : e.term;
  }

  /** `logical_wal_data_with_framing_term`: a record payload re-encoded with the framing term. */
  private dataWithFramingTerm(e: LogicalWalEntry): Uint8Array {
    const term = this.entryTerm(e);
    const inPayload = this.codec.termOf(e.data);
    return inPayload !== null && inPayload !== term ? this.codec.withTerm(e.data, term) : e.data;
  }
}

/**
 * `read_and_repair_logical_wal_entries`: scan for the longest valid prefix; if the scan found a
 * corrupt frame and the file is longer than the prefix, truncate to it and sync_all.
 */
export function readAndRepair(fs: SpoolFs, path: string, h12fix: boolean): RepairScan | StorageError {
  if (!fs.exists(path)) return { frames: [], lastGoodOffset: 0, corrupt: false, stopReason: 'eof' };
  const bytes = fs.readAll(path);
  if (bytes instanceof StorageError) return bytes;
  const scan = scanForRepair(bytes, h12fix);
  if (scan.corrupt && scan.lastGoodOffset < bytes.length) {
    const t = fs.setLen(path, scan.lastGoodOffset);
    if (t !== null) return t;
    const s = fs.syncAll(path);
    if (s !== null) return s;
  }
  return scan;
}
