// Kernel: events run in (time, insertion) order; a choice among events due at the same instant
// goes through the chooser; cancelled events and events of dead owners never run; the Timers
// facades (kernel.after / ownerTimers) schedule, label and cancel like the data path expects.
import { describe, expect, it } from 'vitest';
import { Kernel, type Owner } from '../../src/sim/kernel.ts';
import { runUntilIdle, ScriptedChooser } from './helpers.ts';

function logEvent(k: Kernel, log: string[], delay: number, name: string, owner?: Owner): void {
  k.schedule(delay, 'test', name, () => log.push(`${name}@${k.now()}`), owner);
}

describe('Kernel ordering', () => {
  it('runs events by time, then by insertion order when the chooser picks the first', () => {
    const k = new Kernel(new ScriptedChooser(() => 0));
    const log: string[] = [];
    logEvent(k, log, 30, 'c');
    logEvent(k, log, 10, 'a1');
    logEvent(k, log, 20, 'b');
    logEvent(k, log, 10, 'a2');
    logEvent(k, log, 0, 'z');
    logEvent(k, log, 10, 'a3');
    expect(k.pending()).toBe(6);
    expect(runUntilIdle(k)).toBe(6);
    expect(log).toEqual(['z@0', 'a1@10', 'a2@10', 'a3@10', 'b@20', 'c@30']);
    expect(k.now()).toBe(30);
    expect(k.pending()).toBe(0);
    expect(k.step()).toBeNull();
  });

  it('asks the chooser (kind sched.next, n = live events at that instant) only when several are due', () => {
    const ch = new ScriptedChooser((_kind, n) => n - 1); // always the last inserted
    const k = new Kernel(ch);
    const log: string[] = [];
    logEvent(k, log, 5, 'x1');
    logEvent(k, log, 5, 'x2');
    logEvent(k, log, 5, 'x3');
    logEvent(k, log, 9, 'solo');
    runUntilIdle(k);
    expect(log).toEqual(['x3@5', 'x2@5', 'x1@5', 'solo@9']);
    // 3 options, then 2; the last remaining event at t=5 and the lone one at t=9 need no choice.
    expect(ch.calls.map((c) => `${c.kind}/${c.n}`)).toEqual(['sched.next/3', 'sched.next/2']);
  });

  it('a different same-instant choice changes the order but not the times', () => {
    const orders: string[][] = [];
    for (const pickSecond of [false, true]) {
      const k = new Kernel(new ScriptedChooser((_kind, n) => (pickSecond ? Math.min(1, n - 1) : 0)));
      const log: string[] = [];
      for (const name of ['p', 'q', 'r']) logEvent(k, log, 7, name);
      runUntilIdle(k);
      orders.push(log);
    }
    expect(orders[0]).toEqual(['p@7', 'q@7', 'r@7']);
    expect(orders[1]).toEqual(['q@7', 'r@7', 'p@7']);
  });

  it('events scheduled with delay 0 while running join the current instant after it', () => {
    const k = new Kernel(new ScriptedChooser(() => 0));
    const log: string[] = [];
    k.schedule(4, 'test', 'outer', () => {
      log.push(`outer@${k.now()}`);
      logEvent(k, log, 0, 'inner');
      logEvent(k, log, 2, 'later');
    });
    logEvent(k, log, 4, 'sibling');
    runUntilIdle(k);
    expect(log).toEqual(['outer@4', 'sibling@4', 'inner@4', 'later@6']);
  });

  it('step() returns the event it ran and exposes it as current while running', () => {
    const k = new Kernel(new ScriptedChooser());
    let seen: string | undefined;
    k.schedule(3, 'n1', 'net.frame', () => { seen = `${k.current?.actor}/${k.current?.kind}`; });
    const e = k.step();
    expect(e?.actor).toBe('n1');
    expect(e?.kind).toBe('net.frame');
    expect(e?.time).toBe(3);
    expect(seen).toBe('n1/net.frame');
    expect(k.current).toBeNull();
  });

  it('clears current even when an event throws', () => {
    const k = new Kernel(new ScriptedChooser());
    k.schedule(1, 'x', 'boom', () => { throw new Error('boom'); });
    expect(() => k.step()).toThrow('boom');
    expect(k.current).toBeNull();
  });

  it('rejects negative and fractional delays', () => {
    const k = new Kernel(new ScriptedChooser());
    expect(() => k.schedule(-1, 'a', 'neg', () => {})).toThrow(/bad delay -1 for neg/);
    expect(() => k.schedule(1.5, 'a', 'frac', () => {})).toThrow(/bad delay 1.5 for frac/);
    expect(k.pending()).toBe(0);
  });
});

describe('Kernel cancellation and owners', () => {
  it('a cancelled event never runs, is not counted, and is not offered to the chooser', () => {
    const ch = new ScriptedChooser(() => 0);
    const k = new Kernel(ch);
    const log: string[] = [];
    logEvent(k, log, 5, 'keep1');
    const e = k.schedule(5, 'test', 'gone', () => log.push('gone'));
    logEvent(k, log, 5, 'keep2');
    k.cancelEvent(e);
    k.cancelEvent(e); // idempotent
    expect(k.pending()).toBe(2);
    runUntilIdle(k);
    expect(log).toEqual(['keep1@5', 'keep2@5']);
    expect(ch.callsOf('sched.next').map((c) => c.n)).toEqual([2]);
    expect(k.pending()).toBe(0);
  });

  it('an event cancelled by an earlier event at the same instant does not run', () => {
    const k = new Kernel(new ScriptedChooser(() => 0));
    const log: string[] = [];
    const victim = k.schedule(8, 'test', 'victim', () => log.push('victim'));
    k.schedule(3, 'test', 'killer', () => { log.push('killer'); k.cancelEvent(victim); });
    runUntilIdle(k);
    expect(log).toEqual(['killer']);
    expect(k.now()).toBe(3); // time never advanced to the cancelled event
  });

  it('events of a dead owner never run, even those already due', () => {
    const ch = new ScriptedChooser(() => 0);
    const k = new Kernel(ch);
    const node: Owner = { alive: true };
    const log: string[] = [];
    logEvent(k, log, 1, 'crash-first');
    logEvent(k, log, 2, 'n-a', node);
    logEvent(k, log, 2, 'other');
    logEvent(k, log, 9, 'n-b', node);
    k.schedule(1, 'fault', 'crash', () => { node.alive = false; });
    runUntilIdle(k);
    expect(log).toEqual(['crash-first@1', 'other@2']);
    expect(k.pending()).toBe(0);
    // The dead owner's event at t=2 was dropped before choosing: only one option remained.
    expect(ch.callsOf('sched.next').map((c) => c.n)).toEqual([2]);
  });

  it('a new incarnation (new owner token) runs even though the old one is dead', () => {
    const k = new Kernel(new ScriptedChooser());
    const old: Owner = { alive: false };
    const fresh: Owner = { alive: true };
    const log: string[] = [];
    logEvent(k, log, 1, 'old', old);
    logEvent(k, log, 1, 'fresh', fresh);
    runUntilIdle(k);
    expect(log).toEqual(['fresh@1']);
  });
});

describe('Kernel timers', () => {
  it('kernel.after rounds and clamps the delay, labels the step, and can be cancelled', () => {
    const k = new Kernel(new ScriptedChooser());
    const log: string[] = [];
    const h1 = k.after(2.6, 'retry', () => log.push(`retry@${k.now()}`));
    k.after(-5, 'asap', () => log.push(`asap@${k.now()}`));
    const h3 = k.after(10, 'never', () => log.push('never'));
    expect(h1.id).not.toBe(h3.id);
    k.cancel(h3);
    const first = k.step();
    expect(first?.kind).toBe('asap');
    expect(first?.actor).toBe('timer');
    runUntilIdle(k);
    expect(log).toEqual(['asap@0', 'retry@3']);
  });

  it('ownerTimers label steps with the actor, die with the owner, and cancel', () => {
    const k = new Kernel(new ScriptedChooser());
    const inc: Owner = { alive: true };
    const t = k.ownerTimers('n2', inc);
    const log: string[] = [];
    t.after(4, 'hb', () => log.push(`hb@${t.now()}`));
    const cancelled = t.after(5, 'cancelled', () => log.push('cancelled'));
    t.after(20, 'after-crash', () => log.push('after-crash'));
    t.cancel(cancelled);
    const e = k.step();
    expect(e?.actor).toBe('n2');
    expect(e?.kind).toBe('hb');
    inc.alive = false;
    runUntilIdle(k);
    expect(log).toEqual(['hb@4']);
    expect(k.pending()).toBe(0);
  });
});
