// Resumable executors (design.md principle 2): an epoch bump or endpoint change injected at every
// scheduling point of a catch-up and of a rebuild always ends with the executor failing closed,
// every pin released, and the sender never in_sync on the stale session. Also the bridge and
// push storage adapters and the control adapter (spec §9.6).
import { describe, expect, it } from 'vitest';
import { BridgeStorageAdapter, makeReplicaID, toAssignmentIntent } from '../../src/engine/adapter.ts';
import type { MasterAssignment } from '../../src/engine/adapter.ts';
import { CatchUpExecutor } from '../../src/engine/catchup_executor.ts';
import type { RecoveryDriver } from '../../src/engine/driver.ts';
import { EngineError } from '../../src/engine/errors.ts';
import type { ExecutorSteps } from '../../src/engine/executor.ts';
import { PushStorageAdapter } from '../../src/engine/push_storage_adapter.ts';
import { RebuildExecutor } from '../../src/engine/rebuild_executor.ts';
import { intent, setupCatchUp, setupRebuild } from './flow_helpers.ts';

type Fault = 'epoch_bump' | 'endpoint_change';

function inject(driver: RecoveryDriver, fault: Fault): void {
  if (fault === 'epoch_bump') driver.orchestrator.updateSenderEpoch('r1', 2);
  else driver.orchestrator.processAssignment(intent(null, 1, 'r1:9999', 2));
}

/** Runs the generator, injecting the fault just before step yield `at`; returns the result and step count. */
function runWithFault(driver: RecoveryDriver, gen: ExecutorSteps, at: number, fault: Fault, io: boolean): { err: EngineError | null; steps: number; sawStaleInSync: boolean } {
  const s = driver.orchestrator.registry.sender('r1')!;
  let steps = 0;
  let sawStaleInSync = false;
  let injected = false;
  for (let r = gen.next(); ; ) {
    if (injected && s.state() === 'in_sync') sawStaleInSync = true;
    if (r.done === true) return { err: r.value, steps, sawStaleInSync };
    let input;
    if (r.value.kind === 'step') {
      if (r.value.index === at) {
        inject(driver, fault);
        injected = true;
      }
      steps += 1;
    } else if (io) {
      const c = r.value.call;
      input = { value: c.op === 'streamWALEntries' ? c.endInclusive : c.op === 'transferFullBase' ? c.committedLSN : 0, err: null };
    }
    r = gen.next(input);
  }
}

const CASES: Array<{ name: string; make: (io: boolean) => { driver: RecoveryDriver; storage: PushStorageAdapter; gen: ExecutorSteps } }> = [
  {
    name: 'catch-up',
    make: (io) => {
      const { driver, storage, plan } = setupCatchUp(70);
      return { driver, storage, gen: new CatchUpExecutor(driver, plan).steps([80, 90, 100], 0, io) };
    },
  },
  {
    name: 'rebuild snapshot_tail',
    make: (io) => {
      const { driver, storage, plan } = setupRebuild();
      return { driver, storage, gen: new RebuildExecutor(driver, plan).steps(io) };
    },
  },
];

describe('executors fail closed on a fault injected between any two steps', () => {
  for (const c of CASES) {
    for (const io of [false, true]) {
      for (const fault of ['epoch_bump', 'endpoint_change'] as const) {
        it(`${c.name} (${io ? 'IO' : 'test'} mode) with ${fault} before every step`, () => {
          const clean = c.make(io);
          const total = runWithFault(clean.driver, clean.gen, -1, fault, io);
          expect(total.err).toBeNull();
          expect(total.steps).toBeGreaterThanOrEqual(io ? 3 : 5);
          for (let at = 0; at < total.steps; at++) {
            const { driver, storage, gen } = c.make(io);
            const res = runWithFault(driver, gen, at, fault, io);
            const s = driver.orchestrator.registry.sender('r1')!;
            expect(res.err, `step ${at}`).not.toBeNull();
            expect(storage.activeHoldCount(), `step ${at}`).toBe(0);
            expect(res.sawStaleInSync, `step ${at}`).toBe(false);
            expect(s.state(), `step ${at}`).not.toBe('in_sync');
            expect(s.sessionSnapshot(), `step ${at}`).toBeNull();
            expect(driver.orchestrator.log.eventsFor('r1').filter((e) => e.event === 'exec_resources_released')).toHaveLength(1);
          }
        });
      }
    }
  }
});

describe('storage adapters (spec §9.6)', () => {
  it('bridge: shared pin-ID counter, wrapped errors, unknown/double release is a no-op', () => {
    const released: string[] = [];
    const adapter = new BridgeStorageAdapter(
      { readState: () => ({ walHeadLSN: 9, walTailLSN: 3, committedLSN: 8, checkpointLSN: 5, checkpointTrusted: true }) },
      {
        holdWALRetention: (s) => (s < 3 ? { release: null, err: new EngineError('recycled', 'gone') } : { release: () => released.push(`wal${s}`), err: null }),
        holdSnapshot: (s) => ({ release: () => released.push(`snap${s}`), err: null }),
        holdFullBase: () => ({ release: null, err: new EngineError('x', 'nope') }),
      },
    );
    expect(adapter.getRetainedHistory().canonical()).toEqual({ headLSN: 9, tailLSN: 3, committedLSN: 8, checkpointLSN: 5, checkpointTrusted: true });
    const snap = adapter.pinSnapshot(5);
    const wal = adapter.pinWALRetention(4);
    expect([snap.pin?.pinID, wal.pin?.pinID]).toEqual([1, 2]);
    const bad = adapter.pinWALRetention(1);
    expect([bad.pin, bad.err?.message, bad.err?.is('recycled')]).toEqual([null, 'WAL retention pin at LSN 1: gone', true]);
    expect(adapter.pinFullBase(8).err?.message).toBe('full base pin at LSN 8: nope');
    adapter.releaseWALRetention(wal.pin!);
    adapter.releaseWALRetention(wal.pin!);
    adapter.releaseFullBase({ committedLSN: 1, pinID: 77, valid: true });
    expect(released).toEqual(['wal4']);
    expect(adapter.heldPinIDs()).toEqual([1]);
  });

  it('push: WAL hold fails below the tail, snapshot needs a trusted exact checkpoint, full base always holds', () => {
    const p = new PushStorageAdapter({ walHeadLSN: 100, walTailLSN: 30, committedLSN: 90, checkpointLSN: 50, checkpointTrusted: true });
    expect(p.pinWALRetention(29).err?.message).toBe('WAL retention pin at LSN 29: WAL recycled past 29 (tail=30)');
    expect(p.pinWALRetention(30).err).toBeNull();
    expect(p.pinSnapshot(40).err?.message).toBe('snapshot pin at LSN 40: no trusted checkpoint at 40');
    const snap = p.pinSnapshot(50);
    expect(p.pinFullBase(90).err).toBeNull();
    expect(p.activeHoldCount()).toBe(3);
    p.releaseSnapshot(snap.pin!);
    expect(p.activeHolds().map((h) => h.kind)).toEqual(['wal', 'fullbase']);
    p.updateState({ ...p.state(), checkpointTrusted: false });
    expect(p.pinSnapshot(50).err).not.toBeNull();
  });

  it('control adapter: ReplicaID from volume/server, role mapping, nil targets when none', () => {
    const rec = (server: string, role: string): MasterAssignment => ({
      volumeName: 'vol1', epoch: 9, role, primaryServerID: 'vs1', replicaServerID: server, dataAddr: `${server}:1`, ctrlAddr: `${server}:2`, addrVersion: 3,
    });
    expect(makeReplicaID('vol1', 'vs2')).toBe('vol1/vs2');
    const i = toAssignmentIntent(rec('vs1', 'primary'), [rec('vs2', 'replica'), rec('vs3', 'rebuilding'), rec('vs4', 'other')]);
    expect(i.epoch).toBe(9);
    expect(i.replicas.map((r) => r.replicaID)).toEqual(['vol1/vs2', 'vol1/vs3', 'vol1/vs4']);
    expect(i.replicas[0]!.endpoint).toEqual({ dataAddr: 'vs2:1', ctrlAddr: 'vs2:2', version: 3 });
    expect(i.recoveryTargets).toEqual({ 'vol1/vs2': 'catchup', 'vol1/vs3': 'rebuild' });
    expect(toAssignmentIntent(rec('vs1', 'primary'), []).recoveryTargets).toBeNull();
  });
});
