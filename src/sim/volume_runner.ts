// Interleaves a node's storage operations at their lock and I/O boundaries (spec §0.1). Every
// multi-step volume operation is a generator (src/storage). Operations the simulator starts on
// its own (client writes, replica applies, flush cycles) advance one step per kernel event;
// operations the data path calls synchronously (truncate, install, sync) run inline, and at each
// of their steps the chooser may fire the flusher's timer and advance another in-flight operation
// first — which is how a flush lands between a truncation's check and its reset, or a replica
// apply straddles a reset. A blocked acquire advances the lock's holder instead, so no
// interleaving can deadlock; a holder polling a full WAL counts as progress, its retries being
// bounded (model: a synchronous operation takes no virtual time, so the truncation that in Go
// sleeps behind ioMu until the writer's WAL-full timeout expires waits the polls out at once).
// An operation the simulator started that blocks on a lock is parked until the lock it waits for
// is released (Go's Mutex wakes its waiters on Unlock; they do not spin), so a deep client queue
// behind shipMu costs steps per release, not per millisecond of waiting.
import type { Steps } from '../storage/blockvol/locks.ts';
import { between, chance, type Chooser } from './chooser.ts';
import type { Kernel, Owner } from './kernel.ts';

/** The label a write yields while the WAL is full (src/storage/blockvol/write_path.ts). */
const WAL_FULL_WAIT = 'write:wal-full-wait';
/** advanceAny's answer when no operation is in flight. */
const NONE = Symbol('none');
/** Permille of interleaving points at which the flusher's timer fires. */
const FLUSHER_WAKE_PERMILLE = 250;

interface Op {
  readonly id: number;
  readonly kind: string;
  readonly gen: Steps<unknown>;
  readonly done: (result: unknown) => void;
  finished: boolean;
  /** While parked: the lock it waits for and that lock's release count when it blocked. */
  waitsFor?: { readonly lock: string; readonly releases: number };
}

export class VolumeRunner {
  private readonly inflight: Op[] = [];
  /** Started operations waiting for a lock to be released. */
  private readonly parked: Op[] = [];
  private nextID = 1;
  /** Interleavings actually taken inside synchronous operations (coverage). */
  interleavings = 0;

  constructor(
    private readonly kernel: Kernel,
    private readonly chooser: Chooser,
    private readonly actor: string,
    private readonly owner: Owner,
    /** Permille chance, at each step of a synchronous op, to advance another in-flight op first. */
    private readonly interleavePermille: number,
    /**
     * Wake the flusher: a write found the WAL full (spec §10.3), or the flusher's timer fires at a
     * step of a synchronous operation (so a flush cycle can start between any two of its steps).
     */
    private readonly wakeFlusher: () => void = () => {},
    /** Releases so far of the volume's lock of this name (locks.ts lockReleases); a parked operation retries when it moves. */
    private readonly lockReleases: (lock: string) => number = () => 0,
  ) {}

  /** Start an operation that advances one step per kernel event; `done` gets its result. */
  runAsync<T>(kind: string, gen: Steps<T>, done: (result: T) => void): void {
    const op: Op = { id: this.nextID++, kind, gen, done: done as (r: unknown) => void, finished: false };
    this.inflight.push(op);
    this.scheduleStep(op);
  }

  /**
   * Run an operation to completion now, interleaving in-flight operations at its steps. With
   * `interleave` false nothing is drawn at its plain steps (the chooser sequence is that of a
   * plain run to completion); a blocked acquire still advances the holder, so the operation waits
   * for a lock as Go's does instead of failing busy.
   */
  runSync<T>(gen: Steps<T>, interleave = true): T {
    let stalls = 0;
    for (;;) {
      const r = gen.next();
      this.wakeParked();
      if (r.done === true) return r.value;
      if (r.value.startsWith('blocked:')) {
        // A holder polling a full WAL is progress: its retries are bounded (write_path
        // appendWithRetry), after which it fails and releases the lock (as Go's ioMu waiter does
        // once the writer's WAL-full timeout expires). Anything else that cannot free the lock is a deadlock.
        const label = this.advanceAny(true);
        stalls = label === WAL_FULL_WAIT ? 0 : stalls + 1;
        if (label === NONE || stalls > 1000) throw new Error(`volume runner: deadlock, ${r.value} and no operation able to free it`);
        continue;
      }
      stalls = 0;
      if (r.value === WAL_FULL_WAIT) {
        this.wakeFlusher();
        this.advanceAny();
        continue;
      }
      if (!interleave || !chance(this.chooser, 'vol.interleave', this.interleavePermille)) continue;
      if (chance(this.chooser, 'vol.flusher_wake', FLUSHER_WAKE_PERMILLE)) this.wakeFlusher();
      if (this.advanceAny() !== NONE) this.interleavings += 1;
    }
  }

  pending(): number {
    return this.inflight.length;
  }

  private scheduleStep(op: Op): void {
    const d = between(this.chooser, 'vol.step_delay', 0, 1);
    this.kernel.schedule(d, this.actor, `vol.${op.kind}`, () => {
      if (op.finished) return;
      const label = this.advance(op);
      if (this.kernel.tracing) this.kernel.noteNow(`op ${op.id} ${op.finished ? `done ${resultNote(label)}` : String(label)}`);
      if (!op.finished && typeof label === 'string' && label.startsWith('blocked:')) this.park(op, label.slice('blocked:'.length));
      else if (!op.finished) this.scheduleStep(op);
      this.wakeParked();
    }, this.owner);
  }

  /** Wait for `lock` to be released (its release count is remembered). */
  private park(op: Op, lock: string): void {
    op.waitsFor = { lock, releases: this.lockReleases(lock) };
    this.parked.push(op);
  }

  /** Every parked operation whose lock was released since it blocked tries again, in parking order. */
  private wakeParked(): void {
    if (this.parked.length === 0) return;
    for (let i = 0; i < this.parked.length;) {
      const op = this.parked[i]!;
      const w = op.waitsFor!;
      if (this.lockReleases(w.lock) === w.releases) { i++; continue; }
      this.parked.splice(i, 1);
      delete op.waitsFor;
      this.scheduleStep(op);
    }
  }

  /**
   * Advance one in-flight op (the chooser picks which) one step; false if there is none. A parked
   * operation waits for a release and is not a candidate (it would only block again) — except for
   * a synchronous operation that is itself blocked (`forBlocked`): a parked one may hold the lock
   * it needs, so every in-flight operation is (as when nothing parks). Returns the step's label or result.
   */
  private advanceAny(forBlocked = false): unknown {
    const waiting = forBlocked || this.parked.length === 0 ? this.inflight : this.inflight.filter((o) => !this.parked.includes(o));
    const ready = waiting.length === 0 ? this.inflight : waiting;
    const n = ready.length;
    if (n === 0) return NONE;
    const op = ready[n === 1 ? 0 : this.chooser.choose('vol.pick', n)]!;
    const label = this.advance(op);
    const p = this.parked.indexOf(op);
    if (p >= 0) { this.parked.splice(p, 1); delete op.waitsFor; if (!op.finished) this.scheduleStep(op); }
    this.wakeParked();
    return label;
  }

  /** One step of `op`: returns the step's label (a string) or, when it finished, its result. */
  private advance(op: Op): unknown {
    const r = op.gen.next();
    if (r.done !== true) {
      if (r.value === WAL_FULL_WAIT) this.wakeFlusher();
      return r.value;
    }
    op.finished = true;
    const i = this.inflight.indexOf(op);
    if (i >= 0) this.inflight.splice(i, 1);
    op.done(r.value);
    return r.value;
  }
}

/** An operation's result as the trace says it: `ok`, `lsn=7`, or the error's code. */
function resultNote(r: unknown): string {
  if (r === null || r === undefined) return 'ok';
  if (typeof r !== 'object') return String(r);
  const o = r as { err?: { code?: string } | null; lsn?: number; code?: string };
  if (typeof o.code === 'string') return `err ${o.code}`;
  if (o.err !== null && o.err !== undefined) return `err ${o.err.code ?? '?'}`;
  return o.lsn === undefined ? 'ok' : `ok lsn=${o.lsn}`;
}
