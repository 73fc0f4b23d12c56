// The B32 resource invariant in the cluster (spec §13 B32): a flush reads at most one WAL-entry
// buffer per distinct WAL entry it flushes. The volume adds a cycle's buffers read and distinct
// entries together, once its reads are done (an aborted cycle adds nothing), so comparing the
// growth of the two counters since the last observation judges exactly the cycles that ended.
import type { BlockVolume } from '../storage/blockvol/volume.ts';
import type { Failure } from './catalog.ts';

export const FLUSH_BUFFERS_ID = 'B32-RES';

/** One per volume instance. */
export class FlushBufferWatch {
  private read = 0;
  private distinct = 0;

  observe(vol: BlockVolume): Failure | null {
    const read = vol.flushBuffersRead();
    const distinct = vol.flushDistinctEntries();
    const dRead = read - this.read;
    const dDistinct = distinct - this.distinct;
    this.read = read;
    this.distinct = distinct;
    if (dRead > dDistinct) {
      return { id: FLUSH_BUFFERS_ID, message: `a flush read ${dRead} WAL-entry buffers for ${dDistinct} distinct WAL entries (one per dirty block, not per entry)`, candidate: false };
    }
    return null;
  }
}
