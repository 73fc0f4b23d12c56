// The flags `fuzz` and `run` share — profile, control plane, known-bug switches, strictness, the
// step cap — and how they resolve into run options, with a warning for a switch the simulated
// cluster cannot reach.
import { isKnownBug, unreachableReason } from '../check/bug_catalog.ts';
import { DEFAULT_MAX_STEPS } from '../sim/cluster.ts';
import { CONTROL_MODES, DEFAULT_RUN_UPSTREAM_COMMIT, isControlMode, isUpstreamCommit, UPSTREAM_COMMITS, type ControlMode, type UpstreamCommit } from '../sim/control_plane.ts';
import { isProfileName, PROFILE_NAMES, type ProfileName } from '../sim/profile.ts';
import type { StepCap, StrategySpec } from '../trace/format.ts';
import { DEFAULT_PCT_DEPTH, DEFAULT_PCT_STEPS } from '../explore/pct.ts';
import { positive, UsageError, type FlagDef, type Parsed } from './args.ts';
import type { Io } from './io.ts';

export const RUN_FLAGS: Readonly<Record<string, FlagDef>> = {
  profile: { kind: 'string', value: 'P', help: `fault profile: ${PROFILE_NAMES.join(', ')} (default: default, which draws every fault kind and, per seed, the control plane)` },
  control: { kind: 'string', value: 'C', help: `control plane for every seed: upstream (the master and block service ported from upstream) or ideal (a model of the intended V2 design, which drives the engine's recovery far more); default: upstream, except that profile default draws it per seed (ideal on one seed in three)` },
  'upstream-commit': { kind: 'string', value: 'X', help: `with --control upstream: the upstream commit to behave as, ${UPSTREAM_COMMITS.join(' or ')} (default ${DEFAULT_RUN_UPSTREAM_COMMIT}, which wires the V2 engine; c7eb87c58 runs none)` },
  bug: { kind: 'list', value: 'ID', help: "switch a known upstream bug back on (repeatable; see 'swsim bugs')" },
  strict: { kind: 'bool', help: 'candidate invariants (findings) fail the run too' },
  'max-steps': { kind: 'int', value: 'N', help: `stop each run after N steps; a run cut short is incomplete, not passed (default ${DEFAULT_MAX_STEPS}: reaching it is a LIVELOCK failure)` },
  'allow-incomplete': { kind: 'bool', help: 'exit 0 even when runs were cut short by --max-steps' },
};

export interface CommonRunFlags {
  readonly profile: ProfileName;
  /** The control plane asked for; absent: the profile's draw, else DEFAULT_CONTROL. */
  readonly control?: ControlMode;
  /** Under `upstream`: the commit (absent: DEFAULT_RUN_UPSTREAM_COMMIT). */
  readonly upstreamCommit?: UpstreamCommit;
  readonly bugs: string[];
  readonly strict: boolean;
  readonly maxSteps: number;
  readonly stepCap: StepCap;
  readonly allowIncomplete: boolean;
}

/** Resolve the shared flags; `quiet` suppresses the notes on stderr (--json). */
export function commonFlags(flags: Parsed['flags'], io: Io, quiet: boolean): CommonRunFlags {
  const bugs = (flags['bug'] as string[] | undefined) ?? [];
  for (const b of bugs) if (!isKnownBug(b)) throw new UsageError(`--bug: unknown bug id '${b}' (see 'swsim bugs')`);
  const given = flags['profile'] as string | undefined;
  if (given !== undefined && !isProfileName(given)) throw new UsageError(`--profile: expected one of ${PROFILE_NAMES.join(', ')}, got '${given}'`);
  const profile: ProfileName = (given as ProfileName | undefined) ?? 'default';
  if (!quiet) {
    for (const b of bugs) {
      const why = unreachableReason(b);
      if (why !== undefined) io.err(`note: ${b} cannot be reached by the simulated cluster (${why}); this run will not find it — its layer test does (docs/bugs.md)\n`);
    }
  }
  const asked = flags['control'] as string | undefined;
  if (asked !== undefined && !isControlMode(asked)) throw new UsageError(`--control: expected one of ${CONTROL_MODES.join(', ')}, got '${asked}'`);
  // --upstream-commit alone implies the upstream control plane.
  const control: ControlMode | undefined = asked ?? (flags['upstream-commit'] !== undefined ? 'upstream' : undefined);
  const commit = upstreamCommitFlag(flags, control);
  const cap = positive(flags, 'max-steps');
  return {
    profile, ...(control === undefined ? {} : { control }), ...(commit === undefined ? {} : { upstreamCommit: commit }), bugs, strict: flags['strict'] === true,
    maxSteps: cap ?? DEFAULT_MAX_STEPS, stepCap: cap === undefined ? 'livelock' : 'incomplete',
    allowIncomplete: flags['allow-incomplete'] === true,
  };
}

/** --upstream-commit: one of the known commits, and only with --control upstream. */
function upstreamCommitFlag(flags: Parsed['flags'], control: ControlMode | undefined): UpstreamCommit | undefined {
  const given = flags['upstream-commit'] as string | undefined;
  if (given === undefined) return undefined;
  if (!isUpstreamCommit(given)) throw new UsageError(`--upstream-commit: expected one of ${UPSTREAM_COMMITS.join(', ')}, got '${given}'`);
  if (control !== 'upstream') throw new UsageError(`--upstream-commit ${given} goes with --control upstream (the ideal control plane ports no upstream commit)`);
  return given;
}

export function replayCommand(file: string): string {
  return `npx swsim replay ${file}`;
}

/** The chooser strategy flags `fuzz`, `run` and `scenario` share. */
export const STRATEGY_FLAGS: Readonly<Record<string, FlagDef>> = {
  strategy: { kind: 'string', value: 'S', help: 'how choices are made: random (seeded, default) or pct (Probabilistic Concurrency Testing: random actor priorities decide same-instant events and delivery order; docs/model-checking.md)' },
  'pct-depth': { kind: 'int', value: 'D', help: `with --strategy pct: the bug depth d, d-1 priority change points (default ${DEFAULT_PCT_DEPTH}, 1-10)` },
  'pct-steps': { kind: 'int', value: 'K', help: `with --strategy pct: estimated scheduling decisions per run, the range of the change points (default ${DEFAULT_PCT_STEPS})` },
};

/** Resolve --strategy/--pct-depth/--pct-steps (undefined: seeded random). */
export function strategyFlags(flags: Parsed['flags']): StrategySpec | undefined {
  const s = (flags['strategy'] as string | undefined) ?? 'random';
  const depth = flags['pct-depth'] as number | undefined;
  const steps = flags['pct-steps'] as number | undefined;
  if (s === 'random') {
    if (depth !== undefined || steps !== undefined) throw new UsageError(`--${depth !== undefined ? 'pct-depth' : 'pct-steps'} goes with --strategy pct`);
    return undefined;
  }
  if (s !== 'pct') throw new UsageError(`--strategy: expected random or pct, got '${s}' (bounded search is 'swsim check SCENARIO')`);
  const d = depth ?? DEFAULT_PCT_DEPTH;
  if (!Number.isSafeInteger(d) || d < 1 || d > 10) throw new UsageError(`--pct-depth ${d}: expected 1..10`);
  const k = steps ?? DEFAULT_PCT_STEPS;
  if (!Number.isSafeInteger(k) || k < 1 || k > 100_000_000) throw new UsageError(`--pct-steps ${k}: expected 1..100000000`);
  return { name: 'pct', pct: { depth: d, steps: k } };
}
