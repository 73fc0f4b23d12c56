// The reference oracle (design.md principle 5): what the clients were promised. It records every
// write the clients issued, which were acknowledged (by which primary epoch, at which LSN) and
// which a successful SyncCache made durable. Each primary allocates its own LSNs, so a write is
// identified by (epoch, LSN) — forks and divergent tails stay representable. Clients keep many
// commands outstanding, so every command is an interval on the oracle's own clock (one tick per
// recorded event) and the E2 check asks, per LBA, what real-time order allows
// (realtime_order.ts): the last durable write's data, an overlapping write's, or a later one's.
import { allowedWrites, END, horizon, type ReadWindow } from './realtime_order.ts';

export interface WriteRecord {
  readonly op: number;
  readonly lba: number;
  readonly data: Uint8Array;
  ackEpoch: number;
  ackLSN: number;
  /** Which primary incarnation acknowledged it (see client.ts Answerer). */
  ackBy: string;
  durable: boolean;
  /** Oracle clock: when the client issued it, when it was done (acknowledged, failed or timed out; Infinity while outstanding)... */
  readonly issuedAt: number;
  doneAt: number;
  /** ...and when a SyncCache answer made it durable (Infinity while it is not). */
  durableAt: number;
  /**
   * A write the client gave up on (its timeout) may still be appended: the LSN and answerer of an
   * acknowledgement that came after the timeout (0 and '': none came). Not a promise: for the
   * checks' causes only.
   */
  lateLSN: number;
  lateBy: string;
}

/** A block a client read returned, who served it, and the read's interval on the oracle clock. */
export interface ReadRecord extends ReadWindow {
  readonly lba: number;
  readonly data: Uint8Array;
  readonly by: string;
}

/** A SyncCache in flight: it covers the writes acknowledged before it was issued. */
export interface SyncRecord {
  readonly issuedAt: number;
}

export class Oracle {
  private readonly writes: WriteRecord[] = [];
  /** Every answered client read, in answer order (judged by the checker like E2's final read). */
  private readonly reads: ReadRecord[] = [];
  /** Per LBA: the writes there, in issue order. */
  private readonly byLBA = new Map<number, WriteRecord[]>();
  /** Acknowledged writes no SyncCache has made durable yet, in acknowledgement order. */
  private pending: WriteRecord[] = [];
  private durableCount = 0;
  /** Issue tick of the last SyncCache that timed out (0: none). */
  private lastLostSync = 0;
  /** Per LBA: writes issued there and not yet done. */
  private readonly outstanding = new Map<number, number>();
  /** Writes issued while another write to the same LBA was outstanding. */
  private overlapCount = 0;
  /** The oracle clock: one tick per recorded event, so "before" is exact within a virtual millisecond. */
  private clock = 0;
  /** Client operation numbers, shared by every client so write payloads stay distinct. */
  private ops = 0;

  private tick(): number {
    return ++this.clock;
  }

  /** The next client operation number (1, 2, ...). */
  nextOp(): number {
    return ++this.ops;
  }

  issue(op: number, lba: number, data: Uint8Array): WriteRecord {
    let l = this.byLBA.get(lba);
    if (l === undefined) { l = []; this.byLBA.set(lba, l); }
    const busy = this.outstanding.get(lba) ?? 0;
    if (busy > 0) this.overlapCount += 1;
    this.outstanding.set(lba, busy + 1);
    const w: WriteRecord = { op, lba, data, ackEpoch: 0, ackLSN: 0, ackBy: '', durable: false, issuedAt: this.tick(), doneAt: Infinity, durableAt: Infinity, lateLSN: 0, lateBy: '' };
    this.writes.push(w);
    l.push(w);
    return w;
  }

  ack(w: WriteRecord, epoch: number, lsn: number, by: string): void {
    w.ackEpoch = epoch;
    w.ackLSN = lsn;
    w.ackBy = by;
    this.done(w);
    this.pending.push(w);
  }

  private done(w: WriteRecord): void {
    if (w.doneAt !== Infinity) return;
    w.doneAt = this.tick();
    this.outstanding.set(w.lba, (this.outstanding.get(w.lba) ?? 1) - 1);
  }

  /** The client stopped waiting for `w` without an acknowledgement: failed, or timed out (it is aborted). */
  abandon(w: WriteRecord): void {
    this.done(w);
  }

  /** An acknowledgement for a write the client had already given up on (see WriteRecord.lateLSN). */
  lateAck(w: WriteRecord, lsn: number, by: string): void {
    w.lateLSN = lsn;
    w.lateBy = by;
  }

  /** A SyncCache is issued now. */
  syncIssued(): SyncRecord {
    return { issuedAt: this.tick() };
  }

  /** A SyncCache timed out: the client cannot know what it made durable. */
  syncLost(s: SyncRecord): void {
    this.lastLostSync = Math.max(this.lastLostSync, s.issuedAt);
  }

  /**
   * Acknowledged writes the clients know are not yet durable (a trace note): those acknowledged
   * after the last SyncCache that timed out (of earlier ones the clients cannot know) and no
   * SyncCache has made durable.
   */
  knownUnsynced(): number {
    let n = 0;
    for (const w of this.pending) if (w.doneAt > this.lastLostSync) n += 1;
    return n;
  }

  /**
   * A SyncCache answered by `by` succeeded: durable are exactly the writes the same primary
   * incarnation (same epoch) acknowledged before it was issued, whichever client wrote them.
   * Writes another primary acknowledged are not covered (they may not be in its lineage).
   */
  syncSucceeded(s: SyncRecord, by: string): void {
    const covered = this.pending.filter((w) => w.ackBy === by && w.doneAt < s.issuedAt);
    if (covered.length === 0) return;
    this.markDurable(covered);
    this.pending = this.pending.filter((w) => !w.durable);
  }

  /** These acknowledged writes are durable (the SyncCache rule above decides which; tests call it directly). */
  markDurable(acked: readonly WriteRecord[]): void {
    let at = 0;
    for (const w of acked) {
      if (w.durable || w.ackLSN <= 0) continue;
      if (at === 0) at = this.tick();
      w.durable = true;
      w.durableAt = at;
      this.durableCount += 1;
    }
  }

  /** A client read is issued now: the tick to pass to `observeRead`. */
  readIssued(): number {
    return this.tick();
  }

  /** A client read of `lba`, issued at `issuedAt`, was answered now with `data` by `by`. */
  observeRead(lba: number, data: Uint8Array, by: string, issuedAt: number): void {
    this.reads.push({ lba, data, by, issuedAt, answeredAt: this.tick() });
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

  /** Writes issued while another write to the same LBA was still outstanding. */
  overlappingWrites(): number {
    return this.overlapCount;
  }

  lbas(): number[] {
    return [...this.byLBA.keys()].sort((a, b) => a - b);
  }

  /**
   * The values an LBA may hold, as seen in `w` (default: the final image, every write and every
   * durable write counted): null when no durable write binds (anything the client wrote, or
   * zeros, is acceptable); otherwise the data of every write not ordered before a binding durable
   * write (realtime_order.ts), in issue order.
   */
  allowedValues(lba: number, w: ReadWindow = END): Uint8Array[] | null {
    const allowed = allowedWrites(this.byLBA.get(lba) ?? [], w);
    return allowed === null ? null : allowed.map((x) => x.data);
  }

  /** The durable write a value outside allowedValues(lba, w) lost: the binding one issued last. */
  lostDurable(lba: number, w: ReadWindow = END): WriteRecord | null {
    return horizon(this.byLBA.get(lba) ?? [], w);
  }

  /** The writes issued to `lba` with exactly this content (clients write op-numbered payloads). */
  writesWithData(lba: number, data: Uint8Array): WriteRecord[] {
    return (this.byLBA.get(lba) ?? []).filter((w) => sameBytes(w.data, data));
  }

  /**
   * A write holding `data` at `lba` that its client gave up on but that was appended afterwards
   * above `lsn` by the same answerer (a late acknowledgement says where): an aborted write that
   * landed over `lsn`'s write (H46). Undefined when none.
   */
  lateOverwrite(lba: number, data: Uint8Array, lsn: number, by: string): WriteRecord | undefined {
    // The same incarnation: an answerer names the epoch the write was issued in, and an aborted
    // write can wait on shipMu across epoch bumps (its entry takes the epoch at allocation).
    const incarnation = (a: string): string => a.replace(/@\d+$/, '');
    return this.writesWithData(lba, data).find((x) => x.ackLSN === 0 && x.lateLSN > lsn && x.lateBy !== '' && incarnation(x.lateBy) === incarnation(by));
  }

  /** The durable write to `lba` issued last, or null. */
  lastDurable(lba: number): WriteRecord | null {
    const l = this.byLBA.get(lba) ?? [];
    for (let k = l.length - 1; k >= 0; k--) if (l[k]!.durable) return l[k]!;
    return null;
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
