// Executes one timeline action against the cluster: client operations, crashes and restarts,
// partitions, isolation, pauses, operator failover / epoch bump / endpoint change / rebuild
// assignment, one-shot datagram faults, disk errors and flushes. Each says what it did in the
// step's trace detail (Cluster.note). Point assertions are the timeline's (timeline.ts).
import type { Cluster } from '../sim/cluster.ts';
import type { ScriptedOp } from '../sim/client.ts';
import type { ScenarioAction } from './schema.ts';
import { DATAGRAM_EVENT } from './setup.ts';
import type { ScenarioView } from './view.ts';

/** Run client operations one after another (each waits for the previous answer or timeout). */
export function runOps(c: Cluster, ops: readonly ({ op: string; lba?: number; blocks?: number; repeat?: number; for?: number })[], done?: () => void): void {
  const flat: ({ think: number } | ScriptedOp)[] = [];
  for (const o of ops) {
    if (o.op === 'think') flat.push({ think: o.for ?? 0 });
    else if (o.op === 'write') for (let k = 0; k < (o.repeat ?? 1); k++) flat.push({ op: 'write', lba: o.lba!, blocks: o.blocks ?? 1 });
    else if (o.op === 'trim') flat.push({ op: 'trim', lba: o.lba!, blocks: o.blocks ?? 1 });
    else if (o.op === 'read') flat.push({ op: 'read', lba: o.lba! });
    else flat.push({ op: 'sync' });
  }
  let i = 0;
  const next = (): void => {
    const o = flat[i++];
    if (o === undefined) { done?.(); return; }
    if ('think' in o) { c.kernel.schedule(o.think, 'client', 'client.think', next); return; }
    c.client.scripted(o, () => next());
  };
  next();
}

export function execute(c: Cluster, v: ScenarioView, a: ScenarioAction, label: string): void {
  const k = c.kernel;
  const later = (ms: number, kind: string, fn: () => void): void => { k.schedule(ms, 'scenario', `scenario.${kind}`, fn); };
  c.note(`scenario ${label}: ${a.do}`);
  switch (a.do) {
    case 'write': runOps(c, [{ op: 'write', lba: a.lba, blocks: a.blocks, repeat: a.repeat }]); return;
    case 'trim': runOps(c, [{ op: 'trim', lba: a.lba, blocks: a.blocks }]); return;
    case 'read': runOps(c, [{ op: 'read', lba: a.lba }]); return;
    case 'sync': runOps(c, [{ op: 'sync' }]); return;
    case 'crash': {
      const n = v.node(a.server);
      c.crashNode(n, a.unsynced === 'free' ? null : a.unsynced);
      if (a.restart_after !== undefined) later(a.restart_after, 'restart', () => c.restartNode(n, a.new_address));
      return;
    }
    case 'restart': c.restartNode(v.node(a.server), a.new_address); return;
    case 'partition': {
      const [x, y] = a.between.map((h) => hostName(v, h)) as [string, string];
      c.network.partition(x, y, a.symmetric);
      c.note(`partition ${x}${a.symmetric ? '<->' : '->'}${y}`);
      if (a.heal_after !== undefined) later(a.heal_after, 'heal', () => { c.note(`heal ${x}/${y}`); c.network.heal(x, y); });
      return;
    }
    case 'isolate': {
      const heal = c.isolateNode(v.node(a.server));
      if (a.heal_after !== undefined) later(a.heal_after, 'heal', heal);
      return;
    }
    case 'heal':
      if (a.between === undefined) { c.network.healAll(); c.note('heal all'); } else {
        const [x, y] = a.between.map((h) => hostName(v, h)) as [string, string];
        c.network.heal(x, y);
        c.note(`heal ${x}/${y}`);
      }
      return;
    case 'pause': {
      const n = v.node(a.server);
      n.pause(k.now() + a.for);
      c.note(`pause ${n.name} for ${a.for} ms`);
      return;
    }
    case 'failover': c.note(c.ideal.failOverNow(a.to === undefined ? null : v.node(a.to).serverID)); return;
    case 'epoch_bump': c.note(c.control.bumpEpoch()); return;
    case 'endpoint_change': {
      const n = v.node(a.server);
      if (!n.up()) { c.note(`endpoint change ${n.name}: it is down`); return; }
      c.endpointChange(n);
      return;
    }
    case 'assign_rebuild': c.note(c.ideal.assignRebuild(v.node(a.replica).serverID)); return;
    case 'drop_next':
    case 'delay_next':
    case 'duplicate_next':
    case 'reset_next':
      c.network.addMessageFault({
        kind: messageKind(c, a.message), action: FAULT_ACTION[a.do], left: a.count,
        ...(a.from === undefined ? {} : { from: hostName(v, a.from) }), ...(a.to === undefined ? {} : { to: hostName(v, a.to) }),
        ...(a.do === 'delay_next' ? { delayMs: a.by } : {}),
      });
      return;
    case 'disk_error': v.node(a.server).disk.forceErrors(a.io, a.count); return;
    case 'flush': v.node(a.server).flushNow(); return;
    case 'assert':
      return; // the timeline evaluates it
    case 'set_bug': c.setBug(a.bug, a.on); return;
  }
}

const FAULT_ACTION = { drop_next: 'drop', delay_next: 'delay', duplicate_next: 'duplicate', reset_next: 'reset' } as const;

/**
 * The network's name for a scenario message kind: a datagram's event kind, or the stream frame's
 * kind as src/sim/frame_kinds.ts names it (heartbeats and assignments are stream frames under the
 * upstream control plane, datagrams under the ideal one).
 */
function messageKind(c: Cluster, message: string): string {
  const datagram = DATAGRAM_EVENT[message];
  return datagram === undefined || (c.opts.control === 'upstream' && (message === 'heartbeat' || message === 'assignment')) ? message : datagram;
}

/** A scenario host name → the simulator's host name (servers map to n1..; master and client stay). */
function hostName(v: ScenarioView, h: string): string {
  return h === 'master' || h === 'client' ? h : v.node(h).name;
}
