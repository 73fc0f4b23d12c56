// Checks, before the first seed runs, that the places a command will write to can be written:
// `--traces DIR` (a directory, created when missing) and `--trace FILE` (a file whose folder is
// created when missing, said on stderr). A bad path is a usage error (exit 2) naming the flag, the
// path and the reason — never a stack trace an hour into a run. The check writes and removes a
// probe file, which also catches read-only and pseudo file systems (/proc, /sys).
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { tempNameFor } from '../trace/writer.ts';
import { UsageError } from './args.ts';
import type { Io } from './io.ts';

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code !== undefined ? `${err.code}, ${err.syscall ?? 'access'} failed` : String(err.message);
}

function kindOf(path: string): 'missing' | 'dir' | 'file' | 'other' {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

/** Refuse paths under the kernel's pseudo file systems: they accept some writes and mean nothing. */
function refusePseudo(flag: string, path: string): void {
  const abs = resolve(path);
  if (/^\/(proc|sys|dev)(\/|$)/.test(abs) && abs !== '/dev/shm' && !abs.startsWith('/dev/shm/')) {
    throw new UsageError(`${flag} ${path}: a pseudo file system (${abs.split('/')[1]}), expected a folder on a real file system`);
  }
}

/** Create `dir` if needed (mkdir -p) and prove a file can be written and removed in it. */
function probeDir(flag: string, shown: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`${flag} ${shown}: cannot create the folder ${dir} (${reason(e)})`);
  }
  const probe = tempNameFor(dir);
  try {
    const fd = openSync(probe, 'w');
    try { writeSync(fd, 'probe'); } finally { closeSync(fd); }
  } catch (e) {
    throw new UsageError(`${flag} ${shown}: cannot write in ${dir} (${reason(e)})`);
  } finally {
    rmSync(probe, { force: true });
  }
}

/** Prepare the folder failing traces (or saved scenarios) go to; exit 2 (UsageError) when it cannot be written. */
export function prepareTraceDir(flag: string, dir: string, what = 'the trace files'): void {
  refusePseudo(flag, dir);
  const k = kindOf(dir);
  if (k === 'file' || k === 'other') throw new UsageError(`${flag} ${dir}: is a file, expected a folder for ${what}`);
  probeDir(flag, dir, dir);
}

/** Prepare the file a trace goes to; says on stderr when it had to create the folder. */
export function prepareTraceFile(flag: string, file: string, io: Io, example = 'trace.jsonl'): void {
  refusePseudo(flag, file);
  if (file.endsWith('/')) throw new UsageError(`${flag} ${file}: names a folder, expected a file name such as ${file}${example}`);
  const k = kindOf(file);
  if (k === 'dir') throw new UsageError(`${flag} ${file}: is a folder, expected a file name such as ${file}/${example}`);
  if (k === 'other') throw new UsageError(`${flag} ${file}: is not a regular file`);
  const dir = dirname(file) || '.';
  const dk = kindOf(dir);
  if (dk === 'file' || dk === 'other') throw new UsageError(`${flag} ${file}: ${dir} is a file, expected a folder`);
  probeDir(flag, file, dir);
  if (dk === 'missing') io.err(`created folder ${dir} for ${flag} ${file}\n`);
}
