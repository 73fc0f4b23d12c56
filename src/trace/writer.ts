// Writes traces atomically and durably: the whole file goes to a temporary name in the same
// directory, is fsynced, renamed into place, and the directory is fsynced, so a reader (or a CI
// artifact upload) never sees half a trace, even if the process or the machine stops while
// writing. Temporary files carry the writer's PID; those left by a killed process are removed by
// `removeOrphanTemps` when the next run starts in the same directory.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { traceToLines, type Trace } from './format.ts';

const TEMP = /^\.swsim-(\d+)-\d+\.tmp$/;
/** The temporary-file names of swsim versions before 0.1.0's format 2 (`.PID.HASH.tmp`). */
const OLD_TEMP = /^\.(\d+)\.\d+\.tmp$/;

let counter = 0;

export function tempNameFor(dir: string): string {
  counter += 1;
  return join(dir, `.swsim-${process.pid}-${counter}.tmp`);
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Write `text` to `file` atomically and durably (temp file, fsync, rename, fsync the folder). */
export function writeFileAtomic(file: string, text: string): void {
  const dir = dirname(file) || '.';
  mkdirSync(dir, { recursive: true });
  const tmp = tempNameFor(dir);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const buf = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dir);
}

export function writeTraceAtomic(file: string, trace: Trace): void {
  writeFileAtomic(file, traceToLines(trace));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temporary trace files in `dir` whose writing process is gone; returns their names. */
export function removeOrphanTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.sort()) {
    const m = TEMP.exec(name) ?? OLD_TEMP.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
