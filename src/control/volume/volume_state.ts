// The control-plane state of one block volume as the volume server sees it — exactly the
// BlockVol fields upstream's control rules read or write: role, persisted epoch, master epoch,
// lease, whether a shipper group / receiver exists, and how group commit syncs. Plain and
// immutable, so it can be fingerprinted and compared; every change goes through the effect
// reducer (promotion.ts applyVolumeEffect) or the restart constructors below.
//
// Ports the fencing/replication fields of `type BlockVol struct` and, for a restart, the parts
// of OpenBlockVol (weed/storage/blockvol/blockvol.go @c7eb87c58) that set them:
//   v.epoch.Store(sb.Epoch)      — the epoch survives (superblock);
//   masterEpoch                  — NOT restored: zero value 0;
//   lease                        — zero value: invalid;
//   role                         — zero value: RoleNone ("Phase 3 default, no fencing");
//   groupCommit SyncFunc         — v.fd.Sync: local-only, no shippers, no distributed barrier;
//   shipperGroup / replRecv      — nil; onShipperStateChange nil until WireStateChangeNotify.
// CreateBlockVol does the same with epoch 0 (a fresh superblock).
// Left out: WAL/flusher/dirty map/snapshots/expand/scrubber/metrics (other layers or not ported).

import { Role } from './role.ts';
import { ZERO_LEASE, type Lease } from './lease.ts';

export type GroupCommitMode =
  /** SyncFunc = fd.Sync (OpenBlockVol/CreateBlockVol): durable locally only. */
  | 'local'
  /** SyncFunc = MakeDistributedSync(fd.Sync, shipperGroup, v) (SetReplicaAddrs). */
  | 'distributed';

export interface VolumeControlState {
  readonly role: Role;
  /** v.epoch: the persisted (superblock) epoch. */
  readonly epoch: number;
  /** v.masterEpoch: the epoch the master last told this volume; the write gate compares them. */
  readonly masterEpoch: number;
  readonly lease: Lease;
  /** v.shipperGroup != nil (set by SetReplicaAddrs, never cleared — StopAll keeps the group). */
  readonly hasShipperGroup: boolean;
  /** v.replRecv != nil. */
  readonly hasReceiver: boolean;
  readonly groupCommit: GroupCommitMode;
  /** v.onShipperStateChange != nil (BlockService.WireStateChangeNotify ran for this volume). */
  readonly stateChangeNotifyWired: boolean;
}

/**
 * The state a volume is in right after OpenBlockVol — i.e. after a volume-server restart.
 * `superblockEpoch` is sb.Epoch as recovered from disk.
 */
export function openedVolumeState(superblockEpoch: number): VolumeControlState {
  return {
    role: Role.None,
    epoch: superblockEpoch,
    masterEpoch: 0,
    lease: ZERO_LEASE,
    hasShipperGroup: false,
    hasReceiver: false,
    groupCommit: 'local',
    stateChangeNotifyWired: false,
  };
}

/** The state after CreateBlockVol: as opened, with a fresh superblock (epoch 0). */
export function createdVolumeState(): VolumeControlState {
  return openedVolumeState(0);
}
