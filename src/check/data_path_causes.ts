// Why a data-path check fired, when the cause is target behaviour the simulator can prove from
// ground truth (a finding) rather than a porting error: a gap in a WAL, a WAL out of LSN order, a
// durability claim above what the disk would recover, an entry lost in flight. Each cause reads
// state the checker can see — a server's WAL records and locks, its shipper's connection, the
// cluster's allocation record — and names its hazard; src/check/cluster_world.ts wires them into
// the replication checks (W2, W3, W8) and E1.
import type { ReplicaReceiver } from '../replication/receiver.ts';
import type { WALShipper } from '../replication/shipper.ts';
import type { Cluster } from '../sim/cluster.ts';
import { walGapReason } from '../sim/engine_observer.ts';
import type { VolumeNode } from '../sim/node.ts';

/**
 * Why `lsn`, counted in the head of `n`'s volume, is absent from its WAL, when the cause is
 * proven target behaviour (walGap; an LSN no server ever appended is a hole, H1); else null.
 */
export function provenGap(c: Cluster, n: VolumeNode | undefined, lsn: number): string | null {
  const gap = n?.walGap(lsn) ?? null;
  if (gap !== null && gap !== 'in_flight') return walGapReason(gap);
  return n !== undefined && lsn <= (n.vol?.headLSN() ?? 0) && c.neverAppended(lsn) ? walGapReason('hole') : null;
}

/** The receiver address of primary `n` that one of its own shippers dials, or null. */
function selfShippedAddr(n: VolumeNode): string | null {
  const own = n.receiver?.dataAddr() ?? null;
  if (n.role !== 'primary' || own === null) return null;
  return n.group?.shippers().some((s) => s.dataAddr === own) === true ? own : null;
}

/** How a primary comes to ship to itself (finding H39). */
const SELF_SHIPPING = (addr: string): string => `a replica record carries ${addr}, the primary's own receiver address: finding H39`;

/**
 * Why shipper `s` of server `n` sent `lsn` again or out of order on one connection, when proven:
 * a scan streams `n`'s WAL in its physical order, and that order is not LSN order because `n`
 * ships to its own receiver (H39: each entry appended twice) or because a rebuild's tail replay
 * appended older entries after newer ones while `n` was a replica (H25).
 */
export function shipperOrderCause(n: VolumeNode | undefined, lsn: number): string | null {
  const vol = n?.vol ?? null;
  if (n === undefined || vol === null) return null;
  const records = vol.walRecords();
  if (!Array.isArray(records)) return null;
  const copies = records.filter((x) => x.entry.lsn === lsn).length;
  if (copies === 0) return null;
  const addr = selfShippedAddr(n);
  if (addr !== null && copies >= 2) {
    return `primary ${n.name}'s WAL holds LSN ${lsn} twice, because one of its shippers dials its own receiver (${SELF_SHIPPING(addr)}) and the receiver appends each shipped entry again; a scan streams both copies`;
  }
  // The highest LSN before the last copy of `lsn`: above it, the copy is out of LSN order.
  let higher = 0;
  let epoch = 0;
  let maxSoFar = 0;
  for (const x of records) {
    if (x.entry.lsn === lsn && maxSoFar > lsn) { higher = maxSoFar; epoch = x.entry.epoch; }
    maxSoFar = Math.max(maxSoFar, x.entry.lsn);
  }
  if (higher > 0 && n.rebuildReapplies > 0) {
    return `primary ${n.name}'s WAL holds LSN ${lsn} (epoch ${epoch}) after LSN ${higher}: while it was a replica a rebuild's tail replay raced live shipping (${n.rebuildReapplies} time(s)) and ApplyRebuildEntry, which has no ordering check, appended it there; a scan streams the WAL in that order: finding H25`;
  }
  return null;
}

/**
 * Why receiver `r` on server `n` claims more than its disk would recover (W3), when proven: it
 * runs on a primary whose own shipper dials it (the master's record gave the primary its own
 * receiver address as a replica's, H39), so each entry is appended twice to one WAL and recovery
 * stops at the repeated LSN; or the LSN above the durable head is missing from its WAL.
 */
export function receiverDurableCause(c: Cluster, n: VolumeNode | undefined, r: ReplicaReceiver, durable: number): string | null {
  if (n !== undefined && selfShippedAddr(n) === r.dataAddr()) {
    return `it runs on primary ${n.name}, whose own shipper dials it (${SELF_SHIPPING(r.dataAddr())}), so every entry is appended twice to one WAL and recovery stops at the repeated LSN (the port's recovery keeps the increasing prefix, docs/storage.md; upstream's RecoverWAL would replay past it)`;
  }
  // H23 on the replica: its flusher advanced the WAL tail past entries whose checkpoint is not yet
  // durable in the superblock, an apply reused the space, and the barrier's fsync made it durable.
  const vol = n?.vol ?? null;
  if (vol !== null && vol.locks().flushMu.state().writer?.startsWith('flush') === true && durable < vol.checkpointLSN()) {
    return `its flusher is between advancing the WAL tail (checkpoint ${vol.checkpointLSN()}) and making that checkpoint durable in the superblock, and an apply reused the freed WAL space, made durable by the barrier's fsync: a crash now recovers from the older durable checkpoint (flusher.go flushOnceLocked: AdvanceTail, then updateSuperblockCheckpoint; finding H23)`;
  }
  const gap = provenGap(c, n, durable + 1);
  return gap === null ? null : `LSN ${durable + 1} is missing from its own WAL, ${gap}`;
}

/**
 * The replica lacks the entry after its receivedLSN, which the primary's InSync shipper sent on a
 * data connection that has since broken (a reset): the frame was lost in flight, and the shipper,
 * which does not read its data connection (wal_shipper.go: a break shows only as the next write's
 * error), was told nothing — with no Ship or barrier after, it stays InSync (H43).
 */
export function lostInFlight(p: VolumeNode, n: VolumeNode, shipper: WALShipper | null): string | null {
  const rx = n.receiver;
  const dc = shipper?.dataConn() ?? null;
  if (shipper === null || rx === null || dc === null || dc.open || shipper.state() !== 'in_sync') return null;
  const missing = rx.receivedLSN() + 1;
  if (missing > (p.vol?.headLSN() ?? 0) || (shipper.obs.lastSentOn(dc.id) ?? 0) < missing) return null;
  return ` (LSN ${missing} went out on data connection ${dc.id}, which then broke before delivering it; the shipper does not read its data connection, so a break shows only as the error of its next write (wal_shipper.go Ship) or a failed barrier, and with neither after, it stayed InSync: finding H43)`;
}
