// Known data-path bugs of spec §13 that can be switched back on (mutation flags). Off by default:
// the default behaviour is the target commit plus every later fix, so the model checker can be
// validated by showing that each switched-on bug makes a check fire.

export const REPLICATION_BUGS = {
  B18: 'receiver reports a wildcard listen address (":port", "0.0.0.0:port", "[::]:port") raw instead of canonicalising it',
  B19: 'all-degraded distributed sync fails without attempting barriers; a degraded shipper resumes live shipping after a bare reconnect (no handshake, gap)',
  B26: 'BarrierOK carrying FlushedLSN 0 (legacy 1-byte reply) counts as a durable success and marks the shipper InSync',
  B28: 'a second StartReplicaReceiver on an already-running receiver re-binds the port and fails instead of being skipped',
  B29: 'no proactive reconnect: tryReconnect() does nothing, the shipper reconnects only inside Barrier',
} as const;
export type ReplicationBugId = keyof typeof REPLICATION_BUGS;

export type ReplicationBugSwitches = Readonly<Partial<Record<ReplicationBugId, boolean>>>;

/** True when bug `id` is switched on in `bugs`. */
export function bugOn(bugs: ReplicationBugSwitches | undefined, id: ReplicationBugId): boolean {
  return bugs !== undefined && bugs[id] === true;
}
