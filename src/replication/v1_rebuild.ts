// V1 rebuild client: the port of StartRebuild, rebuildFullExtent, rebuildSecondCatchUp,
// syncLSNAfterRebuild and applyRebuildEntry (weed/storage/blockvol/rebuild.go @c7eb87c58). A
// volume server runs it in the background when the master gives a volume a Rebuilding
// assignment (weed/server/volume_server_block.go startRebuild: `go blockvol.StartRebuild(vol,
// rebuildAddr, 0, epoch)`, result only logged). Upstream's order and names:
//
//   StartRebuild(vol, primaryAddr, fromLSN, epoch)
//     role check (Rebuilding) -> WAL catch-up from fromLSN, every entry applied
//       MsgRebuildDone(snapshotLSN)           -> rebuildSecondCatchUp(snapshotLSN)
//                                              -> syncLSNAfterRebuild(snapshotLSN) -> SetRole(Replica)
//       MsgRebuildError "WAL_RECYCLED"        -> rebuildFullExtent: extent chunks, handoff,
//                                              rebuildSecondCatchUp -> syncLSNAfterRebuild -> SetRole
//
// Every error text is upstream's fmt.Errorf text; Go's `%w` becomes `: <inner message>`.
//
// Asynchronous and resumable: each dial, frame and completion is its own Transport/Timers
// callback (one simulator step), so anything else may run between any two of them; `done` is
// always called later, exactly once. `phase()` says where the rebuild stands.
//
// Where the model differs from Go:
// - Roles belong to the simulator's control layer: the caller supplies `role()` (Role.String(),
//   'rebuilding' expected) and `setRoleReplica()` (vol.SetRole(RoleReplica)); its error is the
//   result, as in Go (given the code set_role_failed, text unchanged).
// - Go's net.Dial has no timeout of its own; the dial here gives up after the kernel's SYN retry
//   budget (V1_REBUILD_DIAL_TIMEOUT_MS, ~127 s). ReadFrame has no deadline in Go and none here
//   (a primary that stops answering without the connection breaking stalls the rebuild forever).
// - requestRebuild closes each connection as soon as the last frame is read; Go closes it after
//   the extent handoff (rebuildFullExtent) — the server has sent everything by then, so nothing
//   observable changes. The first connection is closed before the full-extent fallback dials, as
//   in Go (`conn.Close()` before `return rebuildFullExtent(...)`).
// - Transport causes are the simulator's ('connection closed', 'dial <addr>: connection
//   refused'), not Go's ('EOF', 'dial tcp …: connect: connection refused').
// - The handoff's superblock errors read `fsync superblock` where Go says `sync superblock`; a
//   chunk past the volume end is refused by the installer (Go's WriteAt would write past the
//   extent); Go's `seek superblock` cannot fail here.
// - syncLSNAfterRebuild reaches the receiver through `receiver()` (Go: vol.replRecv).
//
// Upstream hazards, ported as they are (not fixed) — see docs/replication.md:
// - applyRebuildEntry has no ordering, contiguity or epoch check: the WAL catch-up path applies
//   the primary's entries on top of whatever the Rebuilding volume already holds. Blocks the
//   primary's WAL does not cover keep the volume's old (possibly divergent) data, an older entry
//   replaces a newer local one in the dirty map, and nextLSN only ever rises (a stale volume
//   with a higher nextLSN keeps it; RebuildInstaller.Commit's comment names this for V2).
// - rebuildFullExtent pauses no flusher and takes no ioMu: between chunk writes the volume's
//   flusher may write old WAL entries over freshly copied extent blocks, and the dirty map is
//   cleared only at the end. Anything applied to the volume's WAL during the copy is discarded
//   by the WAL reset. The volume server starts no receiver for a Rebuilding volume, so writes
//   the primary makes during the copy reach it only through the second catch-up, and writes
//   after that scan only through a later shipper reconnect + catch-up once it is a Replica.
// - The second catch-up has no fallback: if the primary's flusher moved past snapshotLSN
//   meanwhile, the server answers WAL_RECYCLED and the whole rebuild fails.
// - syncLSNAfterRebuild uses the snapshotLSN of the FIRST answer, not the second catch-up's:
//   receivedLSN is raised only to snapshotLSN-1 although the second catch-up may have applied
//   entries beyond it; flushedLSN is never touched.
// - The result is never reported: the volume server only logs it (its own note R2-F7: "not
//   reported back to master"), nothing retries a failed rebuild, and a failure leaves the volume
//   Rebuilding with whatever was applied or installed.

import type { EngineError } from '../engine/errors.ts';
import { ERR_REBUILD, ERR_SET_ROLE, replErr } from './errors.ts';
import { applyRebuildEntry } from './rebuild_apply.ts';
import { requestRebuild, type FrameVerdict, type RebuildClientOptions, type RebuildClientTexts } from './rebuild_client.ts';
import { V1_REBUILD_DIAL_TIMEOUT_MS } from './timing.ts';
import type { Timers, Transport } from './transport.ts';
import type { RebuildReceiverHooks, V1RebuildVolumePort } from './volume_port.ts';
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

export interface V1RebuildConfig {
  /** The Rebuilding volume. */
  readonly volume: V1RebuildVolumePort;
  readonly transport: Transport;
  readonly timers: Timers;
  /** vol.Role().String(); StartRebuild requires 'rebuilding'. */
  readonly role: () => string;
  /** vol.SetRole(RoleReplica), owned by the control layer; its error is StartRebuild's result. */
  readonly setRoleReplica: () => { readonly message: string } | null;
  /** vol.replRecv when syncLSNAfterRebuild runs (null: no receiver). */
  readonly receiver: () => RebuildReceiverHooks | null;
}

export type V1RebuildPhase = 'wal-catch-up' | 'full-extent' | 'second-catch-up' | 'done' | 'failed';

export interface V1RebuildHandle {
  phase(): V1RebuildPhase;
  /** The snapshot LSN of the first answer (catch-up or extent Done); 0 until then. */
  snapshotLSN(): number;
}

/**
 * StartRebuild(vol, primaryAddr, fromLSN, epoch): `done` gets null after SetRole(Replica)
 * succeeded, or the first error (the volume keeps whatever was applied or installed).
 */
export function startRebuild(
  cfg: V1RebuildConfig,
  primaryAddr: string,
  fromLSN: number,
  epoch: number,
  done: (err: EngineError | null) => void,
): V1RebuildHandle {
  const r = new V1Rebuild(cfg, primaryAddr, epoch, done);
  r.start(fromLSN);
  return r;
}

const hex2 = (t: number): string => t.toString(16).padStart(2, '0');
const fail = (msg: string, wrapped?: EngineError): EngineError => replErr(ERR_REBUILD, msg, wrapped);

class V1Rebuild implements V1RebuildHandle {
  private ph: V1RebuildPhase = 'wal-catch-up';
  private snap = 0;
  private finished = false;

  constructor(
    private readonly cfg: V1RebuildConfig,
    private readonly primaryAddr: string,
    private readonly epoch: number,
    private readonly done: (err: EngineError | null) => void,
  ) {}

  phase(): V1RebuildPhase {
    return this.ph;
  }

  snapshotLSN(): number {
    return this.snap;
  }

  start(fromLSN: number): void {
    const role = this.cfg.role();
    if (role !== 'rebuilding') {
      const err = fail(`rebuild: expected role Rebuilding, got ${role}`);
      this.cfg.timers.after(0, 'v1-rebuild:role', () => this.finish(err));
      return;
    }
    this.walCatchUp(fromLSN);
  }

  /** StartRebuild's first exchange: WAL catch-up from fromLSN. */
  private walCatchUp(fromLSN: number): void {
    const vol = this.cfg.volume;
    let snapshotLSN = 0;
    let recycled = false;
    const onFrame = (f: Frame): FrameVerdict => {
      switch (f.type) {
        case MsgRebuildEntry: {
          const err = applyRebuildEntry(vol, f.payload);
          return err === null ? 'more' : fail(`rebuild: apply entry: ${err.message}`, err);
        }
        case MsgRebuildDone:
          snapshotLSN = lsnOf(f.payload);
          return 'done';
        case MsgRebuildError: {
          const errMsg = decodeText(f.payload);
          if (errMsg === 'WAL_RECYCLED') {
            recycled = true; // Fall back to full extent rebuild (after closing this connection).
            return 'done';
          }
          return fail(`rebuild: server error: ${errMsg}`);
        }
        default:
          return fail(`rebuild: unexpected message type 0x${hex2(f.type)}`);
      }
    };
    const texts: RebuildClientTexts = {
      connect: (addr, cause) => `rebuild: connect to ${addr}: ${cause}`,
      send: (cause) => `rebuild: send request: ${cause}`,
      read: (cause) => `rebuild: read response: ${cause}`,
    };
    this.request({ type: RebuildType.WALCatchUp, fromLSN, epoch: this.epoch }, onFrame, texts, (err) => {
      if (err !== null) return this.finish(err);
      if (recycled) return this.rebuildFullExtent();
      this.afterBase(snapshotLSN);
    });
  }

  /** rebuildFullExtent: extent chunks, the handoff, then the shared tail. */
  private rebuildFullExtent(): void {
    this.ph = 'full-extent';
    const installer = this.cfg.volume.newV1ExtentInstaller();
    let offset = 0;
    let snapshotLSN = 0;
    const onFrame = (f: Frame): FrameVerdict => {
      switch (f.type) {
        case MsgRebuildExtent: {
          const err = installer.writeChunk(f.payload);
          if (err !== null) return fail(`rebuild: write extent at offset ${offset}: ${err.message}`, err);
          offset += f.payload.length;
          return 'more';
        }
        case MsgRebuildDone:
          snapshotLSN = lsnOf(f.payload);
          return 'done';
        case MsgRebuildError:
          return fail(`rebuild: server error during extent: ${decodeText(f.payload)}`);
        default:
          return fail(`rebuild: unexpected message type 0x${hex2(f.type)} during extent`);
      }
    };
    const texts: RebuildClientTexts = {
      connect: (_addr, cause) => `rebuild: connect for full extent: ${cause}`,
      send: (cause) => `rebuild: send extent request: ${cause}`,
      read: (cause) => `rebuild: read extent response: ${cause}`,
    };
    this.request({ type: RebuildType.FullExtent, fromLSN: 0, epoch: this.epoch }, onFrame, texts, (err) => {
      if (err !== null) return this.finish(err);
      // Fsync the extent, clear the dirty map, reset the WAL, persist the superblock with
      // checkpoint snapshotLSN-1, sync the flusher's checkpoint (no lock of its own in Go).
      const herr = installer.commitV1(snapshotLSN);
      if (herr !== null) return this.finish(fail(`rebuild: ${herr.message}`, herr));
      this.afterBase(snapshotLSN);
    });
  }

  /** The tail both paths share: second catch-up, syncLSNAfterRebuild, SetRole(Replica). */
  private afterBase(snapshotLSN: number): void {
    this.snap = snapshotLSN;
    this.rebuildSecondCatchUp(snapshotLSN, () => {
      this.syncLSNAfterRebuild(snapshotLSN);
      const rerr = this.cfg.setRoleReplica();
      this.finish(rerr === null ? null : replErr(ERR_SET_ROLE, rerr.message));
    });
  }

  /** rebuildSecondCatchUp: WAL entries from snapshotLSN (writes during the scan or the copy). */
  private rebuildSecondCatchUp(snapshotLSN: number, next: () => void): void {
    if (snapshotLSN === 0) return next();
    this.ph = 'second-catch-up';
    const vol = this.cfg.volume;
    const onFrame = (f: Frame): FrameVerdict => {
      switch (f.type) {
        case MsgRebuildEntry: {
          const err = applyRebuildEntry(vol, f.payload);
          return err === null ? 'more' : fail(`rebuild: apply second catch-up entry: ${err.message}`, err);
        }
        case MsgRebuildDone:
          return 'done';
        case MsgRebuildError:
          return fail(`rebuild: server error during second catch-up: ${decodeText(f.payload)}`);
        default:
          return fail(`rebuild: unexpected message type 0x${hex2(f.type)} during second catch-up`);
      }
    };
    const texts: RebuildClientTexts = {
      connect: (_addr, cause) => `rebuild: connect for second catch-up: ${cause}`,
      send: (cause) => `rebuild: send second catch-up request: ${cause}`,
      read: (cause) => `rebuild: read second catch-up: ${cause}`,
    };
    this.request({ type: RebuildType.WALCatchUp, fromLSN: snapshotLSN, epoch: this.epoch }, onFrame, texts, (err) => {
      if (err !== null) return this.finish(err);
      next();
    });
  }

  /**
   * syncLSNAfterRebuild: nextLSN := max(nextLSN, snapshotLSN); the receiver's receivedLSN :=
   * max(receivedLSN, snapshotLSN-1). Nothing when snapshotLSN is 0; flushedLSN untouched.
   */
  private syncLSNAfterRebuild(snapshotLSN: number): void {
    if (snapshotLSN === 0) return;
    this.cfg.volume.advanceNextLSN(snapshotLSN);
    const recv = this.cfg.receiver();
    if (recv !== null) recv.advanceReceivedLSN(snapshotLSN - 1);
  }

  private request(
    req: { type: number; fromLSN: number; epoch: number },
    onFrame: (f: Frame) => FrameVerdict,
    texts: RebuildClientTexts,
    next: (err: EngineError | null) => void,
  ): void {
    const opts: RebuildClientOptions = { dialTimeoutMs: V1_REBUILD_DIAL_TIMEOUT_MS, idleTimeoutMs: null, texts };
    requestRebuild(this.cfg.transport, this.cfg.timers, this.primaryAddr, req, onFrame, next, opts);
  }

  private finish(err: EngineError | null): void {
    if (this.finished) return;
    this.finished = true;
    this.ph = err === null ? 'done' : 'failed';
    this.done(err);
  }
}

/** Go: `if len(payload) >= 8 { snapshotLSN = binary.BigEndian.Uint64(payload[:8]) }`, else 0. */
function lsnOf(payload: Uint8Array): number {
  const d = decodeRebuildDone(payload);
  return d.err === undefined ? d.value : 0;
}
