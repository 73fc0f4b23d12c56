// Reference model of one lineage's block content per LSN (the ground truth storage checks and
// property tests compare against). Records every WRITE/TRIM by LSN; `contentAt(lba, lsn)` is the
// block as of that LSN; `truncateAbove(lsn)` drops a discarded tail (after a truncate or a
// crash that recovered only up to `lsn`). The simulator may keep one per lineage (epoch).

import { EntryType, type WALEntry } from './wal_entry.ts';

export interface BlockVersion {
  readonly lsn: number;
  /** null = trimmed (reads as zeros). */
  readonly data: Uint8Array | null;
}

/** What checks need from a reference: per-block versions in ascending LSN order. */
export interface ContentOracle {
  readonly blockSize: number;
  readonly numBlocks: number;
  versions(lba: number): readonly BlockVersion[];
}

export class ReferenceModel implements ContentOracle {
  private readonly perBlock: BlockVersion[][];
  private highest = 0;

  constructor(
    readonly blockSize: number,
    readonly numBlocks: number,
  ) {
    this.perBlock = Array.from({ length: numBlocks }, () => []);
  }

  /** Record an entry (LSNs must be applied in increasing order per block). */
  apply(e: WALEntry): void {
    const bs = this.blockSize;
    if (e.type === EntryType.Write) {
      for (let i = 0; i < e.length / bs; i++) this.push(e.lba + i, { lsn: e.lsn, data: e.data.slice(i * bs, (i + 1) * bs) });
    } else if (e.type === EntryType.Trim) {
      const n = Math.max(1, Math.floor(e.length / bs));
      for (let i = 0; i < n; i++) this.push(e.lba + i, { lsn: e.lsn, data: null });
    }
    if (e.lsn > this.highest) this.highest = e.lsn;
  }

  private push(lba: number, v: BlockVersion): void {
    const list = this.perBlock[lba]!;
    while (list.length > 0 && list[list.length - 1]!.lsn >= v.lsn) list.pop();
    list.push(v);
  }

  versions(lba: number): readonly BlockVersion[] {
    return this.perBlock[lba]!;
  }

  highestLSN(): number {
    return this.highest;
  }

  truncateAbove(lsn: number): void {
    for (const list of this.perBlock) while (list.length > 0 && list[list.length - 1]!.lsn > lsn) list.pop();
    this.highest = Math.min(this.highest, lsn);
  }

  /**
   * Record that `lba` holds `data` as of `lsn` (replacing versions at or above it): used when a
   * crash leaves a block holding content the LSN history does not explain (hazard HS4).
   */
  adopt(lba: number, lsn: number, data: Uint8Array): void {
    this.push(lba, { lsn, data: data.slice() });
  }

  /** Replace everything with an image installed as of `lsn` (rebuild). */
  installImage(image: Uint8Array, lsn: number): void {
    for (let lba = 0; lba < this.numBlocks; lba++) this.perBlock[lba] = [{ lsn, data: image.slice(lba * this.blockSize, (lba + 1) * this.blockSize) }];
    this.highest = lsn;
  }

  imageAt(lsn: number): Uint8Array {
    return imageAt(this, lsn);
  }
}

/** Content of one block as of `lsn`. */
export function contentAt(o: ContentOracle, lba: number, lsn: number): Uint8Array {
  let found: BlockVersion | null = null;
  for (const v of o.versions(lba)) {
    if (v.lsn > lsn) break;
    found = v;
  }
  return found?.data ?? new Uint8Array(o.blockSize);
}

export function imageAt(o: ContentOracle, lsn: number): Uint8Array {
  const out = new Uint8Array(o.blockSize * o.numBlocks);
  for (let lba = 0; lba < o.numBlocks; lba++) out.set(contentAt(o, lba, lsn), lba * o.blockSize);
  return out;
}

/**
 * True if `data` (one block) reflects every write to `lba` with LSN <= `low`: it equals the
 * content as of `low`, or a version with LSN in (low, high] (a later write also landed).
 */
export function reflectsThrough(o: ContentOracle, lba: number, data: Uint8Array, low: number, high: number): boolean {
  if (bytesEqual(data, contentAt(o, lba, low))) return true;
  for (const v of o.versions(lba)) {
    if (v.lsn <= low || v.lsn > high) continue;
    if (bytesEqual(data, v.data ?? new Uint8Array(o.blockSize))) return true;
  }
  return false;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** First LBA where two images differ, or -1. */
export function firstDiffBlock(a: Uint8Array, b: Uint8Array, blockSize: number): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return Math.floor(i / blockSize);
  return -1;
}
