// Real-time order per LBA: which writes a served block may reflect when clients keep many
// commands outstanding. It owns the rule, not the records (oracle.ts keeps those).
//
// Every client command is an interval on the oracle's clock: issued at one tick, done at a later
// one — when it was acknowledged, answered with a failure, or given up at its timeout (an
// initiator aborts a timed-out task; the simulated one does not send the abort, so this is exactly
// the rule a one-command-at-a-time client always had: a write issued after another was answered
// or timed out comes after it). Write A is ordered before write B iff A was done before B was
// issued; overlapping writes are unordered, and the protocol may apply them in either order.
//
// E2 anchors on durable writes (a successful SyncCache made them durable; acknowledged writes not
// yet synced may be lost by a crash). A block may hold the data of any write that is not ordered
// before some durable write — the last durable write itself, writes overlapping it, and every
// later write — and nothing else. Nothing is required while no write there is durable.
//
// A read answers at a point between its issue and its answer, so it is judged against what it
// could have seen: only writes issued before it was answered, and only durable writes that were
// acknowledged before it was issued (one acknowledged while it ran may linearize after it) and
// whose durability was known when it was answered (as the per-step check always judged).

/** A command's interval on the oracle's clock; `doneAt` is Infinity while it is outstanding. */
export interface Interval {
  readonly issuedAt: number;
  readonly doneAt: number;
}

/** A write as the rule sees it: its interval, whether it is durable and since when. */
export interface OrderedWrite extends Interval {
  readonly durable: boolean;
  /** Clock tick at which a SyncCache answer made it durable (Infinity while it is not). */
  readonly durableAt: number;
}

/** When a served value was observed: a read's interval, or `END` for the cluster's final image. */
export interface ReadWindow {
  readonly issuedAt: number;
  readonly answeredAt: number;
}

/** The final image (and any content assertion): every write issued, every durable write counts. */
export const END: ReadWindow = { issuedAt: Infinity, answeredAt: Infinity };

/** A was done before B was issued: every correct execution applies A before B. */
export function orderedBefore(a: Interval, b: Interval): boolean {
  return a.doneAt < b.issuedAt;
}

/** A durable write binds a read in `w` when it was acknowledged before the read was issued and known durable by its answer. */
export function binds(d: OrderedWrite, w: ReadWindow): boolean {
  return d.durable && d.doneAt < w.issuedAt && d.durableAt < w.answeredAt;
}

/**
 * The binding durable write issued last, or null when none binds: a write is ordered before some
 * binding durable write iff it was done before this one was issued (issue ticks are unique).
 */
export function horizon<W extends OrderedWrite>(writes: readonly W[], w: ReadWindow): W | null {
  let last: W | null = null;
  for (const d of writes) if (binds(d, w) && (last === null || d.issuedAt > last.issuedAt)) last = d;
  return last;
}

/**
 * The writes whose data a block may hold in `w`, in the order given; null when no durable write
 * binds (then anything — zeros, any write's data — is acceptable).
 */
export function allowedWrites<W extends OrderedWrite>(writes: readonly W[], w: ReadWindow): W[] | null {
  const h = horizon(writes, w);
  if (h === null) return null;
  return writes.filter((x) => x.issuedAt < w.answeredAt && !orderedBefore(x, h));
}
