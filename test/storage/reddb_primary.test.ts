// reddb slots, retention and resume (spec §11.4-11.5): ensure/advance/touch, the three
// invalidation causes, the floor, pruning through min(floor, archived), durability policies and
// plan_replica_resume's boundary.
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/storage/errors.ts';
import { ManualClock } from '../../src/storage/reddb/clock.ts';
import { isDurabilitySatisfied, replicaAck, requiredQuorum, type ReplicaAck } from '../../src/storage/reddb/durability.ts';
import { SpoolFs } from '../../src/storage/reddb/file.ts';
import { ReddbMemDisk } from '../../src/storage/reddb/mem_disk.ts';
import { ReddbPrimary } from '../../src/storage/reddb/primary.ts';
import { LogicalWalSpool } from '../../src/storage/reddb/spool.ts';

function ok<T>(x: T | StorageError): T {
  if (x instanceof StorageError) throw x;
  return x;
}
const data = (l: number): Uint8Array => Uint8Array.of(l & 0xff);

function primaryWithSpool(opts: { maxLag?: number; idle?: number } = {}) {
  const clock = new ManualClock(1000);
  const fs = new SpoolFs(() => new ReddbMemDisk(1 << 20));
  const spool = ok(LogicalWalSpool.open(fs, { clock }));
  const p = new ReddbPrimary({ clock, spool, slotRetentionMaxLagLsn: opts.maxLag ?? 0, slotIdleTimeoutMs: opts.idle ?? 0 });
  return { clock, spool, p };
}

describe('slots', () => {
  it('a new slot starts at the current LSN; re-registration keeps its position and refreshes last-seen', () => {
    const { clock, p } = primaryWithSpool();
    for (let l = 1; l <= 5; l++) ok(p.appendLogicalRecord(l, data(l)));
    expect(p.registerReplica('r1')).toBe(5);
    expect(p.slot('r1')).toMatchObject({ restartLsn: 5, confirmedWriteLsn: 5, confirmedFlushLsn: 5, confirmedApplyLsn: 5, lastSeenAtUnixMs: 1000 });
    for (let l = 6; l <= 9; l++) ok(p.appendLogicalRecord(l, data(l)));
    clock.advance(50);
    expect(p.registerReplica('r1')).toBe(5);
    expect(p.slot('r1')!.lastSeenAtUnixMs).toBe(1050);
  });

  it('advance_slot raises restart to durable, write to max(confirmed, applied, durable), flush/apply to >= restart', () => {
    const { p } = primaryWithSpool();
    p.advanceSlot('r', 7, 4, 10); // creates at 0
    expect(p.slot('r')).toMatchObject({ restartLsn: 4, confirmedWriteLsn: 7, confirmedFlushLsn: 4, confirmedApplyLsn: 4, lastSeenAtUnixMs: 10 });
    p.advanceSlot('r', 2, 3, 11); // lower ack: nothing goes back
    expect(p.slot('r')).toMatchObject({ restartLsn: 4, confirmedWriteLsn: 7, confirmedFlushLsn: 4, confirmedApplyLsn: 4, lastSeenAtUnixMs: 11 });
  });

  it('floor = min restart over valid slots; null without valid slots', () => {
    const { p } = primaryWithSpool();
    expect(p.retentionFloorLsn()).toBeNull();
    p.advanceSlot('a', 9, 9, 0);
    p.advanceSlot('b', 3, 3, 0);
    expect(p.retentionFloorLsn()).toBe(3);
    p.planReplicaResume('b', 3, 10); // oldest 10 > 4: b invalidated (wal-removed)
    expect(p.slot('b')!.invalidationReason).toBe('wal-removed');
    expect(p.retentionFloorLsn()).toBe(9);
  });

  it('enforce_retention_limits: horizon before idle timeout; invalidated slots never advance, touch or revalidate', () => {
    const { clock, p } = primaryWithSpool({ maxLag: 10, idle: 100 });
    p.advanceSlot('lag', 1, 1, clock.nowMs());
    p.advanceSlot('idle', 20, 20, clock.nowMs());
    p.advanceSlot('fresh', 20, 20, clock.nowMs());
    for (let l = 1; l <= 20; l++) ok(p.appendLogicalRecord(l, data(l)));
    clock.advance(100);
    expect(p.enforceRetentionLimits(clock.nowMs())).toEqual([{ replicaId: 'lag', cause: 'horizon' }]); // 100 is not > 100
    p.touchSlot('fresh', clock.nowMs());
    clock.advance(1);
    expect(p.enforceRetentionLimits(clock.nowMs())).toEqual([{ replicaId: 'idle', cause: 'idle-timeout' }]);
    const before = p.slot('lag')!;
    expect(before.invalidatedAtUnixMs).toBe(1100);
    p.advanceSlot('lag', 50, 50, clock.nowMs());
    p.touchSlot('lag', clock.nowMs());
    expect(p.slot('lag')).toEqual(before);
    expect(p.enforceRetentionLimits(clock.nowMs() + 10_000)).toEqual([{ replicaId: 'fresh', cause: 'idle-timeout' }]);
  });
});

describe('prune_retained_wal_through', () => {
  it('prunes spool and buffer through min(floor, archived); invalidating a slow slot releases the floor', () => {
    const { clock, spool, p } = primaryWithSpool({ maxLag: 15 });
    p.advanceSlot('slow', 2, 2, 0);
    p.advanceSlot('fast', 12, 12, 0);
    for (let l = 1; l <= 15; l++) ok(p.appendLogicalRecord(l, data(l)));
    expect(ok(p.pruneRetainedWalThrough(10))).toBe(2);
    expect(ok(spool.readSince(0, 100)).map((r) => r.lsn)[0]).toBe(3);
    expect(p.walBuffer.oldestLsn()).toBe(3);
    for (let l = 16; l <= 20; l++) ok(p.appendLogicalRecord(l, data(l)));
    clock.advance(1);
    expect(ok(p.pruneRetainedWalThrough(10))).toBe(10); // slow: 20 - 2 > 15 -> horizon; floor 12
    expect(p.slot('slow')!.invalidationReason).toBe('horizon');
    expect(ok(spool.oldestLsn())).toBe(11);
    expect(ok(p.pruneRetainedWalThrough(100))).toBe(12);
    expect(ok(spool.oldestLsn())).toBe(13);
  });

  it('without valid slots prunes through archived; a prune LSN of 0 touches nothing', () => {
    const { spool, p } = primaryWithSpool();
    for (let l = 1; l <= 5; l++) ok(p.appendLogicalRecord(l, data(l)));
    expect(ok(p.pruneRetainedWalThrough(0))).toBe(0);
    expect(ok(spool.oldestLsn())).toBe(1);
    expect(ok(p.pruneRetainedWalThrough(3))).toBe(3);
    expect(ok(spool.oldestLsn())).toBe(4);
  });
});

describe('plan_replica_resume', () => {
  it('partial iff oldest <= max(restart, requested) + 1; resume never behind the slot', () => {
    const { p } = primaryWithSpool();
    p.advanceSlot('r', 10, 10, 0);
    expect(p.planReplicaResume('r', 4, 11)).toEqual({ kind: 'partial_resync', resumeLsn: 10 });
    expect(p.planReplicaResume('r', 12, 13)).toEqual({ kind: 'partial_resync', resumeLsn: 12 });
    expect(p.planReplicaResume('r', 12, null)).toEqual({ kind: 'partial_resync', resumeLsn: 12 });
    expect(p.partialResyncCount).toBe(3);
    expect(p.planReplicaResume('r', 4, 12)).toEqual({ kind: 'full_rebootstrap', cause: 'wal-removed' });
    expect(p.planReplicaResume('r', 100, 1)).toEqual({ kind: 'full_rebootstrap', cause: 'wal-removed' }); // permanent
    expect(p.fullResyncCount).toBe(2);
  });

  it('no slot: partial at the requested LSN whatever the oldest', () => {
    const { p } = primaryWithSpool();
    expect(p.planReplicaResume('ghost', 3, 50)).toEqual({ kind: 'partial_resync', resumeLsn: 3 });
    expect(p.slot('ghost')).toBeUndefined();
  });

  it('returns an existing invalidation cause as is', () => {
    const { clock, p } = primaryWithSpool({ idle: 5 });
    p.advanceSlot('r', 1, 1, clock.nowMs());
    clock.advance(6);
    p.enforceRetentionLimits(clock.nowMs());
    expect(p.planReplicaResume('r', 1, 1)).toEqual({ kind: 'full_rebootstrap', cause: 'idle-timeout' });
  });
});

describe('durability policies', () => {
  const ack = (id: string, recv: number, w: number, f: number, a: number): ReplicaAck => ok(replicaAck(id, 1, recv, w, f, a));
  it('counts acks whose write/flush/apply position reaches the commit LSN', () => {
    const acks = [ack('a', 10, 10, 8, 5), ack('b', 10, 9, 9, 9)];
    expect(isDurabilitySatisfied({ kind: 'async' }, 100, [])).toBe(true);
    expect(isDurabilitySatisfied({ kind: 'remote_write', quorum: 2 }, 9, acks)).toBe(true);
    expect(isDurabilitySatisfied({ kind: 'remote_write', quorum: 2 }, 10, acks)).toBe(false);
    expect(isDurabilitySatisfied({ kind: 'remote_flush', quorum: 1 }, 9, acks)).toBe(true);
    expect(isDurabilitySatisfied({ kind: 'remote_flush', quorum: 2 }, 9, acks)).toBe(false);
    expect(isDurabilitySatisfied({ kind: 'remote_apply', quorum: 1 }, 9, acks)).toBe(true);
    expect(isDurabilitySatisfied({ kind: 'remote_apply', quorum: 1 }, 10, acks)).toBe(false);
    expect(requiredQuorum({ kind: 'remote_flush', quorum: 3 })).toBe(3);
    expect(requiredQuorum({ kind: 'async' })).toBe(0);
  });

  it('rejects acks whose positions are not applied <= flushed <= written <= received', () => {
    expect(replicaAck('a', 1, 5, 6, 1, 1)).toBeInstanceOf(StorageError);
    expect(replicaAck('a', 1, 5, 5, 4, 5)).toBeInstanceOf(StorageError);
    expect(replicaAck('a', 1, 5, 5, 5, 5)).not.toBeInstanceOf(StorageError);
  });
});
