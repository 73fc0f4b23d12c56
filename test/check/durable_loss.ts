// A planted bug shared by the E2 tests: once the client has 20 durable writes, every flushed
// block holding one is overwritten on the primary's disk with a value no client wrote. Steps the
// world until a non-candidate check fires (or the run ends) and says what fired and how many
// blocks were planted.
import type { CheckedWorld } from '../../src/check/checked_world.ts';
import type { Cluster } from '../../src/sim/cluster.ts';

export function runWithDurableLoss(cw: CheckedWorld): { fired: string[]; planted: number } {
  const c = cw.world as Cluster;
  const fired: string[] = [];
  let planted = 0;
  while (!c.finished() && c.step() !== null && fired.length === 0) {
    for (const f of cw.check()) if (!f.candidate) fired.push(f.id);
    if (planted > 0 || c.oracle.durableWrites() < 20) continue;
    const p = c.primary()!;
    const g = p.vol!.geometry();
    const dirty = new Set(p.vol!.dirtyEntries().map((d) => d.lba));
    for (const lba of c.oracle.lbas()) {
      if (c.oracle.lastDurable(lba) === null || dirty.has(lba)) continue;
      if (p.disk.write(g.extentOffset + lba * g.blockSize, new Uint8Array(g.blockSize).fill(0xee)) !== null) throw new Error('planting failed');
      planted += 1;
    }
  }
  return { fired, planted };
}
