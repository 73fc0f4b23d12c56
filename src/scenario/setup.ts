// A scenario's cluster section as the simulator's ClusterSetup: the fault plan (drawn from
// `free.profile` so every seed still draws its own rates, then every fault kind not listed under
// `free.faults` set to 0 and every fixed value — durability, servers, phases, latency, load —
// taken from the file), geometry, periods, lease and the generated load. Also says which actions
// this version cannot run faithfully, so such a file is refused at load (exit 2), never run
// with the action silently doing nothing.
import type { ClusterSetup } from '../sim/cluster.ts';
import type { FaultPlan } from '../sim/profile.ts';
import { DEFAULT_CONTROL } from '../sim/control_plane.ts';
import type { Scenario } from './schema.ts';

export function clusterSetup(sc: Scenario): ClusterSetup {
  const c = sc.cluster;
  const g = sc.workload.generate;
  const on = new Set<string>(sc.free.faults);
  // A shadow injector draws with the seed's own injector rates (it applies nothing: the timeline
  // does), so its ticks and every other draw line up with the seed's fuzz run.
  const shadow = sc.free.injector === 'shadow';
  const rate = (kind: string, drawn: number): number => (on.has(kind) || (shadow && INJECTOR_KINDS.has(kind)) ? drawn : 0);
  const legacy = c.legacy_replica === undefined ? null : c.servers.indexOf(c.legacy_replica);
  return {
    plan: (d: FaultPlan): FaultPlan => ({
      ...d,
      durability: c.durability,
      replicas: c.servers.length - 1,
      faultPhaseMs: sc.run.fault_phase,
      quietPhaseMs: sc.run.quiet_phase,
      // The client's think time is uniform in [1, interval]: a mean of about 1/rate (think_max: exact).
      writeIntervalMs: g === undefined ? 1000 : g.think_max ?? Math.max(1, Math.round(2000 / g.rate) - 1),
      syncPermille: g?.sync_permille ?? 0,
      trimPermille: g?.trim_permille ?? 0,
      latencyMin: c.latency.min,
      latencyMax: Math.max(c.latency.min, c.latency.max),
      resetPermille: rate('reset', d.resetPermille),
      dropPermille: rate('drop', d.dropPermille),
      duplicatePermille: rate('duplicate', d.duplicatePermille),
      reorderPermille: rate('reorder', d.reorderPermille),
      ...(shadow ? {} : {
        partitionPermille: on.has('partition') || on.has('isolate_primary') ? d.partitionPermille : 0,
        isolatePermille: on.has('isolate_primary') ? (on.has('partition') ? 250 : 1000) : 0,
        plainPartitions: on.has('partition'),
      }),
      crashPermille: rate('crash', d.crashPermille),
      newAddressPermille: rate('new_address', d.newAddressPermille),
      pausePermille: rate('pause', d.pausePermille),
      epochBumpPermille: rate('epoch_bump', d.epochBumpPermille),
      endpointChangePermille: rate('endpoint_change', d.endpointChangePermille),
      tornPermille: rate('torn_write', d.tornPermille),
      diskErrorPermille: rate('disk_error', d.diskErrorPermille),
      wildcardListen: c.wildcard_listen,
      legacyReplica: legacy !== null,
      idleQuiet: g?.idle_quiet ?? false,
      maxWriteBlocks: g?.max_write_blocks ?? 1,
      interleavePermille: c.interleave_permille,
      queueDepth: sc.workload.queue_depth,
      clients: sc.workload.clients,
      lockFreeYieldPermille: c.lock_free_yield_permille,
    }),
    geometry: { blockSize: c.block_size, numBlocks: c.num_blocks, walSize: c.wal_size },
    flushIntervalMs: c.flusher_interval,
    ...(c.wal_full_timeout === undefined ? {} : { walFullTimeoutMs: c.wal_full_timeout }),
    rebuildTransferMs: c.rebuild_transfer,
    heartbeatMs: c.heartbeat_interval,
    retryMs: c.retry_interval,
    leaseMs: c.lease,
    dialTimeoutMs: c.dial_timeout,
    retentionTimeoutMs: c.retention_timeout,
    scanOnlyCatchUp: c.scan_only_catchup,
    replanOnRedelivery: c.replan_on_redelivery,
    legacyReplica: legacy,
    clientTimeoutMs: sc.workload.client_timeout,
    client: g === undefined ? null : { fromMs: g.from, untilMs: g.until ?? sc.run.fault_phase, readPermille: g.read_permille },
    shadowInjector: shadow,
  };
}

/** Fault kinds the injector's ticks draw (a shadow injector draws them at the seed's rates). */
export const INJECTOR_KINDS: ReadonlySet<string> = new Set(['partition', 'isolate_primary', 'crash', 'new_address', 'pause', 'epoch_bump', 'endpoint_change']);

/** Datagram message kinds → the simulator's datagram event kinds (src/sim: ideal_control, node rpc, cluster client). */
export const DATAGRAM_EVENT: Readonly<Record<string, string>> = {
  heartbeat: 'master.heartbeat', assignment: 'master.assign', probe: 'rpc.probe', probe_reply: 'rpc.probe.reply',
  executor_io: 'rpc.io', executor_io_reply: 'rpc.io.reply',
  // The client's commands travel as never-duplicated datagrams in the simulator: delay only.
  client_write: 'client.write', client_trim: 'client.trim', client_read: 'client.read', client_sync: 'client.sync',
};

/**
 * Why an action cannot run faithfully in this version under the scenario's control plane, or null
 * when it can. The ideal master's operations (failover now, assign a rebuild) and datagram
 * heartbeats/assignments do not exist under the upstream control plane, nor do new-address
 * restarts (docs/control.md): refusing them beats acting on an idle model master.
 */
export function unsupported(a: Scenario['timeline'][number], control: Scenario['cluster']['control'] = DEFAULT_CONTROL): string | null {
  if (control === 'upstream') {
    const why = upstreamUnsupported(a);
    if (why !== null) return why;
  }
  switch (a.do) {
    case 'reset_next': case 'delay_next':
      return a.message.startsWith('client_') && a.do === 'reset_next'
        ? 'not supported: reset_next on a client command (the simulated client sends its commands as datagrams: delay_next only)'
        : null;
    default:
      return null;
  }
}

function upstreamUnsupported(a: Scenario['timeline'][number]): string | null {
  const notUnder = (what: string): string => `not supported under control: upstream: ${what} (docs/control.md)`;
  switch (a.do) {
    case 'failover': return notUnder('failover is the ideal master\'s operation; upstream fails over when a heartbeat stream breaks and the lease runs out (crash or isolate the primary)');
    case 'assign_rebuild': return notUnder('assign_rebuild is the ideal master\'s operation; upstream assigns rebuilds only to returning servers');
    case 'endpoint_change': return notUnder('endpoint changes (new addresses are not modelled under upstream yet)');
    case 'crash': case 'restart': return a.new_address === true ? notUnder('new_address (new addresses are not modelled under upstream yet)') : null;
    default: return null;
  }
}
