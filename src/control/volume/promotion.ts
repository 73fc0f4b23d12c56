// What one master assignment (epoch, role, lease TTL) does to one volume: the decision, as an
// ordered list of effects, and a resumable executor that applies them.
// Ports weed/storage/blockvol/promotion.go @c7eb87c58: HandleAssignment, promote, demote,
// ErrInvalidAssignment / ErrEpochRegression / ErrDrainTimeout, defaultDrainTimeout (10 s) and the
// demote drain loop (poll opsOutstanding every 1 ms until 0 or the deadline).
//
// Shape: `planAssignment` makes upstream's up-front decisions (role switch, epoch-regression
// checks that happen before any state change) and returns either the error upstream returns
// with nothing changed, or the effects in upstream's order. Each effect is applied by
// `applyVolumeEffect` (pure state) plus, for the ones with I/O, the simulator (persist the
// epoch, stop the shippers, wait for in-flight ops). An effect can fail midway exactly where Go
// can (SetEpoch I/O, SetRole CAS validation, drain timeout); the effects already applied stay
// applied, as in Go. `runVolumePlan` is that loop over a `VolumeIO`, resumable across the drain.
// Upstream holds vol.assignMu for the whole HandleAssignment (including the drain wait): the
// caller must not start a second plan on the same volume while one is waiting.
//
// Upstream behaviour ported as is (hazards, listed in docs/control-volume.md):
//  - HandleAssignment None→Replica and None→Rebuilding: no epoch-regression check — a restarted
//    volume accepts a lower epoch and persists it (epoch goes backwards on disk).
//  - HandleAssignment: Stale→Replica and Rebuilding→Replica are valid role transitions but no
//    assignment performs them (ErrInvalidAssignment); only StartRebuild's completion does.
//  - HandleAssignment same-role refresh: a lease is granted only to a primary; a replica/stale
//    volume is never told anything but a (possibly bumped) epoch; a same-role assignment with an
//    unknown wire role on a RoleNone volume (RoleFromWire → None) is a silent success.
//  - promote: newEpoch == current epoch is accepted (no strict increase).
//  - demote: on ErrDrainTimeout the volume is left in Draining with its lease revoked; no
//    assignment leaves Draining (only Draining→Stale is valid and HandleAssignment has no case
//    for it), so it stays there until a restart.
//  - demote persists the new epoch only after the role is already Stale.

import { ControlError, sentinel } from './errors.ts';
import { withEpoch, withMasterEpoch } from './epoch.ts';
import { grantLease, revokeLease } from './lease.ts';
import { checkSetRole, Role, roleName } from './role.ts';
import type { VolumeControlState } from './volume_state.ts';

/** Go defaultDrainTimeout. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** Go demote: time.NewTicker(1 * time.Millisecond). */
export const DRAIN_POLL_MS = 1;

export type VolumeEffect =
  /** Go SetEpoch: in-memory epoch, then superblock write + fsync; on failure → `${context}: <err>`. */
  | { readonly kind: 'setEpoch'; readonly epoch: number; readonly context: string }
  /** Go SetMasterEpoch (memory only). */
  | { readonly kind: 'setMasterEpoch'; readonly epoch: number }
  /** Go SetRole: fails (ErrInvalidRoleTransition, wrapped in `context` if any) if not a valid transition. */
  | { readonly kind: 'setRole'; readonly role: Role; readonly context: string | null }
  /** Go lease.Grant(ttl). */
  | { readonly kind: 'grantLease'; readonly ttlMs: number }
  /** Go lease.Revoke(). */
  | { readonly kind: 'revokeLease' }
  /** Go demote drain loop: wait until opsOutstanding == 0, polled every 1 ms, or ErrDrainTimeout. */
  | { readonly kind: 'awaitDrain'; readonly timeoutMs: number }
  /** Go demote: `if vol.shipperGroup != nil { vol.shipperGroup.StopAll() }`. */
  | { readonly kind: 'stopShippers' };

export type AssignmentDecision =
  | { readonly ok: true; readonly effects: readonly VolumeEffect[] }
  | { readonly ok: false; readonly error: ControlError };

export interface AssignmentOptions {
  /** vol.drainTimeout; 0 or absent = DEFAULT_DRAIN_TIMEOUT_MS (Go: `if drainTTL == 0`). */
  readonly drainTimeoutMs?: number;
}

function regression(newEpoch: number, current: number): ControlError {
  return sentinel('ErrEpochRegression', `new ${newEpoch} < current ${current}`);
}

/** Go HandleAssignment(vol, newEpoch, newRole, leaseTTL): the decision, nothing applied yet. */
export function planAssignment(v: VolumeControlState, newEpoch: number, newRole: Role, leaseTtlMs: number, opts: AssignmentOptions = {}): AssignmentDecision {
  const current = v.role;
  // Same role -> refresh lease and update epoch if bumped.
  if (current === newRole) {
    if (newEpoch < v.epoch) return { ok: false, error: regression(newEpoch, v.epoch) };
    const effects: VolumeEffect[] = [];
    if (newEpoch > v.epoch) {
      effects.push({ kind: 'setEpoch', epoch: newEpoch, context: 'assignment refresh: set epoch' });
      effects.push({ kind: 'setMasterEpoch', epoch: newEpoch });
    }
    if (current === Role.Primary) effects.push({ kind: 'grantLease', ttlMs: leaseTtlMs });
    return { ok: true, effects };
  }
  if (current === Role.Replica && newRole === Role.Primary) return promote(v, newEpoch, leaseTtlMs);
  if (current === Role.Primary && newRole === Role.Stale) return demote(v, newEpoch, opts);
  if (current === Role.Stale && newRole === Role.Rebuilding) {
    // "Rebuild started externally via StartRebuild." No epoch change.
    return { ok: true, effects: [{ kind: 'setRole', role: Role.Rebuilding, context: null }] };
  }
  if (current === Role.None && newRole === Role.Rebuilding) {
    // HAZARD (HandleAssignment): no regression check here.
    return {
      ok: true,
      effects: [
        { kind: 'setEpoch', epoch: newEpoch, context: 'assign rebuilding: set epoch' },
        { kind: 'setMasterEpoch', epoch: newEpoch },
        { kind: 'setRole', role: Role.Rebuilding, context: null },
      ],
    };
  }
  if (current === Role.None && newRole === Role.Primary) return promote(v, newEpoch, leaseTtlMs);
  if (current === Role.None && newRole === Role.Replica) {
    // HAZARD (HandleAssignment): no regression check here.
    return {
      ok: true,
      effects: [
        { kind: 'setEpoch', epoch: newEpoch, context: 'assign replica: set epoch' },
        { kind: 'setMasterEpoch', epoch: newEpoch },
        { kind: 'setRole', role: Role.Replica, context: null },
      ],
    };
  }
  return { ok: false, error: sentinel('ErrInvalidAssignment', `${roleName(current)} -> ${roleName(newRole)}`) };
}

/** Go promote: Replica/None -> Primary. "Order matters: epoch durable BEFORE writes possible." */
function promote(v: VolumeControlState, newEpoch: number, leaseTtlMs: number): AssignmentDecision {
  if (newEpoch < v.epoch) return { ok: false, error: regression(newEpoch, v.epoch) };
  return {
    ok: true,
    effects: [
      { kind: 'setEpoch', epoch: newEpoch, context: 'promote: set epoch' },
      { kind: 'setMasterEpoch', epoch: newEpoch },
      { kind: 'setRole', role: Role.Primary, context: 'promote: set role' },
      { kind: 'grantLease', ttlMs: leaseTtlMs },
    ],
  };
}

/** Go demote: Primary -> Draining -> Stale; revoke lease first, drain, stop shippers, then persist the epoch. */
function demote(v: VolumeControlState, newEpoch: number, opts: AssignmentOptions): AssignmentDecision {
  if (newEpoch < v.epoch) return { ok: false, error: regression(newEpoch, v.epoch) };
  const timeoutMs = opts.drainTimeoutMs ? opts.drainTimeoutMs : DEFAULT_DRAIN_TIMEOUT_MS;
  return {
    ok: true,
    effects: [
      { kind: 'revokeLease' },
      { kind: 'setRole', role: Role.Draining, context: 'demote: set draining' },
      { kind: 'awaitDrain', timeoutMs },
      { kind: 'stopShippers' },
      { kind: 'setRole', role: Role.Stale, context: 'demote: set stale' },
      { kind: 'setEpoch', epoch: newEpoch, context: 'demote: set epoch' },
      { kind: 'setMasterEpoch', epoch: newEpoch },
    ],
  };
}

export type EffectOutcome =
  | { readonly ok: true; readonly vol: VolumeControlState }
  | { readonly ok: false; readonly vol: VolumeControlState; readonly error: ControlError };

/**
 * The state change of one effect. `ioError` is the simulator's result for an effect with I/O
 * (only 'setEpoch' uses it: the superblock write/fsync error text, null = success).
 * 'awaitDrain' and 'stopShippers' change no control state.
 */
export function applyVolumeEffect(v: VolumeControlState, e: VolumeEffect, now: number, ioError: string | null = null): EffectOutcome {
  switch (e.kind) {
    case 'setEpoch': {
      const next = withEpoch(v, e.epoch); // Go stores before writing
      if (ioError !== null) return { ok: false, vol: next, error: new ControlError('ErrEpochPersist', `${e.context}: ${ioError}`) };
      return { ok: true, vol: next };
    }
    case 'setMasterEpoch':
      return { ok: true, vol: withMasterEpoch(v, e.epoch) };
    case 'setRole': {
      const err = checkSetRole(v.role, e.role);
      if (err) return { ok: false, vol: v, error: e.context === null ? err : err.wrap(e.context) };
      return { ok: true, vol: { ...v, role: e.role } };
    }
    case 'grantLease':
      return { ok: true, vol: { ...v, lease: grantLease(now, e.ttlMs) } };
    case 'revokeLease':
      return { ok: true, vol: { ...v, lease: revokeLease() } };
    case 'awaitDrain':
    case 'stopShippers':
      return { ok: true, vol: v };
  }
}

/** What the executor needs from the real volume. */
export interface VolumeIO {
  /** Persist `epoch` in the superblock and fsync; the error text, or null on success. */
  persistEpoch(epoch: number): string | null;
  /** vol.opsOutstanding: in-flight Read/Write/Trim/SyncCache ops. */
  opsOutstanding(): number;
  /** shipperGroup.StopAll() if a shipper group exists. */
  stopShippers(): void;
}

/** Where a plan stopped: the next effect to run and, while draining, the drain deadline. */
export interface PlanCursor {
  readonly effects: readonly VolumeEffect[];
  readonly next: number;
  readonly drainDeadline: number | null;
}

export type PlanStep =
  | { readonly status: 'done'; readonly vol: VolumeControlState }
  | { readonly status: 'failed'; readonly vol: VolumeControlState; readonly error: ControlError }
  /** Draining: call runVolumePlan again with `cursor` at `wakeAt` (or earlier, when ops drop to 0). */
  | { readonly status: 'waiting'; readonly vol: VolumeControlState; readonly cursor: PlanCursor; readonly wakeAt: number };

export function startPlan(effects: readonly VolumeEffect[]): PlanCursor {
  return { effects, next: 0, drainDeadline: null };
}

/**
 * Run effects from `cursor` at virtual time `now` until done, failed, or waiting for the drain.
 * The drain follows Go's loop: `for ops > 0 { select { deadline → ErrDrainTimeout; tick } }` —
 * ops is checked first (no wait when already 0), then at each 1 ms tick; at or after the
 * deadline with ops still > 0 it fails.
 */
export function runVolumePlan(v: VolumeControlState, cursor: PlanCursor, now: number, io: VolumeIO): PlanStep {
  let vol = v;
  let i = cursor.next;
  let deadline = cursor.drainDeadline;
  while (i < cursor.effects.length) {
    const e = cursor.effects[i]!;
    if (e.kind === 'awaitDrain') {
      if (deadline === null) deadline = now + e.timeoutMs;
      if (io.opsOutstanding() > 0) {
        if (now >= deadline) return { status: 'failed', vol, error: sentinel('ErrDrainTimeout') };
        return { status: 'waiting', vol, cursor: { effects: cursor.effects, next: i, drainDeadline: deadline }, wakeAt: Math.min(now + DRAIN_POLL_MS, deadline) };
      }
      deadline = null;
    }
    if (e.kind === 'stopShippers' && vol.hasShipperGroup) io.stopShippers();
    const ioErr = e.kind === 'setEpoch' ? io.persistEpoch(e.epoch) : null;
    const out = applyVolumeEffect(vol, e, now, ioErr);
    vol = out.vol;
    if (!out.ok) return { status: 'failed', vol, error: out.error };
    i += 1;
  }
  return { status: 'done', vol };
}

/** HandleAssignment end to end when the drain needs no wait (tests, calm paths). */
export function handleAssignment(v: VolumeControlState, newEpoch: number, newRole: Role, leaseTtlMs: number, now: number, io: VolumeIO, opts: AssignmentOptions = {}): PlanStep {
  const d = planAssignment(v, newEpoch, newRole, leaseTtlMs, opts);
  if (!d.ok) return { status: 'failed', vol: v, error: d.error };
  return runVolumePlan(v, startPlan(d.effects), now, io);
}
