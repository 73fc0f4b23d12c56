// Engine invariants that hold of one sender's state at any instant (spec §12.1-§12.3): the
// nil-or-active session (I1), epoch agreement (I2), no catchup phase for rebuild sessions (I5), inert stopped senders (I6), the frozen and
// bounded catch-up (I11), exact entry accounting (I12), the truncation contract (I14), rebuild
// exclusivity (I18) and the static part of the rebuild FSM (I19). Pure: view in, failures out.
import { failure } from './catalog.ts';
import type { Failure } from './catalog.ts';
import type { SenderCanonical } from '../engine/sender.ts';
import type { SessionCanonical } from '../engine/session.ts';
import { RebuildPhase, RebuildSource, SessionKind, SessionPhase } from '../engine/types.ts';
import { isTerminal } from './engine_view.ts';

/** Names a sender and its session in failure messages. */
export function where(s: SenderCanonical, sess: SessionCanonical | null = s.session): string {
  return sess === null ? `replica ${s.replicaID}` : `replica ${s.replicaID} session ${sess.id}`;
}

/** Every static invariant of one sender; appends to `out`. */
export function checkSenderState(s: SenderCanonical, out: Failure[]): void {
  const sess = s.session;
  if (s.stopped && sess !== null) {
    out.push(failure('I6', `${where(s)}: stopped sender still holds a session (phase ${sess.phase})`));
  }
  if (sess === null) return;
  if (isTerminal(sess.phase)) {
    out.push(failure('I1', `${where(s)}: sender holds a session in terminal phase ${sess.phase}`));
  }
  if (sess.replicaID !== s.replicaID) {
    out.push(failure('I1', `${where(s)}: session belongs to replica ${sess.replicaID}`));
  }
  if (sess.epoch !== s.epoch) {
    out.push(failure('I2', `${where(s)}: session epoch ${sess.epoch} != sender epoch ${s.epoch}`));
  }
  if (sess.epoch < s.epoch) {
    out.push(failure('I7', `${where(s)}: active session of epoch ${sess.epoch} survived the sender's move to epoch ${s.epoch}`));
  }
  checkCatchUpBounds(s, sess, out);
  checkTruncationContract(s, sess, out);
  checkRebuildShape(s, sess, out);
}

function checkCatchUpBounds(s: SenderCanonical, sess: SessionCanonical, out: Failure[]): void {
  if (sess.phase === SessionPhase.CatchUp) {
    if (sess.frozenTargetLSN !== sess.targetLSN) {
      out.push(failure('I11', `${where(s)}: frozen target ${sess.frozenTargetLSN} != target ${sess.targetLSN} in catchup`));
    }
    if (sess.recoveredTo < sess.startLSN) {
      out.push(failure('I11', `${where(s)}: recoveredTo ${sess.recoveredTo} below start ${sess.startLSN} in catchup`));
    }
    if (sess.frozenTargetLSN > 0 && sess.recoveredTo > sess.frozenTargetLSN) {
      out.push(failure('I11', `${where(s)}: recoveredTo ${sess.recoveredTo} beyond frozen target ${sess.frozenTargetLSN}`));
    }
  }
  if (sess.phase === SessionPhase.Handshake || sess.phase === SessionPhase.CatchUp) {
    const expected = sess.recoveredTo - sess.startLSN;
    if (sess.tracker.entriesReplayed !== expected) {
      out.push(
        failure(
          'I12',
          `${where(s)}: EntriesReplayed ${sess.tracker.entriesReplayed} != recoveredTo ${sess.recoveredTo} - start ${sess.startLSN} (= ${expected})`,
        ),
      );
    }
  }
}

function checkTruncationContract(s: SenderCanonical, sess: SessionCanonical, out: Failure[]): void {
  if (sess.truncateRequired && !(sess.truncateToLSN === sess.startLSN && sess.startLSN === sess.targetLSN)) {
    out.push(
      failure(
        'I14',
        `${where(s)}: truncation required to ${sess.truncateToLSN} but range is (${sess.startLSN}, ${sess.targetLSN}]`,
      ),
    );
  }
  if (sess.truncateRecorded && !sess.truncateRequired) {
    out.push(failure('I14', `${where(s)}: truncation recorded although none was required`));
  }
}

function checkRebuildShape(s: SenderCanonical, sess: SessionCanonical, out: Failure[]): void {
  const rb = sess.rebuild;
  if ((sess.kind === SessionKind.Rebuild) !== (rb !== null)) {
    out.push(failure('I18', `${where(s)}: kind ${sess.kind} ${rb === null ? 'without' : 'with'} a RebuildState`));
  }
  if (sess.kind === SessionKind.Rebuild && sess.phase === SessionPhase.CatchUp) {
    out.push(failure('I5', `${where(s)}: rebuild session entered phase catchup`));
  }
  if (rb === null) return;
  if (rb.phase !== RebuildPhase.Init && rb.source === '') {
    out.push(failure('I19', `${where(s)}: rebuild phase ${rb.phase} without a selected source`));
  }
  if (rb.phase !== RebuildPhase.Init && sess.phase !== SessionPhase.Handshake) {
    out.push(failure('I19', `${where(s)}: rebuild in phase ${rb.phase} while the session is in ${sess.phase} (source selected without handshake)`));
  }
  if (rb.phase === RebuildPhase.TailReplay) {
    if (rb.source !== RebuildSource.SnapshotTail) {
      out.push(failure('I19', `${where(s)}: tail replay with source ${rb.source}`));
    }
    if (rb.transferredTo < rb.snapshotLSN) {
      out.push(failure('I19', `${where(s)}: tail replay started with base at ${rb.transferredTo} < snapshot ${rb.snapshotLSN}`));
    }
  }
}
