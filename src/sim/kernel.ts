// The discrete-event kernel: an integer virtual clock (milliseconds), one event queue ordered by
// (time, insertion sequence), and the chooser that picks among events due at the same instant.
// A "step" is one event run to completion; the cluster checks invariants and records a trace
// record after each. Nothing here reads the host clock or host randomness.
import { isActorAware, type ActorAwareChooser, type Chooser } from './chooser.ts';
import type { TimerHandle, Timers } from '../replication/transport.ts';

/** Liveness token of whoever owns an event (a node incarnation): a crash kills all its events. */
export interface Owner {
  alive: boolean;
  /** A paused process (a long GC or scheduling stall) runs none of its events before this time. */
  pausedUntil?: number;
}

export const ALWAYS: Owner = { alive: true };

export interface SimEvent {
  readonly id: number;
  readonly owner: Owner;
  readonly time: number;
  /** Who acts: a node name, "master", "client", "net", "fault". */
  readonly actor: string;
  /** What kind of step this is (stable, used in traces and coverage). */
  readonly kind: string;
  readonly run: () => void;
  cancelled: boolean;
  /** What this event carries, for the trace's step detail (set only while tracing; see Kernel.tracing). */
  note?: string | undefined;
}

function swap(h: number[], a: number, b: number): void {
  const x = h[a]!;
  h[a] = h[b]!;
  h[b] = x;
}

/** Min-heap of distinct times; each time has a bucket of events in insertion order. */
class TimeQueue {
  private readonly times: number[] = [];
  private readonly buckets = new Map<number, SimEvent[]>();

  push(e: SimEvent): void {
    const b = this.buckets.get(e.time);
    if (b !== undefined) { b.push(e); return; }
    this.buckets.set(e.time, [e]);
    const h = this.times;
    h.push(e.time);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= h[i]!) break;
      swap(h, p, i);
      i = p;
    }
  }

  /** The bucket of the earliest time, or undefined when empty. */
  peekBucket(): SimEvent[] | undefined {
    const t = this.times[0];
    return t === undefined ? undefined : this.buckets.get(t)!;
  }

  dropEarliestTime(): void {
    const h = this.times;
    this.buckets.delete(h[0]!);
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && h[l]! < h[m]!) m = l;
      if (r < h.length && h[r]! < h[m]!) m = r;
      if (m === i) break;
      swap(h, m, i);
      i = m;
    }
  }

  get distinctTimes(): number {
    return this.times.length;
  }
}

export class Kernel implements Timers {
  private clock = 0;
  private nextID = 1;
  private readonly queue = new TimeQueue();
  private live = 0;
  /** The event running now (null between steps). */
  current: SimEvent | null = null;
  /**
   * Step details are being recorded: whoever schedules an event may then set its `note` (what it
   * carries). Off in untraced runs, so no detail string is ever built there.
   */
  tracing = false;

  /** The chooser when it is actor-aware (PCT): it is told who acts and sees the actors it picks among. */
  private readonly aware: ActorAwareChooser | null;

  constructor(readonly chooser: Chooser) {
    this.aware = isActorAware(chooser) ? chooser : null;
  }

  now(): number {
    return this.clock;
  }

  /** While tracing: add to the running step's note (what it did, as it does it). */
  noteNow(what: string): void {
    const e = this.current;
    if (e !== null) e.note = e.note === undefined ? what : `${e.note}; ${what}`;
  }

  /** Schedule `run` as its own step `delay` ms from now. */
  schedule(delay: number, actor: string, kind: string, run: () => void, owner: Owner = ALWAYS): SimEvent {
    if (!Number.isInteger(delay) || delay < 0) throw new Error(`bad delay ${delay} for ${kind}`);
    const e: SimEvent = { id: this.nextID++, owner, time: this.clock + delay, actor, kind, run, cancelled: false, note: undefined };
    this.queue.push(e);
    this.live += 1;
    return e;
  }

  /** Move a not-yet-run event to a later time (its owner is paused); the same event object. */
  private defer(e: SimEvent, time: number): void {
    (e as { time: number }).time = time;
    this.queue.push(e);
  }

  cancelEvent(e: SimEvent): void {
    if (!e.cancelled) {
      e.cancelled = true;
      this.live -= 1;
    }
  }

  // Timers for actors that never crash (tests, the master). Nodes use ownerTimers().
  after(delayMs: number, label: string, fn: () => void): TimerHandle {
    return this.schedule(Math.max(0, Math.round(delayMs)), 'timer', label, fn);
  }

  /** Timers whose events belong to `actor` and die with `owner` (a node incarnation). */
  ownerTimers(actor: string, owner: Owner): Timers {
    return {
      now: () => this.clock,
      after: (delayMs, label, fn) => this.schedule(Math.max(0, Math.round(delayMs)), actor, label, fn, owner),
      cancel: (h) => this.cancelEvent(h as SimEvent),
    };
  }

  cancel(handle: TimerHandle): void {
    this.cancelEvent(handle as SimEvent);
  }

  pending(): number {
    return this.live;
  }

  /**
   * Take the next event: the earliest time; among several due at that instant, the chooser
   * picks (this is how exploration reorders concurrent actions). Returns null when idle.
   */
  takeNext(): SimEvent | null {
    for (;;) {
      const bucket = this.queue.peekBucket();
      if (bucket === undefined) return null;
      // Drop cancelled events from the bucket lazily.
      let w = 0;
      for (let r = 0; r < bucket.length; r++) {
        const e = bucket[r]!;
        if (e.cancelled) continue;
        if (!e.owner.alive) { this.cancelEvent(e); continue; }
        const until = e.owner.pausedUntil;
        if (until !== undefined && until > e.time) { this.defer(e, until); continue; }
        bucket[w++] = e;
      }
      if (w !== bucket.length) bucket.length = w;
      if (w === 0) { this.queue.dropEarliestTime(); continue; }
      const i = w === 1 ? 0 : this.aware !== null ? this.aware.chooseEvent('sched.next', bucket.map((x) => x.actor)) : this.chooser.choose('sched.next', w);
      const e = bucket[i]!;
      bucket.splice(i, 1);
      if (bucket.length === 0) this.queue.dropEarliestTime();
      this.clock = e.time;
      this.live -= 1;
      e.cancelled = true; // consumed
      return e;
    }
  }

  /** Run one step; false when nothing is scheduled. */
  step(): SimEvent | null {
    const e = this.takeNext();
    if (e === null) return null;
    this.current = e;
    this.aware?.enterActor(e.actor);
    try {
      e.run();
    } finally {
      this.current = null;
    }
    return e;
  }
}
