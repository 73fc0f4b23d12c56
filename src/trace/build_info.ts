// Which code recorded a trace: a short hash of the simulator's source files. Two builds with the
// same hash behave identically for a seed, so when a replay diverges the replayer can tell "the
// simulator changed since this trace was recorded" apart from "the trace was edited or the run is
// not deterministic". The compiled CLI reads the hash the build wrote (dist/build-info.json);
// running from source, it is computed here from src/ with the same function.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every .ts file under `srcDir`, sorted by path, hashed with its relative path. */
export function hashSourceTree(srcDir: string): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) files.push(p);
    }
  };
  walk(srcDir);
  const h = createHash('sha256');
  for (const f of files) {
    h.update(relative(srcDir, f).split('\\').join('/'));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 12);
}

let cached: string | undefined;

/** The build id of the running simulator. */
export function buildId(): string {
  if (cached !== undefined) return cached;
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled: dist/trace/build_info.js next to dist/build-info.json. From source: src/trace/.
  const info = resolve(here, '..', 'build-info.json');
  if (existsSync(info)) {
    cached = (JSON.parse(readFileSync(info, 'utf8')) as { build: string }).build;
  } else {
    cached = hashSourceTree(resolve(here, '..'));
  }
  return cached;
}
