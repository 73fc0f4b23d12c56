// The test API of coverage marks (TigerBeetle's `marks.check`): a regression test states which code
// path its setup must reach, so the test fails loudly when a refactor makes it test something else.
//   expectMark('storage_wal_full', () => fillTheWAL(vol));
//   const scope = markScope(); ...; scope.expectHit('repl_barrier_ok'); scope.end();
import { MARKS, type MarkName } from './catalogue.ts';
import { addCounts, markCount, markRecord, newMarkCounts, swapMarkCounts, withMarks, type MarkCounts } from './counter.ts';

export class MarkNotHit extends Error {
  constructor(name: MarkName, seen: Record<string, number>) {
    super(`mark ${name} (${MARKS[name].meaning}) was not hit; hit: ${Object.keys(seen).join(', ') || 'none'}`);
    this.name = 'MarkNotHit';
  }
}

/** Run `fn`; throw MarkNotHit unless every named mark was hit during it. Returns fn's result. */
export function expectMark<T>(names: MarkName | readonly MarkName[], fn: () => T): T {
  const { result, counts } = withMarks(fn);
  for (const n of typeof names === 'string' ? [names] : names) {
    if (markCount(n, counts) === 0) throw new MarkNotHit(n, markRecord(counts));
  }
  return result;
}

/** Run `fn`; throw if the named mark was hit during it. */
export function expectNoMark<T>(name: MarkName, fn: () => T): T {
  const { result, counts } = withMarks(fn);
  if (markCount(name, counts) > 0) throw new Error(`mark ${name} was hit ${markCount(name, counts)} time(s), expected none`);
  return result;
}

/** A counting scope for async or multi-step tests: marks go to it until `end()`. */
export class MarkScope {
  private readonly counts: MarkCounts = newMarkCounts();
  private readonly prev: MarkCounts;
  private ended = false;

  constructor() {
    this.prev = swapMarkCounts(this.counts);
  }

  count(name: MarkName): number {
    return markCount(name, this.counts);
  }

  expectHit(name: MarkName): void {
    if (this.count(name) === 0) throw new MarkNotHit(name, markRecord(this.counts));
  }

  /** Restore the counters that were active before the scope (they also get this scope's hits). */
  end(): Record<string, number> {
    if (!this.ended) {
      this.ended = true;
      swapMarkCounts(this.prev);
      addCounts(this.prev, this.counts);
    }
    return markRecord(this.counts);
  }
}

export function markScope(): MarkScope {
  return new MarkScope();
}
