// Catch-up budget check (spec §5): the fixed-order evaluation of duration, entries and stall
// limits against a session's tracker. Tick differences use Go's uint64 wrap-around (sub64), so a
// current tick below the start tick reports a duration violation (hazard H15).
import { sub64 } from './u64.ts';
import { BudgetViolation } from './types.ts';
import type { BudgetCheck, CatchUpBudget } from './types.ts';

/** Go's CatchUpBudget.Check: first violation in the order duration, entries, stall; else OK (''). */
export function checkBudget(budget: CatchUpBudget, tracker: BudgetCheck, currentTick: number): BudgetViolation {
  if (budget.maxDurationTicks > 0 && sub64(currentTick, tracker.startTick) > budget.maxDurationTicks) {
    return BudgetViolation.DurationExceeded;
  }
  if (budget.maxEntries > 0 && tracker.entriesReplayed > budget.maxEntries) {
    return BudgetViolation.EntriesExceeded;
  }
  if (
    budget.progressDeadlineTicks > 0 &&
    tracker.lastProgressTick > 0 &&
    sub64(currentTick, tracker.lastProgressTick) > budget.progressDeadlineTicks
  ) {
    return BudgetViolation.ProgressStalled;
  }
  return BudgetViolation.OK;
}
