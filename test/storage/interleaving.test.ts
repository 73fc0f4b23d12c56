// Random interleavings of the step generators (writers, flusher, group-commit sync, truncation):
// no deadlock, every lock released, W11/W12 hold with the fixes on; and the hazards / switched
// bugs (H11, B30) are reachable by interleaving alone, as the simulator will explore them.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { W10Checkpoint, W11Truncation, W12Install } from '../../src/storage/blockvol/checks.ts';
import type { Steps } from '../../src/storage/blockvol/locks.ts';
import { ReferenceModel } from '../../src/storage/blockvol/reference_model.ts';
import type { StorageBugSwitches } from '../../src/storage/blockvol/bugs.ts';
import { block, GEO, mkVolume } from './helpers.ts';
import type { BlockVolume } from '../../src/storage/blockvol/volume.ts';

const RUNS = process.env.SWSIM_DEEP ? 2000 : 120;

type Actor = { name: string; steps: Steps<unknown>; done: boolean };


function* sequence(parts: (() => Steps<unknown>)[]): Steps<void> {
  for (const p of parts) yield* p();
}

function actors(vol: BlockVolume, withTruncate: boolean, writes = 3): Actor[] {
  const mk = (name: string, steps: Steps<unknown>): Actor => ({ name, steps, done: false });
  const list = [
    mk('w1', sequence([0, 1, 2].slice(0, writes).map((i) => () => vol.writeSteps(i, block(0x10 + i))))),
    mk('w2', sequence([3, 0, 1].slice(0, writes).map((i) => () => vol.writeSteps(i, block(0x20 + i))))),
    mk('flusher', sequence([() => vol.flushSteps(), () => vol.flushSteps()])),
    mk('sync', vol.syncSteps()),
  ];
  if (withTruncate) list.push(mk('truncate', vol.truncateSteps(0)));
  return list;
}

/**
 * Run actors: first `picks` chooses who steps (any order, even unfair), then round-robin drains
 * the rest (a genuine deadlock would still leave actors unfinished). Returns whether all finished.
 */
function schedule(list: Actor[], picks: readonly number[], observe: () => void): boolean {
  const stepOne = (a: Actor): void => {
    if (a.steps.next().done) a.done = true;
    observe();
  };
  for (const p of picks) {
    const live = list.filter((a) => !a.done);
    if (live.length === 0) return true;
    stepOne(live[p % live.length]!);
  }
  for (let round = 0; round < 500; round++) {
    const live = list.filter((a) => !a.done);
    if (live.length === 0) return true;
    for (const a of live) stepOne(a);
  }
  return list.every((a) => a.done);
}

function locksFree(vol: BlockVolume): boolean {
  const l = vol.locks();
  return l.shipMu.isFree() && l.ioMu.isFree() && l.flushMu.isFree() && l.superMu.isFree();
}

describe('random interleavings', () => {
  it('fixed volume: no deadlock, locks released, W11/W12 hold', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(9), { minLength: 1, maxLength: 60 }), fc.boolean(), (picks, withTruncate) => {
        const { vol } = mkVolume();
        const ref = new ReferenceModel(GEO.blockSize, GEO.numBlocks);
        const w11 = new W11Truncation();
        const w12 = new W12Install();
        let failure: unknown = null;
        const finished = schedule(actors(vol, withTruncate), picks, () => {
          failure ??= w11.observe(vol, ref) ?? w12.observe(vol);
        });
        expect(finished).toBe(true);
        expect(locksFree(vol)).toBe(true);
        expect(failure).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  function reachable(bugs: StorageBugSwitches, want: (m: string) => boolean): boolean {
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let run = 0; run < 400; run++) {
      const picks = Array.from({ length: 80 }, () => Math.floor(next() / 65536) % 10);
      const { vol } = mkVolume({ bugs });
      const w10 = new W10Checkpoint();
      let hit = false;
      schedule(actors(vol, false, 1), picks, () => {
        const f = w10.observe(vol);
        if (f && want(f.message)) hit = true;
      });
      if (hit) return true;
    }
    return false;
  }

  it('H11 (checkpoint regression from a late dirty-map publication) is reachable by interleaving', () => {
    expect(reachable({}, (m) => m.startsWith('live checkpoint regressed'))).toBe(true);
  });

  it('B30 (stale superblock copy) is reachable by interleaving when switched on', () => {
    expect(reachable({ B30: true }, (m) => m.startsWith('superblock checkpoint regressed'))).toBe(true);
  });
});

/** Run a step generator until it yields `stop` (or to the end); returns whether it finished. */
function runUntil(g: Steps<unknown>, stop: string | null): boolean {
  for (;;) {
    const r = g.next();
    if (r.done === true) return true;
    if (r.value === stop) return false;
  }
}

describe('H11 publication order is recorded for the checks', () => {
  it('an older entry published after a newer one for the same block is an inversion, and the older data is served', () => {
    const { vol } = mkVolume();
    vol.setRole('primary');
    const older = vol.writeSteps(0, block(0x11));
    expect(runUntil(older, 'write:shipped')).toBe(false); // LSN 1 appended, not yet published
    expect(vol.writeLBA(0, block(0x22)).lsn).toBe(2); // LSN 2 published
    expect(vol.publishInversions().size).toBe(0);
    expect(runUntil(older, null)).toBe(true); // LSN 1 published over LSN 2
    expect(vol.publishInversions().get(0)).toEqual({ lsn: 1, over: 2 });
    expect(vol.readLBA(0, GEO.blockSize).data).toEqual(block(0x11)); // dirty_map Put overwrites: the older data wins
    expect(vol.writeLBA(0, block(0x33)).lsn).toBe(3); // a newer publication clears it
    expect(vol.publishInversions().size).toBe(0);
  });
});

describe('H11 checkpoint form, and a reused WAL slot shared by a stale dirty entry', () => {
  it('a flush passes an unpublished entry; its slot is reused; the live entry sharing the slot is still flushed', () => {
    const { vol } = mkVolume({ walSize: 512, walFullRetries: 2 });
    vol.setRole('primary');
    expect(vol.writeLBA(5, block(0x05)).err).toBeNull(); // LSN 1 at offset 0
    const parked = vol.writeSteps(0, block(0x10)); // LSN 2: appended, not yet published
    expect(runUntil(parked, 'write:shipped')).toBe(false);
    expect(vol.writeLBA(9, block(0x09)).err).toBeNull(); // LSN 3, published
    const offsetOf = (lba: number): number => vol.dirtyEntries().find((d) => d.lba === lba)!.walOffset;
    const stale = offsetOf(5) + (offsetOf(9) - offsetOf(5)) / 2; // LSN 2's slot, between 1 and 3
    expect(vol.flushOnce()).toBeNull(); // checkpoint 3: the tail passes LSN 2's slot
    expect(vol.passedUnpublished().get(0)).toEqual({ lsn: 2, checkpoint: 3 });
    let reused = -1;
    for (let lba = 10; lba < GEO.numBlocks && reused < 0; lba++) {
      expect(vol.writeLBA(lba, block(lba)).err).toBeNull();
      if (offsetOf(lba) === stale) reused = lba;
    }
    expect(reused).toBeGreaterThan(0); // a later entry took LSN 2's slot
    expect(runUntil(parked, null)).toBe(true); // LSN 2 published now: a stale dirty entry at that slot
    expect(vol.flushOnce()).toBeNull();
    // flusher.go checks each dirty entry's header LSN: only the stale one is skipped.
    expect(vol.readLBA(reused, GEO.blockSize).data).toEqual(block(reused));
  });
});
