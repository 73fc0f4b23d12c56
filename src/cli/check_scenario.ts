// `swsim check SCENARIO`: bounded exhaustive search over a scenario's free choices
// (src/explore/bounded_search.ts). Every run of the scenario's seed whose choices deviate from the
// seed's own in at most --deviations places, fewest first, pruning states already explored;
// prints per-level runs, then runs, distinct states, states/s and the bound reached, and either
// "no violation within k = K" (exit 0) or the first violation at the smallest k, whose trace
// (strategy `bounded`) is written and replays with `swsim replay` (exit 1). Bad input exits 2.
// Wall-clock use (--time, states/s) stays here in src/cli.
import { isKnownBug } from '../check/bug_catalog.ts';
import { boundedSearch, type BoundedResult } from '../explore/bounded_search.ts';
import { ScenarioError } from '../scenario/parse.ts';
import { loadScenario, runScenarioSeed, type LoadedScenario } from '../scenario/runner.ts';
import { SCENARIO_FAILURE } from '../scenario/world.ts';
import type { RunResult } from '../trace/run.ts';
import { writeTraceAtomic } from '../trace/writer.ts';
import { UsageError } from './args.ts';
import type { Io } from './io.ts';
import { prepareTraceDir, prepareTraceFile } from './output_paths.ts';
import { replayCommand } from './run_flags.ts';
import { join } from 'node:path';

/** Flags only the scenario target takes, and only the engine target takes. */
export const SCENARIO_ONLY = ['deviations', 'time', 'seed', 'base', 'kinds', 'no-prune', 'traces'] as const;
export const ENGINE_ONLY = ['depth', 'replicas', 'epochs', 'lsns', 'max-states'] as const;

/** Default K for `swsim check SCENARIO`. */
export const DEFAULT_DEVIATIONS = 1;

/**
 * A violation: an invariant failed (LIVELOCK and CRASH included) or a scenario assertion failed.
 * A timeline condition that never held is not one: the deviation took the run off the
 * scenario's script (counted as off-script).
 */
export function isViolation(r: RunResult): boolean {
  if (r.status !== 'fail' || r.failure === undefined) return false;
  return r.failure.id !== SCENARIO_FAILURE || !r.failure.message.includes('did not hold');
}

function load(file: string): LoadedScenario {
  try { return loadScenario(file); } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(`the scenario cannot be loaded:\n${e.message}`);
    throw e;
  }
}

export function runCheckScenario(file: string, flags: Record<string, unknown>, io: Io): number {
  for (const f of ENGINE_ONLY) if (flags[f] !== undefined) throw new UsageError(`--${f} is for 'check engine'; a scenario search takes --deviations K (and --time, --seed, --kinds)`);
  const k = (flags['deviations'] as number | undefined) ?? DEFAULT_DEVIATIONS;
  if (k > 6) throw new UsageError(`--deviations ${k}: expected 0..6 (each level multiplies the runs by the choices in a run)`);
  const timeMs = flags['time'] as number | undefined;
  if (timeMs !== undefined && timeMs <= 0) throw new UsageError('--time 0: expected a duration above 0, such as 60s');
  const base = (flags['base'] as string | undefined) ?? 'seed';
  if (base !== 'seed' && base !== 'zero') throw new UsageError(`--base: expected seed or zero, got '${base}'`);
  const kindsFlag = flags['kinds'] as string | undefined;
  const kinds = kindsFlag === undefined ? undefined : kindsFlag.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (kinds !== undefined && kinds.length === 0) throw new UsageError(`--kinds '${kindsFlag}': expected kind prefixes such as sched,net.delay`);
  const bugs = (flags['bug'] as string[] | undefined) ?? [];
  for (const b of bugs) if (!isKnownBug(b)) throw new UsageError(`--bug ${b}: unknown bug id (see 'swsim bugs')`);
  const l = load(file);
  const seed = (flags['seed'] as number | undefined) ?? l.scenario.free.first_seed;
  const json = flags['json'] === true;
  const out = flags['out'] as string | undefined;
  const tracesDir = (flags['traces'] as string | undefined) ?? 'traces';
  if (out !== undefined) prepareTraceFile('-o', out, io);

  const t0 = Date.now();
  if (!json) io.out(`swsim check ${file}: seed ${seed}, at most ${k} deviation(s) from the ${base === 'seed' ? "seed's choices" : 'zero choice'}${kinds === undefined ? '' : `, at kinds ${kinds.join(',')}`}${flags['no-prune'] === true ? ', no pruning' : ''}\n`);
  let offScript = 0;
  const result: BoundedResult = boundedSearch({
    run: (chooser, params, onStep) => {
      const v = runScenarioSeed(l, seed, { bugs, strategy: { spec: { name: 'bounded', bounded: params }, chooser: () => chooser }, onStep });
      if (v.result.status === 'fail' && !isViolation(v.result)) offScript += 1;
      return v.result;
    },
    violates: isViolation,
  }, {
    seed, base, deviations: k, prune: flags['no-prune'] !== true, ...(kinds === undefined ? {} : { kinds }),
    ...(timeMs === undefined ? {} : { shouldStop: () => Date.now() - t0 >= timeMs }),
    onLevel: json ? undefined : (s) => io.out(`  k=${s.k}: ${s.runs} runs, ${s.pruned} pruned${s.complete ? '' : ' (cut short)'} (${Date.now() - t0} ms)\n`),
  });
  const wallMs = Math.max(1, Date.now() - t0);
  const statesPerSec = Math.round(result.distinctStates / wallMs * 1000);
  const v = result.violation;
  let trace: string | null = null;
  if (v !== null) {
    trace = out ?? join(tracesDir, `check-${l.scenario.name}-k${v.k}-${v.result.failure?.id ?? 'fail'}.jsonl`);
    if (out === undefined) prepareTraceDir('--traces', tracesDir);
    writeTraceAtomic(trace, v.result.trace);
  }
  if (json) {
    io.out(JSON.stringify({ file, seed, base, deviations: k, runs: result.runs, pruned: result.pruned, offScript, distinctStates: result.distinctStates, statesPerSec, wallMs,
      levels: result.levels, boundReached: result.boundReached, stopped: result.stopped,
      violation: v === null ? null : { k: v.k, deviations: v.params.deviations, invariant: v.result.failure?.id ?? null, step: v.result.failure?.step ?? null, message: v.result.failure?.message ?? null, trace } }) + '\n');
  } else {
    io.out(`${result.runs} runs (${result.pruned} pruned at a state already explored${offScript > 0 ? `, ${offScript} off the scenario's script` : ''}), ${result.distinctStates} distinct states, ${statesPerSec} states/s (${wallMs} ms); bound reached: ${result.boundReached < 0 ? 'none' : `k = ${result.boundReached}`}\n`);
    if (v !== null) {
      io.out(`VIOLATION ${v.result.failure?.id} at step ${v.result.failure?.step} with ${v.k} deviation(s) ${JSON.stringify(v.params.deviations)}: ${(v.result.failure?.message ?? '').split('\n')[0]}\n`);
      io.out(`trace: ${trace}\nreplay: ${replayCommand(trace!)}\n`);
    } else if (result.stopped === 'stopped') {
      io.out(`no violation within k = ${result.boundReached < 0 ? 'none' : result.boundReached} (level k = ${result.levels[result.levels.length - 1]!.k} cut by --time)\n`);
    } else {
      io.out(`no violation within k = ${k}\n`);
    }
  }
  return v === null ? 0 : 1;
}
