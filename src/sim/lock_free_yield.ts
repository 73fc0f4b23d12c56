// Scheduling points where upstream's Go code holds no lock (issue #14; docs/scheduling.md): a
// sequence the port runs in one simulator step although, in Go, another goroutine may run in
// the middle of it. At such a point the chooser decides, with the seed's `lockFreeYieldPermille`,
// whether the rest runs as a later step (so any other enabled event — a flush, a write, an epoch
// bump, a crash — may come first) or at once. With the permille 0 (every profile today) nothing is
// drawn and nothing is scheduled: runs are exactly what they were without these points.
import type { PlanResult, PlanSteps } from '../engine/driver.ts';
import { chance, type Chooser } from './chooser.ts';

/** The points; each names its chooser kind (`lockfree.<point>`) and its coverage key. */
export type LockFreePoint = 'plan_pin' | 'plan_execute';

/** Does the rest of the sequence run as a later step? Draws nothing when the permille is 0. */
export function lockFreeYield(chooser: Chooser, permille: number, point: LockFreePoint): boolean {
  return chance(chooser, `lockfree.${point}`, permille);
}

/** What a plan drive needs: whether to yield at a point, and how to run a continuation later. */
export interface PlanDriveHost {
  yieldAt(point: LockFreePoint): boolean;
  later(kind: string, fn: () => void): void;
}

/**
 * Drive a plan generator (driver.ts planRecoverySteps / planRebuildSteps): at its one scheduling
 * point (history read, pin not yet taken) the host may defer the rest to a later step. `done` gets
 * the plan's result, in this step or in the later one.
 */
export function drivePlan(gen: PlanSteps, host: PlanDriveHost, done: (r: PlanResult) => void): void {
  for (;;) {
    const r = gen.next();
    if (r.done === true) { done(r.value); return; }
    if (host.yieldAt('plan_pin')) {
      host.later(`engine.plan.${r.value.label}`, () => drivePlan(gen, host, done));
      return;
    }
  }
}
