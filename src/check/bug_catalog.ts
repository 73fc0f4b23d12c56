// The known-bug catalogue: every switch of every layer, by id, so `--bug ID` and a trace header's
// `bugs` can be validated and listed in one place, with the profile whose faults reach its code
// and, for the switches the simulated cluster cannot reach, the reason.
import { ENGINE_BUGS } from '../engine/context.ts';
import { REPLICATION_BUGS } from '../replication/bugs.ts';
import type { ProfileName } from '../sim/profile.ts';
import { STORAGE_BUGS } from '../storage/blockvol/bugs.ts';

export interface BugInfo {
  readonly id: string;
  readonly layer: 'engine' | 'storage' | 'replication';
  readonly description: string;
}

export const ALL_BUGS: readonly BugInfo[] = [
  ...Object.entries(ENGINE_BUGS).map(([id, description]) => ({ id, layer: 'engine' as const, description })),
  ...Object.entries(STORAGE_BUGS).map(([id, description]) => ({ id, layer: 'storage' as const, description: String(description) })),
  ...Object.entries(REPLICATION_BUGS).map(([id, description]) => ({ id, layer: 'replication' as const, description: String(description) })),
];

export function isKnownBug(id: string): boolean {
  return ALL_BUGS.some((b) => b.id === id);
}

/**
 * Switches whose buggy branch only a non-default profile's fault kinds reach (docs/bugs.md): an
 * old-version replica or wildcard binds (network), an idle quiet phase (crash), disk I/O errors
 * or multi-block writes (storage). Every other switch's home is `default`.
 */
const HOME_PROFILE: Readonly<Record<string, ProfileName>> = {
  B8: 'network', B18: 'network', B19: 'network', B26: 'network', B31: 'network',
  B29: 'crash',
  B30: 'storage', B32: 'storage',
};

export function homeProfileOf(id: string): ProfileName {
  return HOME_PROFILE[id] ?? 'default';
}

/** The profile to run when --profile is not given: the switches' common home, else `default`. */
export function homeProfile(bugs: readonly string[]): ProfileName {
  const homes = [...new Set(bugs.map(homeProfileOf))];
  return homes.length === 1 ? homes[0]! : 'default';
}

/**
 * Switches whose buggy branch no run of the simulated cluster reaches (README, "Exceptions"): a
 * layer test catches each instead. `--bug` with one of them warns that the run cannot find it.
 */
const UNREACHABLE: Readonly<Record<string, string>> = {
  B4: 'nothing in the system hands the engine a nil history',
  B7: 'simulated volumes always have a valid, non-zero checkpoint, so full-base rebuilds never arise',
  B9: 'simulated volumes always have a valid, non-zero checkpoint, so rebuild pins never fail',
  B12a: 'the executors are the only callers and always use the sender API correctly',
  B12b: 'the executors are the only callers and always use the sender API correctly',
  B12c: 'the executors are the only callers and always use the sender API correctly',
  B12d: 'the executors are the only callers and always use the sender API correctly',
  B23: 'a truncation that succeeds while entries above its target are unflushed does not arise (docs/bugs.md)',
  B27: 'simulated volumes report CommittedLSN = HeadLSN, so committed-0 snapshot choices and rebuild targets never arise',
};

/** Why the simulated cluster cannot reach switch `id`, or undefined when it can. */
export function unreachableReason(id: string): string | undefined {
  return UNREACHABLE[id];
}
