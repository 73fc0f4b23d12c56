// Client side of one rebuild request (Go's dial + WriteFrame + ReadFrame loop in the v2bridge
// executor): dial the primary's rebuild server, send the request, hand each frame to `onFrame`
// in order until it says stop, then close the connection. A broken connection, an idle deadline
// or a frame handler error ends the exchange with an error.

import type { EngineError } from '../engine/errors.ts';
import { dialWithTimeout } from './dialer.ts';
import { ERR_REBUILD, replErr } from './errors.ts';
import { REBUILD_IDLE_TIMEOUT_MS, SHIP_DIAL_TIMEOUT_MS } from './timing.ts';
import type { Timers, Transport } from './transport.ts';
import { MsgRebuildReq, decodeFrame, encodeFrame, encodeRebuildRequest, type Frame, type RebuildRequest } from './wire.ts';

/** 'more' = keep reading; 'done' = finished successfully; an error = abort. */
export type FrameVerdict = 'more' | 'done' | EngineError;

export function requestRebuild(
  transport: Transport,
  timers: Timers,
  addr: string,
  req: RebuildRequest,
  onFrame: (f: Frame) => FrameVerdict,
  done: (err: EngineError | null) => void,
): void {
  dialWithTimeout(transport, timers, addr, SHIP_DIAL_TIMEOUT_MS, `rebuild:${addr}`, (dc, dialErr) => {
    if (dc === null) return done(replErr(ERR_REBUILD, `rebuild connect ${addr}: ${dialErr ?? 'failed'}`));
    const finish = (err: EngineError | null): void => {
      dc.conn.close();
      done(err);
    };
    if (!dc.conn.send(encodeFrame(MsgRebuildReq, encodeRebuildRequest(req)))) {
      return finish(replErr(ERR_REBUILD, 'rebuild send request: connection closed'));
    }
    const read = (): void => {
      let settled = false;
      const idle = timers.after(REBUILD_IDLE_TIMEOUT_MS, `rebuild:${addr}:idle`, () => {
        if (settled) return;
        settled = true;
        dc.inbox.cancelRead();
        finish(replErr(ERR_REBUILD, 'rebuild read frame: deadline exceeded'));
      });
      dc.inbox.next((raw) => {
        if (settled) return;
        settled = true;
        timers.cancel(idle);
        if (raw === null) return finish(replErr(ERR_REBUILD, 'rebuild read frame: connection closed'));
        const f = decodeFrame(raw);
        if (f.err !== undefined) return finish(replErr(ERR_REBUILD, `rebuild read frame: ${f.err.message}`, f.err));
        const v = onFrame(f.value);
        if (v === 'more') return read();
        finish(v === 'done' ? null : v);
      });
    };
    read();
  });
}
