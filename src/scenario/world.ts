// A scenario's checked world: the cluster built from the file (setup.ts), the ordinary cluster
// checker (every invariant after every step, E1–E3 at the end), and the scenario's timeline on
// top — `at` actions as kernel events of actor `scenario`, `when` conditions evaluated after every
// step (an action with no delay runs right there, between two simulator steps, and says so in the
// step's trace detail), timeouts, point assertions, and the end assertions. A timeline failure is
// a failure with id SCENARIO naming `file:line`. It is a WorldFactory, so `SeedRun` runs it like
// any seed and its trace replays. With `free.injector: shadow` (files saved from a trace), an `at`
// action due at one of the shadow injector's ticks runs inside that tick instead of as its own
// event, so the run's events line up with the seed's fuzz run.
import type { Failure } from '../check/catalog.ts';
import type { CheckedWorld, WorldFactory } from '../check/checked_world.ts';
import { ClusterChecker } from '../check/cluster_world.ts';
import { Cluster } from '../sim/cluster.ts';
import type { SimEvent } from '../sim/kernel.ts';
import { isProfileName } from '../sim/profile.ts';
import { execute, runOps } from './actions.ts';
import { evaluate } from './conditions.ts';
import type { ScenarioLocations } from './locations.ts';
import type { Scenario, ScenarioAction, ScenarioCondition } from './schema.ts';
import { clusterSetup } from './setup.ts';
import { ScenarioView } from './view.ts';

export const SCENARIO_FAILURE = 'SCENARIO';

function fail(message: string): Failure {
  return { id: SCENARIO_FAILURE, message, candidate: false };
}

/** Render a condition as the file wrote it, roughly: {executor: catchup, replica: r1, step: 2}. */
export function conditionText(c: object): string {
  return `{${Object.entries(c).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`).join(', ')}}`;
}

interface Armed { readonly i: number; readonly a: ScenarioAction; readonly when: ScenarioCondition; readonly since: number }

class Timeline {
  private readonly fired = new Set<string>();
  private armed: Armed[] = [];
  private readonly pending: Failure[] = [];

  /** Shadow injector: `at` actions not yet run, by time (their own events, until a tick claims them). */
  private readonly byTime = new Map<number, { i: number; e: SimEvent }[]>();
  /** Shadow injector: actions the tick at this time runs inside its step. */
  private readonly claimed = new Map<number, number[]>();

  constructor(private readonly sc: Scenario, private readonly file: string, private readonly loc: ScenarioLocations,
    private readonly c: Cluster, private readonly v: ScenarioView) {
    const shadow = sc.free.injector === 'shadow';
    sc.timeline.forEach((a, i) => {
      if (a.at !== undefined) {
        const e = c.kernel.schedule(a.at, 'scenario', `scenario.${a.do}`, () => this.trigger(i));
        if (shadow) this.byTime.set(a.at, [...(this.byTime.get(a.at) ?? []), { i, e }]);
      } else if (a.when !== undefined && !('after' in a.when)) this.armed.push({ i, a, when: a.when, since: 0 });
    });
    if (shadow) {
      // An action due at one of the shadow injector's ticks runs inside that tick's step, where the
      // seed's injector applied its fault, instead of as a step of its own: the run's events then
      // line up with the seed's fuzz run step for step.
      c.shadowHooks = { nextTick: (at) => this.claim(at), atTick: () => this.runClaimed(c.now()) };
      const first = c.nextTickAt();
      if (first !== null) this.claim(first);
    }
    if (sc.workload.ops.length > 0) c.kernel.schedule(sc.workload.start, 'client', 'client.script', () => runOps(c, sc.workload.ops));
  }

  private claim(at: number): void {
    const due = this.byTime.get(at);
    if (due === undefined) return;
    this.byTime.delete(at);
    for (const x of due) this.c.kernel.cancelEvent(x.e);
    this.claimed.set(at, due.map((x) => x.i));
  }

  private runClaimed(now: number): void {
    const due = this.claimed.get(now);
    if (due === undefined) return;
    this.claimed.delete(now);
    for (const i of due) this.trigger(i);
  }

  private label(i: number): string {
    const a = this.sc.timeline[i]!;
    return a.id !== undefined ? `"${a.id}"` : `timeline[${i}]`;
  }

  private where(i: number): string {
    return `${this.file}:${this.loc.actions[i]?.line ?? 0}`;
  }

  /** The trigger fired: run the action now, or after its delay. */
  private trigger(i: number): void {
    const a = this.sc.timeline[i]!;
    if (a.delay !== undefined && a.delay > 0) {
      this.c.kernel.schedule(a.delay, 'scenario', `scenario.${a.do}`, () => this.run(i));
    } else this.run(i);
  }

  private run(i: number): void {
    const a = this.sc.timeline[i]!;
    if (a.do === 'assert') {
      this.c.note(`scenario ${this.label(i)}: assert`);
      a.that.forEach((x, j) => {
        const seen = evaluate(this.v, x, this.fired);
        if (seen !== null) this.pending.push(fail(`${this.file}:${this.loc.pointAsserts[i]?.[j]?.line ?? this.loc.actions[i]?.line ?? 0}: assertion of action ${this.label(i)} failed: ${seen}`));
      });
    } else execute(this.c, this.v, a, this.label(i));
    if (a.id !== undefined) {
      this.fired.add(a.id);
      this.sc.timeline.forEach((b, k) => {
        if (b.when !== undefined && 'after' in b.when && b.when.after === a.id) this.armed.push({ i: k, a: b, when: b.when, since: this.c.now() });
      });
    }
  }

  afterStep(): Failure[] {
    this.v.afterStep();
    if (this.armed.length > 0) {
      const now = this.c.now();
      const current = this.armed;
      // Actions armed by an action that runs now (`after`) land in the fresh list: checked from the next step.
      this.armed = [];
      for (const x of current) {
        if (evaluate(this.v, x.when, this.fired) === null) { this.trigger(x.i); continue; }
        if (x.a.timeout !== undefined && now - x.since > x.a.timeout) {
          if (!x.a.optional) this.pending.push(fail(`${this.where(x.i)}: action ${this.label(x.i)} (${x.a.do}): when ${conditionText(x.when)} did not hold within ${x.a.timeout} ms`));
          continue;
        }
        this.armed.push(x);
      }
    }
    return this.pending.splice(0);
  }

  atEnd(): Failure[] {
    const out: Failure[] = [];
    for (const x of this.armed) {
      if (!x.a.optional) out.push(fail(`${this.where(x.i)}: action ${this.label(x.i)} (${x.a.do}): when ${conditionText(x.when)} did not hold by the end of the run`));
    }
    this.sc.assert.forEach((x, j) => {
      const line = `${this.file}:${this.loc.asserts[j]?.line ?? 0}`;
      if ('converged_within' in x) {
        const at = this.v.convergedAt;
        const quiet = this.c.quietAt();
        if (at === null || at - quiet > x.converged_within) {
          out.push(fail(`${line}: assertion failed: expected every replica in sync within ${x.converged_within} ms of the quiet phase, seen ${at === null ? 'never all in sync' : `${at - quiet} ms`}`));
        }
        return;
      }
      const seen = evaluate(this.v, x, this.fired);
      if (seen !== null) out.push(fail(`${line}: assertion failed: ${seen}`));
    });
    return out;
  }
}

/** The world factory of one scenario (bugs come from the run options: cluster.bugs plus --bug). */
export function scenarioWorldFactory(sc: Scenario, file: string, loc: ScenarioLocations): WorldFactory {
  return ({ seed, profile, bugs, control, upstreamCommit, chooser }) => {
    if (!isProfileName(profile)) throw new Error(`unknown profile ${profile}`);
    const view = new ScenarioView();
    let checker: ClusterChecker | null = null;
    const cluster = new Cluster({
      seed, profile, bugs, chooser, setup: clusterSetup(sc), control: control ?? sc.cluster.control,
      ...(upstreamCommit !== undefined ? { upstreamCommit } : {}),
      engineObserver: (node, driver) => view.observe(driver, checker?.watchEngine(node, driver) ?? null),
    });
    view.attach(cluster, sc.cluster.servers);
    checker = new ClusterChecker(cluster);
    const cc = checker;
    for (const n of cluster.nodes) if (n.driver !== null) n.setEngineObserver(view.observe(n.driver, cc.watchEngine(n, n.driver)));
    const tl = new Timeline(sc, file, loc, cluster, view);
    const cw: CheckedWorld = {
      world: cluster,
      check: () => {
        const a = cc.check();
        const b = tl.afterStep();
        return b.length === 0 ? a : [...a, ...b];
      },
      finalCheck: () => [...cc.finalCheck(), ...tl.atEnd()],
    };
    return cw;
  };
}
