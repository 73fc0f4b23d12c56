// `swsim run --seed S`: runs one seed, prints its outcome, writes its trace when asked (pass or
// fail), and with --timeline prints the coloured step timeline.
import chalk from 'chalk';
import { RandomChooser } from '../sim/chooser.ts';
import { makeClusterWorld } from '../check/cluster_world.ts';
import { renderTimeline } from '../trace/render.ts';
import { runSeed } from '../trace/run.ts';
import { writeTraceAtomic } from '../trace/writer.ts';
import { parseArgs, UsageError } from './args.ts';
import { commonFlags, replayCommand } from './fuzz_command.ts';

const FLAGS = { seed: 'int', profile: 'string', bug: 'list', trace: 'string', strict: 'bool', 'max-steps': 'int', timeline: 'bool', json: 'bool' } as const;

export function runRunCommand(argv: string[]): number {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (positional.length > 0) throw new UsageError(`run takes no positional arguments, got '${positional[0]}'`);
  const seed = flags['seed'] as number | undefined;
  if (seed === undefined) throw new UsageError('run needs --seed S');
  const common = commonFlags(flags);
  const result = runSeed({ seed, ...common, record: true, check: true }, makeClusterWorld, new RandomChooser(seed));
  const file = flags['trace'] as string | undefined;
  if (file !== undefined) writeTraceAtomic(file, result.trace);
  if (flags['timeline'] === true) process.stdout.write(renderTimeline(result.trace));
  if (flags['json'] === true) {
    process.stdout.write(JSON.stringify({ seed, status: result.status, failure: result.failure ?? null, steps: result.steps,
      simulatedMs: result.simulatedMs, findings: result.findings, coverage: result.coverage, trace: file ?? null }) + '\n');
  } else if (result.status === 'fail' && result.failure !== undefined) {
    process.stdout.write(`${chalk.red('FAIL')} seed ${seed} ${chalk.bold(result.failure.id)} at step ${result.failure.step}: ${result.failure.message}\n`);
    if (file !== undefined) process.stdout.write(`replay: ${replayCommand(file)}\n`);
  } else {
    process.stdout.write(`${chalk.green('pass')} seed ${seed}: ${result.steps} steps, ${(result.simulatedMs / 1000).toFixed(1)}s simulated\n`);
    for (const f of result.findings) process.stdout.write(`${chalk.yellow('finding')} ${f.invariant} at step ${f.step}: ${f.message}\n`);
  }
  return result.status === 'fail' ? 1 : 0;
}
