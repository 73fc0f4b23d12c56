// Fault profiles and swarm testing (design.md principle 6). A profile names ranges; each seed
// draws its own fault plan inside them (which fault kinds are on, at what rates), so different
// seeds stress different mixes. Every range keeps the cluster recoverable: at most one node is
// down at a time, partitions heal, disks keep data a replica can repair. A run has a fault phase,
// then a quiet phase in which faults heal and the cluster must converge.
//
// `default` is the one users need: every fault kind of every other profile, each switched on or
// off per seed, and the control plane drawn per seed (upstream's on two seeds in three, the ideal
// model's on the rest, so the engine recovery upstream's wiring leaves idle is driven too) — what
// any profile finds, the default finds. The others are focused presets; `basic` is the former
// default (sync_all, two replicas, partitions, crashes and engine events), which scenario files
// draw from unless they name a profile.
import { between, chance, type Chooser } from './chooser.ts';
import type { ControlMode } from './control_plane.ts';
import { drawStorageShape, type StorageShape } from './storage_shape.ts';

export type ProfileName = 'default' | 'basic' | 'calm' | 'network' | 'crash' | 'storage';
export const PROFILE_NAMES: readonly ProfileName[] = ['default', 'basic', 'calm', 'network', 'crash', 'storage'];

export function isProfileName(s: string): s is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(s);
}

/** What one seed runs with, drawn from its profile. All rates are permille per opportunity. */
export interface FaultPlan {
  readonly profile: ProfileName;
  readonly durability: 'sync_all' | 'sync_quorum' | 'best_effort';
  readonly replicas: number;
  /** Virtual ms of the fault phase, then of the quiet phase. */
  readonly faultPhaseMs: number;
  readonly quietPhaseMs: number;
  /** Client: operations per second of virtual time, and the share of SyncCache calls. */
  readonly writeIntervalMs: number;
  readonly syncPermille: number;
  readonly trimPermille: number;
  /** Network. */
  readonly latencyMin: number;
  readonly latencyMax: number;
  readonly resetPermille: number;
  readonly dropPermille: number;
  readonly duplicatePermille: number;
  readonly reorderPermille: number;
  /** Mean virtual ms between fault-injector ticks, and what a tick may do. */
  readonly faultTickMs: number;
  readonly partitionPermille: number;
  readonly crashPermille: number;
  readonly newAddressPermille: number;
  readonly pausePermille: number;
  readonly epochBumpPermille: number;
  readonly endpointChangePermille: number;
  /** Disk: torn unsynced writes at crash, I/O error rate. */
  readonly tornPermille: number;
  readonly diskErrorPermille: number;
  /**
   * Fault kinds that reach the code of known bugs (spec §13); only some profiles draw them, so
   * the default profile's plans and runs are unchanged. Replicas bind wildcard listen addresses
   * (":port") and must canonicalise what they advertise (B18).
   */
  readonly wildcardListen: boolean;
  /** One replica runs an old version answering barriers with the legacy 1-byte reply, until its upgrade restart when the quiet phase begins (B26). */
  readonly legacyReplica: boolean;
  /** The client stays idle through the quiet phase (no SyncCache), so reconnection must be proactive (B29). */
  readonly idleQuiet: boolean;
  /** Largest client write in blocks; 1 = single-block writes (B32). */
  readonly maxWriteBlocks: number;
  /**
   * Scheduler aggressiveness (swarm): permille chance, at each step of a synchronous volume
   * operation (truncate, install, sync), that another goroutine runs first (spec §0.1).
   */
  readonly interleavePermille: number;
  /**
   * Client concurrency (issue #14): commands each client keeps outstanding at most, and how many
   * clients (initiators, each its own queue) run the generated load; 1 and 1 is one command at a
   * time, the client every profile ran before.
   */
  readonly queueDepth: number;
  readonly clients: number;
  /**
   * Scheduler aggressiveness at the sequences upstream runs without a lock (issue #14,
   * lock_free_yield.ts, docs/scheduling.md): permille chance, at each such point, that the rest
   * of the sequence runs as a later step. 0 = none of these points (every profile but default).
   */
  readonly lockFreeYieldPermille: number;
  /** Share (permille) of partition draws that isolate the primary (default 250; scenario files). */
  readonly isolatePermille?: number;
  /** False: partition draws only isolate the primary, never cut one link (scenario files). */
  readonly plainPartitions?: boolean;
  /** The control plane this seed draws (profiles that draw it); `--control` or a scenario file overrides it. */
  readonly control?: ControlMode;
  /**
   * The seed's storage shape (storage_shape.ts: geometry, WAL size, WAL-full timeout, flusher
   * interval, an early primary crash); absent: today's fixed shape (cluster.ts GEOMETRY, 100 ms).
   */
  readonly storageShape?: StorageShape;
}

interface Ranges {
  readonly faults: boolean;
  readonly partition: number;
  readonly crash: number;
  readonly reset: number;
  readonly drop: number;
  readonly disk: number;
  readonly engine: number;
  /** Permille of seeds with wildcard binds, a legacy replica, an idle quiet phase; largest write in blocks. */
  readonly wildcard: number;
  readonly legacy: number;
  readonly idle: number;
  readonly writeBlocks: number;
  /** Permille of seeds run under the ideal control plane (0: the profile does not draw it). */
  readonly ideal: number;
  /** Largest client queue depth and most clients a seed may draw; 1 = off (the draw is skipped). */
  readonly queueDepth: number;
  readonly clients: number;
  /** Largest lockFreeYieldPermille a seed draws; 0 = never drawn (the profile's plans are unchanged). */
  readonly lockFree: number;
  /** Draw a storage shape per seed (storage_shape.ts), last of all draws; off keeps today's fixed shape. */
  readonly storageShapes: boolean;
}

const RANGES: Record<ProfileName, Ranges> = {
  default: { faults: true, partition: 350, crash: 350, reset: 15, drop: 150, disk: 15, engine: 150, wildcard: 300, legacy: 300, idle: 300, writeBlocks: 4, ideal: 333, queueDepth: 16, clients: 2, lockFree: 1000, storageShapes: true },
  basic: { faults: true, partition: 150, crash: 120, reset: 4, drop: 50, disk: 0, engine: 150, wildcard: 0, legacy: 0, idle: 0, writeBlocks: 1, ideal: 0, queueDepth: 1, clients: 1, lockFree: 0, storageShapes: false },
  calm: { faults: false, partition: 0, crash: 0, reset: 0, drop: 0, disk: 0, engine: 0, wildcard: 0, legacy: 0, idle: 0, writeBlocks: 1, ideal: 0, queueDepth: 1, clients: 1, lockFree: 0, storageShapes: false },
  network: { faults: true, partition: 350, crash: 20, reset: 15, drop: 150, disk: 0, engine: 80, wildcard: 300, legacy: 300, idle: 0, writeBlocks: 1, ideal: 0, queueDepth: 1, clients: 1, lockFree: 0, storageShapes: false },
  crash: { faults: true, partition: 50, crash: 350, reset: 2, drop: 20, disk: 2, engine: 80, wildcard: 0, legacy: 0, idle: 300, writeBlocks: 1, ideal: 0, queueDepth: 1, clients: 1, lockFree: 0, storageShapes: false },
  storage: { faults: true, partition: 30, crash: 250, reset: 2, drop: 20, disk: 15, engine: 60, wildcard: 0, legacy: 0, idle: 0, writeBlocks: 4, ideal: 0, queueDepth: 1, clients: 1, lockFree: 0, storageShapes: false },
};

/**
 * A client's queue depth, log-uniform up to `max`: as many seeds run 1, 2, 3-4, 5-8, ... as the
 * deepest band (up to 32 as fio's iodepth or a busy initiator queues), so shallow queues dominate
 * but deep ones are drawn too.
 */
export function queueDepth(c: Chooser, max: number): number {
  const bands = Math.ceil(Math.log2(max)) + 1;
  const band = c.choose('swarm.qdepth.band', bands);
  if (band === 0) return 1;
  return between(c, 'swarm.qdepth', Math.min(max, 2 ** (band - 1) + 1), Math.min(max, 2 ** band));
}

/** Swarm: each fault kind is on or off for this seed, and its rate is drawn within the profile's range. */
function rate(c: Chooser, kind: string, max: number): number {
  if (max <= 0) return 0;
  return chance(c, `swarm.${kind}.on`, 700) ? between(c, `swarm.${kind}.rate`, 1, max) : 0;
}

export function drawFaultPlan(profile: ProfileName, c: Chooser): FaultPlan {
  const r = RANGES[profile];
  const plan = drawRates(profile, r, c);
  // Drawn after everything else and only where enabled: with it off the choice sequence is today's.
  return r.storageShapes ? { ...plan, storageShape: drawStorageShape(c, plan.maxWriteBlocks, r.faults) } : plan;
}

function drawRates(profile: ProfileName, r: Ranges, c: Chooser): FaultPlan {
  const durabilities = ['sync_all', 'sync_all', 'sync_quorum', 'best_effort'] as const;
  const durability = profile === 'basic' ? 'sync_all' : durabilities[c.choose('swarm.durability', durabilities.length)]!;
  return {
    profile,
    durability,
    replicas: profile === 'basic' || durability === 'sync_quorum' ? 2 : between(c, 'swarm.replicas', 1, 2),
    faultPhaseMs: between(c, 'swarm.fault_ms', 20_000, 60_000),
    quietPhaseMs: 60_000,
    writeIntervalMs: between(c, 'swarm.write_ms', 5, 60),
    syncPermille: between(c, 'swarm.sync', 50, 300),
    trimPermille: between(c, 'swarm.trim', 0, 100),
    latencyMin: 1,
    latencyMax: between(c, 'swarm.latency', 2, 20),
    resetPermille: rate(c, 'reset', r.reset),
    dropPermille: rate(c, 'drop', r.drop),
    duplicatePermille: rate(c, 'dup', r.drop),
    reorderPermille: rate(c, 'reorder', r.drop),
    faultTickMs: between(c, 'swarm.tick', 500, 3000),
    partitionPermille: r.faults ? rate(c, 'partition', r.partition) : 0,
    crashPermille: r.faults ? rate(c, 'crash', r.crash) : 0,
    newAddressPermille: r.faults ? between(c, 'swarm.newaddr', 0, 500) : 0,
    pausePermille: r.faults ? rate(c, 'pause', 100) : 0,
    epochBumpPermille: r.faults ? rate(c, 'epoch', r.engine) : 0,
    endpointChangePermille: r.faults ? rate(c, 'endpoint', r.engine) : 0,
    tornPermille: r.faults ? between(c, 'swarm.torn', 200, 800) : 0,
    diskErrorPermille: rate(c, 'diskerr', r.disk),
    // Drawn last and only where the profile enables them: other profiles' choice sequences are unchanged.
    wildcardListen: r.wildcard > 0 && chance(c, 'swarm.wildcard', r.wildcard),
    legacyReplica: r.legacy > 0 && chance(c, 'swarm.legacy', r.legacy),
    idleQuiet: r.idle > 0 && chance(c, 'swarm.idle', r.idle),
    maxWriteBlocks: r.writeBlocks > 1 ? between(c, 'swarm.write_blocks', 1, r.writeBlocks) : 1,
    interleavePermille: between(c, 'swarm.interleave', 20, 500),
    ...(r.ideal > 0 ? { control: chance(c, 'swarm.control_ideal', r.ideal) ? 'ideal' : 'upstream' } : {}),
    // Drawn after everything else and only where the profile enables them (pins stay valid).
    queueDepth: r.queueDepth > 1 ? queueDepth(c, r.queueDepth) : 1,
    clients: r.clients > 1 ? between(c, 'swarm.clients', 1, r.clients) : 1,
    lockFreeYieldPermille: r.lockFree > 0 ? rate(c, 'lockfree', r.lockFree) : 0,
  };
}

/** Does this profile draw the control plane per seed (absent `--control`)? */
export function drawsControl(profile: ProfileName): boolean {
  return RANGES[profile].ideal > 0;
}
