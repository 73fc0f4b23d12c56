// Go's applyRebuildEntry(vol, payload) (weed/storage/blockvol/rebuild.go @c7eb87c58), shared by
// V1's StartRebuild (v1_rebuild.ts) and, through BlockVol.ApplyRebuildEntry, the V2 bridge's WAL
// replay (bridge_executor.ts): decode the frame payload ("decode: %w"), then append it with no
// contiguity, ordering or epoch check, retrying on WAL full ("WAL append: %w"; the retries live
// in the volume's applyRebuildEntry). Split in two so a caller can look at the decoded entry
// (the bridge's LSN bound) before applying it.

import type { EngineError } from '../engine/errors.ts';
import { decodeWALEntry } from '../storage/blockvol/wal_entry.ts';
import { ERR_REBUILD, replErr } from './errors.ts';
import type { ReplicaVolumePort, WALEntry } from './volume_port.ts';

export type DecodedRebuildEntry = { entry: WALEntry; err?: undefined } | { err: EngineError; entry?: undefined };

/** The decode half: `decode: <reason>` on a malformed payload. */
export function decodeRebuildEntry(payload: Uint8Array): DecodedRebuildEntry {
  const d = decodeWALEntry(payload);
  if (d.err !== undefined) return { err: replErr(ERR_REBUILD, `decode: ${d.err.message}`, d.err) };
  return { entry: d.entry };
}

/** The apply half: `WAL append: <reason>` when the volume refuses the entry. */
export function applyDecodedRebuildEntry(vol: ReplicaVolumePort, entry: WALEntry): EngineError | null {
  const err = vol.applyRebuildEntry(entry);
  return err === null ? null : replErr(ERR_REBUILD, `WAL append: ${err.message}`, err);
}

/** Both halves: Go's applyRebuildEntry(vol, payload). */
export function applyRebuildEntry(vol: ReplicaVolumePort, payload: Uint8Array): EngineError | null {
  const d = decodeRebuildEntry(payload);
  if (d.err !== undefined) return d.err;
  return applyDecodedRebuildEntry(vol, d.entry);
}
