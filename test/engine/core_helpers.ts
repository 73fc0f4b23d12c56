// Shared fixtures for the engine-core tests: contexts, endpoints, senders driven to a phase.
import { EngineContext } from '../../src/engine/context.ts';
import type { EngineBugSwitches } from '../../src/engine/context.ts';
import { Sender } from '../../src/engine/sender.ts';
import type { SessionOption } from '../../src/engine/session.ts';
import { SessionKind } from '../../src/engine/types.ts';
import type { Endpoint, ReplicaAssignment } from '../../src/engine/types.ts';
import { expect } from 'vitest';

export const DEEP = process.env.SWSIM_DEEP !== undefined && process.env.SWSIM_DEEP !== '' && process.env.SWSIM_DEEP !== '0';
/** fast-check run count: hundreds by default, many more with SWSIM_DEEP. */
export const RUNS = DEEP ? 20_000 : 200;

export function ep(dataAddr: string, version = 1, ctrlAddr = ''): Endpoint {
  return { dataAddr, ctrlAddr, version };
}

export function replica(replicaID: string, dataAddr: string, version = 1): ReplicaAssignment {
  return { replicaID, endpoint: ep(dataAddr, version) };
}

export function newSender(bugs: EngineBugSwitches = {}, epoch = 1, id = 'r1'): { ctx: EngineContext; s: Sender } {
  const ctx = new EngineContext(bugs);
  return { ctx, s: new Sender(ctx, id, ep(`${id}:9333`), epoch) };
}

/** Attach a session and return its id, failing the test if attach fails. */
export function attach(s: Sender, kind: SessionKind = SessionKind.CatchUp, ...opts: SessionOption[]): number {
  const r = s.attachSession(s.epoch(), kind, ...opts);
  expect(r.err).toBeNull();
  return r.id;
}

/** Session in phase handshake with range (start, target). */
export function toHandshake(s: Sender, start: number, target: number, kind: SessionKind = SessionKind.CatchUp, ...opts: SessionOption[]): number {
  const id = attach(s, kind, ...opts);
  expect(s.beginConnect(id)).toBeNull();
  expect(s.recordHandshake(id, start, target)).toBeNull();
  return id;
}

/** Session in phase catchup with range (start, target), optionally with a start tick. */
export function toCatchUp(s: Sender, start: number, target: number, startTick?: number, ...opts: SessionOption[]): number {
  const id = toHandshake(s, start, target, SessionKind.CatchUp, ...opts);
  expect(s.beginCatchUp(id, startTick)).toBeNull();
  return id;
}

/** JSON text of the sender's full canonical state, for "changes no state" assertions. */
export function stateOf(s: Sender): string {
  return JSON.stringify(s.canonical());
}
