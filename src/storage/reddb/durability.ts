// reddb commit durability policies (spec §11.4, reddb-file `ReplicationDurability`/`ReplicaAck`):
// a commit at LSN c is satisfied when at least q replica acks have the policy's position >= c.

import { StorageError, storageErr } from '../errors.ts';

export const ERR_REDDB_ACK_UNORDERED = 'reddb_ack_unordered';

export type ReplicationDurability =
  | { readonly kind: 'async' }
  | { readonly kind: 'remote_write'; readonly quorum: number }
  | { readonly kind: 'remote_flush'; readonly quorum: number }
  | { readonly kind: 'remote_apply'; readonly quorum: number };

/** One replica's reported positions; valid only when applied <= flushed <= written <= received. */
export interface ReplicaAck {
  readonly replicaId: string;
  readonly timeline: number;
  readonly receivedLsn: number;
  readonly writtenLsn: number;
  readonly flushedLsn: number;
  readonly appliedLsn: number;
}

export function validateReplicaAck(a: ReplicaAck): StorageError | null {
  if (a.appliedLsn > a.flushedLsn || a.flushedLsn > a.writtenLsn || a.writtenLsn > a.receivedLsn)
    return storageErr(ERR_REDDB_ACK_UNORDERED, `replica ${a.replicaId} ack positions are not ordered`);
  return null;
}

/** `ReplicaAck::with_positions`: the ack, or the ordering error. */
export function replicaAck(
  replicaId: string,
  timeline: number,
  receivedLsn: number,
  writtenLsn: number,
  flushedLsn: number,
  appliedLsn: number,
): ReplicaAck | StorageError {
  const ack = { replicaId, timeline, receivedLsn, writtenLsn, flushedLsn, appliedLsn };
  return validateReplicaAck(ack) ?? ack;
}

export function requiredQuorum(d: ReplicationDurability): number {
  return d.kind === 'async' ? 0 : d.quorum;
}

/** `is_satisfied(commit_lsn, acks)`: counts acks (as given, no de-duplication) whose position >= commit. */
export function isDurabilitySatisfied(d: ReplicationDurability, commitLsn: number, acks: readonly ReplicaAck[]): boolean {
  const position = (a: ReplicaAck): number =>
    d.kind === 'remote_write' ? a.writtenLsn : d.kind === 'remote_flush' ? a.flushedLsn : a.appliedLsn;
  if (d.kind === 'async') return true;
  return acks.filter((a) => position(a) >= commitLsn).length >= d.quorum;
}
