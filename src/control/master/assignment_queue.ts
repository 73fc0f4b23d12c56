// Per-server queue of pending block-volume assignments, retained until a full heartbeat confirms
// them (F1: retain-until-confirmed). Every heartbeat reply re-sends whatever is still pending.
//
// Ports: weed/server/master_block_assignment_queue.go (BlockAssignmentQueue: Enqueue,
// EnqueueBatch, Peek with stale-epoch pruning, Confirm, ConfirmFromHeartbeat, Pending,
// TotalPending). Single-threaded here, so the mutex is gone.
//
// Upstream rules kept as they are (see docs/control.md):
// - Confirmation matches (path, epoch) only, never the role: a Rebuilding or Replica assignment is
//   confirmed by any full heartbeat reporting that path at that epoch, whatever role it reports.
// - Peek prunes, per path, every assignment with an epoch below the newest queued for that path;
//   several assignments at the same (path, epoch) are all kept and all re-sent.
// - UPSTREAM HAZARD (master_grpc_server.go: SendHeartbeat): confirmation runs before Peek, so a
//   same-epoch refresh (refreshPrimaryForAddrChange, the Primary refresh in recoverBlockVolumes)
//   queued for a server is confirmed and dropped, never sent, if that server's next message is a
//   full block heartbeat already reporting that (path, epoch).
import { cloneAssignment, type BlockVolumeAssignment, type BlockVolumeInfoMessage } from './messages.ts';
import { M, mark } from '../../marks/index.ts';

export class BlockAssignmentQueue {
  private readonly queues = new Map<string, BlockVolumeAssignment[]>();

  /** Enqueue adds a single assignment to the server's queue. */
  enqueue(server: string, a: BlockVolumeAssignment): void {
    this.queue(server).push(cloneAssignment(a));
  }

  /** EnqueueBatch adds several assignments to the server's queue. */
  enqueueBatch(server: string, as: readonly BlockVolumeAssignment[]): void {
    if (as.length === 0) return;
    const q = this.queue(server);
    for (const a of as) q.push(cloneAssignment(a));
  }

  /**
   * Peek returns a copy of the server's pending assignments without removing them, after pruning
   * the stale ones (an older epoch than the newest queued for the same path).
   */
  peek(server: string): BlockVolumeAssignment[] {
    const pending = this.queues.get(server);
    if (pending === undefined || pending.length === 0) return [];
    const latest = new Map<string, number>();
    for (const a of pending) if (a.epoch > (latest.get(a.path) ?? 0)) latest.set(a.path, a.epoch);
    const pruned = pending.filter((a) => a.epoch >= (latest.get(a.path) ?? 0));
    if (pruned.length < pending.length) mark(M.control_assignment_stale_pruned);
    this.queues.set(server, pruned);
    return pruned.map(cloneAssignment);
  }

  /** Confirm removes the first assignment with this path and epoch. */
  confirm(server: string, path: string, epoch: number): void {
    const pending = this.queues.get(server);
    if (pending === undefined) return;
    const i = pending.findIndex((a) => a.path === path && a.epoch === epoch);
    if (i >= 0) mark(M.control_assignment_confirmed), pending.splice(i, 1);
  }

  /** ConfirmFromHeartbeat removes every assignment whose (path, epoch) the heartbeat reports. */
  confirmFromHeartbeat(server: string, infos: readonly BlockVolumeInfoMessage[]): void {
    if (infos.length === 0) return;
    const pending = this.queues.get(server);
    if (pending === undefined || pending.length === 0) return;
    const reported = new Set(infos.map((i) => `${i.epoch}\u0000${i.path}`));
    const kept = pending.filter((a) => !reported.has(`${a.epoch}\u0000${a.path}`));
    if (kept.length < pending.length) mark(M.control_assignment_confirmed);
    this.queues.set(server, kept);
  }

  /** What is queued for the server, as it stands (no pruning; for checks, not in upstream). */
  queued(server: string): readonly BlockVolumeAssignment[] {
    return (this.queues.get(server) ?? []).map(cloneAssignment);
  }

  /** Pending returns the number of assignments queued for the server. */
  pending(server: string): number {
    return this.queues.get(server)?.length ?? 0;
  }

  totalPending(): number {
    let total = 0;
    for (const q of this.queues.values()) total += q.length;
    return total;
  }

  /** Canonical state: servers sorted, each queue in order. */
  canonical(): Record<string, BlockVolumeAssignment[]> {
    const out: Record<string, BlockVolumeAssignment[]> = {};
    for (const s of [...this.queues.keys()].sort()) {
      const q = this.queues.get(s)!;
      if (q.length > 0) out[s] = q.map(cloneAssignment);
    }
    return out;
  }

  private queue(server: string): BlockVolumeAssignment[] {
    let q = this.queues.get(server);
    if (q === undefined) { q = []; this.queues.set(server, q); }
    return q;
  }
}
