// The reference oracle (design.md principle 5): what the clients were promised. It records every
// write the client issued, which were acknowledged (by which primary epoch, at which LSN) and
// which a successful SyncCache made durable. Each primary allocates its own LSNs, so a write is
// identified by (epoch, LSN) — forks and divergent tails stay representable. The E2 check asks,
// per LBA: is what the cluster serves the last durably acknowledged value, or something the
// client wrote after it?

export interface WriteRecord {
  readonly op: number;
  readonly lba: number;
  readonly data: Uint8Array;
  ackEpoch: number;
  ackLSN: number;
  /** Which primary incarnation acknowledged it (see client.ts Answerer). */
  ackBy: string;
  durable: boolean;
}

/** A block a client read returned, and who served it. */
export interface ReadRecord {
  readonly lba: number;
  readonly data: Uint8Array;
  readonly by: string;
}

export class Oracle {
  private readonly writes: WriteRecord[] = [];
  /** Every answered client read, in answer order (judged by the checker like E2's final read). */
  private readonly reads: ReadRecord[] = [];
  /** Per LBA: indexes into `writes`, in issue order. */
  private readonly byLBA = new Map<number, number[]>();
  private durableCount = 0;

  issue(op: number, lba: number, data: Uint8Array): WriteRecord {
    const w: WriteRecord = { op, lba, data, ackEpoch: 0, ackLSN: 0, ackBy: '', durable: false };
    const i = this.writes.push(w) - 1;
    let l = this.byLBA.get(lba);
    if (l === undefined) { l = []; this.byLBA.set(lba, l); }
    l.push(i);
    return w;
  }

  ack(w: WriteRecord, epoch: number, lsn: number, by: string): void {
    w.ackEpoch = epoch;
    w.ackLSN = lsn;
    w.ackBy = by;
  }

  /** A SyncCache issued after these writes were acknowledged, by the same primary, succeeded: they are durable. */
  markDurable(acked: readonly WriteRecord[]): void {
    for (const w of acked) {
      if (!w.durable && w.ackLSN > 0) { w.durable = true; this.durableCount += 1; }
    }
  }

  /** A client read of `lba` was answered with `data` by `by` (no client operation ran meanwhile). */
  observeRead(lba: number, data: Uint8Array, by: string): void {
    this.reads.push({ lba, data, by });
  }

  /** Reads answered after the first `from` (a checker's cursor). */
  readsSince(from: number): readonly ReadRecord[] {
    return from >= this.reads.length ? [] : this.reads.slice(from);
  }

  readCount(): number {
    return this.reads.length;
  }

  durableWrites(): number {
    return this.durableCount;
  }

  lbas(): number[] {
    return [...this.byLBA.keys()].sort((a, b) => a - b);
  }

  /**
   * The values an LBA may hold: null when nothing durable was written there (anything the client
   * wrote, or zeros, is acceptable); otherwise the last durable write's data and every later write's.
   */
  allowedValues(lba: number): Uint8Array[] | null {
    const l = this.byLBA.get(lba) ?? [];
    let last = -1;
    for (let k = 0; k < l.length; k++) if (this.writes[l[k]!]!.durable) last = k;
    if (last < 0) return null;
    return l.slice(last).map((i) => this.writes[i]!.data);
  }

  /** The writes issued to `lba` with exactly this content (clients write op-numbered payloads). */
  writesWithData(lba: number, data: Uint8Array): WriteRecord[] {
    return (this.byLBA.get(lba) ?? []).map((i) => this.writes[i]!).filter((w) => sameBytes(w.data, data));
  }

  lastDurable(lba: number): WriteRecord | null {
    const l = this.byLBA.get(lba) ?? [];
    for (let k = l.length - 1; k >= 0; k--) if (this.writes[l[k]!]!.durable) return this.writes[l[k]!]!;
    return null;
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
