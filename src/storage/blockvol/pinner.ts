// The v2bridge Pinner (spec §9.7): WAL / snapshot / full-base holds with release functions.
// Registers MinWALRetentionFloor with the volume (SetV2RetentionFloor), which chains it with the
// shipper floor (min of both). HoldWALRetention(s) fails if s < status WALTailLSN;
// HoldSnapshot(cp) needs a trusted checkpoint equal to cp; HoldFullBase always succeeds and is
// not part of the floor (hazard H13). Hold IDs come from the pinner's own counter (first 1).
// Satisfies the engine's BlockVolPinner contract structurally.

import { EngineError } from '../../engine/errors.ts';
import type { FloorResult } from './volume_state.ts';
import type { BlockVolState } from './volume.ts';
import { M, mark } from '../../marks/index.ts';

export const ERR_PIN_REJECTED = 'pin_rejected';

export type HoldKind = 'wal' | 'snapshot' | 'fullbase';

export interface Hold {
  readonly id: number;
  readonly kind: HoldKind;
  readonly startLSN: number;
}

export interface HoldResult {
  readonly release: () => void;
  readonly err: EngineError | null;
}

/** What the pinner needs from the volume. */
export interface PinnableVolume {
  statusSnapshot(): BlockVolState;
  setV2RetentionFloor(fn: () => FloorResult): void;
  /** Told which pinner is registered, so the volume's pinner() returns it. */
  adoptPinner?(p: Pinner): void;
}

const NOOP = (): void => {};

export class Pinner {
  private readonly holds = new Map<number, Hold>();
  private lastID = 0;

  constructor(private readonly vol: PinnableVolume, register = true) {
    if (register) {
      vol.setV2RetentionFloor(() => this.minWALRetentionFloor());
      vol.adoptPinner?.(this);
    }
  }

  holdWALRetention(startLSN: number): HoldResult {
    const tail = this.vol.statusSnapshot().walTailLSN;
    if (startLSN < tail) return mark(M.storage_pin_wal_refused_recycled), { release: NOOP, err: new EngineError(ERR_PIN_REJECTED, `WAL already recycled: start ${startLSN} < tail ${tail}`) };
    mark(M.storage_pin_wal_granted);
    return this.add('wal', startLSN);
  }

  holdSnapshot(checkpointLSN: number): HoldResult {
    const st = this.vol.statusSnapshot();
    if (!st.checkpointTrusted) return mark(M.storage_pin_snapshot_refused_untrusted), { release: NOOP, err: new EngineError(ERR_PIN_REJECTED, 'checkpoint not trusted') };
    if (st.checkpointLSN !== checkpointLSN)
      return mark(M.storage_pin_snapshot_refused_moved), { release: NOOP, err: new EngineError(ERR_PIN_REJECTED, `checkpoint ${st.checkpointLSN} != requested ${checkpointLSN}`) };
    mark(M.storage_pin_snapshot_granted);
    return this.add('snapshot', checkpointLSN);
  }

  holdFullBase(committedLSN: number): HoldResult {
    mark(M.storage_pin_full_base_granted);
    return this.add('fullbase', committedLSN);
  }

  /** Minimum startLSN over wal and snapshot holds; found = false if none. */
  minWALRetentionFloor(): FloorResult {
    let min = 0;
    let found = false;
    for (const h of this.holds.values()) {
      if (h.kind === 'fullbase') continue;
      if (!found || h.startLSN < min) min = h.startLSN;
      found = true;
    }
    return { lsn: min, found };
  }

  activeHoldCount(): number {
    return this.holds.size;
  }

  /** Current holds in creation order. */
  activeHolds(): Hold[] {
    return [...this.holds.values()];
  }

  private add(kind: HoldKind, startLSN: number): HoldResult {
    this.lastID += 1;
    const id = this.lastID;
    this.holds.set(id, { id, kind, startLSN });
    return { release: () => void this.holds.delete(id), err: null };
  }
}
