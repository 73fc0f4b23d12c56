// What a volume server reports to the master every heartbeat: identity, current addresses,
// its view of the volume (role, epoch, LSNs) and, on a primary, per-replica engine and shipper
// states — the facts the master needs for failover, rebuild assignments and endpoint updates.

export interface ReplicaReport {
  readonly serverID: string;
  /** Engine sender state (spec §1.2) and whether a recovery is under way. */
  readonly engineState: string;
  readonly recovering: boolean;
  /** Shipper state and its view of the replica's durable progress. */
  readonly shipperState: string;
  readonly flushedLSN: number;
}

export interface Heartbeat {
  readonly serverID: string;
  readonly node: string;
  readonly incarnation: number;
  readonly dataAddr: string;
  readonly ctrlAddr: string;
  readonly rebuildAddr: string;
  readonly role: string;
  readonly epoch: number;
  readonly headLSN: number;
  /** Replica: receiver's flushed LSN; primary: head. */
  readonly flushedLSN: number;
  readonly replicas: readonly ReplicaReport[];
}
