// Engine invariants about how one sender may change between two consecutive steps (spec §12.1-
// §12.3): stable identity and endpoint fencing (I8), stopped forever (I6), phase edges (I5),
// frozen target (I11), monotone progress (I12), ticks with progress under a stall budget (I15),
// rebuild FSM order and monotone rebuild progress (I19), and what a session looks like when it
// leaves the sender (I5, I13, I18). Pure: previous and current views in, failures out.
import { failure } from './catalog.ts';
import type { Failure } from './catalog.ts';
import type { SenderCanonical } from '../engine/sender.ts';
import type { SessionCanonical } from '../engine/session.ts';
import { endpointChanged, RebuildPhase, ReplicaState, SessionKind, SessionPhase } from '../engine/types.ts';
import type { SessionSnapshot } from '../engine/types.ts';
import { isTerminal, phaseReachable, rebuildPhaseRank } from './engine_view.ts';
import type { SenderView } from './engine_view.ts';
import { where } from './engine_state_checks.ts';

/** Checks between the previous and the current view of the same ReplicaID. */
export function checkSenderTransition(prev: SenderView, cur: SenderView, out: Failure[]): void {
  const p = prev.canon;
  const c = cur.canon;
  if (prev.sender !== cur.sender) {
    out.push(failure('I8', `replica ${c.replicaID}: sender object replaced within one step (identity must not follow the address)`));
    return;
  }
  if (p.stopped && !c.stopped) {
    out.push(failure('I6', `replica ${c.replicaID}: stopped sender came back to life`));
  }
  if (p.session !== null && endpointChanged(p.endpoint, c.endpoint)) {
    if (c.session !== null && c.session.id === p.session.id) {
      out.push(
        failure('I8', `${where(p)}: endpoint changed ${p.endpoint.dataAddr} -> ${c.endpoint.dataAddr} but the session survived`),
      );
    } else if (c.state !== ReplicaState.Disconnected) {
      out.push(failure('I8', `${where(p)}: endpoint changed and the session ended, but the state is ${c.state}, not disconnected`));
    }
  }
  if (p.session !== null && c.session !== null && p.session.id === c.session.id) {
    checkSessionContinuity(c, p.session, c.session, out);
  }
}

function checkSessionContinuity(s: SenderCanonical, p: SessionCanonical, c: SessionCanonical, out: Failure[]): void {
  if (!phaseReachable(p.phase, c.phase)) {
    out.push(failure('I5', `${where(s, c)}: phase moved ${p.phase} -> ${c.phase}, not along the allowed edges`));
  }
  if (c.recoveredTo < p.recoveredTo) {
    out.push(failure('I12', `${where(s, c)}: recoveredTo decreased ${p.recoveredTo} -> ${c.recoveredTo}`));
  }
  if (p.phase === SessionPhase.CatchUp && c.phase === SessionPhase.CatchUp && p.frozenTargetLSN !== c.frozenTargetLSN) {
    out.push(failure('I11', `${where(s, c)}: frozen target moved ${p.frozenTargetLSN} -> ${c.frozenTargetLSN}`));
  }
  const budget = c.budget;
  if (
    budget !== null &&
    budget.progressDeadlineTicks > 0 &&
    c.phase === SessionPhase.CatchUp &&
    c.recoveredTo > p.recoveredTo &&
    p.phase === SessionPhase.CatchUp &&
    c.tracker.lastProgressTick === p.tracker.lastProgressTick
  ) {
    out.push(
      failure(
        'I15',
        `${where(s, c)}: progress ${p.recoveredTo} -> ${c.recoveredTo} accepted without a tick under a stall deadline of ${budget.progressDeadlineTicks} (LastProgressTick stuck at ${c.tracker.lastProgressTick})`,
      ),
    );
  }
  checkRebuildContinuity(s, c, p, out);
}

function checkRebuildContinuity(s: SenderCanonical, c: SessionCanonical, p: SessionCanonical, out: Failure[]): void {
  const a = p.rebuild;
  const b = c.rebuild;
  if (a === null || b === null) return;
  const w = where(s, c);
  if (rebuildPhaseRank(b.phase) < rebuildPhaseRank(a.phase)) {
    out.push(failure('I19', `${w}: rebuild phase went back ${a.phase} -> ${b.phase}`));
  }
  if (a.source !== '' && a.source !== b.source) {
    out.push(failure('I19', `${w}: rebuild source changed ${a.source} -> ${b.source} after selection`));
  }
  if (a.phase !== RebuildPhase.Init && (a.snapshotLSN !== b.snapshotLSN || a.tailTargetLSN !== b.tailTargetLSN)) {
    out.push(
      failure('I19', `${w}: rebuild boundaries moved after selection (snapshot ${a.snapshotLSN} -> ${b.snapshotLSN}, target ${a.tailTargetLSN} -> ${b.tailTargetLSN})`),
    );
  }
  if (b.transferredTo < a.transferredTo) {
    out.push(failure('I19', `${w}: TransferredTo decreased ${a.transferredTo} -> ${b.transferredTo}`));
  }
  if (b.tailReplayedTo < a.tailReplayedTo) {
    out.push(failure('I19', `${w}: TailReplayedTo decreased ${a.tailReplayedTo} -> ${b.tailReplayedTo}`));
  }
}

/**
 * A session that just left the sender (Sender.lastEndedSession changed): it must be terminal
 * (I5); a completed catch-up session must have converged (I13); a completed rebuild session
 * must have completed its RebuildState, i.e. ended through CompleteRebuild (I18).
 */
export function checkEndedSession(replicaID: string, ended: SessionSnapshot, out: Failure[]): void {
  const w = `replica ${replicaID} session ${ended.id}`;
  if (!isTerminal(ended.phase)) {
    out.push(failure('I5', `${w}: left the sender in non-terminal phase ${ended.phase}`));
    return;
  }
  if (ended.phase !== SessionPhase.Completed) return;
  if (ended.kind === SessionKind.Rebuild) {
    if (ended.rebuildPhase !== RebuildPhase.Completed) {
      out.push(failure('I18', `${w}: rebuild session completed with rebuild phase ${ended.rebuildPhase} (not through CompleteRebuild)`));
    }
    return;
  }
  const converged = ended.targetLSN > 0 && ended.recoveredTo >= ended.targetLSN;
  if (!converged && ended.targetLSN !== ended.startLSN) {
    out.push(
      failure(
        'I13',
        `${w}: completed before convergence (start ${ended.startLSN}, recoveredTo ${ended.recoveredTo}, target ${ended.targetLSN})`,
      ),
    );
  }
  if (ended.truncateRequired && !ended.truncateRecorded) {
    out.push(failure('I13', `${w}: completed with truncation to ${ended.truncateToLSN} required but not recorded`));
  }
}
