// The mark counters: one Float64Array indexed by mark id. `mark(id)` is an array increment, cheap
// enough for hot paths; marks never influence what the code does (counting only). The active array
// is swapped per run (`swapMarkCounts`), so runs in one process — a fuzz loop, the shrinker's
// candidates, tests — do not bleed into each other; each worker thread has its own module instance.
import { MARK_COUNT, MARK_NAMES, markId, type MarkName } from './catalogue.ts';

export type MarkCounts = Float64Array;

let active: MarkCounts = new Float64Array(MARK_COUNT);

/** Count one hit of mark `id` (an id from `M`). */
export function mark(id: number): void {
  active[id] = active[id]! + 1;
}

/**
 * Count one hit of the mark with this name (for a mark chosen by an error code or a cause string
 * at a single choke point). A name not in the catalogue is ignored: test/marks/catalogue.test.ts
 * checks every code that reaches such a call has its mark.
 */
export function markNamed(name: string): void {
  const id = markId(name);
  if (id >= 0) active[id] = active[id]! + 1;
}

/** A fresh, zeroed counter array. */
export function newMarkCounts(): MarkCounts {
  return new Float64Array(MARK_COUNT);
}

/** Make `next` the counters marks go to; returns the previous ones (to swap back). */
export function swapMarkCounts(next: MarkCounts): MarkCounts {
  const prev = active;
  active = next;
  return prev;
}

/** The counters marks currently go to. */
export function activeMarkCounts(): MarkCounts {
  return active;
}

/** Zero the active counters. */
export function resetMarks(): void {
  active.fill(0);
}

/** Hits so far of one mark in `counts` (default: the active counters). */
export function markCount(name: MarkName, counts: MarkCounts = active): number {
  return counts[markId(name)]!;
}

/** The non-zero counts by name, in catalogue order (plain data: crosses worker boundaries). */
export function markRecord(counts: MarkCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) out[MARK_NAMES[i]!] = counts[i]!;
  return out;
}

/** Add every count of `from` into `into`. */
export function addCounts(into: MarkCounts, from: MarkCounts): void {
  for (let i = 0; i < from.length; i++) into[i] = into[i]! + from[i]!;
}

/**
 * Run `fn` with its hits discarded: a check that runs ported code to learn ground truth (a
 * recovery of the durable disk image) must not count as the simulated system reaching it.
 */
export function uncounted<T>(fn: () => T): T {
  const prev = swapMarkCounts(newMarkCounts());
  try {
    return fn();
  } finally {
    swapMarkCounts(prev);
  }
}

/**
 * Run `fn` with its own zeroed counters; returns its result and the counts it produced. The hits
 * also count in the enclosing counters afterwards, so scopes nest (a test scope inside another).
 */
export function withMarks<T>(fn: () => T): { readonly result: T; readonly counts: MarkCounts } {
  const counts = newMarkCounts();
  const prev = swapMarkCounts(counts);
  try {
    return { result: fn(), counts };
  } finally {
    swapMarkCounts(prev);
    addCounts(prev, counts);
  }
}
