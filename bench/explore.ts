// `npm run bench:explore`: the exploration strategies side by side. For a few cluster-level
// known-bug switches it measures time and runs to the first failure with seeded random, PCT and
// bounded search: random and PCT fuzz the seeded cluster (the default profile, seeds 1, 2, …),
// bounded search explores the switch's scenario (scenarios/bNN-off-*.yaml with the switch on) from
// the first seed whose own run misses the bug (a search from a seed that already fails is no
// measure), fewest deviations first. It also prints the bounded search's runs/s. Each cell stops at a
// run cap or a wall-clock cap, so the whole bench takes a few minutes. A benchmark, not a test:
// wall-clock reads are fine here (reporting only).
// Usage: tsx bench/explore.ts [--runs N] [--cap-s S] [--bugs B5,B11,...] [--pct-depth D] [--pct-steps K]
import { performance } from 'node:perf_hooks';
import { makeClusterWorld } from '../src/check/cluster_world.ts';
import { isViolation } from '../src/cli/check_scenario.ts';
import { boundedSearch } from '../src/explore/bounded_search.ts';
import { makeChooser } from '../src/explore/strategy.ts';
import { loadScenario, runScenarioSeed } from '../src/scenario/runner.ts';
import { DEFAULT_MAX_STEPS } from '../src/sim/cluster.ts';
import type { StrategySpec } from '../src/trace/format.ts';
import { runSeed } from '../src/trace/run.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const maxRuns = Number(flag('runs', '50'));
const capMs = Number(flag('cap-s', '30')) * 1000;
const bugs = flag('bugs', 'B5,B11,B13,B29').split(',');
const pct: StrategySpec = { name: 'pct', pct: { depth: Number(flag('pct-depth', '3')), steps: Number(flag('pct-steps', '2000')) } };
const SCENARIOS: Readonly<Record<string, string>> = {
  B5: 'scenarios/b05-off-epoch-bump-endpoint-changed.yaml',
  B11: 'scenarios/b11-off-rebuild-follows-plan.yaml',
  B13: 'scenarios/b13-off-endpoint-change-keeps-sender.yaml',
  B29: 'scenarios/b29-off-idle-reconnects.yaml',
};

interface Cell { found: boolean; runs: number; ms: number; note: string }

function fuzz(bug: string, spec: StrategySpec | undefined): Cell {
  const t0 = performance.now();
  let runs = 0;
  for (let seed = 1; runs < maxRuns && performance.now() - t0 < capMs; seed++) {
    runs += 1;
    const r = runSeed({ seed, profile: 'default', bugs: [bug], strict: false, maxSteps: DEFAULT_MAX_STEPS, record: false, check: true, ...(spec === undefined ? {} : { strategy: spec }) },
      makeClusterWorld, makeChooser(seed, spec));
    if (r.status === 'fail') return { found: true, runs, ms: performance.now() - t0, note: `seed ${seed} ${r.failure?.id}` };
  }
  return { found: false, runs, ms: performance.now() - t0, note: 'not found' };
}

function bounded(bug: string): Cell & { runsPerSec: number } {
  const file = SCENARIOS[bug];
  if (file === undefined) return { found: false, runs: 0, ms: 0, note: 'no scenario', runsPerSec: 0 };
  const l = loadScenario(file);
  const t0 = performance.now();
  const first = l.scenario.free.first_seed;
  let seed = first;
  while (seed < first + 20 && isViolation(runScenarioSeed(l, seed, { bugs: [bug] }).result)) seed += 1;
  if (seed === first + 20) return { found: false, runs: 0, ms: 0, note: 'every seed\'s own run finds it', runsPerSec: 0 };
  const r = boundedSearch({
    run: (chooser, params, onStep) => runScenarioSeed(l, seed, { bugs: [bug], strategy: { spec: { name: 'bounded', bounded: params }, chooser: () => chooser }, onStep }).result,
    violates: isViolation,
  }, { seed, base: 'seed', deviations: 2, prune: true, shouldStop: () => performance.now() - t0 >= capMs });
  const ms = performance.now() - t0;
  const v = r.violation;
  return { found: v !== null, runs: r.runs, ms, runsPerSec: r.runs / (ms / 1000), note: `from seed ${seed}: ${v === null ? `not found (bound reached k = ${r.boundReached})` : `k = ${v.k} ${v.result.failure?.id}`}` };
}

const show = (c: Cell): string => `${c.found ? 'found' : 'miss '} ${String(c.runs).padStart(4)} runs ${(c.ms / 1000).toFixed(1).padStart(6)} s  ${c.note}`;
process.stdout.write(`node ${process.version}; random/pct: cluster seeds 1.. (default profile), at most ${maxRuns} runs or ${capMs / 1000} s; pct depth ${pct.pct.depth}, steps ${pct.pct.steps}; bounded: the switch's scenario from a seed whose own run misses, K = 2, at most ${capMs / 1000} s\n`);
for (const bug of bugs) {
  const random = fuzz(bug, undefined);
  const p = fuzz(bug, pct);
  const b = bounded(bug);
  process.stdout.write(`${bug.padEnd(4)} random:  ${show(random)}\n     pct:     ${show(p)}\n     bounded: ${show(b)}  (${b.runsPerSec.toFixed(1)} runs/s)\n`);
}
