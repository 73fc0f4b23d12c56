// `npm run bench:jobs`: the fuzz job's throughput on all cores — seeds per wall second with
// `--jobs 1` (in this thread) and `--jobs N` (worker threads) over the same seeds, the speed-up,
// and the process's peak resident memory after each. Same outcomes are asserted (the summary must
// not depend on N). Wall-clock reads are allowed here (reporting only).
// Usage: tsx bench/jobs.ts [--seeds N] [--from S] [--jobs N] [--profile P]
import { performance } from 'node:perf_hooks';
import { defaultJobs, runInProcess, runInWorkers } from '../src/cli/seed_pool.ts';
import { shardSeeds } from '../src/cli/fuzz_command.ts';
import type { SeedOutcome } from '../src/cli/seed_outcome.ts';
import { DEFAULT_MAX_STEPS } from '../src/sim/cluster.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const seeds = Number(flag('seeds', '60'));
const from = Number(flag('from', '1'));
const jobs = Number(flag('jobs', String(defaultJobs())));
const profile = flag('profile', 'default');
const options = { profile, control: 'ideal' as const, bugs: [], strict: false, maxSteps: DEFAULT_MAX_STEPS, stepCap: 'livelock' as const };

async function measure(n: number): Promise<{ wallMs: number; outcomes: string[]; steps: number }> {
  const outcomes: string[] = [];
  let steps = 0;
  const hooks = { deliver: (o: SeedOutcome) => { outcomes.push(`${o.seed}:${o.status}:${o.failure?.id ?? ''}:${o.steps}`); steps += o.steps; }, mayStart: () => true, interrupted: () => false };
  const start = performance.now();
  if (n === 1) await runInProcess(shardSeeds(from, seeds, [1, 1]), options, hooks);
  else await runInWorkers(n, shardSeeds(from, seeds, [1, 1]), options, hooks);
  return { wallMs: performance.now() - start, outcomes, steps };
}

// Warm the JIT in this thread first (workers start cold every run, as a fuzz job's do).
await measure(1);
const one = await measure(1);
const rssOne = process.memoryUsage().rss;
const many = await measure(jobs);
const rssMany = process.memoryUsage().rss;
if (one.outcomes.join() !== many.outcomes.join()) {
  process.stderr.write('outcomes differ between --jobs 1 and --jobs N: a determinism bug\n');
  process.exit(1);
}
const rate = (w: number): number => seeds / (w / 1000);
process.stdout.write(`profile ${profile}, seeds ${from}..${from + seeds - 1}, node ${process.version}\n`);
process.stdout.write(`--jobs 1: ${(one.wallMs / 1000).toFixed(1)} s, ${rate(one.wallMs).toFixed(2)} seeds/s, ${Math.round(one.steps / (one.wallMs / 1000))} steps/s, rss ${(rssOne / 2 ** 20).toFixed(0)} MiB\n`);
process.stdout.write(`--jobs ${jobs}: ${(many.wallMs / 1000).toFixed(1)} s, ${rate(many.wallMs).toFixed(2)} seeds/s, ${Math.round(many.steps / (many.wallMs / 1000))} steps/s, rss ${(rssMany / 2 ** 20).toFixed(0)} MiB (main thread's process; workers included)\n`);
process.stdout.write(`speed-up: ${(one.wallMs / many.wallMs).toFixed(2)}x; outcomes identical\n`);
