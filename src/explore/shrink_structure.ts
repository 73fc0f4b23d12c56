// The structural passes of the shrinker: they shrink the failing run's *scenario* (its draft,
// src/scenario/draft.ts, saved from the trace with `free.injector: shadow`, so removing one action
// does not shift the other random draws) rather than its choice sequence. Passes, repeated until a
// whole round keeps nothing:
//   end             end the fault phase just after the failing step's time and shorten the quiet
//                   phase (to 0, else by bisection): the run before the failure stays as it was
//   timeline        drop the actions due after the failing step; then all, chunks halving down to
//                   one, last first; then move each remaining action earlier (less history) and
//                   shorten its duration (a crash's restart_after, a partition's heal_after, a
//                   pause's length: less waiting before the run goes on)
//   message-faults  switch off per-message fault kinds (free.faults): all, then one at a time
//   injector        stop the shadow injector (its ticks and draws) altogether
//   servers         drop a server no action names (never the first, the initial primary)
//   workload        drop the client load, end it earlier, no syncs/trims/reads, single-block
//                   writes, fewer clients and a shallower queue, a longer think time (fewer
//                   operations)
//   cluster         no interleaving of volume operations, fixed (minimum) latency, a smaller WAL
//                   (down to 1 KiB: less history before it wraps), a slower flusher (fewer flush
//                   steps, up to 3.2s), a shorter lease (down to two heartbeats: earlier
//                   failovers), no wildcard listen, no legacy replica
//   fault-phase     a fault phase shorter than the failure's time (bisection toward 1 ms): faults
//                   and client load stop earlier; the quiet phase stops message faults
//   seed            once the others keep nothing: the same scenario under the next seeds. The
//                   seed decides only the free choices (scheduling, latencies, message faults at
//                   their rates, the client's operations), so a seed that fails the same way in
//                   fewer steps is a shorter run of the same case (strictly fewer steps only, so
//                   the search still terminates); then the other passes go again
// The search is greedy, so the order matters: a candidate that no longer fails costs a whole run,
// so the candidates that leave the run before the failure alone come first (on a fragile race of
// 15,000 steps a 60 s budget is a few dozen runs), the bisections last.
// A candidate is run (a `DraftRunner`) and kept only when it fails with the same classification
// (shrink.ts `classify`: the same invariant, failure vs finding, the same named cause) and is not
// larger: fewer faults (timeline actions plus message-fault kinds), or as many and no more steps.
// An end-of-run failure (E1–E3) also needs its twin without the bug switches not to fail so
// (`isEndOfRun`).
// Every candidate is a strict reduction of the draft (something removed, a number moved one way
// toward its simplest value) or, for the seed pass, of its run's steps, so the search terminates;
// it is bounded by a candidate budget and deterministic for a draft, runner and budget.
import type { DraftWorkload, ScenarioDraft, TraceFault } from '../scenario/draft.ts';
import { faultHosts, seconds } from '../scenario/draft.ts';
import { parseDuration } from '../scenario/duration.ts';
import { CLUSTER_DEFAULTS } from '../scenario/names.ts';
import type { Classification } from './shrink.ts';

export const STRUCTURE_PASSES = ['end', 'timeline', 'message-faults', 'injector', 'servers', 'workload', 'cluster', 'fault-phase', 'seed'] as const;
export type StructurePass = typeof STRUCTURE_PASSES[number];

/** The timeline fields that say how long an action lasts. */
const DURATION_FIELDS = ['restart_after', 'heal_after', 'for'] as const;

/** Seeds the seed pass tries in a round (the ones after the draft's). */
export const SEED_TRIES = 32;

/** What running a candidate draft showed: its classification (null: it did not fail) and size. */
export interface DraftRun {
  readonly classification: Classification | null;
  readonly steps: number;
  readonly simulatedMs: number;
}

/** Runs a candidate draft for its seed, stopping it after `cap` steps (a run cut short fails nothing). */
export type DraftRunner = (d: ScenarioDraft, cap: number) => DraftRun | null;

export interface StructureOptions {
  /** At most this many candidate runs (the draft's own reproduction check included). */
  readonly budget: number;
  readonly shouldStop?: () => boolean;
  readonly onAccept?: (pass: StructurePass, steps: number, faults: number) => void;
}

export interface StructureResult {
  readonly draft: ScenarioDraft;
  /** The kept draft's run (the original draft's, when nothing was kept). */
  readonly run: DraftRun;
  /** The original draft's run; null when it did not reproduce the classification. */
  readonly original: DraftRun | null;
  readonly candidates: number;
  readonly passes: readonly { readonly pass: StructurePass; readonly accepted: number }[];
  readonly stoppedBy: 'fixpoint' | 'budget' | 'time';
}

/** The faults a draft states: timeline actions plus per-message fault kinds left on. */
export function draftFaults(d: ScenarioDraft): number {
  return d.timeline.length + d.messageFaults.length;
}

class OutOfBudget extends Error {}

/**
 * The end-to-end invariants (E1–E3) are judged at the end of the quiet phase, whose length is
 * their bound: a shorter quiet phase, a slower flusher or a missing server can make them fail for
 * want of time, not because of a bug. Such a failure is shrunk only with bug switches on, and a
 * candidate is kept only when its twin without the switches does not fail the same way (the
 * criterion docs/bugs.md uses for a real catch); one without switches is not shrunk structurally.
 */
export function isEndOfRun(c: Classification): boolean {
  return /^E\d+$/.test(c.invariant);
}

interface Best { readonly draft: ScenarioDraft; readonly run: DraftRun }

/** A number lowered toward `lo`: `lo` first, then bisection (at most `tries` candidates after it). */
function descend(cur: number, lo: number, attempt: (v: number) => boolean, tries = 5): boolean {
  if (cur <= lo) return false;
  if (attempt(lo)) return true;
  let kept = false;
  let low = lo;
  let high = cur;
  for (let k = 0; k < tries && high - low > 1; k++) {
    const mid = Math.floor((low + high) / 2);
    if (attempt(mid)) { kept = true; high = mid; } else low = mid;
  }
  return kept;
}

export function shrinkStructure(draft: ScenarioDraft, target: Classification, run: DraftRunner, o: StructureOptions): StructureResult {
  let candidates = 0;
  let stoppedBy: StructureResult['stoppedBy'] = 'fixpoint';
  const same = (c: Classification | null): boolean => c !== null && c.invariant === target.invariant && c.cause === target.cause;

  const evaluate = (d: ScenarioDraft, cap: number): DraftRun | null => {
    if (candidates >= o.budget) { stoppedBy = 'budget'; throw new OutOfBudget(); }
    if (candidates > 0 && o.shouldStop?.() === true) { stoppedBy = 'time'; throw new OutOfBudget(); }
    candidates += 1;
    const r = run(d, cap);
    return r !== null && same(r.classification) ? r : null;
  };

  let original: DraftRun | null = null;
  try { original = evaluate(draft, draft.maxSteps); } catch (e) { if (!(e instanceof OutOfBudget)) throw e; }
  if (original === null) {
    return { draft, run: { classification: null, steps: 0, simulatedMs: 0 }, original: null, candidates, passes: [], stoppedBy };
  }
  const limit = original.steps;
  const endOfRun = isEndOfRun(target);
  if (endOfRun && draft.bugs.length === 0) {
    // Without bug switches there is no twin to tell a real non-convergence from a quiet phase too short to converge in.
    return { draft, run: original, original, candidates, passes: [], stoppedBy };
  }
  let best: Best = { draft, run: original };
  const accepted = new Map<StructurePass, number>();

  /**
   * Run `d`; keep it when it fails the same way with fewer faults, or as many and no more steps
   * (`strictly`: fewer steps).
   */
  const attempt = (pass: StructurePass, d: ScenarioDraft, strictly = false): boolean => {
    const fewer = draftFaults(d) < draftFaults(best.draft);
    const most = strictly ? best.run.steps - 1 : best.run.steps;
    if (!fewer && most < 1) return false;
    const r = evaluate(d, fewer ? limit : most);
    if (r === null || (!fewer && r.steps > most)) return false;
    // An end-of-run failure must still be the switched-on bugs' doing: the twin without them must not fail the same way.
    if (endOfRun && evaluate({ ...d, bugs: [] }, limit) !== null) return false;
    best = { draft: d, run: r };
    accepted.set(pass, (accepted.get(pass) ?? 0) + 1);
    o.onAccept?.(pass, r.steps, draftFaults(d));
    return true;
  };
  const edit = (pass: StructurePass, change: Partial<ScenarioDraft>): boolean => attempt(pass, { ...best.draft, ...change });

  // End the fault phase just after the failing step's time and shorten the quiet phase: cheap
  // candidates first, which leave the run before the failure as it was.
  const end = (): boolean => {
    let kept = false;
    const tFail = best.run.simulatedMs + 1;
    if (tFail < best.draft.faultPhaseMs && edit('end', { faultPhaseMs: tFail })) kept = true;
    if (descend(best.draft.quietPhaseMs, 0, (v) => edit('end', { quietPhaseMs: v }))) kept = true;
    return kept;
  };

  /** A fault phase shorter still: faults and load stop earlier (bisection toward 1 ms). */
  const faultPhase = (): boolean => descend(best.draft.faultPhaseMs, 1, (v) => edit('fault-phase', { faultPhaseMs: v }));

  /** Actions due after the failing step never ran: drop them all at once. */
  const late = (): boolean => {
    const t = best.run.simulatedMs;
    const timeline = best.draft.timeline.filter((f) => f.t <= t);
    return timeline.length < best.draft.timeline.length && edit('timeline', { timeline });
  };

  /** Delete chunks of a list field: the whole list, then halves, quarters, … single items, last first. */
  const chunked = <T>(pass: StructurePass, get: (d: ScenarioDraft) => readonly T[], set: (xs: T[]) => Partial<ScenarioDraft>): boolean => {
    let kept = false;
    for (let k = get(best.draft).length; k >= 1; k = k === 1 ? 0 : Math.max(1, Math.floor(k / 2))) {
      for (let i = get(best.draft).length - k; i >= 0; i -= k) {
        const xs = get(best.draft);
        i = Math.min(i, xs.length - k);
        if (i < 0) break;
        if (edit(pass, set([...xs.slice(0, i), ...xs.slice(i + k)]))) kept = true;
      }
    }
    return kept;
  };

  /** Move each action earlier, toward the one before it (the list stays in time order). */
  const earlier = (): boolean => {
    let kept = false;
    for (let i = 0; i < best.draft.timeline.length; i++) {
      const floor = i === 0 ? 0 : best.draft.timeline[i - 1]!.t;
      const at = (v: number): boolean => {
        const timeline: TraceFault[] = [...best.draft.timeline];
        timeline[i] = { ...timeline[i]!, t: v };
        return edit('timeline', { timeline });
      };
      if (descend(best.draft.timeline[i]!.t, floor, at, 4)) kept = true;
    }
    return kept;
  };

  /** Shorten each action's duration (restart_after, heal_after, a pause's `for`) toward 0. */
  const shorter = (): boolean => {
    let kept = false;
    for (let i = 0; i < best.draft.timeline.length; i++) {
      for (const key of DURATION_FIELDS) {
        const k = best.draft.timeline[i]!.fields.findIndex(([name]) => name === key);
        if (k < 0) continue;
        const parsed = parseDuration(best.draft.timeline[i]!.fields[k]![1]);
        if (!('ms' in parsed)) continue;
        const lasting = (v: number): boolean => {
          const timeline: TraceFault[] = [...best.draft.timeline];
          const fields: [string, string][] = [...timeline[i]!.fields];
          fields[k] = [key, seconds(v)];
          timeline[i] = { ...timeline[i]!, fields };
          return edit('timeline', { timeline });
        };
        if (descend(parsed.ms, 0, lasting, 4)) kept = true;
      }
    }
    return kept;
  };

  /** The next seeds for the same scenario, each kept when its run fails the same way in fewer steps. */
  const seed = (): boolean => {
    let kept = false;
    const from = best.draft.seed;
    for (let k = 1; k <= SEED_TRIES; k++) if (attempt('seed', { ...best.draft, seed: from + k }, true)) kept = true;
    return kept;
  };

  const injector = (): boolean => best.draft.injector === 'shadow' && edit('injector', { injector: 'off' });

  const servers = (): boolean => {
    let kept = false;
    for (let i = best.draft.servers.length - 1; i >= 1; i--) {
      const d = best.draft;
      const name = d.servers[i];
      if (name === undefined || d.servers.length <= 2 || name === d.legacyReplica) continue;
      if (d.timeline.some((f) => faultHosts(f).includes(name))) continue;
      if (edit('servers', { servers: d.servers.filter((s) => s !== name) })) kept = true;
    }
    return kept;
  };

  const workload = (): boolean => {
    const w = (): DraftWorkload | null => best.draft.workload;
    const set = (change: Partial<DraftWorkload>): boolean => edit('workload', { workload: { ...w()!, ...change } });
    if (w() === null) return false;
    if (edit('workload', { workload: null })) return true;
    let kept = false;
    if (descend(w()!.untilMs ?? best.draft.faultPhaseMs, 0, (v) => set({ untilMs: v }))) kept = true;
    if (w()!.syncPermille > 0 && set({ syncPermille: 0 })) kept = true;
    if (w()!.trimPermille > 0 && set({ trimPermille: 0 })) kept = true;
    if (w()!.readPermille > 0 && set({ readPermille: 0 })) kept = true;
    if (w()!.maxWriteBlocks > 1 && set({ maxWriteBlocks: 1 })) kept = true;
    // Fewer clients, then a shallower queue: fewer overlapping commands.
    for (let n = (w()!.clients ?? 1) - 1; n >= 1 && set({ clients: n }); n = (w()!.clients ?? 1) - 1) kept = true;
    for (let q = Math.floor((w()!.queueDepth ?? 1) / 2); q >= 1 && set({ queueDepth: q }); q = Math.floor((w()!.queueDepth ?? 1) / 2)) kept = true;
    // A longer think time: fewer operations (up to one a second).
    for (let t = Math.max(1, w()!.thinkMaxMs) * 2; t <= 1000 && set({ thinkMaxMs: t, rate: Math.max(1, Math.round(2000 / (t + 1))) }); t = w()!.thinkMaxMs * 2) kept = true;
    return kept;
  };

  const cluster = (): boolean => {
    let kept = false;
    const d = (): ScenarioDraft => best.draft;
    if (d().interleavePermille > 0 && edit('cluster', { interleavePermille: 0 })) kept = true;
    if ((d().lockFreeYieldPermille ?? 0) > 0 && edit('cluster', { lockFreeYieldPermille: 0 })) kept = true;
    if (d().latency.maxMs > d().latency.minMs && edit('cluster', { latency: { minMs: d().latency.minMs, maxMs: d().latency.minMs } })) kept = true;
    for (let w = Math.floor((d().walSize ?? CLUSTER_DEFAULTS.walSize) / 2); w >= 1024 && edit('cluster', { walSize: w }); w = Math.floor(w / 2)) kept = true;
    for (let l = Math.floor((d().leaseMs ?? CLUSTER_DEFAULTS.leaseMs) / 2); l >= 2 * CLUSTER_DEFAULTS.heartbeatIntervalMs && edit('cluster', { leaseMs: l }); l = Math.floor(l / 2)) kept = true;
    for (let f = (d().flusherIntervalMs ?? CLUSTER_DEFAULTS.flusherIntervalMs) * 2; f <= 3200 && edit('cluster', { flusherIntervalMs: f }); f *= 2) kept = true;
    if (d().wildcardListen && edit('cluster', { wildcardListen: false })) kept = true;
    if (d().legacyReplica !== null && edit('cluster', { legacyReplica: null })) kept = true;
    return kept;
  };

  const passes: Record<StructurePass, () => boolean> = {
    end,
    timeline: () => late() || chunked('timeline', (d) => d.timeline, (timeline) => ({ timeline })) || earlier() || shorter(),
    'message-faults': () => chunked('message-faults', (d) => d.messageFaults, (messageFaults) => ({ messageFaults })),
    injector, servers, workload, cluster, 'fault-phase': faultPhase, seed,
  };
  try {
    // The seed pass runs only once the others keep nothing under the current seed (a new seed can
    // need a fault the current one does without); after a seed is kept, the others go again.
    for (let reseeded = true; reseeded;) {
      for (let progress = true; progress;) {
        progress = false;
        for (const p of STRUCTURE_PASSES) if (p !== 'seed' && passes[p]()) progress = true;
      }
      reseeded = passes.seed();
    }
  } catch (e) {
    if (!(e instanceof OutOfBudget)) throw e;
  }
  return {
    draft: best.draft, run: best.run, original, candidates, stoppedBy,
    passes: STRUCTURE_PASSES.filter((p) => accepted.has(p)).map((p) => ({ pass: p, accepted: accepted.get(p)! })),
  };
}
