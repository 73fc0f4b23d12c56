// swsim command line: parses argv and dispatches to one command module per verb. Usage errors and
// bad input exit 2 with a message naming what was wrong; invariant failures exit 1.
// Wall-clock use is allowed under src/cli (reporting only); nothing below src/cli may read it.
import { ALL_BUGS, homeProfileOf } from './bugs.ts';
import { UsageError } from './args.ts';
import { runFuzzCommand } from './fuzz_command.ts';
import { runReplayCommand } from './replay_command.ts';
import { runRunCommand } from './run_command.ts';
import { TraceInputError } from '../trace/reader.ts';

const USAGE = `swsim — deterministic simulator and model checker for the SeaweedFS block-storage V2
replication engine and its WAL

Usage:
  swsim fuzz [--seeds N] [--from S] [--time 60s] [--profile P] [--bug ID]... [--traces DIR] [--json] [--strict]
      run seeds S..S+N-1 (default 1..100) or until the time budget; ends with "N passed, N failed"
  swsim run --seed S [--profile P] [--bug ID]... [--trace FILE] [--timeline] [--json] [--strict]
      run one seed; write its trace when asked
  swsim replay FILE [--from N] [--to N] [--timeline] [--quiet]
      re-execute a trace, verify every fingerprint, report the first divergence
  swsim engine FILE
      run an engine script (JSON lines), one canonical JSON line per call
  swsim bugs
      list the known-bug switches usable with --bug: id, layer, home profile, what it is
  swsim --help

Profiles: default, calm, network, crash, storage. Without --profile a run uses default, or, with
--bug, the switches' home profile (the one whose faults reach their code; see swsim bugs).
Exit codes: 0 ok, 1 invariant failure or replay divergence, 2 bad usage or bad input, 130 interrupted.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    switch (cmd) {
      case 'fuzz': return await runFuzzCommand(rest);
      case 'run': return runRunCommand(rest);
      case 'replay': return runReplayCommand(rest);
      case 'engine': {
        const { runEngineCommand } = await import('./engine_command.ts');
        return runEngineCommand(rest);
      }
      case 'bugs':
        for (const b of ALL_BUGS) process.stdout.write(`${b.id.padEnd(6)} ${b.layer.padEnd(12)} ${homeProfileOf(b.id).padEnd(8)} ${b.description}\n`);
        return 0;
      default:
        process.stderr.write(`swsim: unknown command '${cmd}'\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof TraceInputError) {
      process.stderr.write(`swsim ${cmd}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

// A closed pipe (`swsim bugs | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
