// Tiny models with known answers for the exploration strategies. `threads` is a kernel-level
// model of n actors, each a chain of `steps` events all due at the same instant (each event
// schedules its successor with delay 0), so every scheduling decision is the kernel's
// `sched.next` choice among the actors' next events — the shape PCT's guarantee is stated for.
// `binaryWorld` is a world of m binary choices (one per step) for counting a search's runs.
import type { Failure } from '../../src/check/catalog.ts';
import type { CheckedWorld, WorldFactory } from '../../src/check/checked_world.ts';
import type { Chooser } from '../../src/sim/chooser.ts';
import { Kernel, type SimEvent } from '../../src/sim/kernel.ts';

/** The order in which (actor, step index) pairs ran. */
export type Schedule = readonly (readonly [string, number])[];

/** Run n actors (named a0..a{n-1}) of `steps` events each at one instant; return the order. */
export function threads(chooser: Chooser, n: number, steps: number): Schedule {
  const k = new Kernel(chooser);
  const order: [string, number][] = [];
  const chain = (actor: string, i: number): void => {
    k.schedule(0, actor, `${actor}.step`, () => {
      order.push([actor, i]);
      if (i + 1 < steps) chain(actor, i + 1);
    });
  };
  for (let a = 0; a < n; a++) chain(`a${a}`, 0);
  while (k.step() !== null) { /* until idle */ }
  return order;
}

/**
 * The planted depth-2 ordering bug: a1's first step runs after a0's next-to-last step and before
 * a0's last (two ordering constraints — the depth). Random scheduling rarely holds a1 back that
 * long; PCT needs a0 above a1 in priority and one change point at a0's last step.
 */
export function depth2Bug(order: Schedule, steps: number): boolean {
  const at = (actor: string, i: number): number => order.findIndex(([a, j]) => a === actor && j === i);
  const b = at('a1', 0);
  return at('a0', steps - 2) < b && b < at('a0', steps - 1);
}

/** m binary choices, one per step; fails (I1) when the choices spell `bad` (when given). */
export function binaryWorld(m: number, bad?: readonly number[]): WorldFactory {
  return ({ chooser }) => {
    let k = 0;
    const got: number[] = [];
    const world = {
      step: (): SimEvent | null => {
        if (k >= m) return null;
        k += 1;
        got.push(chooser.choose('bin.v', 2));
        return { id: k, owner: { alive: true }, time: k, actor: 'bin', kind: 'bin.step', run: () => {}, cancelled: false };
      },
      now: () => k,
      finished: () => k >= m,
      lastDetail: () => undefined,
      fingerprint: () => `${k}:${got.join('')}`,
      coverage: () => ({}),
    };
    const check = (): Failure[] => bad !== undefined && got.length === bad.length && got.every((v, i) => v === bad[i]) ? [{ id: 'I1', message: 'binary: the bad word', candidate: false }] : [];
    const cw: CheckedWorld = { world, check, finalCheck: () => [] };
    return cw;
  };
}

/**
 * n independent actors, one event each, all due at one instant: each sets its own flag, so every
 * order of the events reaches the same state. The fingerprint is the set of flags after a step.
 */
export function independentWorld(n: number): WorldFactory {
  return ({ chooser }) => {
    const k = new Kernel(chooser);
    const done: boolean[] = Array.from({ length: n }, () => false);
    for (let a = 0; a < n; a++) k.schedule(0, `a${a}`, 'set', () => { done[a] = true; });
    const world = {
      step: (): SimEvent | null => k.step(),
      now: () => k.now(),
      finished: () => k.pending() === 0 && done.every((d) => d),
      lastDetail: () => undefined,
      fingerprint: () => done.map((d) => (d ? '1' : '0')).join(''),
      coverage: () => ({}),
    };
    const cw: CheckedWorld = { world, check: () => [], finalCheck: () => [] };
    return cw;
  };
}
