// The blockvol concurrency boundaries of spec §0.1 as explicit lock objects: shipMu (LSN
// allocation + WAL append + ship), ioMu (shared for I/O and replica apply, exclusive for
// truncate/install), flushMu (one flush cycle; held by Pause), superMu (superblock write+fsync).
// Multi-step operations are generators that yield a label at every lock boundary and between I/O
// steps; a blocked acquire yields 'blocked:<lock>' until the lock frees. The simulator interleaves
// the generators; runToCompletion drives one alone (a block there means a deadlock: an error;
// the BlockVolume wrappers return it as ERR_LOCK_BUSY — inside the simulator use the *Steps form).

import { ERR_LOCK_BUSY, StorageError } from '../errors.ts';

export type StepLabel = string;
export type Steps<T> = Generator<StepLabel, T, void>;

/** Readers-writer lock with named owners (a plain mutex uses only the exclusive side). */
export class RWLock {
  private writer: string | null = null;
  private readonly readers: string[] = [];
  /** Releases so far (exclusive and shared): a waiter need not retry until this moves (Go wakes waiters on Unlock). */
  releases = 0;

  constructor(readonly name: string) {}

  tryLock(owner: string): boolean {
    if (this.writer !== null || this.readers.length > 0) return false;
    this.writer = owner;
    return true;
  }

  tryRLock(owner: string): boolean {
    if (this.writer !== null) return false;
    this.readers.push(owner);
    return true;
  }

  unlock(owner: string): void {
    if (this.writer !== owner) throw new Error(`${this.name}: unlock by ${owner}, held by ${this.writer ?? 'nobody'}`);
    this.writer = null;
    this.releases += 1;
  }

  runlock(owner: string): void {
    const i = this.readers.indexOf(owner);
    if (i < 0) throw new Error(`${this.name}: runlock by non-reader ${owner}`);
    this.readers.splice(i, 1);
    this.releases += 1;
  }

  /** Canonical state: exclusive holder and shared holders (in acquisition order). */
  state(): { writer: string | null; readers: readonly string[] } {
    return { writer: this.writer, readers: this.readers.slice() };
  }

  isFree(): boolean {
    return this.writer === null && this.readers.length === 0;
  }
}

export function* lockSteps(lock: RWLock, owner: string): Steps<void> {
  while (!lock.tryLock(owner)) yield `blocked:${lock.name}`;
}

export function* rlockSteps(lock: RWLock, owner: string): Steps<void> {
  while (!lock.tryRLock(owner)) yield `blocked:${lock.name}`;
}

export interface VolumeLocks {
  readonly shipMu: RWLock;
  readonly ioMu: RWLock;
  readonly flushMu: RWLock;
  readonly superMu: RWLock;
}

/** Releases so far of the volume's lock named `name` (see RWLock.releases); 0 for an unknown name. */
export function lockReleases(l: VolumeLocks, name: string): number {
  switch (name) {
    case 'shipMu': return l.shipMu.releases;
    case 'ioMu': return l.ioMu.releases;
    case 'flushMu': return l.flushMu.releases;
    case 'superMu': return l.superMu.releases;
    default: return 0;
  }
}

export function newVolumeLocks(): VolumeLocks {
  return { shipMu: new RWLock('shipMu'), ioMu: new RWLock('ioMu'), flushMu: new RWLock('flushMu'), superMu: new RWLock('superMu') };
}

/**
 * Drive a step generator to its result with nothing else running. `onLabel` may react to a
 * label (e.g. run a flush on a WAL-full nudge). A 'blocked:' label that repeats means no one
 * else can free the lock: a deadlock, returned as ERR_LOCK_BUSY by throwing.
 */
export function runToCompletion<T>(steps: Steps<T>, onLabel?: (label: StepLabel) => void): T {
  let blockedInARow = 0;
  let finished = false;
  try {
    for (;;) {
      const r = steps.next();
      if (r.done) {
        finished = true;
        return r.value;
      }
      if (r.value.startsWith('blocked:')) {
        blockedInARow++;
        if (blockedInARow > 2) throw new StorageError(ERR_LOCK_BUSY, `run to completion: ${r.value.slice(8)} held by a suspended operation`);
      } else {
        blockedInARow = 0;
      }
      onLabel?.(r.value);
    }
  } finally {
    if (!finished) steps.return(undefined as never); // runs the generator's finally blocks: locks released
  }
}

/** runToCompletion, turning ERR_LOCK_BUSY into a value via `onBusy` instead of throwing. */
export function runOrBusy<T>(steps: Steps<T>, onBusy: (e: StorageError) => T, onLabel?: (label: StepLabel) => void): T {
  try {
    return runToCompletion(steps, onLabel);
  } catch (e) {
    if (e instanceof StorageError && e.code === ERR_LOCK_BUSY) return onBusy(e);
    throw e;
  }
}
