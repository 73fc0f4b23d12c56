// Why a replica did not converge under the UPSTREAM control plane, when the cause is the ported
// control plane's own behaviour (a finding with its evidence in upstream's code) rather than a
// porting error. Each cause is proven from state the checker can see: the master's registry,
// the primary's shipper group and each server's block-service control state. The explanations
// cite the upstream function (c7eb87c58, unchanged at 3ec8fab2f unless said) that produces the state; docs/findings.md has the table.
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
  const nc = n.agent?.control();
  // H38: a former primary that was failed over without restarting is still Primary; the
  // Rebuilding assignment it gets on its return is rejected (primary -> rebuilding is invalid).
  const stale = n.agent?.lastRejected ?? null;
  if (nc !== undefined && nc.role === Role.Primary && c.control.primaryServerID() !== n.serverID && stale !== null
    && stale.role === 'rebuilding' && stale.why.includes('invalid assignment transition: primary -> rebuilding')) {
    return ` (it is a former primary the master failed over while its heartbeat stream was down (master_block_failover.go failoverBlockVolumes, then the deferred promotion); it did not restart, so it is still Primary at epoch ${nc.epoch}, and the Rebuilding assignment recoverBlockVolumes sends it on its return (epoch ${stale.epoch}) is rejected — primary -> rebuilding is not a valid transition (promotion.go HandleAssignment: ErrInvalidAssignment) — and nothing demotes it first, so it is never rebuilt and runs no receiver: finding H38)`;
  }
  // H48: the master promoted another server while this primary's stream was up (a stale orphan
  // timer), told only the new primary, and files a pending rebuild for this one that only a
  // reconnect drains: it stays Primary at its old epoch.
  const overLive = c.control.promotedOverLive.find((x) => x.deposed === n.serverID);
  if (nc !== undefined && nc.role === Role.Primary && c.control.primaryServerID() !== n.serverID && overLive !== undefined) {
    const lease = overLive.leaseUntil > overLive.at ? `, while the lease it had been granted still ran until ${overLive.leaseUntil} ms — two primaries at once` : '';
    return ` (at ${overLive.at} ms the master promoted ${overLive.promoted} to epoch ${overLive.epoch} over it while its heartbeat stream was up${lease}: a replica's full block report arrived between this server's reconnect — whose first message ran cancelDeferredTimers (master_block_failover.go recoverBlockVolumes) — and its own first full block report, the only thing that marks it block-capable (master_block_registry.go UpdateFullHeartbeat), so reevaluateOrphanedPrimaries filed an orphan promotion under it that nothing cancels, and the timer re-checks only the epoch. finalizePromotion tells only the new primary and files a pending rebuild for this one, drained only on a reconnect: it stays Primary at epoch ${nc.epoch} and is never told: finding H48)`;
  }
  // H40: the server's Replica (or Rebuilding) assignment failed in HandleAssignment (a superblock
  // write of SetEpoch, say), and the master's queue confirmed it anyway: ConfirmFromHeartbeat
  // matches (path, epoch), never the role, and the server still reports that epoch.
  if (nc !== undefined && nc.role === Role.None && stale !== null && (stale.role === 'replica' || stale.role === 'rebuilding')
    && nc.epoch === stale.epoch && c.control.master.queue.pending(n.serverID) === 0) {
    return ` (its ${stale.role}@${stale.epoch} assignment failed in HandleAssignment (${stale.why}); the master then dropped it from its queue as confirmed, because the server's next full heartbeat reported the same path and epoch — ConfirmFromHeartbeat matches (path, epoch), never the role (master_block_assignment_queue.go) — so it is never sent again and the server stays RoleNone, with no receiver, until it reconnects: finding H40)`;
  }
  // H41: the master lists the server as a replica without a receiver address and has nothing
  // queued for it: reconcileOnRestart's upsertServerAsReplica added it (a server outside the entry
  // reported the volume in a full heartbeat) and sends no assignment.
  if (nc !== undefined && nc.role === Role.None && listed !== undefined && listed.dataAddr === '' && c.control.master.queue.pending(n.serverID) === 0) {
    return ' (the master lists it as a replica with no receiver address and sends it nothing: a server outside the registry entry that reports the volume in a full heartbeat goes through reconcileOnRestart, which appends it as a replica with no addresses and queues no assignment (master_block_registry.go UpdateFullHeartbeat → reconcileOnRestart → upsertServerAsReplica), so it stays RoleNone and runs no receiver, and no Primary assignment can name its address: finding H41)';
  }
  // H45: the server restarted and its new heartbeat stream registered before the master saw the
  // old one close; that close was a phantom disconnect (dn.Counter still > 0), so no failover
  // removed it and recorded no pending rebuild, its reconnect drained none, and it stays RoleNone.
  const phantomAt = c.control.master.phantomDisconnectAt(n.serverID);
  if (nc !== undefined && nc.role === Role.None && listed !== undefined && listed.dataAddr !== '' && phantomAt !== null && phantomAt >= n.bootedAt
    && c.control.master.queue.pending(n.serverID) === 0 && c.control.master.failover.pendingRebuildsFor(n.serverID).length === 0) {
    return ` (it restarted at ${n.bootedAt} ms and its new heartbeat stream registered before the master saw the old one close; at ${phantomAt} ms that close was a phantom disconnect — master_grpc_server.go SendHeartbeat's defer returns while dn.Counter > 0, before UnmarkBlockCapable and failoverBlockVolumes — so the master never dropped it or recorded a pending rebuild, its reconnect's recoverBlockVolumes found none to drain, its full heartbeat only copied role None into the entry (UpdateFullHeartbeat), and lease grants go to primaries only: nothing is ever sent to it and it stays RoleNone with no receiver: finding H45)`;
  }
  // H39: the master's record for this replica carries another server's receiver address.
  const mixup = addressMixup(c, entry.replicas, n);
  if (mixup !== null) return mixup;
  // ... or carried it when the server's Replica assignment was built: the server could not bind
  // it and runs no receiver; the record was put right since, but the assignment was confirmed.
  const failedStart = n.agent?.lastReceiverFailure ?? null;
  if (nc !== undefined && nc.role === Role.Replica && n.receiver === null && failedStart !== null && hostOf(failedStart.dataAddr) !== n.name
    && c.control.master.queue.pending(n.serverID) === 0) {
    return ` (its Replica assignment at epoch ${failedStart.epoch} named ${failedStart.dataAddr}, ${hostOf(failedStart.dataAddr)}'s receiver address, which it cannot bind (${failedStart.why}), so it runs no receiver: the master's record for it carried that address then — the primary's full heartbeat reports its first replica's address and UpdateFullHeartbeat copies it into Replicas[0] whichever server that is (master_block_registry.go) — and though the record was put right since, the assignment was confirmed by the server's next full heartbeat, which matches path and epoch only (master_block_assignment_queue.go), and is never sent again: finding H39)`;
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
    const engine = c.control.master.commit === 'c7eb87c58'
      ? 'no V2 engine runs at c7eb87c58 to rebuild it'
      : 'at 3ec8fab2f the V2 engine rebuilds only a server the master assigns Rebuilding (block_recovery.go runRebuild), which it never does for a replica it cannot see fall behind; the primary\'s catch-up only scans its own WAL (v2bridge executor.go StreamWALEntries with no rebuild address)';
    return ` (the primary's shipper put it in NeedsRebuild, which the master never learns — a heartbeat carries no per-replica state (block_heartbeat_proto.go InfoMessageToProto) and entering NeedsRebuild fires no state-change heartbeat (wal_shipper.go) — and ${engine}, so nothing ever does: finding H36)`;
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
  if (entry === null) return null;
  const pc = p.agent.control();
  // H44: the registry names this server primary at an epoch it already holds, yet it is not
  // primary and no Primary assignment is queued for it: the one that made it primary carried an
  // epoch it already reported, so its own full heartbeat confirmed it before it was ever sent.
  if (pc.role !== Role.Primary && entry.volumeServer === p.serverID && entry.epoch <= pc.epoch
    && !c.control.master.queue.queued(p.serverID).some((a) => a.role === Role.Primary)) {
    return ` (the master promoted ${p.name} to epoch ${entry.epoch}, the registry's epoch + 1, but the registry's epoch had gone back below the volume's: UpdateFullHeartbeat copies the epoch a primary reports unconditionally, and a full heartbeat sent before an assignment applied reports an older one (master_block_registry.go). The new epoch was one ${p.name} already held, so its own full heartbeat confirmed the Primary assignment — ConfirmFromHeartbeat matches (path, epoch), and SendHeartbeat confirms before it sends (master_grpc_server.go) — and it was dropped unsent: ${p.name} never becomes primary while the master names it: finding H44)`;
  }
  if (entry.role !== Role.None || pc.role !== Role.None) return null;
  return ` (${p.name} restarted in RoleNone (blockvol.go OpenBlockVol); its full block report carried role None, which the master copied into the registry (master_block_registry.go UpdateFullHeartbeat), and lease grants go only to entries whose role is Primary (LeaseGrants), so nothing promotes it again and, the server being alive, no failover happens; it keeps acknowledging writes in RoleNone, unfenced (write_gate.go) and with local-only group commit: finding H31)`;
}

/**
 * Why, under upstream at 3ec8fab2f, the primary's V2 engine is not in sync with replica `n` when
 * the ported wiring explains it (H37): it holds no sender for the replica because the V2 delivery
 * that last removed it was a Primary assignment without replicas — the lease grants
 * master_grpc_server.go SendHeartbeat builds from path, epoch, role and TTL only, or a Primary
 * assignment listing none. v2bridge/control.go ConvertAssignment turns it into an intent with no
 * replicas, Registry.ApplyAssignment removes every sender, and the idempotence guard
 * (volume_server_block.go isAssignmentUnchanged) skips the identical grants that follow, so only a
 * different full Primary assignment adds it back (docs/control-volume.md, hazard 13).
 */
export function upstreamEngineStallCause(c: Cluster, p: VolumeNode, n: VolumeNode, engineState: string): string | null {
  if (!(c.control instanceof UpstreamControl) || p.agent === null || p.upstreamEngine === null || engineState !== 'none') return null;
  const id = n.replicaID();
  if (p.upstreamEngine.registry.sender(id) !== null) return null;
  const removal = p.agent.v2RemovalOf(id);
  if (removal === null || !removal.primaryWithoutReplicas) {
    const entry = c.control.master.registry.lookup(c.control.volumeName);
    return entry === null ? null : addressMixup(c, entry.replicas, n);
  }
  return ` (its sender was removed at ${removal.at} ms by a Primary assignment without replicas (epoch ${removal.epoch}, lease ${removal.leaseTtlMs} ms): a lease grant (master_grpc_server.go SendHeartbeat builds it from path, epoch, role and TTL only) or a Primary assignment listing none; v2bridge/control.go ConvertAssignment makes it an intent with no replicas, Registry.ApplyAssignment removes every sender, and the idempotence guard (volume_server_block.go isAssignmentUnchanged) skips the identical grants that follow, so the engine tracks no replica until the master sends a different full assignment: finding H37)`;
}

/**
 * Why a durable write is lost under the upstream control plane when H31 explains it (its E2
 * form): the write was acknowledged, and made durable by a SyncCache, by a server incarnation that
 * had no shipper group at the time — a restarted primary in RoleNone, or one re-promoted by a lease
 * grant without replica addresses — so group commit was local-only (blockvol.go OpenBlockVol;
 * write_gate.go passes RoleNone) and no replica held the write when another server was promoted.
 */
export function upstreamUnreplicatedDurable(c: Cluster, ackBy: string): string | null {
  if (!(c.control instanceof UpstreamControl) || ackBy === '') return null;
  if (!c.nodes.some((n) => n.unreplicatedSyncs.has(ackBy))) return null;
  return ` (the write was acknowledged and made durable by ${ackBy} while it had no shipper group — restarted in RoleNone (blockvol.go OpenBlockVol, write_gate.go passes RoleNone) or re-promoted by a lease grant without replica addresses — so group commit was local-only and no other server held it; a read served or a promotion made elsewhere does not see it: finding H31)`;
}

/** The host part of an address ("n2:4566" -> "n2"). */
function hostOf(addr: string): string {
  const i = addr.lastIndexOf(':');
  return i < 0 ? addr : addr.slice(0, i);
}

/**
 * H39: a record in the master's entry carries a receiver address that is not its server's — the
 * record of `n` names another host, or another server's record names `n`'s host. Upstream's
 * master_block_registry.go UpdateFullHeartbeat copies the primary's reported replica address (its
 * first replica's) into Replicas[0], whichever server that is; after failoverBlockVolumes dropped a
 * replica without telling the primary, or a promotion removed the promoted one, Replicas[0] is
 * another server. Assignments built from the record then carry an address the server cannot bind
 * (it runs no receiver), or name the wrong server for an address (the V2 bridge's ReplicaID).
 */
function addressMixup(c: Cluster, replicas: readonly { readonly server: string; readonly dataAddr: string }[], n: VolumeNode): string | null {
  const nameOf = (server: string): string | undefined => c.nodes.find((x) => x.serverID === server)?.name;
  const wrong = replicas.find((r) => r.dataAddr !== '' && (r.server === n.serverID ? hostOf(r.dataAddr) !== n.name : hostOf(r.dataAddr) === n.name && nameOf(r.server) !== n.name));
  if (wrong === undefined) return null;
  return ` (the master's record for ${wrong.server} carries ${wrong.dataAddr}, ${hostOf(wrong.dataAddr)}'s receiver address: the primary's full heartbeat reports its first replica's address and UpdateFullHeartbeat copies it into Replicas[0] whichever server that is (master_block_registry.go), here after a replica was dropped (failoverBlockVolumes, the primary not told) or promoted; assignments built from the record carry an address its server cannot bind, so it runs no receiver, or name the wrong server for the address: finding H39)`;
}
