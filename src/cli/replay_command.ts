// `swsim replay FILE`: re-executes a trace, checks every step against the recording, reports the
// first divergence (step, expected vs actual, and whether the simulator changed since the trace
// was recorded), and prints the coloured timeline around the divergence or the failure
// (--from/--to choose the window). Exit 0 when everything matches and the recorded outcome
// reproduces (a cut-short run to its last step), 1 otherwise, 2 on bad input.
import chalk from 'chalk';
import { makeClusterWorld } from '../check/cluster_world.ts';
import { readTrace } from '../trace/reader.ts';
import { explain } from '../trace/explain.ts';
import { renderStory, renderTimeline } from '../trace/render.ts';
import { isEmptyFilter, type StepFilter } from '../trace/step_filter.ts';
import { provenance, replayTrace } from '../trace/replay.ts';
import type { WorldFactory } from '../check/checked_world.ts';
import { ScenarioError } from '../scenario/parse.ts';
import { loadScenario, worldFactory } from '../scenario/runner.ts';
import { referenceChooser } from '../explore/strategy.ts';
import type { Trace } from '../trace/format.ts';
import { parseArgs, UsageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const REPLAY: CommandSpec = {
  name: 'replay',
  args: 'FILE',
  summary: 'Re-execute a trace, verify every step and fingerprint, and report the first divergence.',
  flags: {
    from: { kind: 'int', value: 'N', help: 'first step of the timeline shown' },
    to: { kind: 'int', value: 'N', help: 'last step of the timeline shown' },
    timeline: { kind: 'bool', help: 'print the timeline even when the replay matches a passing run' },
    quiet: { kind: 'bool', help: 'print no timeline, only the verdict' },
    explain: { kind: 'bool', help: 'print the causal story of the failure (or first finding): faults and every change to the objects it names, the rest folded' },
    actor: { kind: 'list', value: 'NAME', help: 'show only steps of this actor (n1, master, client, fault, ...); repeatable' },
    kind: { kind: 'list', value: 'PREFIX', help: 'show only steps whose kind starts with PREFIX (engine., net.frame, fault); repeatable' },
    grep: { kind: 'string', value: 'REGEX', help: "show only steps whose kind or detail matches REGEX (JavaScript syntax)" },
  },
  notes: 'Without --from/--to the timeline shows the 40 steps before the divergence or the failure; with a filter (--actor/--kind/--grep) the whole trace, matching steps only.',
};

/**
 * The world a trace ran in: a scenario run's header names its file and hash, and the world is
 * rebuilt from that file (refused when the file changed since); otherwise the seeded cluster.
 */
export function factoryFor(trace: Trace): WorldFactory {
  const ref = trace.header.scenario;
  if (ref === undefined) return makeClusterWorld;
  let l;
  try { l = loadScenario(ref.path); } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(`the trace's scenario file cannot be loaded:\n${e.message}`);
    throw e;
  }
  if (l.sha256 !== ref.sha256) throw new UsageError(`${ref.path}: the scenario file changed since the trace was recorded (sha256 ${ref.sha256.slice(0, 12)}… recorded, ${l.sha256.slice(0, 12)}… now); run the scenario again`);
  return worldFactory(l);
}

/** The timeline filter of --actor, --kind and --grep (a bad pattern is a usage error). */
function stepFilter(flags: Record<string, unknown>): StepFilter {
  const pattern = flags['grep'] as string | undefined;
  let grep: RegExp | undefined;
  if (pattern !== undefined) {
    try { grep = new RegExp(pattern); } catch (e) { throw new UsageError(`flag --grep: expected a regular expression, got '${pattern}' (${(e as Error).message})`); }
  }
  return { actors: flags['actor'] as string[] | undefined, kinds: flags['kind'] as string[] | undefined, ...(grep === undefined ? {} : { grep }) };
}

/** Steps shown before the point of interest when no window is given. */
const CONTEXT = 40;

export function runReplayCommand(argv: string[], io: Io): number {
  const { flags, positional } = parseArgs(argv, REPLAY);
  if (positional.length !== 1) throw new UsageError('replay needs exactly one trace file');
  const from = flags['from'] as number | undefined;
  const to = flags['to'] as number | undefined;
  if (from !== undefined && to !== undefined && from > to) throw new UsageError(`--from ${from} --to ${to}: an empty range (from is after to)`);
  const filter = stepFilter(flags);
  const trace = readTrace(positional[0]!);
  const last = trace.steps.length;
  if (from !== undefined && from > last) throw new UsageError(`--from ${from}: the trace has ${last} steps, so the range selects nothing`);
  if (to !== undefined && to < 1) throw new UsageError('--to 0: the range selects nothing (steps start at 1)');

  const report = replayTrace(trace, factoryFor(trace), referenceChooser(trace.header));
  const o = trace.outcome;
  const focus = !report.ok && report.divergence !== undefined ? report.divergence.step : o.status === 'fail' ? o.step : undefined;
  const filtered = !isEmptyFilter(filter);
  if (flags['explain'] === true) {
    const story = explain(trace);
    if (story === null) throw new UsageError(`${positional[0]}: nothing to explain: the run ${o.status === 'pass' ? 'passed with no finding' : `is ${o.status}, with no failure or finding`}`);
    if (flags['quiet'] !== true) io.out(renderStory(trace, story));
  } else if (flags['quiet'] !== true && (flags['timeline'] === true || filtered || from !== undefined || to !== undefined || focus !== undefined)) {
    const around = !filtered && focus !== undefined;
    const lo = from ?? (to === undefined && around ? Math.max(1, focus - CONTEXT) : 1);
    const hi = to ?? (from === undefined && around ? focus + 5 : Number.MAX_SAFE_INTEGER);
    io.out(renderTimeline(trace, lo, hi, filter));
  }
  if (!report.ok && report.divergence !== undefined) {
    const d = report.divergence;
    if (report.seedMismatch !== undefined) {
      io.out(`${chalk.red.bold('SEED MISMATCH')}: ${report.seedMismatch}\n`);
      return 1;
    }
    io.out(`${chalk.red.bold('DIVERGED')} at step ${d.step}\n  expected: ${d.expected}\n  actual:   ${d.actual}\n`);
    io.out(`${provenance(trace).explanation}\n`);
    return 1;
  }
  const verdict = o.status === 'fail' ? `fail ${o.invariant} at step ${o.step}` : o.status === 'interrupted' || o.status === 'incomplete' ? `${o.status} after ${o.steps} steps` : o.status;
  io.out(`${chalk.green('replay ok')}: ${report.replayed.length} steps, every fingerprint matches; outcome ${verdict}, reproduced\n`);
  return 0;
}
