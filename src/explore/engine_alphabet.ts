// The alphabet of the engine model checker: which engine calls (engine-script lines, one JSON
// object each, docs/engine-scripts.md) are enabled in a state. Bounded by the replica count, the
// epoch bound and the LSN bound; actions are derived from the current state (the storage's
// tail/committed/head, the senders' epochs, the live plans and executors), so the alphabet is
// small in every state yet reaches every relation the engine distinguishes.
//
// The alphabet (R = replicas r1..rN, E = epochs 1..E, L = LSNs 0..L; sender and driver calls
// address r1 only — r2..rN exist so replica sets change):
//   storage   write (head+1 <= L), commit (committed = head), retention (tail+1 <= committed),
//             checkpoint (= committed, trusted), distrust checkpoint, committed -> 0 (restart),
//             toggle each pin refusal (wal, snapshot, full base)
//   assign    orchestrator.processAssignment over replica sets {r1}, {r1..rN}; epoch = the current
//             epoch or the next (<= E); r1's endpoint A or B; targets none / all catchup / all rebuild;
//             registry.reconcile over the same sets, epochs and endpoints
//   epochs    orchestrator.updateSenderEpoch(r1, next), orchestrator.invalidateEpoch(next)
//   sender    beginConnect and completeSessionByID with the current and a stale session ID; recordHandshake(0 -> committed);
//             selectRebuildSource(checkpoint, valid, committed); beginCatchUp
//             (tick 1); recordCatchUpProgress(committed) without a tick; completeSessionByID;
//             supersedeSession(catchup) with a 2-tick progress deadline
//   recovery  orchestrator.executeRecovery(r1, R) (the handshake from the retained history) for R in
//             {0, tail, mid, committed, committed+1}, and with a nil history
//   driver    planRecovery(r1, R) for the same R set, planRebuild(r1) — while < 2 plans/executors live
//   plans     executor.catchUp (test mode to the target, test mode one past it, I/O that succeeds,
//             I/O that fails, an unsafe truncation), executor.rebuild (test mode, I/O succeeds,
//             I/O fails), driver.cancelPlan
//   executors executor.step, executor.cancel
import type { RecoveryPlan } from '../engine/plan.ts';
import type { ScriptEngine } from '../engine/script.ts';

export interface AlphabetBounds {
  readonly replicas: number;
  readonly epochs: number;
  readonly lsns: number;
}

/** The prelude every explored path starts from (not counted in the depth). */
export function initialStorage(b: AlphabetBounds): Record<string, number | boolean> {
  const head = Math.max(0, b.lsns - 2);
  return { walHeadLSN: head, walTailLSN: Math.min(1, head), committedLSN: head, checkpointLSN: Math.floor(head / 2), checkpointTrusted: false };
}

const line = (op: string, args?: Record<string, unknown>, as?: string): string =>
  JSON.stringify(as === undefined ? (args === undefined ? { op } : { op, args }) : { op, args, as });

function endpoint(id: string, variant: 'A' | 'B'): Record<string, unknown> {
  return { dataAddr: `${id}:${variant === 'A' ? 9333 : 7777}`, ctrlAddr: '', version: 1 };
}

/** Live handles: plans not yet handed to an executor or cancelled, executors not finished. */
export interface LiveHandles {
  readonly plans: readonly (readonly [string, RecoveryPlan, 'recovery' | 'rebuild'])[];
  readonly executors: readonly string[];
}

/**
 * Everything enabledLines reads from a state (besides the bounds), as a string: two states with the
 * same key have the same enabled lines at the same depth. Keep in step with enabledLines.
 */
export function alphabetKey(e: ScriptEngine, live: LiveHandles, depth: number): string {
  const st = e.storage.state();
  const ref = e.storage.pinRefusals();
  let cur = 0;
  for (const s of e.driver.orchestrator.registry.all()) cur = Math.max(cur, s.epoch());
  const r1 = e.sender('r1');
  let key = `${depth},${st.walHeadLSN},${st.walTailLSN},${st.committedLSN},${st.checkpointLSN},${st.checkpointTrusted ? 1 : 0},` +
    `${(ref.walPin ? 1 : 0) + (ref.snapshotPin ? 2 : 0) + (ref.fullBasePin ? 4 : 0)},${cur},${r1 === null ? -1 : r1.sessionID()}`;
  for (const [h, p, kind] of live.plans) key += `|${h}:${kind}:${p.outcome}:${p.catchUpTarget}:${p.truncateLSN}:${p.rebuildTargetLSN}`;
  key += '|';
  for (const h of live.executors) key += `|${h}`;
  return key;
}

/** Every enabled line in the current state; `depth` names the handles a line binds (p<depth>, x<depth>). */
export function enabledLines(e: ScriptEngine, live: LiveHandles, b: AlphabetBounds, depth: number): string[] {
  const out: string[] = [];
  const st = e.storage.state();
  const { walHeadLSN: head, walTailLSN: tail, committedLSN: committed, checkpointLSN: ckpt, checkpointTrusted: trusted } = st;
  // storage
  if (head < b.lsns) out.push(line('storage.state', { walHeadLSN: head + 1 }));
  if (committed !== head) out.push(line('storage.state', { committedLSN: head }));
  if (tail < committed) out.push(line('storage.state', { walTailLSN: tail + 1 }));
  if (!trusted || ckpt !== committed) out.push(line('storage.state', { checkpointLSN: committed, checkpointTrusted: true }));
  if (trusted) out.push(line('storage.state', { checkpointTrusted: false }));
  if (committed !== 0) out.push(line('storage.state', { committedLSN: 0 }));
  const ref = e.storage.pinRefusals();
  out.push(line('storage.refusals', { walPin: !ref.walPin }));
  out.push(line('storage.refusals', { snapshotPin: !ref.snapshotPin }));
  out.push(line('storage.refusals', { fullBasePin: !ref.fullBasePin }));
  // assignments
  const r1 = e.sender('r1');
  let cur = 0;
  for (const s of e.driver.orchestrator.registry.all()) cur = Math.max(cur, s.epoch());
  const epochs = [...new Set([Math.max(1, cur), cur + 1])].filter((x) => x >= 1 && x <= b.epochs);
  const ids = Array.from({ length: b.replicas }, (_, i) => `r${i + 1}`);
  const sets = b.replicas > 1 ? [['r1'], ids] : [['r1']];
  for (const set of sets) {
    for (const epoch of epochs) {
      for (const v of ['A', 'B'] as const) {
        for (const kind of [null, 'catchup', 'rebuild'] as const) {
          const replicas = set.map((id) => ({ replicaID: id, endpoint: endpoint(id, id === 'r1' ? v : 'A') }));
          const recoveryTargets = kind === null ? null : Object.fromEntries(set.map((id) => [id, kind]));
          out.push(line('orchestrator.processAssignment', { replicas, epoch, recoveryTargets }));
        }
        out.push(line('registry.reconcile', { replicas: set.map((id) => ({ replicaID: id, endpoint: endpoint(id, id === 'r1' ? v : 'A') })), epoch }));
      }
    }
  }
  if (r1 === null) return out;
  // epochs
  if (cur + 1 <= b.epochs) {
    out.push(line('orchestrator.updateSenderEpoch', { replicaID: 'r1', epoch: cur + 1 }));
    out.push(line('orchestrator.invalidateEpoch', { epoch: cur + 1 }));
  }
  // sender calls on r1
  const sid = r1.sessionID();
  const rs = [...new Set([0, tail, Math.floor((tail + committed) / 2), committed, committed + 1])].sort((x, y) => x - y);
  const cs = { replicaID: 'r1', sessionID: 'current' };
  if (sid > 0) {
    out.push(line('sender.beginConnect', cs));
    if (sid > 1) {
      out.push(line('sender.beginConnect', { replicaID: 'r1', sessionID: sid - 1 }));
      out.push(line('sender.completeSessionByID', { replicaID: 'r1', sessionID: sid - 1 }));
    }
    out.push(line('sender.recordHandshake', { ...cs, startLSN: 0, targetLSN: committed }));
    out.push(line('sender.selectRebuildSource', { ...cs, snapshotLSN: ckpt, snapshotValid: true, committedLSN: committed }));
    out.push(line('sender.beginCatchUp', { ...cs, startTick: 1 }));
    out.push(line('sender.recordCatchUpProgress', { ...cs, lsn: committed }));
    out.push(line('sender.completeSessionByID', cs));
  }
  for (const r of rs) out.push(line('orchestrator.executeRecovery', { replicaID: 'r1', replicaFlushedLSN: r }));
  out.push(line('orchestrator.executeRecovery', { replicaID: 'r1', replicaFlushedLSN: 0, history: null }));
  out.push(line('sender.supersedeSession', { replicaID: 'r1', kind: 'catchup', reason: 'budgeted', budget: { progressDeadlineTicks: 2 } }));
  // driver
  const outstanding = live.plans.length + live.executors.length;
  if (outstanding < 2) {
    for (const r of rs) out.push(line('driver.planRecovery', { replicaID: 'r1', replicaFlushedLSN: r }, `p${depth}`));
    out.push(line('driver.planRebuild', { replicaID: 'r1' }, `p${depth}`));
  }
  // plans
  for (const [h, p, kind] of live.plans) {
    if (kind === 'recovery' && p.outcome === 'catchup') {
      const t = p.catchUpTarget;
      out.push(line('executor.catchUp', { plan: h, progressLSNs: [t], startTick: 1 }, `x${depth}`));
      out.push(line('executor.catchUp', { plan: h, progressLSNs: [t + 1], startTick: 1 }, `x${depth}`));
      out.push(line('executor.catchUp', { plan: h, io: [{ value: t }, { value: t }] }, `x${depth}`));
      out.push(line('executor.catchUp', { plan: h, io: [{ err: 'stream failed' }] }, `x${depth}`));
      if (p.truncateLSN > 0) out.push(line('executor.catchUp', { plan: h, io: [{ err: 'replica diverged', code: 'truncation_unsafe' }] }, `x${depth}`));
    } else if (kind === 'rebuild') {
      out.push(line('executor.rebuild', { plan: h }, `x${depth}`));
      out.push(line('executor.rebuild', { plan: h, io: [{ value: p.rebuildTargetLSN }, { value: p.rebuildTargetLSN }] }, `x${depth}`));
      out.push(line('executor.rebuild', { plan: h, io: [{ err: 'transfer failed' }] }, `x${depth}`));
    }
    out.push(line('driver.cancelPlan', { plan: h, reason: 'cancelled' }));
  }
  for (const h of live.executors) {
    out.push(line('executor.step', { executor: h }));
    out.push(line('executor.cancel', { executor: h, reason: 'cancelled' }));
  }
  return out;
}
