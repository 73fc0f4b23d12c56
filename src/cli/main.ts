// swsim command line: dispatches argv to one command module per verb, answers `--help` (global
// and per command) and `--version`, applies the colour policy (NO_COLOR, FORCE_COLOR), and maps
// errors to exit codes: usage errors and bad input exit 2 with a message naming what was wrong;
// invariant failures exit 1. `main` runs in-process (the tests call it with a captured Io); the
// process entry is `entry.ts`. Wall-clock use is allowed under src/cli (reporting only).
import chalk from 'chalk';
import { ALL_BUGS, unreachableReason } from '../check/bug_catalog.ts';
import { buildId } from '../trace/build_info.ts';
import { TOOL_VERSION } from '../trace/format.ts';
import { TraceInputError } from '../trace/reader.ts';
import { commandHelp, parseArgs, UsageError, wantsHelp, type CommandSpec } from './args.ts';
import { CHECK, runCheckCommand } from './check_command.ts';
import { ENGINE, runEngineCommand } from './engine_command.ts';
import { FUZZ, runFuzzCommand } from './fuzz_command.ts';
import { COVERAGE, runCoverageCommand } from './coverage_command.ts';
import type { Io } from './io.ts';
import { REPLAY, runReplayCommand } from './replay_command.ts';
import { RUN, runRunCommand } from './run_command.ts';
import { runScenarioCommand, SCENARIO } from './scenario_command.ts';
import { runShrinkCommand, SHRINK } from './shrink_command.ts';
import { runViewCommand, VIEW } from './view_command.ts';

const BUGS: CommandSpec = {
  name: 'bugs',
  args: '',
  summary: 'List the known-bug switches usable with --bug: id, layer, what it is (* = not reachable by the simulated cluster).',
  flags: {},
};

export const COMMANDS: readonly CommandSpec[] = [FUZZ, RUN, REPLAY, SHRINK, VIEW, ENGINE, CHECK, SCENARIO, BUGS, COVERAGE];

export function version(): string {
  return `${TOOL_VERSION} (build ${buildId()}, trace format 2, node ${process.versions.node})`;
}

function usage(): string {
  const lines = [
    'swsim — deterministic simulator and model checker for the SeaweedFS block-storage V2',
    'replication engine and its WAL', '', 'Usage:',
  ];
  for (const c of COMMANDS) lines.push(`  swsim ${c.name}${c.args !== '' ? ` ${c.args}` : ''}${Object.keys(c.flags).length > 0 ? ' [flags]' : ''}`, `      ${c.summary}`);
  lines.push('  swsim --version', '  swsim <command> --help      every flag of a command', '',
    'Exit codes: 0 ok, 1 invariant failure, incomplete run or replay divergence, 2 bad usage or bad input, 130 interrupted.');
  return lines.join('\n') + '\n';
}

/** The colour level chalk detected for this process's terminal. */
const DETECTED_LEVEL = chalk.level;

/**
 * FORCE_COLOR decides when set (0 or false: none; 1-3: that level); otherwise NO_COLOR (any
 * non-empty value) turns colour off; otherwise the terminal's own capability.
 */
export function applyColourPolicy(env: Io['env']): void {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') {
    chalk.level = force === '0' || force === 'false' ? 0 : Math.min(3, Math.max(1, Number(force) || 1)) as 1 | 2 | 3;
  } else if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') {
    chalk.level = 0;
  } else {
    chalk.level = DETECTED_LEVEL;
  }
}

function listBugs(io: Io): number {
  for (const b of ALL_BUGS) {
    const mark = unreachableReason(b.id) !== undefined ? '*' : ' ';
    io.out(`${b.id.padEnd(6)}${mark} ${b.layer.padEnd(12)} ${b.description}\n`);
  }
  return 0;
}

async function dispatch(cmd: string, rest: string[], io: Io): Promise<number> {
  switch (cmd) {
    case 'fuzz': return runFuzzCommand(rest, io);
    case 'coverage': return runCoverageCommand(rest, io);
    case 'run': return runRunCommand(rest, io);
    case 'replay': return runReplayCommand(rest, io);
    case 'shrink': return runShrinkCommand(rest, io);
    case 'view': return runViewCommand(rest, io);
    case 'engine': return runEngineCommand(rest, io);
    case 'check': return runCheckCommand(rest, io);
    case 'scenario': return runScenarioCommand(rest, io);
    case 'bugs': {
      const { positional } = parseArgs(rest, BUGS);
      if (positional.length > 0) throw new UsageError(`bugs takes no arguments, got '${positional[0]}'`);
      return listBugs(io);
    }
    default: throw new Error(`no dispatch for ${cmd}`);
  }
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  applyColourPolicy(io.env);
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const topic = cmd === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(topic !== undefined ? commandHelp(topic) : usage());
    return 0;
  }
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    io.out(`${version()}\n`);
    return 0;
  }
  const spec = COMMANDS.find((c) => c.name === cmd);
  if (spec === undefined) {
    io.err(`swsim: unknown command '${cmd}'\n\n${usage()}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    io.out(commandHelp(spec));
    return 0;
  }
  try {
    return await dispatch(cmd, rest, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof TraceInputError) {
      io.err(`swsim ${cmd}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
