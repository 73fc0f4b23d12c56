import { makeClusterWorld } from '../src/check/cluster_world.ts';
import { RandomChooser } from '../src/sim/chooser.ts';
import { DEFAULT_MAX_STEPS } from '../src/sim/cluster.ts';
import { runSeed } from '../src/trace/run.ts';
const full = process.argv[2] !== 'bare';
for (let round = 0; round < 3; round++) for (let seed = 1; seed <= 15; seed++) {
  runSeed({ seed, profile: 'default', bugs: [], strict: false, maxSteps: DEFAULT_MAX_STEPS, record: full, check: full, details: false }, makeClusterWorld, new RandomChooser(seed));
}
