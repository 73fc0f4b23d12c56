// V1 StartRebuild (rebuild.go) over the test world: WAL catch-up + second catch-up, the
// WAL_RECYCLED fallback to a full extent, the role check, broken connections, server errors, a
// stalled primary (no read deadline), and the data a real BlockVolume ends with — including the
// upstream hazards the port keeps (stale blocks and a higher nextLSN survive the catch-up path).
import { describe, expect, it } from 'vitest';
import type { EngineError } from '../../src/engine/errors.ts';
import { checkSetRole, Role, roleName } from '../../src/control/volume/role.ts';
import { RebuildServer } from '../../src/replication/rebuild_server.ts';
import { ReplicaReceiver } from '../../src/replication/receiver.ts';
import { startRebuild, type V1RebuildHandle, type V1RebuildPhase } from '../../src/replication/v1_rebuild.ts';
import type { PrimaryVolumePort, V1RebuildVolumePort } from '../../src/replication/volume_port.ts';
import { block, GEO, mkVolume } from '../storage/helpers.ts';
import { FakeVolume } from './fake_volume.ts';
import { TestWorld } from './harness.ts';

/** The control layer's role of the rebuilding volume, with Go's SetRole transition check. */
class RoleBox {
  setCalls = 0;
  constructor(public role: Role = Role.Rebuilding) {}
  name = (): string => roleName(this.role);
  setReplica = (): { message: string } | null => {
    this.setCalls += 1;
    const err = checkSetRole(this.role, Role.Replica);
    if (err === null) this.role = Role.Replica;
    return err;
  };
}

interface Run {
  handle: V1RebuildHandle;
  result: () => EngineError | null | undefined;
  phases: V1RebuildPhase[];
}

function run(
  world: TestWorld,
  volume: V1RebuildVolumePort,
  roles: RoleBox,
  opts: { receiver?: ReplicaReceiver | null; epoch?: number; fromLSN?: number; at?: Partial<Record<V1RebuildPhase, () => void>> } = {},
): Run {
  let out: EngineError | null | undefined;
  let calls = 0;
  const handle = startRebuild(
    {
      volume,
      transport: world,
      timers: world,
      role: roles.name,
      setRoleReplica: roles.setReplica,
      receiver: () => opts.receiver ?? null,
    },
    'p:rebuild',
    opts.fromLSN ?? 0,
    opts.epoch ?? 1,
    (err) => {
      calls += 1;
      out = err;
    },
  );
  expect(out).toBeUndefined(); // the result is always a later event
  const phases: V1RebuildPhase[] = [handle.phase()];
  const seen = new Set<V1RebuildPhase>([handle.phase()]);
  world.run(100_000, () => {
    const ph = handle.phase();
    if (phases[phases.length - 1] !== ph) phases.push(ph);
    if (!seen.has(ph)) {
      seen.add(ph);
      opts.at?.[ph]?.();
    }
  });
  expect(calls).toBeLessThanOrEqual(1);
  return { handle, result: () => out, phases };
}

function fakeSetup() {
  const world = new TestWorld();
  const primary = new FakeVolume();
  const replica = new FakeVolume();
  const server = new RebuildServer({ volume: primary, transport: world, listenAddr: 'p:rebuild', chunkBytes: 32 });
  expect(server.start()).toBeNull();
  return { world, primary, replica, server, roles: new RoleBox() };
}

describe('V1 StartRebuild: WAL catch-up path', () => {
  it('catch-up from 0, second catch-up from the Done LSN, syncLSNAfterRebuild, role -> replica', () => {
    const s = fakeSetup();
    for (let i = 1; i <= 5; i++) s.primary.write(i, 0x10 + i);
    const receiver = new ReplicaReceiver({ volume: s.replica, transport: s.world, timers: s.world, dataListenAddr: 'r:data', ctrlListenAddr: 'r:ctrl' });
    const r = run(s.world, s.replica, s.roles, {
      receiver,
      // Writes after the first scan (its Done carried nextLSN 6) are the second catch-up's job.
      at: { 'second-catch-up': () => { s.primary.write(1, 0x61); s.primary.write(7, 0x67); } },
    });
    expect(r.result()).toBeNull();
    expect(r.phases).toEqual(['wal-catch-up', 'second-catch-up', 'done']);
    expect(r.handle.snapshotLSN()).toBe(6);
    expect([...s.replica.wal.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(s.replica.read(1)).toBe(0x61);
    expect(s.replica.read(7)).toBe(0x67);
    expect(s.replica.next).toBe(8);
    // syncLSNAfterRebuild raises receivedLSN to the FIRST answer's snapshotLSN-1 only (hazard:
    // the second catch-up applied 6 and 7, the receiver still expects 6 next).
    expect(receiver.receivedLSN()).toBe(5);
    expect(s.roles.role).toBe(Role.Replica);
    expect(s.roles.setCalls).toBe(1);
    expect(s.server.served).toBe(2);
  });

  it('a Done without an 8-byte LSN: no second catch-up, no LSN sync, still replica', () => {
    const s = fakeSetup();
    s.primary.write(1, 1);
    // A server that answers Done with an empty payload (Go: snapshotLSN stays 0).
    s.server.stop();
    s.world.listen('p:rebuild', (conn) => ({
      onFrame: () => {
        conn.send(new Uint8Array([0x13, 0, 0, 0, 0]));
      },
      onClose: () => {},
    }));
    const r = run(s.world, s.replica, s.roles);
    expect(r.result()).toBeNull();
    expect(r.phases).toEqual(['wal-catch-up', 'done']);
    expect(r.handle.snapshotLSN()).toBe(0);
    expect(s.replica.next).toBe(1);
    expect(s.roles.role).toBe(Role.Replica);
  });
});

describe('V1 StartRebuild: WAL_RECYCLED -> full extent', () => {
  it('falls back to the full extent, hands off at snapshotLSN-1, second catch-up, role -> replica', () => {
    const s = fakeSetup();
    for (let i = 1; i <= 5; i++) s.primary.write(i, 0x20 + i);
    s.primary.flush(); // checkpoint 5: a catch-up from 0 is WAL_RECYCLED
    s.replica.write(9, 0xee, false); // stale local data: replaced by the extent
    s.replica.flush();
    s.replica.write(12, 0xdd, false); // a stale WAL entry: dropped by the handoff
    const r = run(s.world, s.replica, s.roles, { at: { 'second-catch-up': () => s.primary.write(2, 0x99) } });
    expect(r.result()).toBeNull();
    expect(r.phases).toEqual(['wal-catch-up', 'full-extent', 'second-catch-up', 'done']);
    expect(r.handle.snapshotLSN()).toBe(6);
    expect(s.server.rejected).toBe(1); // the WAL catch-up, answered WAL_RECYCLED
    expect(s.server.served).toBe(2); // the extent and the second catch-up
    for (const lba of [1, 3, 4, 5]) expect(s.replica.read(lba)).toBe(0x20 + lba);
    expect(s.replica.read(2)).toBe(0x99); // LSN 6, from the second catch-up
    expect(s.replica.read(9)).toBe(0);
    expect(s.replica.read(12)).toBe(0);
    expect(s.replica.checkpoint).toBe(5);
    expect(s.replica.next).toBe(7);
    expect(s.roles.role).toBe(Role.Replica);
  });

  it('the handoff leaves a higher nextLSN alone (V1, unlike RebuildInstaller.Commit)', () => {
    const s = fakeSetup();
    for (let i = 1; i <= 3; i++) s.primary.write(i, i);
    s.primary.flush();
    s.replica.next = 50; // a stale volume that was ahead
    const r = run(s.world, s.replica, s.roles);
    expect(r.result()).toBeNull();
    expect(s.replica.checkpoint).toBe(3);
    expect(s.replica.next).toBe(50);
  });
});

describe('V1 StartRebuild: failures', () => {
  it('wrong role: upstream text, no dial, SetRole never called', () => {
    const s = fakeSetup();
    s.roles.role = Role.Replica;
    const r = run(s.world, s.replica, s.roles);
    expect(r.result()?.message).toBe('rebuild: expected role Rebuilding, got replica');
    expect(r.phases).toEqual(['wal-catch-up', 'failed']);
    expect(s.world.sentFrames).toBe(0);
    expect(s.roles.setCalls).toBe(0);
  });

  it('connection broken mid WAL catch-up: read response error, applied prefix stays, role unchanged', () => {
    const s = fakeSetup();
    for (let i = 1; i <= 8; i++) s.primary.write(i, i);
    let crashed = false;
    let out: EngineError | null | undefined;
    startRebuild(
      { volume: s.replica, transport: s.world, timers: s.world, role: s.roles.name, setRoleReplica: s.roles.setReplica, receiver: () => null },
      'p:rebuild', 0, 1, (e) => (out = e),
    );
    s.world.run(100_000, () => {
      if (!crashed && s.replica.wal.size >= 3) {
        crashed = true;
        s.world.crash('p:rebuild');
      }
    });
    expect(crashed).toBe(true);
    expect(out?.message).toBe('rebuild: read response: connection closed');
    expect(s.replica.wal.size).toBeGreaterThanOrEqual(3);
    expect(s.replica.wal.size).toBeLessThan(8);
    expect(s.roles.role).toBe(Role.Rebuilding);
    expect(s.roles.setCalls).toBe(0);
  });

  it('connection broken mid extent: read extent response error, no handoff', () => {
    const s = fakeSetup();
    for (let i = 1; i <= 15; i++) s.primary.write(i, 0x30 + i);
    s.primary.flush();
    s.replica.write(3, 0x77, false);
    let chunks = 0;
    const inst = s.replica.newV1ExtentInstaller.bind(s.replica);
    s.replica.newV1ExtentInstaller = () => {
      const i = inst();
      return {
        writeChunk: (d) => {
          chunks += 1;
          if (chunks === 2) s.world.crash('p:rebuild');
          return i.writeChunk(d);
        },
        commitV1: (x) => i.commitV1(x),
      };
    };
    const r = run(s.world, s.replica, s.roles);
    expect(r.result()?.message).toBe('rebuild: read extent response: connection closed');
    expect(r.phases).toEqual(['wal-catch-up', 'full-extent', 'failed']);
    expect(chunks).toBe(2);
    expect(s.replica.wal.size).toBe(1); // no handoff: the old WAL entry is still there
    expect(s.replica.checkpoint).toBe(0);
  });

  it('server error frame: EPOCH_MISMATCH ends the rebuild with the server text', () => {
    const s = fakeSetup();
    s.primary.write(1, 1);
    const r = run(s.world, s.replica, s.roles, { epoch: 2 });
    expect(r.result()?.message).toBe('rebuild: server error: EPOCH_MISMATCH');
    expect(s.roles.role).toBe(Role.Rebuilding);
  });

  it('second catch-up answered WAL_RECYCLED: no fallback, the rebuild fails (upstream hazard)', () => {
    const s = fakeSetup();
    for (let i = 1; i <= 4; i++) s.primary.write(i, i);
    const r = run(s.world, s.replica, s.roles, {
      at: { 'second-catch-up': () => { s.primary.write(5, 5); s.primary.write(6, 6); s.primary.flush(); } },
    });
    expect(r.result()?.message).toBe('rebuild: server error during second catch-up: WAL_RECYCLED');
    expect(s.roles.setCalls).toBe(0);
  });

  it('unexpected frame type: upstream text with the type in two hex digits', () => {
    const s = fakeSetup();
    s.server.stop();
    s.world.listen('p:rebuild', (conn) => ({ onFrame: () => void conn.send(new Uint8Array([0x05, 0, 0, 0, 0])), onClose: () => {} }));
    const r = run(s.world, s.replica, s.roles);
    expect(r.result()?.message).toBe('rebuild: unexpected message type 0x05');
  });

  it('no rebuild server: connect error', () => {
    const s = fakeSetup();
    s.server.stop();
    const r = run(s.world, s.replica, s.roles);
    expect(r.result()?.message).toMatch(/^rebuild: connect to p:rebuild: /);
  });

  it('a primary that stops answering without closing stalls the rebuild forever (no read deadline)', () => {
    const s = fakeSetup();
    s.primary.write(1, 1);
    let holed = false;
    let out: EngineError | null | undefined;
    const h = startRebuild(
      { volume: s.replica, transport: s.world, timers: s.world, role: s.roles.name, setRoleReplica: s.roles.setReplica, receiver: () => null },
      'p:rebuild', 0, 1, (e) => (out = e),
    );
    s.world.run(100_000, () => {
      if (!holed && s.world.sentFrames >= 1) {
        holed = true;
        s.world.blackhole('p:rebuild');
      }
    });
    expect(holed).toBe(true);
    expect(s.world.pendingLabels()).toEqual([]); // nothing left to run: no deadline armed
    expect(out).toBeUndefined();
    expect(h.phase()).toBe('wal-catch-up');
  });
});

describe('V1 StartRebuild over the real BlockVolume', () => {
  const BS = GEO.blockSize;
  const image = (v: { readLBA(l: number, b: number): { data: Uint8Array | null } }): number[] => {
    const out: number[] = [];
    for (let l = 0; l < GEO.numBlocks; l++) out.push(v.readLBA(l, BS).data![0]!);
    return out;
  };

  function realSetup() {
    const world = new TestWorld();
    const p = mkVolume().vol;
    const r = mkVolume().vol;
    const primary: PrimaryVolumePort = p;
    const replica: V1RebuildVolumePort = r; // structural: BlockVolume is a V1 rebuild port
    const server = new RebuildServer({ volume: primary, transport: world, listenAddr: 'p:rebuild' });
    expect(server.start()).toBeNull();
    return { world, p, r, replica, roles: new RoleBox() };
  }

  it('full extent + second catch-up: the replica holds the primary image at snapshot + catch-up', () => {
    const s = realSetup();
    for (let i = 0; i < 12; i++) expect(s.p.writeLBA(i, block(0x40 + i)).err).toBeNull();
    expect(s.p.flushOnce()).toBeNull();
    for (let i = 0; i < 3; i++) expect(s.p.writeLBA(20 + i, block(0x60 + i)).err).toBeNull(); // WAL only
    for (let i = 0; i < 6; i++) expect(s.r.writeLBA(25 + i % 3, block(0xe0 + i)).err).toBeNull(); // divergent
    let snapImage: number[] = [];
    const r = run(s.world, s.replica, s.roles, {
      epoch: s.p.epoch(),
      at: {
        'second-catch-up': () => {
          snapImage = image(s.p);
          expect(s.p.writeLBA(5, block(0x95)).err).toBeNull();
          expect(s.p.writeLBA(26, block(0x96)).err).toBeNull();
        },
      },
    });
    expect(r.result()).toBeNull();
    expect(r.phases).toEqual(['wal-catch-up', 'full-extent', 'second-catch-up', 'done']);
    const want = [...snapImage];
    want[5] = 0x95;
    want[26] = 0x96;
    expect(image(s.r)).toEqual(want);
    expect(image(s.r)).toEqual(image(s.p));
    expect(s.r.nextLSN()).toBe(s.p.nextLSN());
    expect(s.r.persistedCheckpointLSN()).toBe(r.handle.snapshotLSN() - 1);
    expect(s.r.resetLog().map((x) => x.kind)).toEqual(['v1-install']);
    expect(s.roles.role).toBe(Role.Replica);
  });

  it('WAL catch-up path over a divergent volume keeps its stale blocks and higher nextLSN (upstream hazard)', () => {
    const s = realSetup();
    for (let i = 0; i < 4; i++) expect(s.p.writeLBA(i, block(0x50 + i)).err).toBeNull(); // checkpoint 0
    for (let i = 0; i < 9; i++) expect(s.r.writeLBA(i % 2 === 0 ? 1 : 30, block(0xa0 + i)).err).toBeNull();
    const r = run(s.world, s.replica, s.roles, { epoch: s.p.epoch() });
    expect(r.result()).toBeNull();
    expect(r.phases).toEqual(['wal-catch-up', 'second-catch-up', 'done']);
    for (let i = 0; i < 4; i++) expect(s.r.readLBA(i, BS).data![0]).toBe(0x50 + i);
    expect(s.r.readLBA(30, BS).data![0]).toBe(0xa7); // the primary never wrote LBA 30
    expect(s.p.readLBA(30, BS).data![0]).toBe(0);
    expect(s.r.nextLSN()).toBe(10); // the primary is at 5: nextLSN only rises
    expect(s.p.nextLSN()).toBe(5);
    expect(s.roles.role).toBe(Role.Replica);
  });
});
