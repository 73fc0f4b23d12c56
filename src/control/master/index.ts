// BlockMaster: the block-volume half of the SeaweedFS master as one deterministic object the
// simulator drives. The simulator delivers heartbeats, stream disconnects, create/delete/promote
// requests and time; the master answers each heartbeat with the assignments and lease grants to
// send back on that stream. It never sends anything unprompted: assignments wait in the queue
// until the server's next heartbeat, exactly as upstream.
//
// Ports: weed/server/master_grpc_server.go SendHeartbeat (the block parts: the first message of
// a stream runs recoverBlockVolumes; full vs delta heartbeat handling; address-change refresh;
// orphan re-evaluation; confirm, peek, lease grants, merged reply; the disconnect path with the
// per-server stream counter, UnmarkBlockCapable and failoverBlockVolumes), and
// weed/server/master_grpc_server_block.go CreateBlockVolume (after placement: primary/replica
// allocation attempts, strict-durability minimum, registration, epoch-1 assignments),
// tryCreateOneReplica, DeleteBlockVolume, LookupBlockVolume, validateIdempotentCreate, and
// master_server_handlers_block.go blockVolumePromoteHandler (ManualPromote + finalizePromotion).
//
// Left out: placement (evaluateBlockPlacement, gatherPlacementCandidates: the caller passes the
// candidate servers in order), the volume-server RPCs (the caller supplies allocate / delete
// results synchronously), snapshots, expand, CSI, NVMe/iSCSI publication, the leader check and
// raft, topology/data-node bookkeeping, metrics, the HTTP/UI handlers, request IDs.
//
// UPSTREAM HAZARDS kept (see docs/control.md and failover.ts / block_registry.ts /
// assignment_queue.ts headers):
// - Lease grants go out in reply to EVERY heartbeat message of the stream (block full, block
//   delta, or a plain volume heartbeat), but the registry's LastLeaseGrant, from which failover
//   measures lease expiry, is stamped only by full block heartbeats (SendHeartbeat +
//   LeaseGrants + UpdateFullHeartbeat).
// - c7eb87c58 only: CreateBlockVolume's assignments carry no ServerID (neither
//   ReplicaAddrs[].ServerID nor ReplicaServerID), unlike failover's; and the proto conversion
//   drops ServerIDs anyway (messages.ts: assignmentOverWire). At 3ec8fab2f (`commit` option) the
//   primary's create assignment carries ServerID = the registry's server name (ri.Server) per
//   replica, and ReplicaServerID when there is exactly one replica; the replicas' own create
//   assignments still carry none (their V2 identity is their local server ID).
import {
  ASSIGNMENT_LEASE_TTL_MS, DEFAULT_LEASE_TTL_MS, Role, assignment, leaseTTLToWire, parseDurabilityMode,
  requiredReplicas, validateDurability,
  type BlockVolumeAssignment, type Heartbeat, type HeartbeatResponse,
} from './messages.ts';
import { BlockAssignmentQueue } from './assignment_queue.ts';
import { DEFAULT_COMMIT, atLeast, type UpstreamCommit } from '../commits.ts';
import {
  BlockVolumeRegistry, VolumeStatus, blockVolumeEntry, replicaInfo,
  type BlockVolumeEntry, type RegistryLog,
} from './block_registry.ts';
import { BlockFailover, type FailoverEvent } from './failover.ts';
import type { PromotionPreflightResult } from './promotion.ts';

export * from './messages.ts';
export * from './assignment_queue.ts';
export * from './block_registry.ts';
export * from './promotion.ts';
export * from './failover.ts';
export * from '../commits.ts';

export interface BlockMasterOptions {
  /** SetPromotionLSNTolerance (default 100). */
  promotionLSNTolerance?: number;
  /** Which upstream commit to behave as (commits.ts); default c7eb87c58. */
  commit?: UpstreamCommit;
}

/** What a volume server returns for AllocateBlockVolume (blockAllocResult). */
export interface BlockAllocResult {
  path: string;
  iqn: string;
  iscsiAddr: string;
  nvmeAddr: string;
  nqn: string;
  replicaDataAddr: string;
  replicaCtrlAddr: string;
  rebuildListenAddr: string;
}

export interface CreateBlockVolumeRequest {
  name: string;
  sizeBytes: number;
  /** 0 = default 2; values outside 1..3 also mean 2. */
  replicaFactor: number;
  durabilityMode: string;
}

export interface CreateBlockVolumeResponse {
  volumeId: string;
  volumeServer: string;
  iscsiAddr: string;
  iqn: string;
  capacityBytes: number;
  replicaServer: string;
  replicaServers: string[];
}

/** The caller's synchronous stand-in for the allocate RPC: a result or an error text. */
export type AllocateFn = (server: string, name: string) => BlockAllocResult | { error: string };
/** The caller's synchronous stand-in for the delete RPC: null on success or an error text. */
export type DeleteFn = (server: string, name: string) => string | null;

export type MasterEvent =
  | ({ source: 'registry' } & RegistryLog)
  | ({ source: 'failover' } & FailoverEvent);

export class BlockMaster {
  readonly registry = new BlockVolumeRegistry();
  readonly queue = new BlockAssignmentQueue();
  readonly failover: BlockFailover;
  /** Open heartbeat streams that have delivered a first message -> server (dn != nil). */
  private readonly streams = new Map<string, string>();
  /** dn.Counter: open streams per server. */
  private readonly streamCount = new Map<string, number>();
  /** When each server's last "phantom" disconnect happened (a stream ended while another was open). */
  private readonly phantoms = new Map<string, number>();

  readonly commit: UpstreamCommit;

  constructor(opts: BlockMasterOptions = {}) {
    this.commit = opts.commit ?? DEFAULT_COMMIT;
    this.registry.setCommit(this.commit);
    this.failover = new BlockFailover(this.registry, this.queue);
    if (opts.promotionLSNTolerance !== undefined) this.registry.setPromotionLSNTolerance(opts.promotionLSNTolerance);
  }

  /**
   * One heartbeat message on a stream. The first message of a stream registers the server and
   * runs recoverBlockVolumes before the message's block content is applied. Returns the reply to
   * send on the stream, or null when upstream sends no block reply (nothing pending, no grant).
   */
  onHeartbeat(stream: string, server: string, hb: Heartbeat, now: number): HeartbeatResponse | null {
    if (!this.streams.has(stream)) {
      this.streams.set(stream, server);
      this.streamCount.set(server, (this.streamCount.get(server) ?? 0) + 1);
      this.failover.recoverBlockVolumes(server, now);
    }
    if (hb.blockVolumeInfos.length > 0 || hb.hasNoBlockVolumes) {
      const addrChanges = this.registry.updateFullHeartbeat(server, hb.blockVolumeInfos, hb.blockNvmeAddr, now);
      for (const ac of addrChanges) this.failover.refreshPrimaryForAddrChange(ac);
      this.failover.reevaluateOrphanedPrimaries(server, now);
    } else if (hb.newBlockVolumes.length > 0 || hb.deletedBlockVolumes.length > 0) {
      this.registry.updateDeltaHeartbeat(server, hb.newBlockVolumes, hb.deletedBlockVolumes);
    }
    if (hb.blockVolumeInfos.length > 0) this.queue.confirmFromHeartbeat(server, hb.blockVolumeInfos);
    const pending = this.queue.peek(server);
    const pendingPaths = new Set(pending.map((p) => p.path));
    const all: BlockVolumeAssignment[] = [...pending];
    for (const g of this.registry.leaseGrants(server, pendingPaths)) {
      all.push(assignment({ path: g.path, epoch: g.epoch, role: g.role, leaseTtlMs: g.leaseTtlMs }));
    }
    return all.length > 0 ? { blockVolumeAssignments: all } : null;
  }

  /**
   * The stream ended (Recv error). Only a stream that delivered a first message counts; when the
   * server's last such stream ends: UnmarkBlockCapable, then failoverBlockVolumes.
   */
  onDisconnect(stream: string, now: number): void {
    const server = this.streams.get(stream);
    if (server === undefined) return;
    this.streams.delete(stream);
    const left = (this.streamCount.get(server) ?? 1) - 1;
    // master_grpc_server.go SendHeartbeat's defer: "disconnect phantom volume server" — the
    // server's newer stream is open, so no UnmarkBlockCapable and no failoverBlockVolumes.
    if (left > 0) { this.streamCount.set(server, left); this.phantoms.set(server, now); return; }
    this.streamCount.delete(server);
    this.registry.unmarkBlockCapable(server);
    this.failover.failoverBlockVolumes(server, now);
  }

  /** When `server`'s last phantom disconnect was (an old stream ended after a newer one opened), or null. */
  phantomDisconnectAt(server: string): number | null { return this.phantoms.get(server) ?? null; }

  /** When the next deferred promotion is due (virtual ms), or null. */
  nextDeadline(): number | null { return this.failover.nextDeadline(); }

  /** Run every deferred promotion due at or before `now`. */
  fireTimers(now: number): void { this.failover.fireDue(now); }

  /**
   * CreateBlockVolume after placement: `candidates` is the planner's order. Tries each candidate
   * as primary until one allocates; then up to RF-1 replicas from the remaining candidates (a
   * failed replica candidate stays in the list for the next replica slot); strict durability
   * modes fail (and return the servers to clean up) below their required replica count;
   * registers the entry (epoch 1, Role Primary, 30 s lease stamped now) and enqueues epoch-1
   * assignments for the primary and each replica. Idempotent for an existing name.
   */
  createBlockVolume(req: CreateBlockVolumeRequest, candidates: readonly string[], allocate: AllocateFn, now: number):
    { response: CreateBlockVolumeResponse } | { error: string; cleanup: string[] } {
    if (req.name === '') return { error: 'name is required', cleanup: [] };
    if (req.sizeBytes <= 0) return { error: 'size_bytes must be > 0', cleanup: [] };
    const durMode = parseDurabilityMode(req.durabilityMode);
    if (durMode === null) return { error: `invalid durability_mode: "${req.durabilityMode}"`, cleanup: [] };
    const replicaFactor = req.replicaFactor > 0 && req.replicaFactor <= 3 ? req.replicaFactor : 2;
    const verr = validateDurability(durMode, replicaFactor);
    if (verr !== null) return { error: `durability_mode "${req.durabilityMode}" incompatible with replica_factor ${replicaFactor}: ${verr}`, cleanup: [] };

    const existing = this.registry.lookup(req.name);
    if (existing !== null) {
      const err = validateIdempotentCreate(existing, req, durMode, replicaFactor);
      return err === null ? { response: responseFromEntry(existing) } : { error: err, cleanup: [] };
    }
    if (candidates.length === 0) return { error: 'no block volume servers available', cleanup: [] };

    let lastErr = '';
    for (const server of candidates) {
      const result = allocate(server, req.name);
      if ('error' in result) { lastErr = `server ${server}: ${result.error}`; continue; }
      const entry = blockVolumeEntry({
        name: req.name, volumeServer: server, path: result.path, iqn: result.iqn, iscsiAddr: result.iscsiAddr,
        nvmeAddr: result.nvmeAddr, nqn: result.nqn, sizeBytes: req.sizeBytes, epoch: 1, role: Role.Primary,
        status: VolumeStatus.Active, replicaFactor, durabilityMode: durMode, leaseTTL: DEFAULT_LEASE_TTL_MS,
        lastLeaseGrant: now,
      });
      let replicaCandidates = candidates.filter((c) => c !== server);
      for (let i = 0; i < replicaFactor - 1 && replicaCandidates.length > 0; i++) {
        const rs = tryCreateOneReplica(req.name, entry, result, replicaCandidates, allocate, now);
        if (rs !== '') replicaCandidates = replicaCandidates.filter((c) => c !== rs);
      }
      const required = requiredReplicas(durMode, replicaFactor);
      if (entry.replicas.length < required) {
        return {
          error: `durability mode "${durMode}" requires ${required} replicas but only ${entry.replicas.length} provisioned`,
          cleanup: [entry.volumeServer, ...entry.replicas.map((r) => r.server)],
        };
      }
      const r0 = entry.replicas[0];
      if (r0 !== undefined) {
        entry.replicaServer = r0.server;
        entry.replicaPath = r0.path;
        entry.replicaIQN = r0.iqn;
        entry.replicaISCSIAddr = r0.iscsiAddr;
        entry.replicaDataAddr = r0.dataAddr;
        entry.replicaCtrlAddr = r0.ctrlAddr;
      }
      if (this.registry.register(entry) !== null) {
        const raced = this.registry.lookup(req.name);
        if (raced !== null) return { response: responseFromEntry(raced) };
      }
      const ttl = leaseTTLToWire(ASSIGNMENT_LEASE_TTL_MS);
      const primary = assignment({ path: result.path, epoch: 1, role: Role.Primary, leaseTtlMs: ttl });
      // V2 P10-1 (3ec8fab2f): stable identity = registry VS address; c7eb87c58 sets none.
      const ids = atLeast(this.commit, '3ec8fab2f');
      for (const ri of entry.replicas) primary.replicaAddrs.push({ dataAddr: ri.dataAddr, ctrlAddr: ri.ctrlAddr, serverID: ids ? ri.server : '' });
      if (entry.replicas.length === 1) {
        primary.replicaDataAddr = entry.replicas[0]!.dataAddr;
        primary.replicaCtrlAddr = entry.replicas[0]!.ctrlAddr;
        if (ids) primary.replicaServerID = entry.replicas[0]!.server;
      }
      this.queue.enqueue(server, primary);
      for (const ri of entry.replicas) {
        this.queue.enqueue(ri.server, assignment({
          path: ri.path, epoch: 1, role: Role.Replica, leaseTtlMs: ttl, replicaDataAddr: ri.dataAddr, replicaCtrlAddr: ri.ctrlAddr,
        }));
      }
      return { response: responseFromEntry(entry) };
    }
    return { error: `all volume servers failed for "${req.name}": ${lastErr}`, cleanup: [] };
  }

  /** DeleteBlockVolume: primary delete must succeed; replica deletes are best-effort. */
  deleteBlockVolume(name: string, vsDelete: DeleteFn): string | null {
    const entry = this.registry.lookup(name);
    if (entry === null) return null;
    const err = vsDelete(entry.volumeServer, name);
    if (err !== null) return `delete block volume "${name}" on ${entry.volumeServer}: ${err}`;
    for (const ri of entry.replicas) vsDelete(ri.server, name);
    this.registry.unregister(name);
    return null;
  }

  /** The volume's primary server and epoch as the registry holds them now (an observer's read: nothing copied). */
  blockVolumePrimary(name: string): { readonly volumeServer: string; readonly epoch: number } | null {
    return this.registry.peek(name);
  }

  /** LookupBlockVolume (the fields the simulator needs). */
  lookupBlockVolume(name: string): { volumeServer: string; epoch: number; replicaServers: string[]; replicaFactor: number; durabilityMode: string } | null {
    const e = this.registry.lookup(name);
    if (e === null) return null;
    return {
      volumeServer: e.volumeServer, epoch: e.epoch, replicaServers: e.replicas.map((r) => r.server),
      replicaFactor: e.replicaFactor === 0 ? 2 : e.replicaFactor, durabilityMode: e.durabilityMode === '' ? 'best_effort' : e.durabilityMode,
    };
  }

  /** blockVolumePromoteHandler: ManualPromote, then finalizePromotion on success. */
  manualPromote(name: string, targetServer: string, force: boolean, now: number):
    { newPrimary: string; epoch: number } | { error: string; preflight: PromotionPreflightResult } {
    const r = this.registry.manualPromote(name, targetServer, force, now);
    if ('error' in r) return r;
    this.failover.finalizePromotion(name, r.oldPrimary, r.oldPath, r.epoch, r.preflight);
    return { newPrimary: this.registry.lookup(name)?.volumeServer ?? '', epoch: r.epoch };
  }

  /** Everything the master logged since the last drain, registry lines first. */
  drainEvents(): MasterEvent[] {
    const reg = this.registry.drainLog().map((l): MasterEvent => ({ source: 'registry', ...l }));
    const fo = this.failover.drainEvents().map((e): MasterEvent => ({ source: 'failover', ...e }));
    return [...reg, ...fo];
  }

  /** Canonical state for fingerprints. */
  canonical(): unknown {
    return {
      registry: this.registry.canonical(),
      queue: this.queue.canonical(),
      failover: this.failover.canonical(),
      streams: [...this.streams.keys()].sort().map((s) => [s, this.streams.get(s)!]),
    };
  }
}

/** tryCreateOneReplica: the first candidate that allocates becomes a replica (RoleReplica, LastHeartbeat now). */
function tryCreateOneReplica(name: string, entry: BlockVolumeEntry, primary: BlockAllocResult, candidates: readonly string[], allocate: AllocateFn, now: number): string {
  for (const server of candidates) {
    const r = allocate(server, name);
    if ('error' in r) continue;
    entry.rebuildListenAddr = primary.rebuildListenAddr;
    entry.replicas.push(replicaInfo({
      server, path: r.path, iscsiAddr: r.iscsiAddr, iqn: r.iqn, nvmeAddr: r.nvmeAddr, nqn: r.nqn,
      dataAddr: r.replicaDataAddr, ctrlAddr: r.replicaCtrlAddr, role: Role.Replica, lastHeartbeat: now,
    }));
    return server;
  }
  return '';
}

function validateIdempotentCreate(entry: BlockVolumeEntry, req: CreateBlockVolumeRequest, durMode: string, replicaFactor: number): string | null {
  if (entry.sizeBytes < req.sizeBytes) return `block volume "${req.name}" exists with size ${entry.sizeBytes} (requested ${req.sizeBytes})`;
  const existingMode = entry.durabilityMode === '' ? 'best_effort' : entry.durabilityMode;
  if (durMode !== existingMode) return `block volume "${req.name}" exists with durability_mode "${existingMode}" (requested "${durMode}")`;
  const existingRF = entry.replicaFactor === 0 ? 2 : entry.replicaFactor;
  if (replicaFactor !== existingRF) return `block volume "${req.name}" exists with replica_factor ${existingRF} (requested ${replicaFactor})`;
  return null;
}

function responseFromEntry(e: BlockVolumeEntry): CreateBlockVolumeResponse {
  return {
    volumeId: e.name, volumeServer: e.volumeServer, iscsiAddr: e.iscsiAddr, iqn: e.iqn, capacityBytes: e.sizeBytes,
    replicaServer: e.replicaServer, replicaServers: e.replicas.map((r) => r.server),
  };
}
