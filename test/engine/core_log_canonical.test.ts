// RecoveryLog (§9.8) and canonical values / fingerprints.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RECOVERY_EVENTS, RecoveryLog, isRecoveryEventName } from '../../src/engine/recovery_log.ts';
import { canonicalJSON, canonicalize, fingerprint, fnv1a64 } from '../../src/engine/canonical.ts';
import { EngineContext } from '../../src/engine/context.ts';
import { Registry } from '../../src/engine/registry.ts';
import { RUNS, replica } from './core_helpers.ts';

describe('RecoveryLog', () => {
  it('lists the 40 distinct event names of §9.8 in the spec order', () => {
    expect(RECOVERY_EVENTS.length).toBe(40);
    expect(new Set(RECOVERY_EVENTS).size).toBe(40);
    expect(RECOVERY_EVENTS[0]).toBe('sender_added');
    expect(RECOVERY_EVENTS[11]).toBe('completed');
    expect(RECOVERY_EVENTS[39]).toBe('exec_rebuild_completed');
    expect(isRecoveryEventName('plan_catchup')).toBe(true);
    expect(isRecoveryEventName('plan_catch_up')).toBe(false);
  });
  it('appends in order, filters by replica, returns copies', () => {
    const log = new RecoveryLog();
    log.record('r1', 0, 'sender_added', '');
    log.record('r2', 3, 'session_created', '');
    log.record('r1', 4, 'handshake', 'outcome=catchup');
    expect(log.length()).toBe(3);
    expect(log.events().map((e) => e.event)).toEqual(['sender_added', 'session_created', 'handshake']);
    expect(log.eventsFor('r1')).toEqual([
      { replicaID: 'r1', sessionID: 0, event: 'sender_added', detail: '' },
      { replicaID: 'r1', sessionID: 4, event: 'handshake', detail: 'outcome=catchup' },
    ]);
    const list = log.events() as unknown[];
    list.length = 0;
    expect(log.length()).toBe(3);
    expect(() => { (log.events()[0] as { detail: string }).detail = 'x'; }).toThrow(TypeError);
  });
});

describe('canonical values', () => {
  it('sorts keys recursively, keeps array order, drops undefined', () => {
    expect(canonicalJSON({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalize(null)).toBeNull();
    expect(() => canonicalize(Number.NaN)).toThrow(TypeError);
  });
  it('property: key insertion order never changes the fingerprint', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 4 }), fc.integer()), (d) => {
        const reversed = Object.fromEntries(Object.entries(d).reverse());
        expect(fingerprint(reversed)).toBe(fingerprint(d));
      }),
      { numRuns: RUNS },
    );
  });
  it('fnv1a64 known vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });
  it('property: fnv1a64 agrees with a BigInt reference', () => {
    const ref = (t: string): string => {
      let h = 0xcbf29ce484222325n;
      for (let i = 0; i < t.length; i++) h = ((h ^ BigInt(t.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
      return h.toString(16).padStart(16, '0');
    };
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (t) => { expect(fnv1a64(t)).toBe(ref(t)); }), { numRuns: RUNS });
  });
  it('two registries driven identically have equal fingerprints; a different step differs', () => {
    const run = (extra: boolean) => {
      const r = new Registry(new EngineContext());
      r.applyAssignment({ replicas: [replica('r1', 'a:1'), replica('r2', 'b:1')], epoch: 1, recoveryTargets: { r2: 'catchup', r1: 'rebuild' } });
      if (extra) r.sender('r1')!.beginConnect(r.sender('r1')!.sessionID());
      return fingerprint(r.canonical());
    };
    expect(run(false)).toBe(run(false));
    expect(run(true)).not.toBe(run(false));
  });
});
