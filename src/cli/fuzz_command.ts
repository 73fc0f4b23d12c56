// `swsim fuzz`: runs seeds S..S+N-1 (or until a time budget), on `--jobs` worker threads, one
// machine's share of them under `--shard i/n`; shows progress; writes the trace of every failing
// seed atomically; ends with "N passed, N failed" (", N incomplete" when a --max-steps cap cut runs
// short); optionally writes a JUnit report. Per-seed outcomes, traces and the summary (apart from
// wall times) are the same for every --jobs. Exit 0 when every run passed, 1 when an invariant
// failed or a run is incomplete (unless --allow-incomplete), 2 on bad usage, 130 when
// interrupted. Output paths are checked before the first seed. Wall-clock time is read here for
// reporting only; it never influences a run.
import chalk from 'chalk';
import { reproductionText, saveScenarioFromTrace, TraceConversionError } from '../scenario/from_trace.ts';
import { describeOutcome, loadScenario, runScenarioSeed } from '../scenario/runner.ts';
import { parseTrace } from '../trace/reader.ts';
import { join } from 'node:path';
import { writeFileAtomic, removeOrphanTemps } from '../trace/writer.ts';
import { parseArgs, positive, UsageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';
import { writeJUnit, type JUnitFailure } from './junit.ts';
import { prepareTraceDir, prepareTraceFile } from './output_paths.ts';
import { Progress } from './progress.ts';
import { commonFlags, replayCommand, RUN_FLAGS, STRATEGY_FLAGS, strategyFlags } from './run_flags.ts';
import { checkDeterminism, collectSeeds } from './determinism_check.ts';
import { defaultJobs, runInProcess, runInWorkers, type SeedSource } from './seed_pool.ts';
import type { SeedOutcome, SeedRunOptions } from './seed_outcome.ts';
import { addMarkCounts, summariseMarks } from '../marks/report.ts';
import { DEFAULT_CONTROL } from '../sim/control_plane.ts';
import { drawsControl } from '../sim/profile.ts';

export const FUZZ: CommandSpec = {
  name: 'fuzz',
  args: '',
  summary: 'Run seeds S..S+N-1 (default 1..100) or as many as fit in a time budget; ends with "N passed, N failed".',
  flags: {
    seeds: { kind: 'int', value: 'N', help: 'how many seeds to run (at least 1; default 100, unlimited with --time)' },
    from: { kind: 'int', value: 'S', help: 'first seed (default 1); a CI run number makes nightly runs explore new seeds' },
    time: { kind: 'duration', value: 'T', help: 'wall-clock budget such as 60s, 10m or 1h (more than 0)' },
    jobs: { kind: 'int', value: 'N', help: `worker threads (default: the number of cores, ${defaultJobs()} here); outcomes are the same for every N` },
    shard: { kind: 'string', value: 'i/n', help: 'run only the i-th of n interleaved shares of the seeds (n machines, no overlap)' },
    ...RUN_FLAGS,
    ...STRATEGY_FLAGS,
    traces: { kind: 'string', value: 'DIR', help: 'folder for failing traces (default traces/), checked before the first seed' },
    'max-failures': { kind: 'int', value: 'N', help: 'stop handing out seeds after N failing seeds' },
    junit: { kind: 'string', value: 'FILE', help: 'also write a JUnit XML report (one case per failing seed, a summary case)' },
    'save-scenarios': { kind: 'string', value: 'DIR', help: 'also save each failing seed as a scenario file DIR/seed-S-ID.yaml (its faults as timeline actions; the shrunk run when shrinking shrank its structure), run it and say whether it reproduces' },
    'shrink-budget': { kind: 'int', value: 'N', help: 'shrink each failing seed with at most N candidate runs (default 200; the same seed and budget give the same shrunk run)' },
    'shrink-time': { kind: 'duration', value: 'D', help: 'also stop each shrink after D of wall-clock time (a clock-stopped shrink may differ between runs)' },
    'no-shrink': { kind: 'bool', help: 'do not shrink failing seeds' },
    'check-determinism': { kind: 'bool', help: 'run every seed twice in two separate worker threads and compare the traces byte for byte (needs --seeds)' },
    json: { kind: 'bool', help: 'print one JSON object with the totals, every failure and every finding instead of text' },
  },
  notes: 'A failing seed prints its seed, invariant, step and replay command; its trace goes to DIR/seed-S-ID.jsonl\n'
    + '(with --save-scenarios, also a scenario file, run once to check that it reproduces).\nCtrl-C stops within a few thousand steps and writes the interrupted seeds\' partial traces.',
};

function merge(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
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

function saveScenario(traceText: string, traceFile: string, file: string): SavedScenario {
  try {
    const { converted, reproduction: r } = saveScenarioFromTrace(parseTrace(traceFile, traceText), traceFile, file);
    return { file, reproduces: r.reproduces, stepForStep: r.stepForStep, seen: r.seen, text: `${file} (${converted.faults.length} fault(s)), ${reproductionText(r, true)}` };
  } catch (e) {
    if (!(e instanceof TraceConversionError)) throw e;
    return { file: null, reproduces: false, stepForStep: false, seen: '', error: e.message, text: `not saved: ${e.message}` };
  }
}

/**
 * A failing seed's shrunk scenario (written by the worker's structural shrink), run once for the
 * seed it names (the shrinker's seed pass may have moved it off the fuzz seed) to check that it
 * still fails as it says: the run's outcome, not step for step (its trace is the shrunk run before
 * the choice passes, which the shrunk trace shortens further).
 */
function checkShrunkScenario(file: string, faults: number, saved: boolean): SavedScenario {
  const l = loadScenario(file);
  const v = runScenarioSeed(l, l.scenario.free.first_seed);
  const seen = describeOutcome(v.result);
  const how = v.ok ? `reproduces (${seen})` : `does not reproduce (saw ${seen})`;
  return { file, reproduces: v.ok, stepForStep: false, seen, text: `${file} (shrunk: ${faults} fault(s) stated${saved ? '' : ', named by the shrunk trace'}), ${how}` };
}

/** Candidate runs a failing seed's shrink may use unless --shrink-budget says otherwise. */
export const DEFAULT_SHRINK_BUDGET = 200;

/** `--shard i/n` → [i, n], 1 <= i <= n. */
export function parseShard(s: string | undefined): [number, number] {
  if (s === undefined) return [1, 1];
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const i = m === null ? NaN : Number(m[1]), n = m === null ? NaN : Number(m[2]);
  if (!(n >= 1 && i >= 1 && i <= n)) throw new UsageError(`--shard ${s}: expected i/n with 1 <= i <= n, such as 2/4`);
  return [i, n];
}

/** Seeds from `from` on, this shard's share (every n-th, offset i-1), at most `count` of the range. */
export function shardSeeds(from: number, count: number, shard: [number, number]): SeedSource {
  const [i, n] = shard;
  let k = i - 1;
  return () => {
    if (k >= count) return null;
    const seed = from + k;
    k += n;
    return seed;
  };
}

export async function runFuzzCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positional } = parseArgs(argv, FUZZ);
  if (positional.length > 0) throw new UsageError(`fuzz takes no positional arguments, got '${positional[0]}'`);
  const json = flags['json'] === true;
  const common = commonFlags(flags, io, json);
  const timeBudget = flags['time'] as number | undefined;
  if (timeBudget !== undefined && timeBudget <= 0) throw new UsageError('--time 0 selects no work: expected a duration above 0, such as 60s');
  const count = positive(flags, 'seeds') ?? (timeBudget !== undefined ? Number.MAX_SAFE_INTEGER : 100);
  const from = (flags['from'] as number | undefined) ?? 1;
  if (from + Math.min(count, 1e9) > Number.MAX_SAFE_INTEGER) throw new UsageError(`--from ${from}: the seed range passes ${Number.MAX_SAFE_INTEGER}`);
  const shard = parseShard(flags['shard'] as string | undefined);
  if (count !== Number.MAX_SAFE_INTEGER && shard[0] > count) throw new UsageError(`--shard ${shard[0]}/${shard[1]}: --seeds ${count} leaves this shard no seed`);
  const jobs = positive(flags, 'jobs') ?? defaultJobs();
  const maxFailures = positive(flags, 'max-failures') ?? Number.MAX_SAFE_INTEGER;
  const tracesDir = (flags['traces'] as string | undefined) ?? 'traces';
  const junit = flags['junit'] as string | undefined;
  prepareTraceDir('--traces', tracesDir);
  if (junit !== undefined) prepareTraceFile('--junit', junit, io);
  removeOrphanTemps(tracesDir);
  const scenariosDir = flags['save-scenarios'] as string | undefined;
  if (scenariosDir !== undefined) {
    prepareTraceDir('--save-scenarios', scenariosDir, 'the scenario files');
    removeOrphanTemps(scenariosDir);
  }

  let interrupted = false;
  const offInterrupt = io.onInterrupt(() => { interrupted = true; });
  const shrinkBudget = flags['no-shrink'] === true ? 0 : positive(flags, 'shrink-budget') ?? DEFAULT_SHRINK_BUDGET;
  const shrinkTimeMs = flags['shrink-time'] as number | undefined;
  if (shrinkTimeMs !== undefined && shrinkTimeMs <= 0) throw new UsageError('--shrink-time 0: expected a duration above 0 (or --no-shrink)');
  const strategy = strategyFlags(flags);
  const options = { profile: common.profile, control: common.control, ...(common.upstreamCommit === undefined ? {} : { upstreamCommit: common.upstreamCommit }), bugs: common.bugs, strict: common.strict, maxSteps: common.maxSteps, stepCap: common.stepCap,
    ...(strategy === undefined ? {} : { strategy }) };
  if (flags['check-determinism'] === true) {
    if (flags['seeds'] === undefined) throw new UsageError('--check-determinism needs --seeds N (a fixed list of seeds to run twice)');
    try {
      return await runDeterminismCheck(collectSeeds(shardSeeds(from, count, shard), count), options, io, json, () => interrupted);
    } finally {
      offInterrupt();
    }
  }
  const started = Date.now();
  const timeUp = (): boolean => timeBudget !== undefined && Date.now() - started >= timeBudget;
  let passed = 0, failed = 0, incomplete = 0, steps = 0, simulatedMs = 0, runs = 0;
  const findings: Record<string, number> = {};
  const findingRuns: { seed: number; invariant: string; step: number; message: string }[] = [];
  const coverage: Record<string, number> = {};
  const marks: Record<string, number> = {};
  const failures: (JUnitFailure & { trace: string; scenario?: SavedScenario; shrunk?: { trace: string; steps: number; stoppedBy: string } })[] = [];
  const cutShort: { seed: number; steps: number }[] = [];
  const total = count === Number.MAX_SAFE_INTEGER ? null : Math.ceil((count - (shard[0] - 1)) / shard[1]);
  const progress = new Progress(io, io.stderrIsTTY && io.env['CI'] !== 'true', !json, started);

  const deliver = (o: SeedOutcome): void => {
    // After the N-th failing seed nothing more counts: seeds other workers were running then are
    // dropped, so the result is the same for every --jobs.
    if (failed >= maxFailures) return;
    if (o.status === 'interrupted') {
      const file = join(tracesDir, `seed-${o.seed}-interrupted.jsonl`);
      if (o.trace !== null) writeFileAtomic(file, o.trace);
      progress.clear();
      if (!json) io.err(`interrupted during seed ${o.seed}; partial trace: ${file}\n`);
      return;
    }
    runs += 1;
    steps += o.steps;
    simulatedMs += o.simulatedMs;
    merge(coverage, o.coverage);
    addMarkCounts(marks, o.marks);
    for (const f of o.findings) {
      findings[f.invariant] = (findings[f.invariant] ?? 0) + 1;
      // Only --json lists them; kept otherwise, a long run's memory would grow with its findings.
      if (json) findingRuns.push({ seed: o.seed, invariant: f.invariant, step: f.step, message: f.message });
    }
    if (o.status === 'fail' && o.failure !== null) {
      failed += 1;
      const file = join(tracesDir, `seed-${o.seed}-${o.failure.id}.jsonl`);
      if (o.trace !== null) writeFileAtomic(file, o.trace);
      let shrunkFile: string | undefined;
      let scenario: SavedScenario | undefined;
      if (o.shrunk !== null) {
        shrunkFile = join(tracesDir, `seed-${o.seed}-${o.failure.id}.shrunk.jsonl`);
        writeFileAtomic(shrunkFile, o.shrunk.trace);
        const sc = o.shrunk.scenario;
        if (sc !== null) {
          writeFileAtomic(sc.path, sc.text);
          scenario = checkShrunkScenario(sc.path, sc.faults, scenariosDir !== undefined);
        }
      }
      // Without a shrunk scenario, --save-scenarios saves the run itself (converted from its trace).
      if (scenariosDir !== undefined && scenario === undefined && o.trace !== null) scenario = saveScenario(o.trace, file, join(scenariosDir, `seed-${o.seed}-${o.failure.id}.yaml`));
      failures.push({
        seed: o.seed, invariant: o.failure.id, step: o.failure.step, message: o.failure.message, trace: file,
        replay: replayCommand(shrunkFile ?? file), ...(scenario === undefined ? {} : { scenario }),
        ...(shrunkFile === undefined || o.shrunk === null ? {} : { shrunk: { trace: shrunkFile, steps: o.shrunk.after.steps, stoppedBy: o.shrunk.stoppedBy } }),
      });
      progress.clear();
      if (!json) {
        io.err(`${chalk.red('FAIL')} seed ${o.seed} ${chalk.bold(o.failure.id)} at step ${o.failure.step}: ${o.failure.message}\n     replay: ${replayCommand(file)}\n`);
        if (o.shrunk !== null && shrunkFile !== undefined) io.err(`     shrunk: ${o.shrunk.before.steps} → ${o.shrunk.after.steps} steps; replay: ${replayCommand(shrunkFile)}\n`);
        if (scenario !== undefined) io.err(`     scenario: ${scenario.text}\n`);
      }
    } else if (o.status === 'incomplete') {
      incomplete += 1;
      cutShort.push({ seed: o.seed, steps: o.steps });
    } else {
      passed += 1;
    }
    progress.update({ done: runs, total, summary: summaryLine(passed, failed, incomplete), steps, elapsedMs: Date.now() - started, budgetMs: timeBudget ?? null }, Date.now());
  };
  const source = shardSeeds(from, count, shard);
  const hooks = { deliver, mayStart: () => !interrupted && !timeUp() && failed < maxFailures, interrupted: () => interrupted };
  try {
    const shrinking = {
      ...options, shrinkBudget, ...(shrinkTimeMs === undefined ? {} : { shrinkTimeMs }),
      shrinkScenarios: scenariosDir === undefined ? { dir: tracesDir, suffix: '.shrunk.yaml' } : { dir: scenariosDir, suffix: '.yaml' },
    };
    if (jobs === 1) await runInProcess(source, shrinking, hooks);
    else await runInWorkers(jobs, source, shrinking, hooks);
  } finally {
    offInterrupt();
  }
  progress.clear();

  const wallMs = Math.max(1, Date.now() - started);
  if (junit !== undefined) {
    writeJUnit(junit, { suite: 'swsim fuzz', passed, failures, incomplete: cutShort, wallMs,
      properties: { profile: common.profile, control: common.control ?? (drawsControl(common.profile) ? 'drawn per seed' : DEFAULT_CONTROL), bugs: common.bugs.join(','), from: String(from), shard: `${shard[0]}/${shard[1]}` } });
  }
  if (json) {
    io.out(JSON.stringify({
      runs, passed, failed, incomplete, interrupted, steps, stepsPerSec: Math.round(steps / (wallMs / 1000)), simulatedMs, wallMs,
      findings, coverage,
      marks: (({ counts, layers, hit, total }) => ({ counts, layers, hit, total }))(summariseMarks(marks)),
      failures: failures.map(({ seed, invariant, step, trace, message, scenario, shrunk }) => ({
        seed, invariant, step, trace, message, ...(shrunk === undefined ? {} : { shrunk }),
        ...(scenario === undefined ? {} : { scenario: { file: scenario.file, reproduces: scenario.reproduces, stepForStep: scenario.stepForStep, seen: scenario.seen, ...(scenario.error === undefined ? {} : { error: scenario.error }) } }),
      })),
      findingRuns,
      incompleteRuns: cutShort,
    }) + '\n');
  } else {
    const cov = Object.keys(coverage).sort().map((k) => `${k}=${coverage[k]}`).join(' ');
    io.out(`${chalk.dim('coverage:')} ${cov}\n`);
    const ms = summariseMarks(marks);
    io.out(`${chalk.dim('marks hit:')} ${ms.hit}/${ms.total} (${Object.entries(ms.layers).map(([l, c]) => `${l} ${c.hit}/${c.total}`).join(', ')}; never-hit list: swsim coverage)\n`);
    const fk = Object.keys(findings).sort();
    if (fk.length > 0) io.out(`${chalk.yellow('findings (candidate invariants, not failures):')} ${fk.map((k) => `${k}×${findings[k]}`).join(' ')}\n`);
    io.out(`${chalk.dim(`${steps} steps in ${(wallMs / 1000).toFixed(1)}s (${Math.round(steps / (wallMs / 1000))} steps/s, ${jobs} job${jobs === 1 ? '' : 's'}), ${(simulatedMs / 1000).toFixed(0)}s simulated`)}\n`);
    if (failed >= maxFailures) io.err(`stopped after ${failed} failing seeds (--max-failures ${maxFailures})\n`);
    if (incomplete > 0) {
      io.err(`${chalk.yellow('incomplete')}: ${incomplete} run(s) reached --max-steps ${common.maxSteps} before their planned end; the quiet phase and the end-of-run checks (E1–E3) did not run for them${common.allowIncomplete ? '' : ' (exit 1; --allow-incomplete accepts this)'}\n`);
    }
    io.out(`${summaryLine(passed, failed, incomplete)}\n`);
  }
  if (failed > 0) return 1;
  if (interrupted) return 130;
  return incomplete > 0 && !common.allowIncomplete ? 1 : 0;
}

/** `--check-determinism`: each seed twice in two workers; a differing trace fails, naming where. */
async function runDeterminismCheck(seeds: readonly number[], options: SeedRunOptions, io: Io, json: boolean, interrupted: () => boolean): Promise<number> {
  const started = Date.now();
  const report = await checkDeterminism(seeds, options, interrupted, (m) => {
    if (m === null || json) return;
    io.err(`${chalk.red('NONDETERMINISTIC')} seed ${m.seed}: the two runs first differ at step ${m.step} (trace line ${m.line})\n  first:  ${m.first.slice(0, 300)}\n  second: ${m.second.slice(0, 300)}\n`);
  });
  const failed = report.mismatches.length;
  if (json) io.out(JSON.stringify({ seeds: report.seeds, deterministic: report.seeds - failed, mismatches: report.mismatches, wallMs: Date.now() - started }) + '\n');
  else io.out(`${report.seeds} seeds run twice in separate workers, traces compared\n${summaryLine(report.seeds - failed, failed, 0)}\n`);
  if (failed > 0) return 1;
  return interrupted() ? 130 : 0;
}
