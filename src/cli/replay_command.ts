// `swsim replay FILE`: re-executes a trace, checks every fingerprint, reports the first
// divergence (step, expected vs actual), and prints the coloured timeline (--from/--to).
// Exit 0 when everything matches and the recorded outcome reproduces, 1 otherwise, 2 on bad input.
import chalk from 'chalk';
import { makeClusterWorld } from '../check/cluster_world.ts';
import { readTrace } from '../trace/reader.ts';
import { renderTimeline } from '../trace/render.ts';
import { replayTrace } from '../trace/replay.ts';
import { parseArgs, UsageError } from './args.ts';

const FLAGS = { from: 'int', to: 'int', quiet: 'bool', timeline: 'bool' } as const;

export function runReplayCommand(argv: string[]): number {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (positional.length !== 1) throw new UsageError('replay needs exactly one trace file');
  const trace = readTrace(positional[0]!);
  const report = replayTrace(trace, makeClusterWorld);
  const from = (flags['from'] as number | undefined) ?? 1;
  const to = flags['to'] as number | undefined;
  const showTimeline = flags['quiet'] !== true && (flags['timeline'] === true || flags['from'] !== undefined || to !== undefined || !report.ok || trace.outcome.status === 'fail');
  if (showTimeline) {
    const defaultFrom = flags['from'] === undefined && to === undefined && trace.outcome.step !== undefined ? Math.max(1, trace.outcome.step - 40) : from;
    process.stdout.write(renderTimeline(trace, defaultFrom, to ?? Number.MAX_SAFE_INTEGER));
  }
  if (!report.ok && report.divergence !== undefined) {
    const d = report.divergence;
    process.stdout.write(`${chalk.red.bold('DIVERGED')} at step ${d.step}\n  expected: ${d.expected}\n  actual:   ${d.actual}\n`);
    return 1;
  }
  const o = trace.outcome;
  process.stdout.write(`${chalk.green('replay ok')}: ${report.replayed.length} steps, every fingerprint matches; outcome ${o.status === 'fail' ? `fail ${o.invariant} at step ${o.step}` : o.status} reproduced\n`);
  return 0;
}
