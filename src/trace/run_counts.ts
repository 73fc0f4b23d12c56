// How much a recorded run did, read from its step details: the fault events applied (the fault
// injector's crashes, partitions, isolations, pauses, epoch bumps, endpoint changes, and a scenario
// timeline's fault actions — a restart or heal belongs to its fault and is not counted again) and
// the client operations issued (generated, or timeline actions; a scripted `workload.ops` list runs
// inside one step and is not counted). `swsim shrink` and
// `npm run bench:shrink` print them before → after. Per-message faults (drops, duplicates,
// reorders, resets, torn writes, disk errors drawn at a rate) leave no step of their own and are not
// counted here; a scenario names the kinds still on in `free.faults`.
import { splitDetail } from './detail.ts';
import type { Trace, TraceStep } from './format.ts';

export interface RunCounts {
  readonly faults: number;
  readonly clientOps: number;
}

/** Timeline actions that inject a fault (restart and heal end one; flush, set_bug, assert are not faults). */
const FAULT_ACTIONS = new Set([
  'crash', 'partition', 'isolate', 'pause', 'failover', 'epoch_bump', 'endpoint_change',
  'drop_next', 'delay_next', 'duplicate_next', 'reset_next', 'disk_error',
]);
const CLIENT_ACTIONS = new Set(['write', 'trim', 'read', 'sync']);

/** "scenario "crash-n1": crash" / "scenario timeline[3]: write" → the action's `do`. */
const SCENARIO_NOTE = /^scenario (?:"[^"]*"|timeline\[\d+\]): (\w+)$/;

function parts(s: TraceStep): string[] {
  return splitDetail(s.detail).what.split('; ');
}

/** A fault tick's own fault: its first part, unless the tick drew none or is a shadow injector's. */
function injectedFault(s: TraceStep): boolean {
  if (s.actor !== 'fault' || s.kind !== 'fault.tick') return false;
  const head = parts(s)[0]!;
  return head !== '' && !head.startsWith('shadow injector') && !SCENARIO_NOTE.test(head);
}

export function runCounts(trace: Trace): RunCounts {
  let faults = 0;
  let clientOps = 0;
  for (const s of trace.steps) {
    if (injectedFault(s)) faults += 1;
    if (s.actor === 'client' && s.kind === 'client.op') clientOps += 1;
    for (const p of parts(s)) {
      const m = SCENARIO_NOTE.exec(p);
      if (m === null) continue;
      if (FAULT_ACTIONS.has(m[1]!)) faults += 1;
      if (CLIENT_ACTIONS.has(m[1]!)) clientOps += 1;
    }
  }
  return { faults, clientOps };
}
