// What the control plane tells a volume server: the volume's epoch, this server's role, and the
// replica list with stable server IDs and current endpoints (spec §9.6 MasterAssignment, one
// message per server). Plain data, so it can travel as a datagram and be compared for re-delivery.

export type VolumeRole = 'primary' | 'replica' | 'rebuilding' | 'none';

export interface ReplicaInfo {
  readonly serverID: string;
  readonly dataAddr: string;
  readonly ctrlAddr: string;
  readonly addrVersion: number;
  /** 'replica' (catch-up target) or 'rebuilding' (rebuild target). */
  readonly role: 'replica' | 'rebuilding';
}

export interface Assignment {
  readonly volume: string;
  readonly epoch: number;
  readonly role: VolumeRole;
  readonly primaryServerID: string;
  /** The primary's rebuild server address (replicas pull rebuilds from it). */
  readonly primaryRebuildAddr: string;
  /** For the primary: every replica. For a replica: empty. */
  readonly replicas: readonly ReplicaInfo[];
}

/** A key that changes iff the assignment's content changes (re-deliveries compare equal). */
export function assignmentKey(a: Assignment): string {
  const reps = a.replicas.map((r) => `${r.serverID}@${r.dataAddr}|${r.ctrlAddr}|${r.addrVersion}|${r.role}`).join(',');
  return `${a.volume}#${a.epoch}:${a.role}:${a.primaryServerID}@${a.primaryRebuildAddr}[${reps}]`;
}
