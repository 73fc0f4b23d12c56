// The v2bridge Executor (spec §10.10), asynchronous: implements the engine's CatchUpIO/RebuildIO
// contract in callback form so the simulator can resume the engine executor's generator with the
// IOResult later. It runs beside the replica volume and pulls data from the primary's rebuild
// server. By default streamWALEntries honours the contract (deliver (a, b] to the replica); with
// `scanOnly` it reproduces the target's catch-up, which only scans the primary WAL (hazard H9).
// As upstream's (v2bridge/executor.go TransferFullBase, TransferSnapshot), a transfer with no
// rebuild address fails at once: "no rebuild address configured".

import { EngineError, ERR_TRUNCATION_UNSAFE } from '../engine/errors.ts';
import type { ExecutorIOCall, IOResult } from '../engine/executor.ts';
import { ERR_REBUILD, replErr } from './errors.ts';
import { applyDecodedRebuildEntry, decodeRebuildEntry } from './rebuild_apply.ts';
import { requestRebuild, type FrameVerdict } from './rebuild_client.ts';
import { decodeManifest, sha256Hex } from './snapshot_manifest.ts';
import type { Timers, Transport } from './transport.ts';
import type { PrimaryVolumePort, ReceiverHooks, ReplicaVolumePort } from './volume_port.ts';
import {
  MsgRebuildDone,
  MsgRebuildEntry,
  MsgRebuildError,
  MsgRebuildExtent,
  RebuildType,
  decodeRebuildDone,
  decodeText,
  type Frame,
} from './wire.ts';

export interface BridgeExecutorConfig {
  /**
   * Contract catch-up (not the target's rebuild path): an entry the replica already holds
   * (LSN <= its head) counts as delivered and is not applied again, so a catch-up racing live
   * shipping cannot put an older version of a block back.
   */
  readonly skipApplied?: boolean;
  /** The volume being caught up or rebuilt. */
  readonly replica: ReplicaVolumePort;
  /** SyncReceiverProgress target (the replica's receiver); null if none runs. */
  readonly receiver: ReceiverHooks | null;
  /** The primary's rebuild server address. */
  readonly rebuildAddr: string;
  readonly transport: Transport;
  readonly timers: Timers;
  /** Fidelity: catch-up scans the primary WAL and ships nothing (target behaviour, H9). */
  readonly scanOnly?: boolean;
  /** The primary volume, needed only in scanOnly mode. */
  readonly primary?: PrimaryVolumePort;
}

export type IODone = (r: IOResult) => void;

const fail = (msg: string, wrapped?: EngineError): IOResult => ({ err: replErr(ERR_REBUILD, msg, wrapped) });

export class BridgeExecutor {
  constructor(private readonly cfg: BridgeExecutorConfig) {}

  /** Perform one engine I/O call; `done` runs later with its result. */
  perform(call: ExecutorIOCall, done: IODone): void {
    switch (call.op) {
      case 'streamWALEntries':
        return this.streamWALEntries(call.startExclusive, call.endInclusive, done);
      case 'truncateWAL':
        return this.truncateWAL(call.lsn, done);
      case 'transferFullBase':
        return this.transferFullBase(call.committedLSN, done);
      case 'transferSnapshot':
        return this.transferSnapshot(call.snapshotLSN, done);
    }
  }

  /** Deliver (a, b] to the replica; value = highest LSN delivered (scanOnly: highest seen). */
  streamWALEntries(a: number, b: number, done: IODone): void {
    if (this.cfg.scanOnly === true) {
      const r = this.scanOnly(a, b);
      return this.later('bridge:scan-only', () => done(r));
    }
    this.streamAndApplyRemote(a, b, done);
  }

  private scanOnly(a: number, b: number): IOResult {
    const p = this.cfg.primary;
    if (p === undefined) return fail('scan-only catch-up: no primary volume');
    let highest = 0;
    const err = p.scanWALEntries(a + 1, (e) => {
      if (e.lsn <= b) highest = e.lsn;
    });
    if (err !== null) return { value: highest, err: replErr(ERR_REBUILD, `WAL scan from ${a}: ${err.message}`, err) };
    return { value: highest, err: null };
  }

  private streamAndApplyRemote(a: number, b: number, done: IODone): void {
    const vol = this.cfg.replica;
    let highest = 0;
    const onFrame = (f: Frame): FrameVerdict => {
      switch (f.type) {
        case MsgRebuildEntry: {
          const d = decodeRebuildEntry(f.payload);
          if (d.err !== undefined) return replErr(ERR_REBUILD, `WAL replay apply: ${d.err.message}`, d.err);
          if (b > 0 && d.entry.lsn > b) return 'more';
          if (this.cfg.skipApplied === true && d.entry.lsn <= vol.headLSN()) {
            highest = Math.max(highest, d.entry.lsn);
            return 'more';
          }
          const err = applyDecodedRebuildEntry(vol, d.entry);
          if (err !== null) return replErr(ERR_REBUILD, `WAL replay apply: ${err.message}`, err);
          highest = d.entry.lsn;
          return 'more';
        }
        case MsgRebuildDone:
          if (highest > 0) this.syncReceiverProgress(highest);
          return 'done';
        case MsgRebuildError:
          return replErr(ERR_REBUILD, `WAL replay server error: ${decodeText(f.payload)}`);
        default:
          return replErr(ERR_REBUILD, `WAL replay unexpected message 0x${f.type.toString(16)}`);
      }
    };
    const req = { type: RebuildType.WALCatchUp, fromLSN: a + 1, epoch: vol.epoch() };
    requestRebuild(this.cfg.transport, this.cfg.timers, this.cfg.rebuildAddr, req, onFrame, (err) =>
      done({ value: highest, err }),
    );
  }

  /** Full-extent install, coverage check, second catch-up (snapshotLSN-1, c]; value = achieved LSN. */
  transferFullBase(c: number, done: IODone): void {
    if (this.cfg.rebuildAddr === '') return this.later('bridge:no-rebuild-addr', () => done({ value: 0, ...fail('no rebuild address configured') }));
    const vol = this.cfg.replica;
    const installer = vol.newRebuildInstaller();
    let snapshotLSN = 0;
    const onFrame = (f: Frame): FrameVerdict => {
      switch (f.type) {
        case MsgRebuildExtent: {
          const err = installer.writeChunk(f.payload);
          return err === null ? 'more' : replErr(ERR_REBUILD, `rebuild install chunk: ${err.message}`, err);
        }
        case MsgRebuildDone: {
          const d = decodeRebuildDone(f.payload);
          snapshotLSN = d.err === undefined ? d.value : 0;
          const err = installer.commit(snapshotLSN);
          return err === null ? 'done' : replErr(ERR_REBUILD, `rebuild install commit: ${err.message}`, err);
        }
        case MsgRebuildError:
          return replErr(ERR_REBUILD, `rebuild server error: ${decodeText(f.payload)}`);
        default:
          return replErr(ERR_REBUILD, `rebuild unexpected message 0x${f.type.toString(16)}`);
      }
    };
    const req = { type: RebuildType.FullExtent, fromLSN: 0, epoch: vol.epoch() };
    requestRebuild(this.cfg.transport, this.cfg.timers, this.cfg.rebuildAddr, req, onFrame, (err) => {
      if (err !== null) return done({ value: 0, err });
      if (c > 0 && snapshotLSN > 0 && snapshotLSN <= c) {
        return done(fail(`rebuild: server snapshot ${snapshotLSN} does not cover target ${c}`));
      }
      const finish = (): void => {
        const achieved = vol.statusSnapshot().walHeadLSN;
        this.syncReceiverProgress(achieved);
        done({ value: achieved, err: null });
      };
      if (snapshotLSN === 0) return finish();
      this.streamAndApplyRemote(snapshotLSN - 1, c, (r) => {
        if (r.err !== null) return done(fail(`rebuild second catch-up: ${r.err.message}`, r.err));
        finish();
      });
    });
  }

  /** Exact-boundary snapshot install: verify base, manifest and SHA-256, then Commit(s+1). */
  transferSnapshot(s: number, done: IODone): void {
    if (this.cfg.rebuildAddr === '') return this.later('bridge:no-rebuild-addr', () => done(fail('no rebuild address configured')));
    const vol = this.cfg.replica;
    const installer = vol.newRebuildInstaller();
    const chunks: Uint8Array[] = [];
    let manifestText: string | null = null;
    let serverBase = 0;
    const onFrame = (f: Frame): FrameVerdict => {
      switch (f.type) {
        case MsgRebuildExtent: {
          chunks.push(f.payload.slice());
          const err = installer.writeChunk(f.payload);
          return err === null ? 'more' : replErr(ERR_REBUILD, `snapshot install chunk: ${err.message}`, err);
        }
        case MsgRebuildEntry:
          manifestText = decodeText(f.payload);
          return 'more';
        case MsgRebuildDone: {
          const d = decodeRebuildDone(f.payload);
          serverBase = d.err === undefined ? d.value : 0;
          return 'done';
        }
        case MsgRebuildError:
          return replErr(ERR_REBUILD, `snapshot server error: ${decodeText(f.payload)}`);
        default:
          return replErr(ERR_REBUILD, `snapshot unexpected message 0x${f.type.toString(16)}`);
      }
    };
    const req = { type: RebuildType.Snapshot, fromLSN: s, epoch: vol.epoch() };
    requestRebuild(this.cfg.transport, this.cfg.timers, this.cfg.rebuildAddr, req, onFrame, (err) => {
      if (err !== null) return done({ err });
      if (serverBase !== s) return done(fail(`snapshot boundary mismatch: server=${serverBase} requested=${s}`));
      if (manifestText === null || manifestText === '') return done(fail('snapshot: no manifest received'));
      const m = decodeManifest(manifestText);
      if (m === null) return done(fail('snapshot manifest: invalid JSON'));
      if (m.BaseLSN !== s) return done(fail(`snapshot manifest BaseLSN=${m.BaseLSN} != requested ${s}`));
      const got = sha256Hex(chunks);
      if (got !== m.SHA256) return done(fail(`snapshot checksum mismatch: got ${got}, want ${m.SHA256}`));
      const cerr = installer.commit(s + 1);
      if (cerr !== null) return done(fail(`snapshot install commit: ${cerr.message}`, cerr));
      done({ err: null });
    });
  }

  /** TruncateToLSN on the replica; an unsafe truncation wraps the engine's ErrTruncationUnsafe. */
  truncateWAL(t: number, done: IODone): void {
    const err = this.cfg.replica.truncateToLSN(t);
    let r: IOResult;
    if (err === null) r = { err: null };
    else if (err.is(ERR_TRUNCATION_UNSAFE)) r = { err: new EngineError(ERR_TRUNCATION_UNSAFE, `truncation unsafe: ${err.message}`, err) };
    else r = fail(`truncate WAL to ${t}: ${err.message}`, err);
    this.later('bridge:truncate', () => done(r));
  }

  /** Deliver a synchronously computed result as its own step, like every other completion. */
  private later(label: string, fn: () => void): void {
    this.cfg.timers.after(0, label, fn);
  }

  private syncReceiverProgress(lsn: number): void {
    if (this.cfg.receiver !== null) this.cfg.receiver.setReceivedLSN(lsn);
  }
}
