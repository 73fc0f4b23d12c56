// The known-bug catalogue as the CLI sees it: every switch of every layer, by id, so `--bug ID`
// can be validated and listed in one place.
import { ENGINE_BUGS } from '../engine/context.ts';
import { REPLICATION_BUGS } from '../replication/bugs.ts';
import { STORAGE_BUGS } from '../storage/bugs.ts';

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
