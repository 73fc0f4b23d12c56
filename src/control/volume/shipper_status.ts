// Per-replica shipper status in block heartbeats (ReplicaShipperStatus), and where it stops.
// Ports, identical at c7eb87c58 and 3ec8fab2f (CP13-7; 3ec8fab2f's commit message lists
// "Per-replica heartbeat state reporting (ReplicaShipperStatus)", but its diff touches none of it):
//   weed/storage/blockvol/shipper_group.go  ReplicaShipperStatus {DataAddr, State, FlushedLSN},
//       ShipperGroup.ShipperStates (src/replication/shipper_group.ts shipperStates)
//   weed/storage/blockvol/blockvol.go  BlockVol.ReplicaShipperStates (nil without a shipper group)
//   weed/storage/blockvol/block_heartbeat.go  BlockVolumeInfoMessage.ReplicaShipperStates, filled
//       by ToBlockVolumeInfoMessage
//   weed/storage/blockvol/block_heartbeat_proto.go  InfoMessageToProto: no field, dropped
//   weed/pb/master.proto  BlockVolumeInfoMessage: no per-replica field at either commit
// So the master receives nothing of it and does nothing with it, at 3ec8fab2f as before: it still
// learns only ReplicaDegraded (any shipper degraded) and the first replica's address
// (heartbeat.ts). The only reader is the volume server's debug handler
// (volume_server_block_debug.go, left out). UPSTREAM HAZARD (kept from docs/control-volume.md
// hazard 10): a replica in needs_rebuild is invisible to the master; nothing in the master's
// heartbeat path can react to it.
import type { ShipperStatus } from '../../replication/shipper_group.ts';
import type { BlockVolumeInfoMessage } from './heartbeat.ts';

/** Go blockvol.ReplicaShipperStatus; State is the ReplicaState string ("needs_rebuild", …). */
export type ReplicaShipperStatus = ShipperStatus;

/** The Go-side BlockVolumeInfoMessage: the proto content plus ReplicaShipperStates (nil = no shipper group). */
export interface BlockVolumeInfoWithShippers extends BlockVolumeInfoMessage {
  readonly replicaShipperStates: readonly ReplicaShipperStatus[] | null;
}

/** ToBlockVolumeInfoMessage's ReplicaShipperStates: vol.ReplicaShipperStates(). */
export function withReplicaShipperStates(msg: BlockVolumeInfoMessage, groupStates: readonly ReplicaShipperStatus[] | null): BlockVolumeInfoWithShippers {
  return { ...msg, replicaShipperStates: groupStates === null ? null : groupStates.map((s) => ({ ...s })) };
}

/** InfoMessageToProto at c7eb87c58 and 3ec8fab2f: ReplicaShipperStates has no proto field. */
export function infoMessageToProto(msg: BlockVolumeInfoWithShippers): BlockVolumeInfoMessage {
  const { replicaShipperStates: _dropped, ...wire } = msg;
  return wire;
}
