// The V2 half of BlockService.ProcessAssignments: which assignments of a batch reach the V2
// engine (the idempotence guard of 3ec8fab2f), as which AssignmentIntent, and in which order
// relative to the recovery wiring and the V1 half.
// Ports:
//   weed/server/volume_server_block.go @3ec8fab2f  ProcessAssignments (the V2 loop),
//       lastAppliedAssignment, lastAppliedFrom, lastAppliedAssignment.equals,
//       isAssignmentUnchanged, recordAppliedAssignment
//   @c7eb87c58  ProcessAssignments: every assignment is converted and delivered, no guard, and
//       nothing consumes the engine's result (bs.v2Recovery is never constructed outside tests).
//
// How the simulator runs ProcessAssignments(batch) at 3ec8fab2f, in upstream's order:
//   1. `planV2Bridge(bs, batch, { commit })` → deliveries, in batch order (the guard state is
//      updated as it goes, so a path repeated inside one batch is compared with its predecessor).
//   2. For each `deliver`, sequentially: result = orchestrator.processAssignment(d.intent); then,
//      if `recoveryTriggered(result)` (recovery_wiring.ts), perform
//      `handleAssignmentResult(tasks, result, batch)`'s actions — including the drains, which
//      block this loop (and so the heartbeat stream's receive loop) until the old task exits —
//      before the next delivery.
//   3. Only then the V1 half over the whole batch (assignment.ts planVolumeAssignment +
//      replicationSetup(…, { commit })), unaffected by the guard.
//
// UPSTREAM HAZARDS kept (pinned in test/control/volume/v2_assignment.test.ts):
//  - recordAppliedAssignment runs before ConvertAssignment and before the V1 HandleAssignment:
//    an assignment whose V1 half fails (unknown volume, epoch regression, invalid transition) is
//    still "applied" for the guard, and its repeat is skipped by V2.
//  - equals ignores LeaseTtlMs and RebuildAddr: a Rebuilding assignment re-sent with a different
//    RebuildAddr at the same epoch is skipped by V2 (V1 still starts a rebuild to the new address).
//  - The guard compares with the last assignment for the path whatever came between: lease grants
//    (Primary, no replicas) alternate with full Primary assignments as different, so the first
//    grant after a full assignment is delivered — its intent has no replicas and removes every
//    sender (v2bridge_control.ts) — and later identical grants are skipped.
//  - lastAssign is never cleared (volume deletion, demotion); it is in memory only (restart).
import { DEFAULT_COMMIT, atLeast, type UpstreamCommit } from '../commits.ts';
import type { AssignmentIntent } from '../../engine/types.ts';
import type { BlockServiceState, BlockVolumeAssignment, ReplicaAddr } from './assignment.ts';
import { convertAssignment } from './v2bridge_control.ts';

/** Go lastAppliedAssignment (3ec8fab2f): no LeaseTtlMs, no RebuildAddr. */
export interface LastAppliedAssignment {
  readonly path: string;
  readonly epoch: number;
  readonly role: number;
  readonly replicaServerID: string;
  readonly replicaDataAddr: string;
  readonly replicaCtrlAddr: string;
  readonly replicaAddrs: readonly Required<ReplicaAddr>[];
}

/** Go lastAppliedFrom (copies the slice). */
export function lastAppliedFrom(a: BlockVolumeAssignment): LastAppliedAssignment {
  return {
    path: a.path, epoch: a.epoch, role: a.role, replicaServerID: a.replicaServerID ?? '',
    replicaDataAddr: a.replicaDataAddr, replicaCtrlAddr: a.replicaCtrlAddr,
    replicaAddrs: a.replicaAddrs.map((r) => ({ dataAddr: r.dataAddr, ctrlAddr: r.ctrlAddr, serverID: r.serverID ?? '' })),
  };
}

/** Go lastAppliedAssignment.equals: path, epoch, role, scalar id/addrs, and the replica list in order. */
export function lastAppliedEquals(la: LastAppliedAssignment, a: BlockVolumeAssignment): boolean {
  if (la.path !== a.path || la.epoch !== a.epoch || la.role !== a.role) return false;
  if (la.replicaServerID !== (a.replicaServerID ?? '') || la.replicaDataAddr !== a.replicaDataAddr || la.replicaCtrlAddr !== a.replicaCtrlAddr) return false;
  if (la.replicaAddrs.length !== a.replicaAddrs.length) return false;
  return la.replicaAddrs.every((r, i) => {
    const b = a.replicaAddrs[i]!;
    return r.dataAddr === b.dataAddr && r.ctrlAddr === b.ctrlAddr && r.serverID === (b.serverID ?? '');
  });
}

/** Go BlockService.isAssignmentUnchanged. */
export function isAssignmentUnchanged(bs: BlockServiceState, a: BlockVolumeAssignment): boolean {
  const last = bs.lastAssign?.[a.path];
  return last !== undefined && lastAppliedEquals(last, a);
}

/** Go BlockService.recordAppliedAssignment. */
export function recordAppliedAssignment(bs: BlockServiceState, a: BlockVolumeAssignment): BlockServiceState {
  return { ...bs, lastAssign: { ...(bs.lastAssign ?? {}), [a.path]: lastAppliedFrom(a) } };
}

export type V2Delivery =
  /** 3ec8fab2f: materially unchanged from the last one for this path — the V2 engine never sees it. */
  | { readonly kind: 'skipUnchanged'; readonly assignment: BlockVolumeAssignment }
  /** ConvertAssignment(a, localServerID) → orchestrator.ProcessAssignment(intent). */
  | {
    readonly kind: 'deliver';
    readonly assignment: BlockVolumeAssignment;
    readonly localServerID: string;
    readonly intent: AssignmentIntent;
    /** Replicas ConvertAssignment skipped for lack of a ServerID (data addresses). */
    readonly skippedNoServerID: readonly string[];
  };

export interface V2BridgeOptions {
  /** Default c7eb87c58 (no guard). */
  readonly commit?: UpstreamCommit;
}

/** ProcessAssignments' V2 loop, minus the engine and recovery calls the simulator makes per delivery. */
export function planV2Bridge(bs0: BlockServiceState, assignments: readonly BlockVolumeAssignment[], opts: V2BridgeOptions = {}): { bs: BlockServiceState; deliveries: V2Delivery[] } {
  const guard = atLeast(opts.commit ?? DEFAULT_COMMIT, '3ec8fab2f');
  let bs = bs0;
  const deliveries: V2Delivery[] = [];
  for (const a of assignments) {
    if (guard) {
      if (isAssignmentUnchanged(bs, a)) { deliveries.push({ kind: 'skipUnchanged', assignment: a }); continue; }
      bs = recordAppliedAssignment(bs, a);
    }
    const { intent, skippedNoServerID } = convertAssignment(a, bs.localServerID);
    deliveries.push({ kind: 'deliver', assignment: a, localServerID: bs.localServerID, intent, skippedNoServerID });
  }
  return { bs, deliveries };
}
