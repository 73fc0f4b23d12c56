// SimDisk: the simulated block device every storage test and the simulator run on.
//
// Fault model (also in docs/storage.md):
// - A write lands in a volatile cache (reads see it at once). fsync makes every earlier write
//   durable. crash(chooser) rebuilds the cache from the durable media, where each write not yet
//   covered by an fsync is, by the chooser's decision ('disk.crash.write': 0 lost, 1 persisted,
//   2 torn), lost, fully persisted, or torn: only a prefix of the sectors it spans persists
//   ('disk.crash.torn' picks how many). Unsynced writes are decided independently, so a later
//   write may survive an earlier lost one (disks reorder unsynced writes).
// - Optional faults, all off by default, each a binary chooser decision (0 = no fault) so the
//   simulator can bias them per kind: read/write/fsync I/O errors ('disk.read.error', ...), out of
//   space on a write past the high-water mark ('disk.write.enospc'), and at crash one corrupted
//   sector ('disk.crash.corrupt').
// - FaultBudget (the fault atlas rule): at most N I/O errors / out-of-space / corrupt sectors per
//   disk per run, and corruption only ever damages bytes of a write that was *not yet durable*
//   (never fsynced, so never acknowledged), outside protected ranges (the superblock) and, when
//   corruptibleRanges is given, only inside them (the checksummed WAL). The WAL CRC then rejects
//   the damaged entry and recovery keeps the valid prefix, so every corruption is recoverable and
//   never destroys acknowledged data. (Unprotected extent bytes have no checksum: corrupting them
//   would be undetectable, so the blockvol setup keeps corruption in the WAL.) A fsync failure
//   leaves the pending writes pending.
// The disk returns damaged bytes silently; detecting them is the caller's checksum's job.

import { type Chooser, type Disk, DiskError, FIRST_CHOICE } from './disk.ts';

export interface DiskFaults {
  readonly readError?: boolean;
  readonly writeError?: boolean;
  readonly fsyncError?: boolean;
  readonly outOfSpace?: boolean;
  readonly corruptSector?: boolean;
}

export interface FaultBudget {
  readonly maxIOErrors: number;
  readonly maxOutOfSpace: number;
  readonly maxCorruptSectors: number;
}

export const DEFAULT_FAULT_BUDGET: FaultBudget = { maxIOErrors: 4, maxOutOfSpace: 2, maxCorruptSectors: 1 };

export interface DiskLatency {
  readonly read: number;
  readonly write: number;
  readonly fsync: number;
}

export interface SimDiskOptions {
  readonly size: number;
  /** Torn-write granularity in bytes (default 512). */
  readonly sectorSize?: number;
  readonly faults?: DiskFaults;
  readonly budget?: FaultBudget;
  /** Decides runtime faults (read/write/fsync errors, out of space). Default: never a fault. */
  readonly chooser?: Chooser;
  /** Byte ranges never corrupted by the corrupt-sector fault (e.g. the superblock). */
  readonly protectedRanges?: readonly { offset: number; length: number }[];
  /**
   * If set, corruption only hits writes lying entirely inside one of these ranges (give the
   * checksummed regions, e.g. the blockvol WAL). Default: anywhere not protected.
   */
  readonly corruptibleRanges?: readonly { offset: number; length: number }[];
  /** Latency hints in ticks the simulator may use to schedule completions. */
  readonly latency?: DiskLatency;
  /** Initial durable content (copied); default zeros. */
  readonly image?: Uint8Array;
}

/** How many changes (writes, crashes) changedSince() remembers. */
const CHANGE_JOURNAL = 256;

interface PendingWrite {
  readonly offset: number;
  readonly data: Uint8Array;
}

export type CrashFate = 'lost' | 'persisted' | 'torn';

export interface CrashReport {
  readonly writes: readonly { offset: number; length: number; fate: CrashFate; persistedBytes: number }[];
  readonly corrupted: { offset: number; length: number } | null;
}

export class SimDisk implements Disk {
  private readonly sizeBytes: number;
  readonly sectorSize: number;
  private media: Uint8Array;
  private cache: Uint8Array;
  private pending: PendingWrite[] = [];
  private highWater = 0;
  private ioErrors = 0;
  private enospc = 0;
  private corruptions = 0;
  private fsyncs = 0;
  private readonly faults: DiskFaults;
  private readonly budget: FaultBudget;
  private chooser: Chooser;
  private readonly protectedRanges: readonly { offset: number; length: number }[];
  private readonly corruptibleRanges: readonly { offset: number; length: number }[] | null;
  private readonly latency: DiskLatency;
  /** Changes to the cache so far, and the ranges of the last CHANGE_JOURNAL of them (change k at index k % CHANGE_JOURNAL). */
  private changes = 0;
  private readonly changedOffset = new Float64Array(CHANGE_JOURNAL);
  private readonly changedEnd = new Float64Array(CHANGE_JOURNAL);

  constructor(opts: SimDiskOptions) {
    this.sizeBytes = opts.size;
    this.sectorSize = opts.sectorSize ?? 512;
    if (!(this.sectorSize > 0)) throw new RangeError('sectorSize must be positive');
    this.media = new Uint8Array(opts.size);
    if (opts.image) this.media.set(opts.image.subarray(0, opts.size));
    this.cache = this.media.slice();
    this.highWater = opts.image ? opts.size : 0;
    this.faults = opts.faults ?? {};
    this.budget = opts.budget ?? DEFAULT_FAULT_BUDGET;
    this.chooser = opts.chooser ?? FIRST_CHOICE;
    this.protectedRanges = opts.protectedRanges ?? [];
    this.corruptibleRanges = opts.corruptibleRanges ?? null;
    this.latency = opts.latency ?? { read: 0, write: 0, fsync: 0 };
  }

  /** A fresh fault-free disk whose durable and cached content is a copy of `image`. */
  static fromImage(image: Uint8Array, opts: Partial<SimDiskOptions> = {}): SimDisk {
    return new SimDisk({ ...opts, size: image.length, image });
  }

  size(): number {
    return this.sizeBytes;
  }

  setChooser(c: Chooser): void {
    this.chooser = c;
  }

  read(offset: number, length: number): Uint8Array | DiskError {
    if (!this.inBounds(offset, length)) return new DiskError('io_error', `read out of bounds: ${offset}+${length}`);
    if ((this.forced.length > 0 && this.takeForced('disk.read.error')) || (this.faults.readError && this.takeIOError('disk.read.error'))) return new DiskError('io_error', `injected read error at ${offset}`);
    return this.cache.slice(offset, offset + length);
  }

  peek(offset: number, length: number): Uint8Array {
    return this.cache.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): DiskError | null {
    if (!this.inBounds(offset, data.length)) return new DiskError('io_error', `write out of bounds: ${offset}+${data.length}`);
    if ((this.forced.length > 0 && this.takeForced('disk.write.error')) || (this.faults.writeError && this.takeIOError('disk.write.error'))) return new DiskError('io_error', `injected write error at ${offset}`);
    const end = offset + data.length;
    if (end > this.highWater) {
      if (this.faults.outOfSpace && this.enospc < this.budget.maxOutOfSpace && this.chooser.choose('disk.write.enospc', 2) === 1) {
        this.enospc++;
        return new DiskError('out_of_space', `injected out of space at ${offset}`);
      }
      this.highWater = end;
    }
    this.cache.set(data, offset);
    this.noteChange(offset, end);
    this.pending.push({ offset, data: data.slice() });
    return null;
  }

  fsync(): DiskError | null {
    if ((this.forced.length > 0 && this.takeForced('disk.fsync.error')) || (this.faults.fsyncError && this.takeIOError('disk.fsync.error'))) return new DiskError('io_error', 'injected fsync error');
    for (const w of this.pending) this.media.set(w.data, w.offset);
    this.pending = [];
    this.fsyncs++;
    return null;
  }

  /**
   * Power loss: durable media survives; each unsynced write is lost, persisted or torn by the
   * chooser; optionally one unsynced write's sector is corrupted (budget permitting).
   */
  crash(chooser: Chooser): CrashReport {
    const report: { offset: number; length: number; fate: CrashFate; persistedBytes: number }[] = [];
    for (const w of this.pending) {
      const pick = chooser.choose('disk.crash.write', 3);
      if (pick === 1) {
        this.media.set(w.data, w.offset);
        report.push({ offset: w.offset, length: w.data.length, fate: 'persisted', persistedBytes: w.data.length });
      } else if (pick === 2) {
        const first = Math.floor(w.offset / this.sectorSize);
        const last = Math.floor((w.offset + w.data.length - 1) / this.sectorSize);
        const nsec = last - first + 1;
        let keep = 0;
        if (nsec > 1) {
          const k = 1 + chooser.choose('disk.crash.torn', nsec - 1); // 1..nsec-1 sectors persist
          keep = Math.min(w.data.length, (first + k) * this.sectorSize - w.offset);
          this.media.set(w.data.subarray(0, keep), w.offset);
        }
        report.push({ offset: w.offset, length: w.data.length, fate: 'torn', persistedBytes: keep });
      } else {
        report.push({ offset: w.offset, length: w.data.length, fate: 'lost', persistedBytes: 0 });
      }
    }
    const corrupted = this.maybeCorrupt(chooser);
    this.pending = [];
    this.cache = this.media.slice();
    this.noteChange(0, this.sizeBytes);
    return { writes: report, corrupted };
  }

  changeCount(): number {
    return this.changes;
  }

  changedSince(since: number, offset: number, length: number): boolean {
    if (this.changes - since > CHANGE_JOURNAL) return true;
    const end = offset + length;
    for (let k = since + 1; k <= this.changes; k++) {
      const i = k % CHANGE_JOURNAL;
      if (this.changedOffset[i]! < end && offset < this.changedEnd[i]!) return true;
    }
    return false;
  }

  private noteChange(offset: number, end: number): void {
    this.changes += 1;
    const i = this.changes % CHANGE_JOURNAL;
    this.changedOffset[i] = offset;
    this.changedEnd[i] = end;
  }

  private maybeCorrupt(chooser: Chooser): { offset: number; length: number } | null {
    if (!this.faults.corruptSector || this.corruptions >= this.budget.maxCorruptSectors) return null;
    const candidates = this.pending.filter((w) => !this.isProtected(w.offset, w.data.length) && this.isCorruptible(w.offset, w.data.length));
    if (candidates.length === 0) return null;
    if (chooser.choose('disk.crash.corrupt', 2) !== 1) return null;
    const w = candidates[chooser.choose('disk.crash.corrupt.write', candidates.length)]!;
    const first = Math.floor(w.offset / this.sectorSize);
    const last = Math.floor((w.offset + w.data.length - 1) / this.sectorSize);
    const sec = first + chooser.choose('disk.crash.corrupt.sector', last - first + 1);
    const start = Math.max(w.offset, sec * this.sectorSize);
    const end = Math.min(w.offset + w.data.length, (sec + 1) * this.sectorSize);
    for (let i = start; i < end; i++) this.media[i] = this.media[i]! ^ 0x5a;
    this.corruptions++;
    return { offset: start, length: end - start };
  }

  /** Latency hint (ticks) for an operation; the simulator schedules completions with it. */
  latencyHint(op: 'read' | 'write' | 'fsync'): number {
    return this.latency[op];
  }

  /** Read-only view of what survives a crash where every unsynced write is lost. */
  durableBytes(): Uint8Array {
    return this.media.slice();
  }

  /** Read-only view of what reads currently return. */
  cachedBytes(): Uint8Array {
    return this.cache.slice();
  }

  pendingWriteCount(): number {
    return this.pending.length;
  }

  stats(): { fsyncs: number; pendingWrites: number; ioErrors: number; outOfSpace: number; corruptSectors: number } {
    return { fsyncs: this.fsyncs, pendingWrites: this.pending.length, ioErrors: this.ioErrors, outOfSpace: this.enospc, corruptSectors: this.corruptions };
  }

  /** Unsynced writes a crash would decide the fate of, oldest first (offsets and lengths). */
  pendingWrites(): readonly { offset: number; length: number }[] {
    return this.pending.map((w) => ({ offset: w.offset, length: w.data.length }));
  }

  /** Fail the next `count` calls of `io` (scenario files' disk_error), whatever the fault flags; no chooser draw. */
  forceErrors(io: 'write' | 'fsync' | 'read' | 'any', count: number): void {
    this.forced.push({ io, left: count });
  }

  private readonly forced: { io: 'write' | 'fsync' | 'read' | 'any'; left: number }[] = [];

  private takeForced(kind: string): boolean {
    if (this.forced.length === 0) return false;
    const io = kind === 'disk.write.error' ? 'write' : kind === 'disk.fsync.error' ? 'fsync' : 'read';
    const f = this.forced.find((x) => x.left > 0 && (x.io === io || x.io === 'any'));
    if (f === undefined) return false;
    f.left -= 1;
    if (f.left === 0) this.forced.splice(this.forced.indexOf(f), 1);
    return true;
  }

  private takeIOError(kind: string): boolean {
    if (this.ioErrors >= this.budget.maxIOErrors) return false;
    if (this.chooser.choose(kind, 2) !== 1) return false;
    this.ioErrors++;
    return true;
  }

  private inBounds(offset: number, length: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && length >= 0 && offset + length <= this.sizeBytes;
  }

  private isCorruptible(offset: number, length: number): boolean {
    if (this.corruptibleRanges === null) return true;
    return this.corruptibleRanges.some((r) => offset >= r.offset && offset + length <= r.offset + r.length);
  }

  private isProtected(offset: number, length: number): boolean {
    return this.protectedRanges.some((r) => offset < r.offset + r.length && r.offset < offset + length);
  }
}
