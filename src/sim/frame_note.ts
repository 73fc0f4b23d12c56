// What a stream frame says, for the trace's step detail: a short best-effort reading of the
// replication wire format (message name, epoch, LSNs). Used only when tracing is on; a frame it
// cannot place is named by its type byte. The data and control channels share type codes, so a
// type-1 frame of exactly a barrier request's size is read as one, anything longer as a WAL entry.
// A frame opening with '{' is first tried as a heartbeat-stream frame.
import { FRAME_HEADER_SIZE } from '../replication/wire.ts';
import { heartbeatFrameNote } from './heartbeat_frame_note.ts';

function u64(b: Uint8Array, off: number): number {
  if (off + 8 > b.length) return -1;
  let x = 0;
  for (let i = 0; i < 8; i++) x = x * 256 + b[off + i]!;
  return x;
}

/** A WAL entry's fields are little-endian (wal_entry.ts, as Go's binary.LittleEndian); the messages' are big-endian. */
function u64le(b: Uint8Array, off: number): number {
  if (off + 8 > b.length) return -1;
  let x = 0;
  for (let i = 7; i >= 0; i--) x = x * 256 + b[off + i]!;
  return x;
}

const BARRIER_REQ_BYTES = 20;
/** '{': the heartbeat stream's frames under `--control upstream` are JSON (heartbeat_frame_note.ts). */
const JSON_FRAME_START = 0x7b;

function payloadNote(type: number, p: Uint8Array): string {
  switch (type) {
    case 0x01: return p.length === BARRIER_REQ_BYTES ? `barrier lsn=${u64(p, 4)} ep=${u64(p, 12)}` : `wal lsn=${u64le(p, 0)} ep=${u64le(p, 8)}`;
    case 0x02: return p.length < 9 ? `barrier_resp st=${p[0] ?? -1} (legacy)` : `barrier_resp st=${p[0]} flushed=${u64(p, 1)}`;
    case 0x03: return `resume_req ep=${u64(p, 0)} head=${u64(p, 8)} retain=${u64(p, 16)}`;
    case 0x04: return `resume_resp st=${p[0] ?? -1} flushed=${u64(p, 1)}`;
    case 0x05: return `catchup_done lsn=${u64(p, 0)}`;
    case 0x10: return `rebuild_req type=${p[0] ?? -1} from=${u64(p, 1)} ep=${u64(p, 9)}`;
    // A snapshot rebuild's manifest travels as a text rebuild entry (JSON), a WAL rebuild's entries as WAL entries.
    case 0x11: return p[0] === 0x7b ? `rebuild_entry manifest ${p.length}B` : `rebuild_entry lsn=${u64le(p, 0)} ep=${u64le(p, 8)}`;
    case 0x12: return `rebuild_extent ${p.length}B`;
    case 0x13: return `rebuild_done lsn=${u64(p, 0)}`;
    case 0x14: return 'rebuild_error';
    default: return `type=${type} ${p.length}B`;
  }
}

/** `from→to +delay message fields`, e.g. `n1→n2 +3ms wal lsn=7 ep=2`. */
export function frameNote(from: string, to: string, delayMs: number, frame: Uint8Array): string {
  const head = `${from}→${to} +${delayMs}ms`;
  if (frame[0] === JSON_FRAME_START) {
    const note = heartbeatFrameNote(frame);
    if (note !== null) return `${head} ${note}`;
  }
  if (frame.length < FRAME_HEADER_SIZE) return `${head} short frame ${frame.length}B`;
  return `${head} ${payloadNote(frame[0]!, frame.subarray(FRAME_HEADER_SIZE))}`;
}
