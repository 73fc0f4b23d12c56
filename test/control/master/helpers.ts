// Shared fixtures for the master tests: the Go tests' registerVolumeWithReplica and friends.
import { BlockMaster, Role, blockVolumeEntry, replicaInfo, type BlockVolumeEntry, type ReplicaInfo } from '../../../src/control/master/index.ts';

export const NOW = 1_000_000;

export function replica(server: string, fields: Partial<ReplicaInfo> = {}): ReplicaInfo {
  return replicaInfo({ server, path: `/data/vol1.blk`, healthScore: 1.0, role: Role.Replica, lastHeartbeat: NOW, ...fields });
}

export function entry(name: string, primary: string, fields: Partial<BlockVolumeEntry> = {}): BlockVolumeEntry {
  const e = blockVolumeEntry({
    name, volumeServer: primary, path: `/data/${name}.blk`, sizeBytes: 1 << 30, epoch: 1, role: Role.Primary,
    status: 1, leaseTTL: 5_000, lastLeaseGrant: NOW - 10_000, ...fields,
  });
  if (e.replicas.length > 0 && e.replicaServer === '') {
    e.replicaServer = e.replicas[0]!.server;
    e.replicaPath = e.replicas[0]!.path;
  }
  return e;
}

/** registerVolumeWithReplica (master_block_failover_test.go): both servers block-capable, lease expired. */
export function registerVolumeWithReplica(m: BlockMaster, name: string, primary: string, rep: string, epoch: number, leaseTTL: number): void {
  m.registry.markBlockCapable(primary);
  m.registry.markBlockCapable(rep);
  const err = m.registry.register(entry(name, primary, {
    epoch, leaseTTL, lastLeaseGrant: NOW - 2 * leaseTTL,
    replicas: [replica(rep, { path: `/data/${name}.blk` })],
  }));
  if (err !== null) throw new Error(err);
}
