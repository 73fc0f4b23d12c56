// The B32 resource invariant in the cluster (spec §13 B32): a flush reads at most one WAL-entry
// buffer per distinct WAL entry it flushes. The volume counts buffers read and distinct entries
// per completed flush, but the buffer count moves while a flush runs (and a flush aborted by an
// I/O error adds buffers without entries), so the cumulative counters are compared only between
// two moments when no flush holds flushMu, and only over a window in which a flush completed.
import type { BlockVolume } from '../storage/volume.ts';
import type { Failure } from './catalog.ts';

export const FLUSH_BUFFERS_ID = 'B32-RES';

/** One per volume instance. */
export class FlushBufferWatch {
  private read = 0;
  private distinct = 0;

  observe(vol: BlockVolume): Failure | null {
    if (!vol.locks().flushMu.isFree()) return null;
    const s = vol.flushStats();
    const dRead = s.buffersRead - this.read;
    const dDistinct = s.distinctEntries - this.distinct;
    this.read = s.buffersRead;
    this.distinct = s.distinctEntries;
    if (dDistinct > 0 && dRead > dDistinct) {
      return { id: FLUSH_BUFFERS_ID, message: `a flush read ${dRead} WAL-entry buffers for ${dDistinct} distinct WAL entries (one per dirty block, not per entry)`, candidate: false };
    }
    return null;
  }
}
