// Which steps a timeline shows: `swsim replay --actor n2 --kind engine. --grep needs_rebuild`.
// Actors match exactly (any of those given), kinds by prefix (any of those given), and the
// pattern is a regular expression over the step's kind and detail; all given filters must match.
import type { TraceStep } from './format.ts';

export interface StepFilter {
  readonly actors?: readonly string[];
  readonly kinds?: readonly string[];
  readonly grep?: RegExp;
}

export function matchesFilter(s: TraceStep, f: StepFilter): boolean {
  if (f.actors !== undefined && f.actors.length > 0 && !f.actors.includes(s.actor)) return false;
  if (f.kinds !== undefined && f.kinds.length > 0 && !f.kinds.some((k) => s.kind.startsWith(k))) return false;
  if (f.grep !== undefined && !f.grep.test(`${s.kind} ${s.detail ?? ''}`)) return false;
  return true;
}

export function isEmptyFilter(f: StepFilter): boolean {
  return (f.actors === undefined || f.actors.length === 0) && (f.kinds === undefined || f.kinds.length === 0) && f.grep === undefined;
}
