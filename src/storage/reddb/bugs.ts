// Switches of the reddb port. `h12fix` repairs the stored version's partial-magic edge (hazard
// H12); it is off by default so the port behaves as the stored code. The planted bugs exist only so
// tests can show that each check R1-R5 has teeth; they are never real reddb behaviour.

export const REDDB_PLANTED_BUGS = {
  ackBeforeFsync: 'R1: append acknowledges without sync_all (an acked frame can be lost by a crash)',
  staleIndexAfterPrune: 'R2: prune_through keeps the pre-prune seek index and write offset',
  pruneIgnoresFloor: 'R3: prune_retained_wal_through prunes through `archived`, ignoring the slot floor',
  resumeBoundaryOffByOne: 'R4: slot_rebootstrap_reason needs oldest <= floor instead of oldest <= floor + 1',
  advanceLowersRestart: 'R5: advance_slot sets restart_lsn to the durable ack instead of raising it',
} as const;
export type ReddbPlantedBug = keyof typeof REDDB_PLANTED_BUGS;

export interface ReddbSwitches {
  /** Treat 1-3 stray bytes at the end of the spool as a torn frame and truncate them (fixes H12). */
  readonly h12fix?: boolean;
  readonly planted?: Readonly<Partial<Record<ReddbPlantedBug, boolean>>>;
}

export function planted(s: ReddbSwitches | undefined, bug: ReddbPlantedBug): boolean {
  return s?.planted?.[bug] === true;
}
