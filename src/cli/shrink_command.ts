// `swsim shrink TRACE`: reduces a failing run while the same invariant fails the same way (same id,
// failure vs finding, same named cause): first its structure (the run as a scenario file: faults,
// message-fault kinds, servers, client load, phases; src/explore/shrink_structure.ts), then its
// choice sequence. Writes the smaller run as an ordinary trace (strategy `shrunk`; `swsim replay`
// verifies and renders it) and, when the structural passes kept something, the shrunk scenario
// file the trace names (`swsim scenario FILE` reproduces it). Prints steps, fault events, client
// operations, simulated time and choices before → after. The search is bounded by --budget
// candidates, so it is deterministic; --time is a wall-clock cap checked between candidates (a
// shrink it stops may differ from run to run).
import { resolve } from 'node:path';
import chalk from 'chalk';
import { DEFAULT_BUDGET, describeClassification, ShrinkInputError, type RunSize } from '../explore/shrink.ts';
import { shrinkFailure } from '../explore/shrink_failure.ts';
import { readTrace } from '../trace/reader.ts';
import { formatTime } from '../trace/render.ts';
import { writeFileAtomic, writeTraceAtomic } from '../trace/writer.ts';
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
    'scenario-out': { kind: 'string', value: 'FILE', help: 'write the shrunk scenario file (which the shrunk trace names) to FILE (default: TRACE with .shrunk.yaml)' },
    'choices-only': { kind: 'bool', help: 'skip the structural passes: shrink only the choice sequence (no scenario file)' },
    budget: { kind: 'int', value: 'N', help: `replay at most N candidates (default ${DEFAULT_BUDGET}); the same trace and budget give the same result` },
    time: { kind: 'duration', value: 'D', help: 'also stop after D of wall-clock time (60s, 2m), checked between candidates; a shrink stopped by it may differ between runs' },
    json: { kind: 'bool', help: 'print one JSON object: invariant, classification, before, after (steps, simulatedMs, choices, faults, clientOps), candidates, passes, stoppedBy, trace, scenario' },
  },
  notes: 'A candidate is kept when it fails the same invariant with the same classification (failure, or finding Hnn): a scenario with fewer faults, or as many and no more steps; then a choice sequence with fewer steps (then fewer or smaller choices).\nExit 0 when a shrunk trace was written, 2 on bad input (not a trace, a trace that does not fail or does not reproduce).',
};

function defaultOut(file: string): string {
  return file.endsWith('.jsonl') ? `${file.slice(0, -'.jsonl'.length)}.shrunk.jsonl` : `${file}.shrunk.jsonl`;
}

function defaultScenarioOut(file: string): string {
  return file.endsWith('.jsonl') ? `${file.slice(0, -'.jsonl'.length)}.shrunk.yaml` : `${file}.shrunk.yaml`;
}

function size(s: RunSize): string {
  return `${s.steps} steps, ${s.faults} fault events, ${s.clientOps} client operations, ${formatTime(s.simulatedMs)} simulated, ${s.choices} choices`;
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
  const choicesOnly = flags['choices-only'] === true;
  const scenarioOut = (flags['scenario-out'] as string | undefined) ?? defaultScenarioOut(input);
  if (!choicesOnly && (resolve(scenarioOut) === resolve(input) || resolve(scenarioOut) === resolve(out))) {
    throw new UsageError(`--scenario-out ${scenarioOut}: is the ${resolve(scenarioOut) === resolve(input) ? 'input trace' : 'shrunk trace\'s file'}; write the scenario elsewhere (the default is ${defaultScenarioOut(input)})`);
  }
  const trace = readTrace(input);
  prepareTraceFile('--out', out, io);
  if (!choicesOnly) prepareTraceFile('--scenario-out', scenarioOut, io, 'shrunk.yaml');

  const started = Date.now();
  let result;
  try {
    result = shrinkFailure(trace, factoryFor(trace), {
      budget, source: input,
      ...(choicesOnly ? {} : { scenarioPath: scenarioOut }),
      ...(timeMs === undefined ? {} : { shouldStop: () => Date.now() - started >= timeMs }),
      ...(json ? {} : { onAccept: progressLine(io) }),
    });
  } catch (e) {
    if (e instanceof ShrinkInputError) throw new UsageError(`${input}: ${e.message}`);
    throw e;
  }
  const r = result;
  if (r.scenario !== null) writeFileAtomic(r.scenario.path, r.scenario.text);
  writeTraceAtomic(out, r.trace);
  if (json) {
    io.out(JSON.stringify({
      invariant: r.classification.invariant, cause: r.classification.cause, before: r.before, after: r.after,
      candidates: r.candidates, budget, accepted: r.accepted, passes: r.passes, stoppedBy: r.stoppedBy, trace: out,
      scenario: r.scenario === null ? null : {
        file: r.scenario.path, steps: r.scenario.steps, faultsBefore: r.scenario.faultsBefore, faultsAfter: r.scenario.faultsAfter,
        messageFaultsBefore: r.scenario.messageFaultsBefore, messageFaultsAfter: r.scenario.messageFaultsAfter,
        serversBefore: r.scenario.serversBefore, serversAfter: r.scenario.serversAfter,
      },
      structureNote: r.structureNote,
      wallMs: Date.now() - started,
    }) + '\n');
    return 0;
  }
  const why = r.stoppedBy === 'fixpoint' ? 'no pass shrinks it further' : r.stoppedBy === 'budget' ? `budget of ${budget} candidates used` : 'stopped by --time (a clock-stopped shrink may differ between runs)';
  io.out(`${chalk.green('shrunk')} seed ${trace.header.seed} ${chalk.bold(describeClassification(r.classification))}\n`);
  io.out(`  before: ${size(r.before)}\n  after:  ${size(r.after)}\n`);
  io.out(`  steps ${r.before.steps} → ${r.after.steps}, fault events ${r.before.faults} → ${r.after.faults}, client operations ${r.before.clientOps} → ${r.after.clientOps}, simulated ${formatTime(r.before.simulatedMs)} → ${formatTime(r.after.simulatedMs)}\n`);
  io.out(`  ${r.candidates} candidates, ${r.accepted} kept (${r.passes.map((p) => `${p.pass}×${p.accepted}`).join(', ') || 'none'}); ${why}; ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  if (r.scenario !== null) {
    const sc = r.scenario;
    io.out(`  scenario: faults stated ${sc.faultsBefore} → ${sc.faultsAfter} (message-fault kinds [${sc.messageFaultsBefore.join(', ')}] → [${sc.messageFaultsAfter.join(', ')}]), servers ${sc.serversBefore} → ${sc.serversAfter}; it fails at step ${sc.steps}\n`);
    io.out(`written: ${sc.path}\nreproduce: npx swsim scenario ${sc.path}\n`);
  } else if (r.structureNote !== null && !choicesOnly) {
    io.out(`  structure not shrunk: ${r.structureNote}\n`);
  }
  io.out(`written: ${out}\nreplay: ${replayCommand(out)}\n`);
  return 0;
}

/**
 * Progress on stderr: one line per accepted candidate that changed what the line shows (steps and
 * size); a pass that only moved values inside the same size (most `lower` steps) prints nothing.
 */
function progressLine(io: { err(s: string): void }): (pass: string, steps: number, what: string) => void {
  let last = '';
  return (pass, steps, what) => {
    const shown = `${steps} steps, ${what}`;
    if (shown === last) return;
    last = shown;
    io.err(`  ${pass}: ${shown}\n`);
  };
}
