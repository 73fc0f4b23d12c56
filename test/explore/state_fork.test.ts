// The engine model checker's state restore and per-state memory: the generic object-graph copy
// (object_graph_copy.ts), forking a checked runner (runner_fork.ts) — a fork behaves exactly as the
// original from the fork point on and shares nothing mutable with it — the per-level path links
// (level_links.ts), the compact fingerprint table's load (fingerprint_set.ts), the packed sleep sets
// (sleep_sets.ts), and the search itself: restoring states by forking finds exactly what replaying
// finds (states per level, transitions, counterexamples).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineBugId } from '../../src/engine/context.ts';
import { parseEngineScript, parseEngineScriptLine } from '../../src/engine/script.ts';
import type { ParsedLine } from '../../src/engine/script.ts';
import { CheckedScriptRunner } from '../../src/explore/checked_script.ts';
import { checkEngine } from '../../src/explore/engine_check.ts';
import type { EngineCheckOptions } from '../../src/explore/engine_check.ts';
import { FingerprintSet } from '../../src/explore/fingerprint_set.ts';
import { LevelLinks } from '../../src/explore/level_links.ts';
import { SleepSets } from '../../src/explore/sleep_sets.ts';
import { GraphCopier, UncopyableError } from '../../src/explore/object_graph_copy.ts';

class Box {
  constructor(
    public n: number,
    public next: Box | null,
  ) {}
  inc(): number {
    return ++this.n;
  }
}

describe('GraphCopier', () => {
  it('copies every object once, keeps sharing, cycles, prototypes and Map/Set order', () => {
    const shared = { v: [1, 2] };
    const a = new Box(1, null);
    const b = new Box(2, a);
    a.next = b; // a cycle
    const m = new Map<string, unknown>([['z', shared], ['a', b]]);
    const root = { m, s: new Set([3, 1, 2]), again: shared, a, frozen: Object.freeze({ x: 1 }), err: new Error('e') };
    const c = new GraphCopier().copy(root);
    expect(c).not.toBe(root);
    expect(c.again).toBe(c.m.get('z'));
    expect(c.again).not.toBe(shared);
    expect(c.again).toEqual(shared);
    expect([...c.m.keys()]).toEqual(['z', 'a']);
    expect([...c.s]).toEqual([3, 1, 2]);
    expect(c.a).toBeInstanceOf(Box);
    expect(c.a.next!.next).toBe(c.a);
    expect(c.m.get('a')).toBe(c.a.next);
    expect(c.frozen).toBe(root.frozen); // immutable: shared
    expect(c.err).toBe(root.err);
    c.a.inc();
    expect(a.n).toBe(1);
    expect(c.a.n).toBe(2);
  });

  it('resolves functions through the hook or a preset, and refuses generators and unknown functions', () => {
    const f = (): number => 1;
    const g = (): number => 2;
    expect(() => new GraphCopier().copy({ f })).toThrow(UncopyableError);
    const hooked = new GraphCopier((fn) => (fn === f ? g : undefined)).copy({ f });
    expect(hooked.f).toBe(g);
    const preset = new GraphCopier();
    preset.preset(f, f);
    expect(preset.copy({ f }).f).toBe(f);
    const gen = (function* () {
      yield 1;
    })();
    expect(() => new GraphCopier().copy({ gen })).toThrow(UncopyableError);
  });
});

function script(name: string): ParsedLine[] {
  return parseEngineScript(readFileSync(join(import.meta.dirname, '..', 'engine', 'scripts', `${name}.jsonl`), 'utf8'));
}

/** Each line's output text and failures, run on `r` from line `from` on. */
function runFrom(r: CheckedScriptRunner, lines: readonly ParsedLine[], from: number): string[] {
  return lines.slice(from).map((p) => {
    const x = r.exec(p);
    return `${x.executed?.text ?? 'EXC'} ${JSON.stringify(x.failures)}`;
  });
}

describe('CheckedScriptRunner.fork', () => {
  for (const name of ['catchup_epoch_bump', 'rebuild_snapshot_tail', 'rebuild_committed_zero', 'replica_ahead_truncation', 'bug_b5']) {
    it(`${name}: a fork at every line runs the rest exactly as the original, and the original as if never forked`, () => {
      const lines = script(name);
      const reference = runFrom(new CheckedScriptRunner({}), lines, 0);
      let forked = 0;
      for (let k = 0; k <= lines.length; k++) {
        const original = new CheckedScriptRunner({});
        const head = runFrom(original, lines.slice(0, k), 0);
        const fork = original.fork();
        if (fork === null) {
          expect(original.canFork()).toBe(false); // an executor has started
          continue;
        }
        forked += 1;
        expect(runFrom(fork, lines, k)).toEqual(reference.slice(k));
        expect([...head, ...runFrom(original, lines, k)]).toEqual(reference);
      }
      expect(forked).toBeGreaterThan(1);
    });
  }

  it('a fork has its own storage holds: releasing a pin in the fork leaves the original holding it', () => {
    const lines = script('catchup_epoch_bump').filter((p) => !p.op.startsWith('executor.'));
    const r = new CheckedScriptRunner({});
    const upTo = lines.findIndex((p) => p.op === 'driver.planRecovery') + 1;
    for (const p of lines.slice(0, upTo)) r.exec(p);
    const holds = r.runner.engine.storage.activeHoldCount();
    expect(holds).toBeGreaterThan(0);
    const fork = r.fork()!;
    const plan = lines[upTo - 1]!.as!;
    fork.exec(parseEngineScriptLine(JSON.stringify({ op: 'driver.cancelPlan', args: { plan, reason: 'test' } }), 99, new Map([[plan, 'plan' as const]])));
    expect(fork.runner.engine.storage.activeHoldCount()).toBe(0);
    expect(r.runner.engine.storage.activeHoldCount()).toBe(holds);
  });
});

describe('LevelLinks', () => {
  it('rebuilds every path of a breadth-first tree', () => {
    const links = new LevelLinks();
    const parentOf = [-1];
    const actionOf = [-1];
    let start = 0;
    let end = 1;
    for (let level = 1; level <= 4; level++) {
      links.openLevel();
      for (let s = start; s < end; s++) {
        links.beginChildren(s);
        const children = s % 5 === 2 ? 0 : 2 + ((s * 7 + level) % 3); // some states childless
        for (let c = 0; c < children; c++) {
          const id = links.add((s * 31 + c) % 65536);
          parentOf[id] = s;
          actionOf[id] = (s * 31 + c) % 65536;
        }
      }
      links.closeLevel();
      start = end;
      end = links.size;
    }
    expect(links.size).toBe(parentOf.length);
    expect(links.size).toBeGreaterThan(20);
    for (let s = 0; s < links.size; s++) {
      const states: number[] = [];
      const actions: number[] = [];
      for (let i = s; i > 0; i = parentOf[i]!) {
        states.push(i);
        actions.push(actionOf[i]!);
      }
      states.push(0);
      expect(links.path(s)).toEqual({ states: states.reverse(), actions: actions.reverse() });
    }
  });
});

describe('FingerprintSet load', () => {
  it('stays between 84.5 % and 93 % full once grown: at most 9.5 bytes a fingerprint', () => {
    const s = new FingerprintSet(16);
    for (let i = 1; i <= 100_000; i++) {
      s.add(Math.imul(i, 0x9e3779b1) >>> 0, i);
      if (i > 1000) expect(s.bytes / s.size).toBeLessThanOrEqual(8 / 0.845);
    }
    expect(s.size).toBe(100_000);
  });
});

describe('memory per visited state', () => {
  it('the default bound (depth 4) holds at most 16 bytes a state: fingerprint table + path links + sleep sets', { timeout: 600_000 }, () => {
    const r = checkEngine({ replicas: 2, epochs: 3, lsns: 6, depth: 4, bugs: {} });
    expect(r.states).toBe(30_846);
    expect(r.bytesPerState).toBe((r.tableBytes + r.linkBytes + r.sleepBytes) / r.states);
    expect(r.sleepBytes).toBeGreaterThan(0);
    expect(r.bytesPerState).toBeLessThanOrEqual(16);
  });
});

describe('SleepSets', () => {
  it('keeps each state\'s first set, intersects it on later edges, and hands the sets out in state order', () => {
    const sets = new SleepSets();
    for (let s = 10; s < 400; s += 3) sets.add(s, s * 7, s, [1, 2, 3, s % 5, 100 + s]);
    sets.meet(13, 91, [3, 113, 99]); // state 13: {1, 2, 3, 3, 113} ∩ {3, 113, 99}
    sets.meet(16, 112, []); // state 16: emptied
    sets.meet(5, 5, [1]); // not indexed: ignored
    sets.seal();
    expect([...sets.of(10)]).toEqual([1, 2, 3, 0, 110]);
    expect([...sets.of(11)]).toEqual([]); // no entry
    expect([...sets.of(13)]).toEqual([3, 3, 113]);
    expect([...sets.of(16)]).toEqual([]);
    expect([...sets.of(397)]).toEqual([1, 2, 3, 2, 497]);
    expect(sets.size).toBe(130);
  });
});

/** Everything a search reports that must not depend on how states are restored. */
function outcome(o: EngineCheckOptions): unknown {
  const r = checkEngine(o);
  return { states: r.states, transitions: r.transitions, pruned: r.pruned, levels: r.levels, violation: r.violation, bytes: r.bytesPerState };
}

describe('restoring states by forking = by replaying', () => {
  const DEFAULT = { replicas: 2, epochs: 3, lsns: 6 };
  const SMALL = { replicas: 1, epochs: 1, lsns: 3 };
  it('default engine, depth 3, with and without POR', () => {
    for (const por of [true, false]) {
      expect(outcome({ ...DEFAULT, depth: 3, bugs: {}, por, restore: 'fork' })).toEqual(outcome({ ...DEFAULT, depth: 3, bugs: {}, por, restore: 'replay' }));
    }
  });

  it('small alphabet, depth 5 (executors started and unstarted along the paths)', { timeout: 600_000 }, () => {
    const fork = checkEngine({ ...SMALL, depth: 5, bugs: {}, restore: 'fork' });
    expect(outcome({ ...SMALL, depth: 5, bugs: {}, restore: 'fork' })).toEqual(outcome({ ...SMALL, depth: 5, bugs: {}, restore: 'replay' }));
    expect(fork.forks).toBeGreaterThan(0);
    expect(fork.replays).toBeGreaterThan(0); // some states have a started executor
  });

  const SWITCHES: [EngineBugId, typeof DEFAULT, number][] = [
    ['B4', DEFAULT, 2], ['B5', DEFAULT, 2], ['B7', DEFAULT, 2], ['B8', DEFAULT, 2], ['B9', DEFAULT, 3], ['B12b', DEFAULT, 2], ['B12d', DEFAULT, 2],
    ['B13', DEFAULT, 2], ['B27', DEFAULT, 4], ['B12a', SMALL, 6],
  ];
  for (const [bug, bounds, depth] of SWITCHES) {
    it(`${bug}: the same shortest counterexample, states and transitions`, { timeout: 600_000 }, () => {
      const o = { ...bounds, depth, bugs: { [bug]: true } };
      const fork = outcome({ ...o, restore: 'fork' }) as { violation: unknown };
      expect(fork.violation).not.toBeNull();
      expect(fork).toEqual(outcome({ ...o, restore: 'replay' }));
    });
  }
});
