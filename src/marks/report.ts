// Aggregating mark counts across runs and summarising them per layer: how many marks of each
// layer were hit at least once, and which never were. Plain data in and out, shared by
// `swsim fuzz --json`, `swsim coverage`, bench/coverage.ts and the coverage test.
import { MARK_LAYERS, MARK_NAMES, MARKS, type MarkLayer, type MarkName } from './catalogue.ts';

export interface LayerCoverage {
  readonly hit: number;
  readonly total: number;
}

export interface MarkSummary {
  /** Hits per mark name (only marks hit at least once). */
  readonly counts: Record<string, number>;
  /** Marks hit at least once / marks defined, per layer. */
  readonly layers: Record<MarkLayer, LayerCoverage>;
  readonly hit: number;
  readonly total: number;
  /** Marks never hit, grouped by layer, in catalogue order. */
  readonly neverHit: Record<MarkLayer, MarkName[]>;
}

/** Add `from`'s counts into `into`. */
export function addMarkCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const k of Object.keys(from)) into[k] = (into[k] ?? 0) + from[k]!;
}

export function summariseMarks(counts: Readonly<Record<string, number>>): MarkSummary {
  const layers = {} as Record<MarkLayer, { hit: number; total: number }>;
  const neverHit = {} as Record<MarkLayer, MarkName[]>;
  for (const l of MARK_LAYERS) { layers[l] = { hit: 0, total: 0 }; neverHit[l] = []; }
  const ordered: Record<string, number> = {};
  let hit = 0;
  for (const name of MARK_NAMES) {
    const layer = MARKS[name].layer;
    layers[layer].total += 1;
    const n = counts[name] ?? 0;
    if (n > 0) { layers[layer].hit += 1; hit += 1; ordered[name] = n; } else neverHit[layer].push(name);
  }
  return { counts: ordered, layers, hit, total: MARK_NAMES.length, neverHit };
}

/** The summary as text: hit/total per layer, then the never-hit marks per layer with their meaning. */
export function markSummaryText(s: MarkSummary): string {
  const lines = [`marks hit: ${s.hit}/${s.total} (${MARK_LAYERS.map((l) => `${l} ${s.layers[l].hit}/${s.layers[l].total}`).join(', ')})`];
  for (const l of MARK_LAYERS) {
    if (s.neverHit[l].length === 0) continue;
    lines.push(`never hit in ${l} (${s.neverHit[l].length}):`);
    for (const n of s.neverHit[l]) lines.push(`  ${n} — ${MARKS[n].meaning}`);
  }
  return lines.join('\n') + '\n';
}
