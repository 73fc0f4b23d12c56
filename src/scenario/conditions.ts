// Conditions and assertions over a ScenarioView: whether a `when` condition holds now, and for an
// assertion what was expected versus what is seen (a message for the failure). One evaluator for
// both, so `when: {replica: r1, sender_state: in_sync}` and the same assertion mean the same.
import type { ScenarioAssertion, ScenarioCondition } from './schema.ts';
import type { ScenarioView } from './view.ts';

/** Steps of an executor condition: a number, or the step name that has just run. */
function stepMatches(got: { steps: number; label: string } | null, step: number | string): boolean {
  if (got === null) return false;
  return typeof step === 'number' ? got.steps === step : got.label === step;
}

/** null when the condition or assertion holds; otherwise "expected ..., seen ...". */
export function evaluate(v: ScenarioView, c: ScenarioCondition | ScenarioAssertion, fired: ReadonlySet<string>): string | null {
  const cmp = (what: string, want: string | number, seen: string | number, ok: boolean): string | null =>
    ok ? null : `expected ${what} ${want}, seen ${seen}`;
  if ('sender_state' in c) return cmp(`${c.replica} sender_state`, c.sender_state, v.senderState(c.replica), v.senderState(c.replica) === c.sender_state);
  if ('shipper_state' in c) return cmp(`${c.replica} shipper_state`, c.shipper_state, v.shipperState(c.replica), v.shipperState(c.replica) === c.shipper_state);
  if ('session_kind' in c) return cmp(`${c.replica} session_kind`, c.session_kind, v.sessionKind(c.replica), v.sessionKind(c.replica) === c.session_kind);
  if ('executor' in c) {
    const got = v.executor(c.executor, c.replica, c.count);
    return stepMatches(got, c.step) ? null
      : `expected ${c.executor} executor #${c.count}${c.replica === undefined ? '' : ` for ${c.replica}`} at step ${c.step}, seen ${got === null ? 'no such executor' : `step ${got.steps} (${got.label})`}`;
  }
  if ('event' in c) {
    const n = v.eventCount(c.event, c.replica);
    const who = `${c.event}${c.replica === undefined ? '' : ` for ${c.replica}`}`;
    if ('present' in c) {
      if (!c.present) return cmp(`event ${who}`, 'absent', `${n} time(s)`, n === 0);
      if (c.count !== undefined) return cmp(`event ${who}`, `exactly ${c.count} time(s)`, `${n}`, n === c.count);
      return cmp(`event ${who}`, 'at least once', 'never', n > 0);
    }
    return cmp(`event ${who}`, `at least ${c.count} time(s)`, `${n}`, n >= c.count);
  }
  if ('lsn_committed' in c) return cmp('committed LSN at least', c.lsn_committed, v.committedLSN(), v.committedLSN() >= c.lsn_committed);
  if ('flushed_lsn' in c) return cmp(`${c.replica} flushed LSN at least`, c.flushed_lsn, v.flushedLSN(c.replica), v.flushedLSN(c.replica) >= c.flushed_lsn);
  if ('in_sync_count' in c) return cmp('in_sync senders', c.in_sync_count, v.inSyncCount(), v.inSyncCount() === c.in_sync_count);
  if ('primary' in c) return cmp('primary', c.primary, v.primaryName() ?? 'none', v.primaryName() === c.primary);
  if ('after' in c) return fired.has(c.after) ? null : `expected action "${c.after}" to have run, it has not`;
  if ('content' in c) return v.contentProblem(c.servers);
  // converged_within is judged by the timeline at the end (it needs the quiet phase's start).
  return null;
}
