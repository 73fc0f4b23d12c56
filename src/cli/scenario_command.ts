// `swsim scenario PATH...`: runs scenario files (folders searched recursively for .yaml/.yml/.json,
// schema.json excluded), one line per scenario and seed, then "N passed, N failed". A seed whose
// outcome differs from the file's `expect` (or whose assertion or timeout failed) writes its
// trace to --traces (default traces/), replayable with `swsim replay`. Bad files exit 2 with
// `file:line:column: ...`; a mismatch exits 1.
import chalk from 'chalk';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isKnownBug } from '../check/bug_catalog.ts';
import { ScenarioError } from '../scenario/parse.ts';
import { loadScenario, runScenarioSeed, type LoadedScenario, type SeedVerdict } from '../scenario/runner.ts';
import { writeTraceAtomic } from '../trace/writer.ts';
import { parseArgs, UsageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';
import { prepareTraceDir } from './output_paths.ts';
import { replayCommand } from './run_flags.ts';

export const SCENARIO: CommandSpec = {
  name: 'scenario',
  args: 'PATH...',
  summary: 'Run scenario files (folders recursively) and check each seed against its expectation.',
  flags: {
    seeds: { kind: 'int', value: 'N', help: 'seeds per scenario (overrides free.seeds)' },
    traces: { kind: 'string', value: 'DIR', help: 'where traces of failing seeds go (default traces/)' },
    json: { kind: 'bool', help: 'print one JSON object: passed, failed, scenarios[{file, name, seeds[{seed, ok, message, trace}]}]' },
    bug: { kind: 'list', value: 'ID', help: 'switch a known bug on (repeatable), on top of cluster.bugs' },
  },
  notes: 'Exit 0 when every seed matches its expectation, 1 otherwise, 2 on a bad file or flag.',
};

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
  if (positional.length === 0) throw new UsageError('scenario needs at least one file or folder');
  const seedsFlag = flags['seeds'] as number | undefined;
  if (seedsFlag !== undefined && seedsFlag < 1) throw new UsageError(`--seeds ${seedsFlag}: expected at least 1`);
  const bugs = (flags['bug'] as string[] | undefined) ?? [];
  for (const b of bugs) if (!isKnownBug(b)) throw new UsageError(`--bug ${b}: unknown bug id (see 'swsim bugs')`);
  const tracesDir = (flags['traces'] as string | undefined) ?? 'traces';
  const json = flags['json'] === true;
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
        const v: SeedVerdict = runScenarioSeed(l, seed, { bugs, keepGoing: () => !interrupted });
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
