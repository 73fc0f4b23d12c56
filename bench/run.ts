// `npm run bench`: simulator throughput on one core for the default profile over a fixed set of
// seeds — steps per wall second and simulated ms per wall second — (a) checked, as `swsim fuzz`
// runs a seed (every check after every step, no step records: a seed whose trace is kept runs
// again recorded), (b) checked and traced, as `swsim run`, `replay` and fuzz's re-run of a kept
// seed (every step recorded with its fingerprint and detail), and (c) bare (no checks, no
// recording). The bare run does not stop at an invariant failure, so the modes may execute
// different step counts; the rates are per step and per simulated ms. Wall-clock reads are
// allowed here (reporting only).
// Usage: tsx bench/run.ts [--seeds N] [--from S] [--profile P] [--warm W]
import { performance } from 'node:perf_hooks';
import { makeClusterWorld } from '../src/check/cluster_world.ts';
import { RandomChooser } from '../src/sim/chooser.ts';
import { DEFAULT_MAX_STEPS } from '../src/sim/cluster.ts';
import { isProfileName } from '../src/sim/profile.ts';
import { runSeed } from '../src/trace/run.ts';

interface Totals {
  readonly mode: string;
  seeds: number;
  steps: number;
  simulatedMs: number;
  wallMs: number;
  failed: number;
}

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

type Mode = 'checked' | 'traced' | 'bare';

function measure(mode: string, seeds: readonly number[], profile: string, m: Mode): Totals {
  const t: Totals = { mode, seeds: 0, steps: 0, simulatedMs: 0, wallMs: 0, failed: 0 };
  const record = m === 'traced';
  for (const seed of seeds) {
    const start = performance.now();
    const r = runSeed({ seed, profile, bugs: [], strict: false, maxSteps: DEFAULT_MAX_STEPS, record, check: m !== 'bare', details: record }, makeClusterWorld, new RandomChooser(seed));
    t.wallMs += performance.now() - start;
    t.seeds += 1;
    t.steps += r.steps;
    t.simulatedMs += r.simulatedMs;
    if (r.status === 'fail') t.failed += 1;
  }
  return t;
}

const stepsPerSec = (t: Totals): number => t.steps / (t.wallMs / 1000);
const simMsPerSec = (t: Totals): number => t.simulatedMs / (t.wallMs / 1000);

function row(cells: readonly string[]): string {
  const widths = [24, 6, 9, 12, 9, 11, 15, 7];
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
}

const count = Number(flag('seeds', '20'));
const from = Number(flag('from', '1'));
const profile = flag('profile', 'default');
const warm = Number(flag('warm', '10'));
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(from) || !Number.isSafeInteger(warm) || warm < 0 || !isProfileName(profile)) {
  process.stderr.write('usage: tsx bench/run.ts [--seeds N] [--from S] [--profile default|calm|network|crash|storage] [--warm W]\n');
  process.exit(2);
}
const seeds = Array.from({ length: count }, (_, i) => from + i);

// Warm up the JIT on seeds outside the measured range, in both modes, until the code runs at the
// steady state a fuzz job of hundreds of seeds sees: the first seeds of a process run at about
// two thirds of that speed while V8 is still optimising (the checked mode, with more code, longest).
const warmSeeds = Array.from({ length: warm }, (_, i) => from + count + i);
for (const m of ['checked', 'traced', 'bare'] as const) measure('warm-up', warmSeeds, profile, m);

// Three rounds per mode, the middle one (by steps/s) reported: a single round moves by a few
// percent with the machine's other load.
const ROUNDS = 3;
function middle(mode: string, m: Mode): Totals {
  const rounds: Totals[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(measure(mode, seeds, profile, m));
  rounds.sort((a, b) => stepsPerSec(a) - stepsPerSec(b));
  return rounds[1]!;
}
const checked = middle('checked (fuzz)', 'checked');
const traced = middle('checked + trace (run)', 'traced');
const bare = middle('bare', 'bare');

process.stdout.write(`profile ${profile}, seeds ${from}..${from + count - 1} (after ${warmSeeds.length} warm-up seeds per mode; the middle of ${ROUNDS} rounds), node ${process.version}, one core\n\n`);
process.stdout.write(row(['mode', 'seeds', 'steps', 'simulated s', 'wall s', 'steps/s', 'sim ms/wall s', 'failed']) + '\n');
for (const t of [checked, traced, bare]) {
  process.stdout.write(row([t.mode, String(t.seeds), String(t.steps), (t.simulatedMs / 1000).toFixed(1), (t.wallMs / 1000).toFixed(2),
    Math.round(stepsPerSec(t)).toString(), Math.round(simMsPerSec(t)).toString(), String(t.failed)]) + '\n');
}
for (const t of [checked, traced]) {
  process.stdout.write(`\nbare / ${t.mode}: ${(stepsPerSec(bare) / stepsPerSec(t)).toFixed(2)}x steps/s, ${(simMsPerSec(bare) / simMsPerSec(t)).toFixed(2)}x simulated ms per wall s`);
}
process.stdout.write('\n');
process.stdout.write('(failed counts invariant failures; the bare run has no checks, so it never fails)\n');
