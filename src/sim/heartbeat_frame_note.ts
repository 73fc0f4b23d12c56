// What a frame of the upstream heartbeat stream says, for the trace's step detail. Under
// `--control upstream` the stream (the gRPC bidi stream of SendHeartbeat) carries JSON frames
// (src/sim/block_service_agent.ts): a volume server's heartbeat, or the master's reply with the
// assignments and lease grants it answered with. Without this reading a trace shows only
// "type=123 249B", and nobody can tell which replicas a Primary assignment listed.
import { Role, roleName } from '../control/volume/role.ts';
import type { HeartbeatFrame, ReplyFrame } from './block_service_agent.ts';

type Info = HeartbeatFrame['hb']['blockVolumeInfos'][number];
type Assignment = ReplyFrame['assignments'][number];

const decoder = new TextDecoder();

function infoNote(i: Info): string {
  const flags = `${i.hasLease ? ' lease' : ''}${i.replicaDegraded ? ' degraded' : ''}`;
  return `${roleName(i.role)} ep=${i.epoch} head=${i.walHeadLsn} cp=${i.checkpointLsn}${flags}`;
}

function heartbeatNote(hb: HeartbeatFrame['hb']): string {
  if (hb.blockVolumeInfos.length > 0) return `hb full ${hb.blockVolumeInfos.map(infoNote).join('; ')}`;
  return hb.hasNoBlockVolumes ? 'hb full (no volumes)' : 'hb';
}

/** The replicas an assignment names: ReplicaAddrs, or the scalar address of a one-replica form. */
function replicasOf(a: Assignment): string[] {
  const list = a.replicaAddrs.map((r) => r.dataAddr);
  if (list.length === 0 && a.replicaDataAddr !== '') list.push(a.replicaDataAddr);
  return list;
}

function assignmentNote(a: Assignment): string {
  const parts = [`${roleName(a.role)} ep=${a.epoch}`];
  if (a.leaseTtlMs > 0) parts.push(`lease=${a.leaseTtlMs}ms`);
  const replicas = replicasOf(a);
  // A Replica assignment's scalar address is where the replica itself listens.
  if (replicas.length > 0) parts.push(a.role === Role.Primary ? `replicas=[${replicas.join(',')}]` : `listen=${replicas.join(',')}`);
  if (a.rebuildAddr !== '') parts.push(`rebuild=${a.rebuildAddr}`);
  return parts.join(' ');
}

/** `hb full primary ep=1 head=59 cp=32 lease` or `assign primary ep=2 lease=30000ms replicas=[n2:4566]`; null when the frame is not one of the stream's. */
export function heartbeatFrameNote(frame: Uint8Array): string | null {
  let f: Partial<HeartbeatFrame & ReplyFrame>;
  try {
    f = JSON.parse(decoder.decode(frame)) as Partial<HeartbeatFrame & ReplyFrame>;
  } catch {
    return null;
  }
  if (f.hb !== undefined) return heartbeatNote(f.hb);
  if (f.assignments !== undefined) {
    return f.assignments.length === 0 ? 'reply (nothing)' : `assign ${f.assignments.map(assignmentNote).join('; ')}`;
  }
  return null;
}
