// The marks module itself: counting, resetting, per-run swapping, the expectMark / MarkScope test
// API, and that every code or cause a choke point turns into a mark name has its catalogue entry.
import { describe, expect, it } from 'vitest';
import {
  expectMark, expectNoMark, M, mark, MARK_COUNT, MARK_LAYERS, MARK_NAMES, markCount, markNamed, markRecord, MARKS, markScope,
  MarkNotHit, newMarkCounts, resetMarks, summariseMarks, swapMarkCounts, withMarks, type MarkName,
} from '../../src/marks/index.ts';
import { SenderErrorCode } from '../../src/engine/sender.ts';
import { BudgetViolation } from '../../src/engine/types.ts';
import type { TransitionCause } from '../../src/replication/shipper_observation.ts';
import type { FailoverEvent } from '../../src/control/master/failover.ts';
import type { PromotionRejectionReason } from '../../src/control/master/promotion.ts';
import type { Sentinel } from '../../src/control/volume/errors.ts';

describe('mark counters', () => {
  it('count hits by id and by name, and reset', () => {
    const { counts } = withMarks(() => {
      mark(M.storage_wal_full);
      mark(M.storage_wal_full);
      markNamed('repl_barrier_ok');
      markNamed('not_a_mark'); // ignored
    });
    expect(markRecord(counts)).toEqual({ storage_wal_full: 2, repl_barrier_ok: 1 });
    const prev = swapMarkCounts(counts);
    resetMarks();
    expect(markRecord(counts)).toEqual({});
    swapMarkCounts(prev);
  });

  it('swapped counters keep runs apart', () => {
    const a = newMarkCounts(), b = newMarkCounts();
    const outer = swapMarkCounts(a);
    mark(M.engine_plan_catchup_pinned);
    swapMarkCounts(b);
    mark(M.engine_rebuild_completed);
    swapMarkCounts(outer);
    expect(markRecord(a)).toEqual({ engine_plan_catchup_pinned: 1 });
    expect(markRecord(b)).toEqual({ engine_rebuild_completed: 1 });
    expect(markCount('engine_rebuild_completed', b)).toBe(1);
  });

  it('nested scopes pass their hits outward', () => {
    const { counts } = withMarks(() => expectMark('storage_wal_full', () => expectMark('storage_wal_full', () => mark(M.storage_wal_full))));
    expect(markRecord(counts)).toEqual({ storage_wal_full: 1 });
  });

  it('expectMark passes when hit, names the mark when not; expectNoMark the reverse', () => {
    expect(expectMark('storage_wal_full', () => { mark(M.storage_wal_full); return 7; })).toBe(7);
    expect(() => expectMark('storage_wal_full', () => mark(M.storage_wal_full_retry))).toThrow(MarkNotHit);
    expect(() => expectMark('storage_wal_full', () => undefined)).toThrow(/storage_wal_full.*not hit/);
    expect(() => expectNoMark('storage_wal_full', () => mark(M.storage_wal_full))).toThrow(/hit 1 time/);
  });

  it('a MarkScope collects until end() and restores the outer counters', () => {
    const { counts } = withMarks(() => {
      const scope = markScope();
      mark(M.repl_barrier_ok);
      scope.expectHit('repl_barrier_ok');
      expect(() => scope.expectHit('repl_barrier_deadline')).toThrow(MarkNotHit);
      expect(scope.end()).toEqual({ repl_barrier_ok: 1 });
      mark(M.repl_barrier_deadline);
    });
    expect(markRecord(counts)).toEqual({ repl_barrier_ok: 1, repl_barrier_deadline: 1 });
  });

  it('summarises hit/total per layer and the never-hit marks', () => {
    const s = summariseMarks({ storage_wal_full: 3 });
    expect(s.total).toBe(MARK_COUNT);
    expect(s.hit).toBe(1);
    expect(s.layers.storage.hit).toBe(1);
    expect(s.neverHit.storage).not.toContain('storage_wal_full');
    expect(MARK_LAYERS.reduce((n, l) => n + s.layers[l].total, 0)).toBe(MARK_COUNT);
  });
});

describe('mark catalogue', () => {
  it('every mark has a layer-prefixed name and a one-line meaning', () => {
    const prefix: Record<string, string> = { engine: 'engine_', storage: 'storage_', replication: 'repl_', control: 'control_' };
    for (const n of MARK_NAMES) {
      expect(n.startsWith(prefix[MARKS[n].layer]!), n).toBe(true);
      expect(MARKS[n].meaning.length, n).toBeGreaterThan(5);
      expect(MARKS[n].meaning.includes('\n'), n).toBe(false);
    }
  });

  // The choke points that pick a mark by name (markNamed) must find one for every value.
  const has = (n: string): boolean => (MARK_NAMES as readonly string[]).includes(n);
  it('every sender rejection code and budget violation has its mark', () => {
    for (const code of Object.values(SenderErrorCode)) expect(has(`engine_sender_reject_${code}`), code).toBe(true);
    for (const v of Object.values(BudgetViolation)) if (v !== '') expect(has(`engine_budget_${v}`), v).toBe(true);
  });

  it('every shipper transition cause, failover event, promotion gate and volume sentinel has its mark', () => {
    const causes: Record<TransitionCause, true> = {
      barrier_ok: true, reconnect_insync: true, catchup_done: true, ship_failed: true, barrier_failed: true, reconnect: true,
      reconnect_failed: true, handshake: true, catchup_start: true, catchup_failed: true, catchup_recycled: true, retention_timeout: true,
    };
    const kinds: Record<FailoverEvent['kind'], true> = {
      no_replica: true, deferred: true, promoted: true, promote_failed: true, replica_removed: true, timer_skipped_deleted: true,
      timer_skipped_epoch: true, timers_cancelled: true, orphan_detected: true, rebuild_skipped_deleted: true, catchup_enqueued: true,
      rebuild_enqueued: true, rebuild_empty_addr: true, primary_refreshed: true,
    };
    const gates: Record<PromotionRejectionReason, true> = { no_heartbeat: true, stale_heartbeat: true, wal_lag: true, wrong_role: true, server_dead: true };
    const sentinels: Record<Sentinel, true> = {
      ErrInvalidRoleTransition: true, ErrInvalidAssignment: true, ErrDrainTimeout: true, ErrEpochRegression: true, ErrNotPrimary: true,
      ErrEpochStale: true, ErrLeaseExpired: true, ErrEpochPersist: true, ErrVolumeNotFound: true, ErrReplicaReceiver: true,
    };
    for (const c of Object.keys(causes)) expect(has(`repl_shipper_${c}`), c).toBe(true);
    for (const k of Object.keys(kinds)) expect(has(`control_failover_${k}`), k).toBe(true);
    for (const g of Object.keys(gates)) expect(has(`control_promotion_reject_${g}`), g).toBe(true);
    for (const s of Object.keys(sentinels)) expect(has(`control_volume_${s}`), s).toBe(true);
  });

  it('names are unique and ids follow catalogue order', () => {
    expect(new Set(MARK_NAMES).size).toBe(MARK_NAMES.length);
    MARK_NAMES.forEach((n: MarkName, i) => expect(M[n]).toBe(i));
  });
});
