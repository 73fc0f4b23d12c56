// The volume's two epochs: the persisted epoch (superblock) and the master epoch (memory only).
// Ports weed/storage/blockvol/epoch.go @c7eb87c58: Epoch, SetEpoch, SetMasterEpoch.
// Go SetEpoch stores the new epoch in memory (v.super.Epoch, v.epoch) BEFORE it writes and
// fsyncs the superblock; if the write fails the in-memory epoch has already moved. The reducer
// below does the same (the superblock I/O itself is the simulator's, via the 'setEpoch' effect).

import type { VolumeControlState } from './volume_state.ts';

/** Go SetEpoch's in-memory part (done even when the superblock write then fails). */
export function withEpoch(v: VolumeControlState, epoch: number): VolumeControlState {
  return { ...v, epoch };
}

/** Go SetMasterEpoch. */
export function withMasterEpoch(v: VolumeControlState, epoch: number): VolumeControlState {
  return { ...v, masterEpoch: epoch };
}
