// Network: frames on a connection arrive in order (FIFO per direction, whatever the latency draws);
// a dial with no listener is refused; a partition breaks the connections crossing it and makes
// dials time out until healed; a host going down closes its peers and its listeners; datagrams
// are dropped and duplicated at the configured rates; a dead incarnation receives nothing.
import { describe, expect, it } from 'vitest';
import type { Conn } from '../../src/replication/transport.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import { Kernel } from '../../src/sim/kernel.ts';
import { CALM_NETWORK, Network, type NetHost, type NetworkConfig } from '../../src/sim/network.ts';
import { runUntilIdle, ScriptedChooser } from './helpers.ts';

interface Side {
  readonly frames: number[];
  closes: number;
  conn: Conn | null;
}

interface Net {
  readonly k: Kernel;
  readonly net: Network;
  readonly a: NetHost;
  readonly b: NetHost;
  /** What b's accepted connections saw (one Side per accepted connection). */
  readonly accepted: Side[];
}

function setup(config: Partial<NetworkConfig> = {}, seed = 1): Net {
  const k = new Kernel(new RandomChooser(seed));
  const net = new Network(k, { ...CALM_NETWORK, ...config });
  const a: NetHost = { name: 'a', owner: { alive: true } };
  const b: NetHost = { name: 'b', owner: { alive: true } };
  const accepted: Side[] = [];
  const err = net.transportFor(b).listen('b:3260', (conn) => {
    const side: Side = { frames: [], closes: 0, conn };
    accepted.push(side);
    return { onFrame: (f) => side.frames.push(f[0]!), onClose: () => { side.closes += 1; } };
  });
  expect(err).toBeNull();
  return { k, net, a, b, accepted };
}

interface DialResult {
  readonly side: Side;
  err: string | null;
  done: boolean;
}

function dial(n: Net, from: NetHost, addr = 'b:3260'): DialResult {
  const side: Side = { frames: [], closes: 0, conn: null };
  const r: DialResult = { side, err: null, done: false };
  n.net.transportFor(from).dial(addr, { onFrame: (f) => side.frames.push(f[0]!), onClose: () => { side.closes += 1; } }, (c, err) => {
    side.conn = c;
    r.err = err;
    r.done = true;
  });
  return r;
}

function connected(n: Net): { client: Side; server: Side } {
  const r = dial(n, n.a);
  runUntilIdle(n.k);
  expect(r.err).toBeNull();
  expect(r.side.conn?.isOpen()).toBe(true);
  return { client: r.side, server: n.accepted[n.accepted.length - 1]! };
}

const frame = (i: number): Uint8Array => Uint8Array.of(i & 0xff);

describe('Network connections', () => {
  it('delivers frames in order in both directions despite jittered latency', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const n = setup({ latencyMin: 1, latencyMax: 40 }, seed);
      const { client, server } = connected(n);
      // Send in bursts across several instants so latency draws really differ.
      for (let burst = 0; burst < 10; burst++) {
        for (let i = 0; i < 10; i++) {
          expect(client.conn!.send(frame(burst * 10 + i))).toBe(true);
          server.conn!.send(frame(200 - burst * 10 - i));
        }
        n.k.schedule(3, 'test', 'tick', () => {});
        n.k.step();
      }
      runUntilIdle(n.k);
      expect(server.frames).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(client.frames).toEqual(Array.from({ length: 100 }, (_, i) => 200 - i));
      expect(n.net.stats.framesDelivered).toBe(200);
      expect(n.net.stats.connections).toBe(1);
    }
  });

  it('frames sent at one instant that land at one instant still arrive in order (scheduler picks last first)', () => {
    // Fixed latency: both frames are due at the same virtual time, so the kernel's same-instant
    // choice decides which delivery event runs first. FIFO must hold whatever it picks.
    const k = new Kernel(new ScriptedChooser((_kind, n) => n - 1));
    const net = new Network(k, { ...CALM_NETWORK, latencyMin: 1, latencyMax: 1 });
    const a: NetHost = { name: 'a', owner: { alive: true } };
    const b: NetHost = { name: 'b', owner: { alive: true } };
    const got: number[] = [];
    net.transportFor(b).listen('b:1', () => ({ onFrame: (f) => got.push(f[0]!), onClose: () => {} }));
    let conn: Conn | null = null;
    net.transportFor(a).dial('b:1', { onFrame: () => {}, onClose: () => {} }, (c) => { conn = c; });
    runUntilIdle(k);
    expect(conn).not.toBeNull();
    for (let i = 1; i <= 3; i++) conn!.send(frame(i));
    runUntilIdle(k);
    expect(got).toEqual([1, 2, 3]);
  });

  it('a frame arrives as its own later step, never inside send()', () => {
    const n = setup();
    const { client, server } = connected(n);
    const t0 = n.k.now();
    client.conn!.send(frame(9));
    expect(server.frames).toEqual([]);
    const e = n.k.step();
    expect(e?.kind).toBe('net.frame');
    expect(e?.actor).toBe('b');
    expect(e!.time).toBeGreaterThanOrEqual(t0 + CALM_NETWORK.latencyMin);
    expect(e!.time).toBeLessThanOrEqual(t0 + CALM_NETWORK.latencyMax);
    expect(server.frames).toEqual([9]);
  });

  it('dialing an address with no listener is refused (later, not inline)', () => {
    const n = setup();
    const r = dial(n, n.a, 'nowhere:1');
    expect(r.done).toBe(false);
    runUntilIdle(n.k);
    expect(r.done).toBe(true);
    expect(r.side.conn).toBeNull();
    expect(r.err).toMatch(/dial nowhere:1: connection refused/);
    expect(n.net.stats.refused).toBe(1);
    expect(n.net.stats.connections).toBe(0);
  });

  it('a listener cannot be bound twice while its owner lives; unlisten frees it', () => {
    const n = setup();
    const t = n.net.transportFor(n.a);
    expect(t.listen('b:3260', () => ({ onFrame: () => {}, onClose: () => {} }))).toMatch(/address already in use/);
    n.net.transportFor(n.b).unlisten('b:3260');
    expect(n.net.listeningOn('b:3260')).toBeNull();
    const r = dial(n, n.a);
    runUntilIdle(n.k);
    expect(r.err).toMatch(/refused/);
  });

  it('close() on one end: the peer gets onClose once, the closer never, and sends fail', () => {
    const n = setup();
    const { client, server } = connected(n);
    client.conn!.close();
    expect(client.conn!.isOpen()).toBe(false);
    expect(client.conn!.send(frame(1))).toBe(false);
    runUntilIdle(n.k);
    expect(server.closes).toBe(1);
    expect(client.closes).toBe(0);
    expect(server.conn!.isOpen()).toBe(false);
    expect(server.conn!.send(frame(2))).toBe(false);
    runUntilIdle(n.k);
    expect(client.frames).toEqual([]);
  });

  it('resetPermille 1000: the first send breaks the connection on both ends', () => {
    const n = setup();
    const { client, server } = connected(n);
    n.net.config = { ...n.net.config, resetPermille: 1000 };
    expect(client.conn!.send(frame(1))).toBe(true);
    runUntilIdle(n.k);
    expect(server.frames).toEqual([]);
    expect(client.closes).toBe(1);
    expect(server.closes).toBe(1);
    expect(n.net.stats.resets).toBe(1);
  });
});

describe('Network partitions', () => {
  it('a symmetric partition breaks crossing connections and loses in-flight frames', () => {
    const n = setup();
    const { client, server } = connected(n);
    client.conn!.send(frame(1));
    n.net.partition('a', 'b', true);
    expect(n.net.isBlocked('a', 'b')).toBe(true);
    expect(n.net.isBlocked('b', 'a')).toBe(true);
    expect(n.net.blockedLinks()).toEqual(['a>b', 'b>a']);
    runUntilIdle(n.k);
    expect(server.frames).toEqual([]); // the receiving endpoint was already broken
    expect(client.closes).toBe(1);
    expect(server.closes).toBe(1);
    expect(client.conn!.send(frame(2))).toBe(false);
    expect(n.net.stats.partitions).toBe(1);
  });

  it('a partition blocks dials (they time out after dialTimeout) until healed', () => {
    const n = setup({ dialTimeout: 3000 });
    n.net.partition('a', 'b', true);
    const t0 = n.k.now();
    const r = dial(n, n.a);
    runUntilIdle(n.k);
    expect(r.err).toMatch(/dial b:3260: i\/o timeout/);
    expect(n.k.now() - t0).toBe(3000);
    expect(n.accepted).toHaveLength(0);
    n.net.heal('a', 'b');
    expect(n.net.blockedLinks()).toEqual([]);
    expect(n.net.stats.heals).toBe(1);
    const again = connected(n);
    again.client.conn!.send(frame(7));
    runUntilIdle(n.k);
    expect(again.server.frames).toEqual([7]);
  });

  it('an asymmetric partition blocks one direction only; sending into it breaks the connection', () => {
    const n = setup();
    const { client, server } = connected(n);
    n.net.partition('b', 'a', false);
    expect(n.net.isBlocked('b', 'a')).toBe(true);
    expect(n.net.isBlocked('a', 'b')).toBe(false);
    runUntilIdle(n.k);
    // The partition breaks every connection between the two hosts.
    expect(client.closes + server.closes).toBe(2);
    // a can still dial b (its direction is open), and b's replies break the new connection.
    const r = dial(n, n.a);
    runUntilIdle(n.k);
    expect(r.err).toBeNull();
    const srv = n.accepted[n.accepted.length - 1]!;
    srv.conn!.send(frame(3));
    runUntilIdle(n.k);
    expect(r.side.frames).toEqual([]);
    expect(r.side.closes).toBe(1);
  });

  it('a partition that crosses other hosts leaves their connections alone', () => {
    const n = setup();
    const { client, server } = connected(n);
    n.net.partition('a', 'c', true);
    client.conn!.send(frame(4));
    runUntilIdle(n.k);
    expect(server.frames).toEqual([4]);
    expect(client.closes + server.closes).toBe(0);
  });

  it('healAll clears every blocked link', () => {
    const n = setup();
    n.net.partition('a', 'b', false);
    n.net.partition('b', 'c', true);
    n.net.healAll();
    expect(n.net.blockedLinks()).toEqual([]);
    const { client, server } = connected(n);
    client.conn!.send(frame(5));
    runUntilIdle(n.k);
    expect(server.frames).toEqual([5]);
  });
});

describe('Network host failures', () => {
  it('hostDown closes the peers of its connections (peer onClose runs) and drops its listeners', () => {
    const n = setup();
    const { client, server } = connected(n);
    client.conn!.send(frame(1));
    n.b.owner.alive = false;
    n.net.hostDown(n.b);
    expect(n.net.listeningOn('b:3260')).toBeNull();
    runUntilIdle(n.k);
    expect(server.frames).toEqual([]); // the dead incarnation receives nothing
    expect(server.closes).toBe(0);
    expect(client.closes).toBe(1);
    expect(client.conn!.isOpen()).toBe(false);
    const r = dial(n, n.a);
    runUntilIdle(n.k);
    expect(r.err).toMatch(/connection refused/);
  });

  it('a restarted host (new incarnation) can listen on the same address again', () => {
    const n = setup();
    n.b.owner.alive = false;
    n.net.hostDown(n.b);
    n.b.owner = { alive: true };
    let acceptedAfter = 0;
    expect(n.net.transportFor(n.b).listen('b:3260', () => { acceptedAfter += 1; return { onFrame: () => {}, onClose: () => {} }; })).toBeNull();
    const r = dial(n, n.a);
    runUntilIdle(n.k);
    expect(r.err).toBeNull();
    expect(acceptedAfter).toBe(1);
  });

  it('a dead dialer never hears back and no connection is made', () => {
    const n = setup();
    const r = dial(n, n.a);
    n.a.owner.alive = false;
    runUntilIdle(n.k);
    expect(r.done).toBe(false);
    expect(n.accepted).toHaveLength(0);
  });
});

describe('Network datagrams', () => {
  function blast(config: Partial<NetworkConfig>, count: number, seed = 9): { delivered: number; net: Network } {
    const n = setup(config, seed);
    let delivered = 0;
    for (let i = 0; i < count; i++) n.net.sendDatagram('a', n.b, 'master.heartbeat', () => { delivered += 1; });
    runUntilIdle(n.k);
    return { delivered, net: n.net };
  }

  it('no faults: every datagram arrives exactly once', () => {
    const { delivered, net } = blast({}, 500);
    expect(delivered).toBe(500);
    expect(net.stats.datagramsDropped).toBe(0);
    expect(net.stats.datagramsDuplicated).toBe(0);
  });

  it('dropPermille 1000 drops all; duplicatePermille 1000 doubles all', () => {
    expect(blast({ dropPermille: 1000 }, 200).delivered).toBe(0);
    const dup = blast({ duplicatePermille: 1000 }, 200);
    expect(dup.delivered).toBe(400);
    expect(dup.net.stats.datagramsDuplicated).toBe(200);
  });

  it('drop and duplication happen near their configured rates', () => {
    const count = 4000;
    const d = blast({ dropPermille: 250 }, count);
    expect(d.net.stats.datagramsDropped).toBeGreaterThan(count * 0.2);
    expect(d.net.stats.datagramsDropped).toBeLessThan(count * 0.3);
    expect(d.delivered).toBe(count - d.net.stats.datagramsDropped);
    const u = blast({ duplicatePermille: 100 }, count);
    expect(u.net.stats.datagramsDuplicated).toBeGreaterThan(count * 0.07);
    expect(u.net.stats.datagramsDuplicated).toBeLessThan(count * 0.13);
    expect(u.delivered).toBe(count + u.net.stats.datagramsDuplicated);
  });

  it('datagrams into a partition are dropped; a dead receiver gets none', () => {
    const n = setup();
    let delivered = 0;
    n.net.partition('a', 'b', false);
    n.net.sendDatagram('a', n.b, 'hb', () => { delivered += 1; });
    n.net.sendDatagram('b', { name: 'a', owner: { alive: true } }, 'hb', () => { delivered += 10; });
    n.b.owner.alive = false;
    n.net.sendDatagram('c', n.b, 'hb', () => { delivered += 100; });
    runUntilIdle(n.k);
    expect(delivered).toBe(10);
    expect(n.net.stats.datagramsDropped).toBe(1);
  });

  it('reordering delays some datagrams past later ones', () => {
    const n = setup({ reorderPermille: 300, latencyMin: 1, latencyMax: 1 }, 4);
    const got: number[] = [];
    for (let i = 0; i < 200; i++) {
      n.net.sendDatagram('a', n.b, 'hb', () => got.push(i));
      n.k.schedule(1, 'test', 'tick', () => {});
      n.k.step();
    }
    runUntilIdle(n.k);
    expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(got).not.toEqual([...got].sort((x, y) => x - y));
  });
});
