// An in-memory volume implementing both volume ports, small enough to reason about in tests:
// WAL = map LSN -> entry, extent = fixed array of 8-byte blocks, checkpoint/floor/flush as in
// spec §10.4 (simplified), durability = the head at the last successful syncLocal. Fault knobs:
// failing fsync, WAL-full answers, scan errors.

import { EngineError } from '../../src/engine/errors.ts';
import { ERR_WAL_FULL, ERR_WAL_RECYCLED, storageErr, truncationUnsafe } from '../../src/storage/errors.ts';
import { writeEntry, type WALEntry } from '../../src/storage/blockvol/wal_entry.ts';
import type {
  FullExtentExport,
  SnapshotExport,
  FloorResult,
  PrimaryVolumePort,
  RebuildInstaller,
  ReceiverHooks,
  ReplicaVolumePort,
  V1ExtentInstaller,
  V1RebuildVolumePort,
  VolumeStatus,
} from '../../src/replication/volume_port.ts';

export const BLOCK = 8;
export const BLOCKS = 16;

export class FakeVolume implements PrimaryVolumePort, ReplicaVolumePort, V1RebuildVolumePort {
  epochV = 1;
  next = 1;
  wal = new Map<number, WALEntry>();
  checkpoint = 0;
  persistedCp = 0;
  durable = 0;
  extent = new Uint8Array(BLOCK * BLOCKS);
  syncFails = false;
  walFullAnswers = 0;
  /** Hold each admitted replica apply until the test calls `finishApply()` (an apply in flight). */
  holdApplies = false;
  private heldApplies: Array<() => void> = [];
  scanError: EngineError | null = null;
  syncCount = 0;
  private shipFns: Array<(e: WALEntry) => void> = [];
  private hooks: ReceiverHooks | null = null;
  private floorFn: (() => FloorResult) | null = null;

  // ---- workload (primary) ----
  write(lba: number, fill: number, ship = true): WALEntry {
    const e = writeEntry(this.next, this.epochV, lba, new Uint8Array(BLOCK).fill(fill));
    this.next += 1;
    this.wal.set(e.lsn, e);
    if (ship) for (const f of this.shipFns) f(e);
    return e;
  }

  /** Block content as the volume would read it: newest WAL entry, else extent. */
  read(lba: number): number {
    let best: WALEntry | null = null;
    for (const e of this.wal.values()) if (e.lba === lba && (best === null || e.lsn > best.lsn)) best = e;
    if (best !== null) return best.data[0]!;
    return this.extent[lba * BLOCK]!;
  }

  /** Flusher cycle: write entries to the extent, move the checkpoint honouring the floor (§10.4). */
  flush(): void {
    const lsns = [...this.wal.keys()].sort((a, b) => a - b);
    if (lsns.length === 0) return;
    const maxLSN = lsns[lsns.length - 1]!;
    for (const l of lsns) {
      const e = this.wal.get(l)!;
      this.extent.set(e.data, e.lba * BLOCK);
    }
    const floor = this.floorFn?.() ?? { lsn: 0, found: false };
    if (floor.found && maxLSN > floor.lsn) {
      this.checkpoint = floor.lsn;
    } else {
      this.checkpoint = maxLSN;
      for (const l of lsns) if (l <= maxLSN) this.wal.delete(l);
    }
    this.persistedCp = this.checkpoint;
    this.durable = Math.max(this.durable, this.next - 1);
  }

  // ---- VolumeBase ----
  epoch(): number { return this.epochV; }
  nextLSN(): number { return this.next; }
  headLSN(): number { return this.next - 1; }
  checkpointLSN(): number { return this.checkpoint; }
  persistedCheckpointLSN(): number { return this.persistedCp; }
  syncLocal(): EngineError | null {
    this.syncCount += 1;
    if (this.syncFails) return storageErr('disk_error', 'fsync failed');
    this.durable = this.next - 1;
    return null;
  }
  statusSnapshot(): VolumeStatus {
    const h = this.next - 1;
    return { walHeadLSN: h, walTailLSN: this.persistedCp, committedLSN: h, checkpointLSN: this.persistedCp, checkpointTrusted: true };
  }

  // ---- primary port ----
  onShip(fn: (entry: WALEntry) => void): void { this.shipFns.push(fn); }
  setShipperFloorFn(fn: () => FloorResult): void { this.floorFn = fn; }
  scanFrom(fromLSN: number, fn: (entry: WALEntry) => void): EngineError | null {
    return this.scan(this.checkpoint, fromLSN, fn);
  }
  scanWALEntries(fromLSN: number, fn: (entry: WALEntry) => void): EngineError | null {
    return this.scan(this.persistedCp, fromLSN, fn);
  }
  private scan(cp: number, fromLSN: number, fn: (entry: WALEntry) => void): EngineError | null {
    if (this.scanError !== null) return this.scanError;
    if (cp > 0 && fromLSN <= cp) return storageErr(ERR_WAL_RECYCLED, `blockvol: WAL recycled: from ${fromLSN} <= checkpoint ${cp}`);
    for (const l of [...this.wal.keys()].sort((a, b) => a - b)) if (l >= fromLSN) fn(this.wal.get(l)!);
    return null;
  }
  forceFlush(): EngineError | null { this.flush(); return null; }
  exportFullExtent(): FullExtentExport | EngineError {
    this.flush();
    return { chunks: [this.extent.slice(0, 64), this.extent.slice(64)], snapshotLSN: this.next };
  }
  exportSnapshot(baseLSN: number): SnapshotExport | EngineError {
    this.flush();
    if (this.checkpoint !== baseLSN) return storageErr('snapshot_boundary_mismatch', `SNAPSHOT_BOUNDARY_MISMATCH: checkpoint ${this.checkpoint} != ${baseLSN}`);
    return { chunks: [this.extent.slice()], manifest: { baseLSN } };
  }

  // ---- replica port ----
  appendReplicaEntry(entry: WALEntry, admit: () => boolean, done: (err: EngineError | null) => void): void {
    if (!admit()) return done(null);
    if (this.walFullAnswers > 0) {
      this.walFullAnswers -= 1;
      return done(storageErr(ERR_WAL_FULL, 'blockvol: WAL full'));
    }
    const finish = (): void => done(this.applyRebuildEntry(entry));
    if (this.holdApplies) this.heldApplies.push(finish);
    else finish();
  }
  /** Complete the oldest held apply; false if none is held. */
  finishApply(): boolean {
    const f = this.heldApplies.shift();
    f?.();
    return f !== undefined;
  }
  applyRebuildEntry(entry: WALEntry): EngineError | null {
    this.wal.set(entry.lsn, entry);
    if (entry.lsn + 1 > this.next) this.next = entry.lsn + 1;
    return null;
  }
  setReceiverHooks(hooks: ReceiverHooks): void { this.hooks = hooks; }
  truncateToLSN(t: number): EngineError | null {
    if (this.persistedCp !== t) return truncationUnsafe(`checkpoint ${this.persistedCp} != ${t}`);
    this.wal.clear();
    this.checkpoint = t;
    this.next = t + 1;
    this.hooks?.setReceivedLSN(t);
    return null;
  }
  newRebuildInstaller(): RebuildInstaller {
    let off = 0;
    let committed = false;
    return {
      writeChunk: (data) => {
        if (committed) return storageErr('installer_committed', 'committed');
        if (off + data.length > this.extent.length) return storageErr('out_of_bounds', 'chunk past volume end');
        this.extent.set(data, off);
        off += data.length;
        return null;
      },
      commit: (s) => {
        if (committed) return storageErr('installer_committed', 'committed');
        committed = true;
        this.wal.clear();
        this.checkpoint = s === 0 ? 0 : s - 1;
        this.persistedCp = this.checkpoint;
        this.next = s;
        this.durable = this.checkpoint;
        this.hooks?.setReceivedLSN(this.checkpoint);
        return null;
      },
    };
  }

  /** V1 rebuildFullExtent: chunk writes, then the handoff without nextLSN or receiver stores. */
  newV1ExtentInstaller(): V1ExtentInstaller {
    let off = 0;
    let committed = false;
    return {
      writeChunk: (data) => {
        if (off + data.length > this.extent.length) return storageErr('out_of_bounds', 'chunk past volume end');
        this.extent.set(data, off);
        off += data.length;
        return null;
      },
      commitV1: (s) => {
        if (committed) return storageErr('installer_committed', 'committed');
        committed = true;
        this.wal.clear();
        this.checkpoint = s === 0 ? 0 : s - 1;
        this.persistedCp = this.checkpoint;
        this.durable = Math.max(this.durable, this.checkpoint);
        return null;
      },
    };
  }
  advanceNextLSN(lsn: number): void {
    if (lsn > this.next) this.next = lsn;
  }
}
