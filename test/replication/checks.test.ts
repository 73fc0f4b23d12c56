// Each data-path check passes on a healthy run and fires on a planted bug (a bug switch or a
// test-only mutation through the components' protected seams).
import { describe, expect, it } from 'vitest';
import { ReplicaState } from '../../src/engine/types.ts';
import { ReplicationChecks } from '../../src/replication/checks.ts';
import { RebuildServer } from '../../src/replication/rebuild_server.ts';
import { BridgeExecutor } from '../../src/replication/bridge_executor.ts';
import { writeEntry } from '../../src/storage/blockvol/wal_entry.ts';
import { Cluster } from './cluster.ts';

/** Planted bug: the shipper's catch-up starts at R+2; a replica outage then makes it skip one LSN. */
function catchUpSkippingOne(c: Cluster): void {
  (c.shipper() as unknown as { catchUpStart: (r: number) => number }).catchUpStart = (r) => r + 2;
  c.writeN(2);
  expect(c.sync()).toBeNull();
  c.crashReplica();
  c.settle();
  c.writeN(3);
  c.sync();
  c.restartReplica();
  c.sync();
}

/** Run a cluster step by step, collecting the first failure of the given check. */
function healthy(): Cluster {
  const c = new Cluster();
  c.writeN(3);
  expect(c.sync()).toBeNull();
  c.crashReplica();
  c.settle();
  c.writeN(2);
  c.sync();
  c.restartReplica();
  expect(c.sync()).toBeNull();
  return c;
}

describe('healthy run', () => {
  it('no check fires across ship, outage, catch-up and sync', () => {
    const c = new Cluster();
    const seen: string[] = [];
    c.writeN(3);
    c.committer.submit(() => {});
    c.world.run(100_000, () => seen.push(...c.failures()));
    c.crashReplica();
    c.world.run(100_000, () => seen.push(...c.failures()));
    c.writeN(2);
    c.committer.submit(() => {});
    c.world.run(100_000, () => seen.push(...c.failures()));
    c.restartReplica();
    c.committer.submit(() => {});
    c.world.run(100_000, () => seen.push(...c.failures()));
    expect(c.replicas[0]!.receiver.receivedLSN()).toBe(5);
    expect(seen).toEqual([]);
  });
});

describe('planted bugs', () => {
  it('W2: out-of-order shipping on one connection', () => {
    const c = new Cluster();
    c.writeN(3);
    c.settle();
    expect(c.checks.w2()).toBeNull();
    c.shipper().ship(c.primary.wal.get(2)!);
    expect(c.checks.w2()?.id).toBe('W2');
  });

  it('W2 names a proven cause of a repeated LSN (the primary ships to itself, H39) as a finding, judged once when first seen', () => {
    const c = new Cluster();
    let cause: string | null = 'primary n2\'s WAL holds LSN 2 twice (H39)';
    const asked: number[] = [];
    const checks = new ReplicationChecks({
      shippers: () => c.group.shippers(), receivers: () => [], syncLogs: () => [], rebuildServers: () => [],
      shipperRepeatCause: (_s, lsn) => (asked.push(lsn), cause),
    });
    c.writeN(3);
    c.settle();
    c.shipper().ship(c.primary.wal.get(2)!);
    const f = checks.w2();
    expect(f?.candidate).toBe(true);
    expect(f?.message).toMatch(/LSN 2 sent after 3: primary n2's WAL holds LSN 2 twice \(H39\)$/);
    cause = null; // the WAL moved on: the verdict taken when the repeat was seen stands
    expect(checks.w2()).toEqual(f);
    expect(asked).toEqual([2]);
  });

  it('W3: flushedLSN moved outside a barrier (advance on receive)', () => {
    const c = healthy();
    expect(c.checks.w3()).toBeNull();
    (c.replicas[0]!.receiver as unknown as { flushed: number }).flushed = 4;
    expect(c.checks.w3()?.id).toBe('W3');
  });

  it('W3 candidate H3: a truncate resets receivedLSN below a stale flushedLSN', () => {
    const c = healthy();
    const r = c.replicas[0]!;
    r.vol.persistedCp = 2; // checkpoint == t makes the truncation "safe"
    expect(r.vol.truncateToLSN(2)).toBeNull();
    const f = c.checks.w3();
    expect(f?.id).toBe('W3');
    expect(f?.candidate).toBe(true);
  });

  it('W3 names H22, not H3, when a plain progress store lowered receivedLSN below the head the volume holds', () => {
    const c = healthy();
    const r = c.replicas[0]!;
    const checksWithHead = (head: number): ReplicationChecks => new ReplicationChecks({
      shippers: () => [], receivers: () => [r.receiver], syncLogs: () => [], rebuildServers: () => [],
      receiverHeadLSN: () => head,
    });
    r.receiver.setReceivedLSN(4); // a catch-up's SyncReceiverProgress racing a live apply
    const f = checksWithHead(5).w3();
    expect(f?.candidate).toBe(true);
    expect(f?.message).toMatch(/H22: a plain receivedLSN store lowered it from 5 to 4, below the head 5/);
    // The volume itself was reset to 4 as well: the stale flushedLSN is H3's.
    expect(checksWithHead(4).w3()?.message).toMatch(/H3: reset left flushedLSN stale/);
  });

  it('W3 with ground truth: flushedLSN above what the replica disk holds', () => {
    const c = healthy();
    const checks = new ReplicationChecks({
      shippers: () => [],
      receivers: () => c.replicas.map((r) => r.receiver),
      syncLogs: () => [],
      rebuildServers: () => [],
      receiverDurableLSN: () => 3,
    });
    expect(checks.w3()?.message).toMatch(/durable LSN 3/);
    expect(checks.w3()?.candidate).toBeFalsy();
  });

  it('W3 with ground truth names the cause when the LSN above the durable head is missing from the replica\'s own WAL (H1), a finding', () => {
    const c = healthy();
    const asked: number[] = [];
    const checks = new ReplicationChecks({
      shippers: () => [], receivers: () => c.replicas.map((r) => r.receiver), syncLogs: () => [], rebuildServers: () => [],
      receiverDurableLSN: () => 3,
      receiverDurableCause: (_r, durable) => (asked.push(durable), 'LSN 4 is missing from its own WAL, a hole: allocated but never written, H1'),
    });
    const f = checks.w3();
    expect(asked).toEqual([3]);
    expect(f?.candidate).toBe(true);
    expect(f?.message).toMatch(/LSN 4 is missing from its own WAL, a hole: allocated but never written, H1$/);
  });

  it('W4: replicaFlushedLSN above the primary head (H3 stale replica, candidate)', () => {
    const c = new Cluster();
    c.replicas[0]!.receiver.stop();
    c.world.crash('r1:data', 'r1:ctrl');
    c.settle();
    const v = c.replicas[0]!.vol;
    v.checkpoint = 9;
    v.next = 10;
    c.restartReplica();
    c.writeN(2);
    expect(c.sync()).toBeNull(); // bootstrap barrier: reply max(9, 2) = 9
    const f = c.checks.w4();
    expect(f?.id).toBe('W4');
    expect(f?.candidate).toBe(true);
  });

  it('W4: a decrease of replicaFlushedLSN', () => {
    const c = healthy();
    expect(c.checks.w4()).toBeNull();
    (c.shipper() as unknown as { replicaFlushed: number }).replicaFlushed = 1;
    expect(c.checks.w4()?.message).toMatch(/decreased/);
  });

  it('W5: InSync without proof', () => {
    const c = new Cluster();
    c.writeN(1);
    c.settle();
    expect(c.checks.w5()).toBeNull();
    (c.shipper() as unknown as { setState(s: string, cause: string): void }).setState(ReplicaState.InSync, 'ship_failed');
    expect(c.checks.w5()?.id).toBe('W5');
  });

  it('W6: sync_all acked while a replica lacks lsnMax (ground truth)', () => {
    const c = new Cluster();
    c.writeN(2);
    expect(c.sync()).toBeNull();
    const checks = new ReplicationChecks({
      shippers: () => [],
      receivers: () => [],
      syncLogs: () => [c.log],
      rebuildServers: () => [],
      replicaDurableLSN: () => 1,
    });
    expect(checks.w6()?.id).toBe('W6');
    expect(c.checks.w6()).toBeNull(); // cursor: the healthy view saw nothing wrong
  });

  it('W7: a wrong handshake matrix (gap beyond retention treated as Degraded)', () => {
    const c = new Cluster();
    (c.shipper() as unknown as { decide: () => unknown }).decide = () => ({ state: ReplicaState.Degraded, reason: 'planted' });
    c.writeN(2);
    expect(c.sync()).toBeNull();
    c.crashReplica();
    c.settle();
    c.writeN(2);
    c.sync();
    c.restartReplica();
    c.sync();
    expect(c.checks.w7()?.id).toBe('W7');
  });

  it('W8: catch-up starting from the cached progress instead of R+1', () => {
    const c = new Cluster();
    catchUpSkippingOne(c);
    expect(c.checks.w8()?.id).toBe('W8');
  });

  it('W8 judges each handshake once, against the WAL as it was then: a proven gap stays a finding when its cause is gone later', () => {
    // Default seed 328: a catch-up skipped LSNs a flush had reclaimed before persisting its
    // checkpoint (H23); one step later the checkpoint persisted, the gap was no longer provable,
    // and re-judging the same handshake turned the finding into a failure.
    const c = new Cluster();
    let gap: string | null = 'a hole: allocated but never written, H1';
    const checks = new ReplicationChecks({
      shippers: () => c.group.shippers(), receivers: () => [], syncLogs: () => [], rebuildServers: () => [],
      primaryGapAt: () => gap,
    });
    catchUpSkippingOne(c);
    const f = checks.w8();
    expect(f?.id).toBe('W8');
    expect(f?.candidate).toBe(true);
    expect(f?.message).toContain('H1');
    gap = null;
    expect(checks.w8()).toBeNull();
    // A planted re-judging (no memory of judged handshakes) fails the run here instead.
    const forgetful = new ReplicationChecks({ shippers: () => c.group.shippers(), receivers: () => [], syncLogs: () => [], rebuildServers: () => [], primaryGapAt: () => gap });
    expect(forgetful.w8()?.candidate).toBeFalsy();
  });

  it('W14: a shipper without the epoch gate ships a stale-epoch entry', () => {
    const c = new Cluster();
    (c.shipper() as unknown as { epochMatches: () => boolean }).epochMatches = () => true;
    c.shipper().ship(writeEntry(1, 5, 0, new Uint8Array(8)));
    expect(c.checks.w14()?.id).toBe('W14');
  });

  it('W14: a receiver without the epoch gate applies a foreign entry', () => {
    const c = new Cluster();
    (c.replicas[0]!.receiver as unknown as { epochOK: () => boolean }).epochOK = () => true;
    c.replicas[0]!.vol.epochV = 2;
    c.writeN(1);
    c.settle();
    expect(c.checks.w14()?.message).toMatch(/epoch 1 at local epoch 2/);
  });

  it('W14: a rebuild server without the epoch gate serves a foreign request', () => {
    const c = new Cluster();
    const server = new RebuildServer({ volume: c.primary, transport: c.world, listenAddr: 'p:rebuild' });
    server.start();
    (server as unknown as { epochOK: () => boolean }).epochOK = () => true;
    const r = c.replicas[0]!;
    r.vol.epochV = 4;
    const exec = new BridgeExecutor({ replica: r.vol, receiver: r.receiver, rebuildAddr: 'p:rebuild', transport: c.world, timers: c.world });
    exec.transferFullBase(0, () => {});
    c.settle();
    const checks = new ReplicationChecks({ shippers: () => [], receivers: () => [], syncLogs: () => [], rebuildServers: () => [server] });
    expect(checks.w14()?.id).toBe('W14');
  });
});
