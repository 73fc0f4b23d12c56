// `swsim shrink TRACE`: reduces a failing run while the same invariant fails the same way (same id,
// failure vs finding, same named cause), writes the smaller run as an ordinary trace (strategy
// `shrunk`; `swsim replay` verifies and renders it) and prints steps, simulated time and choices
// before → after. The search is bounded by --budget candidates, so it is deterministic; --time is
// a wall-clock cap checked between candidates (a shrink it stops may differ from run to run).
import { resolve } from 'node:path';
import chalk from 'chalk';
import { DEFAULT_BUDGET, describeClassification, ShrinkInputError, shrinkTrace, type RunSize } from '../explore/shrink.ts';
import { readTrace } from '../trace/reader.ts';
import { formatTime } from '../trace/render.ts';
import { writeTraceAtomic } from '../trace/writer.ts';
import { parseArgs, positive, UsageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';
import { prepareTraceFile } from './output_paths.ts';
import { factoryFor } from './replay_command.ts';
import { replayCommand } from './run_flags.ts';

export const SHRINK: CommandSpec = {
  name: 'shrink',
  args: 'TRACE',
  summary: 'Reduce a failing trace to a smaller run that fails the same way; write it as a trace that replay verifies.',
  flags: {
    out: { kind: 'string', value: 'FILE', short: 'o', help: 'write the shrunk trace to FILE (default: TRACE with .shrunk.jsonl)' },
    budget: { kind: 'int', value: 'N', help: `replay at most N candidates (default ${DEFAULT_BUDGET}); the same trace and budget give the same result` },
    time: { kind: 'duration', value: 'D', help: 'also stop after D of wall-clock time (60s, 2m), checked between candidates; a shrink stopped by it may differ between runs' },
    json: { kind: 'bool', help: 'print one JSON object: invariant, classification, before, after, candidates, passes, stoppedBy, trace' },
  },
  notes: 'A candidate is kept when it fails the same invariant with the same classification (failure, or finding Hnn) in fewer steps (then fewer or smaller choices).\nExit 0 when a shrunk trace was written, 2 on bad input (not a trace, a trace that does not fail or does not reproduce).',
};

function defaultOut(file: string): string {
  return file.endsWith('.jsonl') ? `${file.slice(0, -'.jsonl'.length)}.shrunk.jsonl` : `${file}.shrunk.jsonl`;
}

function size(s: RunSize): string {
  return `${s.steps} steps, ${formatTime(s.simulatedMs)} simulated, ${s.choices} choices`;
}

export function runShrinkCommand(argv: string[], io: Io): number {
  const { flags, positional } = parseArgs(argv, SHRINK);
  if (positional.length !== 1) throw new UsageError('shrink needs exactly one trace file');
  const input = positional[0]!;
  const budget = positive(flags, 'budget') ?? DEFAULT_BUDGET;
  const timeMs = flags['time'] as number | undefined;
  if (timeMs !== undefined && timeMs <= 0) throw new UsageError('--time 0 selects no work: expected a positive duration');
  const json = flags['json'] === true;
  const out = (flags['out'] as string | undefined) ?? defaultOut(input);
  if (resolve(out) === resolve(input)) throw new UsageError(`--out ${out}: is the input trace; write the shrunk trace elsewhere (the default is ${defaultOut(input)})`);
  const trace = readTrace(input);
  prepareTraceFile('--out', out, io);

  const started = Date.now();
  let result;
  try {
    result = shrinkTrace(trace, factoryFor(trace), {
      budget,
      ...(timeMs === undefined ? {} : { shouldStop: () => Date.now() - started >= timeMs }),
      ...(json ? {} : { onAccept: (pass, steps, choices) => io.err(`  ${pass}: ${steps} steps, ${choices} choices\n`) }),
    });
  } catch (e) {
    if (e instanceof ShrinkInputError) throw new UsageError(`${input}: ${e.message}`);
    throw e;
  }
  writeTraceAtomic(out, result.trace);
  const r = result;
  if (json) {
    io.out(JSON.stringify({
      invariant: r.classification.invariant, cause: r.classification.cause, before: r.before, after: r.after,
      candidates: r.candidates, budget, accepted: r.accepted, passes: r.passes, stoppedBy: r.stoppedBy, trace: out,
      wallMs: Date.now() - started,
    }) + '\n');
    return 0;
  }
  const why = r.stoppedBy === 'fixpoint' ? 'no pass shrinks it further' : r.stoppedBy === 'budget' ? `budget of ${budget} candidates used` : 'stopped by --time (a clock-stopped shrink may differ between runs)';
  io.out(`${chalk.green('shrunk')} seed ${trace.header.seed} ${chalk.bold(describeClassification(r.classification))}\n`);
  io.out(`  before: ${size(r.before)}\n  after:  ${size(r.after)}\n`);
  io.out(`  steps ${r.before.steps} → ${r.after.steps}, simulated ${formatTime(r.before.simulatedMs)} → ${formatTime(r.after.simulatedMs)}\n`);
  io.out(`  ${r.candidates} candidates, ${r.accepted} kept (${r.passes.map((p) => `${p.pass}×${p.accepted}`).join(', ') || 'none'}); ${why}; ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  io.out(`written: ${out}\nreplay: ${replayCommand(out)}\n`);
  return 0;
}
