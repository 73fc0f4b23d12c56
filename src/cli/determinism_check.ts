// `swsim fuzz --check-determinism`: every seed runs twice, in two separate worker threads that
// each run the whole seed list in order (so the two runs of a seed have different histories in
// their threads), and the two traces are compared. Same seed ⇒ byte-identical trace is the
// product's promise; any difference fails, naming the first differing line and step.
import type { WorkerInit, WorkerRequest } from './fuzz_worker.ts';
import type { SeedOutcome, SeedRunOptions } from './seed_outcome.ts';
import { startWorker, type SeedSource } from './seed_pool.ts';

export interface DeterminismMismatch {
  readonly seed: number;
  /** 1-based line of the trace where the runs first differ, and the step it belongs to (0: header). */
  readonly line: number;
  readonly step: number;
  readonly first: string;
  readonly second: string;
}

export interface DeterminismReport {
  readonly seeds: number;
  readonly mismatches: readonly DeterminismMismatch[];
}

/** Where two traces first differ, or null when they are identical. */
export function firstDifference(seed: number, a: string, b: string): DeterminismMismatch | null {
  if (a === b) return null;
  const la = a.split('\n'), lb = b.split('\n');
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  const stepOf = (line: string | undefined): number => {
    const m = line === undefined ? null : /^\{"type":"step","step":(\d+)/.exec(line);
    return m === null ? 0 : Number(m[1]);
  };
  return { seed, line: i + 1, step: stepOf(la[i]) || stepOf(lb[i]), first: la[i] ?? '(end of trace)', second: lb[i] ?? '(end of trace)' };
}

export async function checkDeterminism(seeds: readonly number[], options: SeedRunOptions, interrupted: () => boolean, onSeed: (m: DeterminismMismatch | null, seed: number) => void): Promise<DeterminismReport> {
  const init: WorkerInit = { options: { ...options, keepTraces: true }, stop: new SharedArrayBuffer(4) };
  const stopFlag = new Int32Array(init.stop);
  const pair = [startWorker(init), startWorker(init)];
  const got: Map<number, SeedOutcome>[] = [new Map(), new Map()];
  const mismatches: DeterminismMismatch[] = [];
  let compared = 0;
  const watch = setInterval(() => { if (interrupted()) Atomics.store(stopFlag, 0, 1); }, 20);
  try {
    await new Promise<void>((done, fail) => {
      const next = [0, 0];
      const outstanding = [0, 0];
      const feed = (k: number): void => {
        if (interrupted() || next[k]! >= seeds.length) return;
        pair[k]!.postMessage({ kind: 'seed', seed: seeds[next[k]!]! } satisfies WorkerRequest);
        next[k]! += 1;
        outstanding[k]! += 1;
      };
      const check = (): void => {
        const drained = outstanding[0] === 0 && outstanding[1] === 0;
        if (drained && (interrupted() || (next[0] === seeds.length && next[1] === seeds.length))) done();
      };
      pair.forEach((w, k) => {
        w.on('message', (o: SeedOutcome) => {
          outstanding[k]! -= 1;
          got[k]!.set(o.seed, o);
          const other = got[1 - k]!.get(o.seed);
          if (other !== undefined) {
            got[0]!.delete(o.seed);
            got[1]!.delete(o.seed);
            compared += 1;
            const [a, b] = k === 0 ? [o, other] : [other, o];
            const cut = a.status === 'interrupted' || b.status === 'interrupted';
            const m = cut || a.traceHash === b.traceHash ? null : firstDifference(o.seed, a.trace ?? '', b.trace ?? '');
            if (m !== null) mismatches.push(m);
            onSeed(m, o.seed);
          }
          feed(k);
          check();
        });
        w.on('error', fail);
      });
      feed(0);
      feed(1);
      check();
    });
  } finally {
    clearInterval(watch);
    await Promise.all(pair.map((w) => w.terminate()));
  }
  return { seeds: compared, mismatches };
}

/** The seeds a source yields (the determinism check hands the same list to both workers). */
export function collectSeeds(next: SeedSource, limit: number): number[] {
  const out: number[] = [];
  for (let s = next(); s !== null && out.length < limit; s = next()) out.push(s);
  return out;
}
