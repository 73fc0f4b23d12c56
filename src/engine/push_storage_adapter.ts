// PushStorageAdapter (spec §9.6): the test StorageAdapter whose blockvol state is pushed in with
// updateState. It is the bridge adapter over an in-memory reader and pinner, so pin IDs, wrapped
// errors and release semantics are the bridge's. Holds follow the test rules of §9.6; optional
// refusals let tests and engine scripts exercise every pin-failure path.
import { BridgeStorageAdapter } from './adapter.ts';
import type { BlockVolPinner, BlockVolReader, BlockVolState, HoldResult } from './adapter.ts';
import { EngineError } from './errors.ts';

export type HoldKind = 'wal' | 'snapshot' | 'fullbase';

export interface ActiveHold {
  readonly holdID: number;
  readonly kind: HoldKind;
  readonly startLSN: number;
}

/** Pin refusals injected by a test: a refused hold fails before the state rules are checked. */
export interface PinRefusals {
  readonly walPin: boolean;
  readonly snapshotPin: boolean;
  readonly fullBasePin: boolean;
}

export const PushHoldErrorCode = {
  WALRecycled: 'wal_recycled',
  NoTrustedCheckpoint: 'no_trusted_checkpoint',
  Refused: 'hold_refused',
} as const;

const EMPTY_STATE: BlockVolState = { walHeadLSN: 0, walTailLSN: 0, committedLSN: 0, checkpointLSN: 0, checkpointTrusted: false };
const NO_REFUSALS: PinRefusals = { walPin: false, snapshotPin: false, fullBasePin: false };

/** In-memory reader + pinner with hold bookkeeping (its own hold-ID counter, as the real pinner). */
class PushVolume implements BlockVolReader, BlockVolPinner {
  state: BlockVolState = EMPTY_STATE;
  refusals: PinRefusals = NO_REFUSALS;
  private lastHoldID = 0;
  private readonly holds = new Map<number, ActiveHold>();

  readState(): BlockVolState {
    return this.state;
  }

  holdWALRetention(startLSN: number): HoldResult {
    if (this.refusals.walPin) return refused('WAL retention pin refused');
    if (startLSN < this.state.walTailLSN) {
      return {
        release: null,
        err: new EngineError(PushHoldErrorCode.WALRecycled, `WAL recycled past ${startLSN} (tail=${this.state.walTailLSN})`),
      };
    }
    return this.hold('wal', startLSN);
  }

  holdSnapshot(checkpointLSN: number): HoldResult {
    if (this.refusals.snapshotPin) return refused('snapshot pin refused');
    if (!this.state.checkpointTrusted || this.state.checkpointLSN !== checkpointLSN) {
      return { release: null, err: new EngineError(PushHoldErrorCode.NoTrustedCheckpoint, `no trusted checkpoint at ${checkpointLSN}`) };
    }
    return this.hold('snapshot', checkpointLSN);
  }

  holdFullBase(committedLSN: number): HoldResult {
    if (this.refusals.fullBasePin) return refused('full base pin refused');
    return this.hold('fullbase', committedLSN);
  }

  activeHolds(): ActiveHold[] {
    return [...this.holds.values()].sort((a, b) => a.holdID - b.holdID);
  }

  private hold(kind: HoldKind, startLSN: number): HoldResult {
    this.lastHoldID += 1;
    const holdID = this.lastHoldID;
    this.holds.set(holdID, { holdID, kind, startLSN });
    return { release: () => void this.holds.delete(holdID), err: null };
  }
}

function refused(message: string): HoldResult {
  return { release: null, err: new EngineError(PushHoldErrorCode.Refused, message) };
}

export class PushStorageAdapter extends BridgeStorageAdapter {
  private readonly volume: PushVolume;

  constructor(initial: BlockVolState = EMPTY_STATE) {
    const volume = new PushVolume();
    super(volume, volume);
    this.volume = volume;
    this.volume.state = { ...initial };
  }

  /** Push a new blockvol state (the push model of the upstream tests). */
  updateState(state: BlockVolState): void {
    this.volume.state = { ...state };
  }

  state(): BlockVolState {
    return this.volume.state;
  }

  /** Make later holds of the given kinds fail (test hook; not part of upstream's adapter). */
  setPinRefusals(refusals: Partial<PinRefusals>): void {
    this.volume.refusals = { ...this.volume.refusals, ...refusals };
  }

  pinRefusals(): PinRefusals {
    return this.volume.refusals;
  }

  /** Holds of every kind still held (upstream's ActiveHoldCount). */
  activeHoldCount(): number {
    return this.volume.activeHolds().length;
  }

  /** Holds still held, ascending hold ID. */
  activeHolds(): ActiveHold[] {
    return this.volume.activeHolds();
  }

  activeHoldCountOf(kind: HoldKind): number {
    return this.volume.activeHolds().filter((h) => h.kind === kind).length;
  }
}
