// A fuzz worker thread: runs the seeds the pool sends it, one at a time, and posts each seed's
// outcome back. A stop request arrives through shared memory (the worker's loop is synchronous,
// so a message could not be read mid-seed): the current seed ends as interrupted, with its trace.
import { parentPort, workerData } from 'node:worker_threads';
import { runSeedOutcome, type SeedRunOptions } from './seed_outcome.ts';

export interface WorkerInit {
  readonly options: SeedRunOptions;
  /** Int32Array view over shared memory: element 0 becomes 1 on a stop request. */
  readonly stop: SharedArrayBuffer;
}

export type WorkerRequest = { readonly kind: 'seed'; readonly seed: number } | { readonly kind: 'exit' };

const init = workerData as WorkerInit;
const stopFlag = new Int32Array(init.stop);
const port = parentPort!;

port.on('message', (m: WorkerRequest) => {
  if (m.kind === 'exit') { port.close(); return; }
  void runSeedOutcome(m.seed, init.options, () => Atomics.load(stopFlag, 0) === 1).then((outcome) => port.postMessage(outcome));
});
