// BlockVolume: the blockvol block device over a Disk (spec §10.1-§10.4, §10.9, §10.10).
// Layout: [superblock 4096 B][WAL walSize B][extent blockSize*numBlocks B]. Public facade over
// VolumeState; the multi-step operations are generators (`*writeSteps`, `*flushSteps`,
// `*truncateSteps`, `*syncSteps`, ...) yielding a label at every lock boundary and between I/O
// steps, each with a run-to-completion wrapper (`writeLBA`, `flushOnce`, `truncateToLSN`, ...)
// driving the same generator. `open` is crash recovery. Hazards H1, H2, H11 are kept (target
// behaviour); storage bug switches are in bugs.ts; the checks of spec §12.5 are in checks.ts.
// Satisfies the engine's BlockVolReader (readState) contract; pinner() gives the BlockVolPinner.

import type { BlockVolState } from '../../engine/adapter.ts';
import type { Disk } from '../disk.ts';
import { DirtyMap } from './dirty_map.ts';
import { bugOn, type StorageBugSwitches } from './bugs.ts';
import { ERR_BAD_SUPERBLOCK, ERR_OUT_OF_BOUNDS, StorageError, storageErr, diskErr } from '../errors.ts';
import { flushSteps } from './flusher.ts';
import { newVolumeLocks, runOrBusy, type StepLabel, type Steps, type VolumeLocks } from './locks.ts';
import { Pinner } from './pinner.ts';
import { readBlocks, readExtent, readImage } from './read_path.ts';
import { RebuildInstaller } from './rebuild_installer.ts';
import { recoverWAL, type RecoveryResult } from './recovery.ts';
import { exportFullExtentSteps, exportSnapshotSteps, type FullExtentExport, type SnapshotExport } from './snapshot_export.ts';
import {
  decodeSuperblock,
  encodeSuperblock,
  newSuperblock,
  SUPERBLOCK_ENCODED_SIZE,
  SUPERBLOCK_REGION,
  validateSuperblock,
} from './superblock.ts';
import { persistSuperblockSteps } from './superblock_persist.ts';
import { truncateSteps } from './truncate.ts';
import { WAL_ENTRY_HEADER_SIZE, type WALEntry } from './wal_entry.ts';
import { type ScanFn, WALWriter, type WALRecord } from './wal_writer.ts';
import { isTrackedDisk, WALRecordCache } from './wal_record_cache.ts';
import { appendReplicaEntrySteps, checkBounds, type WriteResult, writeGate, writeSteps } from './write_path.ts';
import {
  type FloorFn,
  type FloorResult,
  type Geometry,
  ownerName,
  type CheckpointLowering,
  type ReceiverHooks,
  type ResetRecord,
  retentionFloor,
  type VolumeRole,
  type VolumeState,
  type VolumeTunables,
} from './volume_state.ts';
import { M, mark } from '../../marks/index.ts';

export type { FloorFn, FloorResult, Geometry, ReceiverHooks, ResetRecord, VolumeRole, WriteResult };

/** Spec §10.9: what the engine sees (BlockVolReader.ReadState) — the engine's own type. */
export type { BlockVolState };

export interface TuningOptions {
  readonly bugs?: StorageBugSwitches;
  readonly walFullRetries?: number;
  readonly rebuildApplyRetries?: number;
  readonly exportChunkSize?: number;
  /** Zero stale WAL bytes on resets and after recovery (hardening against HS1/HS3; default off). */
  readonly scrubStaleWAL?: boolean;
}

export interface CreateOptions extends TuningOptions {
  readonly blockSize: number;
  readonly numBlocks: number;
  readonly walSize: number;
  /** 0 best_effort, 1 sync_all, 2 sync_quorum. */
  readonly durabilityMode?: number;
}

/** Disk bytes a volume of this geometry needs. */
export function volumeDiskSize(g: { blockSize: number; numBlocks: number; walSize: number }): number {
  return SUPERBLOCK_REGION + g.walSize + g.blockSize * g.numBlocks;
}

function tunables(o: TuningOptions): VolumeTunables {
  return { walFullRetries: o.walFullRetries ?? 8, rebuildApplyRetries: o.rebuildApplyRetries ?? 100, exportChunkSize: o.exportChunkSize ?? 65536, scrubStaleWAL: o.scrubStaleWAL ?? false };
}

function geometryOf(blockSize: number, volumeSize: number, walSize: number): Geometry {
  return { blockSize, numBlocks: volumeSize / blockSize, volumeSize, walOffset: SUPERBLOCK_REGION, walSize, extentOffset: SUPERBLOCK_REGION + walSize };
}

export class BlockVolume {
  private readonly v: VolumeState;
  private pinnerInstance: Pinner | null = null;
  private lastRecovery: RecoveryResult | null = null;
  /** walRecords() decoded incrementally; null on a disk that does not report its changes. */
  private readonly walCache: WALRecordCache | null;

  private constructor(v: VolumeState) {
    this.v = v;
    this.walCache = isTrackedDisk(v.disk) ? new WALRecordCache(v.disk, v.wal) : null;
  }

  /** Format a new volume on `disk` (superblock written and fsynced; nextLSN = 1). */
  static create(disk: Disk, o: CreateOptions): BlockVolume | StorageError {
    if (!(o.blockSize > 0 && o.numBlocks > 0 && Number.isSafeInteger(o.blockSize * o.numBlocks)))
      return storageErr(ERR_BAD_SUPERBLOCK, 'blockvol: bad geometry');
    if (o.walSize < WAL_ENTRY_HEADER_SIZE + o.blockSize) return storageErr(ERR_BAD_SUPERBLOCK, `blockvol: WAL size ${o.walSize} cannot hold one entry`);
    if (disk.size() < volumeDiskSize(o)) return storageErr(ERR_OUT_OF_BOUNDS, `blockvol: disk of ${disk.size()} B < ${volumeDiskSize(o)} B needed`);
    const sb = newSuperblock(o.blockSize, o.blockSize * o.numBlocks, o.walSize, o.durabilityMode ?? 1);
    const werr = disk.write(0, encodeSuperblock(sb));
    if (werr) return diskErr('create: write superblock', werr);
    const serr = disk.fsync();
    if (serr) return diskErr('create: fsync', serr);
    return new BlockVolume(BlockVolume.state(disk, sb, o, 0, 0, 1));
  }

  /** Open an existing volume: read + validate the superblock, then crash recovery (RecoverWAL). */
  static open(disk: Disk, o: TuningOptions = {}): BlockVolume | StorageError {
    const raw = disk.read(0, SUPERBLOCK_ENCODED_SIZE);
    if (!(raw instanceof Uint8Array)) return diskErr('open: read superblock', raw);
    const sb = decodeSuperblock(raw);
    const bad = validateSuperblock(sb);
    if (bad) return bad;
    if (disk.size() < SUPERBLOCK_REGION + sb.walSize + sb.volumeSize) return storageErr(ERR_OUT_OF_BOUNDS, 'blockvol: disk smaller than the superblock geometry');
    const v = BlockVolume.state(disk, sb, o, sb.walHead, sb.walTail, 1);
    const rec = recoverWAL(sb, v.wal, v.dirty);
    if (rec instanceof StorageError) return rec;
    v.wal.setPositions(rec.head, sb.walTail);
    if (v.tun.scrubStaleWAL) {
      const serr = v.wal.zeroFreeSpace();
      if (serr) return serr;
    }
    v.nextLSN = Math.max(sb.walCheckpointLSN + 1, rec.highestLSN + 1);
    v.flusherCheckpoint = sb.walCheckpointLSN;
    const vol = new BlockVolume(v);
    vol.lastRecovery = rec;
    return vol;
  }

  private static state(disk: Disk, sb: ReturnType<typeof newSuperblock>, o: TuningOptions, head: number, tail: number, nextLSN: number): VolumeState {
    const geo = geometryOf(sb.blockSize, sb.volumeSize, sb.walSize);
    return {
      disk,
      geo,
      wal: new WALWriter(disk, geo.walOffset, geo.walSize, head, tail),
      dirty: new DirtyMap(geo.numBlocks),
      publishedLSN: new Float64Array(geo.numBlocks),
      publishInversions: new Map(),
      unpublished: new Map(),
      passedUnpublished: new Map(),
      locks: newVolumeLocks(),
      bugs: o.bugs ?? {},
      tun: tunables(o),
      sb,
      nextLSN,
      flusherCheckpoint: sb.walCheckpointLSN,
      role: 'none',
      masterEpoch: sb.epoch,
      leaseValid: true,
      closed: false,
      shipperFloor: null,
      v2Floor: null,
      shipHooks: [],
      receiverHooks: null,
      retentionBudgetHook: null,
      opSeq: 0,
      flushBuffersRead: 0,
      flushDistinctEntries: 0,
      holdLowering: null,
      resets: [],
      inFlight: [],
      burned: [],
      applying: [],
    };
  }

  // ---- identity, epoch and write gate -------------------------------------------------------

  geometry(): Geometry {
    return this.v.geo;
  }

  epoch(): number {
    return this.v.sb.epoch;
  }

  /** Persist a new epoch in the superblock (write + fsync under superMu). */
  setEpoch(e: number): StorageError | null {
    return this.run(this.setEpochSteps(e));
  }

  *setEpochSteps(e: number): Steps<StorageError | null> {
    return yield* persistSuperblockSteps(this.v, ownerName(this.v, 'epoch'), (sb) => {
      sb.epoch = e;
    });
  }

  /** The write gate as it stands now (role, epoch == master epoch, lease): null when writes may pass. */
  writeGate(): StorageError | null {
    return writeGate(this.v);
  }

  role(): VolumeRole {
    return this.v.role;
  }

  setRole(r: VolumeRole): void {
    this.v.role = r;
  }

  masterEpoch(): number {
    return this.v.masterEpoch;
  }

  setMasterEpoch(e: number): void {
    this.v.masterEpoch = e;
  }

  setLease(valid: boolean): void {
    this.v.leaseValid = valid;
  }

  close(): void {
    this.v.closed = true;
  }

  isClosed(): boolean {
    return this.v.closed;
  }

  // ---- LSNs and checkpoints ------------------------------------------------------------------

  nextLSN(): number {
    return this.v.nextLSN;
  }

  /** nextLSN - 1 (0 when nextLSN is 0 after Commit(0); Go would wrap). */
  headLSN(): number {
    return this.v.nextLSN > 0 ? this.v.nextLSN - 1 : 0;
  }

  /** The flusher's live, in-memory checkpoint. */
  checkpointLSN(): number {
    return this.v.flusherCheckpoint;
  }

  /** super.WALCheckpointLSN (the in-memory superblock, as last persisted by this process). */
  persistedCheckpointLSN(): number {
    return this.v.sb.walCheckpointLSN;
  }

  /** Go's flusher.SetCheckpointLSN: overwrite the live checkpoint. */
  setCheckpointLSN(x: number): void {
    this.v.flusherCheckpoint = x;
  }

  // ---- write / trim / read -------------------------------------------------------------------

  *writeSteps(lba: number, data: Uint8Array): Steps<WriteResult> {
    return yield* writeSteps(this.v, { kind: 'write', lba, data });
  }

  writeLBA(lba: number, data: Uint8Array): WriteResult {
    return this.run(this.writeSteps(lba, data), (err) => ({ lsn: 0, err }));
  }

  *trimSteps(lba: number, bytes: number): Steps<WriteResult> {
    return yield* writeSteps(this.v, { kind: 'trim', lba, bytes });
  }

  trim(lba: number, bytes: number): WriteResult {
    return this.run(this.trimSteps(lba, bytes), (err) => ({ lsn: 0, err }));
  }

  readLBA(lba: number, bytes: number): { data: Uint8Array; err: null } | { data: null; err: StorageError } {
    const bad = checkBounds(this.v, lba, bytes);
    if (bad) return { data: null, err: bad };
    const r = readBlocks(this.v, lba, bytes / this.v.geo.blockSize);
    return r instanceof StorageError ? { data: null, err: r } : { data: r, err: null };
  }

  /** Register a ShipAll hook, called under shipMu after every successful primary append. */
  onShip(fn: (entry: WALEntry) => void): () => void {
    this.v.shipHooks.push(fn);
    return () => {
      const i = this.v.shipHooks.indexOf(fn);
      if (i >= 0) this.v.shipHooks.splice(i, 1);
    };
  }

  /** Local group-commit sync: fsync, then persist the WAL head in the superblock. */
  syncLocal(): StorageError | null {
    return this.run(this.syncSteps());
  }

  *syncSteps(): Steps<StorageError | null> {
    const owner = ownerName(this.v, 'sync');
    const err = this.v.disk.fsync();
    if (err) return mark(M.storage_sync_disk_error), diskErr('sync', err);
    yield 'sync:fsynced';
    return yield* persistSuperblockSteps(this.v, owner, (sb) => {
      sb.walHead = this.v.wal.head();
    });
  }

  // ---- scans -----------------------------------------------------------------------------------

  /** ScanFrom with the live flusher checkpoint as the recycled boundary (catch-up, rebuild server). */
  scanFrom(fromLSN: number, fn: ScanFn): StorageError | null {
    return this.v.wal.scanFrom(this.v.flusherCheckpoint, fromLSN, fn);
  }

  /** ScanWALEntries: boundary = persisted superblock checkpoint (B20: the live one). */
  scanWALEntries(fromLSN: number, fn: ScanFn): StorageError | null {
    const boundary = bugOn(this.v.bugs, 'B20') ? this.v.flusherCheckpoint : this.v.sb.walCheckpointLSN;
    return this.v.wal.scanFrom(boundary, fromLSN, fn);
  }

  // ---- replica side ----------------------------------------------------------------------------

  *appendReplicaEntrySteps(entry: WALEntry, admit?: () => boolean): Steps<StorageError | null> {
    return yield* appendReplicaEntrySteps(this.v, entry, this.v.tun.walFullRetries, admit);
  }

  /**
   * Replica apply, run to completion now: under ioMu shared `admit` (the receiver's checks), then
   * WAL append + dirty map + CAS-advance nextLSN; `done` gets the result (the port's shape).
   */
  appendReplicaEntry(entry: WALEntry, admit: () => boolean, done: (err: StorageError | null) => void): void {
    done(this.run(this.appendReplicaEntrySteps(entry, admit)));
  }

  *applyRebuildEntrySteps(entry: WALEntry): Steps<StorageError | null> {
    return yield* appendReplicaEntrySteps(this.v, entry, this.v.tun.rebuildApplyRetries);
  }

  /** ApplyRebuildEntry: like appendReplicaEntry, retrying up to 100 times on WAL full. */
  applyRebuildEntry(entry: WALEntry): StorageError | null {
    return this.run(this.applyRebuildEntrySteps(entry));
  }

  setReceiverHooks(h: ReceiverHooks | null): void {
    this.v.receiverHooks = h;
  }

  *truncateSteps(t: number): Steps<StorageError | null> {
    return yield* truncateSteps(this.v, t);
  }

  truncateToLSN(t: number): StorageError | null {
    return this.run(this.truncateSteps(t));
  }

  newRebuildInstaller(): RebuildInstaller {
    return new RebuildInstaller(this.v);
  }

  /** V1 rebuild (rebuild.go rebuildFullExtent): the same chunk writer, finished with commitV1. */
  newV1ExtentInstaller(): RebuildInstaller {
    return new RebuildInstaller(this.v);
  }

  /** V1 syncLSNAfterRebuild's CAS loop: nextLSN := max(nextLSN, lsn) (never lowers it). */
  advanceNextLSN(lsn: number): void {
    if (lsn > this.v.nextLSN) this.v.nextLSN = lsn;
  }

  // ---- flusher -----------------------------------------------------------------------------------

  *flushSteps(): Steps<StorageError | null> {
    return yield* flushSteps(this.v);
  }

  flushOnce(): StorageError | null {
    return this.run(this.flushSteps());
  }

  /** ForceFlush: one flush cycle now. */
  forceFlush(): StorageError | null {
    return this.flushOnce();
  }

  *exportFullExtentSteps(): Steps<FullExtentExport | StorageError> {
    return yield* exportFullExtentSteps(this.v);
  }

  exportFullExtent(): FullExtentExport | StorageError {
    return this.run(this.exportFullExtentSteps());
  }

  *exportSnapshotSteps(baseLSN: number): Steps<SnapshotExport | StorageError> {
    return yield* exportSnapshotSteps(this.v, baseLSN);
  }

  exportSnapshot(baseLSN: number): SnapshotExport | StorageError {
    return this.run(this.exportSnapshotSteps(baseLSN));
  }

  // ---- V2 status, floors, pins ------------------------------------------------------------------

  statusSnapshot(): BlockVolState {
    const head = this.headLSN();
    const cp = this.v.sb.walCheckpointLSN;
    return {
      walHeadLSN: head,
      walTailLSN: bugOn(this.v.bugs, 'B20') ? this.v.wal.physicalTail() : cp,
      committedLSN: head,
      checkpointLSN: cp,
      checkpointTrusted: validateSuperblock(this.v.sb) === null,
    };
  }

  /** BlockVolReader.ReadState. */
  readState(): BlockVolState {
    return this.statusSnapshot();
  }

  setShipperFloorFn(fn: FloorFn | null): void {
    this.v.shipperFloor = fn;
  }

  /** Hook run by each flush just before the floor is read (the shipper group's EvaluateRetentionBudgets). */
  setRetentionBudgetHook(fn: (() => void) | null): void {
    this.v.retentionBudgetHook = fn;
  }

  setV2RetentionFloor(fn: FloorFn | null): void {
    this.v.v2Floor = fn;
  }

  /** The chained floor the flusher uses (min of shipper and V2 floors). */
  retentionFloor(): FloorResult {
    return retentionFloor(this.v);
  }

  /** The registered v2bridge pinner (the last `new Pinner(vol)`), created and registered on first use. */
  pinner(): Pinner {
    if (!this.pinnerInstance) this.pinnerInstance = new Pinner(this);
    return this.pinnerInstance;
  }

  adoptPinner(p: Pinner): void {
    this.pinnerInstance = p;
  }

  // ---- views for checks, traces and tests -------------------------------------------------------

  locks(): VolumeLocks {
    return this.v.locks;
  }

  bugs(): StorageBugSwitches {
    return this.v.bugs;
  }

  disk(): Disk {
    return this.v.disk;
  }

  /** The WAL's logical head offset (walPosition().head without building an object: the cluster checker reads it every step). */
  walHead(): number {
    return this.v.wal.head();
  }

  /** The WAL's logical tail offset (walPosition().tail, allocation-free). */
  walTail(): number {
    return this.v.wal.tail();
  }

  walPosition(): { head: number; tail: number; used: number } {
    return { head: this.v.wal.head(), tail: this.v.wal.tail(), used: this.v.wal.used() };
  }

  /** Decodable WAL entries in [tail, head), logical order (stops at the first undecodable). Shared: do not modify. */
  walRecords(): readonly WALRecord[] | StorageError {
    return this.walCache !== null ? this.walCache.records() : this.v.wal.records(true);
  }

  dirtyCount(): number {
    return this.v.dirty.size();
  }

  dirtyEntries(): { lba: number; walOffset: number; lsn: number }[] {
    return this.v.dirty.snapshot();
  }

  /** Readable content of the whole volume (inspection read: no injected faults). */
  readImage(): Uint8Array | StorageError {
    return readImage(this.v, true);
  }

  /** The extent region only, what is flushed (inspection read: no injected faults). */
  readExtent(): Uint8Array | StorageError {
    return readExtent(this.v, true);
  }

  /** LBAs whose dirty-map publications ran against LSN order (H11), for the checks. */
  publishInversions(): ReadonlyMap<number, { readonly lsn: number; readonly over: number }> {
    return this.v.publishInversions;
  }

  /** LBAs whose entry a flush's checkpoint passed before it was published to the dirty map (H11, checkpoint form), for the checks. */
  passedUnpublished(): ReadonlyMap<number, { readonly lsn: number; readonly checkpoint: number }> {
    return this.v.passedUnpublished;
  }

  /** LSNs this volume allocated and never wrote since its last reset (H1), for the checks. */
  burnedLSNs(): readonly number[] {
    return this.v.burned;
  }

  /**
   * The WAL is wedged: nothing is dirty, so no flush will ever move the tail, yet an entry of one
   * block does not fit. A flush held by a retention floor leaves it so (flusher.go flushOnceLocked
   * deletes the flushed entries from the dirty map, then keeps checkpoint and tail at the floor;
   * once the hold is gone it returns early on an empty dirty map).
   */
  walWedged(): boolean {
    return this.v.dirty.size() === 0 && !this.v.wal.fits(WAL_ENTRY_HEADER_SIZE + this.v.geo.blockSize);
  }

  /** LSNs allocated whose append has not finished yet (a writer suspended in a WAL-full wait). */
  inFlightLSNs(): readonly number[] {
    return this.v.inFlight;
  }

  /** LSNs of replica applies in the WAL whose nextLSN CAS is still to come (their step is suspended). */
  applyingLSNs(): readonly number[] {
    return this.v.applying;
  }

  resetLog(): readonly ResetRecord[] {
    return this.v.resets;
  }

  /** The last flush whose retention hold lowered the checkpoint below the one before (H2), or null. */
  checkpointLowering(): CheckpointLowering | null {
    return this.v.holdLowering;
  }

  /** B32 counters: WAL-entry buffers read by flushes vs distinct entries flushed. */
  flushStats(): { buffersRead: number; distinctEntries: number } {
    return { buffersRead: this.flushBuffersRead(), distinctEntries: this.flushDistinctEntries() };
  }

  /** flushStats().buffersRead without building an object (read every step by the B32 watch). */
  flushBuffersRead(): number {
    return this.v.flushBuffersRead;
  }

  /** flushStats().distinctEntries, allocation-free. */
  flushDistinctEntries(): number {
    return this.v.flushDistinctEntries;
  }

  recoveryResult(): RecoveryResult | null {
    return this.lastRecovery;
  }

  /** Canonical plain state for fingerprints (stable key order, no identities). */
  canonicalState(): Record<string, unknown> {
    const v = this.v;
    return {
      nextLSN: v.nextLSN,
      checkpoint: v.flusherCheckpoint,
      superblock: { head: v.sb.walHead, tail: v.sb.walTail, checkpoint: v.sb.walCheckpointLSN, epoch: v.sb.epoch },
      wal: { head: v.wal.head(), tail: v.wal.tail() },
      dirty: v.dirty.snapshot().map((d) => [d.lba, d.walOffset, d.lsn]),
      role: v.role,
      masterEpoch: v.masterEpoch,
      lease: v.leaseValid,
      closed: v.closed,
      locks: { shipMu: v.locks.shipMu.state(), ioMu: v.locks.ioMu.state(), flushMu: v.locks.flushMu.state(), superMu: v.locks.superMu.state() },
    };
  }

  /**
   * Run-to-completion driver. A WAL-full wait runs one flush cycle (the nudge, best effort). If a
   * lock stays held by a suspended generator the operation is abandoned (its locks released) and
   * ERR_LOCK_BUSY is returned as the operation's error.
   */
  private run<T>(steps: Steps<T>, busy: (e: StorageError) => T = (e) => e as T): T {
    return runOrBusy(steps, busy, (label: StepLabel) => {
      if (label === 'write:wal-full-wait' && this.v.locks.flushMu.isFree()) runOrBusy(flushSteps(this.v), () => null);
    });
  }
}
