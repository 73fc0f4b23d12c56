// `npm run bench:bugs`: re-takes docs/bugs.md's table. For every known-bug switch the simulated
// cluster can reach, seeds 1, 2, 3, … of a profile (default `default`, whose seeds draw their
// control plane) run with the switch on until the first failure that the same seed without the
// switch does not also produce (same invariant), within a wall-clock cap per switch. Prints one
// row per switch — invariant and step, seed, the control plane the seed drew, seeds tried, wall
// time, and whether the failing trace replays — and the goal of issue #14: every switch found by
// the default profile within 2 minutes. A benchmark, not a test: wall-clock reads are fine here
// (reporting only). One core, in-process (no worker start-up); run it alone.
// Usage: tsx bench/bugs.ts [--bugs B5,B20,...] [--profile P] [--cap-s S] [--from SEED]
import { performance } from 'node:perf_hooks';
import { ALL_BUGS, unreachableReason } from '../src/check/bug_catalog.ts';
import { makeClusterWorld } from '../src/check/cluster_world.ts';
import { RandomChooser } from '../src/sim/chooser.ts';
import { DEFAULT_MAX_STEPS } from '../src/sim/cluster.ts';
import { isProfileName, type ProfileName } from '../src/sim/profile.ts';
import { replayTrace } from '../src/trace/replay.ts';
import { runSeed, type RunResult } from '../src/trace/run.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const reachable = ALL_BUGS.filter((b) => unreachableReason(b.id) === undefined).map((b) => b.id);
const bugs = flag('bugs', reachable.join(',')).split(',');
const profileFlag = flag('profile', 'default');
if (!isProfileName(profileFlag)) throw new Error(`--profile: unknown profile ${profileFlag}`);
const profile: ProfileName = profileFlag;
const capMs = Number(flag('cap-s', '120')) * 1000;
const from = Number(flag('from', '1'));
const GOAL_MS = 120_000;

function run(seed: number, bugList: string[], record: boolean): RunResult {
  return runSeed({ seed, profile, bugs: bugList, strict: false, maxSteps: DEFAULT_MAX_STEPS, record, check: true }, makeClusterWorld, new RandomChooser(seed));
}

interface Found {
  readonly bug: string;
  readonly seed: number;
  readonly invariant: string;
  readonly step: number;
  readonly control: string;
  readonly tried: number;
  readonly ms: number;
  readonly replays: boolean;
  readonly message: string;
}

/** The first seed whose failure is the switch's own (the seed without it does not fail the same way). */
function find(bug: string): Found | { bug: string; tried: number; ms: number } {
  const t0 = performance.now();
  let tried = 0;
  for (let seed = from; performance.now() - t0 < capMs; seed++) {
    tried += 1;
    const on = run(seed, [bug], false);
    if (on.status !== 'fail') continue;
    const off = run(seed, [], false);
    if (off.status === 'fail' && off.failure?.id === on.failure?.id) continue;
    const ms = performance.now() - t0;
    const recorded = run(seed, [bug], true);
    const rep = replayTrace(recorded.trace, makeClusterWorld);
    return {
      bug, seed, invariant: on.failure?.id ?? '?', step: on.failure?.step ?? 0, control: recorded.trace.header.control,
      tried, ms, replays: rep.ok && recorded.failure?.id === on.failure?.id, message: on.failure?.message ?? '',
    };
  }
  return { bug, tried, ms: performance.now() - t0 };
}

console.log(`bench:bugs — profile ${profile}, seeds from ${from}, cap ${capMs / 1000} s per switch; node ${process.version}\n`);
console.log('| bug | found by | seed | control | seeds tried | time | replay reproduces | message |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
const missed: string[] = [];
const slow: string[] = [];
for (const bug of bugs) {
  const r = find(bug);
  if (!('seed' in r)) {
    missed.push(bug);
    console.log(`| ${bug} | not found | — | — | ${r.tried} | > ${(r.ms / 1000).toFixed(0)} s | — | |`);
    continue;
  }
  if (r.ms > GOAL_MS) slow.push(bug);
  console.log(`| ${r.bug} | ${r.invariant} (step ${r.step}) | ${r.seed} | ${r.control} | ${r.tried} | ${(r.ms / 1000).toFixed(1)} s | ${r.replays ? 'yes' : 'NO'} | ${r.message.slice(0, 160).replace(/\|/g, '/')} |`);
}
console.log(`\ngoal: every reachable switch found by profile ${profile} within ${GOAL_MS / 1000} s: ${missed.length + slow.length === 0 ? 'met' : `NOT met (${[...missed.map((b) => `${b}: not found`), ...slow.map((b) => `${b}: slow`)].join(', ')})`}`);
