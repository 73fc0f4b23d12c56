// Registry (spec §4): the primary's set of Senders, keyed by stable ReplicaID (never by address).
// Reconciles the set against an assignment, creates or supersedes recovery sessions for the
// assignment's recovery targets, and reports status. Every iteration is in ascending ReplicaID
// order (spec §0.2), so session-ID allocation and result lists are deterministic.
import type { EngineContext } from './context.ts';
import { Sender } from './sender.ts';
import type { SenderCanonical } from './sender.ts';
import { ReplicaState } from './types.ts';
import type { AssignmentIntent, AssignmentResult, Endpoint, ReplicaAssignment, ReplicaID, RegistryStatus, SenderStatus } from './types.ts';

/** Plain value of the registry: senders in ID order plus the engine's session-ID counter. */
export interface RegistryCanonical {
  readonly lastSessionID: number;
  readonly senders: readonly SenderCanonical[];
}

/** Byte-wise ascending order of ReplicaIDs, like Go's sort.Strings for ASCII IDs. */
export function compareReplicaIDs(a: ReplicaID, b: ReplicaID): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class Registry {
  readonly ctx: EngineContext;
  private readonly senders = new Map<ReplicaID, Sender>();
  /** all(), built once after each change of `senders` (reconcile, the only writer, resets it to null). */
  private ordered: readonly Sender[] | null = null;

  constructor(ctx: EngineContext) {
    this.ctx = ctx;
  }

  /**
   * Stop and remove senders not in `replicas`; update endpoint then epoch of kept ones; create
   * the missing ones. Later duplicates in `replicas` overwrite earlier ones. Stopped senders that
   * are kept stay stopped.
   *
   * Bug B13 (registry keyed by address): the pre-fix Go map was keyed by the data address, so a
   * changed DataAddr made the old key vanish (Stop + delete -> "removed") and a new key appear
   * (NewSender -> "added"). Our map stays keyed by ReplicaID; with B13 on, a kept sender whose
   * endpoint's dataAddr differs from the new one is stopped (its session invalidated with
   * `sender_stopped`) and replaced by a brand-new Sender object under the same ReplicaID, state
   * disconnected and no session, and the ID is reported in both `removed` and `added`. A change
   * of only ctrlAddr or version keeps the sender, as the address key did not change.
   */
  reconcile(replicas: readonly ReplicaAssignment[], epoch: number): { added: ReplicaID[]; removed: ReplicaID[] } {
    const target = new Map<ReplicaID, Endpoint>();
    for (const r of replicas) target.set(r.replicaID, r.endpoint);
    const added: ReplicaID[] = [];
    const removed: ReplicaID[] = [];
    this.ordered = null;

    for (const id of this.sortedIDs()) {
      if (!target.has(id)) {
        (this.senders.get(id) as Sender).stop();
        this.senders.delete(id);
        removed.push(id);
      }
    }
    for (const id of [...target.keys()].sort(compareReplicaIDs)) {
      const ep = target.get(id) as Endpoint;
      const existing = this.senders.get(id);
      if (existing !== undefined && this.ctx.bug('B13') && existing.endpoint().dataAddr !== ep.dataAddr) {
        existing.stop();
        this.senders.set(id, new Sender(this.ctx, id, ep, epoch));
        removed.push(id);
        added.push(id);
      } else if (existing !== undefined) {
        existing.updateEndpoint(ep);
        existing.updateEpoch(epoch);
      } else {
        this.senders.set(id, new Sender(this.ctx, id, ep, epoch));
        added.push(id);
      }
    }
    added.sort(compareReplicaIDs);
    removed.sort(compareReplicaIDs);
    return { added, removed };
  }

  /**
   * Reconcile, then for each recovery target in ascending ID order: missing sender or stale
   * intent epoch -> failed; attach succeeds -> created; else supersede with reason
   * `assignment_intent` (non-zero id -> superseded, 0 = stopped -> failed). No budget attached.
   */
  applyAssignment(intent: AssignmentIntent): AssignmentResult {
    const { added, removed } = this.reconcile(intent.replicas, intent.epoch);
    const result: AssignmentResult = { added, removed, sessionsCreated: [], sessionsSuperseded: [], sessionsFailed: [] };
    const targets = intent.recoveryTargets;
    if (targets === null || targets === undefined) return result;

    for (const id of Object.keys(targets).sort(compareReplicaIDs)) {
      const kind = targets[id]!;
      const sender = this.senders.get(id);
      if (sender === undefined || intent.epoch < sender.epoch()) {
        result.sessionsFailed.push(id);
        continue;
      }
      if (sender.attachSession(intent.epoch, kind).err === null) {
        result.sessionsCreated.push(id);
        continue;
      }
      if (sender.supersedeSession(kind, 'assignment_intent') !== 0) result.sessionsSuperseded.push(id);
      else result.sessionsFailed.push(id);
    }
    return result;
  }

  sender(id: ReplicaID): Sender | null {
    return this.senders.get(id) ?? null;
  }

  /** All senders in ascending ReplicaID order (one array per reconcile, never mutated). */
  all(): readonly Sender[] {
    if (this.ordered === null) this.ordered = this.sortedIDs().map((id) => this.senders.get(id) as Sender);
    return this.ordered;
  }

  len(): number {
    return this.senders.size;
  }

  /** Stops every sender; removes none. */
  stopAll(): void {
    for (const s of this.all()) s.stop();
  }

  inSyncCount(): number {
    return this.all().filter((s) => s.state() === ReplicaState.InSync).length;
  }

  /**
   * Invalidate (reason `epoch_bump`, state disconnected) every active session whose epoch is
   * below `current`; returns how many. Sender epochs are not changed.
   */
  invalidateEpoch(current: number): number {
    let count = 0;
    for (const s of this.all()) {
      const snap = s.sessionSnapshot();
      if (snap !== null && snap.epoch < current && snap.active) {
        s.invalidateSession('epoch_bump', ReplicaState.Disconnected);
        count += 1;
      }
    }
    return count;
  }

  /** One SenderStatus per sender in ID order, with counters by state (disconnected counts nowhere). */
  status(): RegistryStatus {
    const senders: SenderStatus[] = this.all().map((s) => ({
      replicaID: s.replicaID(),
      endpoint: s.endpoint(),
      epoch: s.epoch(),
      state: s.state(),
      stopped: s.stopped(),
      session: s.sessionSnapshot(),
    }));
    const count = (...states: ReplicaState[]): number => senders.filter((x) => states.includes(x.state)).length;
    return {
      senders,
      totalCount: senders.length,
      inSync: count(ReplicaState.InSync),
      recovering: count(ReplicaState.CatchingUp, ReplicaState.Connecting),
      degraded: count(ReplicaState.Degraded),
      rebuilding: count(ReplicaState.NeedsRebuild),
    };
  }

  canonical(): RegistryCanonical {
    return {
      lastSessionID: this.ctx.lastAllocatedSessionID,
      senders: this.all().map((s) => s.canonical()),
    };
  }

  private sortedIDs(): ReplicaID[] {
    return [...this.senders.keys()].sort(compareReplicaIDs);
  }
}
