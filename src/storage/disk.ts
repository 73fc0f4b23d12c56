// The Disk interface every storage component (blockvol WAL/volume, reddb spool) runs on, and the
// Chooser through which every fault decision and torn length is made. Storage never imports the
// simulator: the sim implements Chooser with its seeded, recorded streams and decides *when* each
// storage step runs (which is how it delays and interleaves I/O). All calls are synchronous.
//
// Fault model (see docs/storage.md and sim_disk.ts): a write lands in a volatile cache; fsync makes
// every earlier write durable; a crash keeps durable bytes and, per unsynced write, chooses lost /
// persisted / torn (a prefix of its sectors). Optional injected faults: I/O errors, a corrupted
// sector (the disk returns damaged bytes; detection is the caller's checksums), out of space.

/** Disk error codes. `corrupt_sector` is reported by callers whose checksums detect damage. */
export type DiskErrorCode = 'io_error' | 'corrupt_sector' | 'out_of_space';

export class DiskError extends Error {
  constructor(
    readonly code: DiskErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DiskError';
  }
}

export function isDiskError(x: unknown): x is DiskError {
  return x instanceof DiskError;
}

/** A block device of fixed size. Every call returns a result or a DiskError (never throws). */
export interface Disk {
  /** Size in bytes (fixed at creation). */
  size(): number;
  /** Read `length` bytes at `offset` (sees cached, not-yet-durable writes). */
  read(offset: number, length: number): Uint8Array | DiskError;
  /** Write `data` at `offset` into the volatile cache. */
  write(offset: number, data: Uint8Array): DiskError | null;
  /** Make every earlier write durable. */
  fsync(): DiskError | null;
  /**
   * Optional fault-free read of what reads currently return, for checks and traces only: it
   * never injects a fault nor consults a chooser, so checking does not perturb a run.
   */
  peek?(offset: number, length: number): Uint8Array;
  /**
   * Optional change tracking for inspection caches (with peek): a counter that grows with every
   * change of what reads return (a write, a crash) ...
   */
  changeCount?(): number;
  /**
   * ... and whether a change since counter value `since` touched [offset, offset + length); true
   * as well when the disk no longer remembers changes that far back.
   */
  changedSince?(since: number, offset: number, length: number): boolean;
}

/** Read for a check (peek when the disk offers it) or for the operation itself. */
export function inspectOrRead(disk: Disk, offset: number, length: number, inspect: boolean): Uint8Array | DiskError {
  return inspect && disk.peek ? disk.peek(offset, length) : disk.read(offset, length);
}

/**
 * The one injection point for nondeterministic decisions (fault or not, torn length, ...).
 * Returns an index in [0, options). `kind` names the decision for traces, e.g. 'disk.crash.write'.
 */
export interface Chooser {
  choose(kind: string, options: number): number;
}

/** A chooser that always picks option 0 (the "no fault / lose it" option); useful in tests. */
export const FIRST_CHOICE: Chooser = { choose: () => 0 };
