// Test helpers: a VolumeIO stub and a one-call HandleAssignment that must finish synchronously.
import { expect } from 'vitest';
import { handleAssignment, type PlanStep, type VolumeIO } from '../../../src/control/volume/promotion.ts';
import type { Role } from '../../../src/control/volume/role.ts';
import type { VolumeControlState } from '../../../src/control/volume/volume_state.ts';

export class StubIO implements VolumeIO {
  persisted: number[] = [];
  persistError: string | null = null;
  ops = 0;
  stops = 0;
  persistEpoch(epoch: number): string | null {
    if (this.persistError !== null) return this.persistError;
    this.persisted.push(epoch);
    return null;
  }
  opsOutstanding(): number {
    return this.ops;
  }
  stopShippers(): void {
    this.stops += 1;
  }
}

/** HandleAssignment that must succeed without waiting; returns the new state. */
export function assign(v: VolumeControlState, epoch: number, role: Role, ttlMs: number, now = 0, io: VolumeIO = new StubIO()): VolumeControlState {
  const r = handleAssignment(v, epoch, role, ttlMs, now, io);
  if (r.status !== 'done') expect.fail(`assignment failed: ${r.status === 'failed' ? r.error.message : 'waiting'}`);
  return r.vol;
}

/** HandleAssignment that must fail; returns the step. */
export function assignErr(v: VolumeControlState, epoch: number, role: Role, ttlMs: number, now = 0, io: VolumeIO = new StubIO()): Extract<PlanStep, { status: 'failed' }> {
  const r = handleAssignment(v, epoch, role, ttlMs, now, io);
  if (r.status !== 'failed') expect.fail(`expected failure, got ${r.status}`);
  return r;
}
