// The dirty map (spec §10.3/§10.4): LBA -> (WAL physical offset, LSN) for blocks whose latest
// write is in the WAL but not yet in the extent. Typed arrays indexed by LBA (no per-block
// allocation); iteration is in ascending LBA order (deterministic).

export interface DirtyEntry {
  readonly lba: number;
  readonly walOffset: number;
  readonly lsn: number;
}

export class DirtyMap {
  private readonly offsets: Float64Array;
  private readonly lsns: Float64Array; // 0 = absent (LSN 0 is never a data entry)
  private count = 0;

  constructor(readonly numBlocks: number) {
    this.offsets = new Float64Array(numBlocks);
    this.lsns = new Float64Array(numBlocks);
  }

  put(lba: number, walOffset: number, lsn: number): void {
    if (this.lsns[lba] === 0) this.count++;
    this.offsets[lba] = walOffset;
    this.lsns[lba] = lsn;
  }

  get(lba: number): DirtyEntry | null {
    const lsn = this.lsns[lba]!;
    return lsn === 0 ? null : { lba, walOffset: this.offsets[lba]!, lsn };
  }

  /** LSN of the dirty entry of `lba`, 0 if clean. */
  lsnOf(lba: number): number {
    return this.lsns[lba]!;
  }

  delete(lba: number): void {
    if (this.lsns[lba] !== 0) this.count--;
    this.lsns[lba] = 0;
  }

  clear(): void {
    this.lsns.fill(0);
    this.count = 0;
  }

  size(): number {
    return this.count;
  }

  /** Copy of every entry, ascending LBA. */
  snapshot(): DirtyEntry[] {
    const out: DirtyEntry[] = [];
    if (this.count === 0) return out;
    for (let lba = 0; lba < this.numBlocks; lba++) {
      const lsn = this.lsns[lba]!;
      if (lsn !== 0) out.push({ lba, walOffset: this.offsets[lba]!, lsn });
    }
    return out;
  }
}
