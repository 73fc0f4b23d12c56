// The WAL shipper (spec §10.6, §10.7): one per replica on the primary. Ships live entries on the
// data channel, proves durability with barriers on the control channel, and after a disconnect
// runs the ResumeShip handshake (R/S/H matrix) and catch-up from R+1. Six states; InSync is
// granted only by a BarrierOK or by the reconnect path. Everything is event-driven: calls return
// at once and completions run later from Transport/Timers callbacks.
//
// Model choice: Barrier, reconnect and tryReconnect of one shipper run one at a time (a FIFO of
// operations), like Go's serial callers; Ship runs independently as in Go (it only needs `mu`).

import type { EngineError } from '../engine/errors.ts';
import { ReplicaState } from '../engine/types.ts';
import { encodeWALEntry } from '../storage/blockvol/wal_entry.ts';
import { ERR_WAL_RECYCLED } from '../storage/errors.ts';
import { bugOn, type ReplicationBugSwitches } from './bugs.ts';
import { dialWithTimeout, type DialedConn } from './dialer.ts';
import { ERR_BARRIER_FAILED, ERR_CATCHUP, ERR_RECONNECT, errReplicaDegraded, errShipperStopped, replErr } from './errors.ts';
import {
  BARRIER_DEADLINE_MS,
  CATCHUP_DEADLINE_MS,
  MAX_CATCHUP_RETRIES,
  SHIP_DIAL_TIMEOUT_MS,
} from './timing.ts';
import type { Timers, Transport } from './transport.ts';
import type { PrimaryVolumePort, WALEntry } from './volume_port.ts';
import {
  BarrierStatus,
  MsgBarrierReq,
  MsgBarrierResp,
  MsgCatchupDone,
  MsgResumeShipReq,
  MsgResumeShipResp,
  decodeBarrierResponse,
  decodeFrame,
  decodeResumeShipResp,
  encodeBarrierRequest,
  encodeCatchupDone,
  encodeFrame,
  encodeResumeShipReq,
  MsgWALEntry,
} from './wire.ts';
import { decideHandshake, handshakeMark } from './handshake.ts';
import { ShipperObservation, type TransitionCause } from './shipper_observation.ts';
import { M, mark, markNamed } from '../marks/index.ts';

export interface ShipperConfig {
  readonly dataAddr: string;
  readonly ctrlAddr: string;
  /** Current epoch of the primary (Go's epochFn). */
  readonly epochFn: () => number;
  /** WAL access for reconnect catch-up; null disables catch-up (bootstrap-only shipper). */
  readonly volume: PrimaryVolumePort | null;
  readonly transport: Transport;
  readonly timers: Timers;
  readonly bugs?: ReplicationBugSwitches;
  /** Volume id carried in barrier requests. */
  readonly vid?: number;
  /** Catch-up entries sent per simulator step (0 = all in one step). Default 16. */
  readonly catchupBatch?: number;
  readonly onStateChange?: (from: ReplicaState, to: ReplicaState) => void;
}

/** Barrier completion: the error (null = durable) and the FlushedLSN the replica reported. */
export type BarrierDone = (err: EngineError | null, reportedFlushedLSN: number) => void;

type Finish = () => void;

export class WALShipper {
  readonly dataAddr: string;
  readonly ctrlAddr: string;
  readonly obs = new ShipperObservation();

  private st: ReplicaState = ReplicaState.Disconnected;
  private shipped = 0;
  private replicaFlushed = 0;
  private flushedProgress = false;
  private catchupFails = 0;
  private lastContact: number | null = null;
  private isStopped = false;

  private data: DialedConn | null = null;
  private dataGen = 0;
  private dataDialing = false;
  private shipQueue: WALEntry[] = [];
  private ctrl: DialedConn | null = null;

  private readonly ops: Array<(finish: Finish) => void> = [];
  private opBusy = false;

  constructor(private readonly cfg: ShipperConfig) {
    this.dataAddr = cfg.dataAddr;
    this.ctrlAddr = cfg.ctrlAddr;
  }

  // ---- accessors ----
  state(): ReplicaState { return this.st; }
  shippedLSN(): number { return this.shipped; }
  replicaFlushedLSN(): number { return this.replicaFlushed; }
  hasFlushedProgress(): boolean { return this.flushedProgress; }
  /** The data connection it ships on (id, and whether it is still open): for checks, not for behaviour. */
  dataConn(): { readonly id: number; readonly open: boolean } | null {
    return this.data === null ? null : { id: this.data.conn.id, open: this.data.conn.isOpen() };
  }

  /**
   * HasTransportContact (f90ccf5bf): degraded or needing a rebuild, no; connecting, catching up
   * or in sync, yes; otherwise (disconnected) only if it ever shipped or heard from the replica.
   */
  hasTransportContact(): boolean {
    switch (this.st) {
      case ReplicaState.Degraded: case ReplicaState.NeedsRebuild: return false;
      case ReplicaState.Connecting: case ReplicaState.CatchingUp: case ReplicaState.InSync: return true;
      default: return this.shipped > 0 || this.lastContact !== null;
    }
  }
  catchupFailures(): number { return this.catchupFails; }
  /** Virtual time of the last proven contact, null if none yet. */
  lastContactTime(): number | null { return this.lastContact; }
  stopped(): boolean { return this.isStopped; }
  /** Degraded in the heartbeat sense: anything but InSync. */
  isDegraded(): boolean { return this.st !== ReplicaState.InSync; }

  // ---- Ship ----
  /** Fire-and-forget live shipping; never changes state except to Degraded. */
  ship(entry: WALEntry): void {
    const st = this.st;
    const allowed =
      st === ReplicaState.InSync ||
      st === ReplicaState.Disconnected ||
      (st === ReplicaState.Degraded && bugOn(this.cfg.bugs, 'B19'));
    if (this.isStopped || !allowed) return;
    if (!this.epochMatches(entry)) {
      this.obs.droppedStaleEpoch += 1;
      return;
    }
    this.obs.noteShipAttempt(entry.epoch, this.cfg.epochFn());
    // Pre-fix B19: a bare TCP redial, after which live shipping resumes past the gap.
    if (this.data !== null && !this.data.conn.isOpen() && bugOn(this.cfg.bugs, 'B19')) this.closeData();
    if (this.data !== null) {
      this.writeLive(entry);
      return;
    }
    this.shipQueue.push(entry);
    if (this.dataDialing) return;
    this.dataDialing = true;
    const gen = this.dataGen;
    dialWithTimeout(this.cfg.transport, this.cfg.timers, this.dataAddr, SHIP_DIAL_TIMEOUT_MS, `ship:${this.dataAddr}`, (dc) => {
      if (gen !== this.dataGen) {
        if (dc !== null) dc.conn.close();
        return;
      }
      this.dataDialing = false;
      const queued = this.shipQueue;
      this.shipQueue = [];
      if (dc === null) return this.markDegraded('ship_failed');
      this.data = dc;
      for (const e of queued) if (this.data !== dc || !this.writeLive(e)) break;
    });
  }

  /** Epoch gate of Ship (a seam kept separate so a test can plant a fencing bug). */
  protected epochMatches(entry: WALEntry): boolean {
    return entry.epoch === this.cfg.epochFn();
  }

  /** Write one live entry on the data connection; false (and Degraded) when the write fails. */
  private writeLive(entry: WALEntry): boolean {
    const dc = this.data!;
    if (!dc.conn.send(encodeFrame(MsgWALEntry, encodeWALEntry(entry)))) {
      this.markDegraded('ship_failed');
      return false;
    }
    this.shipped = entry.lsn;
    this.obs.noteSent(dc.conn.id, entry.lsn);
    return true;
  }

  // ---- Barrier ----
  /** Prove durability up to lsnMax on the replica (§10.6); `done` runs once, later. */
  barrier(lsnMax: number, done: BarrierDone): void {
    this.enqueue((finish) =>
      this.doBarrier(lsnMax, (err, flushed) => {
        finish();
        done(err, flushed);
      }),
    );
  }

  private doBarrier(lsnMax: number, done: BarrierDone): void {
    if (this.isStopped) return mark(M.repl_barrier_stopped), done(errShipperStopped(), 0);
    const st = this.st;
    if (st === ReplicaState.InSync) return this.sendBarrier(lsnMax, done);
    if (st === ReplicaState.Disconnected || st === ReplicaState.Degraded) {
      if (this.flushedProgress && this.cfg.volume !== null && !bugOn(this.cfg.bugs, 'B19')) {
        return mark(M.repl_barrier_via_reconnect), this.reconnectAndCatchUp((err) => (err !== null ? done(err, 0) : this.sendBarrier(lsnMax, done)));
      }
      mark(M.repl_barrier_bare_retry);
      this.resetForBareRetry();
      return this.sendBarrier(lsnMax, done);
    }
    mark(M.repl_barrier_refused_state);
    done(errReplicaDegraded(), 0);
  }

  private sendBarrier(lsnMax: number, done: BarrierDone): void {
    const fail = (): void => {
      this.markDegraded('barrier_failed');
      done(errReplicaDegraded(), 0);
    };
    this.ensureCtrl((ctrl) => {
      if (ctrl === null) return mark(M.repl_barrier_no_ctrl), fail();
      const req = encodeBarrierRequest({ vid: this.cfg.vid ?? 0, lsn: lsnMax, epoch: this.cfg.epochFn() });
      let settled = false;
      const deadline = this.cfg.timers.after(BARRIER_DEADLINE_MS, `barrier:${this.ctrlAddr}`, () => {
        if (settled) return;
        settled = true;
        ctrl.inbox.cancelRead();
        mark(M.repl_barrier_deadline);
        fail();
      });
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        this.cfg.timers.cancel(deadline);
        return true;
      };
      if (!ctrl.conn.send(encodeFrame(MsgBarrierReq, req))) {
        if (settle()) mark(M.repl_barrier_send_failed), fail();
        return;
      }
      ctrl.inbox.next((frame) => {
        if (!settle()) return;
        if (frame === null) return mark(M.repl_barrier_bad_reply), fail();
        const f = decodeFrame(frame);
        if (f.err !== undefined || f.value.type !== MsgBarrierResp) return mark(M.repl_barrier_bad_reply), fail();
        const resp = decodeBarrierResponse(f.value.payload);
        if (resp.err !== undefined) return mark(M.repl_barrier_bad_reply), fail();
        this.onBarrierResponse(lsnMax, resp.value.status, resp.value.flushedLSN, done);
      });
    });
  }

  private onBarrierResponse(lsnMax: number, status: number, flushedLSN: number, done: BarrierDone): void {
    this.obs.noteBarrierReply(lsnMax, status, flushedLSN);
    switch (status) {
      case BarrierStatus.OK:
        if (flushedLSN === 0 && !bugOn(this.cfg.bugs, 'B26')) {
          return mark(M.repl_barrier_ok_legacy), done(replErr(ERR_BARRIER_FAILED, 'wal_shipper: barrier OK but no FlushedLSN reported (legacy response)'), 0);
        }
        mark(M.repl_barrier_ok);
        this.markInSync('barrier_ok');
        if (flushedLSN > 0) {
          this.flushedProgress = true;
          if (flushedLSN > this.replicaFlushed) this.replicaFlushed = flushedLSN;
        }
        return done(null, flushedLSN);
      case BarrierStatus.EpochMismatch:
        mark(M.repl_barrier_epoch_mismatch);
        this.markDegraded('barrier_failed');
        return done(replErr(ERR_BARRIER_FAILED, 'wal_shipper: barrier epoch mismatch'), flushedLSN);
      case BarrierStatus.Timeout:
        mark(M.repl_barrier_timeout);
        this.markDegraded('barrier_failed');
        return done(replErr(ERR_BARRIER_FAILED, 'wal_shipper: barrier timeout on replica'), flushedLSN);
      case BarrierStatus.FsyncFailed:
        mark(M.repl_barrier_fsync_failed);
        this.markDegraded('barrier_failed');
        return done(replErr(ERR_BARRIER_FAILED, 'wal_shipper: barrier fsync failed on replica'), flushedLSN);
      default:
        mark(M.repl_barrier_unknown_status);
        this.markDegraded('barrier_failed');
        return done(replErr(ERR_BARRIER_FAILED, `wal_shipper: unknown barrier status ${status}`), flushedLSN);
    }
  }

  private ensureCtrl(cb: (ctrl: DialedConn | null) => void): void {
    if (this.ctrl !== null) return cb(this.ctrl);
    dialWithTimeout(this.cfg.transport, this.cfg.timers, this.ctrlAddr, SHIP_DIAL_TIMEOUT_MS, `ctrl:${this.ctrlAddr}`, (dc) => {
      if (dc !== null && this.isStopped) {
        dc.conn.close();
        return cb(null);
      }
      this.ctrl = dc;
      cb(dc);
    });
  }

  // ---- proactive reconnect (B29 fix) ----
  /**
   * Heartbeat-driven reconnect: a Disconnected/Degraded shipper runs the handshake + catch-up
   * without waiting for foreground I/O, whether or not it ever had a barrier. With B29 on it does
   * nothing.
   */
  tryReconnect(done: (err: EngineError | null) => void = () => {}): void {
    if (bugOn(this.cfg.bugs, 'B29')) return done(null);
    this.enqueue((finish) => {
      const end = (err: EngineError | null): void => {
        finish();
        done(err);
      };
      const st = this.st;
      const eligible = st === ReplicaState.Disconnected || st === ReplicaState.Degraded;
      // TryReconnect (f90ccf5bf): the full reconnect protocol (CatchUpTo the head) for any
      // disconnected or degraded shipper — with or without flushed progress.
      if (this.isStopped || !eligible || this.cfg.volume === null) return end(null);
      this.reconnectAndCatchUp(end);
    });
  }

  // ---- reconnect handshake + catch-up (§10.7) ----
  private reconnectAndCatchUp(done: (err: EngineError | null) => void): void {
    const vol = this.cfg.volume!;
    this.setState(ReplicaState.Connecting, 'reconnect');
    this.closeData();
    const gen = this.dataGen;
    this.dataDialing = true;
    dialWithTimeout(this.cfg.transport, this.cfg.timers, this.dataAddr, SHIP_DIAL_TIMEOUT_MS, `reconnect:${this.dataAddr}`, (dc) => {
      if (gen !== this.dataGen) {
        mark(M.repl_handshake_superseded);
        if (dc !== null) dc.conn.close();
        return done(errReplicaDegraded());
      }
      this.dataDialing = false;
      if (dc === null) {
        mark(M.repl_handshake_dial_failed);
        this.markDegraded('reconnect_failed');
        return done(errReplicaDegraded());
      }
      this.data = dc;
      const S = vol.checkpointLSN() + 1;
      const H = vol.headLSN();
      const req = encodeResumeShipReq({ epoch: this.cfg.epochFn(), primaryHeadLSN: H, walRetainStart: S });
      let settled = false;
      const deadline = this.cfg.timers.after(CATCHUP_DEADLINE_MS, `handshake:${this.dataAddr}`, () => {
        if (settled) return;
        settled = true;
        dc.inbox.cancelRead();
        mark(M.repl_handshake_timeout);
        this.markDegraded('reconnect_failed');
        done(errReplicaDegraded());
      });
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        this.cfg.timers.cancel(deadline);
        return true;
      };
      if (!dc.conn.send(encodeFrame(MsgResumeShipReq, req))) {
        if (settle()) {
          mark(M.repl_handshake_send_failed);
          this.markDegraded('reconnect_failed');
          done(errReplicaDegraded());
        }
        return;
      }
      dc.inbox.next((frame) => {
        if (!settle()) return;
        const f = frame === null ? null : decodeFrame(frame);
        const resp = f === null || f.err !== undefined || f.value.type !== MsgResumeShipResp ? null : decodeResumeShipResp(f.value.payload);
        if (resp === null || resp.err !== undefined) {
          mark(M.repl_handshake_bad_reply);
          this.markDegraded('reconnect_failed');
          return done(errReplicaDegraded());
        }
        this.afterHandshake(resp.value.status, resp.value.replicaFlushedLSN, S, H, done);
      });
    });
  }

  /** The handshake decision (a seam so a test can plant a wrong matrix). */
  protected decide(status: number, R: number, S: number, H: number): { state: ReplicaState; reason: string } {
    return decideHandshake(status, R, S, H);
  }

  /** First LSN catch-up streams from, given the handshake's R (a seam for planted bugs). */
  protected catchUpStart(handshakeR: number): number {
    return handshakeR + 1;
  }

  private afterHandshake(status: number, R: number, S: number, H: number, done: (err: EngineError | null) => void): void {
    const d = this.decide(status, R, S, H);
    this.obs.noteHandshake(status, R, S, H, d.state);
    mark(handshakeMark(d.reason));
    const finish = (): void => {
      this.closeCtrl();
      done(null);
    };
    switch (d.state) {
      case ReplicaState.InSync:
        this.markInSync('reconnect_insync');
        return finish();
      case ReplicaState.CatchingUp:
        return this.runCatchUp(this.catchUpStart(R), (err) => {
          if (err === null) {
            this.markInSync('catchup_done');
            return finish();
          }
          if (this.st === ReplicaState.NeedsRebuild) return done(err);
          this.catchupFails += 1;
          if (this.catchupFails >= MAX_CATCHUP_RETRIES) {
            mark(M.repl_catchup_retries_exhausted);
            this.setState(ReplicaState.NeedsRebuild, 'catchup_failed');
            return done(replErr(ERR_CATCHUP, `catch-up failed ${this.catchupFails} times: ${err.message}`, err));
          }
          this.markDegraded('catchup_failed');
          done(errReplicaDegraded());
        });
      case ReplicaState.NeedsRebuild:
        this.setState(ReplicaState.NeedsRebuild, 'handshake');
        return done(replErr(ERR_RECONNECT, `reconnect: ${d.reason}`));
      default:
        this.markDegraded('reconnect_failed');
        return done(errReplicaDegraded());
    }
  }

  private runCatchUp(from: number, done: (err: EngineError | null) => void): void {
    const vol = this.cfg.volume!;
    this.setState(ReplicaState.CatchingUp, 'catchup_start');
    const dc = this.data;
    if (dc === null) return done(replErr(ERR_CATCHUP, 'catch-up: no data connection'));
    const entries: WALEntry[] = [];
    const scanErr = vol.scanFrom(from, (e) => {
      entries.push(e);
    });
    if (scanErr !== null) {
      if (scanErr.is(ERR_WAL_RECYCLED)) {
        this.setState(ReplicaState.NeedsRebuild, 'catchup_recycled');
        return done(replErr(ERR_CATCHUP, `catch-up: WAL recycled: ${scanErr.message}`, scanErr));
      }
      return mark(M.repl_catchup_stream_error), done(replErr(ERR_CATCHUP, `catch-up: stream error: ${scanErr.message}`, scanErr));
    }
    const batch = this.cfg.catchupBatch ?? 16;
    const startedAt = this.cfg.timers.now();
    let i = 0;
    const step = (): void => {
      if (this.data !== dc) return mark(M.repl_catchup_conn_replaced), done(replErr(ERR_CATCHUP, 'catch-up: data connection replaced'));
      if (this.cfg.timers.now() - startedAt > CATCHUP_DEADLINE_MS) return mark(M.repl_catchup_deadline), done(replErr(ERR_CATCHUP, 'catch-up: deadline exceeded'));
      const end = batch <= 0 ? entries.length : Math.min(entries.length, i + batch);
      for (; i < end; i++) {
        const e = entries[i]!;
        if (!dc.conn.send(encodeFrame(MsgWALEntry, encodeWALEntry(e)))) {
          return mark(M.repl_catchup_send_failed), done(replErr(ERR_CATCHUP, `catch-up: write LSN ${e.lsn} failed`));
        }
        this.obs.noteSent(dc.conn.id, e.lsn);
        this.obs.noteCatchupStreamed(e.lsn);
      }
      if (i < entries.length) {
        this.cfg.timers.after(0, `catchup:${this.dataAddr}`, step);
        return;
      }
      if (!dc.conn.send(encodeFrame(MsgCatchupDone, encodeCatchupDone(vol.headLSN())))) {
        return mark(M.repl_catchup_send_failed), done(replErr(ERR_CATCHUP, 'catch-up: send done failed'));
      }
      done(null);
    };
    step();
  }

  // ---- retention (§10.6 EvaluateRetentionBudgets) ----
  /** Escalate to NeedsRebuild when contact is older than `timeoutMs`; true if it did. */
  evaluateRetention(now: number, timeoutMs: number): boolean {
    if (!this.flushedProgress || this.st === ReplicaState.NeedsRebuild || this.lastContact === null) return false;
    if (now - this.lastContact <= timeoutMs) return false;
    this.setState(ReplicaState.NeedsRebuild, 'retention_timeout');
    return true;
  }

  // ---- lifecycle ----
  stop(): void {
    if (this.isStopped) return;
    this.isStopped = true;
    this.resetConnections();
  }

  /**
   * Bootstrap retry (Go's resetConnections before a bare barrier). The control connection is always
   * closed, as in Go: after a failed barrier (deadline, read error) a late reply to it may still be
   * in flight or buffered, and reusing the connection would let the next barrier read that stale
   * reply as its own (e.g. "OK, flushed 88" taken as the proof of LSN 89). Go's TCP close still
   * delivers what was written before it; our Transport drops in-flight frames on close, so the
   * data connection is dropped only when it is already broken (an open one, or a dial in progress
   * with queued entries, is kept: closing it would lose entries Go would deliver).
   */
  private resetForBareRetry(): void {
    if (this.data !== null && !this.data.conn.isOpen()) this.closeData();
    this.closeCtrl();
  }

  private resetConnections(): void {
    this.closeData();
    this.closeCtrl();
  }

  private closeData(): void {
    this.dataGen += 1;
    this.dataDialing = false;
    this.shipQueue = [];
    if (this.data !== null) {
      this.data.conn.close();
      this.data.inbox.close();
      this.data = null;
    }
  }

  private closeCtrl(): void {
    if (this.ctrl !== null) {
      this.ctrl.conn.close();
      this.ctrl.inbox.close();
      this.ctrl = null;
    }
  }

  private enqueue(op: (finish: Finish) => void): void {
    this.ops.push(op);
    this.pump();
  }

  private pump(): void {
    if (this.opBusy) return;
    const op = this.ops.shift();
    if (op === undefined) return;
    this.opBusy = true;
    let finished = false;
    op(() => {
      if (finished) return;
      finished = true;
      this.opBusy = false;
      this.pump();
    });
  }

  // ---- state transitions ----
  private markDegraded(cause: TransitionCause): void {
    this.setState(ReplicaState.Degraded, cause);
  }

  private markInSync(cause: TransitionCause): void {
    this.catchupFails = 0;
    this.lastContact = this.cfg.timers.now();
    this.setState(ReplicaState.InSync, cause);
  }

  private setState(to: ReplicaState, cause: TransitionCause): void {
    const from = this.st;
    this.st = to;
    markNamed(`repl_shipper_${cause}`);
    this.obs.noteTransition(from, to, cause);
    if (from !== to && this.cfg.onStateChange !== undefined) this.cfg.onStateChange(from, to);
  }
}

