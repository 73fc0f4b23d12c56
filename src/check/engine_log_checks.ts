// Engine invariants read from the RecoveryLog events appended during one step (spec §12.2-
// §12.4): the log is causal (I26: endpoint_changed only on a real change, at most one
// exec_resources_released per issued plan), a logged budget escalation really escalated (I15),
// exec_truncation in IO mode only after a successful TruncateWAL (I14); it also collects what the
// step's other checks need: the replicas with logged escalation evidence (I26) and the epoch
// fences the log announces (I7).
import { failure } from './catalog.ts';
import type { Failure } from './catalog.ts';
import { endpointChanged, ReplicaState } from '../engine/types.ts';
import type { RecoveryEvent, ReplicaID } from '../engine/types.ts';
import type { SenderView } from './engine_view.ts';

/** After this step, no active session of `replicaID` (or of any sender, when null) may have an epoch below `epoch`. */
export interface EpochFence {
  readonly epoch: number;
  readonly replicaID: ReplicaID | null;
  readonly source: string;
}

export interface LogCheckContext {
  readonly prev: ReadonlyMap<ReplicaID, SenderView>;
  readonly cur: ReadonlyMap<ReplicaID, SenderView>;
  /** exec_resources_released events seen so far per `replica#session`; updated here. */
  readonly releases: Map<string, number>;
  /** Executable plans issued so far per `replica#session`: each may release once. */
  plansIssued(key: string): number;
  /** Result of the last TruncateWAL the simulator reported for this executor: true ok, false failed, undefined none. */
  truncateIO(replicaID: ReplicaID, sessionID: number): boolean | undefined;
}

export interface LogFindings {
  /** Replicas with an escalation event in this step (escalated, budget, truncation or pin failure). */
  readonly escalated: Set<ReplicaID>;
  readonly fences: EpochFence[];
}

const ESCALATION_EVENTS: ReadonlySet<string> = new Set([
  'escalated',
  'budget_escalated',
  'truncation_escalated',
  'snapshot_pin_failed',
  'wal_pin_failed',
  'full_base_pin_failed',
]);

const BUDGET_RELEASE = 'budget_escalated: ';
const TRUNCATION_RELEASE = 'truncation_escalated_to_rebuild: ';
const EPOCH_BUMP = 'epoch_bump_to_';
const EPOCH_ADVANCED = 'epoch_advanced_to_';

export function checkLogEvents(events: readonly RecoveryEvent[], ctx: LogCheckContext, out: Failure[]): LogFindings {
  const found: LogFindings = { escalated: new Set(), fences: [] };
  for (const e of events) {
    const who = `replica ${e.replicaID} session ${e.sessionID}`;
    if (ESCALATION_EVENTS.has(e.event)) found.escalated.add(e.replicaID);
    switch (e.event) {
      case 'session_invalidated':
        checkInvalidation(e, ctx, found, out);
        break;
      case 'budget_escalated':
        checkBudgetEscalation(e, e.detail, ctx, out);
        break;
      case 'exec_resources_released': {
        if (e.detail.startsWith(BUDGET_RELEASE)) {
          found.escalated.add(e.replicaID);
          checkBudgetEscalation(e, e.detail.slice(BUDGET_RELEASE.length), ctx, out);
        }
        if (e.detail.startsWith(TRUNCATION_RELEASE)) found.escalated.add(e.replicaID);
        if (e.sessionID === 0) break; // session-0 plans are not unique per executor
        const key = `${e.replicaID}#${e.sessionID}`;
        const count = (ctx.releases.get(key) ?? 0) + 1;
        ctx.releases.set(key, count);
        if (count > Math.max(1, ctx.plansIssued(key))) {
          out.push(failure('I26', `${who}: exec_resources_released logged ${count} times for ${ctx.plansIssued(key)} plan(s) (${e.detail})`));
        }
        break;
      }
      case 'exec_truncation':
        if (e.detail.includes('io=true') && ctx.truncateIO(e.replicaID, e.sessionID) !== true) {
          out.push(failure('I14', `${who}: exec_truncation (${e.detail}) logged without a successful TruncateWAL`));
        }
        break;
    }
  }
  return found;
}

function checkInvalidation(e: RecoveryEvent, ctx: LogCheckContext, found: LogFindings, out: Failure[]): void {
  if (e.detail === 'endpoint_changed') {
    const p = ctx.prev.get(e.replicaID);
    const c = ctx.cur.get(e.replicaID);
    if (p !== undefined && c !== undefined && !endpointChanged(p.canon.endpoint, c.canon.endpoint)) {
      out.push(
        failure(
          'I26',
          `replica ${e.replicaID} session ${e.sessionID}: session_invalidated/endpoint_changed logged but the endpoint stayed ${c.canon.endpoint.dataAddr} v${c.canon.endpoint.version}`,
        ),
      );
    }
  } else if (e.detail.startsWith(EPOCH_BUMP)) {
    found.fences.push({ epoch: Number(e.detail.slice(EPOCH_BUMP.length)), replicaID: null, source: `log ${e.detail}` });
  } else if (e.detail.startsWith(EPOCH_ADVANCED)) {
    found.fences.push({ epoch: Number(e.detail.slice(EPOCH_ADVANCED.length)), replicaID: e.replicaID, source: `log ${e.detail}` });
  }
}

/** I15: a logged budget escalation left the session invalidated with budget_<v> and the sender needs_rebuild. */
function checkBudgetEscalation(e: RecoveryEvent, violation: string, ctx: LogCheckContext, out: Failure[]): void {
  const c = ctx.cur.get(e.replicaID);
  if (c === undefined) return;
  const who = `replica ${e.replicaID} session ${e.sessionID}`;
  const s = c.canon;
  if (s.session !== null && s.session.id === e.sessionID) {
    out.push(failure('I15', `${who}: budget escalation (${violation}) logged but the session is still active`));
  }
  if (s.state !== ReplicaState.NeedsRebuild) {
    out.push(failure('I15', `${who}: budget escalation (${violation}) logged but the sender is ${s.state}, not needs_rebuild`));
  }
  const ended = c.lastEnded;
  if (ended !== null && ended.id === e.sessionID && ended.invalidateReason !== `budget_${violation}`) {
    out.push(failure('I15', `${who}: budget escalation (${violation}) but the session ended with reason '${ended.invalidateReason}'`));
  }
}
