// RebuildState (spec §6): every gate and error template, ready/complete, abort, clone.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RebuildState } from '../../src/engine/rebuild.ts';
import { RUNS } from './core_helpers.ts';

function snapshotTail(snap = 50, committed = 100): RebuildState {
  const r = new RebuildState();
  expect(r.selectSource(snap, true, committed)).toBeNull();
  return r;
}

describe('RebuildState (§6)', () => {
  it('new state: init, no source, zeros', () => {
    const r = new RebuildState();
    expect(r.canonical()).toEqual({ source: '', phase: 'init', abortReason: '', snapshotLSN: 0, snapshotValid: false, transferredTo: 0, tailStartLSN: 0, tailTargetLSN: 0, tailReplayedTo: 0 });
    expect(r.readyToComplete()).toBe(false);
  });
  it('selectSource: valid && snap > 0 -> snapshot_tail with tail start = snap', () => {
    const r = snapshotTail(50, 100);
    expect(r.canonical()).toMatchObject({ source: 'snapshot_tail', phase: 'source_select', snapshotLSN: 50, snapshotValid: true, tailStartLSN: 50, tailTargetLSN: 100 });
  });
  it('selectSource: invalid or snap 0 -> full_base, snapshot fields still recorded', () => {
    const a = new RebuildState();
    a.selectSource(50, false, 100);
    expect(a.canonical()).toMatchObject({ source: 'full_base', snapshotLSN: 50, snapshotValid: false, tailStartLSN: 0, tailTargetLSN: 100 });
    const b = new RebuildState();
    b.selectSource(0, true, 100);
    expect(b.canonical()).toMatchObject({ source: 'full_base', snapshotValid: true, tailTargetLSN: 100 });
  });
  it('selectSource twice -> error template, no change', () => {
    const r = snapshotTail();
    const before = JSON.stringify(r.canonical());
    const e = r.selectSource(1, false, 2);
    expect(e?.code).toBe('rebuild_source_select_requires_init');
    expect(e?.message).toBe('rebuild: source select requires init phase, got source_select');
    expect(JSON.stringify(r.canonical())).toBe(before);
  });
  it('beginTransfer requires source_select', () => {
    const r = new RebuildState();
    expect(r.beginTransfer()?.message).toBe('rebuild: transfer requires source_select, got init');
    r.selectSource(0, false, 10);
    expect(r.beginTransfer()).toBeNull();
    expect(r.beginTransfer()?.code).toBe('rebuild_transfer_requires_source_select');
  });
  it('transfer progress requires transfer and is strictly increasing, no upper bound (H16)', () => {
    const r = snapshotTail();
    expect(r.recordTransferProgress(10)?.message).toBe('rebuild: progress requires transfer, got source_select');
    r.beginTransfer();
    expect(r.recordTransferProgress(0)?.message).toBe('rebuild: transfer regression');
    expect(r.recordTransferProgress(10)).toBeNull();
    expect(r.recordTransferProgress(10)?.code).toBe('rebuild_transfer_regression');
    expect(r.recordTransferProgress(1_000_000)).toBeNull();
    expect(r.transferredTo).toBe(1_000_000);
  });
  it('beginTailReplay: requires transfer, snapshot_tail, and transferredTo >= snapshotLSN', () => {
    const r = snapshotTail(50, 100);
    expect(r.beginTailReplay()?.message).toBe('rebuild: tail replay requires transfer, got source_select');
    r.beginTransfer();
    r.recordTransferProgress(30);
    const e = r.beginTailReplay();
    expect(e?.code).toBe('rebuild_base_transfer_incomplete');
    expect(e?.message).toBe('rebuild: base transfer incomplete (30 < snapshot 50)');
    r.recordTransferProgress(50);
    expect(r.beginTailReplay()).toBeNull();
    expect(r.phase).toBe('tail_replay');
    const f = new RebuildState();
    f.selectSource(0, false, 100);
    f.beginTransfer();
    expect(f.beginTailReplay()?.message).toBe('rebuild: tail replay only for snapshot_tail');
  });
  it('tail progress requires tail_replay; strictly increasing from 0, not from tailStartLSN (H16)', () => {
    const r = snapshotTail(50, 100);
    expect(r.recordTailReplayProgress(60)?.message).toBe('rebuild: tail progress requires tail_replay, got source_select');
    r.beginTransfer();
    r.recordTransferProgress(50);
    r.beginTailReplay();
    expect(r.recordTailReplayProgress(10)).toBeNull(); // below the snapshot LSN: accepted
    expect(r.recordTailReplayProgress(10)?.message).toBe('rebuild: tail regression');
    expect(r.recordTailReplayProgress(5)?.code).toBe('rebuild_tail_regression');
  });
  it('readyToComplete / complete for snapshot_tail', () => {
    const r = snapshotTail(50, 100);
    r.beginTransfer();
    r.recordTransferProgress(50);
    r.beginTailReplay();
    r.recordTailReplayProgress(99);
    expect(r.readyToComplete()).toBe(false);
    expect(r.complete()?.message).toBe('rebuild: not ready (source=snapshot_tail phase=tail_replay)');
    r.recordTailReplayProgress(100);
    expect(r.readyToComplete()).toBe(true);
    expect(r.complete()).toBeNull();
    expect(r.phase).toBe('completed');
    expect(r.readyToComplete()).toBe(false);
  });
  it('snapshot_tail cannot complete from transfer even past the target', () => {
    const r = snapshotTail(50, 100);
    r.beginTransfer();
    r.recordTransferProgress(200);
    expect(r.readyToComplete()).toBe(false);
  });
  it('readyToComplete / complete for full_base (overshoot allowed)', () => {
    const r = new RebuildState();
    r.selectSource(0, false, 100);
    expect(r.complete()?.message).toBe('rebuild: not ready (source=full_base phase=source_select)');
    r.beginTransfer();
    r.recordTransferProgress(99);
    expect(r.readyToComplete()).toBe(false);
    r.recordTransferProgress(120);
    expect(r.complete()).toBeNull();
  });
  it('full_base with target 0 is ready as soon as transfer starts', () => {
    const r = new RebuildState();
    r.selectSource(0, false, 0);
    r.beginTransfer();
    expect(r.readyToComplete()).toBe(true);
  });
  it('no source -> not ready, template shows an empty source', () => {
    expect(new RebuildState().complete()?.message).toBe('rebuild: not ready (source= phase=init)');
  });
  it('abort records the first reason; no-op after completed/aborted', () => {
    const r = snapshotTail();
    r.abort('one');
    r.abort('two');
    expect([r.phase, r.abortReason]).toEqual(['aborted', 'one']);
    expect(r.beginTransfer()?.code).toBe('rebuild_transfer_requires_source_select');
    const f = new RebuildState();
    f.selectSource(0, false, 0);
    f.beginTransfer();
    f.complete();
    f.abort('late');
    expect([f.phase, f.abortReason]).toEqual(['completed', '']);
  });
  it('clone is deep and independent', () => {
    const r = snapshotTail();
    const c = r.clone();
    r.beginTransfer();
    expect(c.phase).toBe('source_select');
    expect(c.canonical()).toEqual({ ...r.canonical(), phase: 'source_select' });
  });
  it('property (I19): random calls keep the FSM order, strict progress and the transfer gate', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('select' as const), snap: fc.nat(60), valid: fc.boolean(), c: fc.nat(120) }),
      fc.constant({ k: 'transfer' as const }),
      fc.record({ k: fc.constant('tp' as const), x: fc.nat(150) }),
      fc.constant({ k: 'tail' as const }),
      fc.record({ k: fc.constant('rp' as const), x: fc.nat(150) }),
      fc.constant({ k: 'complete' as const }),
    );
    const order = ['init', 'source_select', 'transfer', 'tail_replay', 'completed'];
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const r = new RebuildState();
        for (const o of ops) {
          const before = r.canonical();
          let e;
          switch (o.k) {
            case 'select': e = r.selectSource(o.snap, o.valid, o.c); break;
            case 'transfer': e = r.beginTransfer(); break;
            case 'tp': e = r.recordTransferProgress(o.x); break;
            case 'tail': e = r.beginTailReplay(); break;
            case 'rp': e = r.recordTailReplayProgress(o.x); break;
            case 'complete': e = r.complete(); break;
          }
          const after = r.canonical();
          if (e !== null) {
            expect(after).toEqual(before);
            continue;
          }
          expect(order.indexOf(after.phase)).toBeGreaterThanOrEqual(order.indexOf(before.phase));
          if (o.k === 'tp') expect(after.transferredTo).toBeGreaterThan(before.transferredTo);
          if (o.k === 'rp') expect(after.tailReplayedTo).toBeGreaterThan(before.tailReplayedTo);
          if (o.k === 'tail') {
            expect(after.source).toBe('snapshot_tail');
            expect(after.transferredTo).toBeGreaterThanOrEqual(after.snapshotLSN);
          }
          if (after.phase === 'tail_replay') expect(after.source).toBe('snapshot_tail');
          if (o.k === 'complete') {
            if (before.source === 'snapshot_tail') expect(before.phase === 'tail_replay' && before.tailReplayedTo >= before.tailTargetLSN).toBe(true);
            else expect(before.phase === 'transfer' && before.transferredTo >= before.tailTargetLSN).toBe(true);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
