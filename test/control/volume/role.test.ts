import { describe, expect, it } from 'vitest';
import { ALL_ROLES, checkSetRole, Role, roleFromWire, roleName, roleToWire, validTransition } from '../../../src/control/volume/role.ts';

// The full table of role.go validTransitions, written out independently of the source.
const ALLOWED = new Set([
  'none->primary', 'none->replica', 'none->rebuilding',
  'primary->draining',
  'replica->primary',
  'stale->rebuilding', 'stale->replica',
  'rebuilding->replica',
  'draining->stale',
]);

describe('role.go validTransitions', () => {
  for (const from of ALL_ROLES) {
    for (const to of ALL_ROLES) {
      const key = `${roleName(from)}->${roleName(to)}`;
      const allowed = ALLOWED.has(key);
      it(`${key} is ${allowed ? 'allowed' : 'forbidden'}`, () => {
        expect(validTransition(from, to)).toBe(allowed);
        const err = checkSetRole(from, to);
        if (allowed) expect(err).toBeNull();
        else {
          expect(err?.is('ErrInvalidRoleTransition')).toBe(true);
          expect(err?.message).toBe(`blockvol: invalid role transition: ${roleName(from)} -> ${roleName(to)}`);
        }
      });
    }
  }

  it('testRoleTransitionsValid / testRoleTransitionsInvalid (blockvol_test.go)', () => {
    const valid: [Role, Role][] = [[Role.None, Role.Primary], [Role.None, Role.Replica], [Role.Primary, Role.Draining], [Role.Draining, Role.Stale], [Role.Replica, Role.Primary], [Role.Stale, Role.Rebuilding], [Role.Stale, Role.Replica], [Role.Rebuilding, Role.Replica]];
    const invalid: [Role, Role][] = [[Role.Primary, Role.Replica], [Role.Primary, Role.Stale], [Role.Replica, Role.Stale], [Role.Replica, Role.Draining], [Role.Draining, Role.Primary], [Role.Rebuilding, Role.Primary], [Role.None, Role.Stale], [Role.None, Role.Draining]];
    for (const [f, t] of valid) expect(validTransition(f, t), `${f}->${t}`).toBe(true);
    for (const [f, t] of invalid) expect(validTransition(f, t), `${f}->${t}`).toBe(false);
  });

  it('a role to itself is not a valid SetRole', () => {
    for (const r of ALL_ROLES) expect(validTransition(r, r)).toBe(false);
  });
});

describe('role wire encoding (block_heartbeat.go)', () => {
  it('testRoleWireRoundtrip: values 0..5 in upstream order', () => {
    expect(ALL_ROLES.map(roleToWire)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of ALL_ROLES) expect(roleFromWire(roleToWire(r))).toBe(r);
  });
  it('testRoleFromWireUnknown: unknown values map to RoleNone', () => {
    expect(roleFromWire(6)).toBe(Role.None);
    expect(roleFromWire(0xffffffff)).toBe(Role.None);
  });
  it('Role.String names, unknown(n) otherwise', () => {
    expect(ALL_ROLES.map(roleName)).toEqual(['none', 'primary', 'replica', 'stale', 'rebuilding', 'draining']);
    expect(roleName(9)).toBe('unknown(9)');
  });
});
