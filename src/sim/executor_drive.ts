// Drives one engine executor (CatchUpExecutor or RebuildExecutor) generator one yield at a time:
// a `step` yield (a sender call) resumes as its own scheduled step and is reported to the engine
// checker with the sender's state before and after; an `io` yield is performed by the host and
// resumed with its result as its own step. Both wirings of the engine share it — the ideal
// control plane's RecoveryManager (recovery_manager.ts) and upstream's, as 3ec8fab2f wires
// block_recovery.go (upstream_recovery.ts) — so the rule "every sender call and every I/O is its
// own step, observed" lives in one place (design.md principle 2).
import type { EngineError } from '../engine/errors.ts';
import type { ExecutorIOCall, ExecutorSteps, IOResult } from '../engine/executor.ts';
import type { RecoveryPlan } from '../engine/plan.ts';
import type { Registry } from '../engine/registry.ts';
import type { SenderCanonical } from '../engine/sender.ts';
import type { ReplicaID } from '../engine/types.ts';
import { between, type Chooser } from './chooser.ts';
import type { Coverage } from './coverage.ts';
import type { EngineObserver } from './engine_observer.ts';

export type ExecutorKind = 'catchup' | 'rebuild';

/** The delay before an engine continuation runs as its own step: 0-2 ms, chosen. */
export function engineStepDelay(chooser: Chooser): number {
  return between(chooser, 'sched.engine_delay', 0, 2);
}

/** What a drive needs from its wiring. */
export interface ExecutorDriveHost {
  readonly registry: Registry;
  readonly coverage: Coverage;
  readonly observer: EngineObserver | null;
  /** Perform an executor I/O call; `done` runs later with its result. */
  performIO(replicaID: ReplicaID, kind: ExecutorKind, call: ExecutorIOCall, done: (r: IOResult) => void): void;
  /** Schedule a continuation as its own step (the host decides the delay and whether the drive is still wanted). */
  later(kind: string, fn: () => void): void;
  /** The executor's generator returned (after the checker and coverage were told). */
  finished(err: EngineError | null): void;
}

export class ExecutorDrive {
  /** The label of the sender call the generator will make when next resumed (null after an io yield). */
  private label: string | null = null;
  /** The sender's canonical value after the last reported step, reused (not reallocated) while unchanged. */
  private canon: SenderCanonical | null = null;

  constructor(
    readonly replicaID: ReplicaID,
    readonly sessionID: number,
    readonly plan: RecoveryPlan,
    readonly kind: ExecutorKind,
    private readonly gen: ExecutorSteps,
    private readonly host: ExecutorDriveHost,
  ) {}

  /** Resume the generator once: a sender call (observed) or the start of an I/O call. */
  resume(input: IOResult | undefined): void {
    const host = this.host;
    const sender = host.registry.sender(this.replicaID);
    const obs = host.observer;
    // Only a resume after a `step` yield (labelled) is reported; the generator cannot change that.
    const observed = obs !== null && sender !== null && this.label !== null;
    const before = observed ? sender.canonical(this.canon) : null;
    const r = this.gen.next(input);
    if (observed) {
      const after = sender.canonical(before);
      this.canon = after;
      obs.executorCall({ replicaID: this.replicaID, sessionIDUsed: this.sessionID, label: this.label!, before, after, plan: this.plan });
    }
    this.label = null;
    if (r.done === true) {
      obs?.executorFinished({ plan: this.plan, kind: this.kind, err: r.value });
      host.coverage.add(r.value === null ? `${this.kind}_completed` : `${this.kind}_failed`);
      host.finished(r.value);
      return;
    }
    const y = r.value;
    if (y.kind === 'step') {
      this.label = y.label;
      host.later(`engine.${y.label}`, () => this.resume(undefined));
      return;
    }
    host.coverage.add(`io_${y.call.op}`);
    host.performIO(this.replicaID, this.kind, y.call, (res) => {
      host.later(`engine.io_done.${y.call.op}`, () => {
        host.observer?.executorIO({ replicaID: this.replicaID, sessionIDUsed: this.sessionID, call: y.call, result: res, plan: this.plan });
        this.resume(res);
      });
    });
  }
}
