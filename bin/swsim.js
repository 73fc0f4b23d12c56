#!/usr/bin/env node
// Entry point for `npx swsim`. Runs the compiled CLI in dist/ (built by `npm ci` through the
// prepare script, or `npm run build`) when it is at least as new as every file under src/, so a
// command starts in a fraction of a second; otherwise — sources edited since the build, or no
// build — it runs the TypeScript sources through tsx, so what runs is always the current code.
// SWSIM_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', 'build-info.json');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const compiledIsCurrent = process.env.SWSIM_FROM_SOURCE !== '1' && existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(join(root, 'src'));
if (compiledIsCurrent) {
  await import('../dist/cli/entry.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/entry.ts');
}
