// The master <-> volume-server message shapes for block volumes, and the small value helpers
// they need: roles on the wire, lease TTL on the wire, durability modes.
//
// Ports: weed/storage/blockvol/block_heartbeat.go (BlockVolumeInfoMessage,
// BlockVolumeShortInfoMessage, BlockVolumeAssignment, RoleFromWire/RoleToWire,
// LeaseTTLToWire), block_heartbeat_proto.go (AssignmentToProto / AssignmentFromProto),
// weed/storage/blockvol/role.go (Role values) and durability_mode.go (ParseDurabilityMode,
// Validate, RequiredReplicas). The Heartbeat / HeartbeatResponse shapes keep only the block
// fields of master_pb.Heartbeat / HeartbeatResponse.
//
// Left out: scrub statistics, disk type and block size are carried but unused by the master;
// ReplicaShipperStates (CP13-7) is not read by the master at this commit, so it is not carried.
// Time: every duration is an integer number of virtual milliseconds.
// ReplicaShipperStates: also at 3ec8fab2f the proto has no field for them (InfoMessageToProto
// unchanged), so the master still never sees them; see volume/shipper_status.ts.
import { DEFAULT_COMMIT, atLeast, type UpstreamCommit } from '../commits.ts';

// Roles on the wire (blockvol.Role, RoleFromWire) have one definition, in volume/role.ts.
import { Role } from '../volume/role.ts';
export { Role, roleFromWire, roleName } from '../volume/role.ts';
/** A role as the wire carries it (uint32). */
export type RoleValue = number;

// blockvol.LeaseTTLToWire has one definition, in volume/lease.ts.
export { leaseTTLToWire } from '../volume/lease.ts';

/** The TTL the master hard-codes into every assignment it builds (30 s in upstream). */
export const ASSIGNMENT_LEASE_TTL_MS = 30_000;
/** The LeaseTTL a created or auto-registered entry gets (30 s in upstream). */
export const DEFAULT_LEASE_TTL_MS = 30_000;

/** BlockVolumeInfoMessage: one volume's status in a full heartbeat. */
export interface BlockVolumeInfoMessage {
  path: string;
  volumeSize: number;
  blockSize: number;
  epoch: number;
  role: number;
  walHeadLsn: number;
  checkpointLsn: number;
  hasLease: boolean;
  diskType: string;
  replicaDataAddr: string;
  replicaCtrlAddr: string;
  healthScore: number;
  replicaDegraded: boolean;
  durabilityMode: string;
  nvmeAddr: string;
  nqn: string;
}

/** A BlockVolumeInfoMessage with every field at Go's zero value, overridden by `fields`. */
export function infoMessage(fields: Partial<BlockVolumeInfoMessage> & { path: string }): BlockVolumeInfoMessage {
  return {
    volumeSize: 0, blockSize: 0, epoch: 0, role: Role.None, walHeadLsn: 0, checkpointLsn: 0,
    hasLease: false, diskType: '', replicaDataAddr: '', replicaCtrlAddr: '', healthScore: 0,
    replicaDegraded: false, durabilityMode: '', nvmeAddr: '', nqn: '',
    ...fields,
  };
}

/** BlockVolumeShortInfoMessage: a volume appearing or disappearing in a delta heartbeat. */
export interface BlockVolumeShortInfoMessage {
  path: string;
  volumeSize: number;
  blockSize: number;
  diskType: string;
}

/** blockvol.ReplicaAddr: one replica's receiver endpoints and (V2) stable server identity. */
export interface ReplicaAddr {
  dataAddr: string;
  ctrlAddr: string;
  serverID: string;
}

/** BlockVolumeAssignment: role/epoch/lease for one volume, from master to volume server. */
export interface BlockVolumeAssignment {
  path: string;
  epoch: number;
  role: number;
  /** 0 = no lease. */
  leaseTtlMs: number;
  replicaDataAddr: string;
  replicaCtrlAddr: string;
  replicaServerID: string;
  rebuildAddr: string;
  replicaAddrs: ReplicaAddr[];
}

export function assignment(fields: Partial<BlockVolumeAssignment> & { path: string; epoch: number; role: number }): BlockVolumeAssignment {
  return {
    leaseTtlMs: 0, replicaDataAddr: '', replicaCtrlAddr: '', replicaServerID: '', rebuildAddr: '',
    replicaAddrs: [], ...fields,
  };
}

export function cloneAssignment(a: BlockVolumeAssignment): BlockVolumeAssignment {
  return { ...a, replicaAddrs: a.replicaAddrs.map((r) => ({ ...r })) };
}

/**
 * What the assignment looks like after the gRPC hop: AssignmentToProto then AssignmentFromProto.
 * When ReplicaAddrs is non-empty the scalar replica data/ctrl fields are dropped on the receiving
 * side (both commits).
 * - c7eb87c58, UPSTREAM HAZARD (block_heartbeat_proto.go: AssignmentToProto; master.proto
 *   ReplicaAddrMessage has no server_id, BlockVolumeAssignment no replica_server_id): the V2
 *   stable identities (ReplicaAddr.ServerID, ReplicaServerID) are dropped on the wire.
 * - 3ec8fab2f: both survive (replica_server_id = 9, server_id = 3). AssignmentFromProto sets
 *   ReplicaServerID unconditionally, so it is kept even when the scalar addresses are dropped
 *   (TestP10P1_ProtoRoundTrip_*).
 * The master facade returns assignments before this hop; a wiring that wants the real wire
 * applies this function with the commit it runs.
 */
export function assignmentOverWire(a: BlockVolumeAssignment, commit: UpstreamCommit = DEFAULT_COMMIT): BlockVolumeAssignment {
  const ids = atLeast(commit, '3ec8fab2f');
  const out = assignment({ path: a.path, epoch: a.epoch, role: a.role, leaseTtlMs: a.leaseTtlMs, rebuildAddr: a.rebuildAddr });
  if (ids) out.replicaServerID = a.replicaServerID;
  if (a.replicaAddrs.length > 0) {
    out.replicaAddrs = a.replicaAddrs.map((r) => ({ dataAddr: r.dataAddr, ctrlAddr: r.ctrlAddr, serverID: ids ? r.serverID : '' }));
  } else {
    out.replicaDataAddr = a.replicaDataAddr;
    out.replicaCtrlAddr = a.replicaCtrlAddr;
  }
  return out;
}

/**
 * The block part of master_pb.Heartbeat. A full block heartbeat carries blockVolumeInfos (or
 * hasNoBlockVolumes); a delta carries newBlockVolumes / deletedBlockVolumes; a plain volume
 * heartbeat carries none of them and still gets pending assignments and lease grants back.
 */
export interface Heartbeat {
  blockVolumeInfos: BlockVolumeInfoMessage[];
  hasNoBlockVolumes: boolean;
  newBlockVolumes: BlockVolumeShortInfoMessage[];
  deletedBlockVolumes: BlockVolumeShortInfoMessage[];
  blockNvmeAddr: string;
}

export function heartbeat(fields: Partial<Heartbeat> = {}): Heartbeat {
  return { blockVolumeInfos: [], hasNoBlockVolumes: false, newBlockVolumes: [], deletedBlockVolumes: [], blockNvmeAddr: '', ...fields };
}

/** The full block heartbeat a server with these volumes sends (collectBlockVolumeHeartbeat). */
export function fullHeartbeat(infos: BlockVolumeInfoMessage[], blockNvmeAddr = ''): Heartbeat {
  return heartbeat({ blockVolumeInfos: infos, hasNoBlockVolumes: infos.length === 0, blockNvmeAddr });
}

/** The block part of master_pb.HeartbeatResponse. */
export interface HeartbeatResponse {
  blockVolumeAssignments: BlockVolumeAssignment[];
}

// --- durability modes (blockvol/durability_mode.go) ---

export type DurabilityMode = 'best_effort' | 'sync_all' | 'sync_quorum';

/** ParseDurabilityMode: '' means best_effort. Returns null for an invalid mode. */
export function parseDurabilityMode(s: string): DurabilityMode | null {
  switch (s) {
    case '': case 'best_effort': return 'best_effort';
    case 'sync_all': return 'sync_all';
    case 'sync_quorum': return 'sync_quorum';
    default: return null;
  }
}

/** DurabilityMode.Validate: sync_quorum requires RF >= 3. Returns an error text or null. */
export function validateDurability(m: DurabilityMode, replicaFactor: number): string | null {
  return m === 'sync_quorum' && replicaFactor < 3 ? 'blockvol: sync_quorum requires replica_factor >= 3' : null;
}

/** DurabilityMode.RequiredReplicas: replicas that must exist at create time. */
export function requiredReplicas(m: DurabilityMode, replicaFactor: number): number {
  if (replicaFactor <= 1) return 0;
  if (m === 'sync_all') return replicaFactor - 1;
  if (m === 'sync_quorum') return Math.floor(replicaFactor / 2);
  return 0;
}
