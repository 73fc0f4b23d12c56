// One client: an iSCSI initiator against whoever the master says is primary. It keeps up to its
// queue depth of commands outstanding — writes or trims of a small LBA range, reads of one LBA,
// SyncCache — each with its own timeout, as a real initiator queues dozens (a seed may run several
// clients, each its own queue: cluster.ts). Between two commands the application thinks (a drawn
// delay); while the queue is full it waits for a slot. No kinder and no chattier than a real
// initiator: it never retries or resends, knows only the answers it got, and gives up on a
// command at its timeout (the task is aborted: the oracle counts it done then). With depth 1 it is
// the one-command-at-a-time client, draw for draw. Every acknowledgement, every successful
// SyncCache and every answered read is reported to the oracle, per lineage (the answering
// primary's epoch and LSN), with its interval on the oracle clock (realtime_order.ts). Writes,
// trims and reads run only during the fault phase; the quiet phase issues one SyncCache at a time
// (a filesystem's periodic flush), or nothing when idle. Scripted operations (scenario files) run
// one at a time beside the generated load, outside its queue.
import { between, chance, type Chooser } from './chooser.ts';
import type { Kernel } from './kernel.ts';
import type { Oracle } from './oracle.ts';

/**
 * Who answered: the primary's server, incarnation and epoch (`s1#2@3`). A SyncCache proves durable
 * only the writes the same primary incarnation acknowledged in the same epoch (its lineage).
 */
export type Answerer = string;

/** A write's acknowledgement: the acknowledging primary's epoch, the LSN it allocated, and who. */
export interface WriteAck {
  readonly epoch: number;
  readonly lsn: number;
  readonly by: Answerer;
}

/** What the client needs from the cluster: the current primary's data path. */
export interface ClientTarget {
  /** Send an operation to the primary; `done` is called at most once (never if the primary dies). */
  write(lba: number, data: Uint8Array, done: (r: WriteAck | null) => void): boolean;
  trim(lba: number, done: (r: WriteAck | null) => void): boolean;
  /** `done(by)` on success, `done(null)` on failure. */
  syncCache(done: (by: Answerer | null) => void): boolean;
  /** Read one block; `done(null)` on failure (not primary, read error). */
  read(lba: number, done: (r: ReadAnswer | null) => void): boolean;
}

/** What a read returned and who served it. */
export interface ReadAnswer {
  readonly data: Uint8Array;
  readonly by: Answerer;
}

/** Permille of client operations (other than SyncCache) that are reads. */
const READ_PERMILLE = 150;

export interface ClientConfig {
  readonly numBlocks: number;
  readonly blockSize: number;
  readonly intervalMs: number;
  readonly syncPermille: number;
  readonly trimPermille: number;
  readonly timeoutMs: number;
  /** The client stops writing at this virtual time (end of the fault phase)... */
  readonly stopAt: number;
  /** ...and then only issues a SyncCache this often (a filesystem's periodic flush), until `endAt`. */
  readonly quietSyncMs: number;
  readonly endAt: number;
  /** Largest write in blocks (default 1); a multi-block write is one WAL entry over consecutive LBAs. */
  readonly maxWriteBlocks?: number;
  /** Permille of non-sync operations that are reads (default 150). */
  readonly readPermille?: number;
  /** Commands the generated load keeps outstanding at most (default 1: one at a time). */
  readonly queueDepth?: number;
  /** Prefix of this client's trace notes when a seed runs several clients ("c2"). */
  readonly label?: string;
}

/** One operation of a scenario file's script (scenario files' `workload.ops` and client actions). */
export type ScriptedOp =
  | { readonly op: 'write'; readonly lba: number; readonly blocks: number }
  | { readonly op: 'trim'; readonly lba: number; readonly blocks: number }
  | { readonly op: 'read'; readonly lba: number }
  | { readonly op: 'sync' };

export interface ClientStats {
  writes: number;
  writesAcked: number;
  syncs: number;
  syncsOK: number;
  trims: number;
  reads: number;
  readsOK: number;
  timeouts: number;
}

/** How a command ends, exactly once: its answer's outcome, or false at its timeout. */
type End = (ok: boolean) => void;

export class Client {
  /** Generated commands outstanding now... */
  private outstanding = 0;
  /** ...and whether the next one is already scheduled (the application is thinking). */
  private thinking = false;
  readonly stats: ClientStats = { writes: 0, writesAcked: 0, syncs: 0, syncsOK: 0, trims: 0, reads: 0, readsOK: 0, timeouts: 0 };

  constructor(
    private readonly kernel: Kernel,
    private readonly chooser: Chooser,
    private readonly cfg: ClientConfig,
    private readonly oracle: Oracle,
    private readonly target: () => ClientTarget | null,
  ) {}

  start(): void {
    this.scheduleNext();
  }

  /** How many generated commands may be outstanding now: the queue depth, or one in the quiet phase. */
  private depthNow(): number {
    return this.kernel.now() >= this.cfg.stopAt ? 1 : this.cfg.queueDepth ?? 1;
  }

  private scheduleNext(): void {
    const quiet = this.kernel.now() >= this.cfg.stopAt;
    const d = quiet ? this.cfg.quietSyncMs : between(this.chooser, 'client.think', 1, this.cfg.intervalMs);
    if (this.kernel.now() + d >= this.cfg.endAt) return;
    this.thinking = true;
    this.kernel.schedule(d, 'client', 'client.op', () => this.issue(this.kernel.now() >= this.cfg.stopAt));
  }

  /** Think towards the next generated command when a slot is free and none is scheduled yet. */
  private more(): void {
    if (!this.thinking && this.outstanding < this.depthNow()) this.scheduleNext();
  }

  /** A generated command ended (answered or timed out): its slot is free. */
  private readonly freed: End = () => {
    this.outstanding -= 1;
    this.more();
  };

  private note(text: string): void {
    if (this.kernel.tracing) this.kernel.noteNow(this.cfg.label === undefined ? text : `${this.cfg.label} ${text}`);
  }

  /**
   * Start a command's timeout and return its settle: true the first time it is called (the answer
   * came first; the timer is cancelled), false after the timeout, which ran `lost()` and `end(false)`.
   */
  private track(lost: () => void, end: End): () => boolean {
    let settled = false;
    const timer = this.kernel.schedule(this.cfg.timeoutMs, 'client', 'client.timeout', () => {
      if (settled) return;
      settled = true;
      this.stats.timeouts += 1;
      lost();
      end(false);
    });
    return () => {
      if (settled) return false;
      settled = true;
      this.kernel.cancelEvent(timer);
      return true;
    };
  }

  private issue(syncOnly: boolean): void {
    this.thinking = false;
    const t = this.target();
    if (t === null) { this.note('no primary'); this.scheduleNext(); return; }
    this.outstanding += 1;
    const c = this.chooser;
    let sent: boolean;
    if (syncOnly || chance(c, 'client.sync', this.cfg.syncPermille)) {
      sent = this.sync(t, this.freed);
    } else if (chance(c, 'client.read', this.cfg.readPermille ?? READ_PERMILLE)) {
      sent = this.read(t, c.choose('client.lba', this.cfg.numBlocks), this.freed);
    } else {
      const lba = c.choose('client.lba', this.cfg.numBlocks);
      const trim = chance(c, 'client.trim', this.cfg.trimPermille);
      const maxBlocks = Math.min(this.cfg.maxWriteBlocks ?? 1, this.cfg.numBlocks - lba);
      const blocks = trim || maxBlocks <= 1 ? 1 : between(c, 'client.blocks', 1, maxBlocks);
      sent = this.write(t, lba, blocks, trim, this.freed);
    }
    if (sent) this.more();
  }

  /** Send a SyncCache; on success the oracle marks durable what it covers (oracle.syncSucceeded). */
  private sync(t: ClientTarget, end: End): boolean {
    this.stats.syncs += 1;
    this.note(`sync (${this.oracle.knownUnsynced()} acked writes)`);
    const s = this.oracle.syncIssued();
    const settle = this.track(() => this.oracle.syncLost(s), end);
    const sent = t.syncCache((by) => {
      if (!settle()) return; // timed out: the client never learns whether it succeeded
      if (by !== null) { this.stats.syncsOK += 1; this.oracle.syncSucceeded(s, by); }
      end(by !== null);
    });
    if (!sent && settle()) end(false);
    return sent;
  }

  /** Send a read of one block; an answered read goes to the oracle with its interval. */
  private read(t: ClientTarget, lba: number, end: End): boolean {
    this.stats.reads += 1;
    this.note(`read lba=${lba}`);
    const at = this.oracle.readIssued();
    const settle = this.track(() => undefined, end);
    const sent = t.read(lba, (r) => {
      if (!settle()) return;
      if (r !== null) { this.stats.readsOK += 1; this.oracle.observeRead(lba, r.data, r.by, at); }
      end(r !== null);
    });
    if (!sent && settle()) end(false);
    return sent;
  }

  /** Send a write (op-numbered payload, one WAL entry over `blocks` consecutive LBAs) or a one-block trim. */
  private write(t: ClientTarget, lba: number, blocks: number, trim: boolean, end: End): boolean {
    const op = this.oracle.nextOp();
    const bs = this.cfg.blockSize;
    const data = new Uint8Array(bs * blocks);
    if (!trim) for (let k = 0; k < blocks; k++) data.set(this.payload(op, k), k * bs);
    const ws = Array.from({ length: blocks }, (_, k) => this.oracle.issue(op, lba + k, data.slice(k * bs, (k + 1) * bs)));
    const abandon = (): void => { for (const w of ws) this.oracle.abandon(w); };
    const settle = this.track(abandon, end);
    const onAck = (r: WriteAck | null): void => {
      if (!settle()) {
        if (r !== null) for (const w of ws) this.oracle.lateAck(w, r.lsn, r.by);
        return;
      }
      if (r === null) abandon();
      else {
        this.stats.writesAcked += 1;
        for (const w of ws) this.oracle.ack(w, r.epoch, r.lsn, r.by);
      }
      end(r !== null);
    };
    if (trim) this.stats.trims += 1; else this.stats.writes += 1;
    this.note(`${trim ? 'trim' : 'write'} op ${op} lba=${lba}${blocks > 1 ? ` blocks=${blocks}` : ''}`);
    const sent = trim ? t.trim(lba, onAck) : t.write(lba, data, onAck);
    if (!sent && settle()) { abandon(); end(false); }
    return sent;
  }

  /**
   * Issue one scripted operation now against the current primary; `done(ok)` once it is answered
   * or timed out (never twice). It shares the oracle's bookkeeping with the generated load but not
   * its queue: scripted operations run one at a time beside it. A multi-block trim is one trim
   * per block, back to back.
   */
  scripted(op: ScriptedOp, done: (ok: boolean) => void): void {
    if (op.op === 'trim' && op.blocks > 1) {
      let k = 0;
      let all = true;
      const next = (ok: boolean): void => {
        all &&= ok;
        if (k === op.blocks) { done(all); return; }
        const lba = op.lba + k++;
        this.scripted({ op: 'trim', lba, blocks: 1 }, next);
      };
      next(true);
      return;
    }
    const t = this.target();
    if (t === null) { done(false); return; }
    if (op.op === 'sync') { this.sync(t, done); return; }
    if (op.op === 'read') { this.read(t, op.lba, done); return; }
    const trim = op.op === 'trim';
    this.write(t, op.lba, trim ? 1 : Math.max(1, Math.min(op.blocks, this.cfg.numBlocks - op.lba)), trim, done);
  }

  /** Deterministic, recognisable content of block `k` of operation `op`. */
  private payload(op: number, k: number): Uint8Array {
    const b = new Uint8Array(this.cfg.blockSize);
    for (let i = 0; i < b.length; i++) b[i] = (op >>> ((i % 4) * 8)) & 0xff ^ (i * 37 & 0xff) ^ (k * 53 & 0xff);
    return b;
  }
}
