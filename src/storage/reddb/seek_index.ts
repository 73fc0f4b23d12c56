// The spool's sparse seek index (spec §11.3): strictly LSN-ascending (lsn, byte offset of the frame
// start) checkpoints, one every LOGICAL_WAL_SEEK_INDEX_INTERVAL frames, so a resume seeks near its
// LSN instead of scanning the whole spool. In-memory only; rebuilt on open and after every prune.

export const LOGICAL_WAL_SEEK_INDEX_INTERVAL = 64;

export interface SeekPoint {
  readonly lsn: number;
  readonly offset: number;
}

export class SeekIndex {
  private readonly points: SeekPoint[] = [];

  /** Index the frame with zero-based `ordinal` if it lands on an interval boundary and its LSN is new. */
  noteRecord(ordinal: number, lsn: number, offset: number): void {
    if (ordinal % LOGICAL_WAL_SEEK_INDEX_INTERVAL !== 0) return;
    const last = this.points[this.points.length - 1];
    if (last !== undefined && last.lsn === lsn) return;
    this.points.push({ lsn, offset });
  }

  /**
   * Offset to start a forward scan for `since` (exclusive): the point with lsn == since, else the
   * greatest lsn < since, else 0. Binary search, as Rust's binary_search_by.
   */
  seekFloorOffset(since: number): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.points[mid]!;
      if (p.lsn === since) return p.offset;
      if (p.lsn < since) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : this.points[lo - 1]!.offset;
  }

  /** A copy of the checkpoints, in order. */
  snapshot(): SeekPoint[] {
    return this.points.map((p) => ({ lsn: p.lsn, offset: p.offset }));
  }

  get length(): number {
    return this.points.length;
  }
}
