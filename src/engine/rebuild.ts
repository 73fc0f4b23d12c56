// Rebuild state machine (spec §6): source selection, base transfer, tail replay and the
// completion gate of a rebuild session. Owned by a rebuild Session; every rejection is an
// EngineError with a `rebuild_*` code and changes no state.
import { EngineError } from './errors.ts';
import { RebuildPhase, RebuildSource } from './types.ts';

export const RebuildErrorCode = {
  SourceSelectRequiresInit: 'rebuild_source_select_requires_init',
  TransferRequiresSourceSelect: 'rebuild_transfer_requires_source_select',
  ProgressRequiresTransfer: 'rebuild_progress_requires_transfer',
  TransferRegression: 'rebuild_transfer_regression',
  TailReplayRequiresTransfer: 'rebuild_tail_replay_requires_transfer',
  TailReplayOnlySnapshotTail: 'rebuild_tail_replay_only_snapshot_tail',
  BaseTransferIncomplete: 'rebuild_base_transfer_incomplete',
  TailProgressRequiresTailReplay: 'rebuild_tail_progress_requires_tail_replay',
  TailRegression: 'rebuild_tail_regression',
  NotReady: 'rebuild_not_ready',
} as const;

/** Plain value of a RebuildState (all nine fields). `source` is '' before selection. */
export interface RebuildCanonical {
  readonly source: RebuildSource | '';
  readonly phase: RebuildPhase;
  readonly abortReason: string;
  readonly snapshotLSN: number;
  readonly snapshotValid: boolean;
  readonly transferredTo: number;
  readonly tailStartLSN: number;
  readonly tailTargetLSN: number;
  readonly tailReplayedTo: number;
}

function rebuildError(code: string, text: string): EngineError {
  return new EngineError(code, `rebuild: ${text}`);
}

export class RebuildState {
  private _source: RebuildSource | '' = '';
  private _phase: RebuildPhase = RebuildPhase.Init;
  private _abortReason = '';
  private _snapshotLSN = 0;
  private _snapshotValid = false;
  private _transferredTo = 0;
  private _tailStartLSN = 0;
  private _tailTargetLSN = 0;
  private _tailReplayedTo = 0;

  get source(): RebuildSource | '' { return this._source; }
  get phase(): RebuildPhase { return this._phase; }
  get abortReason(): string { return this._abortReason; }
  get snapshotLSN(): number { return this._snapshotLSN; }
  get snapshotValid(): boolean { return this._snapshotValid; }
  get transferredTo(): number { return this._transferredTo; }
  get tailStartLSN(): number { return this._tailStartLSN; }
  get tailTargetLSN(): number { return this._tailTargetLSN; }
  get tailReplayedTo(): number { return this._tailReplayedTo; }

  /** Mechanism: snapshot_tail iff `valid && snap > 0`, else full_base; tail target = committed. */
  selectSource(snapshotLSN: number, snapshotValid: boolean, committedLSN: number): EngineError | null {
    if (this._phase !== RebuildPhase.Init) {
      return rebuildError(RebuildErrorCode.SourceSelectRequiresInit, `source select requires init phase, got ${this._phase}`);
    }
    this._snapshotLSN = snapshotLSN;
    this._snapshotValid = snapshotValid;
    this._phase = RebuildPhase.SourceSelect;
    if (snapshotValid && snapshotLSN > 0) {
      this._source = RebuildSource.SnapshotTail;
      this._tailStartLSN = snapshotLSN;
    } else {
      this._source = RebuildSource.FullBase;
    }
    this._tailTargetLSN = committedLSN;
    return null;
  }

  beginTransfer(): EngineError | null {
    if (this._phase !== RebuildPhase.SourceSelect) {
      return rebuildError(RebuildErrorCode.TransferRequiresSourceSelect, `transfer requires source_select, got ${this._phase}`);
    }
    this._phase = RebuildPhase.Transfer;
    return null;
  }

  /** Strictly increasing; no upper bound (hazard H16). */
  recordTransferProgress(transferredTo: number): EngineError | null {
    if (this._phase !== RebuildPhase.Transfer) {
      return rebuildError(RebuildErrorCode.ProgressRequiresTransfer, `progress requires transfer, got ${this._phase}`);
    }
    if (transferredTo <= this._transferredTo) {
      return rebuildError(RebuildErrorCode.TransferRegression, 'transfer regression');
    }
    this._transferredTo = transferredTo;
    return null;
  }

  /** Only for snapshot_tail, and only once the base transfer reached the snapshot LSN. */
  beginTailReplay(): EngineError | null {
    if (this._phase !== RebuildPhase.Transfer) {
      return rebuildError(RebuildErrorCode.TailReplayRequiresTransfer, `tail replay requires transfer, got ${this._phase}`);
    }
    if (this._source !== RebuildSource.SnapshotTail) {
      return rebuildError(RebuildErrorCode.TailReplayOnlySnapshotTail, 'tail replay only for snapshot_tail');
    }
    if (this._transferredTo < this._snapshotLSN) {
      return rebuildError(
        RebuildErrorCode.BaseTransferIncomplete,
        `base transfer incomplete (${this._transferredTo} < snapshot ${this._snapshotLSN})`,
      );
    }
    this._phase = RebuildPhase.TailReplay;
    return null;
  }

  /** Strictly increasing from 0, not from tailStartLSN (hazard H16). */
  recordTailReplayProgress(replayedTo: number): EngineError | null {
    if (this._phase !== RebuildPhase.TailReplay) {
      return rebuildError(RebuildErrorCode.TailProgressRequiresTailReplay, `tail progress requires tail_replay, got ${this._phase}`);
    }
    if (replayedTo <= this._tailReplayedTo) {
      return rebuildError(RebuildErrorCode.TailRegression, 'tail regression');
    }
    this._tailReplayedTo = replayedTo;
    return null;
  }

  readyToComplete(): boolean {
    if (this._source === RebuildSource.SnapshotTail) {
      return this._phase === RebuildPhase.TailReplay && this._tailReplayedTo >= this._tailTargetLSN;
    }
    if (this._source === RebuildSource.FullBase) {
      return this._phase === RebuildPhase.Transfer && this._transferredTo >= this._tailTargetLSN;
    }
    return false;
  }

  complete(): EngineError | null {
    if (!this.readyToComplete()) {
      return rebuildError(RebuildErrorCode.NotReady, `not ready (source=${this._source} phase=${this._phase})`);
    }
    this._phase = RebuildPhase.Completed;
    return null;
  }

  /** No-op once completed or aborted (the first reason is kept). Never called by engine code. */
  abort(reason: string): void {
    if (this._phase === RebuildPhase.Completed || this._phase === RebuildPhase.Aborted) return;
    this._phase = RebuildPhase.Aborted;
    this._abortReason = reason;
  }

  clone(): RebuildState {
    const c = new RebuildState();
    c._source = this._source;
    c._phase = this._phase;
    c._abortReason = this._abortReason;
    c._snapshotLSN = this._snapshotLSN;
    c._snapshotValid = this._snapshotValid;
    c._transferredTo = this._transferredTo;
    c._tailStartLSN = this._tailStartLSN;
    c._tailTargetLSN = this._tailTargetLSN;
    c._tailReplayedTo = this._tailReplayedTo;
    return c;
  }

  /** Plain value of the nine fields; `reuse` itself when it still equals them (no allocation when unchanged). */
  canonical(reuse: RebuildCanonical | null = null): RebuildCanonical {
    if (reuse !== null && this.matches(reuse)) return reuse;
    return {
      source: this._source,
      phase: this._phase,
      abortReason: this._abortReason,
      snapshotLSN: this._snapshotLSN,
      snapshotValid: this._snapshotValid,
      transferredTo: this._transferredTo,
      tailStartLSN: this._tailStartLSN,
      tailTargetLSN: this._tailTargetLSN,
      tailReplayedTo: this._tailReplayedTo,
    };
  }

  /** Every field equals the canonical value `c`. */
  private matches(c: RebuildCanonical): boolean {
    return (
      c.source === this._source &&
      c.phase === this._phase &&
      c.abortReason === this._abortReason &&
      c.snapshotLSN === this._snapshotLSN &&
      c.snapshotValid === this._snapshotValid &&
      c.transferredTo === this._transferredTo &&
      c.tailStartLSN === this._tailStartLSN &&
      c.tailTargetLSN === this._tailTargetLSN &&
      c.tailReplayedTo === this._tailReplayedTo
    );
  }
}
