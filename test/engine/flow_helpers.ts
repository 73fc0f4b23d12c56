// Shared setup for the flow tests: a driver over a PushStorageAdapter and the upstream tests'
// standard assignments (one replica "r1" at epoch 1 with a catch-up or rebuild target).
import { EngineContext } from '../../src/engine/context.ts';
import type { EngineBugSwitches } from '../../src/engine/context.ts';
import { RecoveryDriver } from '../../src/engine/driver.ts';
import type { RecoveryPlan } from '../../src/engine/plan.ts';
import { PushStorageAdapter } from '../../src/engine/push_storage_adapter.ts';
import type { AssignmentIntent, SessionKind } from '../../src/engine/types.ts';

export interface HistoryInit {
  headLSN?: number;
  tailLSN?: number;
  committedLSN?: number;
  checkpointLSN?: number;
  checkpointTrusted?: boolean;
}

export function newStorage(h: HistoryInit): PushStorageAdapter {
  return new PushStorageAdapter({
    walHeadLSN: h.headLSN ?? 0,
    walTailLSN: h.tailLSN ?? 0,
    committedLSN: h.committedLSN ?? 0,
    checkpointLSN: h.checkpointLSN ?? 0,
    checkpointTrusted: h.checkpointTrusted ?? false,
  });
}

export function newDriver(h: HistoryInit, bugs: EngineBugSwitches = {}): { driver: RecoveryDriver; storage: PushStorageAdapter } {
  const storage = newStorage(h);
  return { driver: new RecoveryDriver(storage, new EngineContext(bugs)), storage };
}

export function intent(kind: SessionKind | null, epoch = 1, dataAddr = 'r1:9333', version = 1, id = 'r1'): AssignmentIntent {
  return {
    replicas: [{ replicaID: id, endpoint: { dataAddr, ctrlAddr: '', version } }],
    epoch,
    recoveryTargets: kind === null ? null : { [id]: kind },
  };
}

/** setupCatchUpDriver of executor_test.go: head 100, tail 30, committed 100; plan from R. */
export function setupCatchUp(r: number, bugs: EngineBugSwitches = {}): { driver: RecoveryDriver; storage: PushStorageAdapter; plan: RecoveryPlan } {
  const { driver, storage } = newDriver({ headLSN: 100, tailLSN: 30, committedLSN: 100 }, bugs);
  driver.orchestrator.processAssignment(intent('catchup'));
  const { plan, err } = driver.planRecovery('r1', r);
  if (err !== null || plan === null) throw new Error(`setup planRecovery: ${err?.message}`);
  return { driver, storage, plan };
}

/** setupRebuildDriver of executor_test.go: catch-up from 10 escalates, then a rebuild plan (snapshot_tail at 50). */
export function setupRebuild(bugs: EngineBugSwitches = {}): { driver: RecoveryDriver; storage: PushStorageAdapter; plan: RecoveryPlan } {
  const { driver, storage } = newDriver({ headLSN: 100, tailLSN: 30, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true }, bugs);
  driver.orchestrator.processAssignment(intent('catchup'));
  driver.planRecovery('r1', 10);
  driver.orchestrator.processAssignment(intent('rebuild'));
  const { plan, err } = driver.planRebuild('r1');
  if (err !== null || plan === null) throw new Error(`setup planRebuild: ${err?.message}`);
  return { driver, storage, plan };
}

export function eventNames(driver: RecoveryDriver, id = 'r1'): string[] {
  return driver.orchestrator.log.eventsFor(id).map((e) => e.event);
}

export function eventsNamed(driver: RecoveryDriver, name: string, id = 'r1'): { sessionID: number; detail: string }[] {
  return driver.orchestrator.log
    .eventsFor(id)
    .filter((e) => e.event === name)
    .map((e) => ({ sessionID: e.sessionID, detail: e.detail }));
}
