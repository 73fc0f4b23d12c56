// Child-process half of test/sim/determinism.test.ts: runs the given seeds (in the given order)
// with all checks and recording on and writes one trace file per seed. Usage:
//   node --import tsx test/sim/determinism_runner.ts OUTDIR PROFILE MAXSTEPS SEED...
import { join } from 'node:path';
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import { runSeed } from '../../src/trace/run.ts';
import { writeTraceAtomic } from '../../src/trace/writer.ts';

const [outDir, profile, maxStepsArg, ...seedArgs] = process.argv.slice(2);
if (outDir === undefined || profile === undefined || maxStepsArg === undefined) {
  process.stderr.write('usage: determinism_runner.ts OUTDIR PROFILE MAXSTEPS SEED...\n');
  process.exit(2);
}
for (const s of seedArgs) {
  const seed = Number(s);
  const r = runSeed({ seed, profile, bugs: [], strict: false, maxSteps: Number(maxStepsArg), record: true, check: true }, makeClusterWorld, new RandomChooser(seed));
  writeTraceAtomic(join(outDir, `seed-${seed}.jsonl`), r.trace);
}
