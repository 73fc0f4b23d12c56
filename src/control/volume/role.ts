// Volume replication roles and the allowed role transitions.
// Ports weed/storage/blockvol/role.go @c7eb87c58: Role (wire values 0..5), Role.String,
// validTransitions / ValidTransition, BlockVol.SetRole (CAS loop → a pure check here) and
// ErrInvalidRoleTransition; plus RoleFromWire / RoleToWire from block_heartbeat.go.
// Left out: the RoleChangeCallback / safeCallback (only the iSCSI/NVMe ALUA adapters use it).

import { ControlError, SENTINEL_TEXT } from './errors.ts';

export const Role = {
  None: 0, // "Phase 3 default, no fencing"
  Primary: 1,
  Replica: 2,
  Stale: 3,
  Rebuilding: 4,
  Draining: 5,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const ALL_ROLES: readonly Role[] = [Role.None, Role.Primary, Role.Replica, Role.Stale, Role.Rebuilding, Role.Draining];

/** Go Role.String(). */
export function roleName(r: number): string {
  switch (r) {
    case Role.None: return 'none';
    case Role.Primary: return 'primary';
    case Role.Replica: return 'replica';
    case Role.Stale: return 'stale';
    case Role.Rebuilding: return 'rebuilding';
    case Role.Draining: return 'draining';
    default: return `unknown(${r})`;
  }
}

/** Go validTransitions: each role's allowed targets. A role → itself is not listed (so SetRole(same) fails). */
const VALID_TRANSITIONS: Readonly<Record<Role, readonly Role[]>> = {
  [Role.None]: [Role.Primary, Role.Replica, Role.Rebuilding],
  [Role.Primary]: [Role.Draining],
  [Role.Replica]: [Role.Primary],
  [Role.Stale]: [Role.Rebuilding, Role.Replica],
  [Role.Rebuilding]: [Role.Replica],
  [Role.Draining]: [Role.Stale],
};

/** Go ValidTransition(from, to). */
export function validTransition(from: Role, to: Role): boolean {
  return VALID_TRANSITIONS[from]?.includes(to) ?? false;
}

/**
 * Go BlockVol.SetRole: the new role, or ErrInvalidRoleTransition
 * (`blockvol: invalid role transition: <from> -> <to>`). Pure: the caller stores the result.
 */
export function checkSetRole(from: Role, to: Role): ControlError | null {
  if (validTransition(from, to)) return null;
  return new ControlError('ErrInvalidRoleTransition', `${SENTINEL_TEXT.ErrInvalidRoleTransition}: ${roleName(from)} -> ${roleName(to)}`);
}

/** Go maxValidRole. */
export const MAX_VALID_ROLE = Role.Draining;

/** Go RoleFromWire: unknown values map to RoleNone. */
export function roleFromWire(r: number): Role {
  if (!Number.isInteger(r) || r < 0 || r > MAX_VALID_ROLE) return Role.None;
  return r as Role;
}

/** Go RoleToWire. */
export function roleToWire(r: Role): number {
  return r;
}
