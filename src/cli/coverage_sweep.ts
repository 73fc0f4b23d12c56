// Runs a fixed seed budget over (profile, control) combinations and adds up the coverage marks
// each combination hit: the engine behind `swsim coverage` and `npm run bench:coverage`. Seeds run
// through the fuzz pool (in this thread, or on worker threads with jobs > 1), so the marks of a
// seed are the same whichever runs it.
import type { ControlMode } from '../sim/control_plane.ts';
import type { ProfileName } from '../sim/profile.ts';
import { addMarkCounts } from '../marks/report.ts';
import { runInProcess, runInWorkers } from './seed_pool.ts';
import type { SeedOutcome } from './seed_outcome.ts';

export interface SweepCombo {
  readonly profile: ProfileName;
  readonly control: ControlMode;
}

export interface ComboResult extends SweepCombo {
  readonly seeds: number;
  readonly failed: number;
  /** Mark hits of this combination. */
  readonly marks: Record<string, number>;
}

export interface SweepOptions {
  readonly combos: readonly SweepCombo[];
  readonly from: number;
  readonly seeds: number;
  readonly jobs: number;
  readonly maxSteps: number;
  /** Ctrl-C: stop handing out seeds and end running ones. */
  readonly interrupted: () => boolean;
  /** Each seed's outcome as it is delivered (progress). */
  readonly onSeed?: (combo: SweepCombo, o: SeedOutcome) => void;
}

export async function sweepMarks(o: SweepOptions): Promise<ComboResult[]> {
  const out: ComboResult[] = [];
  for (const combo of o.combos) {
    if (o.interrupted()) break;
    const marks: Record<string, number> = {};
    let seeds = 0, failed = 0;
    let k = 0;
    const next = (): number | null => (k < o.seeds ? o.from + k++ : null);
    const hooks = {
      deliver: (s: SeedOutcome): void => {
        if (s.status === 'interrupted') return;
        seeds += 1;
        if (s.status === 'fail') failed += 1;
        addMarkCounts(marks, s.marks);
        o.onSeed?.(combo, s);
      },
      mayStart: () => !o.interrupted(),
      interrupted: o.interrupted,
    };
    const options = { profile: combo.profile, control: combo.control, bugs: [], strict: false, maxSteps: o.maxSteps, stepCap: 'livelock' as const };
    if (o.jobs <= 1) await runInProcess(next, options, hooks);
    else await runInWorkers(o.jobs, next, options, hooks);
    out.push({ ...combo, seeds, failed, marks });
  }
  return out;
}
