// `npm run build` (also run by `npm ci` through the prepare script): compiles src/ to dist/ so the
// `swsim` command starts without transpiling, and records the source hash the compiled code
// reports as its build id (src/trace/build_info.ts computes the same hash from source).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const { hashSourceTree } = await import(join(root, 'dist', 'trace', 'build_info.js'));
const build = hashSourceTree(join(root, 'src'));
writeFileSync(join(root, 'dist', 'build-info.json'), JSON.stringify({ build }) + '\n');
console.log(`swsim built: dist/ (build ${build})`);
