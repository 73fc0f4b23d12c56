// Group commit and distributed durability (spec §10.3 SyncCache, §10.8). The GroupCommitter
// batches SyncCache waiters (max delay 1 ms, max batch 64) and runs one sync per batch, one batch
// at a time. makeDistributedSync builds that sync for a primary with replicas: lsnMax =
// nextLSN-1 at sync time, local fsync and BarrierAll together, then the durability mode decides.
// Every sync is appended to a SyncLog so W6 can check what an acknowledgement proved.

import type { EngineError } from '../engine/errors.ts';
import { ReplicaState } from '../engine/types.ts';
import { bugOn, type ReplicationBugSwitches } from './bugs.ts';
import { ERR_DURABILITY_BARRIER_FAILED, ERR_DURABILITY_QUORUM_LOST, replErr } from './errors.ts';
import type { BarrierResult, ShipperGroup } from './shipper_group.ts';
import { GROUP_COMMIT_MAX_BATCH, GROUP_COMMIT_MAX_DELAY_MS } from './timing.ts';
import type { TimerHandle, Timers } from './transport.ts';
import type { PrimaryVolumePort } from './volume_port.ts';
import { M, mark } from '../marks/index.ts';

export type DurabilityMode = 'best_effort' | 'sync_all' | 'sync_quorum';
export type SyncDone = (err: EngineError | null) => void;
export type SyncFn = (done: SyncDone) => void;

export class GroupCommitter {
  private waiting: SyncDone[] = [];
  private inFlight = false;
  private timer: TimerHandle | null = null;
  private batches = 0;

  constructor(
    private readonly sync: SyncFn,
    private readonly timers: Timers,
    private readonly maxDelayMs: number = GROUP_COMMIT_MAX_DELAY_MS,
    private readonly maxBatch: number = GROUP_COMMIT_MAX_BATCH,
  ) {}

  /** SyncCache: `done` runs after a sync that started after this call. */
  submit(done: SyncDone): void {
    this.waiting.push(done);
    this.schedule();
  }

  /** Number of sync calls made so far. */
  batchCount(): number {
    return this.batches;
  }

  pending(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.inFlight || this.waiting.length === 0) return;
    const full = this.waiting.length >= this.maxBatch;
    if (this.timer !== null) {
      if (!full) return;
      this.timers.cancel(this.timer);
    }
    this.timer = this.timers.after(full ? 0 : this.maxDelayMs, 'group-commit', () => this.runBatch());
  }

  private runBatch(): void {
    this.timer = null;
    const batch = this.waiting.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.inFlight = true;
    this.batches += 1;
    this.sync((err) => {
      this.inFlight = false;
      for (const w of batch) w(err);
      this.schedule();
    });
  }
}

/** One distributed sync as seen by W6. */
export interface SyncRecord {
  readonly seq: number;
  readonly mode: DurabilityMode;
  readonly lsnMax: number;
  readonly results: readonly BarrierResult[];
  readonly err: EngineError | null;
}

const MAX_SYNC_RECORDS = 256;

export class SyncLog {
  private seq = 0;
  private readonly records: SyncRecord[] = [];

  add(r: Omit<SyncRecord, 'seq'>): void {
    this.seq += 1;
    this.records.push({ mode: r.mode, lsnMax: r.lsnMax, results: r.results, err: r.err, seq: this.seq });
    if (this.records.length > MAX_SYNC_RECORDS) this.records.splice(0, this.records.length - MAX_SYNC_RECORDS);
  }

  /** Records with seq > `afterSeq` still kept: seqs are consecutive, so they are the last `seq - afterSeq`. */
  since(afterSeq: number): readonly SyncRecord[] {
    const n = Math.min(this.records.length, this.seq - afterSeq);
    return n > 0 ? this.records.slice(this.records.length - n) : [];
  }

  lastSeq(): number {
    return this.seq;
  }
}

export interface DistributedSyncConfig {
  readonly volume: PrimaryVolumePort;
  /** Current shipper group (rebuilt by SetReplicaAddrs). */
  readonly group: () => ShipperGroup;
  readonly mode: () => DurabilityMode;
  readonly bugs?: ReplicationBugSwitches;
  readonly log?: SyncLog;
}

/** sync_quorum arithmetic: rf = shippers + 1, quorum = floor(rf/2) + 1, durable = 1 + successes. */
export function quorumHolds(shippers: number, successes: number): boolean {
  const rf = shippers + 1;
  const quorum = Math.floor(rf / 2) + 1;
  return 1 + successes >= quorum;
}

export function makeDistributedSync(cfg: DistributedSyncConfig): SyncFn {
  return (done) => {
    const group = cfg.group();
    const vol = cfg.volume;
    if (group.len() === 0) return mark(M.repl_sync_local_only), done(vol.syncLocal());
    const mode = cfg.mode();
    const lsnMax = vol.nextLSN() - 1;
    const finish = (results: BarrierResult[], localErr: EngineError | null): void => {
      const err = localErr ?? decide(mode, group.len(), results);
      if (cfg.log !== undefined) cfg.log.add({ mode, lsnMax, results, err });
      done(err);
    };
    // Pre-fix B19: one boolean "degraded" flag (set on failure, clear at start), hence the
    // short-circuit looks at the Degraded state, not at "not InSync".
    if (bugOn(cfg.bugs, 'B19') && group.shippers().every((s) => s.state() === ReplicaState.Degraded)) {
      const localErr = vol.syncLocal();
      const skipped = group.shippers().map((s) => ({ dataAddr: s.dataAddr, err: replErr(ERR_DURABILITY_BARRIER_FAILED, 'skipped: all replicas degraded'), reportedFlushedLSN: 0 }));
      return finish(skipped, localErr);
    }
    // Local fsync and the barriers are concurrent in Go; the local fsync is one synchronous step
    // here, so it simply runs first (a barrier may complete at once, e.g. a stopped shipper).
    const localErr = vol.syncLocal();
    group.barrierAll(lsnMax, (results) => finish(results, localErr));
  };
}

function decide(mode: DurabilityMode, shippers: number, results: readonly BarrierResult[]): EngineError | null {
  const failed = results.filter((r) => r.err !== null).length;
  const ok = results.length - failed;
  switch (mode) {
    case 'sync_all':
      if (failed > 0) mark(M.repl_sync_all_failed);
      return failed > 0 ? replErr(ERR_DURABILITY_BARRIER_FAILED, `blockvol: sync_all barrier failed: ${failed} of ${shippers} replicas`) : null;
    case 'sync_quorum':
      if (!quorumHolds(shippers, ok)) mark(M.repl_sync_quorum_lost);
      return quorumHolds(shippers, ok) ? null : replErr(ERR_DURABILITY_QUORUM_LOST, `blockvol: sync_quorum lost: durable ${1 + ok} of rf ${shippers + 1}`);
    case 'best_effort':
      if (failed > 0) mark(M.repl_sync_best_effort_failures);
      return null;
  }
}
