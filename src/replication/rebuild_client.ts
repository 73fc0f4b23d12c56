// Client side of one rebuild request (Go's dial + WriteFrame + ReadFrame loop, written out in the
// v2bridge executor and in V1's StartRebuild): dial the primary's rebuild server, send the
// request, hand each frame to `onFrame` in order until it says stop, then close the connection.
// A broken connection, an idle deadline or a frame handler error ends the exchange with an error.
// Callers phrase the connect / send / read failures (each Go caller has its own fmt.Errorf texts)
// and choose the deadlines (V1's net.Dial + ReadFrame have none of their own).

import type { EngineError } from '../engine/errors.ts';
import { dialWithTimeout } from './dialer.ts';
import { ERR_REBUILD, replErr } from './errors.ts';
import { REBUILD_IDLE_TIMEOUT_MS, SHIP_DIAL_TIMEOUT_MS } from './timing.ts';
import type { Timers, Transport } from './transport.ts';
import { MsgRebuildReq, decodeFrame, encodeFrame, encodeRebuildRequest, type Frame, type RebuildRequest } from './wire.ts';

/** 'more' = keep reading; 'done' = finished successfully; an error = abort. */
export type FrameVerdict = 'more' | 'done' | EngineError;

/** Error texts for the three transport failures; `cause` is the transport's reason. */
export interface RebuildClientTexts {
  connect(addr: string, cause: string): string;
  send(cause: string): string;
  read(cause: string): string;
}

export interface RebuildClientOptions {
  /** Dial deadline (default SHIP_DIAL_TIMEOUT_MS). */
  readonly dialTimeoutMs?: number;
  /** Give up when no frame arrives for this long (default REBUILD_IDLE_TIMEOUT_MS); null = wait forever. */
  readonly idleTimeoutMs?: number | null;
  readonly texts?: RebuildClientTexts;
}

/** The bridge executor's texts (the defaults). */
export const BRIDGE_REBUILD_TEXTS: RebuildClientTexts = {
  connect: (addr, cause) => `rebuild connect ${addr}: ${cause}`,
  send: (cause) => `rebuild send request: ${cause}`,
  read: (cause) => `rebuild read frame: ${cause}`,
};

export function requestRebuild(
  transport: Transport,
  timers: Timers,
  addr: string,
  req: RebuildRequest,
  onFrame: (f: Frame) => FrameVerdict,
  done: (err: EngineError | null) => void,
  opts: RebuildClientOptions = {},
): void {
  const texts = opts.texts ?? BRIDGE_REBUILD_TEXTS;
  const idleMs = opts.idleTimeoutMs === undefined ? REBUILD_IDLE_TIMEOUT_MS : opts.idleTimeoutMs;
  dialWithTimeout(transport, timers, addr, opts.dialTimeoutMs ?? SHIP_DIAL_TIMEOUT_MS, `rebuild:${addr}`, (dc, dialErr) => {
    if (dc === null) return done(replErr(ERR_REBUILD, texts.connect(addr, dialErr ?? 'failed')));
    const finish = (err: EngineError | null): void => {
      dc.conn.close();
      done(err);
    };
    if (!dc.conn.send(encodeFrame(MsgRebuildReq, encodeRebuildRequest(req)))) {
      return finish(replErr(ERR_REBUILD, texts.send('connection closed')));
    }
    const read = (): void => {
      let settled = false;
      const idle =
        idleMs === null
          ? null
          : timers.after(idleMs, `rebuild:${addr}:idle`, () => {
              if (settled) return;
              settled = true;
              dc.inbox.cancelRead();
              finish(replErr(ERR_REBUILD, texts.read('deadline exceeded')));
            });
      dc.inbox.next((raw) => {
        if (settled) return;
        settled = true;
        if (idle !== null) timers.cancel(idle);
        if (raw === null) return finish(replErr(ERR_REBUILD, texts.read('connection closed')));
        const f = decodeFrame(raw);
        if (f.err !== undefined) return finish(replErr(ERR_REBUILD, texts.read(f.err.message), f.err));
        const v = onFrame(f.value);
        if (v === 'more') return read();
        finish(v === 'done' ? null : v);
      });
    };
    read();
  });
}
