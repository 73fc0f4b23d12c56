// What a frame of the upstream heartbeat stream says, for the trace's step detail. Under
// `--control upstream` the stream (the gRPC bidi stream of SendHeartbeat) carries JSON frames
// (src/sim/block_service_agent.ts): a volume server's heartbeat, or the master's reply with the
// assignments and lease grants it answered with. Without this reading a trace shows only
// "type=123 249B", and nobody can tell which replicas a Primary assignment listed.
import { Role, roleName } from '../control/volume/role.ts';

interface InfoLike { path?: string; role?: number; epoch?: number; walHeadLsn?: number; checkpointLsn?: number; hasLease?: boolean; replicaDegraded?: boolean }
interface AssignmentLike {
  path?: string; role?: number; epoch?: number; leaseTtlMs?: number; rebuildAddr?: string;
  replicaDataAddr?: string; replicaAddrs?: { dataAddr?: string }[];
}
interface StreamFrame {
  server?: string;
  hb?: { blockVolumeInfos?: InfoLike[]; hasNoBlockVolumes?: boolean };
  assignments?: AssignmentLike[];
}

const decoder = new TextDecoder();

function infoNote(i: InfoLike): string {
  const flags = `${i.hasLease === true ? ' lease' : ''}${i.replicaDegraded === true ? ' degraded' : ''}`;
  return `${roleName(i.role ?? 0)} ep=${i.epoch ?? 0} head=${i.walHeadLsn ?? 0} cp=${i.checkpointLsn ?? 0}${flags}`;
}

function heartbeatNote(hb: NonNullable<StreamFrame['hb']>): string {
  const infos = hb.blockVolumeInfos ?? [];
  if (infos.length > 0) return `hb full ${infos.map(infoNote).join('; ')}`;
  return hb.hasNoBlockVolumes === true ? 'hb full (no volumes)' : 'hb';
}

/** The replicas an assignment names: ReplicaAddrs, or the scalar address of a one-replica form. */
function replicasOf(a: AssignmentLike): string[] {
  const list = (a.replicaAddrs ?? []).map((r) => r.dataAddr ?? '');
  if (list.length === 0 && (a.replicaDataAddr ?? '') !== '') list.push(a.replicaDataAddr!);
  return list;
}

function assignmentNote(a: AssignmentLike): string {
  const parts = [`${roleName(a.role ?? 0)} ep=${a.epoch ?? 0}`];
  if ((a.leaseTtlMs ?? 0) > 0) parts.push(`lease=${a.leaseTtlMs}ms`);
  const replicas = replicasOf(a);
  // A Replica assignment's scalar address is where the replica itself listens.
  if (replicas.length > 0) parts.push(a.role === Role.Primary ? `replicas=[${replicas.join(',')}]` : `listen=${replicas.join(',')}`);
  if ((a.rebuildAddr ?? '') !== '') parts.push(`rebuild=${a.rebuildAddr}`);
  return parts.join(' ');
}

/** `hb full primary ep=1 head=59 cp=32 lease` or `assign primary ep=2 lease=30000ms replicas=[n2:4566]`; null when the frame is not one of the stream's. */
export function heartbeatFrameNote(frame: Uint8Array): string | null {
  let f: StreamFrame;
  try {
    f = JSON.parse(decoder.decode(frame)) as StreamFrame;
  } catch {
    return null;
  }
  if (f.hb !== undefined) return heartbeatNote(f.hb);
  if (f.assignments !== undefined) {
    return f.assignments.length === 0 ? 'reply (nothing)' : `assign ${f.assignments.map(assignmentNote).join('; ')}`;
  }
  return null;
}
