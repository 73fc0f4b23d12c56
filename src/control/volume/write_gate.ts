// Write fencing: may this volume accept a write (WriteLBA, Trim) right now?
// Ports weed/storage/blockvol/write_gate.go @c7eb87c58 (BlockVol.writeGate). Order of checks is
// upstream's: RoleNone passes everything ("Phase 3 compat: no fencing"); any other non-primary
// role → ErrNotPrimary; epoch != masterEpoch → ErrEpochStale; lease invalid → ErrLeaseExpired.
// Upstream also installs writeGate as the group committer's PostSyncCheck (OpenBlockVol,
// SetReplicaAddrs): a SyncCache whose fsync completed is still failed if the gate closed
// meanwhile — `postSyncCheck` below is the same function under that name.
//
// HAZARD (writeGate, RoleNone branch): a volume that restarted (OpenBlockVol → RoleNone) accepts
// writes unfenced — no epoch, no lease check — and, having no shipper group, unreplicated, until
// the master's first assignment arrives. A restarted former primary is writable by any client
// still connected to it.

import { sentinel, type ControlError } from './errors.ts';
import { leaseValid } from './lease.ts';
import { Role } from './role.ts';
import type { VolumeControlState } from './volume_state.ts';

export function writeGate(v: VolumeControlState, now: number): ControlError | null {
  if (v.role === Role.None) return null; // Phase 3 compat: no fencing
  if (v.role !== Role.Primary) return sentinel('ErrNotPrimary');
  if (v.epoch !== v.masterEpoch) return sentinel('ErrEpochStale');
  if (!leaseValid(v.lease, now)) return sentinel('ErrLeaseExpired');
  return null;
}

/** GroupCommitterConfig.PostSyncCheck = v.writeGate (blockvol.go OpenBlockVol / SetReplicaAddrs). */
export const postSyncCheck = writeGate;
