import { markNamed } from '../../marks/index.ts';
// The volume-side control errors: upstream's sentinel errors (blockvol role.go, promotion.go,
// write_gate.go, volume_server_block.go) as one typed error value. A sentinel is named exactly as
// in Go; `message` is the full Go error text (with the `fmt.Errorf("...: %w")` wrapping upstream
// adds), so tests can assert both `errors.Is` (the sentinel) and the wording.

export type Sentinel =
  | 'ErrInvalidRoleTransition' // role.go
  | 'ErrInvalidAssignment' // promotion.go
  | 'ErrDrainTimeout' // promotion.go
  | 'ErrEpochRegression' // promotion.go
  | 'ErrNotPrimary' // write_gate.go
  | 'ErrEpochStale' // write_gate.go
  | 'ErrLeaseExpired' // write_gate.go
  | 'ErrEpochPersist' // not a Go sentinel: SetEpoch's superblock write/fsync failed (epoch.go)
  | 'ErrVolumeNotFound' // store_blockvol.go WithVolume: fmt.Errorf("block volume not found: %s")
  | 'ErrReplicaReceiver'; // volume_server_block.go setupReplicaReceiver: StartReplicaReceiver failed

export class ControlError extends Error {
  constructor(readonly sentinel: Sentinel, message: string) {
    super(message);
    this.name = 'ControlError';
  }

  /** Go's errors.Is against a sentinel. */
  is(s: Sentinel): boolean {
    return this.sentinel === s;
  }

  /** Go's fmt.Errorf("<context>: %w", err): same sentinel, prefixed text. */
  wrap(context: string): ControlError {
    return new ControlError(this.sentinel, `${context}: ${this.message}`);
  }
}

/** The bare sentinel texts, as in Go's errors.New. */
export const SENTINEL_TEXT: Readonly<Record<Sentinel, string>> = {
  ErrInvalidRoleTransition: 'blockvol: invalid role transition',
  ErrInvalidAssignment: 'blockvol: invalid assignment transition',
  ErrDrainTimeout: 'blockvol: drain timeout waiting for in-flight ops',
  ErrEpochRegression: 'blockvol: epoch regression',
  ErrNotPrimary: 'blockvol: not primary',
  ErrEpochStale: 'blockvol: epoch stale',
  ErrLeaseExpired: 'blockvol: lease expired',
  ErrEpochPersist: 'blockvol: write superblock',
  ErrVolumeNotFound: 'block volume not found',
  ErrReplicaReceiver: 'blockvol: start replica receiver',
};

export function sentinel(s: Sentinel, detail?: string): ControlError {
  markNamed(`control_volume_${s}`);
  return new ControlError(s, detail === undefined ? SENTINEL_TEXT[s] : `${SENTINEL_TEXT[s]}: ${detail}`);
}
