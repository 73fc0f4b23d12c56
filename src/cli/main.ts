// swsim command line: parses argv and dispatches to one command module per verb.
// Wall-clock use is allowed here (reporting only); nothing below src/cli may read it.
const USAGE = `swsim — deterministic simulator for the SeaweedFS block-storage V2 replication engine

Usage:
  swsim engine <file.jsonl>       run an engine script, one canonical JSON line per call
  swsim --help                    this text
`;

function main(argv: string[]): number {
  const [cmd] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(`swsim: unknown command '${cmd}'\n\n${USAGE}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
