// Writes traces atomically: the whole file goes to a temporary name in the same directory and is
// renamed into place, so a reader (or a CI artifact upload) never sees half a trace, even if the
// process is interrupted while writing.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { traceToLines, type Trace } from './format.ts';

export function writeTraceAtomic(file: string, trace: Trace): void {
  mkdirSync(dirname(file) || '.', { recursive: true });
  const tmp = join(dirname(file), `.${process.pid}.${Math.abs(hashName(file))}.tmp`);
  try {
    writeFileSync(tmp, traceToLines(trace));
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function hashName(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}
