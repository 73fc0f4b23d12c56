// `npm run bench:shrink`: the shrinker on every known-bug switch the cluster fuzzer finds. For each,
// the first failing seed docs/bugs.md recorded for it (docs/bugs.md, "Found"; the table below copies its
// seeds) is run and recorded, then shrunk as `swsim shrink` does (structure, then choices; default
// budget, a wall-clock cap per shrink), and the shrunk trace is replayed against the shrunk
// scenario file it names. Prints one row per bug — invariant, steps, fault events, client
// operations before → after, wall time, what ended the search, whether the shrunk trace replays
// and fails with the same id — and the goals of issue #10: median shrunk steps ≤ 5 % of the
// original, ≤ 3 fault events, ≤ 60 s each, every shrunk trace replays. A benchmark, not a test:
// wall-clock reads are fine here (reporting only). Run it alone: the machine's cores are shared.
// Usage: tsx bench/shrink.ts [--bugs B5,B20,...] [--budget N] [--cap-s S]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeClusterWorld } from '../src/check/cluster_world.ts';
import { DEFAULT_BUDGET } from '../src/explore/shrink.ts';
import { shrinkFailure } from '../src/explore/shrink_failure.ts';
import { loadScenario, worldFactory } from '../src/scenario/runner.ts';
import { RandomChooser } from '../src/sim/chooser.ts';
import { DEFAULT_MAX_STEPS } from '../src/sim/cluster.ts';
import { traceToLines } from '../src/trace/format.ts';
import { parseTrace } from '../src/trace/reader.ts';
import { replayTrace } from '../src/trace/replay.ts';
import { runSeed } from '../src/trace/run.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** First failing seed of each switch (docs/bugs.md, "Found"), in the profile TAKEN_IN names. */
/**
 * The profile each seed below was taken in (the switches' former home profiles, under the ideal
 * control plane, before the default profile drew every fault kind); `basic` is the former default.
 */
const TAKEN_IN: Readonly<Record<string, 'basic' | 'network' | 'crash' | 'storage'>> = {
  B8: 'network', B18: 'network', B19: 'network', B26: 'network', B31: 'network', B29: 'crash', B30: 'storage', B32: 'storage',
};

const FIRST_FAILING: Readonly<Record<string, number>> = {
  B5: 1, B8: 22, B11: 12, B13: 1, B18: 21, B19: 1771, B20: 1, B26: 12, B28: 1358, B29: 33, B30: 306, B31: 235, B32: 1,
};

const bugs = flag('bugs', Object.keys(FIRST_FAILING).join(',')).split(',');
const budget = Number(flag('budget', String(DEFAULT_BUDGET)));
const capMs = Number(flag('cap-s', '60')) * 1000;
const GOAL_MS = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'swsim-bench-shrink-'));

interface Row {
  bug: string; seed: number; invariant: string;
  steps: [number, number]; faults: [number, number]; ops: [number, number];
  ms: number; stoppedBy: string; replays: boolean; note: string;
}

function shrinkOne(bug: string): Row | string {
  const seed = FIRST_FAILING[bug];
  if (seed === undefined) return `${bug}: no first failing seed in the table`;
  const profile = TAKEN_IN[bug] ?? 'basic';
  const run = runSeed({ seed, profile, control: 'ideal', bugs: [bug], strict: false, maxSteps: DEFAULT_MAX_STEPS, record: true, check: true }, makeClusterWorld, new RandomChooser(seed));
  if (run.status !== 'fail') return `${bug}: seed ${seed} (${profile}) did not fail (${run.status}); docs/bugs.md's seed is stale`;
  const base = join(dir, `${bug}-seed-${seed}`);
  const t0 = performance.now();
  const r = shrinkFailure(run.trace, makeClusterWorld, { budget, scenarioPath: `${base}.shrunk.yaml`, source: `${bug} seed ${seed}`, shouldStop: () => performance.now() - t0 >= capMs });
  const ms = performance.now() - t0;
  if (r.scenario !== null) writeFileSync(r.scenario.path, r.scenario.text);
  const text = traceToLines(r.trace);
  writeFileSync(`${base}.shrunk.jsonl`, text);
  const back = parseTrace(`${base}.shrunk.jsonl`, text);
  const make = back.header.scenario === undefined ? makeClusterWorld : worldFactory(loadScenario(back.header.scenario.path));
  const rep = replayTrace(back, make);
  return {
    bug, seed, invariant: run.failure?.id ?? '?',
    steps: [r.before.steps, r.after.steps], faults: [r.before.faults, r.after.faults], ops: [r.before.clientOps, r.after.clientOps],
    ms, stoppedBy: r.stoppedBy, replays: rep.ok && back.outcome.invariant === run.failure?.id,
    note: r.scenario === null ? (r.structureNote ?? '') : `scenario: ${r.scenario.faultsBefore} → ${r.scenario.faultsAfter} faults stated, message faults [${r.scenario.messageFaultsAfter.join(', ')}], ${r.scenario.serversAfter} servers`,
  };
}

const rows: Row[] = [];
console.log(`bench:shrink — budget ${budget} candidates, wall-clock cap ${capMs / 1000} s per shrink; files in ${dir}\n`);
console.log('| bug | seed | invariant | steps before → after | fault events | client ops | wall | ended by | replays, same id | notes |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const bug of bugs) {
  const r = shrinkOne(bug);
  if (typeof r === 'string') { console.log(`| ${r} |`); continue; }
  rows.push(r);
  const pct = ((100 * r.steps[1]) / r.steps[0]).toFixed(1);
  console.log(`| ${r.bug} | ${r.seed} | ${r.invariant} | ${r.steps[0]} → ${r.steps[1]} (${pct} %) | ${r.faults[0]} → ${r.faults[1]} | ${r.ops[0]} → ${r.ops[1]} | ${(r.ms / 1000).toFixed(1)} s | ${r.stoppedBy} | ${r.replays ? 'yes' : 'NO'} | ${r.note} |`);
}

const ratios = rows.map((r) => r.steps[1] / r.steps[0]).sort((a, b) => a - b);
const median = ratios.length === 0 ? NaN : ratios.length % 2 === 1 ? ratios[(ratios.length - 1) / 2]! : (ratios[ratios.length / 2 - 1]! + ratios[ratios.length / 2]!) / 2;
const mark = (ok: boolean): string => (ok ? 'met' : 'NOT met');
const slow = rows.filter((r) => r.ms > GOAL_MS || r.stoppedBy === 'time');
const faulty = rows.filter((r) => r.faults[1] > 3);
const broken = rows.filter((r) => !r.replays);
console.log('\ngoals:');
console.log(`  median shrunk steps ≤ 5 % of the original: ${(median * 100).toFixed(1)} % — ${mark(median <= 0.05)}`);
console.log(`  ≤ 3 fault events after: ${mark(faulty.length === 0)}${faulty.length > 0 ? ` (${faulty.map((r) => `${r.bug}: ${r.faults[1]}`).join(', ')})` : ''}`);
console.log(`  each shrink ≤ 60 s: ${mark(slow.length === 0)}${slow.length > 0 ? ` (${slow.map((r) => `${r.bug}: ${(r.ms / 1000).toFixed(0)} s${r.stoppedBy === 'time' ? ', cap' : ''}`).join(', ')})` : ''}`);
console.log(`  each shrunk trace replays and fails with the same id: ${mark(broken.length === 0)}${broken.length > 0 ? ` (${broken.map((r) => r.bug).join(', ')})` : ''}`);
