// Storage invariants of spec §12.5 as named checks the simulator calls after every step:
//   W1  LSN order in a WAL (candidate: H1; H2 also opens a gap)              checkW1(vol)
//   W3  storage half: every LSN <= f is durable (recover a copy of the durable media)
//                                                                            verifyDurableThrough(...), durableHeadLSN(disk)
//   W9  retention floor honoured                                             new W9RetentionFloor().observe(vol, floors)
//   W10 checkpoint soundness (candidate: H2, H11; HS4 with an oracle)        new W10Checkpoint().observe(vol, oracle?)
//   W11 truncation safety / one truth after TruncateToLSN                   new W11Truncation().observe(vol, oracle)
//   W12 install convergence after RebuildInstaller.Commit                    new W12Install().observe(vol)
//   W13 split boundary fixed before copy (full-extent export)                checkW13(export, oracle)
//   B32-RES flush buffers <= distinct WAL entries                            checkFlushBuffers(vol)
// Each returns CheckFailure | null; stateful checks keep the previous observation (create one
// per volume instance: a reopened volume is a new instance). Candidate failures carry
// `candidate: true` (the target is expected to violate them via the named hazard).
// All reads are inspection reads (Disk.peek): checking never consumes a chooser decision.

import { uncounted } from '../../marks/index.ts';
import { StorageError } from '../errors.ts';
import { bytesEqual, type ContentOracle, firstDiffBlock, imageAt, reflectsThrough } from './reference_model.ts';
import { SimDisk } from '../sim_disk.ts';
import type { FullExtentExport } from './snapshot_export.ts';
import { BlockVolume, type TuningOptions } from './volume.ts';
import type { ResetRecord } from './volume_state.ts';
import type { WALRecord } from './wal_writer.ts';

export interface CheckFailure {
  readonly id: string;
  readonly message: string;
  /** Set on failures of candidate invariants (spec §12.5 "(candidate: ...)"). */
  readonly candidate?: true;
}

export interface CheckInfo {
  readonly id: string;
  readonly title: string;
  readonly candidate: boolean;
  readonly hazards: readonly string[];
}

export const STORAGE_CHECKS: Readonly<Record<string, CheckInfo>> = {
  W1: { id: 'W1', title: 'LSN order in a WAL: strictly increasing, contiguous above the checkpoint', candidate: true, hazards: ['H1', 'H2'] },
  W3: { id: 'W3', title: 'every LSN <= f is durable on the disk (storage half)', candidate: false, hazards: ['H3'] },
  W9: { id: 'W9', title: 'retention floor honoured: nothing above a live floor is reclaimed', candidate: false, hazards: ['H2'] },
  W10: { id: 'W10', title: 'checkpoint soundness: extent reflects the checkpoint, no regression except resets', candidate: true, hazards: ['H2', 'H11', 'HS4'] },
  W11: { id: 'W11', title: 'TruncateToLSN leaves one truth at t', candidate: false, hazards: [] },
  W12: { id: 'W12', title: 'RebuildInstaller.Commit(s) leaves one truth at s-1', candidate: false, hazards: [] },
  W13: { id: 'W13', title: 'full-extent export reflects every LSN < snapshotLSN', candidate: false, hazards: ['H11'] },
  'B32-RES': { id: 'B32-RES', title: 'flush reads at most one buffer per distinct WAL entry', candidate: false, hazards: [] },
};

function fail(id: string, message: string): CheckFailure {
  return STORAGE_CHECKS[id]?.candidate ? { id, message, candidate: true } : { id, message };
}

/** W1: WAL entries [tail, head) have strictly increasing LSNs; above the live checkpoint they are exactly checkpoint+1..head (minus in-flight LSNs). */
export function checkW1(vol: BlockVolume): CheckFailure | null {
  const recs = vol.walRecords();
  if (recs instanceof StorageError) return null;
  let prev = 0;
  for (const r of recs) {
    if (r.entry.lsn <= prev) return fail('W1', `WAL LSN ${r.entry.lsn} at logical ${r.logical} not above previous ${prev}`);
    prev = r.entry.lsn;
  }
  const cp = vol.checkpointLSN();
  const inFlight = vol.inFlightLSNs();
  let expect = cp + 1;
  for (const r of recs) {
    if (r.entry.lsn <= cp) continue;
    while (inFlight.includes(expect)) expect++;
    if (r.entry.lsn !== expect) {
      const lowered = vol.checkpointLowering();
      const why = lowered !== null && lowered.to === cp && expect <= lowered.from ? ` (H2: a flush under a retention hold lowered the checkpoint from ${lowered.from} to ${cp} after the entries up to ${lowered.from} were reclaimed)` : '';
      return fail('W1', `WAL gap: expected LSN ${expect} above checkpoint ${cp}, found ${r.entry.lsn}${why}`);
    }
    expect++;
  }
  while (inFlight.includes(expect)) expect++;
  if (expect <= vol.headLSN()) return fail('W1', `WAL gap: LSNs ${expect}..${vol.headLSN()} counted in head but absent from the WAL (checkpoint ${cp})`);
  return null;
}

/**
 * A copy of `disk`'s durable bytes (every unsynced write lost) opened as after a crash now:
 * superblock, then WAL recovery. Its marks are not counted: a check running recovery code is not
 * the simulated system reaching it.
 */
function openDurable(disk: { durableBytes(): Uint8Array }, opts: TuningOptions = {}): BlockVolume | StorageError {
  return uncounted(() => BlockVolume.open(SimDisk.fromImage(disk.durableBytes()), opts));
}

/**
 * W3 ground truth for a replica: the head LSN a crash now would leave on `disk`, against which
 * its flushedLSN (its own claim) is judged; null when the durable image does not open.
 */
export function durableHeadLSN(disk: { durableBytes(): Uint8Array }): number | null {
  const vol = openDurable(disk);
  return vol instanceof StorageError ? null : vol.headLSN();
}

/**
 * W3 (storage half): recover a copy of the disk's durable bytes (as after a crash losing every
 * unsynced write) and verify the recovered head is >= f and every block reflects all writes
 * <= f of `oracle` (the disk's own lineage; a later version up to the recovered head is allowed).
 */
export function verifyDurableThrough(disk: { durableBytes(): Uint8Array }, f: number, oracle: ContentOracle, opts: TuningOptions = {}): CheckFailure | null {
  const vol = openDurable(disk, opts);
  if (vol instanceof StorageError) return fail('W3', `durable image does not open: ${vol.message}`);
  const h = vol.headLSN();
  if (h < f) return fail('W3', `durable head ${h} < required ${f}`);
  const img = vol.readImage();
  if (img instanceof StorageError) return fail('W3', `durable image unreadable: ${img.message}`);
  const bs = oracle.blockSize;
  for (let lba = 0; lba < oracle.numBlocks; lba++) {
    if (!reflectsThrough(oracle, lba, img.subarray(lba * bs, (lba + 1) * bs), f, h)) return fail('W3', `LBA ${lba} on durable media does not reflect LSN ${f}`);
  }
  return null;
}

export interface FloorInputs {
  /** startLSN of every live WAL or snapshot hold. */
  readonly holds: readonly number[];
  /** replicaFlushedLSN of every shipper with flushed progress that is not NeedsRebuild. */
  readonly shipperFlushed: readonly number[];
}

/** W9: with a live floor F, entries > F present at the previous observation stay in the WAL, and ScanFrom(F+1) does not become recycled. */
export class W9RetentionFloor {
  /** The WAL records at the previous observation (walRecords() values are never modified). */
  private prevRecs: readonly WALRecord[] | null = null;
  private prevFloor: number | null = null;
  private prevCheckpoint = 0;
  private prevResets = 0;

  observe(vol: BlockVolume, floors: FloorInputs): CheckFailure | null {
    const recs = vol.walRecords();
    if (recs instanceof StorageError) return null;
    const floor = lowest(floors.holds, lowest(floors.shipperFlushed, null));
    const resets = vol.resetLog().length;
    const cp = vol.checkpointLSN();
    let failure: CheckFailure | null = null;
    if (floor !== null && this.prevFloor !== null && this.prevFloor <= floor && resets === this.prevResets) {
      const lsn = this.prevRecs === null ? null : firstReclaimed(this.prevRecs, recs, floor);
      if (lsn !== null) failure = fail('W9', `LSN ${lsn} above floor ${floor} was reclaimed from the WAL`);
      if (!failure && cp > 0 && floor + 1 <= cp && this.prevCheckpoint < floor + 1)
        failure = fail('W9', `checkpoint ${cp} passed the floor ${floor}: ScanFrom(${floor + 1}) is now ErrWALRecycled`);
    }
    this.prevRecs = recs;
    this.prevFloor = floor;
    this.prevCheckpoint = cp;
    this.prevResets = resets;
    return failure;
  }
}

/** The smallest of `xs` and `start` (null: none). */
function lowest(xs: readonly number[], start: number | null): number | null {
  let min = start;
  for (const x of xs) if (min === null || x < min) min = x;
  return min;
}

/**
 * The first LSN above `floor` (in WAL order) of `prev` that no record of `now` carries, or null.
 * Records the WAL cache kept are the same objects in both lists, in the same order: those are
 * found by identity, walking `now` along; from the first other one on, the LSN set of `now` answers.
 */
function firstReclaimed(prev: readonly WALRecord[], now: readonly WALRecord[], floor: number): number | null {
  let present: Set<number> | null = null;
  let at = -1; // index in `now` of the last record found by identity
  for (const r of prev) {
    const lsn = r.entry.lsn;
    if (lsn <= floor) continue;
    const next = present !== null ? -1 : at < 0 ? now.indexOf(r) : now[at + 1] === r ? at + 1 : -1;
    if (next >= 0) { at = next; continue; }
    present ??= new Set(now.map((x) => x.entry.lsn));
    if (!present.has(lsn)) return lsn;
  }
  return null;
}

/** W10: extent reflects every LSN <= persisted checkpoint; live == persisted after resets; checkpoints never regress otherwise. */
/** Names H2 when the regression is a flush cycle that set the checkpoint to a retention floor. */
function holdLoweringNote(vol: BlockVolume, from: number, to: number): string {
  const l = vol.checkpointLowering();
  return l !== null && l.from === from && l.to === to ? ` (H2: a flush under a retention hold set it to the hold's floor ${to})` : '';
}

export class W10Checkpoint {
  private prevLive: number | null = null;
  private prevPersisted: number | null = null;
  private prevResets = 0;

  observe(vol: BlockVolume, oracle?: ContentOracle): CheckFailure | null {
    const live = vol.checkpointLSN();
    const persisted = vol.persistedCheckpointLSN();
    const log = vol.resetLog();
    let failure: CheckFailure | null = null;
    if (log.length !== this.prevResets) {
      const rec = log[log.length - 1]!;
      if (rec.liveCheckpoint !== rec.persistedCheckpoint)
        failure = fail('W10', `after ${rec.kind} the live checkpoint ${rec.liveCheckpoint} != superblock checkpoint ${rec.persistedCheckpoint}`);
    } else if (this.prevLive !== null && this.prevPersisted !== null) {
      if (live < this.prevLive) failure = fail('W10', `live checkpoint regressed ${this.prevLive} -> ${live} without a reset${holdLoweringNote(vol, this.prevLive, live)}`);
      else if (persisted < this.prevPersisted) failure = fail('W10', `superblock checkpoint regressed ${this.prevPersisted} -> ${persisted} without a reset`);
    }
    if (!failure && oracle) {
      const ext = vol.readExtent();
      if (!(ext instanceof StorageError)) {
        const bs = oracle.blockSize;
        const head = vol.headLSN();
        for (let lba = 0; lba < oracle.numBlocks; lba++) {
          if (!reflectsThrough(oracle, lba, ext.subarray(lba * bs, (lba + 1) * bs), persisted, head)) {
            failure = fail('W10', `extent LBA ${lba} does not reflect checkpoint ${persisted}`);
            break;
          }
        }
      }
    }
    this.prevLive = live;
    this.prevPersisted = persisted;
    this.prevResets = log.length;
    return failure;
  }
}

/** After the latest reset, no WAL or dirty entry may predate it (lasting "one truth" check). */
function staleAfterReset(vol: BlockVolume, rec: ResetRecord, id: string): CheckFailure | null {
  const bound = rec.kind === 'truncate' ? rec.lsn : rec.lsn - 1; // entries must be in (bound, nextLSN)
  const next = vol.nextLSN();
  const recs = vol.walRecords();
  if (!(recs instanceof StorageError)) {
    // An apply suspended between its append and its nextLSN CAS is not stale.
    const applying = vol.applyingLSNs();
    const stale = recs.find((r) => r.entry.lsn <= bound || (r.entry.lsn >= next && !applying.includes(r.entry.lsn)));
    if (stale) return fail(id, `after ${rec.kind}(${rec.lsn}) the WAL holds LSN ${stale.entry.lsn} outside (${bound}, ${next})`);
  }
  const d = vol.dirtyEntries().find((e) => e.lsn <= bound || e.lsn >= next);
  if (d) return fail(id, `after ${rec.kind}(${rec.lsn}) the dirty map holds LSN ${d.lsn} outside (${bound}, ${next}) at LBA ${d.lba}`);
  if (vol.nextLSN() <= bound) return fail(id, `after ${rec.kind}(${rec.lsn}) nextLSN ${vol.nextLSN()} <= ${bound}`);
  return null;
}

function lastOfKind(vol: BlockVolume, kind: 'truncate' | 'install'): ResetRecord | null {
  const log = vol.resetLog();
  const last = log[log.length - 1];
  return last && last.kind === kind ? last : null;
}

/** W11: every TruncateToLSN(t) that succeeded checked checkpoint == t under the locks and left WAL/dirty empty, checkpoints t, nextLSN t+1, receivedLSN t and the content at t. */
export class W11Truncation {
  private seen = 0;

  /** Without an `oracle` the content at t is not compared (the cluster compares content end to end: E1, E2). */
  observe(vol: BlockVolume, oracle?: ContentOracle): CheckFailure | null {
    const log = vol.resetLog();
    for (; this.seen < log.length; this.seen++) {
      const r = log[this.seen]!;
      if (r.kind !== 'truncate') continue;
      const t = r.lsn;
      if (r.checkpointAtReset !== t) return fail('W11', `truncate(${t}) reset the WAL with superblock checkpoint ${r.checkpointAtReset} != ${t}`);
      if (!r.walEmpty || !r.dirtyEmpty) return fail('W11', `truncate(${t}) left WAL empty=${r.walEmpty} dirty empty=${r.dirtyEmpty}`);
      if (r.liveCheckpoint !== t || r.persistedCheckpoint !== t) return fail('W11', `truncate(${t}) left checkpoints live ${r.liveCheckpoint} / superblock ${r.persistedCheckpoint}`);
      if (r.nextLSN !== t + 1) return fail('W11', `truncate(${t}) left nextLSN ${r.nextLSN}`);
      if (r.receivedLSNSet !== null && r.receivedLSNSet !== t) return fail('W11', `truncate(${t}) set receivedLSN ${r.receivedLSNSet}`);
      if (oracle === undefined) continue;
      const want = imageAt(oracle, t);
      if (!bytesEqual(r.image, want)) return fail('W11', `after truncate(${t}) LBA ${firstDiffBlock(r.image, want, oracle.blockSize)} differs from the content at LSN ${t}`);
    }
    const last = lastOfKind(vol, 'truncate');
    return last ? staleAfterReset(vol, last, 'W11') : null;
  }
}

/** W12: every Commit(s) left nextLSN s, checkpoints s-1, receivedLSN s-1, WAL and dirty map empty; nothing older than s survives. */
export class W12Install {
  private seen = 0;

  observe(vol: BlockVolume): CheckFailure | null {
    const log = vol.resetLog();
    for (; this.seen < log.length; this.seen++) {
      const r = log[this.seen]!;
      if (r.kind !== 'install') continue;
      const s = r.lsn;
      const cp = s > 0 ? s - 1 : 0;
      if (r.nextLSN !== s) return fail('W12', `commit(${s}) left nextLSN ${r.nextLSN}`);
      if (r.liveCheckpoint !== cp || r.persistedCheckpoint !== cp) return fail('W12', `commit(${s}) left checkpoints live ${r.liveCheckpoint} / superblock ${r.persistedCheckpoint}`);
      if (r.receivedLSNSet !== null && r.receivedLSNSet !== cp) return fail('W12', `commit(${s}) set receivedLSN ${r.receivedLSNSet}`);
      if (!r.walEmpty || !r.dirtyEmpty) return fail('W12', `commit(${s}) left WAL empty=${r.walEmpty} dirty empty=${r.dirtyEmpty}`);
    }
    const last = lastOfKind(vol, 'install');
    return last ? staleAfterReset(vol, last, 'W12') : null;
  }
}

/** W13: a full-extent export with snapshotLSN n reflects every LSN <= n-1 of the oracle. */
export function checkW13(exp: FullExtentExport, oracle: ContentOracle, highLSN = Number.MAX_SAFE_INTEGER): CheckFailure | null {
  const bs = oracle.blockSize;
  const img = new Uint8Array(bs * oracle.numBlocks);
  let off = 0;
  for (const c of exp.chunks) {
    img.set(c.subarray(0, Math.max(0, Math.min(c.length, img.length - off))), off);
    off += c.length;
  }
  if (off !== img.length) return fail('W13', `export carries ${off} bytes, volume has ${img.length}`);
  const n = exp.snapshotLSN;
  for (let lba = 0; lba < oracle.numBlocks; lba++) {
    if (!reflectsThrough(oracle, lba, img.subarray(lba * bs, (lba + 1) * bs), n - 1, highLSN))
      return fail('W13', `exported LBA ${lba} does not reflect LSN ${n - 1} (snapshotLSN ${n})`);
  }
  return null;
}

/** B32 resource check: flushes read at most one buffer per distinct WAL entry. */
export function checkFlushBuffers(vol: BlockVolume): CheckFailure | null {
  const s = vol.flushStats();
  return s.buffersRead > s.distinctEntries ? fail('B32-RES', `flushes read ${s.buffersRead} WAL buffers for ${s.distinctEntries} distinct entries`) : null;
}

