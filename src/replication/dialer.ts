// Dial with a deadline (Go's net.DialTimeout) over the abstract Transport: whichever comes first,
// the transport's answer or the virtual-time deadline, decides; a connection that arrives after
// the deadline is closed at once. Also wires a FrameInbox to the connection's callbacks.

import type { Conn, Timers, Transport } from './transport.ts';
import { FrameInbox } from './frame_inbox.ts';

export interface DialedConn {
  readonly conn: Conn;
  readonly inbox: FrameInbox;
}

export function dialWithTimeout(
  transport: Transport,
  timers: Timers,
  addr: string,
  timeoutMs: number,
  label: string,
  done: (dc: DialedConn | null, err: string | null) => void,
): void {
  const inbox = new FrameInbox();
  let settled = false;
  const timer = timers.after(timeoutMs, `${label}:dial-timeout`, () => {
    if (settled) return;
    settled = true;
    done(null, `dial ${addr}: timeout`);
  });
  transport.dial(
    addr,
    { onFrame: (f) => inbox.push(f), onClose: () => inbox.close() },
    (conn, err) => {
      if (settled) {
        if (conn !== null) conn.close();
        return;
      }
      settled = true;
      timers.cancel(timer);
      if (conn === null) return done(null, `dial ${addr}: ${err ?? 'refused'}`);
      done({ conn, inbox }, null);
    },
  );
}
