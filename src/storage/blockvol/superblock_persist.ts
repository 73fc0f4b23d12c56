// Superblock mutation + write + fsync (spec §10.4 step 7, §13 B30). Fixed behaviour: under
// superMu, mutate the in-memory superblock and write it. B30 (switch): no superMu; the writer
// copies the in-memory superblock, yields, applies its mutation to the (possibly stale) copy and
// writes it, so a concurrent persister's newer WALTail/checkpoint can be overwritten.

import { bugOn } from './bugs.ts';
import { diskErr, type StorageError } from '../errors.ts';
import { lockSteps, type Steps } from './locks.ts';
import { encodeSuperblock, type SuperblockFields } from './superblock.ts';
import type { VolumeState } from './volume_state.ts';

export function* persistSuperblockSteps(v: VolumeState, owner: string, mutate: (sb: SuperblockFields) => void): Steps<StorageError | null> {
  if (bugOn(v.bugs, 'B30')) {
    const copy = { ...v.sb };
    yield 'super:copied';
    mutate(copy);
    v.sb = copy;
    return yield* writeAndSync(v, copy);
  }
  yield* lockSteps(v.locks.superMu, owner);
  try {
    mutate(v.sb);
    return yield* writeAndSync(v, v.sb);
  } finally {
    v.locks.superMu.unlock(owner);
  }
}

function* writeAndSync(v: VolumeState, sb: SuperblockFields): Steps<StorageError | null> {
  const werr = v.disk.write(0, encodeSuperblock(sb));
  if (werr) return diskErr('write superblock', werr);
  yield 'super:written';
  const serr = v.disk.fsync();
  return serr ? diskErr('fsync superblock', serr) : null;
}
