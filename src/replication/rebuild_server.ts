// The primary's rebuild server (spec §10.10): one request per connection, the request epoch must
// equal the volume epoch. WAL catch-up streams entries from a live-checkpoint scan; full extent
// streams the volume's export (force-flushed, boundary snapshotLSN = nextLSN) in 64 KiB chunks;
// snapshot streams the exact-boundary export, then a manifest (BaseLSN + SHA-256 of the image).
// The answer is queued in one step, unless the server is paced (`extentTransferMs`): then the
// extent goes out one block per frame, spread over that time, as upstream's ReadAt + WriteFrame
// loop sends a large volume over a while; a frame the connection no longer takes ends the answer
// (WriteFrame's error). The image is the one exported at the request (upstream reads each chunk
// live; the second catch-up from snapshotLSN replays whatever the copy saw newer, so the
// installed state is the same). The client closes the connection after Done/Error.

import { encodeWALEntry } from '../storage/blockvol/wal_entry.ts';
import { ERR_SNAPSHOT_BOUNDARY_MISMATCH, ERR_WAL_RECYCLED } from '../storage/errors.ts';
import { EngineError } from '../engine/errors.ts';
import { encodeManifest, sha256Hex } from './snapshot_manifest.ts';
import { REBUILD_CHUNK_BYTES } from './timing.ts';
import type { Conn, Timers, Transport } from './transport.ts';
import type { PrimaryVolumePort, WALEntry } from './volume_port.ts';
import { ERR_REBUILD, replErr } from './errors.ts';
import {
  MsgRebuildDone,
  MsgRebuildEntry,
  MsgRebuildError,
  MsgRebuildExtent,
  MsgRebuildReq,
  RebuildType,
  decodeFrame,
  decodeRebuildRequest,
  encodeFrame,
  encodeRebuildDone,
  encodeText,
  type RebuildRequest,
} from './wire.ts';

export interface RebuildServerConfig {
  readonly volume: PrimaryVolumePort;
  readonly transport: Transport;
  readonly listenAddr: string;
  readonly chunkBytes?: number;
  /** Pace the extent: send it over this many virtual ms, one block per frame (0 or absent: at once). */
  readonly extentTransferMs?: number;
  readonly blockSize?: number;
  readonly timers?: Timers;
}

export class RebuildServer {
  /** Requests served (accepted past the epoch check) and rejected. */
  served = 0;
  rejected = 0;
  /** First request served for a foreign epoch (W14). */
  epochViolation: string | null = null;
  private running = false;

  constructor(private readonly cfg: RebuildServerConfig) {}

  start(): EngineError | null {
    if (this.running) return null;
    const err = this.cfg.transport.listen(this.cfg.listenAddr, (conn) => {
      let handled = false;
      return {
        onFrame: (f) => {
          if (handled) return;
          handled = true;
          this.handle(conn, f);
        },
        onClose: () => {},
      };
    });
    if (err !== null) return replErr(ERR_REBUILD, `rebuild server: listen ${this.cfg.listenAddr}: ${err}`);
    this.running = true;
    return null;
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.cfg.transport.unlisten(this.cfg.listenAddr);
  }

  /** Epoch gate (a seam so a test can plant a fencing bug). */
  protected epochOK(req: RebuildRequest): boolean {
    return req.epoch === this.cfg.volume.epoch();
  }

  private handle(conn: Conn, frame: Uint8Array): void {
    const fail = (code: string, detail: string): void => {
      this.rejected += 1;
      conn.send(encodeFrame(MsgRebuildError, encodeText(detail === '' ? code : `${code}: ${detail}`)));
    };
    const f = decodeFrame(frame);
    if (f.err !== undefined || f.value.type !== MsgRebuildReq) return fail('BAD_REQUEST', 'expected rebuild request');
    const r = decodeRebuildRequest(f.value.payload);
    if (r.err !== undefined) return fail('BAD_REQUEST', r.err.message);
    const req = r.value;
    const vol = this.cfg.volume;
    // Go's texts exactly: V1's StartRebuild compares the error payload with "WAL_RECYCLED".
    if (!this.epochOK(req)) return fail('EPOCH_MISMATCH', '');
    if (req.epoch !== vol.epoch() && this.epochViolation === null) {
      this.epochViolation = `served rebuild request of epoch ${req.epoch} at volume epoch ${vol.epoch()}`;
    }
    switch (req.type) {
      case RebuildType.WALCatchUp:
        return this.walCatchUp(conn, req.fromLSN, fail);
      case RebuildType.FullExtent:
        return this.fullExtent(conn, fail);
      case RebuildType.Snapshot:
        return this.snapshot(conn, req.fromLSN, fail);
      default:
        return fail('UNKNOWN_TYPE', '');
    }
  }

  private walCatchUp(conn: Conn, from: number, fail: (c: string, d: string) => void): void {
    const entries: WALEntry[] = [];
    const err = this.cfg.volume.scanFrom(from, (e) => {
      entries.push(e);
    });
    if (err !== null) return err.is(ERR_WAL_RECYCLED) ? fail('WAL_RECYCLED', '') : fail('SCAN_FAILED', err.message);
    this.served += 1;
    for (const e of entries) conn.send(encodeFrame(MsgRebuildEntry, encodeWALEntry(e)));
    conn.send(encodeFrame(MsgRebuildDone, encodeRebuildDone(this.cfg.volume.nextLSN())));
  }

  private fullExtent(conn: Conn, fail: (c: string, d: string) => void): void {
    const exp = this.cfg.volume.exportFullExtent();
    if (exp instanceof EngineError) return fail(exp.message.startsWith('FLUSH_FAILED') ? 'FLUSH_FAILED' : 'EXPORT_FAILED', exp.message);
    this.served += 1;
    this.sendExtent(conn, this.rechunk(exp.chunks), [encodeFrame(MsgRebuildDone, encodeRebuildDone(exp.snapshotLSN))]);
  }

  private snapshot(conn: Conn, base: number, fail: (c: string, d: string) => void): void {
    const exp = this.cfg.volume.exportSnapshot(base);
    if (exp instanceof EngineError) {
      if (exp.message.startsWith('FLUSH_FAILED')) return fail('FLUSH_FAILED', exp.message);
      return fail(exp.is(ERR_SNAPSHOT_BOUNDARY_MISMATCH) ? 'SNAPSHOT_BOUNDARY_MISMATCH' : 'SNAPSHOT_FAILED', exp.message);
    }
    if (exp.manifest.baseLSN !== base) return fail('SNAPSHOT_BOUNDARY_MISMATCH', `snapshot base ${exp.manifest.baseLSN} != requested ${base}`);
    this.served += 1;
    const chunks = this.rechunk(exp.chunks);
    const manifest = encodeManifest({ BaseLSN: exp.manifest.baseLSN, SHA256: sha256Hex(chunks) });
    this.sendExtent(conn, chunks, [encodeFrame(MsgRebuildEntry, encodeText(manifest)), encodeFrame(MsgRebuildDone, encodeRebuildDone(base))]);
  }

  /**
   * Send an extent answer — the chunks, then the trailing frames (manifest, Done): at once, or
   * paced, every chunk after its share of the transfer time and the trailer with the last one.
   * Stops at the first frame the connection refuses.
   */
  private sendExtent(conn: Conn, chunks: readonly Uint8Array[], trailer: readonly Uint8Array[]): void {
    const frames = [...chunks.map((c) => encodeFrame(MsgRebuildExtent, c)), ...trailer];
    const total = this.cfg.extentTransferMs ?? 0;
    const timers = this.cfg.timers;
    if (total <= 0 || timers === undefined || chunks.length === 0) {
      for (const f of frames) if (!conn.send(f)) return;
      return;
    }
    const gap = Math.max(1, Math.round(total / chunks.length));
    const sendFrom = (i: number): void => {
      let j = i;
      do {
        if (!conn.send(frames[j]!)) return;
        j += 1;
      } while (j < frames.length && j >= chunks.length);
      if (j < frames.length) timers.after(gap, 'rebuild.extent_chunk', () => sendFrom(j));
    };
    timers.after(gap, 'rebuild.extent_chunk', () => sendFrom(0));
  }

  /** Re-cut the exported chunks to at most `chunkBytes` (64 KiB) per frame, one block per frame when paced. */
  private rechunk(chunks: readonly Uint8Array[]): Uint8Array[] {
    const paced = (this.cfg.extentTransferMs ?? 0) > 0 && this.cfg.blockSize !== undefined;
    const size = paced ? this.cfg.blockSize! : this.cfg.chunkBytes ?? REBUILD_CHUNK_BYTES;
    const out: Uint8Array[] = [];
    for (const c of chunks) for (let off = 0; off < c.length; off += size) out.push(c.subarray(off, Math.min(c.length, off + size)));
    return out;
  }
}

