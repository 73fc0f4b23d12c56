// The known-bug catalogue as the CLI sees it: every switch of every layer, by id, so `--bug ID`
// can be validated and listed in one place, with the profile whose faults reach its code.
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
