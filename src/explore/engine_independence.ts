// Independence of engine-script lines for the model checker's partial-order reduction (sleep
// sets, src/explore/engine_check.ts). Two lines t, u are independent when, in every state where
// both are enabled, (1) each stays enabled with the same line text after the other, (2) running
// them in either order gives the same fingerprinted state, and (3) each one's invariant verdict
// is the same whichever runs first. The only such pairs in the alphabet (engine_alphabet.ts) are
// a storage call (storage.state, storage.refusals: the PushStorageAdapter's state and refusal
// fields, nothing else) against a storage call on other fields or against a registry call that
// neither reads storage when it runs nor embeds the storage fields the other writes in its text:
//
//   storage calls   touch only the pushed blockvol state / refusals. They append nothing to the
//                   recovery log, create or release no hold, change no sender, so the checker
//                   (I1-I27) finds nothing on them and its memory does not change.
//   registry calls  (assignments, reconcile, epoch bumps and fences, sender calls on r1, and
//                   executeRecovery with a nil history) touch the registry, its senders, the
//                   session counter and the recovery log; RecoveryOrchestrator and Registry hold no
//                   StorageAdapter. Some texts embed storage values (recordHandshake's target and
//                   recordCatchUpProgress's LSN are the committed LSN, selectRebuildSource's the
//                   checkpoint and committed LSN): those are independent only of storage calls
//                   that leave those fields alone. executeRecovery with the storage's history reads
//                   every state field (but not the refusals).
//   everything else (driver.planRecovery/planRebuild pin storage and read its history; executor
//                   and plan calls release pins, and the checker reads the storage's WAL range on
//                   executor I/O) is dependent on everything.
//
// Two registry calls are never independent (the alphabet's sender calls all address r1, and every
// assignment touches r1). The recovery log is not in the fingerprint but is read by the checker
// (events appended in a step); storage calls append none, so the log a registry call appends, and
// the verdict on it, are the same in either order.

/** Storage fields (bit masks). */
const HEAD = 1;
const TAIL = 2;
const COMMITTED = 4;
const CKPT = 8;
const TRUSTED = 16;
const STATE = HEAD | TAIL | COMMITTED | CKPT | TRUSTED;
const REFUSAL: Readonly<Record<string, number>> = { walPin: 32, snapshotPin: 64, fullBasePin: 128 };
const ALL = 255;

const FIELD: Readonly<Record<string, number>> = { walHeadLSN: HEAD, walTailLSN: TAIL, committedLSN: COMMITTED, checkpointLSN: CKPT, checkpointTrusted: TRUSTED };

/** What a line touches: storage fields it writes and reads (its text and enabling condition included), and whether it touches the engine (registry, senders, log, plans, holds). */
export interface Footprint {
  readonly writes: number;
  readonly reads: number;
  readonly engine: boolean;
}

const DEPENDENT: Footprint = { writes: ALL, reads: ALL, engine: true };
const REGISTRY_ONLY: Footprint = { writes: 0, reads: 0, engine: true };

/** Registry calls whose text or effect depends on storage fields (the rest of REGISTRY_OPS reads none). */
const REGISTRY_OPS: Readonly<Record<string, number>> = {
  'orchestrator.processAssignment': 0,
  'registry.reconcile': 0,
  'orchestrator.updateSenderEpoch': 0,
  'orchestrator.invalidateEpoch': 0,
  'sender.beginConnect': 0,
  'sender.completeSessionByID': 0,
  'sender.beginCatchUp': 0,
  'sender.supersedeSession': 0,
  'sender.recordHandshake': COMMITTED,
  'sender.recordCatchUpProgress': COMMITTED,
  'sender.selectRebuildSource': CKPT | COMMITTED,
};

/**
 * Reads for a storage.state line of the alphabet, keyed by the fields it sets: the fields its
 * enabling condition and text depend on (engine_alphabet.ts). Unknown shapes read everything.
 */
const STATE_READS: Readonly<Record<string, number>> = {
  walHeadLSN: HEAD, // write: head+1 <= L
  committedLSN: COMMITTED | HEAD, // commit (committed = head) or restart (committed -> 0)
  walTailLSN: TAIL | COMMITTED, // retention: tail+1 <= committed
  'checkpointLSN,checkpointTrusted': CKPT | TRUSTED | COMMITTED, // checkpoint at committed
  checkpointTrusted: TRUSTED, // distrust
};

/** The footprint of one alphabet line (its op and plain arguments). */
export function footprint(op: string, args: Readonly<Record<string, unknown>>): Footprint {
  if (op === 'storage.state') {
    const keys = Object.keys(args);
    let writes = 0;
    for (const k of keys) writes |= FIELD[k] ?? ALL;
    return { writes, reads: STATE_READS[keys.join(',')] ?? STATE, engine: false };
  }
  if (op === 'storage.refusals') {
    let bits = 0;
    for (const k of Object.keys(args)) bits |= REFUSAL[k] ?? ALL;
    return { writes: bits, reads: bits, engine: false };
  }
  if (op === 'orchestrator.executeRecovery') {
    // with a nil history it never reads storage (and its text is constant)
    return 'history' in args && args['history'] === null ? REGISTRY_ONLY : { writes: 0, reads: STATE, engine: true };
  }
  const reads = REGISTRY_OPS[op];
  return reads === undefined ? DEPENDENT : { writes: 0, reads, engine: true };
}

/** True when the two lines commute in every state where both are enabled (see the header). */
export function independent(a: Footprint, b: Footprint): boolean {
  if (a.engine && b.engine) return false;
  return (a.writes & (b.writes | b.reads)) === 0 && (b.writes & a.reads) === 0;
}
