// The structural passes (src/explore/shrink_structure.ts) against a fake runner whose outcome is a
// rule over the draft, so each pass is seen removing what the failure does not need and keeping
// what it does: a smaller draft that fails another invariant, or the same invariant for another
// named cause, is never accepted. Also: the search is deterministic and stays within its budget.
import { describe, expect, it } from 'vitest';
import { shrinkStructure, type DraftRun, type DraftRunner } from '../../src/explore/shrink_structure.ts';
import type { Classification } from '../../src/explore/shrink.ts';
import { renderDraft, type ScenarioDraft, type TraceFault } from '../../src/scenario/draft.ts';
import { parseDuration } from '../../src/scenario/duration.ts';
import { parseScenarioText } from '../../src/scenario/parse.ts';

const fault = (t: number, what: TraceFault['do'], server: string): TraceFault => ({ step: t, t, do: what, detail: `${what} ${server}`, fields: [['server', server]] });

const BASE: ScenarioDraft = {
  comments: [], name: 'toy', description: '', tags: [],
  servers: ['n1', 'n2', 'n3', 'n4'], durability: 'sync_all', latency: { minMs: 1, maxMs: 9 }, interleavePermille: 50,
  wildcardListen: false, legacyReplica: null, control: 'ideal', bugs: [],
  workload: { rate: 100, thinkMaxMs: 19, syncPermille: 100, trimPermille: 20, readPermille: 150, maxWriteBlocks: 2, idleQuiet: false },
  timeline: [fault(1000, 'crash', 'n1'), fault(2000, 'pause', 'n2'), fault(3000, 'crash', 'n3'), fault(4000, 'pause', 'n1')],
  unconverted: [], seed: 1, profile: 'default', messageFaults: ['drop', 'duplicate', 'reorder'], injector: 'shadow',
  faultPhaseMs: 30_000, quietPhaseMs: 60_000, maxSteps: 100_000, strict: false, expect: '{fail: I16}',
};

const I16: Classification = { invariant: 'I16', cause: null };
const has = (d: ScenarioDraft, what: string): boolean => d.timeline.some((f) => f.detail === what);

/** Steps grow with everything the draft keeps, so each removal is also a smaller run. */
function size(d: ScenarioDraft): number {
  return 10 + 10 * d.timeline.length + 5 * d.messageFaults.length + 3 * d.servers.length + (d.workload === null ? 0 : 20) + (d.injector === 'shadow' ? 7 : 0)
    + Math.floor(d.faultPhaseMs / 1000) + Math.floor(d.quietPhaseMs / 10_000) + (d.interleavePermille > 0 ? 4 : 0);
}

/** A runner: `rule` says how the draft fails (null: it passes). */
function runner(rule: (d: ScenarioDraft) => Classification | null): DraftRunner & { calls: number } {
  const f = ((d: ScenarioDraft, cap: number): DraftRun | null => {
    f.calls += 1;
    const steps = size(d);
    if (steps > cap) return { classification: null, steps: cap, simulatedMs: cap };
    return { classification: rule(d), steps, simulatedMs: 1000 + d.timeline.reduce((m, x) => Math.max(m, x.t), 0) };
  }) as DraftRunner & { calls: number };
  f.calls = 0;
  return f;
}

describe('structural passes remove what the failure does not need', () => {
  it('timeline: only the crash of n3 is needed; the other actions go', () => {
    const r = shrinkStructure(BASE, I16, runner((d) => (has(d, 'crash n3') ? I16 : null)), { budget: 500 });
    expect(r.draft.timeline.map((f) => f.detail)).toEqual(['crash n3']);
    expect(r.passes.find((p) => p.pass === 'timeline')?.accepted).toBeGreaterThan(0);
  });

  it('timeline: an action whose removal makes the run fail another invariant is kept', () => {
    // Without the pause of n2 the run still fails, but I8 — not the same failure.
    const rule = (d: ScenarioDraft): Classification | null => (!has(d, 'crash n3') ? null : has(d, 'pause n2') ? I16 : { invariant: 'I8', cause: null });
    const r = shrinkStructure(BASE, I16, runner(rule), { budget: 500 });
    expect(r.draft.timeline.map((f) => f.detail)).toEqual(['pause n2', 'crash n3']);
  });

  it('timeline: the same invariant for another named cause is not the same failure', () => {
    const H1: Classification = { invariant: 'I8', cause: 'H1' };
    const rule = (d: ScenarioDraft): Classification | null => (has(d, 'pause n1') ? H1 : { invariant: 'I8', cause: 'H2' });
    const r = shrinkStructure(BASE, H1, runner(rule), { budget: 500 });
    expect(r.draft.timeline.map((f) => f.detail)).toEqual(['pause n1']);
  });

  it('timeline: a restart or heal comes sooner, as long as the failure needs it to wait', () => {
    const restartAfter = (d: ScenarioDraft): number => {
      const v = d.timeline.find((f) => f.detail === 'crash n3')?.fields.find(([k]) => k === 'restart_after')?.[1];
      const parsed = v === undefined ? { error: 'none' } : parseDuration(v);
      return 'ms' in parsed ? parsed.ms : -1;
    };
    const slow: ScenarioDraft = { ...BASE, timeline: BASE.timeline.map((f) => (f.detail === 'crash n3' ? { ...f, fields: [...f.fields, ['restart_after', '5s']] } : f)) };
    // The failure needs n3 down for at least 500 ms.
    const r = shrinkStructure(slow, I16, runner((d) => (restartAfter(d) >= 500 ? I16 : null)), { budget: 500 });
    expect(restartAfter(r.draft)).toBeGreaterThanOrEqual(500);
    expect(restartAfter(r.draft)).toBeLessThan(1000);
    const back = parseScenarioText(renderDraft(r.draft), 'shrunk.yaml').timeline.find((a) => a.do === 'crash');
    expect(back).toMatchObject({ server: 'n3', restart_after: restartAfter(r.draft) });
    // It does not need the wait at all: the restart follows at once.
    const soon = shrinkStructure(slow, I16, runner((d) => (restartAfter(d) >= 0 ? I16 : null)), { budget: 500 });
    expect(restartAfter(soon.draft)).toBe(0);
  });

  it('message-faults: kinds the failure does not need are switched off; a needed one stays', () => {
    const r = shrinkStructure(BASE, I16, runner((d) => (d.messageFaults.includes('duplicate') ? I16 : { invariant: 'W6', cause: null })), { budget: 500 });
    expect(r.draft.messageFaults).toEqual(['duplicate']);
    const none = shrinkStructure(BASE, I16, runner(() => I16), { budget: 500 });
    expect(none.draft.messageFaults).toEqual([]);
  });

  it('servers: an unnamed server is dropped; the initial primary, named servers, and a needed count stay', () => {
    // n2 and n3 are named by the timeline only while their actions are kept: keep all actions.
    const keepAll = (d: ScenarioDraft): boolean => d.timeline.length === BASE.timeline.length;
    const r = shrinkStructure(BASE, I16, runner((d) => (keepAll(d) ? I16 : null)), { budget: 500 });
    expect(r.draft.servers).toEqual(['n1', 'n2', 'n3']);
    const needsFour = shrinkStructure(BASE, I16, runner((d) => (keepAll(d) ? (d.servers.length === 4 ? I16 : { invariant: 'E3', cause: null }) : null)), { budget: 500 });
    expect(needsFour.draft.servers).toEqual(['n1', 'n2', 'n3', 'n4']);
  });

  it('workload: the client load goes when not needed, and stays (reduced) when it is', () => {
    const r = shrinkStructure(BASE, I16, runner(() => I16), { budget: 500 });
    expect(r.draft.workload).toBeNull();
    const needed = shrinkStructure(BASE, I16, runner((d) => (d.workload !== null && d.workload.syncPermille > 0 ? I16 : null)), { budget: 500 });
    expect(needed.draft.workload).not.toBeNull();
    expect(needed.draft.workload!.syncPermille).toBe(100);
    expect(needed.draft.workload!.trimPermille).toBe(0);
    expect(needed.draft.workload!.maxWriteBlocks).toBe(1);
  });

  it('workload: fewer clients and a shallower queue when the failure does not need them; rendered and parsed back', () => {
    const deep: ScenarioDraft = { ...BASE, workload: { ...BASE.workload!, queueDepth: 16, clients: 3 } };
    const r = shrinkStructure(deep, I16, runner((d) => (d.workload !== null && (d.workload.queueDepth ?? 1) >= 4 ? I16 : null)), { budget: 500 });
    expect(r.draft.workload!.clients ?? 1).toBe(1);
    expect(r.draft.workload!.queueDepth).toBe(4);
    const sc = parseScenarioText(renderDraft({ ...deep, timeline: [] }), 'deep.yaml');
    expect([sc.workload.queue_depth, sc.workload.clients]).toEqual([16, 3]);
    expect(parseScenarioText(renderDraft({ ...BASE, timeline: [] }), 'base.yaml').workload.queue_depth).toBe(1);
  });

  it('end: the fault phase ends just after the failure, the quiet phase shortens; a needed length stays', () => {
    const r = shrinkStructure(BASE, I16, runner((d) => (has(d, 'crash n3') ? I16 : null)), { budget: 500 });
    expect(r.draft.faultPhaseMs).toBeLessThanOrEqual(1000 + 3000 + 1);
    expect(r.draft.quietPhaseMs).toBe(0);
    const long = shrinkStructure(BASE, I16, runner((d) => (d.faultPhaseMs >= 20_000 ? I16 : { invariant: 'E3', cause: null })), { budget: 500 });
    expect(long.draft.faultPhaseMs).toBeGreaterThanOrEqual(20_000);
    expect(long.draft.faultPhaseMs).toBeLessThan(30_000);
  });

  it('seed: a later seed whose run fails the same way in fewer steps is taken; one failing otherwise, or no sooner, is not', () => {
    // The seed changes only the free choices: here it shortens the run by (seed mod 7) steps, and
    // seeds 3 and 5 fail another invariant.
    const bySeed = (rule: (d: ScenarioDraft) => Classification | null): DraftRunner => (d, cap) => {
      const steps = size(d) - (d.seed % 7);
      if (steps > cap) return { classification: null, steps: cap, simulatedMs: cap };
      return { classification: rule(d), steps, simulatedMs: 1000 };
    };
    const rule = (d: ScenarioDraft): Classification | null => (d.seed === 3 || d.seed === 5 ? { invariant: 'I8', cause: null } : has(d, 'crash n3') ? I16 : null);
    const r = shrinkStructure(BASE, I16, bySeed(rule), { budget: 500 });
    expect(r.draft.seed).toBe(6); // 2 and 4 shorten it too, 6 most; 3 and 5 fail I8; 7 (mod 7 = 0) is no shorter
    expect(r.passes.find((p) => p.pass === 'seed')?.accepted).toBe(3);
    const noSooner = shrinkStructure(BASE, I16, runner((d) => (has(d, 'crash n3') ? I16 : null)), { budget: 500 });
    expect(noSooner.draft.seed).toBe(1);
    expect(noSooner.passes.some((p) => p.pass === 'seed')).toBe(false);
  });

  it('injector and cluster: the shadow injector and interleaving go unless the failure needs them', () => {
    const r = shrinkStructure(BASE, I16, runner(() => I16), { budget: 500 });
    expect(r.draft.injector).toBe('off');
    expect(r.draft.interleavePermille).toBe(0);
    const needs = shrinkStructure(BASE, I16, runner((d) => (d.injector === 'shadow' && d.interleavePermille > 0 ? I16 : { invariant: 'I1', cause: null })), { budget: 500 });
    expect(needs.draft.injector).toBe('shadow');
    expect(needs.draft.interleavePermille).toBe(50);
  });
});

describe('the structural search', () => {
  it('is deterministic and stops at its budget', () => {
    const rule = (d: ScenarioDraft): Classification | null => (has(d, 'crash n3') && d.messageFaults.length > 0 ? I16 : null);
    const a = shrinkStructure(BASE, I16, runner(rule), { budget: 12 });
    const b = shrinkStructure(BASE, I16, runner(rule), { budget: 12 });
    expect(a).toEqual(b);
    expect(a.candidates).toBe(12);
    expect(a.stoppedBy).toBe('budget');
  });

  it('keeps nothing, and says so, when the draft itself does not fail the same way', () => {
    const r = shrinkStructure(BASE, I16, runner(() => ({ invariant: 'I8', cause: null })), { budget: 50 });
    expect(r.original).toBeNull();
    expect(r.draft).toBe(BASE);
    expect(r.candidates).toBe(1);
  });
});

describe('end-of-run failures (E1–E3)', () => {
  const E3: Classification = { invariant: 'E3', cause: null };
  const withBug: ScenarioDraft = { ...BASE, bugs: ['B18'] };

  it('a shorter quiet phase is kept only while the twin without the bug switches still converges', () => {
    // Without the bug the cluster needs 5 s of quiet phase to converge; with it, it never does.
    const rule = (d: ScenarioDraft): Classification | null => (d.bugs.length > 0 || d.quietPhaseMs < 5000 ? E3 : null);
    const r = shrinkStructure(withBug, E3, runner(rule), { budget: 500 });
    expect(r.draft.quietPhaseMs).toBeGreaterThanOrEqual(5000);
    expect(r.draft.quietPhaseMs).toBeLessThan(60_000);
    expect(r.draft.bugs).toEqual(['B18']);
  });

  it('without bug switches there is no twin: the structure is left alone', () => {
    const r = shrinkStructure(BASE, E3, runner(() => E3), { budget: 500 });
    expect(r.passes).toEqual([]);
    expect(r.draft).toBe(BASE);
  });
});
