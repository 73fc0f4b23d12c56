// Checks of a schema-valid scenario that one JSON Schema cannot express: every server, host and
// action id referenced exists, ids are unique, `after` chains have no cycle, each action has
// exactly one trigger, times fall inside the run, executor steps exist for their executor, message
// faults fit the transport (TCP frames are never dropped alone or duplicated), LBAs fit the volume,
// an upstream master would create the volume (its durability mode fits the server count), and an
// expected failure can fail. Each problem comes back with the path of the offending node;
// parse.ts turns paths into line:column.
import { validateDurability } from '../control/master/messages.ts';
import { formatDuration } from './duration.ts';
import {
  CANDIDATE_INVARIANTS, FAULT_KINDS, CATCHUP_STEPS, DATAGRAM_KINDS, EXECUTOR_MAX_STEPS, NON_SERVER_HOSTS, REBUILD_STEPS, STREAM_KINDS,
} from './names.ts';
import type { Scenario, ScenarioAssertion, ScenarioCondition } from './schema.ts';
import { INJECTOR_KINDS } from './setup.ts';
import { didYouMean } from './suggest.ts';

export type Path = readonly (string | number)[];

export interface SemanticIssue {
  readonly path: Path;
  readonly message: string;
  /** Point at the key rather than its value (a duplicate or misplaced key). */
  readonly atKey?: boolean;
  /** Another node the message refers to ("first defined at line N"). */
  readonly related?: { readonly path: Path; readonly label: string };
}

export function semanticIssues(s: Scenario): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  const servers = s.cluster.servers;
  const hosts = [...servers, ...NON_SERVER_HOSTS];
  const serverList = servers.join(', ');

  const server = (name: string | undefined, path: Path): void => {
    if (name === undefined || servers.includes(name)) return;
    const why = (NON_SERVER_HOSTS as readonly string[]).includes(name) ? ` ("${name}" is not a volume server)` : '';
    out.push({ path, message: `unknown server "${name}"${why}, expected one of the servers in cluster.servers: ${serverList}${didYouMean(name, servers)}` });
  };
  const host = (name: string | undefined, path: Path): void => {
    if (name === undefined || hosts.includes(name)) return;
    out.push({ path, message: `unknown host "${name}", expected a server (${serverList}), master or client${didYouMean(name, hosts)}` });
  };
  const blocks = (lba: number, n: number, path: Path): void => {
    if (lba + n > s.cluster.num_blocks) {
      out.push({ path: [...path, 'lba'], message: `blocks ${lba}..${lba + n - 1} are outside the volume, expected lba + blocks <= cluster.num_blocks (${s.cluster.num_blocks})` });
    }
  };

  // ---- cluster
  const seen = new Map<string, number>();
  servers.forEach((name, i) => {
    const path = ['cluster', 'servers', i];
    if ((NON_SERVER_HOSTS as readonly string[]).includes(name)) out.push({ path, message: `"${name}" is reserved for the ${name}, expected another server name` });
    const first = seen.get(name);
    if (first !== undefined) out.push({ path, message: `duplicate server name "${name}", expected each server once`, related: { path: ['cluster', 'servers', first], label: 'first declared' } });
    else seen.set(name, i);
  });
  const legacy = s.cluster.legacy_replica;
  server(legacy, ['cluster', 'legacy_replica']);
  if (legacy !== undefined && legacy === servers[0]) {
    out.push({ path: ['cluster', 'legacy_replica'], message: `"${legacy}" is the initial primary (the first of cluster.servers), expected a replica` });
  }
  if (s.cluster.upstream_commit !== undefined && s.cluster.control !== 'upstream') {
    out.push({ path: ['cluster', 'upstream_commit'], atKey: true, message: `upstream_commit ${s.cluster.upstream_commit} with control: ${s.cluster.control}, expected control: upstream (the ideal control plane ports no upstream commit)` });
  }
  const quorum = s.cluster.control === 'upstream' ? validateDurability(s.cluster.durability, servers.length) : null;
  if (quorum !== null) {
    out.push({ path: ['cluster', 'durability'], message: `durability ${s.cluster.durability} with ${servers.length} servers under control: upstream, which the master refuses to create (${quorum}), expected at least 3 servers or another mode` });
  }
  if (s.cluster.latency.min > s.cluster.latency.max) {
    out.push({ path: ['cluster', 'latency', 'min'], message: `latency.min ${formatDuration(s.cluster.latency.min)} is above latency.max ${formatDuration(s.cluster.latency.max)}, expected min <= max` });
  }
  if (s.cluster.wal_size % s.cluster.block_size !== 0) {
    out.push({ path: ['cluster', 'wal_size'], message: `wal_size ${s.cluster.wal_size} is not a multiple of block_size ${s.cluster.block_size}, expected a whole number of blocks` });
  }

  // ---- workload
  s.workload.ops.forEach((op, i) => {
    if (op.op === 'write' || op.op === 'trim') blocks(op.lba, op.blocks, ['workload', 'ops', i]);
    if (op.op === 'read') blocks(op.lba, 1, ['workload', 'ops', i]);
  });
  const g = s.workload.generate;
  if (g !== undefined && g.until !== undefined && g.until <= g.from) {
    out.push({ path: ['workload', 'generate', 'until'], message: `until ${formatDuration(g.until)} is not after from ${formatDuration(g.from)}, expected a later time` });
  }
  if (g !== undefined && g.max_write_blocks > s.cluster.num_blocks) {
    out.push({ path: ['workload', 'generate', 'max_write_blocks'], message: `max_write_blocks ${g.max_write_blocks} exceeds the volume's ${s.cluster.num_blocks} blocks, expected at most cluster.num_blocks` });
  }

  // ---- timeline
  const runEnd = s.run.fault_phase + s.run.quiet_phase;
  const ids = new Map<string, number>();
  s.timeline.forEach((a, i) => {
    if (a.id === undefined) return;
    const first = ids.get(a.id);
    if (first !== undefined) out.push({ path: ['timeline', i, 'id'], message: `duplicate action id "${a.id}", expected each id once`, related: { path: ['timeline', first, 'id'], label: 'first used' } });
    else ids.set(a.id, i);
  });
  const knownIds = [...ids.keys()];

  const condition = (c: ScenarioCondition, path: Path, ownId: string | undefined): void => {
    if ('replica' in c) server(c.replica, [...path, 'replica']);
    if ('primary' in c) server(c.primary, [...path, 'primary']);
    if ('after' in c) {
      if (!ids.has(c.after)) out.push({ path: [...path, 'after'], message: `unknown action id "${c.after}", expected the id of another action${knownIds.length > 0 ? ` (${knownIds.join(', ')})` : ' (no action has an id)'}${didYouMean(c.after, knownIds)}` });
      else if (c.after === ownId) out.push({ path: [...path, 'after'], message: `action "${c.after}" waits for itself, expected the id of another action` });
    }
    if ('executor' in c) {
      const names: readonly string[] = c.executor === 'catchup' ? CATCHUP_STEPS : REBUILD_STEPS;
      const max = EXECUTOR_MAX_STEPS[c.executor];
      if (typeof c.step === 'number' && c.step > max) {
        out.push({ path: [...path, 'step'], message: `the ${c.executor} executor has at most ${max} steps, found step ${c.step}, expected 1..${max}` });
      } else if (typeof c.step === 'string' && !names.includes(c.step)) {
        out.push({ path: [...path, 'step'], message: `"${c.step}" is not a step of the ${c.executor} executor, expected one of: ${names.join(', ')}` });
      }
    }
  };
  const assertion = (a: ScenarioAssertion, path: Path, atEnd: boolean): void => {
    if ('replica' in a) server(a.replica, [...path, 'replica']);
    if ('primary' in a) server(a.primary, [...path, 'primary']);
    if ('content' in a) a.servers?.forEach((n, j) => server(n, [...path, 'servers', j]));
    if ('converged_within' in a && !atEnd) {
      out.push({ path: [...path, 'converged_within'], atKey: true, message: 'converged_within is checked at the end of the run only, expected it under the top-level assert' });
    }
    if ('present' in a && !a.present && a.count !== undefined) {
      out.push({ path: [...path, 'count'], atKey: true, message: 'count with present: false, expected one of them' });
    }
  };

  s.timeline.forEach((a, i) => {
    const path: Path = ['timeline', i];
    if (a.at !== undefined && a.when !== undefined) out.push({ path: [...path, 'when'], atKey: true, message: 'the action has both at and when, expected exactly one trigger' });
    if (a.at === undefined && a.when === undefined) out.push({ path, message: `the ${a.do} action has no trigger, expected at: <duration> or when: <condition>` });
    if (a.timeout !== undefined && a.when === undefined) out.push({ path: [...path, 'timeout'], atKey: true, message: 'timeout applies to a when condition, expected it only on an action with when' });
    if (a.at !== undefined && a.at > runEnd) {
      out.push({ path: [...path, 'at'], message: `at ${formatDuration(a.at)} is after the run ends at ${formatDuration(runEnd)}, expected a time within run.fault_phase + run.quiet_phase` });
    }
    if (a.when !== undefined) condition(a.when, [...path, 'when'], a.id);
    switch (a.do) {
      case 'write': case 'trim': blocks(a.lba, a.blocks, path); break;
      case 'read': blocks(a.lba, 1, path); break;
      case 'crash':
        server(a.server, [...path, 'server']);
        if (a.new_address && a.restart_after === undefined) out.push({ path: [...path, 'new_address'], atKey: true, message: 'new_address applies to the restart, expected restart_after with it (or a separate restart action)' });
        break;
      case 'restart': case 'isolate': case 'pause': case 'endpoint_change': case 'disk_error': case 'flush':
        server(a.server, [...path, 'server']);
        break;
      case 'failover': server(a.to, [...path, 'to']); break;
      case 'assign_rebuild':
        server(a.replica, [...path, 'replica']);
        break;
      case 'partition': case 'heal':
        a.between?.forEach((h, j) => host(h, [...path, 'between', j]));
        if (a.between !== undefined && a.between[0] === a.between[1]) out.push({ path: [...path, 'between'], message: `a partition between "${a.between[0]}" and itself, expected two different hosts` });
        break;
      case 'drop_next': case 'delay_next': case 'duplicate_next': case 'reset_next': {
        host(a.from, [...path, 'from']);
        host(a.to, [...path, 'to']);
        // Under the upstream control plane heartbeats and assignments travel on heartbeat streams.
        const stream = (STREAM_KINDS as readonly string[]).includes(a.message)
          || (s.cluster.control === 'upstream' && (a.message === 'heartbeat' || a.message === 'assignment'));
        if (stream && (a.do === 'drop_next' || a.do === 'duplicate_next')) {
          out.push({ path: [...path, 'message'], message: `"${a.message}" travels on a TCP-like connection, which never ${a.do === 'drop_next' ? 'loses one frame alone' : 'duplicates'}, expected a datagram kind (${DATAGRAM_KINDS.join(', ')}) or reset_next / delay_next` });
        }
        if (!stream && a.do === 'reset_next') {
          out.push({ path: [...path, 'message'], message: `"${a.message}" is a datagram, it has no connection to reset, expected a stream kind (${STREAM_KINDS.join(', ')}) or drop_next` });
        }
        break;
      }
      case 'assert': a.that.forEach((x, j) => assertion(x, [...path, 'that', j], false)); break;
      default: break;
    }
  });

  // `after` chains must end at a timed action.
  const afterOf = new Map<string, string>();
  s.timeline.forEach((a) => { if (a.id !== undefined && a.when !== undefined && 'after' in a.when) afterOf.set(a.id, a.when.after); });
  const reported = new Set<string>();
  s.timeline.forEach((a, i) => {
    if (a.id === undefined || reported.has(a.id)) return;
    const chain: string[] = [a.id];
    for (let cur = afterOf.get(a.id); cur !== undefined && cur !== a.id; cur = afterOf.get(cur)) {
      if (chain.includes(cur)) return; // a cycle not through a.id: reported from one of its members
      chain.push(cur);
    }
    if (afterOf.get(chain[chain.length - 1]!) === a.id && chain.length > 1) {
      for (const c of chain) reported.add(c);
      out.push({ path: ['timeline', i, 'when', 'after'], message: `actions ${[...chain, a.id].join(' -> ')} wait for each other in a cycle, expected a chain that starts at a timed action` });
    }
  });

  // ---- expectations
  s.assert.forEach((a, i) => assertion(a, ['assert', i], true));
  const e = s.expect;
  if (e.outcome === 'fail' && CANDIDATE_INVARIANTS.has(e.invariant) && !s.run.strict) {
    out.push({ path: ['expect', 'fail'], message: `${e.invariant} is a candidate invariant, reported as a finding unless run.strict is true, expected run.strict: true or a non-candidate invariant` });
  }
  s.free.faults.forEach((f, i) => {
    if (s.free.faults.indexOf(f) !== i) out.push({ path: ['free', 'faults', i], message: `fault kind "${f}" is listed twice, expected each kind once` });
    if (s.free.injector === 'shadow' && INJECTOR_KINDS.has(f)) {
      out.push({ path: ['free', 'faults', i], message: `fault kind "${f}" is the injector's, and free.injector: shadow applies none of its draws, expected only ${FAULT_KINDS.filter((k) => !INJECTOR_KINDS.has(k)).join(', ')} with a shadow injector` });
    }
  });
  return out;
}
