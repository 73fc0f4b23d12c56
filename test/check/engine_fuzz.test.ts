// No false alarms: random correct engine runs — assignments (re-delivered, stale, with address
// changes), plans, cancels, epoch bumps, storage moving under held pins, pin refusals, budgets,
// and several executors (test and IO mode, with failing I/O) advanced one yield at a time and
// interleaved with everything else — must never make the engine checker report a non-candidate
// failure. The same runs with a known-bug switch on must report it (swarm of B-switches).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EngineRun, perfectIO } from './engine_harness.ts';
import type { ExecutorStepper, IOHandler } from './engine_harness.ts';
import type { EngineBugSwitches } from '../../src/engine/context.ts';
import { EngineError, errTruncationUnsafe } from '../../src/engine/errors.ts';
import type { RecoveryPlan } from '../../src/engine/plan.ts';
import { withBudget } from '../../src/engine/session.ts';
import { SessionKind } from '../../src/engine/types.ts';
import type { AssignmentIntent, ReplicaID } from '../../src/engine/types.ts';

const DEEP = process.env.SWSIM_DEEP !== undefined && process.env.SWSIM_DEEP !== '' && process.env.SWSIM_DEEP !== '0';
const RUNS = DEEP ? 5_000 : 150;
const REPLICAS: readonly ReplicaID[] = ['r1', 'r2', 'r3'];

/** Actions of a run, weighted by repetition: executors advance far more often than assignments arrive. */
const ACTIONS = [
  'assign', 'assign', 'assign',
  'planRecovery', 'planRecovery', 'planRecovery', 'planRecovery',
  'planRebuild', 'planRebuild',
  'startExecutor', 'startExecutor', 'startExecutor',
  'advance', 'advance', 'advance', 'advance', 'advance', 'advance', 'advance', 'advance', 'advance', 'advance',
  'cancel', 'storage', 'storage', 'senderEpoch', 'invalidateEpoch', 'refusals', 'budget', 'stopAll',
] as const;

type Op = readonly [kind: number, a: number, b: number];
const ops = fc.array(fc.tuple(fc.nat(ACTIONS.length - 1), fc.nat(1023), fc.nat(1023)), { minLength: 20, maxLength: 120, size: 'max' });

/** I/O behaviours an executor may meet; all are legal for the engine to see. */
function ioProfile(n: number): IOHandler {
  switch (n % 6) {
    case 1:
      return (c) => (c.op === 'streamWALEntries' ? { value: c.startExclusive + Math.floor((c.endInclusive - c.startExclusive) / 2), err: null } : perfectIO(c));
    case 2:
      return (c) => (c.op === 'streamWALEntries' ? { err: new EngineError('io', 'connection reset') } : perfectIO(c));
    case 3:
      return (c) => (c.op === 'truncateWAL' ? { err: errTruncationUnsafe() } : perfectIO(c));
    case 4:
      return (c) => (c.op === 'transferFullBase' ? { value: c.committedLSN + 7, err: null } : perfectIO(c));
    case 5:
      return (c) => (c.op === 'transferSnapshot' ? { err: new EngineError('io', 'snapshot boundary mismatch') } : perfectIO(c));
    default:
      return perfectIO;
  }
}

/** Interprets the op list as one simulator run; returns the run after quiescence. */
function simulate(list: readonly Op[], bugs: EngineBugSwitches = {}): EngineRun {
  const run = new EngineRun({ head: 100, tail: 30, committed: 100, checkpoint: 50, trusted: true }, bugs);
  let epoch = 1;
  const addr: Record<ReplicaID, string> = { r1: 'r1:a', r2: 'r2:a', r3: 'r3:a' };
  const plans: { plan: RecoveryPlan; kind: 'recovery' | 'rebuild' }[] = [];
  const execs: ExecutorStepper[] = [];
  let tick = 1;

  for (const [k, a, b] of list) {
    const id = REPLICAS[a % REPLICAS.length]!;
    switch (ACTIONS[k % ACTIONS.length]!) {
      case 'assign': {
        const sel = b % 5;
        const e = sel === 1 ? ++epoch : sel === 2 ? Math.max(1, epoch - 1) : epoch;
        if ((a >> 2) % 4 === 0) addr[id] = addr[id]!.endsWith('a') ? `${id}:b` : `${id}:a`;
        const members = REPLICAS.filter((_, i) => ((b >> 3) & (1 << i)) !== 0 || i === 0);
        const kinds = [SessionKind.CatchUp, SessionKind.Rebuild, null] as const;
        const kind = kinds[(a >> 4) % 3]!;
        const intent: AssignmentIntent = {
          replicas: members.map((r) => ({ replicaID: r, endpoint: { dataAddr: addr[r]!, ctrlAddr: '', version: 1 } })),
          epoch: e,
          recoveryTargets: kind === null ? null : Object.fromEntries(members.map((r) => [r, kind])),
        };
        run.assign(intent);
        break;
      }
      case 'planRecovery': {
        if (run.driver.orchestrator.registry.sender(id) === null) break;
        const head = run.storage.state().walHeadLSN;
        const plan = run.planRecovery(b % (head + 30), id);
        if (plan !== null && plan.outcome === 'catchup') plans.push({ plan, kind: 'recovery' });
        else if (plan !== null && b % 3 === 0) run.cancelPlan(plan, 'zero_or_rebuild');
        break;
      }
      case 'planRebuild': {
        if (run.driver.orchestrator.registry.sender(id) === null) break;
        const plan = run.planRebuild(id);
        if (plan !== null) plans.push({ plan, kind: 'rebuild' });
        break;
      }
      case 'advance': {
        const live = execs.filter((x) => !x.done());
        if (live.length > 0) live[a % live.length]!.advance();
        break;
      }
      case 'startExecutor': {
        if (plans.length === 0) break;
        const { plan, kind } = plans.splice(a % plans.length, 1)[0]!;
        const io = b % 2 === 0 ? undefined : ioProfile(b >> 1);
        tick += 10;
        if (kind === 'rebuild') {
          execs.push(run.startRebuild(plan, io === undefined ? {} : { io }));
        } else {
          const t = plan.catchUpTarget;
          const progress = [[t], [Math.max(plan.catchUpStartLSN + 1, t - 5), t], [t + 5], []][(b >> 3) % 4]!;
          execs.push(run.startCatchUp(plan, io === undefined ? { progress, startTick: tick } : { io, startTick: tick }));
        }
        break;
      }
      case 'cancel': {
        const live = execs.filter((x) => !x.done());
        if (live.length > 0 && b % 2 === 0) {
          live[a % live.length]!.cancel('operator');
          break;
        }
        if (plans.length === 0) break;
        const { plan } = plans.splice(a % plans.length, 1)[0]!;
        run.cancelPlan(plan, 'address_change');
        break;
      }
      case 'storage': {
        const st = run.storage.state();
        const held = run.storage.activeHolds().filter((h) => h.kind !== 'fullbase').map((h) => h.startLSN);
        const head = st.walHeadLSN + (b % 20);
        const committed = Math.max(st.committedLSN, head - (a % 3));
        const floor = Math.min(committed, ...held);
        const tail = Math.max(st.walTailLSN, Math.min(floor, st.walTailLSN + (a % 25)));
        run.setStorage({ head, committed, tail, checkpoint: Math.min(committed, tail + (b % 30)), trusted: (a & 1) === 0 });
        break;
      }
      case 'senderEpoch':
        run.updateSenderEpoch(epoch + (b % 2), id);
        break;
      case 'invalidateEpoch':
        run.invalidateEpoch(epoch + (b % 2));
        break;
      case 'refusals':
        run.storage.setPinRefusals({ walPin: b % 7 === 0, snapshotPin: b % 5 === 0, fullBasePin: b % 11 === 0 });
        break;
      case 'budget': {
        const s = run.driver.orchestrator.registry.sender(id);
        if (s === null) break;
        const budget = { maxDurationTicks: a % 6, maxEntries: b % 40, progressDeadlineTicks: (a >> 3) % 3 };
        run.step(() => s.supersedeSession(SessionKind.CatchUp, 'budgeted', withBudget(budget)));
        break;
      }
      case 'stopAll':
        if (a % 8 === 0) run.step(() => run.driver.orchestrator.registry.stopAll());
        break;
    }
  }
  for (const x of execs) x.finish();
  for (const { plan } of plans) run.cancelPlan(plan, 'end_of_run');
  run.quiesce();
  return run;
}

function realFailures(run: EngineRun): string[] {
  return run.failures.filter((f) => !f.candidate).map((f) => `${f.id}: ${f.message}`);
}

describe('engine checker on random correct runs', () => {
  it('reports no non-candidate failure (and the runs do reach executors, escalations and cancels)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(ops, (list) => {
        const run = simulate(list);
        expect(realFailures(run)).toEqual([]);
        for (const e of run.driver.orchestrator.log.events()) seen.add(e.event);
      }),
      { numRuns: RUNS, ...(DEEP ? {} : { seed: 20260402 }) },
    );
    const marks = ['plan_catchup', 'plan_truncate_only', 'plan_rebuild_snapshot_tail', 'plan_rebuild_full_base', 'exec_completed',
      'exec_rebuild_started', 'exec_resources_released', 'escalated', 'plan_cancelled', 'session_superseded'];
    for (const m of marks) expect(seen, m).toContain(m);
  });
});

describe('engine checker on random runs with a known bug switched on', () => {
  // Each switch, over a modest number of random runs, is caught at least once by its invariant
  // (B11 needs storage to move between plan and execute, which random runs rarely do).
  const cases: [keyof EngineBugSwitches & string, string][] = [
    ['B5', 'I26'],
    ['B8', 'I24'],
    ['B7', 'I24'],
    ['B12a', 'I11'],
    ['B13', 'I8'],
    ['B9', 'I25'],
    ['B11', 'I22'],
  ];
  for (const [bug, inv] of cases) {
    it(`${bug} is caught by ${inv}`, () => {
      let caught = false;
      fc.assert(
        fc.property(ops, (list) => {
          const ids = simulate(list, { [bug]: true }).failures.map((f) => f.id);
          if (ids.includes(inv)) caught = true;
        }),
        { numRuns: DEEP ? 1_000 : bug === 'B11' ? 400 : 60, seed: 7 },
      );
      expect(caught).toBe(true);
    });
  }
});
