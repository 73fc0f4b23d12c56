// reddb's in-memory WAL buffer (`WalBuffer` in primary.rs): (lsn, payload) pairs in append order,
// served to replicas by read_since and pruned from the front together with the spool.

export interface BufferedRecord {
  readonly lsn: number;
  readonly data: Uint8Array;
}

export class WalBuffer {
  private records: BufferedRecord[] = [];
  private current = 0;

  append(lsn: number, data: Uint8Array): void {
    this.records.push({ lsn, data: data.slice() });
    this.current = Math.max(this.current, lsn);
  }

  /** Records with lsn > since, in append order, at most `max`. */
  readSince(since: number, max: number): BufferedRecord[] {
    const out: BufferedRecord[] = [];
    for (const r of this.records) {
      if (out.length >= max) break;
      if (r.lsn > since) out.push(r);
    }
    return out;
  }

  currentLsn(): number {
    return this.current;
  }

  setCurrentLsn(lsn: number): void {
    this.current = Math.max(this.current, lsn);
  }

  /** Pop from the front while the front's lsn <= upto (stops at the first larger one). */
  pruneThrough(upto: number): void {
    let i = 0;
    while (i < this.records.length && this.records[i]!.lsn <= upto) i++;
    if (i > 0) this.records = this.records.slice(i);
  }

  oldestLsn(): number | null {
    return this.records.length === 0 ? null : this.records[0]!.lsn;
  }

  lsns(): number[] {
    return this.records.map((r) => r.lsn);
  }
}
