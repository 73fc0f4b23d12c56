// Teeth for the ownership and authority invariants I1-I9 (spec §12.1): each invariant stays
// silent on a correct engine run and fires on a planted bug (a known-bug switch or a test-only
// mutation of the engine), driven step by step the way the simulator drives the engine.
import { describe, expect, it } from 'vitest';
import { EngineRun, assignment, internals, liveSession, perfectIO, sessionFields } from './engine_harness.ts';
import { errTruncationUnsafe } from '../../src/engine/errors.ts';
import type { Session } from '../../src/engine/session.ts';
import { SessionKind } from '../../src/engine/types.ts';

/** A full correct catch-up with an epoch bump, an endpoint change, a supersede and a stop. */
function busyCorrectRun(run: EngineRun): void {
  run.assign(assignment('catchup', 1, 'r1:9333', ['r1', 'r2']));
  const p1 = run.planRecovery(50, 'r1');
  const p2 = run.planRecovery(100, 'r2'); // zero gap
  expect(p2?.outcome).toBe('zero_gap');
  expect(run.runCatchUp(p1!, { progress: [60, 100], startTick: 3 })).toBeNull();
  run.assign(assignment('catchup', 2, 'r1:9333', ['r1', 'r2'])); // epoch bump by assignment
  run.assign(assignment('catchup', 2, 'r1:7777', ['r1', 'r2'])); // endpoint change of r1
  run.updateSenderEpoch(3, 'r2');
  run.invalidateEpoch(3);
  run.assign(assignment(null, 3, 'r1:7777', ['r1'])); // r2 removed (stopped)
  run.step(() => run.driver.orchestrator.registry.stopAll());
  run.quiesce();
}

describe('I1 one live session per sender', () => {
  it('holds on a correct run', () => {
    const run = new EngineRun();
    busyCorrectRun(run);
    expect(run.failures).toEqual([]);
  });

  it('fires when CompleteSessionByID keeps pointing at the completed session (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const s = run.sender();
    const complete = s.completeSessionByID.bind(s);
    s.completeSessionByID = (id: number): boolean => {
      const sess = internals(s)._session;
      const ok = complete(id);
      if (ok) internals(s)._session = sess; // bug: the pointer is not dropped
      return ok;
    };
    run.planRecovery(100); // zero gap: completes inside ExecuteRecovery
    expect(run.fired()).toContain('I1');
    expect(run.firstOf('I1')?.message).toMatch(/terminal phase completed/);
  });
});

describe('I2 session epoch = sender epoch', () => {
  it('holds on a correct run', () => {
    const run = new EngineRun();
    busyCorrectRun(run);
    expect(run.fired()).not.toContain('I2');
  });

  it('fires when AttachSession skips its epoch check (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment(null));
    const s = run.sender();
    const attach = s.attachSession.bind(s);
    s.attachSession = (epoch, kind, ...opts) => {
      const own = internals(s)._epoch;
      internals(s)._epoch = epoch; // bug: the session takes the caller's epoch
      const r = attach(epoch, kind, ...opts);
      internals(s)._epoch = own;
      return r;
    };
    run.step(() => s.attachSession(2, SessionKind.CatchUp));
    expect(run.fired()).toContain('I2');
    expect(run.firstOf('I2')?.message).toMatch(/session epoch 2 != sender epoch 1/);
  });
});

describe('I3 session IDs are fresh', () => {
  it('holds on a correct run', () => {
    const run = new EngineRun();
    busyCorrectRun(run);
    expect(run.fired()).not.toContain('I3');
  });

  it('fires when the session-ID counter restarts (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    run.planRecovery(100); // session 1 completes (zero gap)
    (run.ctx as unknown as { lastSessionID: number }).lastSessionID = 0; // bug: counter reset
    run.assign(assignment('catchup')); // allocates ID 1 again
    expect(run.fired()).toContain('I3');
    expect(run.firstOf('I3')?.message).toMatch(/counter went back from 1 to 0|allocated earlier/);
  });

  it('fires when an ended session is re-installed (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const old = liveSession(run.sender());
    run.assign(assignment('catchup')); // supersedes session 1 with session 2
    run.step(() => {
      internals(run.sender())._session = old; // bug: the superseded session comes back
    });
    expect(run.fired()).toContain('I3');
  });
});

describe('I4 stale IDs never act', () => {
  /** Session A planned; before A's executor begins, the assignment is re-delivered and B is planned. */
  function staleExecutor(run: EngineRun): void {
    run.assign(assignment('catchup'));
    const planA = run.planRecovery(50)!;
    run.runCatchUp(planA, {
      progress: [100],
      before: (label) => {
        if (label !== 'beginCatchUp') return;
        run.assign(assignment('catchup')); // supersede: session B
        run.planRecovery(50); // B reaches handshake, ready for BeginCatchUp
      },
    });
  }

  it('holds on a correct run: the stale executor is rejected and changes nothing', () => {
    const run = new EngineRun();
    staleExecutor(run);
    expect(run.failures).toEqual([]);
    expect(run.sender().sessionSnapshot()?.phase).toBe('handshake');
  });

  it('fires when checkAuthority ignores the session ID (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const s = run.sender();
    internals(s).authorize = (): Session => liveSession(s); // bug: any ID is accepted for the active session
    const planA = run.planRecovery(50)!;
    run.runCatchUp(planA, {
      progress: [100],
      before: (label) => {
        if (label !== 'beginCatchUp') return;
        run.assign(assignment('catchup'));
        run.planRecovery(50);
      },
    });
    expect(run.fired()).toContain('I4');
    expect(run.firstOf('I4')?.message).toMatch(/stale ID \(active 2\) changed sender state/);
  });
});

describe('I5 phase discipline', () => {
  it('holds on a correct run', () => {
    const run = new EngineRun();
    busyCorrectRun(run);
    expect(run.fired()).not.toContain('I5');
  });

  it('fires when Session.advance ignores the transition table (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(50)!;
    const s = run.sender();
    run.step(() => s.beginCatchUp(plan.sessionID, 1));
    const sess = liveSession(s);
    sess.advance = (to) => {
      sessionFields(sess)._phase = to; // bug: any edge allowed
      return true;
    };
    run.step(() => s.recordHandshake(plan.sessionID, 50, 100)); // catchup -> handshake
    expect(run.fired()).toContain('I5');
    expect(run.firstOf('I5')?.message).toMatch(/phase moved catchup -> handshake/);
  });
});

describe('I6 stopped senders are inert', () => {
  it('holds on a correct run', () => {
    const run = new EngineRun();
    busyCorrectRun(run);
    expect(run.fired()).not.toContain('I6');
  });

  it('fires when Stop leaves the session attached (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const s = run.sender();
    s.stop = (): void => {
      internals(s)._stopped = true; // bug: session not invalidated or dropped
    };
    run.step(() => run.driver.orchestrator.registry.stopAll());
    expect(run.fired()).toContain('I6');
  });

  it('fires when a stopped sender is revived (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment(null));
    run.step(() => run.driver.orchestrator.registry.stopAll());
    run.step(() => {
      internals(run.sender())._stopped = false;
    });
    expect(run.fired()).toEqual(['I6']);
  });
});

describe('I7 epoch fencing', () => {
  it('holds on a correct run: InvalidateEpoch kills every older session', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup', 1, 'r1:9333', ['r1', 'r2']));
    run.planRecovery(50, 'r1');
    run.invalidateEpoch(2);
    expect(run.failures).toEqual([]);
    expect(run.sender('r1').sessionID()).toBe(0);
  });

  it('fires when Registry.InvalidateEpoch skips the sessions (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup', 1, 'r1:9333', ['r1', 'r2']));
    run.driver.orchestrator.registry.invalidateEpoch = (): number => 0; // bug
    run.invalidateEpoch(2);
    expect(run.fired()).toEqual(['I7']);
    expect(run.failures).toHaveLength(2); // both senders' sessions
  });

  it('fires when UpdateEpoch keeps the older session (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const s = run.sender();
    s.updateEpoch = (e: number): void => {
      internals(s)._epoch = e; // bug: no invalidation of the epoch-1 session
    };
    run.updateSenderEpoch(2);
    expect(run.fired()).toContain('I7');
    expect(run.fired()).toContain('I2');
  });
});

describe('I8 endpoint fencing and stable identity', () => {
  it('holds on a correct run: an address change invalidates the session, same sender object', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const before = run.sender();
    run.assign(assignment(null, 1, 'r1:7777'));
    expect(run.failures).toEqual([]);
    expect(run.sender()).toBe(before);
    expect(run.sender().state()).toBe('disconnected');
  });

  it('fires with B13 (registry keyed by address)', () => {
    const run = new EngineRun({}, { B13: true });
    run.assign(assignment('catchup'));
    run.assign(assignment(null, 1, 'r1:7777'));
    expect(run.fired()).toEqual(['I8']);
    expect(run.firstOf('I8')?.message).toMatch(/sender object replaced/);
  });

  it('fires when UpdateEndpoint keeps the session (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const s = run.sender();
    s.updateEndpoint = (ep): void => {
      (s as unknown as { _endpoint: typeof ep })._endpoint = ep; // bug: no invalidation
    };
    run.assign(assignment(null, 1, 'r1:7777'));
    expect(run.fired()).toEqual(['I8']);
    expect(run.firstOf('I8')?.message).toMatch(/session survived/);
  });

  it('fires when Reconcile forgets to remove an unlisted replica (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment(null, 1, 'r1:9333', ['r1', 'r2']));
    const reg = run.driver.orchestrator.registry;
    const reconcile = reg.reconcile.bind(reg);
    reg.reconcile = (replicas, epoch) => {
      const kept = reg.all().map((s) => ({ replicaID: s.replicaID(), endpoint: s.endpoint() }));
      const merged = [...kept.filter((k) => !replicas.some((r) => r.replicaID === k.replicaID)), ...replicas];
      return reconcile(merged, epoch); // bug: nothing is ever removed
    };
    run.assign(assignment(null, 1, 'r1:9333', ['r1']));
    expect(run.fired()).toEqual(['I8']);
    expect(run.firstOf('I8')?.message).toMatch(/registry keys \[r1, r2\] != assignment replicas \[r1\]/);
  });
});

describe('I9 stale assignments create nothing', () => {
  it('holds on a correct run: an epoch-1 assignment after epoch 2 fails the target', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    run.updateSenderEpoch(2);
    run.assign(assignment('catchup', 1));
    expect(run.failures).toEqual([]);
    expect(run.sender().sessionID()).toBe(0);
  });

  it('fires when ApplyAssignment loses its stale-epoch guard (planted)', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    run.updateSenderEpoch(2);
    const reg = run.driver.orchestrator.registry;
    reg.applyAssignment = (intent) => {
      const { added, removed } = reg.reconcile(intent.replicas, intent.epoch);
      const result = { added, removed, sessionsCreated: [] as string[], sessionsSuperseded: [] as string[], sessionsFailed: [] as string[] };
      for (const [id, kind] of Object.entries(intent.recoveryTargets ?? {})) {
        const s = reg.sender(id);
        if (s === null) continue; // bug: no `intent.epoch < sender.epoch()` check
        if (s.attachSession(intent.epoch, kind).err === null) result.sessionsCreated.push(id);
        else if (s.supersedeSession(kind, 'assignment_intent') !== 0) result.sessionsSuperseded.push(id);
      }
      return result;
    };
    run.assign(assignment('catchup', 1));
    expect(run.fired()).toEqual(['I9']);
    expect(run.firstOf('I9')?.message).toMatch(/stale assignment \(epoch 1 < sender epoch 2\)/);
  });
});

describe('I4 finding: a stale executor escalating an unsafe truncation (candidate)', () => {
  it('is reported as a candidate with the default engine: InvalidateSession takes no session ID', () => {
    const run = new EngineRun();
    run.assign(assignment('catchup'));
    const plan = run.planRecovery(120)!; // replica ahead: truncation-only
    const io = (c: Parameters<typeof perfectIO>[0]) => (c.op === 'truncateWAL' ? { err: errTruncationUnsafe() } : perfectIO(c));
    run.runCatchUp(plan, {
      io,
      before: (label) => {
        if (label === 'invalidateSession') run.assign(assignment('catchup')); // session 2 supersedes session 1
      },
    });
    const f = run.firstOf('I4')!;
    expect(f.candidate).toBe(true);
    expect(f.message).toMatch(/stale executor's InvalidateSession \(no ID check\) ended session 2 and set needs_rebuild/);
    expect(run.failures.filter((x) => !x.candidate)).toEqual([]);
  });
});
