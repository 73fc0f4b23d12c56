// The cluster's observable replication state, for traces and the viewer: per server whether it
// is up (its incarnation), role, epoch and LSN positions (head, committed, checkpoint, persisted
// checkpoint), its receiver's received/flushed LSNs, each shipper's state and the replica's
// flushed LSN, each engine sender's state and session (id, kind, phase, recovered-to); and the
// master's primary and epoch. `ViewTracker.changes()` says what one step changed, in key order:
// `n1.head=7 n1.shp.n2=in_sync n2.rcv=-` (`-`: the key went away).
//
// Computed only while tracing, after every step, so it is built for speed: values go into flat
// arrays under key strings made once per server and peer (compared by identity), two states
// reused in turn (nothing allocated per step but the text of what changed).
import type { ControlPlane } from './control_plane.ts';
import type { VolumeNode } from './node.ts';

type Val = string | number;

/** One state: keys (interned strings) and values, in a fixed order; the first `size` slots are in use (the arrays are reused). */
export class ViewState {
  readonly keys: string[] = [];
  readonly vals: Val[] = [];
  size = 0;
  put(k: string, v: Val): void { this.keys[this.size] = k; this.vals[this.size] = v; this.size += 1; }
  clear(): this { this.size = 0; return this; }
  get(k: string): Val | undefined {
    for (let i = 0; i < this.size; i++) if (this.keys[i] === k) return this.vals[i];
    return undefined;
  }
}

/** The key strings of one server, made once. */
class NodeKeys {
  readonly up: string; readonly role: string; readonly ep: string; readonly head: string; readonly cp: string;
  readonly pcp: string; readonly com: string; readonly rcv: string; readonly rfl: string;
  private readonly peers = new Map<string, Map<string, string>>();
  constructor(private readonly p: string) {
    this.up = `${p}.up`; this.role = `${p}.role`; this.ep = `${p}.ep`; this.head = `${p}.head`; this.cp = `${p}.cp`;
    this.pcp = `${p}.pcp`; this.com = `${p}.com`; this.rcv = `${p}.rcv`; this.rfl = `${p}.rfl`;
  }
  /** `${server}.${field}.${peer}`, e.g. `n1.shp.n2`. */
  peer(field: string, peer: string): string {
    let m = this.peers.get(field);
    if (m === undefined) { m = new Map(); this.peers.set(field, m); }
    let k = m.get(peer);
    if (k === undefined) { k = `${this.p}.${field}.${peer}`; m.set(peer, k); }
    return k;
  }
}

function hostOf(addr: string): string {
  const i = addr.lastIndexOf(':');
  return i <= 0 ? addr : addr.slice(0, i);
}

/** The server part of a replica ID (`vol1/s2` -> `s2`, `/data/vol1.blk/s2` -> `s2`). */
function serverOf(replicaID: string): string {
  return replicaID.slice(replicaID.lastIndexOf('/') + 1);
}

export class ViewTracker {
  private readonly keys = new Map<string, NodeKeys>();
  private readonly hosts = new Map<string, string>();
  private readonly servers = new Map<string, string>();
  private prev: ViewState | null = null;
  /** The state before `prev`, cleared and refilled by the next capture. */
  private spare = new ViewState();

  constructor(private readonly control: ControlPlane, private readonly nodes: readonly VolumeNode[]) {
    this.prev = this.capture();
  }

  /** What changed since the last call (or since construction): `key=value …`, '' when nothing. */
  changes(): string {
    const next = this.capture();
    const d = this.prev === null ? '' : diff(this.prev, next);
    if (this.prev !== null) this.spare = this.prev;
    this.prev = next;
    return d;
  }

  private capture(): ViewState {
    const v = this.spare === this.prev ? new ViewState() : this.spare.clear();
    v.put('m.pri', this.control.primaryServerID() ?? '-');
    v.put('m.ep', this.control.currentEpoch());
    for (const n of this.nodes) this.addNode(v, n);
    return v;
  }

  private nodeKeys(name: string): NodeKeys {
    let k = this.keys.get(name);
    if (k === undefined) { k = new NodeKeys(name); this.keys.set(name, k); }
    return k;
  }

  private cached(m: Map<string, string>, s: string, f: (s: string) => string): string {
    let r = m.get(s);
    if (r === undefined) { r = f(s); m.set(s, r); }
    return r;
  }

  private addNode(v: ViewState, n: VolumeNode): void {
    const k = this.nodeKeys(n.name);
    const vol = n.vol;
    v.put(k.up, vol === null ? 0 : n.incarnation());
    if (vol === null) return;
    v.put(k.role, n.role);
    v.put(k.ep, n.epoch);
    v.put(k.head, vol.headLSN());
    v.put(k.cp, vol.checkpointLSN());
    v.put(k.pcp, vol.persistedCheckpointLSN());
    if (n.role === 'primary') v.put(k.com, this.committed(n, k.com));
    const r = n.receiver;
    if (r !== null) { v.put(k.rcv, r.receivedLSN()); v.put(k.rfl, r.flushedLSN()); }
    for (const s of n.group?.shippers() ?? []) {
      const peer = this.cached(this.hosts, s.dataAddr, hostOf);
      v.put(k.peer('shp', peer), s.state());
      v.put(k.peer('shf', peer), s.replicaFlushedLSN());
    }
    for (const s of n.engineRegistry()?.all() ?? []) {
      const peer = this.cached(this.servers, s.replicaID(), serverOf);
      v.put(k.peer('snd', peer), s.state());
      const ses = s.session();
      if (ses === null) continue;
      v.put(k.peer('ses', peer), ses.id);
      v.put(k.peer('sk', peer), ses.kind);
      v.put(k.peer('sph', peer), ses.phase);
      v.put(k.peer('srt', peer), ses.recoveredTo);
    }
  }

  /** The LSN the last successful distributed sync covered (kept from the previous state when the last failed). */
  private committed(n: VolumeNode, key: string): number {
    const seq = n.syncLog.lastSeq();
    const last = seq === 0 ? undefined : n.syncLog.since(seq - 1)[0];
    if (last !== undefined && last.err === null) return last.lsnMax;
    const before = this.prev?.get(key);
    return typeof before === 'number' ? before : 0;
  }
}

/** What changed from `a` to `b`: by position when both have the same keys (the usual case), else by key. */
function diff(a: ViewState, b: ViewState): string {
  const ak = a.keys, bk = b.keys;
  let same = a.size === b.size;
  for (let i = 0; same && i < a.size; i++) same = ak[i] === bk[i];
  if (same) {
    let out = '';
    for (let i = 0; i < b.size; i++) if (a.vals[i] !== b.vals[i]) out += `${out === '' ? '' : ' '}${bk[i]}=${b.vals[i]}`;
    return out;
  }
  const out: string[] = [];
  const before = new Map<string, Val>();
  for (let i = 0; i < a.size; i++) before.set(ak[i]!, a.vals[i]!);
  const after = new Set(bk.slice(0, b.size));
  for (let i = 0; i < b.size; i++) if (before.get(bk[i]!) !== b.vals[i]) out.push(`${bk[i]}=${b.vals[i]}`);
  for (let i = 0; i < a.size; i++) if (!after.has(ak[i]!)) out.push(`${ak[i]}=-`);
  return out.join(' ');
}
