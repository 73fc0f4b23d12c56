// The process entry of `swsim` (bin/swsim.js imports it): runs `main` on the real argv and
// streams, turns a closed pipe (`swsim bugs | head -1`) into a quiet exit, and sets the exit code.
import { processIo } from './io.ts';
import { main } from './main.ts';

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2), processIo);
