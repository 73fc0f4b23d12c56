// The simulated network: listeners by address, TCP-like connections between node incarnations,
// unreliable datagrams for the control plane, and the link faults of a profile — latency with
// jitter, connection resets, datagram drop/duplication/reordering, and symmetric or asymmetric
// partitions that heal. Every delay and every fault is a chooser decision; every delivery is its
// own kernel step owned by the receiving node's incarnation, so a crash silences it.
import type { Conn, ConnHandlers, Transport } from '../replication/transport.ts';
import { frameNote } from './frame_note.ts';
import { between, chance } from './chooser.ts';
import type { FrameClassifier } from './frame_kinds.ts';
import type { Kernel, Owner } from './kernel.ts';

export interface NetworkConfig {
  /** One-way latency range in ms. */
  readonly latencyMin: number;
  readonly latencyMax: number;
  /** Per-frame chance (permille) that a connection is reset instead of delivering. */
  readonly resetPermille: number;
  /** Datagram faults (permille each). */
  readonly dropPermille: number;
  readonly duplicatePermille: number;
  /** Extra delay range applied to a reordered datagram. */
  readonly reorderPermille: number;
  /** How long a dial into a partition hangs before failing (ms). */
  readonly dialTimeout: number;
}

export const CALM_NETWORK: NetworkConfig = {
  latencyMin: 1, latencyMax: 3, resetPermille: 0, dropPermille: 0, duplicatePermille: 0, reorderPermille: 0, dialTimeout: 3000,
};

/** A node's presence on the network: its name (host) and current incarnation. */
export interface NetHost {
  readonly name: string;
  owner: Owner;
}

interface Listener {
  readonly host: NetHost;
  readonly owner: Owner;
  readonly accept: (conn: Conn) => ConnHandlers;
}

/** Counters the summary's coverage reads. */
export interface NetStats {
  connections: number;
  resets: number;
  refused: number;
  partitions: number;
  heals: number;
  datagramsDropped: number;
  datagramsDuplicated: number;
  framesDelivered: number;
}

class Endpoint implements Conn {
  peer!: Endpoint;
  handlers: ConnHandlers | null = null;
  open = true;
  /** Virtual time at which the last frame sent from this end is delivered (FIFO per direction). */
  lastDelivery = 0;
  /** Frames sent to this end, not yet delivered. Each delivery event takes the oldest, so frames
   *  arrive in send order even when two deliveries fall due at the same instant. */
  readonly inbox: Uint8Array[] = [];

  /**
   * @param addr the address the connection was dialed at (both ends), naming its channel
   * @param dialer true for the dialing end
   */
  constructor(
    readonly id: number, readonly net: Network, readonly host: NetHost, readonly owner: Owner,
    readonly addr: string, readonly dialer: boolean,
  ) {}

  send(frame: Uint8Array): boolean {
    if (!this.open || !this.owner.alive) return false;
    this.net.transmit(this, frame);
    return true;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.handlers = null; // our own onClose never runs
    this.net.closeLater(this.peer);
  }

  isOpen(): boolean {
    return this.open && this.owner.alive;
  }
}

/**
 * A one-shot fault on the next `left` messages of one kind (scenario files' drop_next,
 * delay_next, duplicate_next, reset_next), optionally only from / to a host. A datagram kind is
 * its event kind; a stream frame's kind is what the frame classifier names it (frame_kinds.ts).
 * Datagrams may be dropped, delayed or duplicated; a stream frame delayed (the frames behind it
 * wait, in order) or its connection reset instead of delivering it. None are set in seeded runs.
 */
export interface MessageFault {
  readonly kind: string;
  readonly from?: string;
  readonly to?: string;
  readonly action: 'drop' | 'delay' | 'duplicate' | 'reset';
  readonly delayMs?: number;
  left: number;
}

export class Network {
  private readonly oneShots: MessageFault[] = [];
  /** Names stream frames for one-shot faults (set by the cluster; unused while none is armed). */
  frameKinds: FrameClassifier | null = null;
  private readonly listeners = new Map<string, Listener>();
  private readonly endpoints: Endpoint[] = [];
  /** Blocked directed links "from>to". */
  private readonly blocked = new Set<string>();
  private nextConnID = 1;
  readonly stats: NetStats = {
    connections: 0, resets: 0, refused: 0, partitions: 0, heals: 0, datagramsDropped: 0, datagramsDuplicated: 0, framesDelivered: 0,
  };

  constructor(private readonly kernel: Kernel, public config: NetworkConfig) {}

  transportFor(host: NetHost): Transport {
    return {
      dial: (addr, handlers, done) => this.dial(host, addr, handlers, done),
      listen: (addr, accept) => this.listen(host, addr, accept),
      unlisten: (addr) => this.unlisten(host, addr),
    };
  }

  isBlocked(from: string, to: string): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  /** Block traffic from→to (and to→from when symmetric); connections crossing it break. */
  partition(a: string, b: string, symmetric: boolean): void {
    this.blocked.add(`${a}>${b}`);
    if (symmetric) this.blocked.add(`${b}>${a}`);
    this.stats.partitions += 1;
    for (const e of this.endpoints) {
      if (e.open && e.host.name === a && e.peer.host.name === b) this.reset(e);
    }
  }

  heal(a: string, b: string): void {
    this.blocked.delete(`${a}>${b}`);
    this.blocked.delete(`${b}>${a}`);
    this.stats.heals += 1;
  }

  healAll(): void {
    if (this.blocked.size > 0) this.stats.heals += 1;
    this.blocked.clear();
  }

  blockedLinks(): string[] {
    return [...this.blocked].sort();
  }

  /** Arm a one-shot message fault (scenario files). */
  addMessageFault(f: MessageFault): void {
    this.oneShots.push(f);
  }

  private takeOneShot(from: string, to: string, kind: string): MessageFault | null {
    const f = this.oneShots.find((x) => x.kind === kind && (x.from === undefined || x.from === from) && (x.to === undefined || x.to === to));
    if (f === undefined) return null;
    f.left -= 1;
    if (f.left <= 0) this.oneShots.splice(this.oneShots.indexOf(f), 1);
    return f;
  }

  /** A host crashed: its listeners vanish and every connection it had breaks (peers told later). */
  hostDown(host: NetHost): void {
    for (const [addr, l] of [...this.listeners]) if (l.host.name === host.name) this.listeners.delete(addr);
    for (const e of this.endpoints) {
      if (e.host.name === host.name && e.open) {
        e.open = false;
        e.handlers = null;
        this.closeLater(e.peer);
      }
    }
    this.compact();
  }

  listeningOn(addr: string): string | null {
    return this.listeners.get(addr)?.host.name ?? null;
  }

  // ---- internals -------------------------------------------------------------------------

  private latency(kind: string): number {
    return between(this.kernel.chooser, kind, this.config.latencyMin, this.config.latencyMax);
  }

  private listen(host: NetHost, addr: string, accept: (conn: Conn) => ConnHandlers): string | null {
    const cur = this.listeners.get(addr);
    if (cur !== undefined && cur.owner.alive) return `listen ${addr}: address already in use`;
    this.listeners.set(addr, { host, owner: host.owner, accept });
    return null;
  }

  private unlisten(host: NetHost, addr: string): void {
    if (this.listeners.get(addr)?.host.name === host.name) this.listeners.delete(addr);
  }

  private dial(host: NetHost, addr: string, handlers: ConnHandlers, done: (c: Conn | null, err: string | null) => void): void {
    const owner = host.owner;
    const l = this.listeners.get(addr);
    if (l !== undefined && this.isBlocked(host.name, l.host.name)) {
      const ev = this.kernel.schedule(this.config.dialTimeout, host.name, 'net.dial_timeout', () => done(null, `dial ${addr}: i/o timeout`), owner);
      if (this.kernel.tracing) ev.note = `dial ${addr}: blocked, timeout`;
      return;
    }
    const there = this.latency('net.delay');
    const acc = this.kernel.schedule(there, l?.host.name ?? 'net', 'net.accept', () => {
      const now = this.listeners.get(addr);
      if (now === undefined || !now.owner.alive || this.isBlocked(host.name, now.host.name) || !owner.alive) {
        this.stats.refused += 1;
        const ev = this.kernel.schedule(this.latency('net.delay'), host.name, 'net.dial_refused', () => done(null, `dial ${addr}: connection refused`), owner);
        if (this.kernel.tracing) ev.note = `dial ${addr}: refused`;
        return;
      }
      const client = new Endpoint(this.nextConnID++, this, host, owner, addr, true);
      const server = new Endpoint(this.nextConnID++, this, now.host, now.owner, addr, false);
      client.peer = server;
      server.peer = client;
      client.handlers = handlers;
      client.lastDelivery = this.kernel.now();
      server.lastDelivery = this.kernel.now();
      this.endpoints.push(client, server);
      this.stats.connections += 1;
      server.handlers = now.accept(server);
      const ok = this.kernel.schedule(this.latency('net.delay'), host.name, 'net.dial_ok', () => {
        done(client.open ? client : null, client.open ? null : `dial ${addr}: connection reset`);
      }, owner);
      if (this.kernel.tracing) ok.note = `dial ${addr}: conn ${client.id}`;
    }, l?.owner);
    if (this.kernel.tracing) acc.note = `${host.name}→${l?.host.name ?? 'net'} +${there}ms dial ${addr}`;
  }

  transmit(from: Endpoint, frame: Uint8Array): void {
    const to = from.peer;
    if (this.isBlocked(from.host.name, to.host.name) || chance(this.kernel.chooser, 'net.reset', this.config.resetPermille)) {
      this.reset(from);
      return;
    }
    const shot = this.oneShots.length > 0 ? this.frameShot(from, frame) : null;
    if (shot?.action === 'reset') { this.reset(from); return; }
    const extra = shot?.action === 'delay' ? shot.delayMs ?? 0 : 0;
    const at = Math.max(this.kernel.now() + this.latency('net.delay') + extra, from.lastDelivery);
    from.lastDelivery = at;
    to.inbox.push(frame);
    const ev = this.kernel.schedule(at - this.kernel.now(), to.host.name, 'net.frame', () => {
      const next = to.inbox.shift();
      if (!to.open || next === undefined) return;
      this.stats.framesDelivered += 1;
      to.handlers?.onFrame(next);
    }, to.owner);
    if (this.kernel.tracing) ev.note = frameNote(from.host.name, to.host.name, at - this.kernel.now(), frame);
  }

  private frameShot(from: Endpoint, frame: Uint8Array): MessageFault | null {
    const kind = this.frameKinds?.(from.addr, from.dialer, frame) ?? null;
    return kind === null ? null : this.takeOneShot(from.host.name, from.peer.host.name, kind);
  }

  /** Break a connection (reset, partition): both ends see onClose, later, as their own steps. */
  private reset(e: Endpoint): void {
    this.stats.resets += 1;
    this.closeLater(e);
    this.closeLater(e.peer);
  }

  /** Mark `e` broken and tell its owner after a network delay (once). */
  closeLater(e: Endpoint): void {
    e.open = false;
    const h = e.handlers;
    if (h === null) return;
    e.handlers = null;
    const ev = this.kernel.schedule(this.latency('net.delay'), e.host.name, 'net.close', () => h.onClose(), e.owner);
    if (this.kernel.tracing) ev.note = `conn ${e.id} closed (peer ${e.peer.host.name})`;
  }

  private compact(): void {
    let w = 0;
    for (const e of this.endpoints) if (e.open || e.peer.open) this.endpoints[w++] = e;
    this.endpoints.length = w;
  }

  /**
   * Send an unreliable datagram (control plane). May be dropped, duplicated or reordered; with
   * `mayDuplicate` false it is never duplicated (a client command: iSCSI runs over TCP, so the
   * target never executes one command twice, although it may lose it or run it late).
   */
  sendDatagram(from: string, to: NetHost, kind: string, deliver: () => void, mayDuplicate = true, what?: string): void {
    if (this.isBlocked(from, to.name)) { this.stats.datagramsDropped += 1; return; }
    const shot = this.oneShots.length > 0 ? this.takeOneShot(from, to.name, kind) : null;
    if (shot?.action === 'drop') { this.stats.datagramsDropped += 1; return; }
    const c = this.kernel.chooser;
    if (shot === null && chance(c, 'net.drop', this.config.dropPermille)) { this.stats.datagramsDropped += 1; return; }
    const copies = shot?.action === 'duplicate' ? 2 : shot === null && mayDuplicate && chance(c, 'net.dup', this.config.duplicatePermille) ? 2 : 1;
    if (copies === 2) this.stats.datagramsDuplicated += 1;
    for (let i = 0; i < copies; i++) {
      let d = this.latency('net.delay') + (shot?.action === 'delay' ? shot.delayMs ?? 0 : 0);
      if (chance(c, 'net.reorder', this.config.reorderPermille)) d += between(c, 'net.reorder_delay', 1, 50);
      const ev = this.kernel.schedule(d, to.name, kind, deliver, to.owner);
      if (this.kernel.tracing) ev.note = `${from}→${to.name} +${d}ms${copies === 2 ? ` copy ${i + 1}/2` : ''}${what === undefined ? '' : ` ${what}`}`;
    }
  }
}
