// Checks R1-R5 (spec §12.7): unit cases, fast-check properties over random histories, and for each
// check a planted bug that makes it fire. R1 is a candidate: the stored H12 behaviour violates it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FIRST_CHOICE, type Chooser } from '../../src/storage/disk.ts';
import { StorageError } from '../../src/storage/errors.ts';
import type { ReddbSwitches } from '../../src/storage/reddb/bugs.ts';
import {
  checkR1,
  checkR2,
  checkR3,
  checkR4,
  expectedResume,
  R1AckTracker,
  R5SlotMonitor,
  type CheckFailure,
} from '../../src/storage/reddb/checks.ts';
import { ManualClock } from '../../src/storage/reddb/clock.ts';
import { SpoolFs } from '../../src/storage/reddb/file.ts';
import { encodeLogicalWalV3 } from '../../src/storage/reddb/frame.ts';
import { ReddbMemDisk } from '../../src/storage/reddb/mem_disk.ts';
import { SimDisk } from '../../src/storage/sim_disk.ts';
import { ReddbPrimary } from '../../src/storage/reddb/primary.ts';
import { readFramesFrom } from '../../src/storage/reddb/scan.ts';
import { newReplicationSlot, type ReplicationSlot } from '../../src/storage/reddb/slot.ts';
import { LogicalWalSpool } from '../../src/storage/reddb/spool.ts';

const DEEP = process.env.SWSIM_DEEP !== undefined;
const RUNS = DEEP ? 1000 : 60;

function ok<T>(x: T | StorageError): T {
  if (x instanceof StorageError) throw x;
  return x;
}
/** A seeded chooser (mulberry32), so a fast-check seed fixes every crash decision. */
function seeded(seed: number): Chooser {
  let a = seed >>> 0;
  return {
    choose: (_kind, n) => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) % n) >>> 0;
    },
  };
}
const newFs = (sector = 64): SpoolFs => new SpoolFs(() => new ReddbMemDisk(1 << 20, sector));
const payload = (lsn: number, size: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (lsn * 31 + i) & 0xff);
const open = (fs: SpoolFs, sw: ReddbSwitches, clock = new ManualClock(1)): LogicalWalSpool => ok(LogicalWalSpool.open(fs, { clock, switches: sw }));

// ---- R1 ------------------------------------------------------------------------------------------

type SpoolOp = { k: 'append'; size: number } | { k: 'crash_inflight'; size: number; seed: number } | { k: 'crash'; seed: number } | { k: 'prune'; back: number };
const spoolOp: fc.Arbitrary<SpoolOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('append' as const), size: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('crash_inflight' as const), size: fc.integer({ min: 0, max: 40 }), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('crash' as const), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('prune' as const), back: fc.integer({ min: 0, max: 10 }) }) },
);

/** Runs a spool history; after every (re)open returns the first R1/R2 failure, or null. */
function runSpoolHistory(ops: readonly SpoolOp[], sw: ReddbSwitches, fs: SpoolFs = newFs()): CheckFailure | null {
  const tracker = new R1AckTracker();
  let spool = open(fs, sw);
  let lsn = 0;
  const reopen = (): CheckFailure | null => {
    const before = fs.exists('logical.wal') ? ok(fs.readAll('logical.wal')) : new Uint8Array(0); // an uncommitted create may be lost
    spool = open(fs, sw);
    return tracker.check(ok(spool.fileBytes()), before) ?? checkR2(spool);
  };
  for (const op of ops) {
    if (op.k === 'append') {
      lsn += 1;
      const data = payload(lsn, op.size);
      if (spool.append(lsn, data) === null) tracker.noteAcked(lsn, data);
    } else if (op.k === 'crash_inflight') {
      lsn += 1; // the process dies between the write and the sync: never acknowledged
      ok(fs.append('logical.wal', ok(encodeLogicalWalV3(1, lsn, 1, payload(lsn, op.size)))));
      fs.crash(seeded(op.seed));
      const f = reopen();
      if (f !== null) return f;
    } else if (op.k === 'crash') {
      fs.crash(seeded(op.seed));
      const f = reopen();
      if (f !== null) return f;
    } else {
      const upto = Math.max(0, lsn - op.back);
      if (spool.pruneThrough(upto) === null) tracker.notePruned(upto);
      const f = checkR2(spool);
      if (f !== null) return f;
    }
  }
  return reopen();
}

describe('R1 longest valid prefix', () => {
  const a = ok(encodeLogicalWalV3(1, 1, 1, Uint8Array.of(1)));
  const b = ok(encodeLogicalWalV3(1, 2, 1, Uint8Array.of(2)));
  const both = new Uint8Array([...a, ...b]);

  it('passes for complete frames holding every ack; fails on a stub, a missing ack, or an over-truncation', () => {
    expect(checkR1(both, [{ lsn: 2, data: Uint8Array.of(2) }])).toBeNull();
    expect(checkR1(new Uint8Array([...both, 0x52]), [])).toMatchObject({ id: 'R1', candidate: true });
    expect(checkR1(a, [{ lsn: 2, data: Uint8Array.of(2) }])?.message).toMatch(/lsn=2/);
    expect(checkR1(a, [], both)?.message).toMatch(/longest valid prefix/);
    expect(checkR1(a, [], new Uint8Array([...a, ...b.subarray(0, 7)]))).toBeNull();
  });

  it('property (with h12fix): random appends, torn in-flight appends, crashes, prunes and reopens keep R1 and R2', () => {
    fc.assert(
      fc.property(fc.array(spoolOp, { maxLength: DEEP ? 120 : 40 }), (ops) => {
        expect(runSpoolHistory(ops, { h12fix: true })).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('property (with h12fix) on the simulator\'s SimDisk (reordering, sector-torn unsynced writes)', () => {
    fc.assert(
      fc.property(fc.array(spoolOp, { maxLength: DEEP ? 120 : 30 }), (ops) => {
        const fs = new SpoolFs(() => new SimDisk({ size: 1 << 20, sectorSize: 64 }));
        expect(runSpoolHistory(ops, { h12fix: true }, fs)).toBeNull();
      }),
      { numRuns: DEEP ? 500 : 30 },
    );
  });

  it('candidate H12: the stored behaviour violates R1 (stub survives open; a later acked frame is lost)', () => {
    const fs = newFs();
    const tracker = new R1AckTracker();
    let s = open(fs, {});
    for (const l of [1, 2]) {
      ok(s.append(l, payload(l, 3)));
      tracker.noteAcked(l, payload(l, 3));
    }
    ok(fs.append('logical.wal', ok(encodeLogicalWalV3(1, 3, 1, payload(3, 3)))));
    fs.crash({ choose: (kind, n) => (kind === 'reddb.fs.crash.length' ? 3 : n - 1) });
    s = open(fs, {});
    expect(tracker.check(ok(s.fileBytes()))).toMatchObject({ id: 'R1', candidate: true });
    ok(s.append(4, payload(4, 3)));
    tracker.noteAcked(4, payload(4, 3));
    s = open(fs, {});
    expect(tracker.check(ok(s.fileBytes()))?.message).toMatch(/lsn=4/);
  });

  it('candidate H12 is reachable from random histories without h12fix', () => {
    const found = fc.sample(fc.array(spoolOp, { minLength: 30, maxLength: 60 }), { numRuns: DEEP ? 3000 : 400, seed: 42 }).some((ops) => runSpoolHistory(ops, {})?.id === 'R1');
    expect(found).toBe(true);
  });

  it('planted bug ackBeforeFsync: a crash loses an acknowledged append and R1 fires', () => {
    const fs = newFs();
    const tracker = new R1AckTracker();
    const sw: ReddbSwitches = { h12fix: true, planted: { ackBeforeFsync: true } };
    const s = open(fs, sw);
    expect(s.append(1, payload(1, 5))).toBeNull();
    tracker.noteAcked(1, payload(1, 5));
    fs.crash(FIRST_CHOICE);
    expect(tracker.check(ok(open(fs, sw).fileBytes()))).toMatchObject({ id: 'R1' });
  });
});

// ---- R2 ------------------------------------------------------------------------------------------

describe('R2 seek index sound', () => {
  it('property: random appends and prunes across many index intervals keep the index sound', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 90 }), fc.constant(-1)), { maxLength: DEEP ? 40 : 12 }), (steps) => {
        const fs = newFs();
        let s = open(fs, {});
        let lsn = 0;
        for (const n of steps) {
          if (n < 0) ok(s.pruneThrough(Math.floor(lsn / 2)));
          else for (let i = 0; i < n; i++) ok(s.append(++lsn, payload(lsn, i % 7)));
          expect(checkR2(s)).toBeNull();
        }
        s = open(fs, {});
        expect(checkR2(s)).toBeNull();
      }),
      { numRuns: DEEP ? 300 : 25 },
    );
  });

  it('fires on an index point that is not a frame start, on unordered points, and on a wrong read_since', () => {
    const fs = newFs();
    const s = open(fs, {});
    for (let l = 1; l <= 70; l++) ok(s.append(l, payload(l, 2)));
    const view = (points: { lsn: number; offset: number }[], drop = false) => ({
      seekIndex: () => points,
      fileBytes: () => s.fileBytes(),
      readSince: (x: number, m: number) => {
        const r = ok(s.readSince(x, m));
        return drop ? r.slice(1) : r;
      },
    });
    expect(checkR2(view(s.seekIndex()))).toBeNull();
    expect(checkR2(view([{ lsn: 1, offset: 3 }]))?.message).toMatch(/not a valid frame start/);
    expect(checkR2(view([{ lsn: 2, offset: 0 }]))?.message).toMatch(/names a frame with lsn 1/);
    const [p0, p1] = s.seekIndex();
    expect(checkR2(view([p1!, p0!]))?.message).toMatch(/strictly increasing/);
    expect(checkR2(view(s.seekIndex(), true))?.message).toMatch(/read_since/);
  });

  it('planted bug staleIndexAfterPrune: R2 fires after a prune', () => {
    const fs = newFs();
    const s = open(fs, { planted: { staleIndexAfterPrune: true } });
    for (let l = 1; l <= 150; l++) ok(s.append(l, payload(l, 4)));
    ok(s.pruneThrough(40));
    expect(checkR2(s)).toMatchObject({ id: 'R2' });
  });
});

// ---- R3-R5: random primary histories ----------------------------------------------------------------

type PrimaryOp =
  | { k: 'append'; n: number }
  | { k: 'register'; id: number }
  | { k: 'ack'; id: number; applied: number; durable: number }
  | { k: 'touch'; id: number }
  | { k: 'tick'; ms: number }
  | { k: 'enforce' }
  | { k: 'prune'; archived: number }
  | { k: 'resume'; id: number; requested: number; oldestBack: number };
const ids = fc.integer({ min: 0, max: 3 });
const primaryOp: fc.Arbitrary<PrimaryOp> = fc.oneof(
  fc.record({ k: fc.constant('append' as const), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ k: fc.constant('register' as const), id: ids }),
  fc.record({ k: fc.constant('ack' as const), id: ids, applied: fc.nat({ max: 60 }), durable: fc.nat({ max: 60 }) }),
  fc.record({ k: fc.constant('touch' as const), id: ids }),
  fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ k: fc.constant('enforce' as const) }),
  fc.record({ k: fc.constant('prune' as const), archived: fc.nat({ max: 60 }) }),
  fc.record({ k: fc.constant('resume' as const), id: ids, requested: fc.nat({ max: 60 }), oldestBack: fc.integer({ min: -3, max: 3 }) }),
);

/** Runs a primary history, checking R3 on every prune, R4 on every resume and R5 after every step. */
function runPrimaryHistory(ops: readonly PrimaryOp[], sw: ReddbSwitches): CheckFailure | null {
  const clock = new ManualClock(0);
  const fs = newFs();
  const spool = ok(LogicalWalSpool.open(fs, { clock, switches: sw }));
  const p = new ReddbPrimary({ clock, spool, slotRetentionMaxLagLsn: 25, slotIdleTimeoutMs: 60, switches: sw });
  const r5 = new R5SlotMonitor();
  const spoolLsns = (): number[] => readFramesFrom(ok(spool.fileBytes()), 0).map((f) => f.entry.lsn);
  let lsn = 0;
  for (const op of ops) {
    let f: CheckFailure | null = null;
    const id = `r${'id' in op ? op.id : 0}`;
    switch (op.k) {
      case 'append':
        for (let i = 0; i < op.n; i++) ok(p.appendLogicalRecord(++lsn, payload(lsn, 1)));
        break;
      case 'register':
        p.registerReplica(id);
        break;
      case 'ack':
        p.ackReplicaLsn(id, Math.min(op.applied, lsn), Math.min(op.durable, lsn));
        break;
      case 'touch':
        p.touchSlot(id, clock.nowMs());
        break;
      case 'tick':
        clock.advance(op.ms);
        break;
      case 'enforce':
        p.enforceRetentionLimits(clock.nowMs());
        break;
      case 'prune': {
        const before = spoolLsns();
        const bufBefore = p.walBuffer.lsns();
        ok(p.pruneRetainedWalThrough(op.archived));
        const slotsAtPrune = p.slotSnapshots();
        f = checkR3({ before, after: spoolLsns(), slotsAtPrune, archivedLsn: op.archived }) ?? checkR3({ before: bufBefore, after: p.walBuffer.lsns(), slotsAtPrune, archivedLsn: op.archived });
        break;
      }
      case 'resume': {
        const oldest = ok(spool.oldestLsn());
        const o = oldest === null ? null : Math.max(0, oldest + op.oldestBack);
        const slotBefore = p.slot(id);
        const decision = p.planReplicaResume(id, op.requested, o);
        f = checkR4({ slotBefore, slotAfter: p.slot(id), requestedSinceLsn: op.requested, oldestAvailableLsn: o, decision });
        break;
      }
    }
    f = f ?? r5.observe(p.slotSnapshots());
    if (f !== null) return f;
  }
  return null;
}

const slot = (over: Partial<ReplicationSlot>): ReplicationSlot => ({ ...newReplicationSlot('r', 1, 10), ...over });

describe('R3 floor respected', () => {
  it('allows removal through min(floor, archived), or archived without valid slots; fires above it', () => {
    const slots = [slot({ restartLsn: 5 }), slot({ replicaId: 'x', restartLsn: 1, invalidationReason: 'horizon' })];
    expect(checkR3({ before: [4, 5, 6], after: [6], slotsAtPrune: slots, archivedLsn: 9 })).toBeNull();
    expect(checkR3({ before: [4, 5, 6], after: [], slotsAtPrune: slots, archivedLsn: 9 })?.message).toMatch(/lsn 6/);
    expect(checkR3({ before: [4, 5, 6], after: [6], slotsAtPrune: slots, archivedLsn: 4 })?.message).toMatch(/lsn 5/);
    expect(checkR3({ before: [4, 5, 6], after: [], slotsAtPrune: [], archivedLsn: 6 })).toBeNull();
  });

  it('property: prunes under random slots, acks, timeouts and resumes keep R3, R4 and R5', () => {
    fc.assert(
      fc.property(fc.array(primaryOp, { maxLength: DEEP ? 150 : 50 }), (ops) => {
        expect(runPrimaryHistory(ops, {})).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('planted bug pruneIgnoresFloor: R3 fires', () => {
    const ops: PrimaryOp[] = [{ k: 'register', id: 0 }, { k: 'append', n: 8 }, { k: 'prune', archived: 6 }];
    expect(runPrimaryHistory(ops, {})).toBeNull();
    expect(runPrimaryHistory(ops, { planted: { pruneIgnoresFloor: true } })).toMatchObject({ id: 'R3' });
  });
});

describe('R4 resume decision', () => {
  it('closed form: boundary oldest = floor + 1 is partial, floor + 2 is full; no slot is partial at requested', () => {
    expect(expectedResume(slot({ restartLsn: 10 }), 4, 11)).toEqual({ kind: 'partial_resync', resumeLsn: 10 });
    expect(expectedResume(slot({ restartLsn: 10 }), 4, 12)).toEqual({ kind: 'full_rebootstrap', cause: 'wal-removed' });
    expect(expectedResume(slot({ invalidationReason: 'horizon' }), 99, 1)).toEqual({ kind: 'full_rebootstrap', cause: 'horizon' });
    expect(expectedResume(undefined, 7, 100)).toEqual({ kind: 'partial_resync', resumeLsn: 7 });
  });

  it('fires on a decision off the closed form and on a full re-bootstrap that leaves the slot valid', () => {
    const s = slot({ restartLsn: 10 });
    expect(checkR4({ slotBefore: s, slotAfter: s, requestedSinceLsn: 4, oldestAvailableLsn: 11, decision: { kind: 'partial_resync', resumeLsn: 4 } })?.message).toMatch(/closed form/);
    const full = { kind: 'full_rebootstrap', cause: 'wal-removed' } as const;
    expect(checkR4({ slotBefore: s, slotAfter: s, requestedSinceLsn: 4, oldestAvailableLsn: 12, decision: full })?.message).toMatch(/left slot r valid/);
  });

  it('planted bug resumeBoundaryOffByOne: R4 fires at oldest = floor + 1', () => {
    const ops: PrimaryOp[] = [{ k: 'append', n: 6 }, { k: 'ack', id: 0, applied: 3, durable: 3 }, { k: 'prune', archived: 3 }, { k: 'resume', id: 0, requested: 3, oldestBack: 0 }];
    expect(runPrimaryHistory(ops, {})).toBeNull();
    expect(runPrimaryHistory(ops, { planted: { resumeBoundaryOffByOne: true } })).toMatchObject({ id: 'R4' });
  });
});

describe('R5 slot monotonicity', () => {
  it('fires on a decreasing position, a cleared or changed invalidation, and movement after invalidation', () => {
    const m = new R5SlotMonitor();
    expect(m.observe([slot({ restartLsn: 10, confirmedWriteLsn: 12 })])).toBeNull();
    expect(m.observe([slot({ restartLsn: 9, confirmedWriteLsn: 12 })])?.message).toMatch(/restartLsn decreased/);
    const n = new R5SlotMonitor();
    n.observe([slot({ invalidationReason: 'horizon', invalidatedAtUnixMs: 5 })]);
    expect(n.observe([slot({})])?.message).toMatch(/horizon changed to valid/);
    const q = new R5SlotMonitor();
    q.observe([slot({ invalidationReason: 'horizon', invalidatedAtUnixMs: 5 })]);
    expect(q.observe([slot({ invalidationReason: 'horizon', invalidatedAtUnixMs: 5, confirmedWriteLsn: 20 })])?.message).toMatch(/invalidated/);
  });

  it('planted bug advanceLowersRestart: R5 fires on a late, lower durable ack', () => {
    const ops: PrimaryOp[] = [{ k: 'append', n: 8 }, { k: 'ack', id: 1, applied: 6, durable: 6 }, { k: 'ack', id: 1, applied: 6, durable: 2 }];
    expect(runPrimaryHistory(ops, {})).toBeNull();
    expect(runPrimaryHistory(ops, { planted: { advanceLowersRestart: true } })).toMatchObject({ id: 'R5' });
  });
});
