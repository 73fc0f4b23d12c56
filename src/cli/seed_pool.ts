// Runs fuzz seeds: in this thread (`--jobs 1`) or across worker threads (`--jobs N`). Seeds are
// handed out in order and their outcomes delivered in seed order whatever finishes first, so the
// output, the traces written and the summary are the same for every N (only wall times differ).
// A stop (Ctrl-C, --max-failures, the time budget) hands out no more seeds; seeds already running
// end as interrupted only on Ctrl-C — otherwise they finish.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerInit, WorkerRequest } from './fuzz_worker.ts';
import { runSeedOutcome, type SeedOutcome, type SeedRunOptions } from './seed_outcome.ts';

/** The seeds of a run, in order; null when there are no more (or the budget is spent). */
export type SeedSource = () => number | null;

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

export interface PoolHooks {
  /** Each seed's outcome, in seed order. */
  deliver(o: SeedOutcome): void;
  /** Asked before each seed is handed out: false stops handing out seeds. */
  mayStart(): boolean;
  /** True once Ctrl-C was pressed: running seeds end as interrupted. */
  interrupted(): boolean;
}

const tick = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

/** `--jobs 1`: one seed after another in this thread, returning to the event loop between batches. */
export async function runInProcess(next: SeedSource, options: SeedRunOptions, hooks: PoolHooks): Promise<void> {
  while (hooks.mayStart()) {
    const seed = next();
    if (seed === null) return;
    hooks.deliver(await runSeedOutcome(seed, options, hooks.interrupted, tick));
  }
}

/** A fuzz worker thread. Compiled, it is plain JavaScript; from the sources it needs tsx's hooks in its thread first. */
export function startWorker(init: WorkerInit): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './fuzz_worker.ts' : './fuzz_worker.js', import.meta.url);
  const url = fromSource ? new URL('../../bin/worker-from-source.js', import.meta.url) : entry;
  return new Worker(url, { workerData: { ...init, entry: entry.href } });
}

/**
 * Seeds a worker runs before it is replaced by a fresh one. V8 grows a heap to what its busiest
 * seed needed and gives little of it back, so a long run's memory would creep up with every
 * heavier seed it meets; a fresh worker starts small (its start-up costs well under 1 % of the
 * time its seeds take). Outcomes do not depend on it: every seed builds its own world.
 */
export const SEEDS_PER_WORKER = 100;

/** `--jobs N`: N worker threads, one seed each at a time, each replaced after `seedsPerWorker` seeds. */
export async function runInWorkers(jobs: number, next: SeedSource, options: SeedRunOptions, hooks: PoolHooks, seedsPerWorker = SEEDS_PER_WORKER): Promise<void> {
  const stop = new SharedArrayBuffer(4);
  const stopFlag = new Int32Array(stop);
  const init: WorkerInit = { options, stop };
  const workers: Worker[] = [];
  const retired: Promise<number>[] = [];
  const waiting = new Map<number, SeedOutcome>();
  let handedOut = 0;
  let delivered = 0;
  const order = new Map<number, number>(); // seed -> position
  let watch: ReturnType<typeof setInterval> | null = null;
  try {
    await new Promise<void>((done, fail) => {
      let running = 0;
      let exhausted = false;
      const flush = (): void => {
        for (let o = waiting.get(delivered); o !== undefined; o = waiting.get(delivered)) {
          waiting.delete(delivered);
          delivered += 1;
          hooks.deliver(o);
        }
      };
      const feed = (w: Worker): void => {
        const seed = !exhausted && hooks.mayStart() ? next() : null;
        if (seed === null) {
          exhausted = true;
          if (running === 0) done();
          return;
        }
        order.set(seed, handedOut++);
        running += 1;
        w.postMessage({ kind: 'seed', seed } satisfies WorkerRequest);
      };
      const start = (): Worker => {
        const w = startWorker(init);
        workers.push(w);
        let seeds = 0;
        w.on('message', (o: SeedOutcome) => {
          running -= 1;
          seeds += 1;
          waiting.set(order.get(o.seed)!, o);
          order.delete(o.seed);
          flush();
          if (seeds >= seedsPerWorker && !exhausted) {
            workers.splice(workers.indexOf(w), 1);
            retired.push(w.terminate());
            feed(start());
          } else {
            feed(w);
          }
          if (exhausted && running === 0) done();
        });
        w.on('error', fail);
        return w;
      };
      // Ctrl-C lands in this thread; tell the workers through shared memory.
      watch = setInterval(() => { if (hooks.interrupted()) Atomics.store(stopFlag, 0, 1); }, 20);
      for (let i = 0; i < jobs; i++) feed(start());
    });
  } finally {
    if (watch !== null) clearInterval(watch);
    for (const w of workers) w.postMessage({ kind: 'exit' } satisfies WorkerRequest);
    await Promise.all([...workers.map((w) => w.terminate()), ...retired]);
  }
}
