// The chooser for a run's strategy: seeded random (the default), PCT, or a bounded-search
// deviation schedule — all recording choosers, so traces, replay and shrinking treat them alike.
// `referenceChooser` is what replay checks a trace's recorded choices against.
import { RandomChooser, type RecordingChooser } from '../sim/chooser.ts';
import type { StrategySpec, TraceHeader } from '../trace/format.ts';
import { BoundedChooser } from './bounded_chooser.ts';
import { PctChooser } from './pct.ts';

export function makeChooser(seed: number, spec: StrategySpec | undefined): RecordingChooser {
  if (spec === undefined) return new RandomChooser(seed);
  return spec.name === 'pct' ? new PctChooser(seed, spec.pct) : new BoundedChooser(seed, spec.bounded);
}

/** The strategy a trace header records, when it is pct or bounded. */
export function strategyOf(h: TraceHeader): StrategySpec | undefined {
  if (h.strategy === 'pct' && h.pct !== undefined) return { name: 'pct', pct: h.pct };
  if (h.strategy === 'bounded' && h.bounded !== undefined) return { name: 'bounded', bounded: h.bounded };
  return undefined;
}

/** The chooser that should draw a trace's recorded choices (null: a shrunk trace, replayed as recorded). */
export function referenceChooser(h: TraceHeader): RecordingChooser | null {
  if (h.strategy === 'shrunk') return null;
  return makeChooser(h.seed, strategyOf(h));
}
