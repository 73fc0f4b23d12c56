// The data path over the real BlockVolume on a SimDisk: the ports are satisfied structurally, and
// ship + barrier, catch-up after an outage, and a full-extent rebuild move real bytes.
import { describe, expect, it } from 'vitest';
import { GroupCommitter, makeDistributedSync, SyncLog } from '../../src/replication/group_commit.ts';
import { ReplicaReceiver } from '../../src/replication/receiver.ts';
import { WALShipper } from '../../src/replication/shipper.ts';
import { ShipperGroup } from '../../src/replication/shipper_group.ts';
import { RebuildServer } from '../../src/replication/rebuild_server.ts';
import { BridgeExecutor } from '../../src/replication/bridge_executor.ts';
import type { PrimaryVolumePort, ReplicaVolumePort } from '../../src/replication/volume_port.ts';
import type { IOResult } from '../../src/engine/executor.ts';
import type { EngineError } from '../../src/engine/errors.ts';
import { ReplicaState } from '../../src/engine/types.ts';
import { block, mkVolume, GEO } from '../storage/helpers.ts';
import { TestWorld } from './harness.ts';

function pair() {
  const world = new TestWorld();
  const p = mkVolume().vol;
  const r = mkVolume().vol;
  const primary: PrimaryVolumePort = p;
  const replica: ReplicaVolumePort = r;
  const receiver = new ReplicaReceiver({ volume: replica, transport: world, timers: world, dataListenAddr: 'r:data', ctrlListenAddr: 'r:ctrl' });
  expect(receiver.start()).toBeNull();
  const shipper = new WALShipper({ dataAddr: 'r:data', ctrlAddr: 'r:ctrl', epochFn: () => p.epoch(), volume: primary, transport: world, timers: world });
  const group = new ShipperGroup([shipper], world);
  primary.onShip((e) => group.shipAll(e));
  primary.setShipperFloorFn(() => group.minRecoverableFlushedLSN());
  const gc = new GroupCommitter(makeDistributedSync({ volume: primary, group: () => group, mode: () => 'sync_all', log: new SyncLog() }), world);
  const sync = (): EngineError | null => {
    let out: EngineError | null | undefined;
    gc.submit((e) => (out = e));
    world.run();
    if (out === undefined) throw new Error('no answer');
    return out;
  };
  const read = (v: typeof p, lba: number) => {
    const x = v.readLBA(lba, GEO.blockSize);
    if (x.err) throw x.err;
    return x.data[0];
  };
  return { world, p, r, receiver, shipper, sync, read };
}

describe('over the real BlockVolume', () => {
  it('ship + barrier: replica holds the bytes and flushedLSN = lsnMax', () => {
    const s = pair();
    for (let i = 0; i < 4; i++) expect(s.p.writeLBA(i, block(0x40 + i)).err).toBeNull();
    expect(s.sync()).toBeNull();
    expect(s.receiver.receivedLSN()).toBe(4);
    expect(s.receiver.flushedLSN()).toBe(4);
    for (let i = 0; i < 4; i++) expect(s.read(s.r, i)).toBe(0x40 + i);
    expect(s.shipper.state()).toBe(ReplicaState.InSync);
  });

  it('outage: writes during the outage are caught up from R+1 on the next sync', () => {
    const s = pair();
    s.p.writeLBA(0, block(1));
    expect(s.sync()).toBeNull();
    s.receiver.stop();
    s.world.crash('r:data', 'r:ctrl');
    s.world.run();
    s.p.writeLBA(1, block(2));
    s.p.writeLBA(2, block(3));
    expect(s.sync()).not.toBeNull();
    const rx2 = new ReplicaReceiver({ volume: s.r, transport: s.world, timers: s.world, dataListenAddr: 'r:data', ctrlListenAddr: 'r:ctrl' });
    expect(rx2.start()).toBeNull();
    expect(s.sync()).toBeNull();
    expect(s.read(s.r, 2)).toBe(3);
    expect(s.shipper.obs.lastHandshake?.result).toBe(ReplicaState.CatchingUp);
  });

  it('full-extent rebuild through the bridge executor', () => {
    const world = new TestWorld();
    const p = mkVolume().vol;
    const r = mkVolume().vol;
    for (let i = 0; i < 5; i++) p.writeLBA(i, block(0x70 + i));
    const server = new RebuildServer({ volume: p, transport: world, listenAddr: 'p:rebuild' });
    expect(server.start()).toBeNull();
    const exec = new BridgeExecutor({ replica: r, receiver: null, rebuildAddr: 'p:rebuild', transport: world, timers: world });
    let out: IOResult | undefined;
    exec.transferFullBase(5, (x) => (out = x));
    world.run();
    expect(out).toEqual({ value: 5, err: null });
    for (let i = 0; i < 5; i++) expect(r.readLBA(i, GEO.blockSize).data?.[0]).toBe(0x70 + i);
    expect(r.nextLSN()).toBe(6);
  });
});
