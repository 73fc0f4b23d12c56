// Test helpers: tiny volumes on SimDisk, deterministic block contents.
import { SimDisk, type SimDiskOptions } from '../../src/storage/sim_disk.ts';
import { BlockVolume, type CreateOptions, volumeDiskSize } from '../../src/storage/blockvol/volume.ts';
import { StorageError } from '../../src/storage/errors.ts';
import type { Chooser } from '../../src/storage/disk.ts';

export const GEO = { blockSize: 16, numBlocks: 32, walSize: 1024 } as const;

export function mkDisk(extra: Partial<SimDiskOptions> = {}, geo: { blockSize: number; numBlocks: number; walSize: number } = GEO): SimDisk {
  return new SimDisk({ size: volumeDiskSize(geo), sectorSize: 64, protectedRanges: [{ offset: 0, length: 4096 }], corruptibleRanges: [{ offset: 4096, length: geo.walSize }], ...extra });
}

export function mkVolume(opts: Partial<CreateOptions> = {}, diskOpts: Partial<SimDiskOptions> = {}): { disk: SimDisk; vol: BlockVolume } {
  const o = { ...GEO, ...opts };
  const disk = mkDisk(diskOpts, o);
  const vol = ok(BlockVolume.create(disk, o));
  return { disk, vol };
}

export function ok<T>(x: T | StorageError): T {
  if (x instanceof StorageError) throw x;
  return x;
}

export function block(byte: number, blocks = 1, bs = GEO.blockSize): Uint8Array {
  return new Uint8Array(bs * blocks).fill(byte & 0xff);
}

/** A chooser replaying a fixed list of picks (modulo options), then 0. */
export function listChooser(picks: readonly number[]): Chooser {
  let i = 0;
  return { choose: (_k: string, n: number) => (i < picks.length ? picks[i++]! % n : 0) };
}

export const ALWAYS = (pick: number): Chooser => ({ choose: (_k: string, n: number) => Math.min(pick, n - 1) });

import type { Steps } from '../../src/storage/blockvol/locks.ts';

/** Advance a step generator until it yields `label` (throws if it finishes first). */
export function stepUntil<T>(g: Steps<T>, label: string): void {
  for (;;) {
    const r = g.next();
    if (r.done) throw new Error(`finished before yielding ${label}`);
    if (r.value === label) return;
  }
}

/** Drive a step generator to completion (throws if it stays blocked). */
export function finish<T>(g: Steps<T>): T {
  let blocked = 0;
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    if (r.value.startsWith('blocked:')) {
      if (++blocked > 3) throw new Error(`stuck: ${r.value}`);
    } else blocked = 0;
  }
}
