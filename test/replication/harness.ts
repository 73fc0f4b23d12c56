// A tiny deterministic world for the replication tests: one ordered event queue (virtual time,
// then insertion order) implementing both Timers and Transport. Every frame takes `latency` ms;
// frames of one connection keep their order. Faults: crash an address (unlisten + break its
// connections), black-hole an address (dials never answer, frames vanish).

import type { Conn, ConnHandlers, TimerHandle, Timers, Transport } from '../../src/replication/transport.ts';

interface Event {
  readonly at: number;
  readonly seq: number;
  readonly label: string;
  readonly fn: () => void;
  cancelled: boolean;
}

class End implements Conn {
  open = true;
  peer!: End;
  handlers!: ConnHandlers;
  constructor(
    readonly id: number,
    private readonly world: TestWorld,
    readonly serverAddr: string,
  ) {}

  send(frame: Uint8Array): boolean {
    if (!this.open) return false;
    const copy = frame.slice();
    const peer = this.peer;
    this.world.sentFrames += 1;
    if (this.world.isBlackholed(this.serverAddr)) return true;
    this.world.after(this.world.latency, `deliver:${peer.id}`, () => {
      if (peer.open) peer.handlers.onFrame(copy);
    });
    return true;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.world.breakPeer(this.peer);
  }

  isOpen(): boolean {
    return this.open;
  }
}

export class TestWorld implements Transport, Timers {
  latency = 1;
  sentFrames = 0;
  private time = 0;
  private seq = 0;
  private queue: Event[] = [];
  private readonly listeners = new Map<string, (c: Conn) => ConnHandlers>();
  private readonly ends: End[] = [];
  private readonly blackholes = new Set<string>();
  private nextConnID = 1;
  steps = 0;

  // ---- Timers ----
  now(): number {
    return this.time;
  }

  after(delayMs: number, label: string, fn: () => void): TimerHandle {
    const ev: Event = { at: this.time + Math.max(0, delayMs), seq: ++this.seq, label, fn, cancelled: false };
    this.queue.push(ev);
    return { id: ev.seq };
  }

  cancel(handle: TimerHandle): void {
    const ev = this.queue.find((e) => e.seq === handle.id);
    if (ev !== undefined) ev.cancelled = true;
  }

  // ---- Transport ----
  dial(addr: string, handlers: ConnHandlers, done: (conn: Conn | null, err: string | null) => void): void {
    if (this.blackholes.has(addr)) return;
    this.after(this.latency, `dial:${addr}`, () => {
      const accept = this.listeners.get(addr);
      if (accept === undefined) return done(null, 'connection refused');
      const client = new End(this.nextConnID++, this, addr);
      const server = new End(this.nextConnID++, this, addr);
      client.peer = server;
      server.peer = client;
      client.handlers = handlers;
      server.handlers = accept(server);
      this.ends.push(client, server);
      done(client, null);
    });
  }

  listen(addr: string, accept: (conn: Conn) => ConnHandlers): string | null {
    if (this.listeners.has(addr)) return 'address already in use';
    this.listeners.set(addr, accept);
    return null;
  }

  unlisten(addr: string): void {
    this.listeners.delete(addr);
  }

  // ---- faults ----
  breakPeer(peer: End): void {
    if (!peer.open) return;
    peer.open = false;
    this.after(this.latency, `close:${peer.id}`, () => peer.handlers.onClose());
  }

  /** The node serving `addrs` dies: listeners gone, every connection to them broken. */
  crash(...addrs: string[]): void {
    for (const a of addrs) this.unlisten(a);
    for (const e of this.ends) {
      if (addrs.includes(e.serverAddr) && e.open) {
        e.open = false;
        const h = e.handlers;
        this.after(this.latency, `close:${e.id}`, () => h.onClose());
      }
    }
  }

  blackhole(addr: string, on = true): void {
    if (on) this.blackholes.add(addr);
    else this.blackholes.delete(addr);
  }

  isBlackholed(addr: string): boolean {
    return this.blackholes.has(addr);
  }

  // ---- running ----
  /** Run one event; false when the queue is empty. */
  step(): boolean {
    this.queue = this.queue.filter((e) => !e.cancelled);
    if (this.queue.length === 0) return false;
    let best = 0;
    for (let i = 1; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      const b = this.queue[best]!;
      if (e.at < b.at || (e.at === b.at && e.seq < b.seq)) best = i;
    }
    const ev = this.queue.splice(best, 1)[0]!;
    this.time = Math.max(this.time, ev.at);
    this.steps += 1;
    ev.fn();
    return true;
  }

  /** Run until the queue is empty (or `maxSteps`), calling `afterStep` after each event. */
  run(maxSteps = 100_000, afterStep?: () => void): void {
    for (let i = 0; i < maxSteps && this.step(); i++) afterStep?.();
  }

  /** Run events due within the next `ms` of virtual time, then set the clock to that instant. */
  runFor(ms: number, afterStep?: () => void): void {
    const until = this.time + ms;
    for (;;) {
      this.queue = this.queue.filter((e) => !e.cancelled);
      const due = this.queue.some((e) => e.at <= until);
      if (!due) break;
      this.step();
      afterStep?.();
    }
    this.time = until;
  }

  pendingLabels(): string[] {
    return this.queue.filter((e) => !e.cancelled).map((e) => e.label);
  }
}
