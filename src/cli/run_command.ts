// `swsim run --seed S`: runs one seed, prints its outcome, writes its trace when asked (pass or
// fail; the folder is created and said so), and with --timeline prints the coloured step
// timeline. Ctrl-C stops the run and writes its partial trace (to --trace, or
// traces/seed-S-interrupted.jsonl), which `swsim replay` reproduces to its last step.
import chalk from 'chalk';
import { makeChooser } from '../explore/strategy.ts';
import { makeClusterWorld } from '../check/cluster_world.ts';
import { renderTimeline } from '../trace/render.ts';
import { SeedRun } from '../trace/run.ts';
import { writeTraceAtomic } from '../trace/writer.ts';
import { parseArgs, UsageError, type CommandSpec } from './args.ts';
import { STEP_BATCH } from './seed_outcome.ts';
import type { Io } from './io.ts';
import { prepareTraceDir, prepareTraceFile } from './output_paths.ts';
import { commonFlags, replayCommand, RUN_FLAGS, STRATEGY_FLAGS, strategyFlags } from './run_flags.ts';

export const RUN: CommandSpec = {
  name: 'run',
  args: '--seed S',
  summary: 'Run one seed and print its outcome; write its trace when asked (pass or fail).',
  flags: {
    seed: { kind: 'int', value: 'S', help: 'the seed to run (required)' },
    ...RUN_FLAGS,
    ...STRATEGY_FLAGS,
    trace: { kind: 'string', value: 'FILE', help: 'write the trace to FILE (its folder is created when missing)' },
    timeline: { kind: 'bool', help: 'print the coloured step timeline' },
    json: { kind: 'bool', help: 'print one JSON object: seed, status, failure, steps, simulatedMs, findings, coverage, marks, trace' },
  },
  notes: 'Ctrl-C writes the partial trace (to --trace, or traces/seed-S-interrupted.jsonl).',
};

export async function runRunCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positional } = parseArgs(argv, RUN);
  if (positional.length > 0) throw new UsageError(`run takes no positional arguments, got '${positional[0]}'`);
  const seed = flags['seed'] as number | undefined;
  if (seed === undefined) throw new UsageError('run needs --seed S');
  const json = flags['json'] === true;
  const common = commonFlags(flags, io, json);
  const strategy = strategyFlags(flags);
  const asked = flags['trace'] as string | undefined;
  if (asked !== undefined) prepareTraceFile('--trace', asked, io);

  let interrupted = false;
  const stop = (): void => { interrupted = true; };
  const offInterrupt = io.onInterrupt(stop);
  const run = new SeedRun({ seed, ...common, record: true, check: true, ...(strategy === undefined ? {} : { strategy }) }, makeClusterWorld, makeChooser(seed, strategy));
  try {
    while (!interrupted && run.advance(STEP_BATCH)) await new Promise<void>((r) => setImmediate(r));
  } finally {
    offInterrupt();
  }
  const result = run.result();

  let file = asked;
  if (result.status === 'interrupted' && file === undefined) {
    prepareTraceDir('traces', 'traces');
    file = `traces/seed-${seed}-interrupted.jsonl`;
  }
  if (file !== undefined) writeTraceAtomic(file, result.trace);
  if (flags['timeline'] === true) io.out(renderTimeline(result.trace));
  if (json) {
    io.out(JSON.stringify({ seed, status: result.status, failure: result.failure ?? null, steps: result.steps,
      simulatedMs: result.simulatedMs, findings: result.findings, coverage: result.coverage, marks: result.marks, trace: file ?? null }) + '\n');
  } else if (result.status === 'fail' && result.failure !== undefined) {
    io.out(`${chalk.red('FAIL')} seed ${seed} ${chalk.bold(result.failure.id)} at step ${result.failure.step}: ${result.failure.message}\n`);
    if (file !== undefined) io.out(`replay: ${replayCommand(file)}\n`);
  } else if (result.status === 'interrupted' || result.status === 'incomplete') {
    const why = result.status === 'interrupted' ? 'interrupted' : `stopped by --max-steps ${common.maxSteps}`;
    io.out(`${chalk.yellow(result.status)} seed ${seed}: ${why} after ${result.steps} steps (${(result.simulatedMs / 1000).toFixed(1)}s simulated), before the quiet phase and the end-of-run checks\n`);
  } else {
    io.out(`${chalk.green('pass')} seed ${seed}: ${result.steps} steps, ${(result.simulatedMs / 1000).toFixed(1)}s simulated\n`);
    for (const f of result.findings) io.out(`${chalk.yellow('finding')} ${f.invariant} at step ${f.step}: ${f.message}\n`);
  }
  if (file !== undefined) io.err(`trace written: ${file}\n`);
  if (result.status === 'fail') return 1;
  if (result.status === 'interrupted') return 130;
  return result.status === 'incomplete' && !common.allowIncomplete ? 1 : 0;
}
