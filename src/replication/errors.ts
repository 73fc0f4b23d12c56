// Data-path errors as stable codes (blockvol sentinels and the distributed-sync errors). They are
// EngineErrors so `err.is(code)` works across layers and traces carry the code, not prose.

import { EngineError } from '../engine/errors.ts';

export const ERR_REPLICA_DEGRADED = 'replica_degraded';
export const ERR_SHIPPER_STOPPED = 'shipper_stopped';
export const ERR_DURABILITY_BARRIER_FAILED = 'durability_barrier_failed';
export const ERR_DURABILITY_QUORUM_LOST = 'durability_quorum_lost';
export const ERR_BARRIER_FAILED = 'barrier_failed';
export const ERR_RECONNECT = 'reconnect_failed';
export const ERR_CATCHUP = 'catchup_failed';
export const ERR_WIRE = 'wire';
export const ERR_REBUILD = 'rebuild_failed';
export const ERR_RECEIVER_BIND = 'receiver_bind';
/** V1 StartRebuild's final vol.SetRole(RoleReplica) refused (the control layer's error text). */
export const ERR_SET_ROLE = 'set_role_failed';

export function replErr(code: string, message: string, wrapped?: EngineError): EngineError {
  return new EngineError(code, message, wrapped);
}

export const errReplicaDegraded = (): EngineError => replErr(ERR_REPLICA_DEGRADED, 'blockvol: replica degraded');
export const errShipperStopped = (): EngineError => replErr(ERR_SHIPPER_STOPPED, 'blockvol: shipper stopped');
