// The V2 control bridge: a master BlockVolumeAssignment (after AssignmentFromProto) as an engine
// AssignmentIntent. Identity rule: ReplicaID = "<volume-path>/<server-id>", never derived from
// an address. Same code at c7eb87c58 and 3ec8fab2f; what changed at 3ec8fab2f is that the
// ServerIDs it needs now reach it over the wire (assignment.ts assignmentFromWire).
// Ports, @3ec8fab2f:
//   weed/storage/blockvol/v2bridge/control.go  ControlBridge.ConvertAssignment,
//       convertPrimaryAssignment, convertReplicaAssignment, convertRebuildAssignment
//   sw-block/bridge/blockvol/control_adapter.go  ToAssignmentIntent (src/engine/adapter.ts)
// Logs (log.Printf of skipped replicas) are returned as data.
//
// UPSTREAM HAZARDS kept (pinned in test/control/volume/v2bridge_control.test.ts):
//  - convertPrimaryAssignment: a replica without ServerID is skipped ("fail closed"), so a
//    Primary assignment without ServerIDs — every lease grant (master_grpc_server.go
//    SendHeartbeat builds them from path/epoch/role/ttl only), and at c7eb87c58 every
//    assignment — yields an intent with NO replicas, and Registry.ApplyAssignment then removes
//    every sender the orchestrator holds.
//  - ConvertAssignment: roles None/Stale/Draining yield {Epoch} with no replicas: same removal.
//  - The orchestrator is one per BlockService (bs.v2Orchestrator), shared by all its volumes and
//    by its primary and replica roles: an intent for one path removes the senders of every other
//    path (v2_assignment.ts).
//  - convertReplicaAssignment / convertRebuildAssignment use the assignment's ReplicaDataAddr /
//    ReplicaCtrlAddr as the endpoint (the replica's own receiver, or '' for Rebuilding) and
//    AddrVersion 0 everywhere.
import { makeReplicaID, toAssignmentIntent, type MasterAssignment } from '../../engine/adapter.ts';
import { SessionKind, type AssignmentIntent } from '../../engine/types.ts';
import type { BlockVolumeAssignment } from './assignment.ts';
import { Role, roleFromWire } from './role.ts';

export interface ConvertResult {
  readonly intent: AssignmentIntent;
  /** Replicas skipped for lack of a ServerID (Go's log lines), by data address. */
  readonly skippedNoServerID: readonly string[];
}

function master(volumeName: string, epoch: number, role: string, replicaServerID = '', dataAddr = '', ctrlAddr = ''): MasterAssignment {
  return { volumeName, epoch, role, primaryServerID: '', replicaServerID, dataAddr, ctrlAddr, addrVersion: 0 };
}

/** Go ControlBridge.ConvertAssignment(a, localServerID). */
export function convertAssignment(a: BlockVolumeAssignment, localServerID: string): ConvertResult {
  const volumeName = a.path;
  switch (roleFromWire(a.role)) {
    case Role.Primary: {
      const replicas: MasterAssignment[] = [];
      const skipped: string[] = [];
      if (a.replicaAddrs.length > 0) {
        for (const ra of a.replicaAddrs) {
          const sid = ra.serverID ?? '';
          if (sid === '') { skipped.push(ra.dataAddr); continue; } // fail closed
          replicas.push(master(volumeName, a.epoch, 'replica', sid, ra.dataAddr, ra.ctrlAddr));
        }
      } else if ((a.replicaServerID ?? '') !== '' && a.replicaDataAddr !== '') {
        replicas.push(master(volumeName, a.epoch, 'replica', a.replicaServerID, a.replicaDataAddr, a.replicaCtrlAddr));
      } else if (a.replicaDataAddr !== '') {
        skipped.push(a.replicaDataAddr); // scalar replica without ServerID — skipping
      }
      return { intent: toAssignmentIntent(master(volumeName, a.epoch, 'primary'), replicas), skippedNoServerID: skipped };
    }
    case Role.Replica:
      return {
        intent: { epoch: a.epoch, replicas: [{ replicaID: makeReplicaID(volumeName, localServerID), endpoint: { dataAddr: a.replicaDataAddr, ctrlAddr: a.replicaCtrlAddr, version: 0 } }] },
        skippedNoServerID: [],
      };
    case Role.Rebuilding: {
      const id = makeReplicaID(volumeName, localServerID);
      return {
        intent: {
          epoch: a.epoch,
          replicas: [{ replicaID: id, endpoint: { dataAddr: a.replicaDataAddr, ctrlAddr: a.replicaCtrlAddr, version: 0 } }],
          recoveryTargets: { [id]: SessionKind.Rebuild },
        },
        skippedNoServerID: [],
      };
    }
    default:
      return { intent: { epoch: a.epoch, replicas: [] }, skippedNoServerID: [] };
  }
}
