// A minimal crashable Disk for the reddb spool's own tests and for callers without the simulator's
// disk: writes land in a volatile cache, fsync makes them durable, and crash(chooser) decides per
// unsynced write (in write order) how many of its sectors reached the platter: none, some prefix
// (a torn write) or all. Sectors are aligned to absolute offsets, so a frame that starts just
// before a sector boundary can survive as a 1-3 byte stub (the shape of hazard H12).

import { DiskError, type Chooser, type Disk } from '../disk.ts';

export const REDDB_SECTOR_SIZE = 512;

/** A Disk whose unsynced writes a crash can lose or tear. The simulator's SimDisk fits this shape. */
export interface CrashableDisk extends Disk {
  crash(chooser: Chooser): void;
}

interface PendingWrite {
  readonly offset: number;
  readonly data: Uint8Array;
}

export class ReddbMemDisk implements CrashableDisk {
  private readonly durable: Uint8Array;
  private pending: PendingWrite[] = [];

  constructor(
    private readonly bytes: number,
    private readonly sectorSize: number = REDDB_SECTOR_SIZE,
  ) {
    this.durable = new Uint8Array(bytes);
  }

  size(): number {
    return this.bytes;
  }

  read(offset: number, length: number): Uint8Array | DiskError {
    if (offset < 0 || length < 0 || offset + length > this.bytes) return new DiskError('io_error', `read [${offset}, +${length}) out of range`);
    const out = this.durable.slice(offset, offset + length);
    for (const w of this.pending) overlay(out, offset, w);
    return out;
  }

  write(offset: number, data: Uint8Array): DiskError | null {
    if (offset < 0 || offset + data.length > this.bytes) return new DiskError('out_of_space', `write [${offset}, +${data.length}) beyond ${this.bytes} bytes`);
    if (data.length > 0) this.pending.push({ offset, data: data.slice() });
    return null;
  }

  fsync(): DiskError | null {
    for (const w of this.pending) this.durable.set(w.data, w.offset);
    this.pending = [];
    return null;
  }

  /** Number of writes not yet made durable. */
  get pendingWrites(): number {
    return this.pending.length;
  }

  crash(chooser: Chooser): void {
    for (const w of this.pending) {
      const firstSector = Math.floor(w.offset / this.sectorSize);
      const endSector = Math.ceil((w.offset + w.data.length) / this.sectorSize);
      const sectors = endSector - firstSector;
      const kept = chooser.choose('reddb.disk.crash.sectors', sectors + 1);
      const keptEnd = Math.min(w.offset + w.data.length, (firstSector + kept) * this.sectorSize);
      if (keptEnd > w.offset) this.durable.set(w.data.subarray(0, keptEnd - w.offset), w.offset);
    }
    this.pending = [];
  }
}

function overlay(out: Uint8Array, outOffset: number, w: PendingWrite): void {
  const from = Math.max(outOffset, w.offset);
  const to = Math.min(outOffset + out.length, w.offset + w.data.length);
  if (from < to) out.set(w.data.subarray(from - w.offset, to - w.offset), from - outOffset);
}
