// Why a replica did not converge under the UPSTREAM control plane, when the cause is the ported
// control plane's own behaviour (a finding with its evidence in upstream's code) rather than a
// porting error. Each cause is proven from state the checker can see: the master's registry,
// the primary's shipper group and each server's block-service control state. The explanations
// cite the upstream function (c7eb87c58) that produces the state; docs/findings.md has the table.
import { Role } from '../control/volume/role.ts';
import type { Cluster } from '../sim/cluster.ts';
import type { VolumeNode } from '../sim/node.ts';
import { UpstreamControl } from '../sim/upstream_control.ts';

/** The finding that explains replica `n` not converging under primary `p`, or null. */
export function upstreamStallCause(c: Cluster, p: VolumeNode, n: VolumeNode): string | null {
  if (!(c.control instanceof UpstreamControl)) return null;
  const entry = c.control.master.registry.lookup(c.control.volumeName);
  if (entry === null || p.agent === null) return null;
  const listed = entry.replicas.find((r) => r.server === n.serverID);
  const pc = p.agent.control();
  // H31: after a restart the primary is RoleNone; the master's lease grant (a Primary assignment
  // without replica addresses) promotes it, and ProcessAssignments sets up no replication for an
  // assignment without addresses — it serves writes with local-only group commit, forever.
  if (pc.role === Role.Primary && !pc.hasShipperGroup && entry.replicas.length > 0) {
    return ' (the primary restarted in RoleNone and was promoted again by a lease grant — a Primary assignment without replica addresses (master_grpc_server.go SendHeartbeat + BlockVolumeRegistry.LeaseGrants; promotion.go HandleAssignment none→primary) — so ProcessAssignments set up no shipper group (volume_server_block.go setupPrimaryReplication needs addresses): it acknowledges writes with local-only group commit while the master lists this replica: finding H31)';
  }
  // H37: a primary the master deposed while its stream was down (a partition or a reset stream,
  // not a crash: it comes back still Primary) is sent a Rebuilding assignment, which
  // HandleAssignment rejects — Primary → Rebuilding is no valid transition, only Primary → Stale
  // is, and the master never sends Stale. It stays primary at its old epoch for good.
  const nc = n.agent?.control();
  if (nc !== undefined && nc.role === Role.Primary && entry.volumeServer !== n.serverID && listed !== undefined) {
    return ` (${n.name} was deposed while its heartbeat stream was down and came back still primary at epoch ${nc.epoch}; the master counts it as a replica and sends it a Rebuilding assignment (master_block_failover.go recoverBlockVolumes), which promotion.go HandleAssignment rejects — Primary → Rebuilding is not a valid transition, only Primary → Stale is, and nothing sends Stale — so it never leaves the primary role, never receives, and its full heartbeats even report its first shipper's target as its own replica address (UpdateFullHeartbeat's replica branch stores it): finding H37)`;
  }
  // H32: the replica is in the registry, but the primary's current shipper group has no shipper
  // for it: the last Primary assignment it applied did not list it.
  const shipped = p.group?.shippers().some((s) => listed !== undefined && listed.dataAddr !== '' && s.dataAddr === listed.dataAddr) ?? false;
  if (listed !== undefined && listed.dataAddr !== '' && !shipped) {
    return ' (the master lists this replica but the primary\'s shipper group does not: the Primary refresh that recoverBlockVolumes queues for a returning replica is built from the entry read before AddReplica (master_block_failover.go recoverBlockVolumes), and a replica the master dropped on disconnect is never announced to the primary (failoverBlockVolumes): finding H32)';
  }
  // H36: the primary's shipper put the replica in NeedsRebuild, which the master cannot see: the
  // heartbeat carries no per-replica state (InfoMessageToProto), entering NeedsRebuild fires no
  // state-change heartbeat (wal_shipper.go), and at c7eb87c58 no V2 engine runs to rebuild it.
  const shipper = p.group?.shippers().find((s) => listed !== undefined && s.dataAddr === listed.dataAddr) ?? null;
  if (shipper !== null && shipper.state() === 'needs_rebuild' && p.recovery === null) {
    return ' (the primary\'s shipper put it in NeedsRebuild, which the master never learns — a heartbeat carries no per-replica state (block_heartbeat_proto.go InfoMessageToProto) and entering NeedsRebuild fires no state-change heartbeat (wal_shipper.go) — and no V2 engine runs at c7eb87c58 to rebuild it, so nothing ever does: finding H36)';
  }
  // H33: a replica assigned Rebuilding with an empty rebuild address never starts a rebuild —
  // a promotion clears RebuildListenAddr and nothing sets it again.
  if (nc !== undefined && nc.role === Role.Rebuilding && entry.rebuildListenAddr === '') {
    return ' (it holds a Rebuilding assignment with an empty rebuild address: a promotion clears RebuildListenAddr (master_block_registry.go applyPromotionLocked) and nothing sets it again, so startRebuild is never called (volume_server_block.go ProcessAssignments) and the server stays Rebuilding: finding H33)';
  }
  return null;
}

/**
 * Why the server the master names primary does not serve as one at the end, when the upstream
 * control plane explains it (H31, second form): it restarted in RoleNone, its first full block
 * report carried role None, which UpdateFullHeartbeat copies into the registry entry, and lease
 * grants go only to entries whose role is Primary — so nothing ever promotes it again, the master
 * sees a live server and never fails over, and the server keeps answering writes in RoleNone,
 * unfenced and with local-only group commit.
 */
export function upstreamNoPrimaryCause(c: Cluster, p: VolumeNode | undefined): string | null {
  if (!(c.control instanceof UpstreamControl) || p === undefined || p.agent === null || p.vol === null) return null;
  const entry = c.control.master.registry.lookup(c.control.volumeName);
  if (entry === null || entry.role !== Role.None || p.agent.control().role !== Role.None) return null;
  return ` (${p.name} restarted in RoleNone (blockvol.go OpenBlockVol); its full block report carried role None, which the master copied into the registry (master_block_registry.go UpdateFullHeartbeat), and lease grants go only to entries whose role is Primary (LeaseGrants), so nothing promotes it again and, the server being alive, no failover happens; it keeps acknowledging writes in RoleNone, unfenced (write_gate.go) and with local-only group commit: finding H31)`;
}
