// The end-of-run checks (E1, E2, E3), E2 on every client read, and the per-step cluster wiring
// have teeth: a calm seed passes them, and a planted bug — a block silently changed on the primary
// or on an in-sync replica, or a replica whose receiver is gone — makes exactly the expected
// invariant fire.
import { describe, expect, it } from 'vitest';
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import type { CheckedWorld } from '../../src/check/checked_world.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import type { Cluster } from '../../src/sim/cluster.ts';
import { runWithDurableLoss } from './durable_loss.ts';

const SEED = 3;

/** Run a calm seed to the end of its quiet phase with per-step checks; return the world. */
function runToEnd(seed = SEED): { cw: CheckedWorld; c: Cluster; perStep: string[] } {
  const cw = makeClusterWorld({ seed, profile: 'calm', control: 'ideal', bugs: [], chooser: new RandomChooser(seed) });
  const c = cw.world as Cluster;
  const perStep: string[] = [];
  while (!c.finished() && c.step() !== null) {
    for (const f of cw.check()) if (!f.candidate) perStep.push(f.id);
  }
  return { cw, c, perStep };
}

/** A block value no client ever wrote (clients write recognisable op-numbered payloads). */
function alien(size: number): Uint8Array {
  return new Uint8Array(size).fill(0xee);
}

describe('end-of-run checks', () => {
  it('a calm seed passes every per-step and end-of-run check', () => {
    const { cw, perStep } = runToEnd();
    expect(perStep).toEqual([]);
    expect(cw.finalCheck().filter((f) => !f.candidate)).toEqual([]);
  });

  it('E2 fires when the primary silently loses a durably acknowledged block', () => {
    const { cw, c } = runToEnd();
    const p = c.primary()!;
    const lba = c.oracle.lbas().find((l) => c.oracle.lastDurable(l) !== null)!;
    expect(lba).toBeDefined();
    // Planted bug: the block changes under the volume without any client write.
    p.vol!.setRole('none');
    expect(p.vol!.writeLBA(lba, alien(p.cfg.blockSize)).err).toBeNull();
    const ids = cw.finalCheck().map((f) => f.id);
    expect(ids).toContain('E2');
  });

  it('E2 fires during the run when a client read returns a block that lost its durable write', () => {
    const cw = makeClusterWorld({ seed: SEED, profile: 'calm', control: 'ideal', bugs: [], chooser: new RandomChooser(SEED) });
    const c = cw.world as Cluster;
    // Planted bug: flushed blocks holding durable writes change on the primary's disk.
    const { fired, planted } = runWithDurableLoss(cw);
    expect(planted).toBeGreaterThan(0);
    expect(fired).toEqual(['E2']);
    expect(c.finished()).toBe(false); // a client read caught it, long before the end-of-run check
  });

  it('E1 fires when a replica the engine and shipper call in sync holds different content', () => {
    const { cw, c } = runToEnd();
    const p = c.primary()!;
    const r = c.nodes.find((n) => n !== p)!;
    // Planted bug: a block of the replica's extent changes on disk (no WAL entry, no LSN).
    const g = r.vol!.geometry();
    expect(r.vol!.dirtyCount()).toBe(0);
    expect(r.disk.write(g.extentOffset, alien(g.blockSize))).toBeNull();
    const fs = cw.finalCheck();
    expect(fs.map((f) => f.id)).toContain('E1');
    expect(fs.find((f) => f.id === 'E1')!.candidate).toBe(false);
  });

  it('E3 fires when a replica has lost its receiver and cannot converge', () => {
    const cw = makeClusterWorld({ seed: SEED, profile: 'calm', control: 'ideal', bugs: [], chooser: new RandomChooser(SEED) });
    const c = cw.world as Cluster;
    let planted = false;
    while (!c.finished() && c.step() !== null) {
      // Planted bug: halfway through, one replica's receiver stops for good (and never restarts).
      if (!planted && c.now() > c.plan.faultPhaseMs / 2) {
        const r = c.nodes.find((n) => n !== c.primary() && n.receiver !== null)!;
        r.receiver!.stop();
        r.receiver!.start = () => null;
        planted = true;
      }
    }
    expect(planted).toBe(true);
    const fs = cw.finalCheck();
    expect(fs.map((f) => f.id)).toContain('E3');
  });

  it('W3 judges a replica\'s flushedLSN against its disk: a disk whose fsync lies (success, nothing persisted) is caught', () => {
    const run = (lying: boolean): string[] => {
      const cw = makeClusterWorld({ seed: SEED, profile: 'calm', control: 'ideal', bugs: [], chooser: new RandomChooser(SEED) });
      const c = cw.world as Cluster;
      // Planted bug: every replica's disk acknowledges fsync without making anything durable. The
      // receiver's own record says its barrier fsynced, so only the disk's ground truth can tell.
      if (lying) for (const n of c.nodes) if (n !== c.primary()) n.disk.fsync = () => null;
      const fired: string[] = [];
      while (!c.finished() && c.step() !== null && fired.length === 0) {
        for (const f of cw.check()) if (!f.candidate) fired.push(`${f.id}: ${f.message}`);
      }
      return fired;
    };
    expect(run(false)).toEqual([]);
    const fired = run(true);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatch(/^W3: receiver .*: flushedLSN \d+ > durable LSN \d+ \(what a crash now would recover from its disk\)$/);
  });
});
