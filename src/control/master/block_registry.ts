// The master's in-memory registry of block volumes: one entry per volume (primary server, path,
// epoch, role, lease, health, WAL head) with its replicas (server, path, receiver addresses,
// health, WAL head and lag, role, last heartbeat), indexed by server; the set of block-capable
// (connected) servers; and how full and delta heartbeats update all of it.
//
// Ports: weed/server/master_block_registry.go — BlockVolumeEntry, ReplicaInfo, VolumeStatus,
// Register, Unregister, Lookup (copy), UpdateEntry, ListByServer, ListAll, UpdateFullHeartbeat
// (stale cleanup, primary/replica field updates, ReplicaAddrChange detection, auto-register),
// reconcileOnRestart, demoteExistingToReplica, upsertServerAsReplica, UpdateDeltaHeartbeat,
// PickServer, Acquire/Release/IsInflight, AddReplica, RemoveReplica, SetReplica, ClearReplica,
// SwapPrimaryReplica, PromoteBestReplica, ManualPromote, applyPromotionLocked,
// Set/PromotionLSNTolerance, EvaluatePromotion, MarkBlockCapable, UnmarkBlockCapable,
// IsBlockCapable, BlockCapableServers, LeaseGrants, VolumesWithDeadPrimary, MaxBarrierLagLSN,
// nameFromPath. The gates themselves are in promotion.ts.
//
// Left out: placement (PlacementCandidates, ServerSummaries, disk type / capacity), coordinated
// expand (Acquire/Release/MarkExpandFailed...; only the ExpandInProgress flag is kept because the
// full heartbeat reads it), NVMe capability queries, metrics counters, iSCSI/NVMe publication
// beyond carrying the fields. The deprecated scalar replica fields (ReplicaServer, ReplicaPath,
// ReplicaDataAddr, ...) are kept because upstream still reads them (SwapPrimaryReplica,
// HasReplica, the primary's F5 address update).
//
// Differences: time.Now() is the `now` argument (virtual ms); a zero time.Time is `null`. Go
// iterates its byServer sets in random map order; here they are iterated in sorted name order, so
// where upstream's outcome depends on the order (two entries on one server with the same path),
// this port picks the smallest name.
//
// Upstream behaviour kept (hazards, see docs/control.md):
// - UpdateFullHeartbeat copies the primary's reported Epoch and Role into the entry without
//   comparing them: a new primary that has not yet applied its promotion assignment reports the
//   old epoch and RoleReplica, which rolls the entry's epoch back (a later promotion can then
//   re-issue an epoch already used) and leaves Role != Primary (so failoverBlockVolumes skips the
//   volume if that server dies before its next heartbeat).
// - LastLeaseGrant is stamped on every full heartbeat from the primary, not when a lease grant is
//   sent; lease grants also go out on heartbeats that do not stamp it (see index.ts).
// - UpdateDeltaHeartbeat's removal matches only entry.Path (primary path), on any entry indexed on
//   that server, and deletes the whole volume without cleaning the other servers' index.
import { DEFAULT_COMMIT, type UpstreamCommit } from '../commits.ts';
import {
  DEFAULT_LEASE_TTL_MS, Role, leaseTTLToWire, roleFromWire,
  type BlockVolumeInfoMessage, type BlockVolumeShortInfoMessage,
} from './messages.ts';
import {
  DEFAULT_PROMOTION_LSN_TOLERANCE, evaluateManualPromotion, evaluatePromotion,
  type PromotionContext, type PromotionPreflightResult,
} from './promotion.ts';

export const VolumeStatus = { Pending: 0, Active: 1 } as const;
export type VolumeStatusValue = (typeof VolumeStatus)[keyof typeof VolumeStatus];

/** ReplicaInfo: one replica of a block volume. */
export interface ReplicaInfo {
  server: string;
  path: string;
  iscsiAddr: string;
  iqn: string;
  nvmeAddr: string;
  nqn: string;
  /** WAL receiver data listen address. */
  dataAddr: string;
  /** WAL receiver control listen address. */
  ctrlAddr: string;
  healthScore: number;
  walHeadLSN: number;
  /** primary.WALHeadLSN - replica.WALHeadLSN at the replica's last full heartbeat (0 if ahead). */
  walLag: number;
  /** Virtual ms of the last full heartbeat from this replica; null = never. */
  lastHeartbeat: number | null;
  role: number;
}

export function replicaInfo(fields: Partial<ReplicaInfo> & { server: string }): ReplicaInfo {
  return {
    path: '', iscsiAddr: '', iqn: '', nvmeAddr: '', nqn: '', dataAddr: '', ctrlAddr: '',
    healthScore: 0, walHeadLSN: 0, walLag: 0, lastHeartbeat: null, role: Role.None, ...fields,
  };
}

/** BlockVolumeEntry: one block volume across the cluster. */
export interface BlockVolumeEntry {
  name: string;
  /** The primary's server. */
  volumeServer: string;
  path: string;
  iqn: string;
  iscsiAddr: string;
  nvmeAddr: string;
  nqn: string;
  sizeBytes: number;
  replicaPlacement: string;
  epoch: number;
  role: number;
  status: VolumeStatusValue;
  // Deprecated scalar replica fields (CP6-3), still read by upstream.
  replicaServer: string;
  replicaPath: string;
  replicaISCSIAddr: string;
  replicaIQN: string;
  replicaDataAddr: string;
  replicaCtrlAddr: string;
  /** Rebuild server listen address on the primary (set only at create time). */
  rebuildListenAddr: string;
  replicaFactor: number;
  replicas: ReplicaInfo[];
  healthScore: number;
  replicaDegraded: boolean;
  walHeadLSN: number;
  durabilityMode: string;
  /** Virtual ms; null = zero time (a lease that expired long ago). */
  lastLeaseGrant: number | null;
  /** Lease TTL in ms. */
  leaseTTL: number;
  /** Coordinated expand in flight (expand itself is not ported; the heartbeat path reads this). */
  expandInProgress: boolean;
}

export function blockVolumeEntry(fields: Partial<BlockVolumeEntry> & { name: string; volumeServer: string }): BlockVolumeEntry {
  return {
    path: '', iqn: '', iscsiAddr: '', nvmeAddr: '', nqn: '', sizeBytes: 0, replicaPlacement: '',
    epoch: 0, role: Role.None, status: VolumeStatus.Pending, replicaServer: '', replicaPath: '',
    replicaISCSIAddr: '', replicaIQN: '', replicaDataAddr: '', replicaCtrlAddr: '',
    rebuildListenAddr: '', replicaFactor: 0, replicas: [], healthScore: 0, replicaDegraded: false,
    walHeadLSN: 0, durabilityMode: '', lastLeaseGrant: null, leaseTTL: 0, expandInProgress: false,
    ...fields,
  };
}

export function cloneEntry(e: BlockVolumeEntry): BlockVolumeEntry {
  return { ...e, replicas: e.replicas.map((r) => ({ ...r })) };
}

/** HasReplica: any replica, in the new or the deprecated fields. */
export function hasReplica(e: BlockVolumeEntry): boolean {
  return e.replicas.length > 0 || e.replicaServer !== '';
}

export function replicaByServer(e: BlockVolumeEntry, server: string): ReplicaInfo | undefined {
  return e.replicas.find((r) => r.server === server);
}

/** ReplicaAddrChange: a replica whose advertised receiver address changed (full heartbeat only). */
export interface ReplicaAddrChange {
  volumeName: string;
  primaryServer: string;
  oldDataAddr: string;
  oldCtrlAddr: string;
  newDataAddr: string;
  newCtrlAddr: string;
}

/** LeaseGrant: a lightweight lease renewal for a primary. */
export interface LeaseGrant {
  path: string;
  epoch: number;
  role: number;
  leaseTtlMs: number;
}

/** nameFromPath: "/opt/data/block/my-volume.blk" -> "my-volume". */
export function nameFromPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const base = trimmed === '' ? (path === '' ? '.' : '/') : trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return base.endsWith('.blk') ? base.slice(0, -'.blk'.length) : base;
}

/** A log line upstream would glog, kept as data so the simulator can trace it. */
export interface RegistryLog {
  kind: string;
  volume: string;
  server: string;
  detail: string;
}

export class BlockVolumeRegistry {
  private readonly volumes = new Map<string, BlockVolumeEntry>();
  private readonly byServer = new Map<string, Set<string>>();
  /** Servers known to support block volumes and currently connected; value: NVMe address. */
  private readonly blockServers = new Map<string, string>();
  private readonly inflight = new Set<string>();
  private promotionLSNTolerance = DEFAULT_PROMOTION_LSN_TOLERANCE;
  private commit: UpstreamCommit = DEFAULT_COMMIT;
  readonly log: RegistryLog[] = [];

  // --- registration ---

  /** Register adds an entry; error text if the name is taken. */
  register(entry: BlockVolumeEntry): string | null {
    if (this.volumes.has(entry.name)) return `block volume "${entry.name}" already registered`;
    const e = cloneEntry(entry);
    this.volumes.set(e.name, e);
    this.addToServer(e.volumeServer, e.name);
    for (const ri of e.replicas) this.addToServer(ri.server, e.name);
    return null;
  }

  /** Unregister removes and returns the entry. */
  unregister(name: string): BlockVolumeEntry | null {
    const e = this.volumes.get(name);
    if (e === undefined) return null;
    this.volumes.delete(name);
    this.removeFromServer(e.volumeServer, name);
    for (const ri of e.replicas) this.removeFromServer(ri.server, name);
    return e;
  }

  /** Lookup returns a copy. */
  lookup(name: string): BlockVolumeEntry | null {
    const e = this.volumes.get(name);
    return e === undefined ? null : cloneEntry(e);
  }

  /**
   * The live entry, read-only, without Lookup's copy: for the simulator's observers (trace, checks),
   * which read the primary and epoch after every step. Not an upstream call.
   */
  peek(name: string): Readonly<BlockVolumeEntry> | null {
    return this.volumes.get(name) ?? null;
  }

  /** UpdateEntry calls fn with the live entry. */
  updateEntry(name: string, fn: (e: BlockVolumeEntry) => void): string | null {
    const e = this.volumes.get(name);
    if (e === undefined) return `block volume "${name}" not found`;
    fn(e);
    return null;
  }

  /** ListByServer: copies of the entries indexed on the server (sorted by name here). */
  listByServer(server: string): BlockVolumeEntry[] {
    const names = this.byServer.get(server);
    if (names === undefined) return [];
    const out: BlockVolumeEntry[] = [];
    for (const n of [...names].sort()) {
      const e = this.volumes.get(n);
      if (e !== undefined) out.push(cloneEntry(e));
    }
    return out;
  }

  /** ListAll: copies of every entry, sorted by name. */
  listAll(): BlockVolumeEntry[] {
    return [...this.volumes.keys()].sort().map((n) => cloneEntry(this.volumes.get(n)!));
  }

  /** Names indexed on the server, sorted (for tests and checks). */
  namesOnServer(server: string): string[] {
    return [...(this.byServer.get(server) ?? [])].sort();
  }

  // --- heartbeats ---

  /**
   * UpdateFullHeartbeat reconciles the registry from a full heartbeat: marks the server
   * block-capable, drops entries (primary) or replicas this server no longer reports, updates
   * primary/replica fields, auto-registers unknown volumes, and returns the replicas whose
   * receiver address changed.
   */
  updateFullHeartbeat(server: string, infos: readonly BlockVolumeInfoMessage[], nvmeAddr: string, now: number): ReplicaAddrChange[] {
    const addrChanges: ReplicaAddrChange[] = [];
    this.blockServers.set(server, nvmeAddr);

    const reported = new Map<string, BlockVolumeInfoMessage>();
    for (const info of infos) reported.set(info.path, info);

    // Stale cleanup: entries on this server whose path is not reported.
    const names = this.byServer.get(server);
    if (names !== undefined) {
      for (const name of [...names].sort()) {
        const entry = this.volumes.get(name);
        if (entry === undefined) continue;
        if (entry.volumeServer === server) {
          if (!reported.has(entry.path)) {
            if (entry.expandInProgress) {
              this.note('skip_stale_cleanup_expand', name, server, 'ExpandInProgress=true');
              continue;
            }
            this.volumes.delete(name);
            names.delete(name);
            for (const ri of entry.replicas) this.removeFromServer(ri.server, name);
            this.note('removed_stale_primary', name, server, `path ${entry.path} not in heartbeat`);
          }
        } else {
          const ri = replicaByServer(entry, server);
          if (ri === undefined) { names.delete(name); continue; }
          if (!reported.has(ri.path)) {
            this.removeReplicaLocked(entry, server);
            names.delete(name);
            this.note('removed_stale_replica', name, server, `path ${ri.path} not in heartbeat`);
          }
        }
      }
    }

    for (const info of infos) {
      let existing: BlockVolumeEntry | undefined;
      let existingName = '';
      const onServer = this.byServer.get(server);
      if (onServer !== undefined) {
        for (const vname of [...onServer].sort()) {
          const e = this.volumes.get(vname);
          if (e === undefined) continue;
          if (e.volumeServer === server && e.path === info.path) { existing = e; existingName = vname; break; }
          const ri = replicaByServer(e, server);
          if (ri !== undefined && ri.path === info.path) { existing = e; existingName = vname; break; }
        }
      }
      if (existing === undefined) {
        const name = nameFromPath(info.path);
        const e = name === '' ? undefined : this.volumes.get(name);
        if (e !== undefined) { existing = e; existingName = name; }
      }

      if (existing !== undefined) {
        const isPrimary = existing.volumeServer === server;
        const isReplica = replicaByServer(existing, server) !== undefined;
        if (isPrimary) {
          if (!existing.expandInProgress) existing.sizeBytes = info.volumeSize;
          existing.epoch = info.epoch; // upstream: unconditional (see header)
          existing.role = info.role;
          existing.status = VolumeStatus.Active;
          existing.lastLeaseGrant = now;
          existing.healthScore = info.healthScore;
          existing.replicaDegraded = info.replicaDegraded;
          existing.walHeadLSN = info.walHeadLsn;
          if (info.durabilityMode !== '') existing.durabilityMode = info.durabilityMode;
          if (info.replicaDataAddr !== '') existing.replicaDataAddr = info.replicaDataAddr;
          if (info.replicaCtrlAddr !== '') existing.replicaCtrlAddr = info.replicaCtrlAddr;
          existing.nvmeAddr = info.nvmeAddr;
          existing.nqn = info.nqn;
          if (info.replicaDataAddr !== '' && existing.replicas.length > 0) {
            existing.replicas[0]!.dataAddr = info.replicaDataAddr;
            existing.replicas[0]!.ctrlAddr = info.replicaCtrlAddr;
          }
        } else if (isReplica) {
          const r = replicaByServer(existing, server)!;
          r.path = info.path;
          r.walHeadLSN = info.walHeadLsn;
          r.healthScore = info.healthScore;
          r.lastHeartbeat = now;
          r.role = info.role;
          r.nvmeAddr = info.nvmeAddr;
          r.nqn = info.nqn;
          r.walLag = existing.walHeadLSN > info.walHeadLsn ? existing.walHeadLSN - info.walHeadLsn : 0;
          if (info.replicaDataAddr !== '' || info.replicaCtrlAddr !== '') {
            const oldData = r.dataAddr;
            const oldCtrl = r.ctrlAddr;
            const dataChanged = info.replicaDataAddr !== '' && oldData !== '' && oldData !== info.replicaDataAddr;
            const ctrlChanged = info.replicaCtrlAddr !== '' && oldCtrl !== '' && oldCtrl !== info.replicaCtrlAddr;
            if (dataChanged || ctrlChanged) {
              addrChanges.push({
                volumeName: existingName, primaryServer: existing.volumeServer,
                oldDataAddr: oldData, oldCtrlAddr: oldCtrl,
                newDataAddr: info.replicaDataAddr, newCtrlAddr: info.replicaCtrlAddr,
              });
            }
            if (info.replicaDataAddr !== '') r.dataAddr = info.replicaDataAddr;
            if (info.replicaCtrlAddr !== '') r.ctrlAddr = info.replicaCtrlAddr;
          }
        } else {
          this.reconcileOnRestart(existingName, existing, server, info, now);
        }
        continue;
      }

      // Auto-register a volume the registry does not know (master restart).
      const name = nameFromPath(info.path);
      if (name === '') continue;
      if (this.isInflight(name)) continue;
      const dup = this.volumes.get(name);
      if (dup === undefined) {
        const entry = blockVolumeEntry({
          name, volumeServer: server, path: info.path, sizeBytes: info.volumeSize, epoch: info.epoch,
          role: info.role, status: VolumeStatus.Active, lastLeaseGrant: now, leaseTTL: DEFAULT_LEASE_TTL_MS,
          healthScore: info.healthScore, walHeadLSN: info.walHeadLsn, durabilityMode: info.durabilityMode,
          replicaDataAddr: info.replicaDataAddr, replicaCtrlAddr: info.replicaCtrlAddr,
          nvmeAddr: info.nvmeAddr, nqn: info.nqn,
        });
        this.volumes.set(name, entry);
        this.addToServer(server, name);
        this.note('auto_registered', name, server, `path=${info.path} epoch=${info.epoch} role=${info.role}`);
      } else {
        this.reconcileOnRestart(name, dup, server, info, now);
      }
    }
    return addrChanges;
  }

  /**
   * reconcileOnRestart: a second server reports a volume the registry already has (master
   * restart). Higher epoch wins primary; same epoch trusts the reported roles; both primary ->
   * higher WALHeadLSN wins (ties keep existing); neither primary -> keep existing.
   */
  private reconcileOnRestart(name: string, existing: BlockVolumeEntry, newServer: string, info: BlockVolumeInfoMessage, now: number): void {
    if (info.epoch > existing.epoch) {
      this.note('reconcile_higher_epoch', name, newServer, `epoch ${info.epoch} > ${existing.epoch}`);
      this.demoteExistingToReplica(name, existing, newServer, info, now);
      return;
    }
    if (info.epoch < existing.epoch) {
      this.note('reconcile_lower_epoch', name, newServer, `epoch ${info.epoch} < ${existing.epoch}`);
      this.upsertServerAsReplica(name, existing, newServer, info, now);
      return;
    }
    const existingIsPrimary = existing.role === Role.Primary;
    const newIsPrimary = info.role === Role.Primary;
    if (existingIsPrimary && !newIsPrimary) { this.upsertServerAsReplica(name, existing, newServer, info, now); return; }
    if (!existingIsPrimary && newIsPrimary) { this.demoteExistingToReplica(name, existing, newServer, info, now); return; }
    if (newIsPrimary) {
      if (info.walHeadLsn > existing.walHeadLSN) {
        this.note('reconcile_ambiguous_both_primary', name, newServer, 'new has higher LSN, promoting new');
        this.demoteExistingToReplica(name, existing, newServer, info, now);
      } else {
        this.note('reconcile_ambiguous_both_primary', name, newServer, 'existing LSN >= new, keeping existing');
        this.upsertServerAsReplica(name, existing, newServer, info, now);
      }
    } else {
      this.note('reconcile_ambiguous_no_primary', name, newServer, 'keeping existing, adding new as replica');
      this.upsertServerAsReplica(name, existing, newServer, info, now);
    }
  }

  /**
   * demoteExistingToReplica: the new server becomes primary, the old primary is appended as a
   * RoleReplica replica (its LastHeartbeat := the entry's LastLeaseGrant). Upstream neither removes
   * the new server from Replicas[] if it was there nor re-indexes anything but the new server.
   */
  private demoteExistingToReplica(name: string, existing: BlockVolumeEntry, newServer: string, info: BlockVolumeInfoMessage, now: number): void {
    const oldReplica = replicaInfo({
      server: existing.volumeServer, path: existing.path, iscsiAddr: existing.iscsiAddr, iqn: existing.iqn,
      nvmeAddr: existing.nvmeAddr, nqn: existing.nqn, healthScore: existing.healthScore,
      walHeadLSN: existing.walHeadLSN, lastHeartbeat: existing.lastLeaseGrant, role: Role.Replica,
    });
    existing.volumeServer = newServer;
    existing.path = info.path;
    existing.epoch = info.epoch;
    existing.role = info.role;
    existing.healthScore = info.healthScore;
    existing.walHeadLSN = info.walHeadLsn;
    existing.lastLeaseGrant = now;
    if (info.durabilityMode !== '') existing.durabilityMode = info.durabilityMode;
    existing.nvmeAddr = info.nvmeAddr;
    existing.nqn = info.nqn;
    existing.replicas.push(oldReplica);
    this.addToServer(newServer, name);
    if (existing.replicas.length === 1) {
      existing.replicaServer = oldReplica.server;
      existing.replicaPath = oldReplica.path;
    }
  }

  /** upsertServerAsReplica: update the server's replica record in place, or append one. */
  private upsertServerAsReplica(name: string, existing: BlockVolumeEntry, newServer: string, info: BlockVolumeInfoMessage, now: number): void {
    const r = replicaByServer(existing, newServer);
    if (r !== undefined) {
      r.path = info.path;
      r.healthScore = info.healthScore;
      r.walHeadLSN = info.walHeadLsn;
      r.lastHeartbeat = now;
      r.role = info.role;
      r.nvmeAddr = info.nvmeAddr;
      r.nqn = info.nqn;
      return;
    }
    const ri = replicaInfo({
      server: newServer, path: info.path, healthScore: info.healthScore, walHeadLSN: info.walHeadLsn,
      lastHeartbeat: now, role: info.role, nvmeAddr: info.nvmeAddr, nqn: info.nqn,
    });
    existing.replicas.push(ri);
    this.addToServer(newServer, name);
    if (existing.replicas.length === 1) {
      existing.replicaServer = ri.server;
      existing.replicaPath = ri.path;
    }
  }

  /**
   * UpdateDeltaHeartbeat: removed paths delete the (first, by name here) entry on this server
   * whose primary path matches; added paths mark such an entry Active. Nothing else changes —
   * no lease stamp, no replica fields.
   */
  updateDeltaHeartbeat(server: string, added: readonly BlockVolumeShortInfoMessage[], removed: readonly BlockVolumeShortInfoMessage[]): void {
    for (const rm of removed) {
      const names = this.byServer.get(server);
      if (names === undefined) continue;
      for (const name of [...names].sort()) {
        const e = this.volumes.get(name);
        if (e !== undefined && e.path === rm.path) {
          this.volumes.delete(name);
          names.delete(name);
          this.note('delta_removed', name, server, `path ${rm.path}`);
          break;
        }
      }
    }
    for (const add of added) {
      const names = this.byServer.get(server);
      if (names === undefined) continue;
      for (const name of [...names].sort()) {
        const e = this.volumes.get(name);
        if (e !== undefined && e.path === add.path) { e.status = VolumeStatus.Active; break; }
      }
    }
  }

  // --- placement helper and inflight create lock ---

  /** PickServer: the server with the fewest indexed volumes (first wins ties). */
  pickServer(servers: readonly string[]): string | null {
    if (servers.length === 0) return null;
    let best = servers[0]!;
    let bestCount = this.countForServer(best);
    for (const s of servers.slice(1)) {
      const c = this.countForServer(s);
      if (c < bestCount) { best = s; bestCount = c; }
    }
    return best;
  }

  acquireInflight(name: string): boolean {
    if (this.inflight.has(name)) return false;
    this.inflight.add(name);
    return true;
  }
  releaseInflight(name: string): void { this.inflight.delete(name); }
  isInflight(name: string): boolean { return this.inflight.has(name); }

  // --- replicas ---

  /** AddReplica adds or replaces (by server) a replica; syncs the scalar fields from Replicas[0]. */
  addReplica(name: string, info: ReplicaInfo): string | null {
    const e = this.volumes.get(name);
    if (e === undefined) return `block volume "${name}" not found`;
    const i = e.replicas.findIndex((r) => r.server === info.server);
    if (i >= 0) e.replicas[i] = { ...info };
    else e.replicas.push({ ...info });
    this.addToServer(info.server, name);
    syncScalarReplicaFields(e);
    return null;
  }

  /** RemoveReplica removes a replica by server. */
  removeReplica(name: string, server: string): string | null {
    const e = this.volumes.get(name);
    if (e === undefined) return `block volume "${name}" not found`;
    if (!e.replicas.some((r) => r.server === server)) return `replica on "${server}" not found for volume "${name}"`;
    this.removeFromServer(server, name);
    e.replicas = e.replicas.filter((r) => r.server !== server);
    syncScalarReplicaFields(e);
    return null;
  }

  /** SetReplica (deprecated upstream): scalar + Replicas[] upsert preserving health/LSN/addresses. */
  setReplica(name: string, server: string, path: string, iscsiAddr: string, iqn: string): string | null {
    const e = this.volumes.get(name);
    if (e === undefined) return `block volume "${name}" not found`;
    if (e.replicaServer !== '' && e.replicaServer !== server) this.removeFromServer(e.replicaServer, name);
    e.replicaServer = server;
    e.replicaPath = path;
    e.replicaISCSIAddr = iscsiAddr;
    e.replicaIQN = iqn;
    this.addToServer(server, name);
    const info = replicaInfo({ server, path, iscsiAddr, iqn });
    const i = e.replicas.findIndex((r) => r.server === server);
    if (i >= 0) {
      const old = e.replicas[i]!;
      e.replicas[i] = { ...info, healthScore: old.healthScore, walHeadLSN: old.walHeadLSN, dataAddr: old.dataAddr, ctrlAddr: old.ctrlAddr };
    } else {
      e.replicas.push(info);
    }
    return null;
  }

  /** ClearReplica (deprecated upstream): drops every replica. */
  clearReplica(name: string): string | null {
    const e = this.volumes.get(name);
    if (e === undefined) return `block volume "${name}" not found`;
    if (e.replicaServer !== '') this.removeFromServer(e.replicaServer, name);
    for (const ri of e.replicas) if (ri.server !== e.replicaServer) this.removeFromServer(ri.server, name);
    e.replicas = [];
    syncScalarReplicaFields(e);
    return null;
  }

  /**
   * SwapPrimaryReplica (deprecated upstream, RF=2 scalar path): the scalar replica becomes
   * primary at Epoch+1, the old primary becomes the scalar replica. Replicas[] is not touched.
   */
  swapPrimaryReplica(name: string, now: number): { epoch: number } | { error: string } {
    const e = this.volumes.get(name);
    if (e === undefined) return { error: `block volume "${name}" not found` };
    if (e.replicaServer === '') return { error: `block volume "${name}" has no replica` };
    this.removeFromServer(e.volumeServer, name);
    const old = { server: e.volumeServer, path: e.path, iqn: e.iqn, iscsi: e.iscsiAddr };
    const newEpoch = e.epoch + 1;
    e.volumeServer = e.replicaServer;
    e.path = e.replicaPath;
    e.iqn = e.replicaIQN;
    e.iscsiAddr = e.replicaISCSIAddr;
    e.epoch = newEpoch;
    e.role = Role.Primary;
    e.lastLeaseGrant = now;
    e.replicaServer = old.server;
    e.replicaPath = old.path;
    e.replicaIQN = old.iqn;
    e.replicaISCSIAddr = old.iscsi;
    e.replicaDataAddr = '';
    e.replicaCtrlAddr = '';
    this.addToServer(e.volumeServer, name);
    return { epoch: newEpoch };
  }

  // --- promotion ---

  setPromotionLSNTolerance(t: number): void { this.promotionLSNTolerance = t; }
  /** Which upstream commit's promotion gates to apply (EC-6 at 3ec8fab2f). Default c7eb87c58. */
  setCommit(c: UpstreamCommit): void { this.commit = c; }
  getPromotionLSNTolerance(): number { return this.promotionLSNTolerance; }

  /** EvaluatePromotion: read-only preflight for the named volume. */
  evaluatePromotion(name: string, now: number): PromotionPreflightResult | null {
    const e = this.volumes.get(name);
    return e === undefined ? null : evaluatePromotion(e, this.promotionContext(now));
  }

  /**
   * PromoteBestReplica: promote the best eligible replica (promotion.ts gates) to primary at
   * Epoch+1. Returns the new epoch and the preflight, or the preflight's reason as the error.
   */
  promoteBestReplica(name: string, now: number): { epoch: number; preflight: PromotionPreflightResult } | { error: string; preflight: PromotionPreflightResult | null } {
    const e = this.volumes.get(name);
    if (e === undefined) return { error: `block volume "${name}" not found`, preflight: null };
    const pf = evaluatePromotion(e, this.promotionContext(now));
    if (!pf.promotable) return { error: `block volume "${name}": ${pf.reason}`, preflight: pf };
    return { epoch: this.applyPromotionLocked(e, name, pf.candidate!, pf.candidateIdx, now), preflight: pf };
  }

  /** ManualPromote: operator promote with optional target and force. */
  manualPromote(name: string, targetServer: string, force: boolean, now: number):
    { epoch: number; oldPrimary: string; oldPath: string; preflight: PromotionPreflightResult } | { error: string; preflight: PromotionPreflightResult } {
    const e = this.volumes.get(name);
    if (e === undefined) {
      return { error: `block volume "${name}" not found`, preflight: { volumeName: name, promotable: false, candidate: null, candidateIdx: -1, rejections: [], reason: 'volume not found' } };
    }
    const oldPrimary = e.volumeServer;
    const oldPath = e.path;
    const pf = evaluateManualPromotion(e, this.promotionContext(now), targetServer, force);
    if (!pf.promotable) return { error: `block volume "${name}": ${pf.reason}`, preflight: pf };
    const epoch = this.applyPromotionLocked(e, name, pf.candidate!, pf.candidateIdx, now);
    return { epoch, oldPrimary, oldPath, preflight: pf };
  }

  /**
   * applyPromotionLocked: the candidate becomes primary at Epoch+1 with Role Primary and a fresh
   * LastLeaseGrant; it leaves Replicas[] (the others stay, untouched: same epoch, same role);
   * the old primary is NOT added to Replicas[]; RebuildListenAddr is cleared. The promoted
   * replica's WALHeadLSN / HealthScore are not copied: the entry keeps the old primary's values
   * until the new primary's first full heartbeat.
   */
  private applyPromotionLocked(e: BlockVolumeEntry, name: string, candidate: ReplicaInfo, idx: number, now: number): number {
    this.removeFromServer(e.volumeServer, name);
    const newEpoch = e.epoch + 1;
    e.volumeServer = candidate.server;
    e.path = candidate.path;
    e.iqn = candidate.iqn;
    e.iscsiAddr = candidate.iscsiAddr;
    e.nvmeAddr = candidate.nvmeAddr;
    e.nqn = candidate.nqn;
    e.epoch = newEpoch;
    e.role = Role.Primary;
    e.lastLeaseGrant = now;
    e.rebuildListenAddr = '';
    e.replicas.splice(idx, 1);
    syncScalarReplicaFields(e);
    this.addToServer(e.volumeServer, name);
    return newEpoch;
  }

  private promotionContext(now: number): PromotionContext {
    return { now, promotionLSNTolerance: this.promotionLSNTolerance, isBlockCapable: (s) => this.blockServers.has(s), commit: this.commit };
  }

  // --- block-capable servers, leases ---

  markBlockCapable(server: string): void {
    if (!this.blockServers.has(server)) this.blockServers.set(server, '');
  }
  unmarkBlockCapable(server: string): void { this.blockServers.delete(server); }
  isBlockCapable(server: string): boolean { return this.blockServers.has(server); }
  blockCapableServers(): string[] { return [...this.blockServers.keys()].sort(); }

  /**
   * LeaseGrants: renewals for every Active entry whose primary is this server with Role Primary,
   * except paths with a pending assignment. TTL is the entry's LeaseTTL. Sorted by name here.
   */
  leaseGrants(server: string, pendingPaths: ReadonlySet<string>): LeaseGrant[] {
    const names = this.byServer.get(server);
    if (names === undefined) return [];
    const grants: LeaseGrant[] = [];
    for (const name of [...names].sort()) {
      const e = this.volumes.get(name);
      if (e === undefined || e.status !== VolumeStatus.Active) continue;
      if (roleFromWire(e.role) !== Role.Primary) continue;
      if (e.volumeServer !== server) continue;
      if (pendingPaths.has(e.path)) continue;
      grants.push({ path: e.path, epoch: e.epoch, role: e.role, leaseTtlMs: leaseTTLToWire(e.leaseTTL) });
    }
    return grants;
  }

  /** VolumesWithDeadPrimary: volumes where this server is indexed but not primary and the primary is not block-capable. */
  volumesWithDeadPrimary(replicaServer: string): string[] {
    const names = this.byServer.get(replicaServer);
    if (names === undefined) return [];
    const out: string[] = [];
    for (const name of [...names].sort()) {
      const e = this.volumes.get(name);
      if (e === undefined || e.volumeServer === replicaServer) continue;
      if (!this.blockServers.has(e.volumeServer)) out.push(name);
    }
    return out;
  }

  /** MaxBarrierLagLSN: the largest replica WALLag across all volumes. */
  maxBarrierLagLSN(): number {
    let max = 0;
    for (const e of this.volumes.values()) for (const r of e.replicas) if (r.walLag > max) max = r.walLag;
    return max;
  }

  /** Canonical state (stable key order, sorted collections). */
  canonical(): unknown {
    return {
      volumes: this.listAll(),
      byServer: [...this.byServer.keys()].sort().map((s) => [s, this.namesOnServer(s)]),
      blockServers: this.blockCapableServers(),
      inflight: [...this.inflight].sort(),
      promotionLSNTolerance: this.promotionLSNTolerance,
    };
  }

  drainLog(): RegistryLog[] {
    return this.log.splice(0, this.log.length);
  }

  // --- internals ---

  private countForServer(server: string): number {
    return this.byServer.get(server)?.size ?? 0;
  }

  private addToServer(server: string, name: string): void {
    let s = this.byServer.get(server);
    if (s === undefined) { s = new Set(); this.byServer.set(server, s); }
    s.add(name);
  }

  private removeFromServer(server: string, name: string): void {
    const s = this.byServer.get(server);
    if (s === undefined) return;
    s.delete(name);
    if (s.size === 0) this.byServer.delete(server);
  }

  /** removeReplicaLocked: drop the replica record (the caller fixes the index). */
  private removeReplicaLocked(e: BlockVolumeEntry, server: string): void {
    e.replicas = e.replicas.filter((r) => r.server !== server);
    syncScalarReplicaFields(e);
  }

  private note(kind: string, volume: string, server: string, detail: string): void {
    this.log.push({ kind, volume, server, detail });
  }
}

/** Sync the deprecated scalar replica fields from Replicas[0] (or clear them). */
function syncScalarReplicaFields(e: BlockVolumeEntry): void {
  const r0 = e.replicas[0];
  e.replicaServer = r0?.server ?? '';
  e.replicaPath = r0?.path ?? '';
  e.replicaISCSIAddr = r0?.iscsiAddr ?? '';
  e.replicaIQN = r0?.iqn ?? '';
  e.replicaDataAddr = r0?.dataAddr ?? '';
  e.replicaCtrlAddr = r0?.ctrlAddr ?? '';
}
