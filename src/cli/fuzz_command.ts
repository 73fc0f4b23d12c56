// `swsim fuzz`: runs seeds S..S+N-1 (or until a time budget), one after another, shows progress on
// a TTY, writes the trace of every failing seed atomically, and ends with "N passed, N failed"
// (", N incomplete" when a --max-steps cap cut runs short). Exit 0 when every run passed, 1 when
// an invariant failed or a run is incomplete (unless --allow-incomplete), 2 on bad usage, 130
// when interrupted. Output paths are checked before the first seed. Wall-clock time is read here
// for reporting only; it never influences a run.
import chalk from 'chalk';
import { join } from 'node:path';
import { RandomChooser } from '../sim/chooser.ts';
import { makeClusterWorld } from '../check/cluster_world.ts';
import { reproductionText, saveScenarioFromTrace, TraceConversionError } from '../scenario/from_trace.ts';
import { SeedRun, type RunResult } from '../trace/run.ts';
import { removeOrphanTemps, writeTraceAtomic } from '../trace/writer.ts';
import { parseArgs, positive, UsageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';
import { prepareTraceDir } from './output_paths.ts';
import { commonFlags, replayCommand, RUN_FLAGS } from './run_flags.ts';

/** Steps between two returns to the event loop (where SIGINT is noticed). */
export const STEP_BATCH = 2000;

export const FUZZ: CommandSpec = {
  name: 'fuzz',
  args: '',
  summary: 'Run seeds S..S+N-1 (default 1..100) or as many as fit in a time budget; ends with "N passed, N failed".',
  flags: {
    seeds: { kind: 'int', value: 'N', help: 'how many seeds to run (at least 1; default 100, unlimited with --time)' },
    from: { kind: 'int', value: 'S', help: 'first seed (default 1)' },
    time: { kind: 'duration', value: 'T', help: 'wall-clock budget such as 60s, 10m or 1h (more than 0)' },
    ...RUN_FLAGS,
    traces: { kind: 'string', value: 'DIR', help: 'folder for failing traces (default traces/), checked before the first seed' },
    'save-scenarios': { kind: 'string', value: 'DIR', help: 'also save each failing seed as a scenario file DIR/seed-S-ID.yaml (its faults as timeline actions), run it and say whether it reproduces' },
    json: { kind: 'bool', help: 'print one JSON object with the totals and every failure instead of text' },
  },
  notes: 'A failing seed prints its seed, invariant, step and replay command; its trace goes to DIR/seed-S-ID.jsonl\n'
    + '(with --save-scenarios, also a scenario file, run once to check that it reproduces).\nCtrl-C stops within a few thousand steps and writes the interrupted seed\'s partial trace.',
};

function merge(into: Record<string, number>, from: Record<string, number>): void {
  for (const k of Object.keys(from).sort()) into[k] = (into[k] ?? 0) + from[k]!;
}

/** The closing line: the plain "N passed, N failed" CI reads, ", N incomplete" only when some were. */
export function summaryLine(passed: number, failed: number, incomplete: number): string {
  return `${passed} passed, ${failed} failed${incomplete > 0 ? `, ${incomplete} incomplete` : ''}`;
}

/** A failing seed saved as a scenario file (--save-scenarios), and what running it showed. */
interface SavedScenario {
  readonly file: string | null;
  readonly reproduces: boolean;
  readonly stepForStep: boolean;
  readonly seen: string;
  /** Why no file was written (the failure cannot be stated as an expectation). */
  readonly error?: string;
  /** One line for the text output. */
  readonly text: string;
}

function saveScenario(result: RunResult, traceFile: string, file: string): SavedScenario {
  try {
    const { converted, reproduction: r } = saveScenarioFromTrace(result.trace, traceFile, file);
    return { file, reproduces: r.reproduces, stepForStep: r.stepForStep, seen: r.seen, text: `${file} (${converted.faults.length} fault(s)), ${reproductionText(r, true)}` };
  } catch (e) {
    if (!(e instanceof TraceConversionError)) throw e;
    return { file: null, reproduces: false, stepForStep: false, seen: '', error: e.message, text: `not saved: ${e.message}` };
  }
}

export async function runFuzzCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positional } = parseArgs(argv, FUZZ);
  if (positional.length > 0) throw new UsageError(`fuzz takes no positional arguments, got '${positional[0]}'`);
  const json = flags['json'] === true;
  const common = commonFlags(flags, io, json);
  const timeBudget = flags['time'] as number | undefined;
  if (timeBudget !== undefined && timeBudget <= 0) throw new UsageError('--time 0 selects no work: expected a duration above 0, such as 60s');
  const seeds = positive(flags, 'seeds') ?? (timeBudget !== undefined ? Number.MAX_SAFE_INTEGER : 100);
  const from = (flags['from'] as number | undefined) ?? 1;
  if (from + Math.min(seeds, 1e9) > Number.MAX_SAFE_INTEGER) throw new UsageError(`--from ${from}: the seed range passes ${Number.MAX_SAFE_INTEGER}`);
  const tracesDir = (flags['traces'] as string | undefined) ?? 'traces';
  prepareTraceDir('--traces', tracesDir);
  removeOrphanTemps(tracesDir);
  const scenariosDir = flags['save-scenarios'] as string | undefined;
  if (scenariosDir !== undefined) {
    prepareTraceDir('--save-scenarios', scenariosDir, 'the scenario files');
    removeOrphanTemps(scenariosDir);
  }
  const tty = io.stderrIsTTY && !json;

  let interrupted = false;
  const stop = (): void => { interrupted = true; };
  const offInterrupt = io.onInterrupt(stop);

  const started = Date.now();
  let passed = 0, failed = 0, incomplete = 0, steps = 0, simulatedMs = 0, runs = 0;
  const findings: Record<string, number> = {};
  const coverage: Record<string, number> = {};
  const failures: { seed: number; invariant: string; step: number; trace: string; message: string; scenario?: SavedScenario }[] = [];
  const cutShort: { seed: number; steps: number }[] = [];
  let lastDraw = 0;

  try {
    for (let i = 0; i < seeds; i++) {
      if (interrupted) break;
      if (timeBudget !== undefined && Date.now() - started >= timeBudget) break;
      const seed = from + i;
      const run = new SeedRun({ seed, ...common, record: true, check: true }, makeClusterWorld, new RandomChooser(seed));
      // Advance in batches and yield to the event loop between them, so Ctrl-C is seen mid-seed.
      while (!interrupted && run.advance(STEP_BATCH)) await new Promise<void>((r) => setImmediate(r));
      const result: RunResult = run.result();
      runs += 1;
      steps += result.steps;
      simulatedMs += result.simulatedMs;
      merge(coverage, result.coverage);
      for (const f of result.findings) findings[f.invariant] = (findings[f.invariant] ?? 0) + 1;
      if (result.status === 'fail' && result.failure !== undefined) {
        failed += 1;
        const file = join(tracesDir, `seed-${seed}-${result.failure.id}.jsonl`);
        writeTraceAtomic(file, result.trace);
        const scenario = scenariosDir === undefined ? undefined : saveScenario(result, file, join(scenariosDir, `seed-${seed}-${result.failure.id}.yaml`));
        failures.push({ seed, invariant: result.failure.id, step: result.failure.step, trace: file, message: result.failure.message, ...(scenario === undefined ? {} : { scenario }) });
        if (!json) {
          if (tty) io.err('\r\x1b[K');
          io.err(`${chalk.red('FAIL')} seed ${seed} ${chalk.bold(result.failure.id)} at step ${result.failure.step}: ${result.failure.message}\n     replay: ${replayCommand(file)}\n`);
          if (scenario !== undefined) io.err(`     scenario: ${scenario.text}\n`);
        }
      } else if (result.status === 'interrupted') {
        const file = join(tracesDir, `seed-${seed}-interrupted.jsonl`);
        writeTraceAtomic(file, result.trace);
        runs -= 1;
        if (!json) io.err(`\ninterrupted during seed ${seed}; partial trace: ${file}\n`);
        break;
      } else if (result.status === 'incomplete') {
        incomplete += 1;
        cutShort.push({ seed, steps: result.steps });
      } else {
        passed += 1;
      }
      if (tty && Date.now() - lastDraw > 100) {
        lastDraw = Date.now();
        const total = seeds === Number.MAX_SAFE_INTEGER ? '?' : String(seeds);
        const width = 30;
        const frac = seeds === Number.MAX_SAFE_INTEGER ? 0 : runs / seeds;
        const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
        io.err(`\r\x1b[K${bar} ${runs}/${total} seeds  ${summaryLine(passed, failed, incomplete)}`);
      }
    }
  } finally {
    offInterrupt();
  }
  if (tty) io.err('\r\x1b[K');

  const wallMs = Math.max(1, Date.now() - started);
  if (json) {
    io.out(JSON.stringify({
      runs, passed, failed, incomplete, interrupted, steps, stepsPerSec: Math.round(steps / (wallMs / 1000)), simulatedMs, wallMs,
      findings, coverage,
      failures: failures.map(({ seed, invariant, step, trace, message, scenario }) => ({
        seed, invariant, step, trace, message,
        ...(scenario === undefined ? {} : { scenario: { file: scenario.file, reproduces: scenario.reproduces, stepForStep: scenario.stepForStep, seen: scenario.seen, ...(scenario.error === undefined ? {} : { error: scenario.error }) } }),
      })),
      incompleteRuns: cutShort,
    }) + '\n');
  } else {
    const cov = Object.keys(coverage).sort().map((k) => `${k}=${coverage[k]}`).join(' ');
    io.out(`${chalk.dim('coverage:')} ${cov}\n`);
    const fk = Object.keys(findings).sort();
    if (fk.length > 0) io.out(`${chalk.yellow('findings (candidate invariants, not failures):')} ${fk.map((k) => `${k}×${findings[k]}`).join(' ')}\n`);
    io.out(`${chalk.dim(`${steps} steps in ${(wallMs / 1000).toFixed(1)}s (${Math.round(steps / (wallMs / 1000))} steps/s), ${(simulatedMs / 1000).toFixed(0)}s simulated`)}\n`);
    if (incomplete > 0) {
      io.err(`${chalk.yellow('incomplete')}: ${incomplete} run(s) reached --max-steps ${common.maxSteps} before their planned end; the quiet phase and the end-of-run checks (E1–E3) did not run for them${common.allowIncomplete ? '' : ' (exit 1; --allow-incomplete accepts this)'}\n`);
    }
    io.out(`${summaryLine(passed, failed, incomplete)}\n`);
  }
  if (failed > 0) return 1;
  if (interrupted) return 130;
  return incomplete > 0 && !common.allowIncomplete ? 1 : 0;
}
