// Replay: a recorded run replays with every fingerprint matching and its outcome reproduced; a
// tampered trace (one fingerprint, one choice, the outcome, missing steps) is reported at the first
// step where it diverges, with what was expected and what happened.
import { describe, expect, it } from 'vitest';
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import { traceToLines, type Trace, type TraceStep } from '../../src/trace/format.ts';
import { parseTrace } from '../../src/trace/reader.ts';
import { replayTrace } from '../../src/trace/replay.ts';
import { recordRun, type TrackedRun } from './helpers.ts';

/** A default-profile seed; any outcome replays, so a later change in pass/fail does not matter. */
const SEED = 2;
const STEPS = 1500;
/** A calm seed that runs to completion (pass at the time of writing); used for a full-length replay. */
const CALM_SEED = 3;

/** The replayer's step comparison: time, actor, kind, detail and fingerprint. */
const same = (a: TraceStep | undefined, b: TraceStep | undefined): boolean =>
  a !== undefined && b !== undefined && a.fp === b.fp && a.kind === b.kind && a.t === b.t && a.actor === b.actor && a.detail === b.detail;

/** The trace as a reader would see it after a round trip through its file form. */
function viaFile(t: Trace): Trace {
  return parseTrace('tampered.jsonl', traceToLines(t));
}

let cached: TrackedRun | undefined;
function recorded(): TrackedRun {
  cached ??= recordRun(SEED, 'default', STEPS);
  return cached;
}

describe('replay of a recorded run', () => {
  it('passes: every fingerprint matches and the outcome reproduces', () => {
    const { result } = recorded();
    const report = replayTrace(viaFile(result.trace), makeClusterWorld);
    expect(report.divergence).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.replayed).toHaveLength(result.trace.steps.length);
    expect(report.replayed.map((s) => s.fp)).toEqual(result.trace.steps.map((s) => s.fp));
    expect(report.result?.trace.outcome).toEqual(result.trace.outcome);
    expect(report.result?.trace.choices).toEqual(result.trace.choices);
  });

  it('a full calm run replays to its recorded outcome', () => {
    const { result } = recordRun(CALM_SEED, 'calm', 2_000_000);
    expect(result.steps).toBeGreaterThan(1000);
    const report = replayTrace(viaFile(result.trace), makeClusterWorld);
    expect(report.ok).toBe(true);
    expect(report.result?.status).toBe(result.status);
    expect(report.result?.simulatedMs).toBe(result.simulatedMs);
  });
});

describe('replay of a tampered trace', () => {
  it('one changed fingerprint: divergence at exactly that step, naming both fingerprints', () => {
    const { result } = recorded();
    for (const k of [1, 700, result.trace.steps.length]) {
      const orig = result.trace.steps[k - 1]!;
      const steps = result.trace.steps.map((s) => (s.step === k ? { ...s, fp: '0000000000000bad' } : s));
      const report = replayTrace(viaFile({ ...result.trace, steps }), makeClusterWorld);
      expect(report.ok).toBe(false);
      expect(report.divergence?.step).toBe(k);
      expect(report.divergence?.expected).toContain('fp=0000000000000bad');
      expect(report.divergence?.actual).toContain(`fp=${orig.fp}`);
      expect(report.divergence?.actual).toContain(orig.kind);
      expect(report.replayed).toHaveLength(k); // replay stopped there
    }
  });

  it('one choice out of range: divergence at the step that consumed it', () => {
    const { result, sites } = recorded();
    for (const target of [1, 400, 1200]) {
      const j = sites.findIndex((s) => s.step >= target);
      expect(j).toBeGreaterThanOrEqual(0);
      const choices = result.trace.choices.map((x, i) => (i === j ? 1_000_000 : x));
      const report = replayTrace(viaFile({ ...result.trace, choices }), makeClusterWorld);
      expect(report.ok).toBe(false);
      expect(report.divergence?.step).toBe(sites[j]!.step);
      expect(report.divergence?.actual).toMatch(new RegExp(`choice sequence diverged: choice #${j} \\(${sites[j]!.kind.replace('.', '\\.')}\\)`));
    }
  });

  it('one scheduling choice changed to another valid option: the first divergence is reported, never before the change', () => {
    const { result, sites } = recorded();
    const orig = result.trace.steps;
    const candidates = sites.map((s, j) => ({ s, j })).filter(({ s }) => s.kind === 'sched.next' && s.step >= 300).slice(0, 6);
    expect(candidates.length).toBeGreaterThan(0);
    let exactHits = 0;
    for (const { s, j } of candidates) {
      const choices = result.trace.choices.map((x, i) => (i === j ? (x + 1) % s.n : x));
      const report = replayTrace(viaFile({ ...result.trace, choices }), makeClusterWorld);
      // Two same-instant events may commute (same kind, same resulting state): then nothing the
      // trace records can tell the runs apart and replay may pass.
      if (report.ok) continue;
      const d = report.divergence!;
      expect(d.step).toBeGreaterThanOrEqual(s.step);
      // Every step before the reported one matched the recording ...
      for (let i = 0; i < d.step - 1; i++) expect(same(report.replayed[i], orig[i]), `step ${i + 1}`).toBe(true);
      // ... and the reported step did not (or the choice sequence itself broke there).
      const at = report.replayed[d.step - 1];
      expect(!same(at, orig[d.step - 1]) || d.actual.startsWith('choice sequence diverged')).toBe(true);
      if (d.step === s.step) exactHits += 1;
    }
    // Running a different event first is visible in that very step for most such choices.
    expect(exactHits).toBeGreaterThan(0);
  });

  it('one changed actor: divergence at exactly that step (a different node ran the step)', () => {
    const { result } = recorded();
    const k = 500;
    const orig = result.trace.steps[k - 1]!;
    const steps = result.trace.steps.map((s) => (s.step === k ? { ...s, actor: orig.actor === 'n9' ? 'n8' : 'n9' } : s));
    const report = replayTrace(viaFile({ ...result.trace, steps }), makeClusterWorld);
    expect(report.ok).toBe(false);
    expect(report.divergence?.step).toBe(k);
  });

  it('a changed outcome is reported as an outcome divergence', () => {
    const { result } = recorded();
    const o = result.trace.outcome;
    const forged = o.status === 'pass'
      ? { ...o, status: 'fail' as const, invariant: 'E2', step: 5, message: 'forged' }
      : { type: 'outcome' as const, status: 'pass' as const, steps: o.steps, findings: o.findings };
    const report = replayTrace(viaFile({ ...result.trace, outcome: forged }), makeClusterWorld);
    expect(report.ok).toBe(false);
    expect(report.divergence?.expected).toMatch(/^outcome /);
    expect(report.divergence?.actual).toMatch(/^outcome /);
    expect(report.divergence?.expected).not.toBe(report.divergence?.actual);
  });

  it('missing step records: divergence at the first step beyond the recording', () => {
    const { result } = recorded();
    const keep = 900;
    const report = replayTrace(viaFile({ ...result.trace, steps: result.trace.steps.slice(0, keep) }), makeClusterWorld);
    expect(report.ok).toBe(false);
    expect(report.divergence?.step).toBe(keep + 1);
    expect(report.divergence?.expected).toBe('(no step)');
  });

  it('a changed seed in the header diverges early', () => {
    const { result } = recorded();
    const report = replayTrace(viaFile({ ...result.trace, header: { ...result.trace.header, seed: SEED + 1 } }), makeClusterWorld);
    // The seed only names the run (choices come from the recording), so either the world differs
    // and a fingerprint diverges, or the replay is faithful; it must never crash.
    if (!report.ok) expect(report.divergence?.step).toBeGreaterThanOrEqual(1);
    else expect(report.replayed).toHaveLength(result.trace.steps.length);
  });
});
