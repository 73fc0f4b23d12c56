// `swsim coverage`: runs seeds S..S+N-1 in every selected (profile, control) combination and
// prints the coverage marks (src/marks) that no run hit, grouped by layer, with hits/total per
// layer; `--json` prints the same as one object. It answers "which branches of the ported code
// does the simulated cluster never exercise?" — docs/coverage.md lists the ones known to be
// unreachable and why. Wall-clock time is read here for reporting only.
import { DEFAULT_MAX_STEPS } from '../sim/cluster.ts';
import { CONTROL_MODES, isControlMode, type ControlMode } from '../sim/control_plane.ts';
import { isProfileName, PROFILE_NAMES, type ProfileName } from '../sim/profile.ts';
import { addMarkCounts, markSummaryText, summariseMarks } from '../marks/report.ts';
import { parseArgs, positive, UsageError, type CommandSpec } from './args.ts';
import { sweepMarks, type SweepCombo } from './coverage_sweep.ts';
import type { Io } from './io.ts';
import { defaultJobs } from './seed_pool.ts';

export const COVERAGE: CommandSpec = {
  name: 'coverage',
  args: '',
  summary: 'Run seeds in each profile and control plane and list the coverage marks no run hit, by layer.',
  flags: {
    profile: { kind: 'list', value: 'P', help: `only this profile (repeatable; default all: ${PROFILE_NAMES.join(', ')})` },
    control: { kind: 'list', value: 'C', help: `only this control plane (repeatable; default both: ${CONTROL_MODES.join(', ')})` },
    seeds: { kind: 'int', value: 'N', help: 'seeds per combination (default 30)' },
    from: { kind: 'int', value: 'S', help: 'first seed (default 1)' },
    jobs: { kind: 'int', value: 'N', help: `worker threads (default: the cores, ${defaultJobs()} here); the marks are the same for every N` },
    'max-steps': { kind: 'int', value: 'N', help: `step cap per run (default ${DEFAULT_MAX_STEPS})` },
    json: { kind: 'bool', help: 'print one JSON object: combos, counts, layers {hit,total}, hit, total, neverHit by layer' },
  },
  notes: 'Marks known to be unreachable in the simulated cluster are listed, with the reason, in docs/coverage.md.',
};

export async function runCoverageCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positional } = parseArgs(argv, COVERAGE);
  if (positional.length > 0) throw new UsageError(`coverage takes no positional arguments, got '${positional[0]}'`);
  const profiles = (flags['profile'] as string[] | undefined) ?? [...PROFILE_NAMES];
  for (const p of profiles) if (!isProfileName(p)) throw new UsageError(`--profile: expected one of ${PROFILE_NAMES.join(', ')}, got '${p}'`);
  const controls = (flags['control'] as string[] | undefined) ?? [...CONTROL_MODES];
  for (const c of controls) if (!isControlMode(c)) throw new UsageError(`--control: expected one of ${CONTROL_MODES.join(', ')}, got '${c}'`);
  const seeds = positive(flags, 'seeds') ?? 30;
  const from = (flags['from'] as number | undefined) ?? 1;
  const jobs = positive(flags, 'jobs') ?? defaultJobs();
  const maxSteps = positive(flags, 'max-steps') ?? DEFAULT_MAX_STEPS;
  const json = flags['json'] === true;
  const combos: SweepCombo[] = [];
  for (const profile of profiles as ProfileName[]) for (const control of controls as ControlMode[]) combos.push({ profile, control });

  let interrupted = false;
  const off = io.onInterrupt(() => { interrupted = true; });
  const started = Date.now();
  let results;
  try {
    results = await sweepMarks({
      combos, from, seeds, jobs, maxSteps, interrupted: () => interrupted,
    });
  } finally {
    off();
  }
  const all: Record<string, number> = {};
  for (const r of results) addMarkCounts(all, r.marks);
  const s = summariseMarks(all);
  const wallMs = Date.now() - started;
  if (json) {
    io.out(JSON.stringify({
      from, seeds, wallMs, interrupted,
      combos: results.map((r) => ({ profile: r.profile, control: r.control, seeds: r.seeds, failed: r.failed, hit: summariseMarks(r.marks).hit })),
      counts: s.counts, layers: s.layers, hit: s.hit, total: s.total, neverHit: s.neverHit,
    }) + '\n');
  } else {
    for (const r of results) io.out(`${r.profile}/${r.control}: ${r.seeds} seeds${r.failed > 0 ? ` (${r.failed} failed)` : ''}, ${summariseMarks(r.marks).hit} marks hit\n`);
    io.out(markSummaryText(s));
    io.out(`(${(wallMs / 1000).toFixed(1)}s; unreachable marks and why: docs/coverage.md)\n`);
  }
  return interrupted ? 130 : 0;
}
