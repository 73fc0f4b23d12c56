// Promotion gates and ranking: which replica of a block volume may become primary, and why each
// other replica may not. Pure functions over a registry entry; the registry applies the result.
//
// Ports: weed/server/master_block_registry.go — evaluatePromotionLocked (automatic failover),
// evaluateManualPromotionLocked (operator promote with target/force), BlockVolumeEntry
// .BestReplicaForPromotion (the older ungated ranking), PromotionRejection,
// PromotionPreflightResult, DefaultPromotionLSNTolerance.
//
// Gates, in upstream's order (the first failing gate names the rejection):
//   no_heartbeat     replica never heartbeated (LastHeartbeat zero)
//   stale_heartbeat  now - LastHeartbeat > 2 x LeaseTTL (60 s when LeaseTTL is 0)
//   wal_lag          primary WALHeadLSN > 0 and replica WALHeadLSN + tolerance < primary's;
//                    at 3ec8fab2f (EC-6) automatic promotion applies it only while the primary's
//                    server is block-capable — a dead primary's WAL head no longer blocks
//                    promotion ("accepting that the last few unshipped entries may be lost").
//                    Manual promotion (evaluateManualPromotionLocked) is unchanged.
//   wrong_role       replica's last reported role is not exactly RoleReplica
//   server_dead      replica's server is not in the block-capable (connected) set
// Ranking among the eligible: highest HealthScore, then highest WALHeadLSN, then the earliest in
// Replicas[] (strictly-greater comparisons keep the first).
//
// Notes on upstream behaviour kept as is:
// - The primary's WALHeadLSN is the registry's copy from the primary's last full heartbeat, which
//   may be far older than the replicas' reports; a replica can be ranked "ahead" of a primary
//   that has since written more (master_block_registry.go: evaluatePromotionLocked).
// - HealthScore dominates WALHeadLSN: a healthier replica with less WAL wins over a more advanced
//   one as long as it is within the tolerance (evaluatePromotionLocked).
import { Role, roleFromWire } from './messages.ts';
import { DEFAULT_COMMIT, atLeast, type UpstreamCommit } from '../commits.ts';
import type { BlockVolumeEntry, ReplicaInfo } from './block_registry.ts';
import { M, mark, markNamed } from '../../marks/index.ts';

/** DefaultPromotionLSNTolerance: max WAL LSN lag for a replica to stay promotable. */
export const DEFAULT_PROMOTION_LSN_TOLERANCE = 100;
/** Freshness cutoff used when the entry's LeaseTTL is 0. */
export const DEFAULT_FRESHNESS_CUTOFF_MS = 60_000;

export type PromotionRejectionReason =
  | 'no_heartbeat' | 'stale_heartbeat' | 'wal_lag' | 'wrong_role' | 'server_dead';

export interface PromotionRejection {
  server: string;
  reason: PromotionRejectionReason;
}

export interface PromotionPreflightResult {
  volumeName: string;
  promotable: boolean;
  /** A copy of the best candidate, or null. */
  candidate: ReplicaInfo | null;
  /** Index in Replicas[], -1 when not promotable. */
  candidateIdx: number;
  rejections: PromotionRejection[];
  /** Summary when not promotable: "no replicas", "no eligible replicas: wal_lag (+1 more)", "primary_alive", "target_not_found". */
  reason: string;
}

/** What the gates need to know besides the entry. */
export interface PromotionContext {
  now: number;
  promotionLSNTolerance: number;
  /** Server is in the registry's block-capable set (blockServers). */
  isBlockCapable(server: string): boolean;
  /** Upstream commit (default c7eb87c58): 3ec8fab2f adds the EC-6 primary-alive condition. */
  commit?: UpstreamCommit;
}

interface GateOptions {
  /** Manual promote: only this replica is considered ('' = all). */
  targetServer: string;
  /** Manual promote: skip the soft gates (stale_heartbeat, wal_lag). */
  force: boolean;
  /** EC-6 (3ec8fab2f, automatic promotion only): the wal_lag gate needs a live primary. */
  walLagNeedsLivePrimary: boolean;
}

function emptyResult(name: string): PromotionPreflightResult {
  return { volumeName: name, promotable: false, candidate: null, candidateIdx: -1, rejections: [], reason: '' };
}

function runGates(entry: BlockVolumeEntry, ctx: PromotionContext, opt: GateOptions, result: PromotionPreflightResult): PromotionPreflightResult {
  const freshnessCutoff = entry.leaseTTL * 2 === 0 ? DEFAULT_FRESHNESS_CUTOFF_MS : entry.leaseTTL * 2;
  const primaryLSN = entry.walHeadLSN;
  // EC-6 (3ec8fab2f evaluatePromotionLocked): primaryAlive := r.blockServers[entry.VolumeServer] != nil
  const primaryAlive = !opt.walLagNeedsLivePrimary || ctx.isBlockCapable(entry.volumeServer);
  let bestIdx = -1;
  entry.replicas.forEach((ri, i) => {
    if (opt.targetServer !== '' && ri.server !== opt.targetServer) return;
    const reject = (reason: PromotionRejectionReason): void => { markNamed(`control_promotion_reject_${reason}`); result.rejections.push({ server: ri.server, reason }); };
    if (ri.lastHeartbeat === null) return reject('no_heartbeat');
    if (!opt.force && ctx.now - ri.lastHeartbeat > freshnessCutoff) return reject('stale_heartbeat');
    if (!opt.force && primaryAlive && primaryLSN > 0 && ri.walHeadLSN + ctx.promotionLSNTolerance < primaryLSN) return reject('wal_lag');
    if (roleFromWire(ri.role) !== Role.Replica) return reject('wrong_role');
    if (!ctx.isBlockCapable(ri.server)) return reject('server_dead');
    if (bestIdx === -1) { bestIdx = i; return; }
    const best = entry.replicas[bestIdx]!;
    if (ri.healthScore > best.healthScore) bestIdx = i;
    else if (ri.healthScore === best.healthScore && ri.walHeadLSN > best.walHeadLSN) bestIdx = i;
  });
  if (bestIdx === -1) {
    result.reason = 'no eligible replicas';
    if (result.rejections.length > 0) {
      result.reason += `: ${result.rejections[0]!.reason}`;
      if (result.rejections.length > 1) result.reason += ` (+${result.rejections.length - 1} more)`;
    }
    return result;
  }
  result.promotable = true;
  result.candidate = { ...entry.replicas[bestIdx]! };
  result.candidateIdx = bestIdx;
  return result;
}

/** evaluatePromotionLocked: the automatic-failover preflight. Does not mutate anything. */
export function evaluatePromotion(entry: BlockVolumeEntry, ctx: PromotionContext): PromotionPreflightResult {
  const result = emptyResult(entry.name);
  if (entry.replicas.length === 0) {
    mark(M.control_promotion_no_replicas);
    result.reason = 'no replicas';
    return result;
  }
  const walLagNeedsLivePrimary = atLeast(ctx.commit ?? DEFAULT_COMMIT, '3ec8fab2f');
  return runGates(entry, ctx, { targetServer: '', force: false, walLagNeedsLivePrimary }, result);
}

/**
 * evaluateManualPromotionLocked: the operator promote preflight. Extra soft gate primary_alive
 * (the current primary is block-capable); targetServer restricts the candidates; force skips
 * primary_alive, stale_heartbeat and wal_lag but keeps no_heartbeat, wrong_role and server_dead.
 */
export function evaluateManualPromotion(entry: BlockVolumeEntry, ctx: PromotionContext, targetServer: string, force: boolean): PromotionPreflightResult {
  const result = emptyResult(entry.name);
  if (!force && ctx.isBlockCapable(entry.volumeServer)) {
    mark(M.control_promotion_primary_alive);
    result.reason = 'primary_alive';
    return result;
  }
  if (entry.replicas.length === 0) {
    mark(M.control_promotion_no_replicas);
    result.reason = 'no replicas';
    return result;
  }
  if (targetServer !== '' && !entry.replicas.some((r) => r.server === targetServer)) {
    mark(M.control_promotion_target_not_found);
    result.reason = 'target_not_found';
    return result;
  }
  return runGates(entry, ctx, { targetServer, force, walLagNeedsLivePrimary: false }, result);
}

/**
 * BlockVolumeEntry.BestReplicaForPromotion: the older, ungated ranking (highest HealthScore, then
 * highest WALHeadLSN, then first). Upstream keeps it as an accessor; failover does not use it.
 */
export function bestReplicaForPromotion(entry: BlockVolumeEntry): ReplicaInfo | null {
  if (entry.replicas.length === 0) return null;
  let best = 0;
  for (let i = 1; i < entry.replicas.length; i++) {
    const r = entry.replicas[i]!;
    const b = entry.replicas[best]!;
    if (r.healthScore > b.healthScore) best = i;
    else if (r.healthScore === b.healthScore && r.walHeadLSN > b.walHeadLSN) best = i;
  }
  return entry.replicas[best]!;
}
