// The replica receiver (spec §10.5): a data listener (WAL entries, ResumeShip handshake, catch-up
// marker) and a control listener (barriers). Applies only the next contiguous LSN of the local
// epoch via appendReplicaEntry (checked under the volume's ioMu); flushedLSN changes only in a
// successful barrier, after an fsync that followed receivedLSN >= req.LSN. Frames of one
// connection are handled strictly in order (like Go's per-connection goroutine): an apply, a
// WAL-full retry or a barrier wait holds the rest back.

import type { EngineError } from '../engine/errors.ts';
import { decodeWALEntry, type WALEntry } from '../storage/blockvol/wal_entry.ts';
import { ERR_WAL_FULL } from '../storage/errors.ts';
import { canonicalizeAddr } from './addr.ts';
import { bugOn, type ReplicationBugSwitches } from './bugs.ts';
import { ERR_RECEIVER_BIND, replErr } from './errors.ts';
import { ReceiverObservation } from './receiver_observation.ts';
import { REPLICA_BARRIER_WAIT_MS, WAL_FULL_RETRY_MS, WAL_FULL_TIMEOUT_MS } from './timing.ts';
import type { Conn, ConnHandlers, TimerHandle, Timers, Transport } from './transport.ts';
import type { RebuildReceiverHooks, ReceiverHooks, ReplicaVolumePort } from './volume_port.ts';
import {
  BarrierStatus,
  MsgBarrierReq,
  MsgBarrierResp,
  MsgCatchupDone,
  MsgResumeShipReq,
  MsgResumeShipResp,
  MsgWALEntry,
  ResumeStatus,
  decodeBarrierRequest,
  decodeFrame,
  decodeResumeShipReq,
  encodeBarrierResponse,
  encodeFrame,
  encodeResumeShipResp,
} from './wire.ts';
import { M, mark } from '../marks/index.ts';

export interface ReceiverConfig {
  readonly volume: ReplicaVolumePort;
  readonly transport: Transport;
  readonly timers: Timers;
  readonly dataListenAddr: string;
  readonly ctrlListenAddr: string;
  readonly advertisedHost?: string | null;
  readonly preferredOutboundIP?: string | null;
  readonly bugs?: ReplicationBugSwitches;
  /** Fault model: answer barriers with the legacy 1-byte reply (no FlushedLSN). */
  readonly legacyBarrierReply?: boolean;
  readonly walFullTimeoutMs?: number;
}

/** One accepted connection: frames handled one at a time, in arrival order. */
class SerialConn {
  private readonly queue: Uint8Array[] = [];
  private busy = false;
  closed = false;

  constructor(
    readonly conn: Conn,
    private readonly handle: (frame: Uint8Array, next: () => void) => void,
  ) {}

  push(frame: Uint8Array): void {
    this.queue.push(frame);
    this.pump();
  }

  private pump(): void {
    while (!this.busy && !this.closed) {
      const f = this.queue.shift();
      if (f === undefined) return;
      this.busy = true;
      let sync = true;
      let doneSync = false;
      this.handle(f, () => {
        this.busy = false;
        if (sync) doneSync = true;
        else this.pump();
      });
      sync = false;
      if (!doneSync) return;
    }
  }
}

/** What the receiver's checks decide about one WAL entry. */
type Verdict = 'busy' | 'stale' | 'duplicate' | 'gap' | 'apply';

interface BarrierWaiter {
  readonly lsn: number;
  readonly timer: TimerHandle;
  readonly wake: (ok: boolean) => void;
}

export class ReplicaReceiver implements ReceiverHooks, RebuildReceiverHooks {
  readonly obs = new ReceiverObservation();
  private received: number;
  private flushed: number;
  private isRunning = false;
  private readonly conns: SerialConn[] = [];
  private waiters: BarrierWaiter[] = [];
  /** An admitted apply holds the receiver's mu until its receivedLSN store. */
  private applying = false;
  private deferredStore: number | null = null;
  private deferredAdvance: number | null = null;
  /** Applies of other connections that found mu held, in arrival order. */
  private readonly muWaiters: (() => void)[] = [];

  constructor(private readonly cfg: ReceiverConfig) {
    const next = cfg.volume.nextLSN();
    this.received = next <= 1 ? 0 : next - 1;
    this.flushed = cfg.volume.checkpointLSN();
    this.obs.initialFlushed = this.flushed;
    cfg.volume.setReceiverHooks(this);
  }

  receivedLSN(): number { return this.received; }
  flushedLSN(): number { return this.flushed; }
  running(): boolean { return this.isRunning; }

  /** Canonical data address (B18 on: the raw bound address). */
  dataAddr(): string { return this.advertise(this.cfg.dataListenAddr); }
  ctrlAddr(): string { return this.advertise(this.cfg.ctrlListenAddr); }

  private advertise(bound: string): string {
    if (bugOn(this.cfg.bugs, 'B18')) return bound;
    return canonicalizeAddr(bound, this.cfg.advertisedHost ?? null, this.cfg.preferredOutboundIP ?? null);
  }

  /**
   * StartReplicaReceiver: bind both listeners. A repeated start of a running receiver is skipped
   * (the later fix); with B28 on it re-binds and fails on the port already in use.
   */
  start(): EngineError | null {
    if (this.isRunning && !bugOn(this.cfg.bugs, 'B28')) return null;
    const t = this.cfg.transport;
    const e1 = t.listen(this.cfg.dataListenAddr, (c) => this.accept(c, (f, next) => this.onDataFrame(c, f, next)));
    if (e1 !== null) return replErr(ERR_RECEIVER_BIND, `replica receiver: listen data ${this.cfg.dataListenAddr}: ${e1}`);
    const e2 = t.listen(this.cfg.ctrlListenAddr, (c) => this.accept(c, (f, next) => this.onCtrlFrame(c, f, next)));
    if (e2 !== null) {
      t.unlisten(this.cfg.dataListenAddr);
      return replErr(ERR_RECEIVER_BIND, `replica receiver: listen ctrl ${this.cfg.ctrlListenAddr}: ${e2}`);
    }
    this.isRunning = true;
    return null;
  }

  /** Close listeners and connections; pending barriers answer nothing (their conns are gone). */
  stop(): void {
    if (!this.isRunning) return;
    this.isRunning = false;
    this.cfg.transport.unlisten(this.cfg.dataListenAddr);
    this.cfg.transport.unlisten(this.cfg.ctrlListenAddr);
    for (const sc of this.conns.splice(0)) {
      sc.closed = true;
      sc.conn.close();
    }
    for (const w of this.waiters.splice(0)) {
      this.cfg.timers.cancel(w.timer);
      w.wake(false);
    }
  }

  /**
   * Plain store used by truncate / install / SyncReceiverProgress (flushedLSN untouched: H3). It
   * takes the receiver's mu: while an admitted apply holds it, the store happens right after that
   * apply's own store (and may lower it: H22).
   */
  setReceivedLSN(lsn: number): void {
    if (this.applying) {
      this.deferredStore = lsn;
      return;
    }
    this.obs.noteStore(this.received, lsn);
    this.received = lsn;
    this.wakeWaiters();
  }

  /**
   * V1 syncLSNAfterRebuild (rebuild.go): under the receiver's mu, raise receivedLSN to `lsn` if
   * it is higher (never lowers it). While an admitted apply holds mu, it runs right after that
   * apply's own store (compared against the value the apply left).
   */
  advanceReceivedLSN(lsn: number): void {
    if (this.applying) {
      this.deferredAdvance = Math.max(this.deferredAdvance ?? 0, lsn);
      return;
    }
    if (lsn <= this.received) return;
    this.obs.noteStore(this.received, lsn);
    this.received = lsn;
    this.wakeWaiters();
  }

  private accept(conn: Conn, handle: (f: Uint8Array, next: () => void) => void): ConnHandlers {
    const sc = new SerialConn(conn, handle);
    this.conns.push(sc);
    return {
      onFrame: (f) => sc.push(f),
      onClose: () => {
        sc.closed = true;
        const i = this.conns.indexOf(sc);
        if (i >= 0) this.conns.splice(i, 1);
      },
    };
  }

  // ---- data channel ----
  private onDataFrame(conn: Conn, frame: Uint8Array, next: () => void): void {
    const f = decodeFrame(frame);
    if (f.err !== undefined) return next();
    switch (f.value.type) {
      case MsgWALEntry:
        return this.applyEntry(f.value.payload, next);
      case MsgResumeShipReq:
        this.handleResumeShipReq(conn, f.value.payload);
        return next();
      case MsgCatchupDone:
        this.obs.catchupDoneSeen += 1;
        return next();
      default:
        return next();
    }
  }

  private handleResumeShipReq(conn: Conn, payload: Uint8Array): void {
    const req = decodeResumeShipReq(payload);
    let status: number = ResumeStatus.OK;
    let flushed = this.flushed;
    if (req.err !== undefined) {
      mark(M.repl_recv_resume_bad_request);
      status = ResumeStatus.NeedsRebuild;
      flushed = 0;
    } else if (req.value.epoch !== this.cfg.volume.epoch()) {
      mark(M.repl_recv_resume_epoch_mismatch);
      status = ResumeStatus.EpochMismatch;
    }
    conn.send(encodeFrame(MsgResumeShipResp, encodeResumeShipResp({ status, replicaFlushedLSN: flushed })));
  }

  /** Epoch gate of applyEntry (a seam kept separate so a test can plant a fencing bug). */
  protected epochOK(entry: WALEntry): boolean {
    return entry.epoch === this.cfg.volume.epoch();
  }

  private applyEntry(payload: Uint8Array, next: () => void): void {
    const d = decodeWALEntry(payload);
    if (d.err !== undefined) {
      mark(M.repl_recv_entry_decode_error);
      this.obs.decodeErrors += 1;
      return next();
    }
    const entry = d.entry;
    const startedAt = this.cfg.timers.now();
    // Decided under ioMu shared, right before the append (spec §10.5), so a concurrent truncate
    // or install is either wholly before the checks or waits for the apply.
    let verdict: Verdict = 'apply';
    let localEpoch = 0; // as checked under the locks
    const admit = (): boolean => {
      localEpoch = this.cfg.volume.epoch();
      verdict = this.judge(entry);
      this.applying = verdict === 'apply';
      return this.applying;
    };
    const attempt = (): void => this.cfg.volume.appendReplicaEntry(entry, admit, (err) => {
      if (verdict === 'busy') return mark(M.repl_recv_entry_busy), void this.muWaiters.push(attempt);
      if (verdict === 'stale') mark(M.repl_recv_entry_stale_epoch), this.obs.staleEpochDrops += 1;
      else if (verdict === 'duplicate') mark(M.repl_recv_entry_duplicate), this.obs.duplicates += 1;
      else if (verdict === 'gap') mark(M.repl_recv_entry_gap), this.obs.gapRejects += 1;
      if (verdict !== 'apply') return next();
      this.releaseApplyMu(err === null ? entry : null, localEpoch);
      if (err !== null) {
        const budget = this.cfg.walFullTimeoutMs ?? WAL_FULL_TIMEOUT_MS;
        if (err.is(ERR_WAL_FULL) && this.cfg.timers.now() - startedAt < budget && this.isRunning) {
          mark(M.repl_recv_wal_full_retry);
          this.cfg.timers.after(WAL_FULL_RETRY_MS, 'receiver:wal-full-retry', attempt);
          return;
        }
        mark(M.repl_recv_apply_error);
        this.obs.applyErrors += 1;
        this.obs.lastApplyError = { lsn: entry.lsn, epoch: entry.epoch, code: err.code };
        return next();
      }
      this.wakeWaiters();
      next();
    });
    attempt();
  }

  /** The receiver's checks of one entry, made under its mu ('busy': another connection's apply holds mu). */
  private judge(entry: WALEntry): Verdict {
    if (this.applying) return 'busy';
    if (!this.epochOK(entry)) return 'stale';
    if (entry.lsn <= this.received) return 'duplicate';
    return entry.lsn === this.received + 1 ? 'apply' : 'gap';
  }

  /** End of an admitted apply: store receivedLSN (when it succeeded), release mu, then any store that waited for it. */
  private releaseApplyMu(applied: WALEntry | null, localEpoch: number): void {
    if (applied !== null) {
      const prev = this.received;
      this.received = applied.lsn;
      this.obs.noteApply(prev, applied.lsn, applied.epoch, localEpoch);
    }
    this.applying = false;
    const waiting = this.deferredStore;
    this.deferredStore = null;
    if (waiting !== null) this.setReceivedLSN(waiting);
    const advance = this.deferredAdvance;
    this.deferredAdvance = null;
    if (advance !== null) this.advanceReceivedLSN(advance);
    this.muWaiters.shift()?.();
  }

  // ---- control channel ----
  private onCtrlFrame(conn: Conn, frame: Uint8Array, next: () => void): void {
    const f = decodeFrame(frame);
    if (f.err !== undefined || f.value.type !== MsgBarrierReq) return next();
    const req = decodeBarrierRequest(f.value.payload);
    if (req.err !== undefined) return next();
    const { lsn, epoch } = req.value;
    const reply = (status: number, flushed: number): void => {
      conn.send(encodeFrame(MsgBarrierResp, encodeBarrierResponse(status, flushed, this.cfg.legacyBarrierReply === true)));
      next();
    };
    if (epoch !== this.cfg.volume.epoch()) return mark(M.repl_recv_barrier_epoch_mismatch), reply(BarrierStatus.EpochMismatch, 0);
    this.waitReceived(lsn, (ok) => {
      if (!ok) return mark(M.repl_recv_barrier_wait_timeout), reply(BarrierStatus.Timeout, 0);
      const receivedAtFsync = this.received;
      const err = this.cfg.volume.syncLocal();
      if (err !== null) return mark(M.repl_recv_barrier_fsync_failed), reply(BarrierStatus.FsyncFailed, 0);
      if (lsn > this.flushed) this.flushed = lsn;
      this.obs.noteFlush(lsn, receivedAtFsync, true, this.flushed);
      this.obs.noteBarrierOK(epoch, this.cfg.volume.epoch());
      reply(BarrierStatus.OK, this.flushed);
    });
  }

  private waitReceived(lsn: number, wake: (ok: boolean) => void): void {
    if (this.received >= lsn) return wake(true);
    const timer = this.cfg.timers.after(REPLICA_BARRIER_WAIT_MS, 'receiver:barrier-wait', () => {
      this.waiters = this.waiters.filter((w) => w.timer !== timer);
      wake(false);
    });
    this.waiters.push({ lsn, timer, wake });
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => this.received >= w.lsn);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => this.received < w.lsn);
    for (const w of ready) {
      this.cfg.timers.cancel(w.timer);
      w.wake(true);
    }
  }
}
