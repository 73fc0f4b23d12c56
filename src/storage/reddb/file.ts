// The thin file system the reddb spool needs on top of Disk: named files with a logical length
// (append, shrink, read-all, sync_all), whole-file create and an atomic rename. Each file is one
// Disk. It survives a process crash; `crash(chooser)` models a machine crash:
//  - file data: each file's disk crashes (unsynced writes lost, kept or torn);
//  - file length: an unsynced growth survives at any length between the durable and the current
//    one (bytes whose writes were lost read as zeros); an unsynced shrink survives or not;
//  - directory: reddb never fsyncs a directory. As in a journaling file system (ext4), a file's
//    sync_all commits every earlier directory operation; a crash keeps a chosen prefix of the
//    directory operations made since the last such commit.

import type { Chooser } from '../disk.ts';
import { diskErr, StorageError, storageErr } from '../errors.ts';
import type { CrashableDisk } from './mem_disk.ts';

export const ERR_REDDB_NO_FILE = 'reddb_no_file';
export const ERR_REDDB_BAD_LENGTH = 'reddb_bad_length';

export type DiskFactory = () => CrashableDisk;

interface Inode {
  readonly disk: CrashableDisk;
  length: number;
  durableLength: number;
}

type DirOp = { readonly op: 'create'; readonly name: string; readonly inode: number } | { readonly op: 'rename'; readonly from: string; readonly to: string };

export class SpoolFs {
  private readonly inodes = new Map<number, Inode>();
  private nextInode = 1;
  private dir = new Map<string, number>();
  private durableDir = new Map<string, number>();
  private pendingDirOps: DirOp[] = [];

  constructor(private readonly newDisk: DiskFactory) {}

  exists(name: string): boolean {
    return this.dir.has(name);
  }

  /** File::create: a new empty file under `name`, replacing any file of that name. */
  create(name: string): null {
    const id = this.nextInode++;
    this.inodes.set(id, { disk: this.newDisk(), length: 0, durableLength: 0 });
    this.dir.set(name, id);
    this.pendingDirOps.push({ op: 'create', name, inode: id });
    return null;
  }

  length(name: string): number | StorageError {
    const f = this.file(name);
    return f instanceof StorageError ? f : f.length;
  }

  /** The file's bytes [0, length). */
  readAll(name: string): Uint8Array | StorageError {
    const f = this.file(name);
    if (f instanceof StorageError) return f;
    const r = f.disk.read(0, f.length);
    return r instanceof Uint8Array ? r : diskErr(`read ${name}`, r);
  }

  /** An O_APPEND write: lands at the current end of the file. */
  append(name: string, data: Uint8Array): StorageError | null {
    const f = this.file(name);
    if (f instanceof StorageError) return f;
    const e = f.disk.write(f.length, data);
    if (e !== null) return diskErr(`append ${name}`, e);
    f.length += data.length;
    return null;
  }

  /** set_len to a shorter length; the cut bytes are zeroed so a later regrowth never resurrects them. */
  setLen(name: string, length: number): StorageError | null {
    const f = this.file(name);
    if (f instanceof StorageError) return f;
    if (length > f.length || length < 0) return storageErr(ERR_REDDB_BAD_LENGTH, `set_len ${name}: ${length} is not in [0, ${f.length}]`);
    if (length < f.length) {
      const e = f.disk.write(length, new Uint8Array(f.length - length));
      if (e !== null) return diskErr(`set_len ${name}`, e);
    }
    f.length = length;
    return null;
  }

  /** sync_all: data and length durable. */
  syncAll(name: string): StorageError | null {
    const f = this.file(name);
    if (f instanceof StorageError) return f;
    const e = f.disk.fsync();
    if (e !== null) return diskErr(`sync_all ${name}`, e);
    f.durableLength = f.length;
    this.commitDirOps();
    return null;
  }

  /** rename(from, to): atomic replacement of `to` (not durable until a crash keeps it). */
  rename(from: string, to: string): StorageError | null {
    const id = this.dir.get(from);
    if (id === undefined) return storageErr(ERR_REDDB_NO_FILE, `rename: no file ${from}`);
    this.dir.delete(from);
    this.dir.set(to, id);
    this.pendingDirOps.push({ op: 'rename', from, to });
    return null;
  }

  /** Directory operations not yet committed (a crash may drop a suffix of them). */
  get pendingDirectoryOps(): number {
    return this.pendingDirOps.length;
  }

  /** Machine crash: see the file comment for what survives. */
  crash(chooser: Chooser): void {
    const keep = chooser.choose('reddb.fs.crash.dirops', this.pendingDirOps.length + 1);
    const next = applyDirOps(this.durableDir, this.pendingDirOps.slice(0, keep));
    this.pendingDirOps = [];
    this.durableDir = next;
    this.dir = new Map(next);
    const live = new Set(next.values());
    for (const id of [...this.inodes.keys()].sort((a, b) => a - b)) {
      if (!live.has(id)) {
        this.inodes.delete(id);
        continue;
      }
      const f = this.inodes.get(id)!;
      f.disk.crash(chooser);
      f.length = survivingLength(f, chooser);
      f.durableLength = f.length;
    }
  }

  /** Names of existing files, sorted. */
  names(): string[] {
    return [...this.dir.keys()].sort();
  }

  private commitDirOps(): void {
    this.durableDir = applyDirOps(this.durableDir, this.pendingDirOps);
    this.pendingDirOps = [];
  }

  private file(name: string): Inode | StorageError {
    const id = this.dir.get(name);
    const f = id === undefined ? undefined : this.inodes.get(id);
    return f ?? storageErr(ERR_REDDB_NO_FILE, `no file ${name}`);
  }
}

function applyDirOps(dir: ReadonlyMap<string, number>, ops: readonly DirOp[]): Map<string, number> {
  const next = new Map(dir);
  for (const op of ops) {
    if (op.op === 'create') next.set(op.name, op.inode);
    else {
      const id = next.get(op.from);
      if (id !== undefined) {
        next.delete(op.from);
        next.set(op.to, id);
      }
    }
  }
  return next;
}

function survivingLength(f: Inode, chooser: Chooser): number {
  if (f.length === f.durableLength) return f.length;
  if (f.length < f.durableLength) return chooser.choose('reddb.fs.crash.shrink', 2) === 0 ? f.durableLength : f.length;
  return f.durableLength + chooser.choose('reddb.fs.crash.length', f.length - f.durableLength + 1);
}
