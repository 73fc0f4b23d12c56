// What a volume server tells the master about its block volumes, and when.
// Ports, @c7eb87c58:
//   weed/storage/blockvol/block_heartbeat.go  BlockVolumeInfoMessage, ToBlockVolumeInfoMessage,
//       BlockVolumeShortInfoMessage, ToBlockVolumeShortInfoMessage
//   weed/storage/blockvol/block_heartbeat_proto.go  InfoMessageToProto — the wire content. It
//       carries no ReplicaShipperStates (the Go struct has them, the proto has no field), no
//       flushed/received LSN of a replica, no per-replica state: a primary reports only
//       ReplicaDegraded (any shipper degraded) and the first replica's address.
//   weed/server/volume_server_block.go  CollectBlockVolumeHeartbeat (replState addresses; NVMe
//       fields left out), WireStateChangeNotify (buffered chan of 1: signals coalesce)
//   weed/server/volume_grpc_client_to_master.go  doHeartbeat: on every (re)connected stream a
//       full block heartbeat at once; a ticker of 5 × pulsePeriod (constants.VolumePulsePeriod
//       = 5 s → 25 s) started at connect time, each tick a full block heartbeat; on a shipper
//       state-change signal a full block heartbeat at once. collectBlockVolumeHeartbeat: the
//       message is BlockVolumeInfos + HasNoBlockVolumes (= no volumes).
//   weed/storage/blockvol/wal_shipper.go  markDegraded / markInSync: the only shipper
//       transitions that call onStateChange (prev != new). Entering NeedsRebuild (state.Store)
//       does not: no immediate heartbeat when a replica needs a rebuild.
// Not sent by the volume server at this commit: the delta heartbeat (NewBlockVolumes /
// DeletedBlockVolumes, BlockVolumeShortInfoMessage) — the master accepts it but nothing in
// weed/server sends it; ToBlockVolumeShortInfoMessage is ported for completeness only.
// Left out: the standalone BlockVolumeHeartbeatCollector (block_heartbeat_loop.go) — test-only
// wiring, not used by the volume server's heartbeat; NVMe addr/NQN; the non-block heartbeats.
// Go's map iteration order (CollectBlockVolumeHeartbeat) is random; here volumes are sorted by path.

import type { ReplicaState } from '../../engine/types.ts';
import type { BlockServiceState } from './assignment.ts';
import type { HealthStats } from './health_score.ts';
import { leaseValid } from './lease.ts';
import { roleToWire } from './role.ts';
import type { VolumeControlState } from './volume_state.ts';

/** Go constants.VolumePulsePeriod. */
export const VOLUME_PULSE_PERIOD_MS = 5_000;
/** doHeartbeat: blockVolTickChan := time.NewTicker(5 * sleepInterval). */
export const BLOCK_HEARTBEAT_MULTIPLIER = 5;

/** The proto BlockVolumeInfoMessage (fields 1-16; NVMe 17-18 left out). */
export interface BlockVolumeInfoMessage {
  readonly path: string;
  readonly volumeSize: number;
  readonly blockSize: number;
  readonly epoch: number;
  /** wire role (uint32) */
  readonly role: number;
  readonly walHeadLsn: number;
  /** "last flushed LSN" — the flusher checkpoint, not a replica's durable progress */
  readonly checkpointLsn: number;
  readonly hasLease: boolean;
  readonly diskType: string;
  readonly replicaDataAddr: string;
  readonly replicaCtrlAddr: string;
  readonly healthScore: number;
  readonly scrubErrors: number;
  readonly lastScrubTime: number;
  readonly replicaDegraded: boolean;
  readonly durabilityMode: string;
}

export interface BlockVolumeShortInfoMessage {
  readonly path: string;
  readonly volumeSize: number;
  readonly blockSize: number;
  readonly diskType: string;
}

/** Storage/replication facts of one volume the simulator reads from its real volume. */
export interface VolumeReport {
  readonly volumeSize: number;
  readonly blockSize: number;
  /** Status().WALHeadLSN = nextLSN - 1 */
  readonly walHeadLsn: number;
  /** flusher.CheckpointLSN() */
  readonly checkpointLsn: number;
  /** shipperGroup.AnyDegraded() (false without a shipper group) */
  readonly replicaDegraded: boolean;
  /** DurabilityMode().String(): "best_effort" | "sync_all" | "sync_quorum" */
  readonly durabilityMode: string;
  readonly diskType: string;
  readonly health: HealthStats;
}

/** Go ToBlockVolumeInfoMessage + InfoMessageToProto (replica addresses filled by the caller). */
export function toBlockVolumeInfoMessage(path: string, vol: VolumeControlState, r: VolumeReport, now: number): BlockVolumeInfoMessage {
  return {
    path,
    volumeSize: r.volumeSize,
    blockSize: r.blockSize,
    epoch: vol.epoch,
    role: roleToWire(vol.role),
    walHeadLsn: r.walHeadLsn,
    checkpointLsn: r.checkpointLsn,
    hasLease: leaseValid(vol.lease, now),
    diskType: r.diskType,
    replicaDataAddr: '',
    replicaCtrlAddr: '',
    healthScore: r.health.score,
    scrubErrors: r.health.scrubErrors,
    lastScrubTime: r.health.lastScrubTime,
    replicaDegraded: r.replicaDegraded,
    durabilityMode: r.durabilityMode,
  };
}

/** Go ToBlockVolumeShortInfoMessage (unused by upstream's volume server at this commit). */
export function toBlockVolumeShortInfoMessage(path: string, r: VolumeReport): BlockVolumeShortInfoMessage {
  return { path, volumeSize: r.volumeSize, blockSize: r.blockSize, diskType: r.diskType };
}

/** The block part of master_pb.Heartbeat that collectBlockVolumeHeartbeat fills. */
export interface BlockHeartbeat {
  readonly blockVolumeInfos: readonly BlockVolumeInfoMessage[];
  readonly hasNoBlockVolumes: boolean;
}

/** Go VolumeServer.collectBlockVolumeHeartbeat via BlockService.CollectBlockVolumeHeartbeat. */
export function collectBlockHeartbeat(bs: BlockServiceState, reports: Readonly<Record<string, VolumeReport>>, now: number): BlockHeartbeat {
  const infos: BlockVolumeInfoMessage[] = [];
  for (const path of Object.keys(bs.volumes).sort()) {
    const r = reports[path];
    if (r === undefined) throw new Error(`collectBlockHeartbeat: no report for ${path}`);
    const msg = toBlockVolumeInfoMessage(path, bs.volumes[path]!, r, now);
    const rs = bs.replStates[path];
    infos.push(rs ? { ...msg, replicaDataAddr: rs.replicaDataAddr, replicaCtrlAddr: rs.replicaCtrlAddr } : msg);
  }
  return { blockVolumeInfos: infos, hasNoBlockVolumes: infos.length === 0 };
}

/** Go markDegraded / markInSync: does this shipper transition fire onStateChange? */
export function shipperTransitionNotifies(from: ReplicaState, to: ReplicaState): boolean {
  return from !== to && (to === 'degraded' || to === 'in_sync');
}

/**
 * The block-heartbeat cadence of one volume server's heartbeat stream (doHeartbeat's select
 * loop, block cases only). Fed with `now`, connect/disconnect and state-change signals; says
 * which full block heartbeats are due and when to wake next. Every send is a full report.
 */
export interface BlockHeartbeatLoop {
  readonly periodMs: number;
  /** Virtual ms the current stream connected (ticker phase), null while disconnected. */
  readonly connectedAt: number | null;
  /** Next ticker fire, null while disconnected. */
  readonly nextTickAt: number | null;
  /** vs.blockStateChangeChan holds a signal (capacity 1; survives reconnects). */
  readonly stateChangePending: boolean;
  /** vs.blockService != nil */
  readonly blockServiceEnabled: boolean;
}

export type BlockHeartbeatReason = 'connect' | 'state_change' | 'tick';

export function newBlockHeartbeatLoop(blockServiceEnabled: boolean, pulsePeriodMs: number = VOLUME_PULSE_PERIOD_MS): BlockHeartbeatLoop {
  return { periodMs: BLOCK_HEARTBEAT_MULTIPLIER * pulsePeriodMs, connectedAt: null, nextTickAt: null, stateChangePending: false, blockServiceEnabled };
}

/** A new heartbeat stream (doHeartbeat start): the ticker starts now; a full report at once if the block service is on. */
export function onStreamConnected(s: BlockHeartbeatLoop, now: number): { loop: BlockHeartbeatLoop; send: BlockHeartbeatReason[] } {
  return { loop: { ...s, connectedAt: now, nextTickAt: now + s.periodMs }, send: s.blockServiceEnabled ? ['connect'] : [] };
}

/** The stream ended (send error, new leader, master gone): the ticker is stopped. */
export function onStreamClosed(s: BlockHeartbeatLoop): BlockHeartbeatLoop {
  return { ...s, connectedAt: null, nextTickAt: null };
}

/** WireStateChangeNotify's callback: non-blocking send on a channel of capacity 1. */
export function onStateChangeSignal(s: BlockHeartbeatLoop): BlockHeartbeatLoop {
  return { ...s, stateChangePending: true };
}

/**
 * Everything due at `now` on a connected stream: a pending state-change signal is consumed and
 * sends a full report (if the block service is off it is consumed and nothing is sent: Go's
 * `continue`); a due tick sends a full report. Go's ticker keeps one pending tick and drops the
 * rest, so a late poll gets one 'tick' and the next tick stays on the connect-time phase. Go's
 * select picks randomly among ready cases; here state change comes first (both send the same
 * full report).
 */
export function pollBlockHeartbeat(s: BlockHeartbeatLoop, now: number): { loop: BlockHeartbeatLoop; send: BlockHeartbeatReason[] } {
  if (s.connectedAt === null || s.nextTickAt === null) return { loop: s, send: [] };
  const send: BlockHeartbeatReason[] = [];
  let loop = s;
  if (loop.stateChangePending) {
    loop = { ...loop, stateChangePending: false };
    if (loop.blockServiceEnabled) send.push('state_change');
  }
  if (now >= loop.nextTickAt!) {
    const elapsed = now - loop.connectedAt!;
    const next = loop.connectedAt! + (Math.floor(elapsed / loop.periodMs) + 1) * loop.periodMs;
    loop = { ...loop, nextTickAt: next };
    if (loop.blockServiceEnabled) send.push('tick');
  }
  return { loop, send };
}

/** When the simulator should poll next (null while disconnected). A state-change signal means "now". */
export function nextBlockHeartbeatWake(s: BlockHeartbeatLoop, now: number): number | null {
  if (s.connectedAt === null) return null;
  return s.stateChangePending ? now : s.nextTickAt;
}
