// Shapes the disk's fault decisions into the seed's fault plan. The disk asks the chooser plain
// questions ("error on this write? 2 options"); uniform answers would fail half of all writes, so
// this adapter turns each yes/no fault question into a draw at the plan's rate, and the crash
// fate of each unsynced write (lost / persisted / torn) into the plan's torn share. Every answer
// still comes from — and is recorded by — the one chooser.
import { chance, type Chooser } from './chooser.ts';

export interface DiskFaultRates {
  /** Permille of write/fsync/read calls that fail (only when disk errors are on). */
  readonly ioErrorPermille: number;
  /** Permille of unsynced writes torn at a crash; the rest are lost or persisted evenly. */
  readonly tornPermille: number;
  /** Permille of crashes that also corrupt one sector (detected by checksums). */
  readonly corruptPermille: number;
}

export function diskFaultChooser(base: Chooser, rates: DiskFaultRates): Chooser {
  return {
    choose(kind: string, options: number): number {
      switch (kind) {
        case 'disk.crash.write':
          if (chance(base, 'disk.crash.torn_fate', rates.tornPermille)) return 2;
          return base.choose('disk.crash.keep', 2);
        case 'disk.crash.corrupt':
          return chance(base, kind, rates.corruptPermille) ? 1 : 0;
        case 'disk.write.error':
        case 'disk.fsync.error':
        case 'disk.read.error':
        case 'disk.write.enospc':
          return chance(base, kind, rates.ioErrorPermille) ? 1 : 0;
        default:
          return base.choose(kind, options);
      }
    },
  };
}
