// RecoveryLog (spec §9.8): the engine's append-only record of recovery events, with the complete
// list of the 40 event names the orchestrator, driver and executors emit.
import type { RecoveryEvent, ReplicaID } from './types.ts';

/** All 40 event names of spec §9.8, in the spec's order. */
export const RECOVERY_EVENTS: readonly string[] = Object.freeze([
  'sender_added', 'sender_removed', 'session_invalidated', 'session_created', 'session_superseded', 'session_failed',
  'connect_failed', 'connected', 'handshake_failed', 'handshake', 'escalated', 'completed',
  'catchup_begin_failed', 'catchup_started', 'catchup_progress_failed', 'budget_escalated', 'truncation_failed',
  'truncation_recorded', 'completion_rejected',
  'rebuild_connect_failed', 'rebuild_connected', 'rebuild_source_failed', 'rebuild_source_selected', 'rebuild_failed',
  'rebuild_completed',
  'plan_truncate_only', 'wal_pin_failed', 'plan_catchup', 'snapshot_pin_failed', 'plan_rebuild_snapshot_tail',
  'full_base_pin_failed', 'plan_rebuild_full_base', 'plan_cancelled',
  'exec_catchup_started', 'exec_truncation', 'truncation_escalated', 'exec_completed', 'exec_resources_released',
  'exec_rebuild_started', 'exec_rebuild_completed',
]);

const KNOWN = new Set(RECOVERY_EVENTS);

/** True iff `name` is one of the 40 names of §9.8 (the log itself accepts any name, like Go). */
export function isRecoveryEventName(name: string): boolean {
  return KNOWN.has(name);
}

export class RecoveryLog {
  private readonly entries: RecoveryEvent[] = [];

  record(replicaID: ReplicaID, sessionID: number, event: string, detail: string): void {
    this.entries.push(Object.freeze({ replicaID, sessionID, event, detail }));
  }

  /** All events in order (a copy of the list; entries are frozen). */
  events(): readonly RecoveryEvent[] {
    return this.entries.slice();
  }

  eventsFor(replicaID: ReplicaID): RecoveryEvent[] {
    return this.entries.filter((e) => e.replicaID === replicaID);
  }

  length(): number {
    return this.entries.length;
  }

  canonical(): readonly RecoveryEvent[] {
    return this.entries.map((e) => ({ replicaID: e.replicaID, sessionID: e.sessionID, event: e.event, detail: e.detail }));
  }
}
