// The shipper group of a primary volume (spec §10.6 group helpers): fan-out of live entries,
// parallel barriers, the durable-progress minima that feed the flusher's retention floor, the
// per-replica states reported in heartbeats, and the 5-minute retention budget.

import type { EngineError } from '../engine/errors.ts';
import { ReplicaState } from '../engine/types.ts';
import { WAL_RETENTION_TIMEOUT_MS } from './timing.ts';
import type { Timers } from './transport.ts';
import type { FloorResult, WALEntry } from './volume_port.ts';
import type { WALShipper } from './shipper.ts';

export interface BarrierResult {
  readonly dataAddr: string;
  readonly err: EngineError | null;
  readonly reportedFlushedLSN: number;
}

export interface ShipperStatus {
  readonly dataAddr: string;
  readonly state: ReplicaState;
  readonly flushedLSN: number;
}

export class ShipperGroup {
  private readonly list: readonly WALShipper[];

  constructor(shippers: readonly WALShipper[], private readonly timers: Timers) {
    this.list = [...shippers];
  }

  shippers(): readonly WALShipper[] {
    return this.list;
  }

  len(): number {
    return this.list.length;
  }

  shipAll(entry: WALEntry): void {
    for (const s of this.list) s.ship(entry);
  }

  /** Barrier on every shipper concurrently; `done` gets the results in shipper order. */
  barrierAll(lsnMax: number, done: (results: BarrierResult[]) => void): void {
    const n = this.list.length;
    if (n === 0) return done([]);
    const results: Array<BarrierResult | undefined> = new Array(n);
    let pending = n;
    this.list.forEach((s, i) => {
      s.barrier(lsnMax, (err, flushed) => {
        results[i] = { dataAddr: s.dataAddr, err, reportedFlushedLSN: flushed };
        pending -= 1;
        if (pending === 0) done(results as BarrierResult[]);
      });
    });
  }

  /** Minimum replicaFlushedLSN over shippers with flushed progress; found=false if none. */
  minReplicaFlushedLSN(): FloorResult {
    return this.minOver((s) => s.hasFlushedProgress());
  }

  /** The volume's shipper floor: as above, excluding NeedsRebuild shippers. */
  minRecoverableFlushedLSN(): FloorResult {
    return this.minOver((s) => s.hasFlushedProgress() && s.state() !== ReplicaState.NeedsRebuild);
  }

  inSyncCount(): number {
    return this.list.filter((s) => s.state() === ReplicaState.InSync).length;
  }

  anyDegraded(): boolean {
    return this.list.some((s) => s.isDegraded());
  }

  allDegraded(): boolean {
    return this.list.length > 0 && this.list.every((s) => s.isDegraded());
  }

  shipperStates(): ShipperStatus[] {
    return this.list.map((s) => ({ dataAddr: s.dataAddr, state: s.state(), flushedLSN: s.replicaFlushedLSN() }));
  }

  /** Escalate shippers whose last contact is older than `timeoutMs`; returns their data addresses. */
  evaluateRetentionBudgets(timeoutMs: number = WAL_RETENTION_TIMEOUT_MS): string[] {
    const now = this.timers.now();
    return this.list.filter((s) => s.evaluateRetention(now, timeoutMs)).map((s) => s.dataAddr);
  }

  /**
   * Proactive reconnect (heartbeat loop), TryReconnectAll (f90ccf5bf): every shipper without
   * transport contact tries the full reconnect (a no-op per shipper under B29).
   */
  tryReconnectAll(): void {
    for (const s of this.list) if (!s.hasTransportContact()) s.tryReconnect();
  }

  stopAll(): void {
    for (const s of this.list) s.stop();
  }

  private minOver(pred: (s: WALShipper) => boolean): FloorResult {
    let found = false;
    let min = 0;
    for (const s of this.list) {
      if (!pred(s)) continue;
      const f = s.replicaFlushedLSN();
      if (!found || f < min) min = f;
      found = true;
    }
    return { lsn: min, found };
  }
}
