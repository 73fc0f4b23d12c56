// What a scenario's conditions and assertions read from a running cluster: servers by name, the
// primary's engine (sender states, session kinds), its shippers, receivers, committed LSN, the
// recovery log of every engine instance so far (counted across primary incarnations), each
// executor's sender calls (via an engine-observer wrapper: the checker still sees every call),
// and when every replica was first in sync after the quiet phase began.
import type { RecoveryDriver } from '../engine/driver.ts';
import type { RecoveryPlan } from '../engine/plan.ts';
import type { EngineObserver } from '../sim/engine_observer.ts';
import type { Cluster } from '../sim/cluster.ts';
import type { VolumeNode } from '../sim/node.ts';
import type { WALShipper } from '../replication/shipper.ts';

interface ExecutorRecord { readonly kind: 'catchup' | 'rebuild'; readonly ordinal: number; steps: number; label: string }

export class ScenarioView {
  private cluster: Cluster | null = null;
  private names: readonly string[] = [];
  private readonly drivers: { driver: RecoveryDriver; seen: number }[] = [];
  /** Event counts: `event|replicaID` and `event|*`. */
  private readonly eventCounts = new Map<string, number>();
  private readonly executors = new Map<RecoveryPlan, ExecutorRecord>();
  /** Per `replicaID|kind`: executors started, in order. */
  private readonly executorList = new Map<string, ExecutorRecord[]>();
  private readonly lastSessionKind = new Map<string, string>();
  /** Virtual time at which every replica was first in sync (engine and shipper) in the quiet phase. */
  convergedAt: number | null = null;

  attach(cluster: Cluster, names: readonly string[]): void {
    this.cluster = cluster;
    this.names = names;
  }

  private get c(): Cluster { return this.cluster!; }

  node(name: string): VolumeNode { return this.c.nodes[this.names.indexOf(name)]!; }
  nameOf(n: VolumeNode): string { return this.names[this.c.nodes.indexOf(n)] ?? n.name; }

  /** Wrap the checker's engine observer for a new engine instance (inner may be null). */
  observe(driver: RecoveryDriver, inner: EngineObserver | null): EngineObserver {
    // An engine started before the checker existed is observed again once it does (upstream: at boot).
    if (!this.drivers.some((d) => d.driver === driver)) this.drivers.push({ driver, seen: 0 });
    const onCall = (replicaID: string, label: string, plan: RecoveryPlan | undefined): void => {
      if (plan === undefined) return;
      let r = this.executors.get(plan);
      if (r === undefined) {
        const kind = plan.rebuildSource !== '' ? 'rebuild' : 'catchup';
        const key = `${replicaID}|${kind}`;
        const list = this.executorList.get(key) ?? [];
        r = { kind, ordinal: list.length + 1, steps: 0, label: '' };
        list.push(r);
        this.executorList.set(key, list);
        this.executors.set(plan, r);
      }
      r.steps += 1;
      r.label = label;
    };
    return {
      planIssued: (p) => inner?.planIssued(p),
      planFailed: (p) => inner?.planFailed(p),
      executorCall: (p) => { onCall(p.replicaID, p.label, p.plan); inner?.executorCall(p); },
      executorIO: (p) => inner?.executorIO(p),
      executorFinished: (p) => inner?.executorFinished(p),
      planCancelled: (p) => inner?.planCancelled(p),
      assignmentProcessed: (i, r) => inner?.assignmentProcessed(i, r),
    };
  }

  /** After every step: fold new recovery-log events, session kinds, convergence. */
  afterStep(): void {
    for (const d of this.drivers) {
      const log = d.driver.orchestrator.log;
      if (log.length() === d.seen) continue;
      for (const e of log.events().slice(d.seen)) {
        for (const k of [`${e.event}|${e.replicaID}`, `${e.event}|*`]) this.eventCounts.set(k, (this.eventCounts.get(k) ?? 0) + 1);
      }
      d.seen = log.length();
    }
    const p = this.primaryNode();
    const registries = [p?.engineRegistry() ?? null, ...this.c.nodes.map((n) => (n === p ? null : n.upstreamEngine?.registry ?? null))];
    for (const r of registries) {
      if (r === null) continue;
      for (const s of r.all()) {
        const snap = s.sessionSnapshot();
        if (snap !== null) this.lastSessionKind.set(s.replicaID(), snap.kind);
      }
    }
    if (this.convergedAt === null && this.c.now() >= this.c.quietAt() && this.allInSync()) this.convergedAt = this.c.now();
  }

  primaryNode(): VolumeNode | undefined {
    const p = this.c.primary();
    return p !== undefined && p.up() && p.role === 'primary' ? p : undefined;
  }

  primaryName(): string | null {
    const id = this.c.control.primaryServerID();
    const n = this.c.nodes.find((x) => x.serverID === id);
    return n === undefined ? null : this.nameOf(n);
  }

  senderState(replica: string): string {
    const s = this.primaryNode()?.engineRegistry()?.sender(this.node(replica).replicaID()) ?? null;
    return s === null ? 'none' : s.state();
  }

  sessionKind(replica: string): string {
    return this.lastSessionKind.get(this.node(replica).replicaID()) ?? 'none';
  }

  shipper(replica: string): WALShipper | null {
    const n = this.node(replica);
    const addrs = [n.receiver?.dataAddr(), n.dataAddr()];
    return this.primaryNode()?.group?.shippers().find((s) => addrs.includes(s.dataAddr)) ?? null;
  }

  shipperState(replica: string): string {
    return this.shipper(replica)?.state() ?? 'none';
  }

  inSyncCount(): number {
    return (this.primaryNode()?.engineRegistry()?.all() ?? []).filter((s) => s.state() === 'in_sync').length;
  }

  committedLSN(): number {
    return this.primaryNode()?.vol?.statusSnapshot().committedLSN ?? 0;
  }

  flushedLSN(replica: string): number {
    return this.node(replica).receiver?.flushedLSN() ?? 0;
  }

  eventCount(event: string, replica: string | undefined): number {
    const key = replica === undefined ? `${event}|*` : `${event}|${this.node(replica).replicaID()}`;
    return this.eventCounts.get(key) ?? 0;
  }

  executor(kind: 'catchup' | 'rebuild', replica: string | undefined, count: number): { steps: number; label: string } | null {
    if (replica !== undefined) return this.executorList.get(`${this.node(replica).replicaID()}|${kind}`)?.[count - 1] ?? null;
    // Any replica: the count-th executor of this kind started, in start order across replicas is not
    // kept; take the first replica's count-th whose step matches (conditions check each).
    for (const [key, list] of this.executorList) if (key.endsWith(`|${kind}`) && list[count - 1] !== undefined) return list[count - 1]!;
    return null;
  }

  private allInSync(): boolean {
    const p = this.primaryNode();
    if (p === undefined) return false;
    for (const n of this.c.nodes) {
      if (n === p) continue;
      const name = this.nameOf(n);
      if (this.senderState(name) !== 'in_sync' || this.shipperState(name) !== 'in_sync') return false;
    }
    return true;
  }

  /** Per LBA, is `server`'s block one the oracle allows (the last durable write or a later one)? First mismatch, or null. */
  contentMismatch(server: string): string | null {
    const n = this.node(server);
    const vol = n.vol;
    if (vol === null) return `${server} is down`;
    const o = this.c.oracle;
    for (const lba of o.lbas()) {
      const allowed = o.allowedValues(lba);
      if (allowed === null) continue;
      const r = vol.readLBA(lba, n.cfg.blockSize);
      if (r.err !== null) return `${server}: read LBA ${lba}: ${r.err.message}`;
      if (!allowed.some((a) => a.length === r.data.length && a.every((x, i) => x === r.data[i]))) return `${server} LBA ${lba} holds neither the last durable write nor a later one`;
    }
    return null;
  }

  /** `content: matches_oracle`: the named servers (default: the primary and every in-sync replica); null when all match. */
  contentProblem(servers: readonly string[] | undefined): string | null {
    let list = servers;
    if (list === undefined) {
      const p = this.primaryNode();
      if (p === undefined) return 'expected a serving primary to compare with the oracle, seen none';
      list = [this.nameOf(p), ...this.names.filter((n) => n !== this.nameOf(p) && this.senderState(n) === 'in_sync')];
    }
    for (const s of list) {
      const m = this.contentMismatch(s);
      if (m !== null) return `expected content matching the oracle, seen ${m}`;
    }
    return null;
  }
}
