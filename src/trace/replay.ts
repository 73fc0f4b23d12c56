// Replays a recorded trace: re-executes the header's run with the recorded choice sequence,
// compares every step's fingerprint with the recording, and stops at the first divergence.
// A replay passes when every fingerprint matches and the recorded outcome reproduces.
import { ReplayChooser, ReplayDivergence } from '../sim/chooser.ts';
import type { Trace, TraceStep } from './format.ts';
import { runSeed, type RunResult, type WorldFactory } from './run.ts';

export interface Divergence {
  readonly step: number;
  readonly expected: string;
  readonly actual: string;
}

export interface ReplayReport {
  readonly ok: boolean;
  readonly divergence?: Divergence;
  readonly result?: RunResult;
  readonly replayed: TraceStep[];
}

function describe(s: TraceStep | undefined): string {
  if (s === undefined) return '(no step)';
  return `t=${s.t} ${s.actor} ${s.kind}${s.detail !== undefined ? ` ${s.detail}` : ''} fp=${s.fp}`;
}

function outcomeLine(o: Trace['outcome']): string {
  return o.status === 'fail' ? `fail ${o.invariant} at step ${o.step}` : `${o.status} after ${o.steps} steps`;
}

export function replayTrace(trace: Trace, make: WorldFactory): ReplayReport {
  const h = trace.header;
  const chooser = new ReplayChooser(trace.choices, 'fail');
  const replayed: TraceStep[] = [];
  let divergence: Divergence | undefined;
  let result: RunResult;
  try {
    result = runSeed(
      { seed: h.seed, profile: h.profile, bugs: h.bugs, strict: h.strict, maxSteps: h.maxSteps, record: false, check: true,
        onStep: (rec) => {
          replayed.push(rec);
          const want = trace.steps[rec.step - 1];
          if (want === undefined || want.fp !== rec.fp || want.kind !== rec.kind || want.t !== rec.t || want.actor !== rec.actor || want.detail !== rec.detail) {
            divergence = { step: rec.step, expected: describe(want), actual: describe(rec) };
            return false;
          }
          return true;
        } },
      make, chooser);
  } catch (e) {
    if (!(e instanceof ReplayDivergence)) throw e;
    const step = replayed.length + 1;
    return { ok: false, divergence: { step, expected: describe(trace.steps[step - 1]), actual: `choice sequence diverged: ${e.message}` }, replayed };
  }
  if (divergence !== undefined) return { ok: false, divergence, result, replayed };
  if (trace.steps.length > 0 && result.steps < trace.steps.length) {
    const step = result.steps + 1;
    return { ok: false, divergence: { step, expected: describe(trace.steps[step - 1]), actual: '(run ended)' }, result, replayed };
  }
  const got = result.trace.outcome;
  const want = trace.outcome;
  if (got.status !== want.status || got.invariant !== want.invariant || got.step !== want.step) {
    return { ok: false, divergence: { step: result.steps, expected: `outcome ${outcomeLine(want)}`, actual: `outcome ${outcomeLine(got)}` }, result, replayed };
  }
  return { ok: true, result, replayed };
}
