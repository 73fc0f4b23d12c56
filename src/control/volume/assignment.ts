// The volume server's handling of a batch of master assignments: wire decoding, per-volume
// HandleAssignment, then replication setup by role (shippers, receiver, rebuild), and the
// replication addresses the server reports in its heartbeats.
// Ports, @c7eb87c58:
//   weed/storage/blockvol/block_heartbeat.go  BlockVolumeAssignment, ReplicaAddr
//   weed/storage/blockvol/block_heartbeat_proto.go  AssignmentFromProto (ReplicaAddrs take
//       precedence; scalar replica fields are then dropped). At c7eb87c58 ReplicaServerID and
//       ReplicaAddr.ServerID have no proto field, so they never reach the volume server; at
//       3ec8fab2f both do (`commit` option, see ../commits.ts).
// 3ec8fab2f adds (`commit` option of replicationSetup): the setupPrimaryReplication(Multi)
//   idempotence guards (P3) and volReplState.allReplicas. The V2 half of ProcessAssignments
//   (idempotence guard, ConvertAssignment, RecoveryManager) is in v2_assignment.ts,
//   v2bridge_control.ts and recovery_wiring.ts; SetServerID in identity.ts.
//   weed/server/volume_server_block.go  BlockService.ProcessAssignments, setupPrimaryReplication,
//       setupPrimaryReplicationMulti, setupReplicaReceiver, startRebuild, ReplicationPorts,
//       GetReplState, volReplState, WireStateChangeNotify.
//   weed/storage/blockvol/blockvol.go  SetReplicaAddr(s) (fresh shipper group, callback wiring,
//       distributed group commit), StartReplicaReceiver, StartRebuildServer.
//   weed/storage/store_blockvol.go  WithVolume's "block volume not found" error.
// Left out: iSCSI/NVMe registration, CSI, create/delete/expand/snapshot RPCs, metrics, glog.
//
// Shape, in upstream's order: `v2BridgeEffects` — one 'v2Assignment' effect per assignment, all
// first (the V2 engine bridge: ConvertAssignment + orchestrator.ProcessAssignment — src/engine and
// src/replication own that); then per assignment `planVolumeAssignment` (the volume-level
// decision, promotion.ts) whose effects the simulator runs (runVolumePlan); only if that succeeds
// `replicationSetup` for the same assignment (Go: `continue` on error), each effect applied with
// `applyServiceEffect` (+ `replicaReceiverStarted` for a receiver).
//
// Hazards ported as is (docs/control-volume.md):
//  - ProcessAssignments runs replication setup on every delivery, refreshes included: a repeated
//    primary assignment builds a fresh shipper group (the old one is dropped without StopAll)
//    and starts another rebuild server (c7eb87c58 only: 3ec8fab2f's guards skip an unchanged
//    primary setup); a repeated replica assignment starts another receiver (the old one is not
//    stopped) and a repeated Rebuilding assignment another rebuild (both commits).
//  - 3ec8fab2f setupPrimaryReplication(Multi) guards compare only with bs.replStates[path], which
//    nothing clears on demotion: a former primary re-promoted with the same replica set skips
//    SetReplicaAddrs and keeps the shipper group its demotion stopped (StopAll). The scalar guard
//    compares data/ctrl only (no ServerID), and also matches a replState written by
//    setupReplicaReceiver or by the multi path's first replica.
//  - setupReplicaReceiver reads only the scalar ReplicaDataAddr/CtrlAddr; an assignment that
//    carries ReplicaAddrs has them cleared by AssignmentFromProto, so no receiver is started.
//  - startRebuild runs in the background and its result is never reported (R2-F7).
//  - a demotion to Stale does no replication teardown here beyond demote's StopAll; the
//    replState (heartbeat addresses) of a demoted primary is kept.

import { DEFAULT_COMMIT, atLeast, type UpstreamCommit } from '../commits.ts';
import type { ControlError } from './errors.ts';
import { sentinel } from './errors.ts';
import { leaseTTLFromWire } from './lease.ts';
import { planAssignment, type AssignmentDecision, type AssignmentOptions } from './promotion.ts';
import { Role, roleFromWire } from './role.ts';
import type { LastAppliedAssignment } from './v2_assignment.ts';
import type { VolumeControlState } from './volume_state.ts';

export interface ReplicaAddr {
  readonly dataAddr: string;
  readonly ctrlAddr: string;
  /** V2 stable identity of the replica's server; on the wire from 3ec8fab2f on ('' / absent before). */
  readonly serverID?: string;
}

/** Go BlockVolumeAssignment after AssignmentFromProto (role still the wire uint32). */
export interface BlockVolumeAssignment {
  readonly path: string;
  readonly epoch: number;
  readonly role: number;
  /** 0 = "no lease" per the Go comment, but Grant(0) is an already-expired lease. */
  readonly leaseTtlMs: number;
  readonly replicaDataAddr: string;
  readonly replicaCtrlAddr: string;
  readonly rebuildAddr: string;
  readonly replicaAddrs: readonly ReplicaAddr[];
  /** V2 stable identity of the scalar replica; on the wire from 3ec8fab2f on ('' / absent before). */
  readonly replicaServerID?: string;
}

/**
 * Go AssignmentFromProto: if ReplicaAddrs is non-empty it wins and the scalar fields are left
 * empty. c7eb87c58: the ServerIDs have no proto field and are dropped; 3ec8fab2f: they are kept
 * (ReplicaServerID unconditionally, even when the scalar addresses are dropped).
 */
export function assignmentFromWire(p: BlockVolumeAssignment, commit: UpstreamCommit = DEFAULT_COMMIT): BlockVolumeAssignment {
  const ids = atLeast(commit, '3ec8fab2f');
  const { replicaServerID, ...rest } = p;
  const base: BlockVolumeAssignment = ids ? { ...rest, replicaServerID: replicaServerID ?? '' } : rest;
  const addr = (r: ReplicaAddr): ReplicaAddr => (ids ? { dataAddr: r.dataAddr, ctrlAddr: r.ctrlAddr, serverID: r.serverID ?? '' } : { dataAddr: r.dataAddr, ctrlAddr: r.ctrlAddr });
  if (p.replicaAddrs.length > 0) return { ...base, replicaDataAddr: '', replicaCtrlAddr: '', replicaAddrs: p.replicaAddrs.map(addr) };
  return { ...base, replicaAddrs: [] };
}

/** Go volReplState: what the heartbeat reports as ReplicaDataAddr/ReplicaCtrlAddr for a path. */
export interface ReplState {
  readonly replicaDataAddr: string;
  readonly replicaCtrlAddr: string;
  /** 3ec8fab2f: the full replica set, stored only by setupPrimaryReplicationMulti (for its guard). */
  readonly allReplicas?: readonly ReplicaAddr[];
}

/** The BlockService fields the assignment/heartbeat rules read. */
export interface BlockServiceState {
  /** bs.listenAddr (the iSCSI listen address; host:port). */
  readonly listenAddr: string;
  /**
   * bs.localServerID — StartBlockService sets listenAddr (INTERIM upstream); 3ec8fab2f's
   * SetServerID(volumeServerId) replaces it (identity.ts).
   */
  readonly localServerID: string;
  /** bs.blockStore: path → volume control state. */
  readonly volumes: Readonly<Record<string, VolumeControlState>>;
  /** bs.replStates (R1-4). */
  readonly replStates: Readonly<Record<string, ReplState>>;
  /** 3ec8fab2f bs.lastAssign: last assignment handed to the V2 bridge per path (v2_assignment.ts). */
  readonly lastAssign?: Readonly<Record<string, LastAppliedAssignment>>;
}

/** StartBlockService: every volume found on disk opened (RoleNone), no replStates. */
export function newBlockService(listenAddr: string, volumes: Readonly<Record<string, VolumeControlState>>): BlockServiceState {
  return { listenAddr, localServerID: listenAddr, volumes, replStates: {} };
}

/** Go WireStateChangeNotify (called once, from SetBlockService): only the volumes registered now. */
export function wireStateChangeNotify(bs: BlockServiceState): BlockServiceState {
  const volumes: Record<string, VolumeControlState> = {};
  for (const p of Object.keys(bs.volumes).sort()) volumes[p] = { ...bs.volumes[p]!, stateChangeNotifyWired: true };
  return { ...bs, volumes };
}

/** 32-bit FNV-1a over the UTF-8 bytes (Go hash/fnv New32a). */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Go BlockService.ReplicationPorts: base = listen port (default 3260); data = base+1000+(fnv%500)*3. */
export function replicationPorts(listenAddr: string, volPath: string): { dataPort: number; ctrlPort: number; rebuildPort: number } {
  let basePort = 3260;
  const idx = listenAddr.lastIndexOf(':');
  if (idx >= 0) {
    const m = /^[+-]?\d+/.exec(listenAddr.slice(idx + 1)); // fmt.Sscanf("%d")
    if (m) {
      const p = Number.parseInt(m[0], 10);
      if (p > 0) basePort = p;
    }
  }
  const offset = (fnv32a(volPath) % 500) * 3;
  const dataPort = basePort + 1000 + offset;
  return { dataPort, ctrlPort: dataPort + 1, rebuildPort: dataPort + 2 };
}

/** setupPrimaryReplication(Multi): the deterministic rebuild listen address (listen host + rebuild port). */
export function rebuildListenAddr(listenAddr: string, volPath: string): string {
  const { rebuildPort } = replicationPorts(listenAddr, volPath);
  const idx = listenAddr.lastIndexOf(':');
  const host = idx >= 0 ? listenAddr.slice(0, idx) : listenAddr;
  return `${host}:${rebuildPort}`;
}

export type ServiceEffect =
  /** ProcessAssignments' V2 bridge: ConvertAssignment(a, localServerID) → orchestrator.ProcessAssignment. */
  | { readonly kind: 'v2Assignment'; readonly assignment: BlockVolumeAssignment; readonly localServerID: string }
  /**
   * vol.SetReplicaAddrs(addrs): a fresh ShipperGroup (one WALShipper per addr, epoch read live
   * from the volume), the shipper state-change callback attached if the volume has one, and the
   * group committer stopped and replaced by a distributed one (MakeDistributedSync, PostSyncCheck
   * = writeGate). The previous shipper group, if any, is dropped without StopAll.
   */
  | { readonly kind: 'setReplicaAddrs'; readonly path: string; readonly addrs: readonly ReplicaAddr[]; readonly wireStateChange: boolean }
  /** vol.StartRebuildServer(addr); a failure is logged and ignored ("Non-fatal"). */
  | { readonly kind: 'startRebuildServer'; readonly path: string; readonly addr: string }
  /** bs.replStates[path] = … (heartbeat reporting). */
  | { readonly kind: 'setReplState'; readonly path: string; readonly state: ReplState }
  /**
   * vol.StartReplicaReceiver(data, ctrl) (a new receiver replaces v.replRecv; the old one is not
   * stopped). On success call `replicaReceiverStarted` with the receiver's canonical addresses;
   * on failure nothing else happens (warning only).
   */
  | { readonly kind: 'startReplicaReceiver'; readonly path: string; readonly dataAddr: string; readonly ctrlAddr: string }
  /** go blockvol.StartRebuild(vol, rebuildAddr, 0, epoch) in the background; the result is only logged. */
  | { readonly kind: 'startRebuild'; readonly path: string; readonly rebuildAddr: string; readonly fromLSN: 0; readonly epoch: number };

/** One assignment's volume-level step: either the volume is unknown, or the HandleAssignment decision. */
export interface VolumeAssignmentStep {
  readonly assignment: BlockVolumeAssignment;
  readonly role: Role;
  readonly leaseTtlMs: number;
  /** Error without effects (unknown volume, stale epoch, invalid assignment) or the effects to run. */
  readonly decision: AssignmentDecision;
}

/**
 * Go ProcessAssignments, part 1: the V2 bridge deliveries (all assignments, first), then the
 * volume-level step per assignment. The decision for assignment k is made against the state
 * `volumes` has when you call `planVolumeAssignment` for it — call it just before running it,
 * after the previous assignment's effects (a batch may name the same path twice).
 */
export function v2BridgeEffects(bs: BlockServiceState, assignments: readonly BlockVolumeAssignment[]): ServiceEffect[] {
  return assignments.map((a) => ({ kind: 'v2Assignment' as const, assignment: a, localServerID: bs.localServerID }));
}

/** Go ProcessAssignments step 1 for one assignment: WithVolume + vol.HandleAssignment. */
export function planVolumeAssignment(bs: BlockServiceState, a: BlockVolumeAssignment, opts: AssignmentOptions = {}): VolumeAssignmentStep {
  const role = roleFromWire(a.role);
  const leaseTtlMs = leaseTTLFromWire(a.leaseTtlMs);
  const vol = bs.volumes[a.path];
  if (vol === undefined) {
    return { assignment: a, role, leaseTtlMs, decision: { ok: false, error: sentinel('ErrVolumeNotFound', a.path) } };
  }
  return { assignment: a, role, leaseTtlMs, decision: planAssignment(vol, a.epoch, role, leaseTtlMs, opts) };
}

export interface ReplicationSetupOptions {
  /** Upstream commit (default c7eb87c58); 3ec8fab2f adds the setupPrimaryReplication(Multi) guards. */
  readonly commit?: UpstreamCommit;
}

/**
 * Go ProcessAssignments step 2 ("Replication setup based on role + addresses"), run only when
 * step 1 succeeded. Decided by the assignment's role, not the volume's resulting role.
 * At 3ec8fab2f an unchanged primary setup is skipped (no effects): setupPrimaryReplicationMulti
 * when replStates[path].allReplicas equals the addrs element-wise (data, ctrl, ServerID);
 * setupPrimaryReplication when replStates[path] has the same data and ctrl address.
 */
export function replicationSetup(bs: BlockServiceState, a: BlockVolumeAssignment, opts: ReplicationSetupOptions = {}): ServiceEffect[] {
  const guards = atLeast(opts.commit ?? DEFAULT_COMMIT, '3ec8fab2f');
  const role = roleFromWire(a.role);
  const vol = bs.volumes[a.path];
  const wire = vol?.stateChangeNotifyWired ?? false;
  switch (role) {
    case Role.Primary: {
      // CP8-2: ReplicaAddrs (multi-replica) takes precedence over scalar fields.
      let addrs: readonly ReplicaAddr[];
      let state: ReplState;
      const existing = bs.replStates[a.path];
      if (a.replicaAddrs.length > 0) {
        addrs = a.replicaAddrs;
        // P3 (3ec8fab2f setupPrimaryReplicationMulti): skip if ALL replica addresses unchanged.
        if (guards && existing !== undefined && multiReplicaUnchanged(existing, addrs)) return [];
        // setupPrimaryReplicationMulti stores the first replica "for backward compat heartbeat
        // reporting" (and, at 3ec8fab2f, a copy of the full set).
        state = { replicaDataAddr: addrs[0]!.dataAddr, replicaCtrlAddr: addrs[0]!.ctrlAddr, ...(guards ? { allReplicas: addrs.map((r) => ({ ...r })) } : {}) };
      } else if (a.replicaDataAddr !== '' && a.replicaCtrlAddr !== '') {
        // P3 (3ec8fab2f setupPrimaryReplication): skip if replica state is unchanged (data+ctrl only).
        if (guards && existing !== undefined && existing.replicaDataAddr === a.replicaDataAddr && existing.replicaCtrlAddr === a.replicaCtrlAddr) return [];
        addrs = [{ dataAddr: a.replicaDataAddr, ctrlAddr: a.replicaCtrlAddr }];
        state = { replicaDataAddr: a.replicaDataAddr, replicaCtrlAddr: a.replicaCtrlAddr };
      } else return [];
      return [
        { kind: 'setReplicaAddrs', path: a.path, addrs, wireStateChange: wire },
        { kind: 'startRebuildServer', path: a.path, addr: rebuildListenAddr(bs.listenAddr, a.path) },
        { kind: 'setReplState', path: a.path, state },
      ];
    }
    case Role.Replica:
      if (a.replicaDataAddr !== '' && a.replicaCtrlAddr !== '') {
        return [{ kind: 'startReplicaReceiver', path: a.path, dataAddr: a.replicaDataAddr, ctrlAddr: a.replicaCtrlAddr }];
      }
      return [];
    case Role.Rebuilding:
      if (a.rebuildAddr !== '') return [{ kind: 'startRebuild', path: a.path, rebuildAddr: a.rebuildAddr, fromLSN: 0, epoch: a.epoch }];
      return [];
    default:
      return [];
  }
}

/** Go BlockService.multiReplicaUnchanged (3ec8fab2f): same length, same data/ctrl/ServerID in order. */
export function multiReplicaUnchanged(existing: ReplState, addrs: readonly ReplicaAddr[]): boolean {
  const all = existing.allReplicas ?? [];
  if (all.length !== addrs.length) return false;
  return addrs.every((r, i) => all[i]!.dataAddr === r.dataAddr && all[i]!.ctrlAddr === r.ctrlAddr && (all[i]!.serverID ?? '') === (r.serverID ?? ''));
}

/** Apply the control-state part of a service effect (the rest is the simulator's I/O). */
export function applyServiceEffect(bs: BlockServiceState, e: ServiceEffect): BlockServiceState {
  switch (e.kind) {
    case 'setReplicaAddrs': {
      const vol = bs.volumes[e.path];
      if (!vol) return bs;
      return { ...bs, volumes: { ...bs.volumes, [e.path]: { ...vol, hasShipperGroup: true, groupCommit: 'distributed' } } };
    }
    case 'setReplState':
      return { ...bs, replStates: { ...bs.replStates, [e.path]: e.state } };
    case 'v2Assignment':
    case 'startRebuildServer':
    case 'startReplicaReceiver':
    case 'startRebuild':
      return bs;
  }
}

/**
 * setupReplicaReceiver after StartReplicaReceiver: error → nothing recorded; success → the
 * receiver's canonical addresses, each falling back to the assignment's when empty.
 */
export function replicaReceiverStarted(bs: BlockServiceState, e: Extract<ServiceEffect, { kind: 'startReplicaReceiver' }>, result: { canonData: string; canonCtrl: string } | { error: string }): { bs: BlockServiceState; error: ControlError | null } {
  if ('error' in result) return { bs, error: sentinel('ErrReplicaReceiver', result.error) };
  const vol = bs.volumes[e.path];
  const volumes = vol ? { ...bs.volumes, [e.path]: { ...vol, hasReceiver: true } } : bs.volumes;
  const state: ReplState = { replicaDataAddr: result.canonData !== '' ? result.canonData : e.dataAddr, replicaCtrlAddr: result.canonCtrl !== '' ? result.canonCtrl : e.ctrlAddr };
  return { bs: { ...bs, volumes, replStates: { ...bs.replStates, [e.path]: state } }, error: null };
}

/** Replace one volume's control state (after running its plan). */
export function withVolume(bs: BlockServiceState, path: string, vol: VolumeControlState): BlockServiceState {
  return { ...bs, volumes: { ...bs.volumes, [path]: vol } };
}

/** Go GetReplState. */
export function getReplState(bs: BlockServiceState, path: string): ReplState {
  return bs.replStates[path] ?? { replicaDataAddr: '', replicaCtrlAddr: '' };
}
