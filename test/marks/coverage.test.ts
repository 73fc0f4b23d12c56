// Every coverage mark is either hit by the simulated cluster — within the witness seeds of
// witnesses.ts plus seeds 1-10 of every profile × control plane (upstream at both commits) — or listed in docs/coverage.md as
// unreachable today, with a reason. A mark neither hit nor listed fails; so does a listed mark that
// is hit (the list stays honest). The runs happen once, in this thread (about 10-20 s).
import { beforeAll, describe, expect, it } from 'vitest';
import { runSeedOutcome } from '../../src/cli/seed_outcome.ts';
import { MARK_NAMES } from '../../src/marks/index.ts';
import { CONTROL_MODES, UPSTREAM_COMMITS } from '../../src/sim/control_plane.ts';
import { PROFILE_NAMES } from '../../src/sim/profile.ts';
import { DEFAULT_MAX_STEPS } from '../../src/sim/cluster.ts';
import { WITNESSES, type Witness } from './witnesses.ts';
import { listedUnreachable } from './coverage_doc.ts';

const runs: Witness[] = [
  ...WITNESSES,
  ...PROFILE_NAMES.flatMap((profile) => CONTROL_MODES.flatMap((control) => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].flatMap((seed): Witness[] => (control === 'upstream'
    ? UPSTREAM_COMMITS.map((upstreamCommit) => ({ profile, control, upstreamCommit, seed }))
    : [{ profile, control, seed }])))),
];
/** Mark name → the first run that hit it. */
const hitBy = new Map<string, string>();

describe('coverage marks in the simulated cluster', () => {
  beforeAll(async () => {
    for (const w of runs) {
      const commit = w.upstreamCommit === undefined ? {} : { upstreamCommit: w.upstreamCommit };
      const o = await runSeedOutcome(w.seed, { profile: w.profile, control: w.control, ...commit, bugs: [], strict: false, maxSteps: DEFAULT_MAX_STEPS }, () => false);
      for (const m of Object.keys(o.marks)) if (!hitBy.has(m)) hitBy.set(m, `${w.profile}/${w.control}${w.upstreamCommit === undefined ? '' : `@${w.upstreamCommit}`}/${w.seed}`);
    }
  }, 180_000);

  const listed = listedUnreachable();

  it('docs/coverage.md lists only real marks, each with a reason', () => {
    const known = new Set<string>(MARK_NAMES);
    expect([...listed.keys()].filter((m) => !known.has(m))).toEqual([]);
    for (const [m, why] of listed) expect(why.length, m).toBeGreaterThan(10);
  });

  it('every mark is hit by some run or listed as unreachable (with a reason)', () => {
    const neither = MARK_NAMES.filter((m) => !hitBy.has(m) && !listed.has(m));
    expect(neither, `not hit by the witness seeds and not in docs/coverage.md; if the simulator changed, re-run npm run bench:coverage -- --seeds 60 and update test/marks/witnesses.ts`).toEqual([]);
  });

  it('the witness seeds still hit what they were chosen for (at least the non-listed marks)', () => {
    expect(hitBy.size).toBe(MARK_NAMES.length - listed.size);
  });

  it('no mark listed as unreachable is hit', () => {
    const wrong = [...listed.keys()].filter((m) => hitBy.has(m)).map((m) => `${m} (hit by ${hitBy.get(m)})`);
    expect(wrong, 'listed as unreachable in docs/coverage.md but hit: remove them from the list').toEqual([]);
  });
});
