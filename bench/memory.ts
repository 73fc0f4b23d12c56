// `npm run bench:memory`: does a long fuzz run's memory stay flat? Runs `swsim fuzz --time SHORT`
// and `swsim fuzz --time LONG` (default 1m and 10m, the goal: the long run's peak RSS
// within 10 % of the short one's) as child processes and reads each one's peak resident set
// (VmHWM in /proc/PID/status, Linux) until it exits. Wall-clock reads are allowed here.
// Usage: tsx bench/memory.ts [--short 1m] [--long 10m] [--jobs N] [--profile P]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const short = flag('short', '1m');
const long = flag('long', '10m');
const jobs = flag('jobs', '2');
const profile = flag('profile', 'default');

/** Peak RSS (KiB) of process `pid` so far, or null once it is gone. */
function peakKiB(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch { return null; }
}

async function fuzzPeak(time: string): Promise<{ peakMiB: number; summary: string }> {
  const child = spawn(process.execPath, ['bin/swsim.js', 'fuzz', '--time', time, '--jobs', jobs, '--profile', profile, '--no-shrink', '--traces', '/tmp/swsim-bench-memory'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  let peak = 0;
  const poll = setInterval(() => { const p = peakKiB(child.pid!); if (p !== null) peak = Math.max(peak, p); }, 200);
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  clearInterval(poll);
  const summary = out.trim().split('\n').filter((l) => /steps in|passed/.test(l)).join('; ');
  return { peakMiB: peak / 1024, summary };
}

const a = await fuzzPeak(short);
process.stdout.write(`--time ${short}: peak RSS ${a.peakMiB.toFixed(0)} MiB (${a.summary})\n`);
const b = await fuzzPeak(long);
process.stdout.write(`--time ${long}: peak RSS ${b.peakMiB.toFixed(0)} MiB (${b.summary})\n`);
const growth = b.peakMiB / a.peakMiB - 1;
process.stdout.write(`growth ${(growth * 100).toFixed(1)} % (goal ≤ 10 %): ${growth <= 0.1 ? 'met' : 'NOT met'}\n`);
