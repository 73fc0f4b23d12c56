// Composes a checked world for one seed: the simulated cluster plus every checker that runs after
// each step — the engine invariants (one EngineChecker per engine instance), the storage checks
// (per volume instance), the data-path checks (over every live shipper and receiver) — and the
// end-of-run checks: E2 (no durably acknowledged write lost), E1 (replicas the engine and the
// shipper call in sync hold the primary's content) and E3 (the cluster converged after the quiet
// phase). Checker failures arrive in the catalog's shape; candidate flags come from the catalog.
import { upstreamEngineStallCause, upstreamNoPrimaryCause, upstreamStallCause, upstreamUnreplicatedDurable } from './upstream_causes.ts';
import type { RecoveryDriver } from '../engine/driver.ts';
import { SessionKind } from '../engine/types.ts';
import type { ReplicaReceiver } from '../replication/receiver.ts';
import type { WALShipper } from '../replication/shipper.ts';
import { ReplicationChecks } from '../replication/checks.ts';
import type { SyncLog } from '../replication/group_commit.ts';
import type { RebuildServer } from '../replication/rebuild_server.ts';
import { checkW1, durableHeadLSN, W10Checkpoint, W11Truncation, W12Install, W9RetentionFloor } from '../storage/blockvol/checks.ts';
import type { BlockVolume } from '../storage/blockvol/volume.ts';
import { Cluster } from '../sim/cluster.ts';
import type { VolumeNode } from '../sim/node.ts';
import {
  burnedAt, burnedNext, lateOrInverted, lostInFlight, provenGap, publishInversion, receiverDurableCause, shipperOrderCause, wedgedDeposedPrimary,
} from './data_path_causes.ts';
import { sameBytes } from '../sim/oracle.ts';
import { END, type ReadWindow } from '../sim/realtime_order.ts';
import { isProfileName } from '../sim/profile.ts';
import type { CheckedWorld, WorldFactory } from './checked_world.ts';
import { failure, type Failure } from './catalog.ts';
import { ChangeKey } from '../sim/change_key.ts';
import { EngineChecker } from './engine_checker.ts';
import { FlushBufferWatch } from './flush_buffers.ts';

interface EngineWatch {
  readonly node: VolumeNode;
  readonly driver: RecoveryDriver;
  readonly checker: EngineChecker;
}

interface VolumeWatch {
  readonly vol: BlockVolume;
  /** Everything the storage checks read: unchanged ⇒ the checks cannot fire anew. */
  readonly key: ChangeKey;
  readonly w9: W9RetentionFloor;
  readonly w10: W10Checkpoint;
  readonly w11: W11Truncation;
  readonly w12: W12Install;
  readonly flushBuffers: FlushBufferWatch;
}

/** The retention floor without holds (what Pinner.minWALRetentionFloor answers then). */
const NO_FLOOR = { lsn: 0, found: false } as const;

/** check()'s answer when nothing was found (never modified). */
const NO_FAILURES: readonly Failure[] = [];

/** A failure from a layer's own check type in the catalog's shape (the layer knows when it is a candidate). */
function fromLayer(f: { id: string; message: string; candidate?: boolean }): Failure {
  return { id: f.id, message: f.message, candidate: f.candidate === true };
}

/**
 * A data-path failure. W6 through a legacy BarrierOK (no FlushedLSN) is a candidate only because
 * the upstream target still has B26; the simulated shipper has the fix unless `--bug B26`, so in
 * this world it is a failure.
 */
function fromDataPath(f: { id: string; message: string; candidate?: boolean }): Failure {
  const x = fromLayer(f);
  return x.id === 'W6' && x.message.includes('(B26:') ? { ...x, candidate: false } : x;
}

export class ClusterChecker {
  private readonly engines: EngineWatch[] = [];
  private readonly volumes = new Map<VolumeNode, VolumeWatch>();
  private readonly replication: ReplicationChecks;
  /** check() collects into this array and hands its content over (the array stays, empty, for the next step). */
  private readonly found: Failure[] = [];

  /** The data-path components of live nodes, gathered once per step (into the same arrays) for the replication checks. */
  private readonly live = { shippers: [] as WALShipper[], receivers: [] as ReplicaReceiver[], syncLogs: [] as SyncLog[], rebuildServers: [] as RebuildServer[] };
  private readonly ownerOf = new Map<WALShipper, VolumeNode>();
  private readonly receiverOwner = new Map<ReplicaReceiver, VolumeNode>();

  constructor(readonly cluster: Cluster) {
    this.replication = new ReplicationChecks({
      shippers: () => this.live.shippers,
      receivers: () => this.live.receivers,
      syncLogs: () => this.live.syncLogs,
      rebuildServers: () => this.live.rebuildServers,
      primaryHeadOf: (s: WALShipper) => this.ownerOf.get(s)?.vol?.headLSN() ?? null,
      primaryGapAt: (s: WALShipper, lsn: number) => provenGap(cluster, this.ownerOf.get(s), lsn),
      receiverDurableLSN: (r: ReplicaReceiver) => this.durableLSNOf(r),
      shipperRepeatCause: (s: WALShipper, lsn: number) => shipperOrderCause(this.ownerOf.get(s), lsn),
      receiverDurableCause: (r: ReplicaReceiver, durable: number) => receiverDurableCause(cluster, this.receiverOwner.get(r), r, durable),
      receiverHeadLSN: (r: ReplicaReceiver) => this.receiverOwner.get(r)?.vol?.headLSN() ?? null,
    });
  }

  /** Per receiver, the last durable head computed, and the flushedLSN, resets and fsyncs it was computed for. */
  private readonly durableMemo = new WeakMap<ReplicaReceiver, { flushed: number; resets: number; fsyncs: number; head: number | null }>();

  /**
   * The head a crash of `r`'s server now would recover (storage checks durableHeadLSN), or null
   * when nothing needs proving: the server is down, or flushedLSN is within the persisted
   * checkpoint. Recovering the durable image is costly, so it is redone only when flushedLSN or the
   * volume (a reset) changed, or — while the claim is not yet proven — when the disk synced again;
   * once proven, later fsyncs only add durability.
   */
  private durableLSNOf(r: ReplicaReceiver): number | null {
    const n = this.receiverOwner.get(r);
    const vol = n?.vol ?? null;
    if (n === undefined || vol === null) return null;
    const flushed = r.flushedLSN();
    if (flushed <= vol.persistedCheckpointLSN()) return null;
    const resets = vol.resetLog().length;
    const fsyncs = n.disk.stats().fsyncs;
    const memo = this.durableMemo.get(r);
    if (memo !== undefined && memo.flushed === flushed && memo.resets === resets) {
      const proven = memo.head !== null && memo.head >= flushed;
      if (proven || memo.fsyncs === fsyncs) return proven ? null : memo.head;
    }
    const head = durableHeadLSN(n.disk);
    this.durableMemo.set(r, { flushed, resets, fsyncs, head });
    return head;
  }

  /** Client reads judged so far (a cursor into the oracle's reads). */
  private readsJudged = 0;

  /** The components gatherLive() read last: while they stay the same objects, the lists stay right. */
  private readonly liveKey = new ChangeKey();

  private gatherLive(): void {
    const key = this.liveKey.begin();
    for (const n of this.cluster.nodes) {
      key.add(n.up());
      if (n.up()) key.add(n.group).add(n.receiver).add(n.rebuildServer).add(n.syncLog);
    }
    if (!key.changed()) return;
    const l = this.live;
    l.shippers.length = 0;
    l.receivers.length = 0;
    l.syncLogs.length = 0;
    l.rebuildServers.length = 0;
    this.ownerOf.clear();
    this.receiverOwner.clear();
    for (const n of this.cluster.nodes) {
      if (!n.up()) continue;
      if (n.group !== null) for (const s of n.group.shippers()) { l.shippers.push(s); this.ownerOf.set(s, n); }
      if (n.receiver !== null) { l.receivers.push(n.receiver); this.receiverOwner.set(n.receiver, n); }
      if (n.rebuildServer !== null) l.rebuildServers.push(n.rebuildServer);
      l.syncLogs.push(n.syncLog);
    }
  }

  /** Called by the cluster for each new engine instance. */
  watchEngine(node: VolumeNode, driver: RecoveryDriver): EngineChecker {
    const vol = node.vol!;
    const checker = new EngineChecker(driver, { activeHolds: () => vol.pinner().activeHoldCount() });
    this.engines.push({ node, driver, checker });
    return checker;
  }

  check(): readonly Failure[] {
    const out = this.found;
    for (let i = this.engines.length - 1; i >= 0; i--) {
      const e = this.engines[i]!;
      if (e.node.driver !== e.driver) { this.engines.splice(i, 1); continue; }
      for (const f of e.checker.afterStep()) out.push(f);
    }
    for (const n of this.cluster.nodes) {
      const vol = n.vol;
      if (vol === null) { this.volumes.delete(n); continue; }
      let w = this.volumes.get(n);
      if (w === undefined || w.vol !== vol) {
        w = { vol, key: new ChangeKey(), w9: new W9RetentionFloor(), w10: new W10Checkpoint(), w11: new W11Truncation(), w12: new W12Install(), flushBuffers: new FlushBufferWatch() };
        this.volumes.set(n, w);
      }
      const pinner = vol.pinner();
      const holdCount = pinner.activeHoldCount();
      const floor = holdCount === 0 ? NO_FLOOR : pinner.minWALRetentionFloor();
      const key = w.key.begin().add(vol.walHead()).add(vol.walTail()).add(vol.nextLSN()).add(vol.checkpointLSN()).add(vol.persistedCheckpointLSN())
        .add(vol.resetLog().length).add(vol.dirtyCount()).add(holdCount).add(floor.found ? floor.lsn : '-');
      if (n.group !== null) for (const s of n.group.shippers()) key.add(s.state()).add(s.replicaFlushedLSN());
      const fb = w.flushBuffers.observe(vol);
      if (fb !== null) out.push(fb);
      if (!key.changed()) continue;
      const holds = pinner.activeHolds().filter((h) => h.kind !== 'fullbase').map((h) => h.startLSN);
      const shipperFlushed = (n.group?.shippers() ?? []).filter((s) => s.hasFlushedProgress() && s.state() !== 'needs_rebuild').map((s) => s.replicaFlushedLSN());
      const w1 = checkW1(vol);
      if (w1 !== null) out.push(fromLayer(w1));
      for (const f of [w.w9.observe(vol, { holds, shipperFlushed }), w.w10.observe(vol), w.w11.observe(vol), w.w12.observe(vol)]) if (f !== null) out.push(resetFinding(n, vol, fromLayer(f)));
    }
    this.gatherLive();
    for (const f of this.replication.all()) out.push(fromDataPath(f));
    this.checkReads(out);
    return out.length === 0 ? NO_FAILURES : out.splice(0);
  }

  finalCheck(): Failure[] {
    const out: Failure[] = [];
    const c = this.cluster;
    const p = c.primary();
    if (p === undefined || p.vol === null || p.role !== 'primary') {
      const why = upstreamNoPrimaryCause(c, p);
      const f = failure('E3', `no serving primary at the end of the quiet phase (master says ${c.control.primaryServerID()})${why ?? ''}`);
      out.push(why !== null ? { ...f, candidate: true } : f);
      return out;
    }
    this.checkE2(p, out);
    this.checkConvergence(p, out);
    return out;
  }

  /** E2 at the end: the primary serves, per LBA, the last durably acknowledged write or something written after it. */
  private checkE2(p: VolumeNode, out: Failure[]): void {
    const c = this.cluster;
    if (c.plan.durability === 'best_effort') return;
    const bs = p.cfg.blockSize;
    for (const lba of c.oracle.lbas()) {
      if (c.oracle.allowedValues(lba) === null) continue;
      const r = p.vol!.readLBA(lba, bs);
      if (r.err !== null) { out.push(failure('E2', `primary ${p.name}: read LBA ${lba}: ${r.err.message}`)); return; }
      const f = judgeServed(c, lba, r.data, `primary ${p.name}`);
      if (f !== null) { out.push(f); return; }
    }
  }

  /** E2 during the run: every block a client read returned obeys the same rule, as of that read's interval. */
  private checkReads(out: Failure[]): void {
    const c = this.cluster;
    const reads = c.oracle.readsSince(this.readsJudged);
    if (reads.length === 0) return;
    this.readsJudged += reads.length;
    if (c.plan.durability === 'best_effort') return;
    for (const r of reads) {
      const f = judgeServed(c, r.lba, r.data, `a client read answered by ${r.by}`, r);
      if (f !== null) { out.push(f); return; }
    }
  }

  /** E3 and E1: every replica converged (engine and shipper in sync, or rebuilding), and in-sync replicas match the primary. */
  private checkConvergence(p: VolumeNode, out: Failure[]): void {
    const c = this.cluster;
    const image = p.vol!.readImage();
    for (const n of c.nodes) {
      if (n === p) continue;
      const id = n.replicaID();
      // Under upstream at 3ec8fab2f: the primary's V2 orchestrator (upstream_recovery.ts).
      const v2 = p.upstreamEngine;
      const sender = p.recovery?.registry.sender(id) ?? v2?.registry.sender(id) ?? null;
      const shipper = p.group?.shippers().find((s) => s.dataAddr === n.receiver?.dataAddr()) ?? null;
      const engineState = sender?.state() ?? 'none';
      // Spec E3: in sync (engine and shipper), or needs_rebuild with a rebuild in progress — whose
      // sender reads connecting while its session transfers (a rebuild stays in phase handshake).
      const rebuildSession = sender?.hasActiveSession() === true && sender.sessionSnapshot()?.kind === SessionKind.Rebuild;
      const rebuilding = (engineState === 'needs_rebuild' || rebuildSession) && (p.recovery?.running(id) ?? false);
      // Where no engine runs on the primary (the upstream control plane at c7eb87c58 drives
      // none), convergence is the data path's alone: the shipper in sync. Under upstream at
      // 3ec8fab2f the V2 engine drives no data (the primary's catch-up only scans its WAL), so the
      // data path decides here too, and the engine's own state is judged below (H37).
      const engineOK = engineState === 'in_sync' || (p.recovery === null && sender === null) || v2 !== null;
      if (!rebuilding && (!engineOK || shipper?.state() !== 'in_sync')) {
        const why = stallCause(c, p, n, shipper, engineState, image);
        const f = failure('E3', `replica ${n.name} did not converge: engine ${engineState}, shipper ${shipper?.state() ?? 'none'}, receiver ${n.receiver === null ? 'none' : 'running'}${why ?? ''}`);
        out.push(why !== null ? { ...f, candidate: true } : f);
        continue;
      }
      if (v2 !== null && engineState !== 'in_sync' && !(v2.hasTask(id) && rebuildSession)) {
        const why = upstreamEngineStallCause(c, p, n, engineState);
        const f = failure('E3', `replica ${n.name}: the primary's V2 engine is not in sync with it: engine ${engineState}, shipper ${shipper?.state() ?? 'none'}${why ?? ''}`);
        out.push(why !== null ? { ...f, candidate: true } : f);
      }
      if (!engineOK || n.vol === null || !(image instanceof Uint8Array)) continue;
      const ri = n.vol.readImage();
      if (!(ri instanceof Uint8Array) || sameBytes(ri, image)) continue;
      const why = divergenceCause(c, n, ri, image, p.cfg.blockSize) ?? lostInFlight(p, n, shipper) ?? stallCause(c, p, n, shipper, engineState, image);
      const f = failure('E1', `replica ${n.name} is in sync (${v2 === null ? 'engine and shipper' : 'its shipper'}) but its content differs from primary ${p.name}${why ?? ''}`);
      out.push(why !== null ? { ...f, candidate: true } : f);
    }
  }
}

/**
 * A truncation or install left an entry below its reset point in the WAL or dirty map (W11/W12).
 * When the replica's receiver had its receivedLSN lowered below that point by a plain progress
 * store (SyncReceiverProgress of a catch-up planned before the reset), the receiver admitted old
 * entries again: target behaviour, a finding (H22). Otherwise the failure stands.
 */
function resetFinding(n: VolumeNode, vol: BlockVolume, f: Failure): Failure {
  if (f.id !== 'W11' && f.id !== 'W12') return f;
  const last = vol.resetLog()[vol.resetLog().length - 1];
  const rx = n.receiver;
  if (last === undefined || rx === null) return f;
  const bound = last.kind === 'truncate' ? last.lsn : last.lsn - 1;
  const lowered = rx.obs.loweringBelow(bound);
  if (lowered === null) return f;
  return { ...f, candidate: true, message: `${f.message} (a plain progress store lowered the receiver's receivedLSN from ${lowered.from} to ${lowered.to}, below the reset point ${bound}, so it admitted old entries again: finding H22)` };
}

/**
 * Why replica `n` is stuck when the cause is target behaviour the simulator can prove (a finding),
 * as the text appended to the failure; null when no known cause applies. First match wins.
 */
function stallCause(c: Cluster, p: VolumeNode, n: VolumeNode, shipper: WALShipper | null, engineState: string, image: Uint8Array | unknown): string | null {
  const upstream = upstreamStallCause(c, p, n);
  if (upstream !== null) return upstream;
  const wedged = wedgedDeposedPrimary(n);
  if (wedged !== null) return wedged;
  const rx = n.receiver;
  const vol = n.vol;
  const replicaImage = vol?.readImage();
  const holdsPrimaryContent = image instanceof Uint8Array && sameImage(replicaImage, image);
  // Why the replica's content differs, when that is itself a proven finding (a fork, an own hole,
  // a rebuild race); null when it holds the primary's content or no cause is known.
  const diverged = !holdsPrimaryContent && image instanceof Uint8Array && replicaImage instanceof Uint8Array
    ? divergenceCause(c, n, replicaImage, image, p.cfg.blockSize) : null;
  // The engine may be anywhere in a catch-up loop meanwhile (H27 below): probing or catching up.
  const inLoop = engineState === 'catching_up' || engineState === 'connecting';
  // The data-path causes below (H34, H35) need the engine not to be what holds the replica back:
  // in sync or in a catch-up loop — or no engine driving the primary's data path at all, as under
  // the upstream control plane (no engine at c7eb87c58; at 3ec8fab2f the V2 engine only scans the
  // primary's WAL), where E3 judges the shipper alone and the engine's state apart (H37).
  const engineAside = engineState === 'in_sync' || inLoop || p.recovery === null;
  // The primary replaces its whole shipper group whenever a replica's address or role changes
  // (SetReplicaAddrs). When another replica's role keeps flipping (a rebuild loop: rebuilding ->
  // replica -> rebuilding on successive assignments), every assignment brings a new group whose
  // shippers start Disconnected with no progress; the heartbeat's proactive reconnect (f90ccf5bf)
  // starts, and the assignment answering that heartbeat replaces the group before it completes.
  // With no foreground I/O no barrier runs either, so this replica's shipper never gets in sync
  // although its replica holds the primary's content, or differs only for a proven cause (H34).
  if (shipper !== null && shipper.state() !== 'in_sync' && !shipper.hasFlushedProgress() && engineAside
    && (holdsPrimaryContent || diverged !== null)) {
    const churn = groupChurn(c, p, n, shipper.dataAddr);
    if (churn !== null) return ` (${churn}${holdsPrimaryContent ? ', although the replica holds the primary\'s content' : `; its content also differs from the primary's${diverged}`}: finding H34)`;
  }
  // A Disconnected shipper that live-shipped entries (bootstrap: Ship is allowed from
  // Disconnected) has transport contact by HasTransportContact (shippedLSN > 0), so the proactive
  // reconnect (f90ccf5bf TryReconnectAll) skips it; only a barrier makes it InSync, and an idle
  // client sends none (H35).
  // A replica behind the primary is held back by the same skip: a reconnect's handshake is what
  // would start its catch-up (or declare it NeedsRebuild).
  const behind = rx !== null && rx.receivedLSN() < (p.vol?.headLSN() ?? 0) ? rx.receivedLSN() : null;
  if (shipper !== null && shipper.state() === 'disconnected' && shipper.hasTransportContact() && !shipper.hasFlushedProgress()
    && engineAside && (holdsPrimaryContent || diverged !== null || behind !== null)) {
    const content = holdsPrimaryContent ? ', although the replica holds the primary\'s content'
      : diverged !== null ? `; its content also differs from the primary's${diverged}`
      : `; the replica is behind (receivedLSN ${behind}, the entries shipped while Disconnected refused as gaps), and only a reconnect's handshake would start its recovery`;
    return ` (its shipper live-shipped up to LSN ${shipper.shippedLSN()} while Disconnected but never had a barrier; that counts as transport contact (HasTransportContact), so the proactive reconnect skips it, and without foreground I/O no barrier runs${content}: finding H35)`;
  }
  // Only a barrier moves a replica's flushedLSN; a completed catch-up does not. A replica that
  // holds the primary's head but last had a barrier below it keeps reporting that flushedLSN, so
  // with no foreground I/O every re-delivered assignment plans the same catch-up again (H27). The
  // run may end anywhere in that loop: probing (connecting) or catching up.
  if (c.plan.idleQuiet && shipper?.state() === 'in_sync' && inLoop && rx !== null && holdsPrimaryContent
    && rx.receivedLSN() === p.vol?.headLSN() && rx.flushedLSN() < rx.receivedLSN()) {
    return ` (it holds the primary's head ${rx.receivedLSN()} but reports flushedLSN ${rx.flushedLSN()} from its last barrier; a catch-up does not move flushedLSN and an idle client sends no barrier, so every re-delivered assignment plans the same catch-up again: finding H27)`;
  }
  // A replica whose content differs for a proven cause — most often a fork: it holds an old
  // lineage's entries at LSNs the new primary allocated again, so the catch-up's entries there are
  // dropped as duplicates (H21) — cannot be repaired by a catch-up, which compares LSNs only.
  if (diverged !== null && (engineState === 'in_sync' || inLoop)) return ` (no catch-up can repair it: its content differs from the primary's${diverged})`;
  const hole = firstHole(p, vol?.headLSN() ?? 0) ?? burnedNext(c, p, rx);
  if (hole !== null) return ` (LSN ${hole} is a hole in the primary WAL — allocated, never written — so contiguous apply can never pass it: finding H1)`;
  if (rx === null || vol === null) return c.stuckOnEpochFence(n) ? FENCE_NOTE : null;
  // After a rebuild install the replica's flushedLSN keeps its old, lower value (only barriers
  // move it): the replica was reset, holds the primary's tail, but reports a flushedLSN below it,
  // so every handshake escalates again (H24).
  const primaryTail = p.vol?.persistedCheckpointLSN() ?? 0;
  if (rx.obs.resets > 0 && rx.flushedLSN() < primaryTail && vol.persistedCheckpointLSN() >= primaryTail) {
    return ` (its receiver reports flushedLSN ${rx.flushedLSN()} below its own durable checkpoint ${vol.persistedCheckpointLSN()}: a rebuild install does not move flushedLSN, so every handshake escalates again until a barrier does, finding H24)`;
  }
  // H3: truncation and installs reset receivedLSN but never lower flushedLSN, so a replica keeps
  // reporting R > C, is truncated again and again, or counts as zero gap while missing an entry.
  if (rx.flushedLSN() > (p.vol?.headLSN() ?? 0) || rx.flushedLSN() > rx.receivedLSN()) {
    return ` (its receiver still reports flushedLSN ${rx.flushedLSN()}, above what it received (${rx.receivedLSN()}) or the primary head (${p.vol?.headLSN()}): never lowered after a reset, hazard H3)`;
  }
  // SyncReceiverProgress / installer resets store receivedLSN plainly (spec §10.10): racing a live
  // apply they can lower it below what the volume holds; the next entry is then a "gap" and no
  // barrier for the head can ever be satisfied (H22).
  if (rx.receivedLSN() < vol.headLSN()) {
    return ` (its receivedLSN ${rx.receivedLSN()} is below the head ${vol.headLSN()} it holds: a plain-store progress reset raced a live apply, finding H22)`;
  }
  return c.stuckOnEpochFence(n) ? FENCE_NOTE : null;
}

/**
 * H34's evidence: in the quiet phase the primary replaced its shipper group because another
 * replica's key changed, at least once cutting a proactive reconnect of `dataAddr` in flight, and
 * kept doing so until the end (the last replacement within two heartbeat periods of it). The
 * explanation, or null.
 */
function groupChurn(c: Cluster, p: VolumeNode, n: VolumeNode, dataAddr: string): string | null {
  const quiet = p.groupReplacements.filter((g) => g.t >= c.plan.faultPhaseMs && g.changed.some((x) => !x.startsWith(`${n.serverID} `)));
  const cut = quiet.filter((g) => g.cutReconnects.includes(dataAddr)).length;
  const last = quiet[quiet.length - 1];
  if (cut === 0 || last === undefined || c.now() - last.t > 2 * p.cfg.heartbeatMs) return null;
  const others = [...new Set(quiet.flatMap((g) => g.changed).filter((x) => !x.startsWith(`${n.serverID} `)))].sort().join(', ');
  return `its shipper never had a barrier: the primary replaced its shipper group ${quiet.length} times in the quiet phase (the last at ${last.t} ms) as another replica's role kept changing (${others}), each new group starting Disconnected; ${cut} proactive reconnect(s) of this shipper were cut by a replacement, and without foreground I/O no barrier runs`;
}

const FENCE_NOTE = ' (its receiver kept dropping older-epoch entries the catch-up streamed: catch-up cannot cross an epoch boundary, finding H20)';

/** Why an in-sync replica's content differs, when the simulator can prove a target cause (a finding); else null. */
function divergenceCause(c: Cluster, n: VolumeNode, replica: Uint8Array, primary: Uint8Array, bs: number): string | null {
  const lbas = differingLBAs(replica, primary, bs);
  if (lbas.some((lba) => involvesFork(c, lba, block(replica, lba, bs)) || involvesFork(c, lba, block(primary, lba, bs)))) {
    return ' (it holds writes at LSNs that were allocated twice with different data — a fork neither handshake can see, they compare LSNs, not lineages: finding H21)';
  }
  // H11 explains the divergence only when it explains every differing block.
  const inverted = (node: VolumeNode | undefined, lba: number): boolean => node?.vol?.publishInversions().has(lba) ?? false;
  if (lbas.length > 0 && lbas.every((lba) => inverted(c.primary(), lba) || inverted(n, lba))) {
    return ` (${publishInversion(c.primary(), lbas) ?? publishInversion(n, lbas)})`;
  }
  // A demoted primary whose appends failed (WAL full, I/O error) keeps their LSNs in its nextLSN:
  // its receiver starts above entries it never wrote and skips the new primary's entries at those
  // LSNs as duplicates, while handshakes compare LSNs only (H1).
  const ownHole = firstHole(n, n.vol?.persistedCheckpointLSN() ?? 0);
  if (ownHole !== null && ownHole <= (c.primary()?.vol?.headLSN() ?? 0)) {
    return ` (LSN ${ownHole} is a hole in its own WAL — allocated while it was primary, never written — and its receiver counted it as received, so it skipped the new primary's entries there as duplicates: finding H1)`;
  }
  // The same, after the hole has left its WAL (a checkpoint passed it): every differing block is
  // the primary's write at an LSN this server had burned as a primary.
  const skipped = burnedUnder(c, n, lbas, primary, bs);
  if (skipped !== null) {
    return ` (LSN ${skipped}, where the primary wrote what this replica lacks, is an LSN this server burned while it was primary — allocated, never written — so its receiver, started at a head that counted it, skipped the new primary's entry there as a duplicate: finding H1)`;
  }
  // The replica's apply of the next entry failed (an I/O error); the receiver logs it and reads on
  // (replica_apply.go handleDataConn), so every later entry is a gap, while the primary's shipper,
  // which only a barrier would tell, stays InSync (H42).
  const failed = n.receiver?.obs.lastApplyError ?? null;
  if (failed !== null && n.receiver !== null && failed.lsn === n.receiver.receivedLSN() + 1) {
    return ` (its apply of LSN ${failed.lsn} failed (${failed.code}); the receiver only logs an apply error and reads on (replica_apply.go handleDataConn), so every later entry was refused as a gap, and the primary's shipper, told nothing until a barrier, stayed InSync: finding H42)`;
  }
  if (n.rebuildReapplies > 0 && lbas.some((lba) => holdsOlderVersion(c, lba, block(replica, lba, bs), block(primary, lba, bs)))) {
    return ` (a rebuild raced live shipping here ${n.rebuildReapplies} time(s): its tail replay re-applied older entries over newer ones, a live apply published an older entry after a catch-up had applied newer ones, or its install discarded live-shipped entries above the installed point — ApplyRebuildEntry has no ordering check, finding H25)`;
  }
  return null;
}

/**
 * Under sync_quorum a write is durable once a quorum proved it (the primary and one replica of
 * three), and the master promotes the live, not-rebuilding server with the highest reported
 * progress. A failover after the write's epoch that promoted a server below the write's LSN lost
 * it by that policy when a server that held it was passed over because it was being rebuilt (its
 * shipper had counted toward the quorum while the engine rebuilt it: H28), or could not be
 * considered because its lease had run out (every holder unavailable at once, more failures than
 * a quorum of three tolerates, and the master cannot know the committed LSN: H29), or was live but
 * had last reported less than it held (a heartbeat older than the barrier that made the write
 * durable: H30). Under every durability mode: when the promoted server reported the write
 * without holding it, its progress counting LSNs it had burned as a primary (H1). Null otherwise.
 */
function lostAtFailover(c: Cluster, ackEpoch: number, ackLSN: number): string | null {
  for (const f of c.control.failoverLog) {
    const actual = c.failoverProgress.get(f.epoch) ?? [];
    const held = (id: string): number => actual.find((a) => a.serverID === id)?.flushedLSN ?? 0;
    if (f.epoch <= ackEpoch) continue;
    const promoted = `the failover to epoch ${f.epoch} promoted ${f.promoted} (flushedLSN ${f.promotedFlushedLSN})`;
    // It reported the write without holding it: its progress counted LSNs it burned (H1). Any
    // durability: its receiver, started at that head, also answered barriers for entries it
    // skipped as duplicates, so even sync_all counted it among the holders.
    if (f.promotedFlushedLSN >= ackLSN && burnedAt(c, f.promoted, ackLSN)) {
      return `${promoted} without the write: it had burned LSN ${ackLSN} itself — allocated while it was primary, never written — so its head, where a receiver starts, passed it: it skipped the write there as a duplicate, answered barriers beyond it, and reported progress above it: finding H1`;
    }
    // A promoted server that held the write (whatever it last reported) did not lose it.
    if (f.promotedFlushedLSN >= ackLSN || held(f.promoted) >= ackLSN) continue;
    const rebuilding = c.plan.durability !== 'sync_quorum' ? undefined : f.skippedRebuilding.find((s) => s.flushedLSN >= ackLSN);
    if (rebuilding !== undefined) {
      return `${promoted} and passed over ${rebuilding.serverID}, which held it (flushedLSN ${rebuilding.flushedLSN}) but was being rebuilt — its shipper had counted toward the quorum while the engine rebuilt it: finding H28`;
    }
    // A holder is an unavailable server that reported the write, or held it at the failover
    // although its last report (older than the barrier) was below it.
    const holders = f.unavailable.filter((s) => s.flushedLSN >= ackLSN || held(s.serverID) >= ackLSN);
    if (holders.length > 0) {
      const list = holders.map((s) => `${s.serverID} (flushedLSN ${s.flushedLSN >= ackLSN ? s.flushedLSN : `${held(s.serverID)}, last reported ${s.flushedLSN}`})`).join(', ');
      return `${promoted} while every server known to hold it was unavailable — ${list} — ${c.plan.durability === 'sync_quorum' ? 'more failures at once than a quorum of three tolerates' : 'the servers that acknowledged it (the primary and the replicas its group shipped to) all down at once'}, and the master cannot know the committed LSN: finding H29`;
    }
    if (c.plan.durability !== 'sync_quorum') continue;
    const stale = f.considered.find((s) => s.serverID !== f.promoted && s.flushedLSN < ackLSN && held(s.serverID) >= ackLSN);
    if (stale !== undefined) {
      return `${promoted} although ${stale.serverID} held it (flushedLSN ${held(stale.serverID)}): its last heartbeat, reporting ${stale.flushedLSN}, predated the barrier that made the write durable, and the master promotes by reported progress: finding H30`;
    }
  }
  return null;
}

function block(image: Uint8Array, lba: number, bs: number): Uint8Array {
  return image.subarray(lba * bs, (lba + 1) * bs);
}

function sameImage(a: Uint8Array | unknown, b: Uint8Array): boolean {
  return a instanceof Uint8Array && sameBytes(a, b);
}

/**
 * E2's rule for one served block, in real-time order (src/sim/realtime_order.ts): with a durable
 * write to `lba` binding, the block is the data of a write not ordered before it — the last
 * durable write, one overlapping it, or a later one. `window` is the read that returned it (the
 * final image: every write counts). A loss through a fork (H21) or through a sync_quorum failover
 * that could not promote a holder (H28, H29, H30) is a finding; any other loss a failure. Null
 * when the block is allowed.
 */
function judgeServed(c: Cluster, lba: number, data: Uint8Array, server: string, window: ReadWindow = END): Failure | null {
  const allowed = c.oracle.allowedValues(lba, window);
  if (allowed === null || allowed.some((a) => sameBytes(a, data))) return null;
  const w = c.oracle.lostDurable(lba, window)!;
  // If the LSN was allocated twice (a fork, H21), a replica that held the other write at that LSN
  // proved its barrier by LSN alone and may have become primary: a finding.
  const fork = c.lsnForked(w.ackLSN) || involvesFork(c, lba, data);
  // A write acknowledged without replication (H31) is lost at any later promotion: that cause
  // comes before the promotion's own.
  const unreplicated = fork ? null : upstreamUnreplicatedDurable(c, w.ackBy);
  const failover = fork || unreplicated !== null ? null : lostAtFailover(c, w.ackEpoch, w.ackLSN);
  const local = fork || unreplicated !== null || failover !== null ? null : lateOrInverted(c, lba, data, w);
  const why = fork ? ' (LSNs there were allocated twice with different data — a fork; barriers and handshakes compare LSNs, not lineages: finding H21)'
    : unreplicated ?? (failover !== null ? ` (${failover})` : local ?? '');
  const f = failure('E2', `${server} lost LBA ${lba}: durable write op ${w.op} (epoch ${w.ackEpoch}, LSN ${w.ackLSN}) not served${why}`);
  return why !== '' ? { ...f, candidate: true } : f;
}

/** The replica's block is an older acknowledged version of the block the primary serves. */
function holdsOlderVersion(c: Cluster, lba: number, replicaBlock: Uint8Array, primaryBlock: Uint8Array): boolean {
  const newest = Math.max(0, ...c.oracle.writesWithData(lba, primaryBlock).map((w) => w.ackLSN));
  return c.oracle.writesWithData(lba, replicaBlock).some((w) => w.ackLSN > 0 && w.ackLSN < newest);
}

/** LBAs whose blocks differ between two volume images. */
function differingLBAs(a: Uint8Array, b: Uint8Array, blockSize: number): number[] {
  const out: number[] = [];
  for (let lba = 0; lba * blockSize < a.length; lba++) {
    if (!sameBytes(block(a, lba, blockSize), block(b, lba, blockSize))) out.push(lba);
  }
  return out;
}

/**
 * Does the block value `data` at `lba` come from a forked lineage? It does when the write that put
 * it there was acknowledged at an LSN allocated twice or above the serving primary's head, or was
 * never acknowledged (its LSN is unknown) while some fork exists.
 */
function involvesFork(c: Cluster, lba: number, data: Uint8Array): boolean {
  const head = c.primary()?.vol?.headLSN() ?? 0;
  const ws = c.oracle.writesWithData(lba, data);
  if (ws.length === 0) return c.anyFork() && data.some((x) => x !== 0);
  // An acknowledged LSN above the serving primary's head belongs to an abandoned lineage.
  return ws.some((w) => (w.ackLSN === 0 ? c.anyFork() : c.lsnForked(w.ackLSN) || w.ackLSN > head));
}

/**
 * The LSN of the primary's write at a differing block that replica `n` burned as a primary (H1:
 * its receiver skipped the entry there as a duplicate), when that explains every differing block
 * (the first such LSN); else null.
 */
function burnedUnder(c: Cluster, n: VolumeNode, lbas: readonly number[], primary: Uint8Array, bs: number): number | null {
  let first: number | null = null;
  for (const lba of lbas) {
    const lsn = c.oracle.writesWithData(lba, block(primary, lba, bs)).map((w) => w.ackLSN).find((l) => l > 0 && burnedAt(c, n.serverID, l));
    if (lsn === undefined) return null;
    first = first === null ? lsn : Math.min(first, lsn);
  }
  return first;
}

/** The first LSN above `from` that is a hole (H1) in `p`'s WAL, or null. */
function firstHole(p: VolumeNode, from: number): number | null {
  const head = p.vol?.headLSN() ?? 0;
  for (let lsn = from + 1; lsn <= head; lsn++) if (p.walGap(lsn) === 'hole') return lsn;
  return null;
}

export const makeClusterWorld: WorldFactory = ({ seed, profile, bugs, control, upstreamCommit, chooser }) => {
  if (!isProfileName(profile)) throw new Error(`unknown profile ${profile}`);
  let checker: ClusterChecker | null = null;
  const cluster = new Cluster({ seed, profile, bugs, chooser, ...(control !== undefined ? { control } : {}), ...(upstreamCommit !== undefined ? { upstreamCommit } : {}), engineObserver: (node, driver) => checker?.watchEngine(node, driver) ?? null });
  checker = new ClusterChecker(cluster);
  const cc = checker;
  // Engines started during construction (before the checker existed) are watched from now on.
  for (const n of cluster.nodes) if (n.driver !== null) n.setEngineObserver(cc.watchEngine(n, n.driver));
  const cw: CheckedWorld = { world: cluster, check: () => cc.check(), finalCheck: () => cc.finalCheck() };
  return cw;
};
