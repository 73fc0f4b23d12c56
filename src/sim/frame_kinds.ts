// Names the frame a connection carries, so a scenario file can fault "the next wal_entry to r1"
// (delay_next / reset_next on stream kinds). A connection is known by the address it was dialed
// at: a volume server listens on three consecutive ports (data, control, rebuild channels; a
// restart on a new address moves all three up by ADDRESS_STEP), the master on MASTER_ADDR (its
// heartbeat streams: volume → master frames are heartbeats, master → volume assignments). Within
// a channel, the frame's first byte is its wire type (src/replication/wire.ts), whose values
// repeat across channels — hence the channel first.
import {
  MsgBarrierReq, MsgBarrierResp, MsgCatchupDone, MsgRebuildDone, MsgRebuildEntry, MsgRebuildError, MsgRebuildExtent,
  MsgRebuildReq, MsgResumeShipReq, MsgResumeShipResp, MsgWALEntry,
} from '../replication/wire.ts';

/** A volume server's first data port; ctrl is +1, rebuild +2. */
export const BASE_PORT = 3260;
/** How far a restart on a new address moves a server's ports. */
export const ADDRESS_STEP = 10;
/** The master's listen address (heartbeat streams under the upstream control plane). */
export const MASTER_ADDR = 'master:9333';

/** The frame kind for a frame sent on the connection dialed at `addr`, from its dialing side or not; null when unknown. */
export type FrameClassifier = (addr: string, fromDialer: boolean, frame: Uint8Array) => string | null;

const DATA: Readonly<Record<number, string>> = {
  [MsgWALEntry]: 'wal_entry', [MsgResumeShipReq]: 'resume_ship_req', [MsgResumeShipResp]: 'resume_ship_resp', [MsgCatchupDone]: 'catchup_done',
};
const CTRL: Readonly<Record<number, string>> = { [MsgBarrierReq]: 'barrier_req', [MsgBarrierResp]: 'barrier_resp' };
const REBUILD: Readonly<Record<number, string>> = {
  [MsgRebuildReq]: 'rebuild_req', [MsgRebuildEntry]: 'rebuild_entry', [MsgRebuildExtent]: 'rebuild_extent',
  [MsgRebuildDone]: 'rebuild_done', [MsgRebuildError]: 'rebuild_error',
};
const CHANNELS = [DATA, CTRL, REBUILD] as const;

export const frameKind: FrameClassifier = (addr, fromDialer, frame) => {
  if (addr === MASTER_ADDR) return fromDialer ? 'heartbeat' : 'assignment';
  const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port < BASE_PORT) return null;
  const channel = CHANNELS[(port - BASE_PORT) % ADDRESS_STEP];
  return channel?.[frame[0] ?? -1] ?? null;
};
