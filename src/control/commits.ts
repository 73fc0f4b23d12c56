// Which upstream commit the control-plane port behaves as. The two commits differ only in a few
// well-separated places, so one switch, passed as a `commit` option to the affected functions,
// selects between them (default: the original port's commit, so existing callers are unchanged):
//
//   c7eb87c58  the commit src/control was first ported from.
//   3ec8fab2f  "Phase 10 — control-plane closure (identity, convergence, idempotence)":
//              - master.proto gains BlockVolumeAssignment.replica_server_id and
//                ReplicaAddrMessage.server_id; AssignmentToProto/FromProto carry them
//                (master/messages.ts assignmentOverWire, volume/assignment.ts assignmentFromWire)
//              - CreateBlockVolume's primary assignment carries the replicas' ServerIDs
//                (master/index.ts createBlockVolume)
//              - evaluatePromotionLocked skips the wal_lag gate when the primary is not
//                block-capable (EC-6; master/promotion.ts evaluatePromotion)
//              - BlockService.SetServerID(volumeServerId) (volume/identity.ts)
//              - ProcessAssignments' V2 idempotence guard and RecoveryManager wiring
//                (volume/v2_assignment.ts, volume/recovery_wiring.ts), and the
//                setupPrimaryReplication(Multi) idempotence guards (volume/assignment.ts)
//              - RestoreBlockSnapshot RPC (left out: snapshots are not modelled)
export const UPSTREAM_COMMITS = ['c7eb87c58', '3ec8fab2f'] as const;
export type UpstreamCommit = (typeof UPSTREAM_COMMITS)[number];

/** The commit every `commit` option defaults to (the original port). */
export const DEFAULT_COMMIT: UpstreamCommit = 'c7eb87c58';

/** True when `commit` includes the changes of `since` (the commits are totally ordered). */
export function atLeast(commit: UpstreamCommit, since: UpstreamCommit): boolean {
  return UPSTREAM_COMMITS.indexOf(commit) >= UPSTREAM_COMMITS.indexOf(since);
}
