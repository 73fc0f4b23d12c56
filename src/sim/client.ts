// The client workload: one outstanding operation at a time against whoever the master says is
// primary — a write or trim of a small LBA range, a read of one LBA, or a SyncCache — with a
// timeout. Every acknowledgement, every successful SyncCache and every answered read is reported
// to the oracle, per lineage (the answering primary's epoch and LSN). Writes, trims and reads run
// only during the fault phase; the quiet phase issues SyncCache only (or nothing, when idle).
import { between, chance, type Chooser } from './chooser.ts';
import type { Kernel } from './kernel.ts';
import type { Oracle, WriteRecord } from './oracle.ts';

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

export class Client {
  private op = 0;
  /** Writes acknowledged since the last SyncCache was issued (made durable by the next success). */
  private ackedSinceSync: WriteRecord[] = [];
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

  private scheduleNext(): void {
    const quiet = this.kernel.now() >= this.cfg.stopAt;
    const d = quiet ? this.cfg.quietSyncMs : between(this.chooser, 'client.think', 1, this.cfg.intervalMs);
    if (this.kernel.now() + d >= this.cfg.endAt) return;
    this.kernel.schedule(d, 'client', 'client.op', () => this.issue(this.kernel.now() >= this.cfg.stopAt));
  }

  private issue(syncOnly: boolean): void {
    const t = this.target();
    if (t === null) { if (this.kernel.tracing) this.kernel.noteNow('no primary'); this.scheduleNext(); return; }
    let settled = false;
    const timer = this.kernel.schedule(this.cfg.timeoutMs, 'client', 'client.timeout', () => {
      if (settled) return;
      settled = true;
      this.stats.timeouts += 1;
      this.scheduleNext();
    });
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.kernel.cancelEvent(timer);
      this.scheduleNext();
      return true;
    };
    const c = this.chooser;
    if (syncOnly || chance(c, 'client.sync', this.cfg.syncPermille)) {
      this.stats.syncs += 1;
      if (this.kernel.tracing) this.kernel.noteNow(`sync (${this.ackedSinceSync.length} acked writes)`);
      const covering = this.ackedSinceSync;
      this.ackedSinceSync = [];
      const sent = t.syncCache((by) => {
        if (!settle()) return;
        this.syncAnswered(covering, by);
      });
      if (!sent) { this.ackedSinceSync = covering.concat(this.ackedSinceSync); settle(); }
      return;
    }
    if (chance(c, 'client.read', this.cfg.readPermille ?? READ_PERMILLE)) {
      const lba = c.choose('client.lba', this.cfg.numBlocks);
      this.stats.reads += 1;
      if (this.kernel.tracing) this.kernel.noteNow(`read lba=${lba}`);
      const sent = t.read(lba, (r) => {
        if (!settle() || r === null) return;
        this.stats.readsOK += 1;
        this.oracle.observeRead(lba, r.data, r.by);
      });
      if (!sent) settle();
      return;
    }
    this.op += 1;
    const lba = c.choose('client.lba', this.cfg.numBlocks);
    const trim = chance(c, 'client.trim', this.cfg.trimPermille);
    const maxBlocks = Math.min(this.cfg.maxWriteBlocks ?? 1, this.cfg.numBlocks - lba);
    const blocks = trim || maxBlocks <= 1 ? 1 : between(c, 'client.blocks', 1, maxBlocks);
    const bs = this.cfg.blockSize;
    const data = new Uint8Array(bs * blocks);
    if (!trim) for (let k = 0; k < blocks; k++) data.set(this.payload(this.op, k), k * bs);
    const ws = Array.from({ length: blocks }, (_, k) => this.oracle.issue(this.op, lba + k, data.slice(k * bs, (k + 1) * bs)));
    const onAck = (r: WriteAck | null): void => {
      if (!settle() || r === null) return;
      this.stats.writesAcked += 1;
      for (const w of ws) {
        this.oracle.ack(w, r.epoch, r.lsn, r.by);
        this.ackedSinceSync.push(w);
      }
    };
    if (trim) this.stats.trims += 1; else this.stats.writes += 1;
    if (this.kernel.tracing) this.kernel.noteNow(`${trim ? 'trim' : 'write'} op ${this.op} lba=${lba}${blocks > 1 ? ` blocks=${blocks}` : ''}`);
    const sent = trim ? t.trim(lba, onAck) : t.write(lba, data, onAck);
    if (!sent) settle();
  }

  /**
   * Issue one scripted operation now against the current primary; `done(ok)` once it is answered
   * or timed out (never twice). It shares the lineage bookkeeping of the generated load: a
   * successful SyncCache makes durable what the same primary incarnation acknowledged before it.
   * A multi-block trim is one trim per block, back to back.
   */
  /**
   * A SyncCache answered (`by`: the answering primary incarnation, or null when it failed).
   * Durable: what this primary incarnation acknowledged in this epoch; writes another primary
   * acknowledged are not covered (they may not be in its lineage) and, with a failed sync, every
   * covered write stays a candidate for the next successful one.
   */
  private syncAnswered(covering: WriteRecord[], by: string | null): void {
    if (by !== null) {
      this.stats.syncsOK += 1;
      this.oracle.markDurable(covering.filter((w) => w.ackBy === by));
      this.ackedSinceSync = covering.filter((w) => w.ackBy !== by).concat(this.ackedSinceSync);
    } else {
      this.ackedSinceSync = covering.concat(this.ackedSinceSync);
    }
  }

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
    let settled = false;
    const timer = this.kernel.schedule(this.cfg.timeoutMs, 'client', 'client.timeout', () => {
      if (settled) return;
      settled = true;
      this.stats.timeouts += 1;
      done(false);
    });
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.kernel.cancelEvent(timer);
      return true;
    };
    if (op.op === 'sync') {
      this.stats.syncs += 1;
      if (this.kernel.tracing) this.kernel.noteNow(`sync (${this.ackedSinceSync.length} acked writes)`);
      const covering = this.ackedSinceSync;
      this.ackedSinceSync = [];
      t.syncCache((by) => {
        if (!settle()) return; // timed out: as in the generated load, these writes are no longer claimed
        this.syncAnswered(covering, by);
        done(by !== null);
      });
      return;
    }
    if (op.op === 'read') {
      this.stats.reads += 1;
      t.read(op.lba, (r) => {
        if (!settle()) return;
        if (r !== null) { this.stats.readsOK += 1; this.oracle.observeRead(op.lba, r.data, r.by); }
        done(r !== null);
      });
      return;
    }
    this.op += 1;
    const trim = op.op === 'trim';
    const blocks = trim ? 1 : Math.max(1, Math.min(op.blocks, this.cfg.numBlocks - op.lba));
    const bs = this.cfg.blockSize;
    const data = new Uint8Array(bs * blocks);
    if (!trim) for (let k = 0; k < blocks; k++) data.set(this.payload(this.op, k), k * bs);
    const ws = Array.from({ length: blocks }, (_, k) => this.oracle.issue(this.op, op.lba + k, data.slice(k * bs, (k + 1) * bs)));
    const onAck = (r: WriteAck | null): void => {
      if (!settle()) return;
      if (r !== null) {
        this.stats.writesAcked += 1;
        for (const w of ws) { this.oracle.ack(w, r.epoch, r.lsn, r.by); this.ackedSinceSync.push(w); }
      }
      done(r !== null);
    };
    if (trim) { this.stats.trims += 1; t.trim(op.lba, onAck); } else { this.stats.writes += 1; t.write(op.lba, data, onAck); }
  }

  /** Deterministic, recognisable content of block `k` of operation `op`. */
  private payload(op: number, k: number): Uint8Array {
    const b = new Uint8Array(this.cfg.blockSize);
    for (let i = 0; i < b.length; i++) b[i] = (op >>> ((i % 4) * 8)) & 0xff ^ (i * 37 & 0xff) ^ (k * 53 & 0xff);
    return b;
  }
}
