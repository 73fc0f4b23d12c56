// The volume server's stable identity for V2 control semantics (the "<server-id>" of every
// ReplicaID "<volume-path>/<server-id>" the V2 bridge builds for this server's own replicas).
// Ports, @3ec8fab2f:
//   weed/server/volume_server_block.go  BlockService.SetServerID (new at 3ec8fab2f)
//   weed/command/volume.go  startVolumeServer: blockService.SetServerID(volumeServerId), called
//       right after StartBlockService (which sets the INTERIM localServerID = listenAddr)
//   weed/util/network.go  GetVolumeServerId: the -id flag (trimmed), else JoinHostPort(ip, port)
// At c7eb87c58 nothing calls (or has) SetServerID: localServerID stays the iSCSI listen address
// (newBlockService), which is neither the master's name for the server nor a stable identity.
//
// Note (both sides at 3ec8fab2f): the master names a replica's ServerID after its registry key
// (dn.Url() = ip:port, master_grpc_server_block.go CreateBlockVolume, failover's ri.Server); the
// volume server names itself volumeServerId. They agree only when -id is unset. They never meet
// in one registry — the primary's senders use the master's name, a replica's own sender its
// volumeServerId — so a mismatch is not a fault by itself.
import type { BlockServiceState } from './assignment.ts';

/** Go util.GetVolumeServerId: the trimmed -id flag, else net.JoinHostPort(ip, port). */
export function volumeServerId(idFlag: string, ip: string, port: number): string {
  const id = idFlag.trim();
  if (id !== '') return id;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Go BlockService.SetServerID (3ec8fab2f). */
export function setServerID(bs: BlockServiceState, id: string): BlockServiceState {
  return { ...bs, localServerID: id };
}
