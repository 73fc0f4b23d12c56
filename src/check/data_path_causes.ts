// Why a data-path check fired, when the cause is target behaviour the simulator can prove from
// ground truth (a finding) rather than a porting error: a gap in a WAL, a WAL out of LSN order, a
// durability claim above what the disk would recover, an entry lost in flight. Each cause reads
// state the checker can see — a server's WAL records and locks, its shipper's connection, the
// cluster's allocation record, the oracle's late acknowledgements — and names its hazard;
// src/check/cluster_world.ts wires them into the replication checks (W2, W3, W8), E1, E2 and E3.
import type { ReplicaReceiver } from '../replication/receiver.ts';
import type { WALShipper } from '../replication/shipper.ts';
import type { Cluster } from '../sim/cluster.ts';
import type { WriteRecord } from '../sim/oracle.ts';
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
/** Why a WAL that repeats LSNs recovers less than barriers proved. */
const RECOVERY_STOPS = `recovery stops at the repeated LSN (the port's recovery keeps the increasing prefix, docs/storage.md; upstream's RecoverWAL would replay past it)`;

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
    return `it runs on primary ${n.name}, whose own shipper dials it (${SELF_SHIPPING(r.dataAddr())}), so every entry is appended twice to one WAL and ${RECOVERY_STOPS}`;
  }
  // H25 on the replica: a rebuild re-applied entries its WAL already held, so the WAL repeats LSNs
  // right after the durable head, where the port's recovery stops.
  const repeated = n !== undefined && n.rebuildReapplies > 0 ? repeatedAfter(n, durable) : null;
  if (repeated !== null) {
    return `its WAL holds LSN ${repeated} again right after LSN ${durable}: a rebuild re-applied entries it already held (ApplyRebuildEntry has no ordering check: finding H25), and ${RECOVERY_STOPS}`;
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

/** The LSN of the WAL entry that follows LSN `lsn` in `n`'s WAL without being above it (a repeat), or null. */
function repeatedAfter(n: VolumeNode, lsn: number): number | null {
  const recs = n.vol?.walRecords();
  if (!Array.isArray(recs)) return null;
  for (let i = 1; i < recs.length; i++) {
    const prev = recs[i - 1]!.entry.lsn;
    const next = recs[i]!.entry.lsn;
    if (prev === lsn && next <= prev) return next;
  }
  return null;
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

/**
 * A durable write lost on the serving primary's own path: the block holds a write the client had
 * given up on at its timeout, which the primary still appended later, above the lost write (H46);
 * or a server published an older entry into its dirty map after the lost write's (H11).
 */
export function lateOrInverted(c: Cluster, lba: number, data: Uint8Array, w: WriteRecord): string | null {
  const late = c.oracle.lateOverwrite(lba, data, w.ackLSN, w.ackBy);
  if (late !== undefined) {
    return ` (it holds write op ${late.op}, which the client gave up on at its timeout and then issued op ${w.op} over; ${late.lateBy} still appended op ${late.op} later, at LSN ${late.lateLSN}: a write queued on shipMu is never cancelled — the iSCSI target answers an ABORT TASK "function complete" without aborting (iscsi/session.go handleTaskMgmt) and WriteLBA has no deadline — so an aborted write overwrites a later durable one: finding H46)`;
  }
  for (const n of c.nodes) {
    const inv = n.vol?.publishInversions().get(lba);
    if (inv !== undefined && inv.lsn < w.ackLSN && inv.over >= w.ackLSN) return ` (${publishInversion(n, [lba])})`;
  }
  for (const n of c.nodes) {
    const p = n.vol?.passedUnpublished().get(lba);
    if (p !== undefined && p.lsn === w.ackLSN) return ` (${n.name} appended LSN ${p.lsn} but had not yet published it to its dirty map when a flush took its dirty-map snapshot; that flush then set the checkpoint to ${p.checkpoint} and advanced the WAL tail past it: WriteLBA publishes after releasing shipMu (blockvol.go) and flusher.go flushOnceLocked takes checkpoint and tail from its dirty-map snapshot's max LSN, so the entry's WAL space was reclaimed and reused while the dirty map still pointed there, and the block reads the older extent data: finding H11, checkpoint form)`;
  }
  return null;
}

/**
 * H11 on `n` at one of `lbas`: its last dirty-map publication there was of an older LSN than one
 * published before it (two writes' Puts after shipMu ran in the opposite order of their LSNs), so
 * it serves and flushes the older data, while a replica applying in LSN order holds the newer.
 */
export function publishInversion(n: VolumeNode | undefined, lbas: readonly number[]): string | null {
  const inv = n?.vol?.publishInversions();
  if (n === undefined || inv === undefined || inv.size === 0) return null;
  const lba = lbas.find((l) => inv.has(l));
  if (lba === undefined) return null;
  const { lsn, over } = inv.get(lba)!;
  return `${n.name}'s dirty map maps LBA ${lba} to LSN ${lsn}, published after LSN ${over} for the same block: WriteLBA publishes to the dirty map after releasing shipMu (blockvol.go) and dirty_map.go Put overwrites unconditionally, so two overlapping writes published in the opposite order of their LSNs leave the older data served and flushed: finding H11`;
}

/**
 * Did server `id` burn `lsn` (H1)? Its WAL shows the hole above the checkpoint, or its record of
 * burned LSNs keeps it after a restart or a flush passed it.
 */
export function burnedAt(c: Cluster, id: string, lsn: number): boolean {
  const n = c.nodes.find((x) => x.serverID === id);
  return n !== undefined && (n.walGap(lsn) === 'hole' || n.burnedLSNs().includes(lsn));
}

/**
 * H47: a deposed primary still serving as one (its step-down waits for in-flight writes to drain)
 * whose WAL is wedged — nothing dirty, so no flush frees space, and no room for one more entry —
 * so every write that passed the gate waits out the WAL-full timeout, one after another, and the
 * drain runs out before they end.
 */
export function wedgedDeposedPrimary(n: VolumeNode): string | null {
  if (n.role !== 'primary' || n.vol === null || !n.vol.walWedged()) return null;
  return ` (it is still primary: its WAL is wedged — the dirty map is empty, so no flush will free the WAL, and not one more entry fits. A flush held by a retention floor does this: flusher.go flushOnceLocked deletes the flushed entries from the dirty map but keeps checkpoint and tail at the floor, and once the hold is gone it returns early on an empty dirty map. Every write that passed the gate waits out WALFullTimeout in turn (${n.opsOutstanding} in flight), so the demotion's drain (promotion.go demote, ErrDrainTimeout) never completes: finding H47)`;
}

/**
 * The LSN the replica's receiver waits for, when no server ever appended it though the primary's
 * head is past it: burned (H1). The primary's WAL no longer shows the hole once its flusher passed
 * it (walGap looks above the checkpoint only); the lineage record still does.
 */
export function burnedNext(c: Cluster, p: VolumeNode, rx: VolumeNode['receiver']): number | null {
  if (rx === null) return null;
  const next = rx.receivedLSN() + 1;
  return next <= (p.vol?.headLSN() ?? 0) && c.neverAppended(next) ? next : null;
}
