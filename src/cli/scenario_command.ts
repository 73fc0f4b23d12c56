// `swsim scenario PATH...`: runs scenario files (folders searched recursively for .yaml/.yml/.json,
// schema.json excluded), one line per scenario and seed, then "N passed, N failed". A seed whose
// outcome differs from the file's `expect` (or whose assertion or timeout failed) writes its
// trace to --traces (default traces/), replayable with `swsim replay`. Bad files exit 2 with
// `file:line:column: ...`; a mismatch exits 1. `--from-trace TRACE -o FILE` turns a failing seeded
// run's trace into a scenario file instead (src/scenario/from_trace.ts) and runs it to say whether
// it reproduces.
import chalk from 'chalk';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isKnownBug } from '../check/bug_catalog.ts';
import { ScenarioError } from '../scenario/parse.ts';
import { loadScenario, runScenarioSeed, type LoadedScenario, type SeedVerdict } from '../scenario/runner.ts';
import { faultSummary, reproductionText, saveScenarioFromTrace, TraceConversionError } from '../scenario/from_trace.ts';
import { readTrace } from '../trace/reader.ts';
import { writeTraceAtomic } from '../trace/writer.ts';
import { parseArgs, UsageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';
import { prepareTraceDir, prepareTraceFile } from './output_paths.ts';
import { replayCommand, STRATEGY_FLAGS, strategyFlags } from './run_flags.ts';
import { makeChooser } from '../explore/strategy.ts';

export const SCENARIO: CommandSpec = {
  name: 'scenario',
  args: 'PATH...',
  summary: 'Run scenario files (folders recursively) and check each seed against its expectation; or, with --from-trace TRACE -o FILE, save a failing run as a scenario file.',
  flags: {
    seeds: { kind: 'int', value: 'N', help: 'seeds per scenario (overrides free.seeds)' },
    traces: { kind: 'string', value: 'DIR', help: 'where traces of failing seeds go (default traces/)' },
    json: { kind: 'bool', help: 'print one JSON object: passed, failed, scenarios[{file, name, seeds[{seed, ok, message, trace}]}]' },
    bug: { kind: 'list', value: 'ID', help: 'switch a known bug on (repeatable), on top of cluster.bugs' },
    ...STRATEGY_FLAGS,
    'from-trace': { kind: 'string', value: 'TRACE', help: 'instead of running files: turn a failing seeded run\'s trace into a scenario file (needs -o), then run it and say whether it reproduces' },
    output: { kind: 'string', value: 'FILE', short: 'o', help: 'with --from-trace: the scenario file to write (.yaml or .yml)' },
  },
  notes: 'Exit 0 when every seed matches its expectation, 1 otherwise, 2 on a bad file or flag.\n'
    + 'swsim scenario --from-trace TRACE -o FILE: exit 0 when the written file reproduces the trace\'s outcome, 1 when it\n'
    + 'does not (the file is still written), 2 for a bad trace or one with no failure or finding to expect.',
};

/** `swsim scenario --from-trace TRACE -o FILE`: convert, write, run the written file, say what it showed. */
function fromTrace(flags: Record<string, unknown>, positional: string[], io: Io): number {
  const source = flags['from-trace'] as string;
  if (positional.length > 0) throw new UsageError(`--from-trace ${source}: takes no scenario paths, got '${positional[0]}'`);
  for (const f of ['seeds', 'bug', 'traces']) {
    if (flags[f] !== undefined) throw new UsageError(`--${f} with --from-trace: the saved file runs the trace's own seed and bugs, expected no --${f}`);
  }
  const out = flags['output'] as string | undefined;
  if (out === undefined) throw new UsageError(`--from-trace ${source}: needs -o FILE, the scenario file to write`);
  if (!/\.ya?ml$/.test(out)) throw new UsageError(`-o ${out}: expected a .yaml or .yml file name (the scenario is written as YAML with comments)`);
  const trace = readTrace(source);
  prepareTraceFile('-o', out, io, 'scenario.yaml');
  let saved;
  try { saved = saveScenarioFromTrace(trace, source, out); } catch (e) {
    if (e instanceof TraceConversionError) { io.err(`swsim scenario: ${source}: ${e.message}\n`); return 2; }
    throw e;
  }
  const { converted: c, reproduction: r } = saved;
  if (flags['json'] === true) {
    io.out(JSON.stringify({
      file: out, name: c.name, seed: c.seed, expect: c.expect,
      faults: c.faults.map((f) => ({ step: f.step, t: f.t, do: f.do, detail: f.detail })), unconverted: c.unconverted,
      reproduces: r.reproduces, stepForStep: r.stepForStep, ...(r.firstDifference === undefined ? {} : { firstDifference: r.firstDifference }), seen: r.seen,
    }) + '\n');
  } else {
    io.out(`wrote ${out}: scenario ${c.name}, seed ${c.seed}, ${c.faults.length} fault(s) (${faultSummary(c)}), expect ${c.expect}\n`);
    for (const u of c.unconverted) io.out(`  ${chalk.yellow('not stated')}: ${u}\n`);
    io.out(`${r.reproduces ? chalk.green(out) : chalk.red(out)}: ${reproductionText(r)}\n`);
  }
  return r.reproduces ? 0 : 1;
}

function collect(path: string, out: string[]): void {
  let st;
  try { st = statSync(path); } catch { throw new UsageError(`${path}: no such file or folder`); }
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      const p = join(path, name);
      if (statSync(p).isDirectory()) collect(p, out);
      else if (/\.(ya?ml|json)$/.test(name) && name !== 'schema.json') out.push(p);
    }
  } else out.push(path);
}

export async function runScenarioCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positional } = parseArgs(argv, SCENARIO);
  if (flags['from-trace'] !== undefined) return fromTrace(flags, positional, io);
  if (flags['output'] !== undefined) throw new UsageError('-o/--output goes with --from-trace TRACE (running scenario files writes no scenario)');
  if (positional.length === 0) throw new UsageError('scenario needs at least one file or folder');
  const seedsFlag = flags['seeds'] as number | undefined;
  if (seedsFlag !== undefined && seedsFlag < 1) throw new UsageError(`--seeds ${seedsFlag}: expected at least 1`);
  const bugs = (flags['bug'] as string[] | undefined) ?? [];
  for (const b of bugs) if (!isKnownBug(b)) throw new UsageError(`--bug ${b}: unknown bug id (see 'swsim bugs')`);
  const tracesDir = (flags['traces'] as string | undefined) ?? 'traces';
  const json = flags['json'] === true;
  const spec = strategyFlags(flags);
  const strategy = spec === undefined ? undefined : { spec, chooser: (seed: number) => makeChooser(seed, spec) };
  const files: string[] = [];
  for (const p of positional) collect(p, files);
  if (files.length === 0) throw new UsageError(`no scenario files under ${positional.join(' ')}`);
  // Every file is loaded first: a bad one stops the command before anything runs (exit 2).
  const loaded: LoadedScenario[] = [];
  const bad: string[] = [];
  for (const f of files) {
    try { loaded.push(loadScenario(f)); } catch (e) {
      if (e instanceof ScenarioError) bad.push(e.message); else throw e;
    }
  }
  if (bad.length > 0) { io.err(`${bad.join('\n')}\n`); return 2; }

  let interrupted = false;
  const off = io.onInterrupt(() => { interrupted = true; });
  let passed = 0, failed = 0;
  const report: { file: string; name: string; seeds: { seed: number; ok: boolean; message: string; trace: string | null }[] }[] = [];
  try {
    for (const l of loaded) {
      const entry = { file: l.file, name: l.scenario.name, seeds: [] as { seed: number; ok: boolean; message: string; trace: string | null }[] };
      report.push(entry);
      const n = seedsFlag ?? l.scenario.free.seeds;
      for (let k = 0; k < n && !interrupted; k++) {
        const seed = l.scenario.free.first_seed + k;
        const v: SeedVerdict = runScenarioSeed(l, seed, { bugs, keepGoing: () => !interrupted, ...(strategy === undefined ? {} : { strategy }) });
        let trace: string | null = null;
        if (!v.ok) {
          prepareTraceDir('--traces', tracesDir);
          trace = join(tracesDir, `scenario-${l.scenario.name}-seed-${seed}.jsonl`);
          writeTraceAtomic(trace, v.result.trace);
        }
        if (v.ok) passed += 1; else failed += 1;
        entry.seeds.push({ seed, ok: v.ok, message: v.message, trace });
        if (!json) {
          const tag = n > 1 || seed !== 1 ? ` seed ${seed}` : '';
          io.out(`${v.ok ? chalk.green('pass') : chalk.red('FAIL')} ${l.scenario.name}${tag}: ${v.message}\n`);
          if (trace !== null) io.out(`  replay: ${replayCommand(trace)}\n`);
        }
        await new Promise<void>((r) => setImmediate(r));
      }
    }
  } finally { off(); }
  if (json) io.out(JSON.stringify({ passed, failed, scenarios: report }) + '\n');
  else io.out(`${passed} passed, ${failed} failed\n`);
  if (interrupted) return 130;
  return failed > 0 ? 1 : 0;
}
