// The narrow I/O surface the data path runs on: stream connections, listeners and timers.
// The replication layer never knows it is simulated; the simulator (src/sim/network.ts,
// src/sim/kernel.ts) implements these interfaces with a virtual clock and a faulty network.
//
// Semantics (TCP-like): frames on one connection arrive in order, each at most once; a connection
// breaks (both ends get onClose once) on a crash, a partition, a fault, or close() by either side.
// After a break, send() returns false and nothing more is delivered. Every callback runs as its
// own simulator step, never re-entrantly inside the call that caused it.

export interface Conn {
  readonly id: number;
  /** Queue one frame for delivery to the peer; false if the connection is already broken. */
  send(frame: Uint8Array): boolean;
  /** Break the connection; the peer's onClose runs later, this side's never runs. */
  close(): void;
  isOpen(): boolean;
}

export interface ConnHandlers {
  onFrame(frame: Uint8Array): void;
  onClose(): void;
}

export interface Transport {
  /** Connect to `addr`; `done` runs later with the connection, or null and a reason (refused, timeout). */
  dial(addr: string, handlers: ConnHandlers, done: (conn: Conn | null, err: string | null) => void): void;
  /** Accept connections on `addr`; returns an error string if the address is already bound. */
  listen(addr: string, accept: (conn: Conn) => ConnHandlers): string | null;
  unlisten(addr: string): void;
}

export interface TimerHandle {
  readonly id: number;
}

export interface Timers {
  /** Current virtual time in milliseconds. */
  now(): number;
  /** Run `fn` as its own step after `delayMs` of virtual time, unless cancelled first. */
  after(delayMs: number, label: string, fn: () => void): TimerHandle;
  cancel(handle: TimerHandle): void;
}
