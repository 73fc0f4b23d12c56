// The primary's rebuild server (spec §10.10): one request per connection, the request epoch must
// equal the volume epoch. WAL catch-up streams entries from a live-checkpoint scan; full extent
// streams the volume's export (force-flushed, boundary snapshotLSN = nextLSN) in 64 KiB chunks;
// snapshot streams the exact-boundary export, then a manifest (BaseLSN + SHA-256 of the image).
// The whole answer is queued in one step; the client closes the connection after Done/Error.

import { encodeWALEntry } from '../storage/blockvol/wal_entry.ts';
import { ERR_SNAPSHOT_BOUNDARY_MISMATCH, ERR_WAL_RECYCLED } from '../storage/errors.ts';
import { EngineError } from '../engine/errors.ts';
import { encodeManifest, sha256Hex } from './snapshot_manifest.ts';
import { REBUILD_CHUNK_BYTES } from './timing.ts';
import type { Conn, Transport } from './transport.ts';
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
    for (const c of this.rechunk(exp.chunks)) conn.send(encodeFrame(MsgRebuildExtent, c));
    conn.send(encodeFrame(MsgRebuildDone, encodeRebuildDone(exp.snapshotLSN)));
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
    for (const c of chunks) conn.send(encodeFrame(MsgRebuildExtent, c));
    const manifest = encodeManifest({ BaseLSN: exp.manifest.baseLSN, SHA256: sha256Hex(chunks) });
    conn.send(encodeFrame(MsgRebuildEntry, encodeText(manifest)));
    conn.send(encodeFrame(MsgRebuildDone, encodeRebuildDone(base)));
  }

  /** Re-cut the exported chunks to at most `chunkBytes` (64 KiB) per frame. */
  private rechunk(chunks: readonly Uint8Array[]): Uint8Array[] {
    const size = this.cfg.chunkBytes ?? REBUILD_CHUNK_BYTES;
    const out: Uint8Array[] = [];
    for (const c of chunks) for (let off = 0; off < c.length; off += size) out.push(c.subarray(off, Math.min(c.length, off + size)));
    return out;
  }
}

