// VolumeRunner: async operations advance one step per kernel event; a synchronous operation that
// blocks on a lock held by an in-flight async operation completes by advancing that operation (no
// deadlock); with no one able to free the lock it reports a deadlock; interleaving at a sync op's
// steps happens at the configured rate; a dead owner's async operations stop.
import { describe, expect, it } from 'vitest';
import { RandomChooser } from '../../src/sim/chooser.ts';
import { Kernel, type Owner } from '../../src/sim/kernel.ts';
import { VolumeRunner } from '../../src/sim/volume_runner.ts';
import { lockSteps, RWLock, type Steps } from '../../src/storage/blockvol/locks.ts';
import { runUntilIdle } from './helpers.ts';

/** Take `lock`, yield `work` I/O steps (logging each), release it, return `result`. */
function* lockedOp(lock: RWLock, owner: string, work: number, log: string[], result: number): Steps<number> {
  yield* lockSteps(lock, owner);
  try {
    for (let i = 0; i < work; i++) {
      log.push(`${owner}:io${i}`);
      yield `io:${owner}`;
    }
  } finally {
    lock.unlock(owner);
  }
  log.push(`${owner}:done`);
  return result;
}

function* plainOp(steps: number, log: string[], name: string): Steps<string> {
  for (let i = 0; i < steps; i++) {
    log.push(`${name}:${i}`);
    yield `step:${name}`;
  }
  return name;
}

function setup(interleavePermille: number, seed = 1): { k: Kernel; owner: Owner; vr: VolumeRunner } {
  const c = new RandomChooser(seed);
  const k = new Kernel(c);
  const owner: Owner = { alive: true };
  return { k, owner, vr: new VolumeRunner(k, c, 'n1', owner, interleavePermille) };
}

describe('VolumeRunner', () => {
  it('an async operation advances one step per kernel event, labelled vol.<kind>, then reports its result', () => {
    const { k, vr } = setup(0);
    const log: string[] = [];
    const results: string[] = [];
    vr.runAsync('flush', plainOp(3, log, 'f'), (r) => results.push(r));
    expect(log).toEqual([]); // nothing runs inline
    expect(vr.pending()).toBe(1);
    const e = k.step();
    expect(e?.kind).toBe('vol.flush');
    expect(e?.actor).toBe('n1');
    expect(log).toEqual(['f:0']);
    runUntilIdle(k);
    expect(log).toEqual(['f:0', 'f:1', 'f:2']);
    expect(results).toEqual(['f']);
    expect(vr.pending()).toBe(0);
  });

  it('a sync op blocked on a lock held by an async op completes by advancing it (no deadlock)', () => {
    const { k, vr } = setup(0);
    const lock = new RWLock('ioMu');
    const log: string[] = [];
    const asyncResults: number[] = [];
    vr.runAsync('write', lockedOp(lock, 'async', 4, log, 7), (r) => asyncResults.push(r));
    k.step(); // async takes the lock and does its first I/O step
    expect(lock.state().writer).toBe('async');
    const r = vr.runSync(lockedOp(lock, 'sync', 1, log, 42));
    expect(r).toBe(42);
    // The holder ran to its release before the sync op got the lock.
    expect(log).toEqual(['async:io0', 'async:io1', 'async:io2', 'async:io3', 'async:done', 'sync:io0', 'sync:done']);
    expect(asyncResults).toEqual([7]);
    expect(vr.pending()).toBe(0);
    expect(lock.isFree()).toBe(true);
    // The async op's already scheduled step finds it finished and does nothing; done ran once.
    runUntilIdle(k);
    expect(asyncResults).toEqual([7]);
    expect(log.filter((l) => l === 'async:done')).toHaveLength(1);
  });

  it('advances the right op among several in flight until the lock frees', () => {
    const { k, vr } = setup(0);
    const lock = new RWLock('flushMu');
    const log: string[] = [];
    const done: string[] = [];
    vr.runAsync('other', plainOp(50, [], 'o'), () => done.push('other'));
    vr.runAsync('holder', lockedOp(lock, 'holder', 3, log, 1), () => done.push('holder'));
    k.step();
    k.step();
    expect(lock.state().writer).toBe('holder');
    expect(vr.runSync(lockedOp(lock, 'sync', 0, log, 5))).toBe(5);
    expect(done).toContain('holder');
    expect(log.indexOf('holder:done')).toBeLessThan(log.indexOf('sync:done'));
  });

  it('a lock no in-flight operation can free is reported as a deadlock, not a hang', () => {
    const { vr } = setup(0);
    const lock = new RWLock('superMu');
    expect(lock.tryLock('outsider')).toBe(true);
    expect(() => vr.runSync(lockedOp(lock, 'sync', 1, [], 0))).toThrow(/volume runner: deadlock, blocked:superMu/);
  });

  it('a holder polling a full WAL longer than the stall bound is waited out: its retries end and the sync op gets the lock', () => {
    // Seed 306 of the default profile: TruncateToLSN waited for ioMu while a replica apply held it
    // shared, polling a full WAL for a 5 s timeout (5000 polls); the runner called that a deadlock.
    const { k, vr } = setup(0);
    const lock = new RWLock('ioMu');
    const polls = 5000;
    function* pollingApply(): Steps<string> {
      yield* lockSteps(lock, 'apply');
      try {
        for (let i = 0; i < polls; i++) yield 'write:wal-full-wait';
        return 'wal-full';
      } finally {
        lock.unlock('apply');
      }
    }
    const results: string[] = [];
    vr.runAsync('apply', pollingApply(), (r) => results.push(r));
    k.step();
    expect(lock.state().writer).toBe('apply');
    expect(vr.runSync(lockedOp(lock, 'truncate', 1, [], 9))).toBe(9);
    expect(results).toEqual(['wal-full']);
    // A holder that makes no such progress is still a deadlock once the bound is passed.
    const spin = new RWLock('ioMu');
    vr.runAsync('spin', (function* (): Steps<void> { yield* lockSteps(spin, 'spin'); for (;;) yield 'io:spin'; })(), () => {});
    while (spin.state().writer !== 'spin') k.step();
    expect(() => vr.runSync(lockedOp(spin, 'truncate', 1, [], 0))).toThrow(/volume runner: deadlock, blocked:ioMu/);
  });

  it('interleavePermille 1000: every step of a sync op advances an in-flight op first', () => {
    const { vr } = setup(1000);
    const log: string[] = [];
    vr.runAsync('flush', plainOp(10, log, 'a'), () => {});
    expect(vr.runSync(plainOp(3, log, 's'))).toBe('s');
    expect(log).toEqual(['s:0', 'a:0', 's:1', 'a:1', 's:2', 'a:2']);
    expect(vr.interleavings).toBe(3);
  });

  it('interleavePermille 0: a sync op never interleaves', () => {
    const { vr } = setup(0);
    const log: string[] = [];
    vr.runAsync('flush', plainOp(10, log, 'a'), () => {});
    vr.runSync(plainOp(5, log, 's'));
    expect(log).toEqual(['s:0', 's:1', 's:2', 's:3', 's:4']);
    expect(vr.interleavings).toBe(0);
  });

  it("a dead owner's async operations stop advancing", () => {
    const { k, owner, vr } = setup(0);
    const log: string[] = [];
    let finished = false;
    vr.runAsync('flush', plainOp(5, log, 'f'), () => { finished = true; });
    k.step();
    owner.alive = false;
    runUntilIdle(k);
    expect(log).toEqual(['f:0']);
    expect(finished).toBe(false);
  });

  it('async operations blocked on a lock park and are woken by its release (no lost wake-up), also while another lock churns', () => {
    const c = new RandomChooser(3);
    const k = new Kernel(c);
    const lock = new RWLock('shipMu');
    const other = new RWLock('ioMu');
    const vr = new VolumeRunner(k, c, 'n1', { alive: true }, 0, () => {}, (name) => (name === 'shipMu' ? lock.releases : other.releases));
    const log: string[] = [];
    const results: number[] = [];
    vr.runAsync('write', lockedOp(lock, 'a', 200, log, 1), (r) => results.push(r));
    for (const o of ['b', 'c', 'd']) vr.runAsync('write', lockedOp(lock, o, 1, log, 2), (r) => results.push(r));
    // Releases of another lock do not wake them.
    vr.runAsync('flush', lockedOp(other, 'f', 50, log, 3), (r) => results.push(r));
    runUntilIdle(k);
    expect(results.sort()).toEqual([1, 2, 2, 2, 3]);
    expect(log.filter((l) => l.endsWith(':done'))).toHaveLength(5);
  });
});

