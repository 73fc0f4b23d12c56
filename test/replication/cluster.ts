// Test wiring: one primary FakeVolume with a shipper group, group committer and distributed sync,
// and N replicas (FakeVolume + ReplicaReceiver) on addresses r<i>:data / r<i>:ctrl.

import type { EngineError } from '../../src/engine/errors.ts';
import type { ReplicationBugSwitches } from '../../src/replication/bugs.ts';
import { GroupCommitter, makeDistributedSync, SyncLog, type DurabilityMode } from '../../src/replication/group_commit.ts';
import { ReplicaReceiver } from '../../src/replication/receiver.ts';
import { WALShipper } from '../../src/replication/shipper.ts';
import { ShipperGroup } from '../../src/replication/shipper_group.ts';
import { ReplicationChecks } from '../../src/replication/checks.ts';
import { FakeVolume } from './fake_volume.ts';
import { TestWorld } from './harness.ts';

export interface Replica {
  vol: FakeVolume;
  receiver: ReplicaReceiver;
  data: string;
  ctrl: string;
}

export interface ClusterOptions {
  replicas?: number;
  mode?: DurabilityMode;
  bugs?: ReplicationBugSwitches;
  legacyReply?: boolean;
  catchupBatch?: number;
}

export class Cluster {
  readonly world = new TestWorld();
  readonly primary = new FakeVolume();
  readonly replicas: Replica[] = [];
  readonly group: ShipperGroup;
  readonly log = new SyncLog();
  readonly committer: GroupCommitter;
  readonly checks: ReplicationChecks;
  mode: DurabilityMode;

  constructor(readonly opts: ClusterOptions = {}) {
    this.mode = opts.mode ?? 'sync_all';
    const n = opts.replicas ?? 1;
    const shippers: WALShipper[] = [];
    for (let i = 1; i <= n; i++) {
      const r = this.startReplica(`r${i}:data`, `r${i}:ctrl`, new FakeVolume());
      this.replicas.push(r);
      shippers.push(
        new WALShipper({
          dataAddr: r.data,
          ctrlAddr: r.ctrl,
          epochFn: () => this.primary.epoch(),
          volume: this.primary,
          transport: this.world,
          timers: this.world,
          bugs: opts.bugs ?? {},
          catchupBatch: opts.catchupBatch ?? 16,
        }),
      );
    }
    this.group = new ShipperGroup(shippers, this.world);
    this.primary.onShip((e) => this.group.shipAll(e));
    this.primary.setShipperFloorFn(() => this.group.minRecoverableFlushedLSN());
    const sync = makeDistributedSync({ volume: this.primary, group: () => this.group, mode: () => this.mode, bugs: opts.bugs ?? {}, log: this.log });
    this.committer = new GroupCommitter(sync, this.world);
    this.checks = new ReplicationChecks({
      shippers: () => this.group.shippers(),
      receivers: () => this.replicas.map((r) => r.receiver),
      syncLogs: () => [this.log],
      rebuildServers: () => [],
      primaryHeadOf: () => this.primary.headLSN(),
    });
  }

  startReplica(data: string, ctrl: string, vol: FakeVolume): Replica {
    const receiver = new ReplicaReceiver({
      volume: vol,
      transport: this.world,
      timers: this.world,
      dataListenAddr: data,
      ctrlListenAddr: ctrl,
      bugs: this.opts.bugs ?? {},
      legacyBarrierReply: this.opts.legacyReply === true,
    });
    const err = receiver.start();
    if (err !== null) throw err;
    return { vol, receiver, data, ctrl };
  }

  shipper(i = 0): WALShipper {
    return this.group.shippers()[i]!;
  }

  /**
   * Replica i crashes: connections break. The fake volume keeps its state; by default its flusher
   * ran first, so the restarted receiver reports flushedLSN = checkpoint = its head.
   */
  crashReplica(i = 0, flushFirst = true): void {
    const r = this.replicas[i]!;
    if (flushFirst) r.vol.flush();
    r.receiver.stop();
    this.world.crash(r.data, r.ctrl);
  }

  /** Replica i comes back on the same addresses with the same volume (a new receiver). */
  restartReplica(i = 0): void {
    const r = this.replicas[i]!;
    this.replicas[i] = this.startReplica(r.data, r.ctrl, r.vol);
  }

  /** SyncCache and run the world until it answers; returns the error (null = success). */
  sync(): EngineError | null {
    let result: EngineError | null | undefined;
    this.committer.submit((err) => (result = err));
    for (let i = 0; i < 200_000 && result === undefined; i++) if (!this.world.step()) break;
    if (result === undefined) throw new Error('sync never completed');
    return result;
  }

  /** Write `n` blocks (lba i % 16, fill = LSN & 0xff). */
  writeN(n: number): void {
    for (let i = 0; i < n; i++) this.primary.write(this.primary.next % 16, this.primary.next & 0xff);
  }

  settle(): void {
    this.world.run();
  }

  failures(): string[] {
    return this.checks.all().map((f) => `${f.id}: ${f.message}`);
  }
}
