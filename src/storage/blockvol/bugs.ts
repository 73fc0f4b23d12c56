// Known storage bugs of spec §13 that can be switched back on (all off by default: default =
// the target commit plus every later fix). Passed to a volume in its options; the model checker's
// self-test turns one on and expects the matching check (docs/storage.md) to fire.

export const STORAGE_BUGS = {
  B20: 'status WALTailLSN reports the WAL physical tail byte offset; ScanWALEntries uses the live (in-memory) flusher checkpoint as its recycled boundary',
  B23: 'TruncateToLSN checks the checkpoint before pausing the flusher and draining I/O (a flush between check and reset makes a "safe" truncation unsafe)',
  B30: 'superblock persisted without superMu: a writer copies the in-memory superblock, and the stale copy can overwrite a newer WALTail/checkpoint',
  B31: 'TruncateToLSN and RebuildInstaller.Commit run without exclusive ioMu (writes and replica applies race the reset)',
  B32: 'flusher reads one WAL-entry buffer per dirty block instead of one per distinct WAL entry',
} as const;
export type StorageBugId = keyof typeof STORAGE_BUGS;
export type StorageBugSwitches = Readonly<Partial<Record<StorageBugId, boolean>>>;

export function bugOn(bugs: StorageBugSwitches, id: StorageBugId): boolean {
  return bugs[id] === true;
}
