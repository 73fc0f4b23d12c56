// One engine instance's process-wide state: the session-ID counter (Go keeps it as a package
// global; here each simulated primary owns one, spec §0.2) and the known-bug switches that
// restore pre-fix behaviour for the model checker's self-test (spec §13). All switches are off
// by default: default behaviour = target commit c7eb87c5 plus every later fix listed in §13.

/** Known engine bugs that can be switched back on. Each id names the spec §13 entry. */
export const ENGINE_BUGS = {
  B4: 'nil RetainedHistory is dereferenced instead of rejected (RecordHandshakeFromHistory / SelectRebuildFromHistory)',
  B5: 'ProcessAssignment logs session_invalidated/endpoint_changed for every supersede, even with an unchanged endpoint',
  B7: 'PlanRebuild full_base acquires no full-base pin',
  B8: 'PlanRecovery pins WAL for truncation-only plans; PlanRebuild skips its preconditions',
  B9: 'PlanRebuild leaves the rebuild session active when a pin fails',
  B11: 'RebuildExecutor re-derives source and target from current storage instead of the plan',
  B12a: 'frozen target enforced only when a budget exists (catch-up can chase a moving head)',
  B12b: 'rebuild sessions may be driven and completed through the catch-up APIs',
  B12c: 'omitting the tick silently disables stall detection (no "tick required" error)',
  B12d: 'rebuild source may be selected without a handshake (no phase check)',
  B13: 'registry keyed by address: a changed DataAddr stops the old sender and creates a new one',
  B27: 'CommittedLSN == 0: snapshot_tail chosen (no full_base fallback, 943000ae8) and PlanRebuild targets 0 (no HeadLSN fallback, a79cba0be); the pair is restored together',
} as const;
export type EngineBugId = keyof typeof ENGINE_BUGS;

export type EngineBugSwitches = Readonly<Partial<Record<EngineBugId, boolean>>>;

export class EngineContext {
  private lastSessionID = 0;

  constructor(readonly bugs: EngineBugSwitches = {}) {}

  /** Next session ID: first is 1, never 0, never reused within this engine instance. */
  allocateSessionID(): number {
    this.lastSessionID += 1;
    return this.lastSessionID;
  }

  /** Highest ID allocated so far (0 before the first session). */
  get lastAllocatedSessionID(): number {
    return this.lastSessionID;
  }

  bug(id: EngineBugId): boolean {
    return this.bugs[id] === true;
  }
}
