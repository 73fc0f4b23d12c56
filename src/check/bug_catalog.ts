// The known-bug catalogue: every switch of every layer, by id, so `--bug ID` and a trace header's
// `bugs` can be validated and listed in one place, with, for the switches the simulated cluster
// cannot reach, the reason. Every other switch is reached by the default profile (docs/bugs.md).
import { ENGINE_BUGS } from '../engine/context.ts';
import { REPLICATION_BUGS } from '../replication/bugs.ts';
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
 * Switches whose buggy branch no run of the simulated cluster reaches (README, "Exceptions"): a
 * layer test catches each instead. `--bug` with one of them warns that the run cannot find it.
 */
const UNREACHABLE: Readonly<Record<string, string>> = {
  B4: 'nothing in the system hands the engine a nil history',
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
