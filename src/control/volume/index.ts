// The volume server's block-service control rules (port of upstream's volume-side role, lease,
// write gate, assignment, heartbeat and health-score code); see docs/control-volume.md.
export * from './errors.ts';
export * from './role.ts';
export * from './lease.ts';
export * from './epoch.ts';
export * from './volume_state.ts';
export * from './write_gate.ts';
export * from './promotion.ts';
export * from './assignment.ts';
export * from './health_score.ts';
export * from './heartbeat.ts';
export * from './identity.ts';
export * from './v2bridge_control.ts';
export * from './v2_assignment.ts';
export * from './recovery_wiring.ts';
export * from './shipper_status.ts';
