// The circular WAL writer of spec §10.2: logical head/tail counters that only grow (except
// Reset), physical position = logical mod walSize. Append pads the end of the region (a PADDING
// entry, or zeros if fewer than 38 bytes remain) and wraps; ErrWALFull when the entry does not
// fit. Port rule (stands in for the write path's hard-watermark admission): the region is never
// filled completely (used stays < walSize), because a completely full WAL is unreclaimable:
// AdvanceTail(newTail == physical tail) advances by 0 (docs/storage.md, HS2). ScanFrom walks tail..head with ErrWALRecycled when fromLSN <= the given checkpoint.

import { type Disk, inspectOrRead } from '../disk.ts';
import { diskErr, ERR_WAL_FULL, ERR_WAL_RECYCLED, type StorageError, storageErr } from '../errors.ts';
import { type DecodeResult, decodeWALEntry, encodeWALEntryInto, EntryType, validateWALEntry, WAL_ENTRY_HEADER_SIZE, type WALEntry } from './wal_entry.ts';
import { M, mark } from '../../marks/index.ts';

/** Go's sentinel ErrWALFull (wal_writer.go), returned as itself by the two "no room" checks; the oversize check wraps it with the entry size. */
const ERR_WAL_FULL_SENTINEL = Object.freeze(storageErr(ERR_WAL_FULL, 'blockvol: WAL region full'));

export type ScanFn = (entry: WALEntry) => StorageError | null | void;

export interface WALPosition {
  readonly logicalHead: number;
  readonly logicalTail: number;
}

/** A decoded entry found in the WAL and its logical position. */
export interface WALRecord {
  readonly entry: WALEntry;
  readonly logical: number;
  readonly physical: number;
  readonly size: number;
}

export class WALWriter {
  private logicalHead: number;
  private logicalTail: number;

  constructor(
    private readonly disk: Disk,
    readonly walOffset: number,
    readonly walSize: number,
    head = 0,
    tail = 0,
  ) {
    this.logicalHead = head;
    this.logicalTail = tail;
  }

  head(): number {
    return this.logicalHead;
  }

  tail(): number {
    return this.logicalTail;
  }

  physicalHead(): number {
    return this.logicalHead % this.walSize;
  }

  physicalTail(): number {
    return this.logicalTail % this.walSize;
  }

  used(): number {
    return this.logicalHead - this.logicalTail;
  }

  /** Would an entry of `len` bytes be appended now (append's space rules, nothing written)? */
  fits(len: number): boolean {
    const remaining = this.walSize - this.physicalHead();
    if (remaining < len) return this.used() + remaining + len < this.walSize;
    return this.used() + len < this.walSize;
  }

  /** Append an entry; returns the physical WAL-relative offset written, or ErrWALFull / a disk error. */
  append(entry: WALEntry): { offset: number; err?: undefined } | { err: StorageError; offset?: undefined } {
    const bad = validateWALEntry(entry);
    if (bad) return { err: bad };
    const len = WAL_ENTRY_HEADER_SIZE + entry.data.length;
    if (len > this.walSize) return mark(M.storage_wal_full_entry_too_large), { err: storageErr(ERR_WAL_FULL, `blockvol: WAL region full: entry size ${len} exceeds WAL size ${this.walSize}`) };
    let phys = this.physicalHead();
    const remaining = this.walSize - phys;
    if (remaining < len) {
      if (this.used() + remaining + len >= this.walSize) return mark(M.storage_wal_full_at_wrap), { err: ERR_WAL_FULL_SENTINEL };
      const perr = this.writePadding(remaining, phys);
      if (perr) return { err: perr };
      this.logicalHead += remaining;
      phys = 0;
    }
    if (this.used() + len >= this.walSize) return mark(M.storage_wal_full), { err: ERR_WAL_FULL_SENTINEL };
    const buf = new Uint8Array(len);
    encodeWALEntryInto(entry, buf, 0);
    const werr = this.disk.write(this.walOffset + phys, buf);
    if (werr) return mark(M.storage_wal_append_disk_error), { err: diskErr(`WALWriter.Append: pwrite at WAL+${phys}`, werr) };
    this.logicalHead += len;
    return { offset: phys };
  }

  private writePadding(size: number, phys: number): StorageError | null {
    const buf = new Uint8Array(size);
    if (size >= WAL_ENTRY_HEADER_SIZE) {
      const payload = size - WAL_ENTRY_HEADER_SIZE;
      encodeWALEntryInto({ lsn: 0, epoch: 0, type: EntryType.Padding, flags: 0, lba: 0, length: payload, data: new Uint8Array(payload) }, buf, 0);
    }
    const err = this.disk.write(this.walOffset + phys, buf);
    return err ? diskErr('WALWriter.Append: padding', err) : null;
  }

  /** Move the logical tail forward by the physical distance to newPhysTail (wrapping once). */
  advanceTail(newPhysTail: number): void {
    const physTail = this.physicalTail();
    const advance = newPhysTail >= physTail ? newPhysTail - physTail : this.walSize - physTail + newPhysTail;
    this.logicalTail += advance;
  }

  /** head = tail = 0 (truncate / rebuild install). The region's bytes stay (hazard HS1) unless `zero`. */
  reset(zero = false): StorageError | null {
    this.logicalHead = 0;
    this.logicalTail = 0;
    if (!zero) return null;
    const err = this.disk.write(this.walOffset, new Uint8Array(this.walSize));
    return err ? diskErr('WAL reset: zero region', err) : null;
  }

  /** Zero the free space [head, tail + walSize) and fsync (scrub after recovery, hazard HS3). */
  zeroFreeSpace(): StorageError | null {
    const free = this.walSize - this.used();
    if (free === 0) return null;
    const start = this.physicalHead();
    const first = Math.min(free, this.walSize - start);
    let err = this.disk.write(this.walOffset + start, new Uint8Array(first));
    if (!err && free > first) err = this.disk.write(this.walOffset, new Uint8Array(free - first));
    if (!err) err = this.disk.fsync();
    return err ? diskErr('WAL scrub', err) : null;
  }

  /** Set positions after crash recovery. */
  setPositions(head: number, tail: number): void {
    this.logicalHead = head;
    this.logicalTail = tail;
  }

  /** Read the whole WAL region (one read; the simulated WALs are small). */
  readRegion(inspect = false): Uint8Array | StorageError {
    const r = inspectOrRead(this.disk, this.walOffset, this.walSize, inspect);
    return r instanceof Uint8Array ? r : diskErr('WAL read', r);
  }

  /**
   * Walk [from, to) logically: skip end-of-region slack shorter than a header and PADDING
   * entries; stop silently at the first entry that fails to decode. Visits every other entry.
   */
  walk(region: Uint8Array, from: number, to: number, visit: (rec: WALRecord) => boolean | void): number {
    const buf = region.subarray(0, this.walSize);
    return this.walkWith((phys) => decodeWALEntry(buf, phys), from, to, visit);
  }

  /**
   * walk() with the entry at a physical offset decoded by `entryAt`, which must decode exactly as
   * decodeWALEntry(region, phys) on the whole region would. Returns where the walk stopped.
   */
  walkWith(entryAt: (phys: number) => DecodeResult, from: number, to: number, visit: (rec: WALRecord) => boolean | void): number {
    let pos = from;
    while (pos < to) {
      const phys = pos % this.walSize;
      const remaining = this.walSize - phys;
      if (remaining < WAL_ENTRY_HEADER_SIZE) {
        pos += remaining;
        continue;
      }
      const d = entryAt(phys);
      if (d.err) return pos;
      if (d.entry.type !== EntryType.Padding) {
        if (visit({ entry: d.entry, logical: pos, physical: phys, size: d.size }) === false) return pos;
      }
      pos += d.size;
    }
    return pos;
  }

  /** Go's ScanFrom: fn for WRITE/TRIM entries with LSN >= fromLSN present at call time. */
  scanFrom(checkpointLSN: number, fromLSN: number, fn: ScanFn): StorageError | null {
    if (fromLSN <= checkpointLSN && checkpointLSN > 0)
      return mark(M.storage_wal_scan_recycled), storageErr(ERR_WAL_RECYCLED, `blockvol: WAL entries recycled past requested LSN (from ${fromLSN}, checkpoint ${checkpointLSN})`);
    const head = this.logicalHead;
    const tail = this.logicalTail;
    if (head === tail) return null;
    const region = this.readRegion();
    if (!(region instanceof Uint8Array)) return region;
    let failure: StorageError | null = null;
    this.walk(region, tail, head, (rec) => {
      const t = rec.entry.type;
      if (rec.entry.lsn >= fromLSN && (t === EntryType.Write || t === EntryType.Trim)) {
        const r = fn(rec.entry);
        if (r) {
          failure = r;
          return false;
        }
      }
      return true;
    });
    return failure;
  }

  /** Every decodable entry in [tail, head), in logical order (for checks and tests). */
  records(inspect = false): WALRecord[] | StorageError {
    const region = this.readRegion(inspect);
    if (!(region instanceof Uint8Array)) return region;
    const out: WALRecord[] = [];
    this.walk(region, this.logicalTail, this.logicalHead, (rec) => {
      out.push(rec);
    });
    return out;
  }
}
