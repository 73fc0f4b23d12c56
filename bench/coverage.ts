// `npm run bench:coverage`: a fixed seed budget in every (profile, control) combination; prints the
// coverage marks hit / defined per layer, each combination's share, the marks never hit (by layer),
// and a small set of witness seeds that together hit every mark the budget hit (greedy cover) —
// the table test/marks/witnesses.ts records, so the coverage test can re-check them in seconds.
// Wall-clock reads are allowed here (reporting only).
// Usage: tsx bench/coverage.ts [--seeds N] [--from S] [--jobs N] [--json]
import { performance } from 'node:perf_hooks';
import { sweepMarks, type SweepCombo } from '../src/cli/coverage_sweep.ts';
import { defaultJobs } from '../src/cli/seed_pool.ts';
import { addMarkCounts, markSummaryText, summariseMarks } from '../src/marks/report.ts';
import { CONTROL_MODES } from '../src/sim/control_plane.ts';
import { PROFILE_NAMES } from '../src/sim/profile.ts';
import { DEFAULT_MAX_STEPS } from '../src/sim/cluster.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const seeds = Number(flag('seeds', '30'));
const from = Number(flag('from', '1'));
const jobs = Number(flag('jobs', String(defaultJobs())));
const json = process.argv.includes('--json');
const combos: SweepCombo[] = PROFILE_NAMES.flatMap((profile) => CONTROL_MODES.map((control) => ({ profile, control })));

interface SeedMarks { readonly key: string; readonly marks: ReadonlySet<string> }
const perSeed: SeedMarks[] = [];
const start = performance.now();
const results = await sweepMarks({
  combos, from, seeds, jobs, maxSteps: DEFAULT_MAX_STEPS, interrupted: () => false,
  onSeed: (c, o) => perSeed.push({ key: `${c.profile}/${c.control}/${o.seed}`, marks: new Set(Object.keys(o.marks)) }),
});
const wallMs = performance.now() - start;
const all: Record<string, number> = {};
for (const r of results) addMarkCounts(all, r.marks);
const summary = summariseMarks(all);

// Greedy set cover: the seed adding most uncovered marks first, ties to the earlier seed.
const uncovered = new Set(Object.keys(summary.counts));
const witnesses: { key: string; marks: string[] }[] = [];
while (uncovered.size > 0) {
  let best: SeedMarks | null = null, gain = 0;
  for (const s of perSeed) {
    let g = 0;
    for (const m of s.marks) if (uncovered.has(m)) g++;
    if (g > gain) { best = s; gain = g; }
  }
  if (best === null) break;
  const got = [...best.marks].filter((m) => uncovered.has(m));
  for (const m of got) uncovered.delete(m);
  witnesses.push({ key: best.key, marks: got });
}

if (json) {
  console.log(JSON.stringify({ seeds, from, wallMs: Math.round(wallMs), layers: summary.layers, hit: summary.hit, total: summary.total, neverHit: summary.neverHit,
    combos: results.map((r) => ({ profile: r.profile, control: r.control, seeds: r.seeds, failed: r.failed, hit: summariseMarks(r.marks).hit })), witnesses }));
} else {
  console.log(`swsim coverage bench: seeds ${from}..${from + seeds - 1} in ${combos.length} combinations, ${jobs} job(s), ${(wallMs / 1000).toFixed(1)} s`);
  for (const r of results) console.log(`  ${`${r.profile}/${r.control}`.padEnd(18)} ${summariseMarks(r.marks).hit} marks${r.failed > 0 ? ` (${r.failed} failing seeds)` : ''}`);
  process.stdout.write(markSummaryText(summary));
  console.log(`witness seeds (${witnesses.length}) covering every mark hit:`);
  for (const w of witnesses) console.log(`  ${w.key}: ${w.marks.length} new (${w.marks.slice(0, 4).join(', ')}${w.marks.length > 4 ? ', …' : ''})`);
}
