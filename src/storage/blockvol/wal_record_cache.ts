// WALRecordCache: the decodable WAL entries in [tail, head) for inspection (BlockVolume.walRecords,
// read after every step by the storage checks and the I16 ground truth), decoded incrementally.
// It keeps its last walk — the records, the walk's bounds, where it stopped — and the disk's change
// count at that time. On the next call it reuses every record from the new tail on, provided the
// new tail is where one of them (or the stop) lies, the head did not move back, and the disk
// reports no change to the bytes they were decoded from (Disk.changedSince); then it walks on from
// where the last walk stopped to the new head. Anything else (a reset, a crash, a change inside the
// reused bytes, a tail between records) walks [tail, head) afresh. Either way the result equals
// WALWriter.records(true): the same walk over the same bytes, read with Disk.peek.
import type { Disk } from '../disk.ts';
import { decodeWALEntry, type DecodeResult, walEntryExtent } from './wal_entry.ts';
import type { WALRecord, WALWriter } from './wal_writer.ts';

/** A disk that can be inspected and tells which bytes changed. */
export type TrackedDisk = Disk & Required<Pick<Disk, 'peek' | 'changeCount' | 'changedSince'>>;

export function isTrackedDisk(d: Disk): d is TrackedDisk {
  return d.peek !== undefined && d.changeCount !== undefined && d.changedSince !== undefined;
}

/** Bytes peeked for an entry at first; a longer entry is peeked again in full. */
const PEEK_GUESS = 256;

export class WALRecordCache {
  private recs: readonly WALRecord[] = [];
  /** The last walk covered [from, to) and stopped at `stop`. */
  private from = 0;
  private to = 0;
  private stop = 0;
  /** Disk change count when the records were last brought up to date; -1: no walk yet. */
  private seen = -1;

  constructor(
    private readonly disk: TrackedDisk,
    private readonly wal: WALWriter,
  ) {}

  /** Every decodable entry in [tail, head), in logical order. Shared: callers must not modify it. */
  records(): readonly WALRecord[] {
    const tail = this.wal.tail();
    const head = this.wal.head();
    const changes = this.disk.changeCount();
    if (changes === this.seen && tail === this.from && head === this.to) return this.recs;
    const kept = this.reusable(tail, head, changes);
    const recs = kept === null ? [] : this.recs.slice(kept);
    const start = kept === null ? tail : this.stop;
    this.stop = start < head ? this.wal.walkWith((phys) => this.entryAt(phys), start, head, (r) => void recs.push(r)) : start;
    this.recs = recs;
    this.from = tail;
    this.to = head;
    this.seen = changes;
    return recs;
  }

  /** Index of the first cached record still in the WAL when the last walk can be continued; else null. */
  private reusable(tail: number, head: number, changes: number): number | null {
    if (this.seen < 0 || head < this.to || tail < this.from || tail > this.stop) return null;
    const recs = this.recs;
    let k = 0;
    while (k < recs.length && recs[k]!.logical < tail) k++;
    const onBoundary = tail === this.from || tail === this.stop || (k < recs.length && recs[k]!.logical === tail);
    if (!onBoundary) return null;
    if (changes !== this.seen && this.changed(tail, this.stop)) return null;
    return k;
  }

  /** Did the disk change any byte of logical WAL range [from, to) since the last walk? */
  private changed(from: number, to: number): boolean {
    const size = this.wal.walSize;
    const len = to - from;
    if (len <= 0) return false;
    if (len > size) return true;
    const phys = from % size;
    const first = Math.min(len, size - phys);
    const base = this.wal.walOffset;
    if (this.disk.changedSince(this.seen, base + phys, first)) return true;
    return first < len && this.disk.changedSince(this.seen, base, len - first);
  }

  /** decodeWALEntry of the entry at physical WAL offset `phys`, reading only its bytes (walk guarantees a header fits). */
  private entryAt(phys: number): DecodeResult {
    const off = this.wal.walOffset + phys;
    const remaining = this.wal.walSize - phys;
    let buf = this.disk.peek(off, Math.min(remaining, PEEK_GUESS));
    const need = Math.min(remaining, walEntryExtent(buf));
    if (need > buf.length) buf = this.disk.peek(off, need);
    return decodeWALEntry(buf, 0);
  }
}
