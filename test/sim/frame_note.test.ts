// The trace's reading of stream frames: replication messages by their wire fields, and the
// upstream heartbeat stream's JSON frames (heartbeats and the master's assignments) by role,
// epoch and the replicas an assignment lists — the detail a reader needs to see which replicas
// a Primary assignment named.
import { describe, expect, it } from 'vitest';
import { frameNote } from '../../src/sim/frame_note.ts';
import { encodeFrame } from '../../src/sim/block_service_agent.ts';
import { assignment, fullHeartbeat, heartbeat, infoMessage, Role } from '../../src/control/master/messages.ts';
import { encodeFrame as encodeWireFrame, MsgWALEntry } from '../../src/replication/wire.ts';
import { encodeWALEntry, writeEntry } from '../../src/storage/blockvol/wal_entry.ts';

describe('replication stream frames', () => {
  it('a shipped WAL entry and a rebuild entry show their LSN and epoch (little-endian fields)', () => {
    const e = encodeWALEntry(writeEntry(35, 3, 7, new Uint8Array(64)));
    expect(frameNote('n1', 'n2', 2, encodeWireFrame(MsgWALEntry, e))).toBe('n1→n2 +2ms wal lsn=35 ep=3');
    expect(frameNote('n1', 'n2', 2, encodeWireFrame(0x11, e))).toBe('n1→n2 +2ms rebuild_entry lsn=35 ep=3');
  });
});

describe('heartbeat stream frames', () => {
  it('a full heartbeat shows role, epoch, head, checkpoint and flags', () => {
    const hb = fullHeartbeat([infoMessage({ path: 'v', role: Role.Primary, epoch: 2, walHeadLsn: 59, checkpointLsn: 32, hasLease: true, replicaDegraded: true })]);
    expect(frameNote('n1', 'master', 3, encodeFrame({ server: 's1', hb }))).toBe('n1→master +3ms hb full primary ep=2 head=59 cp=32 lease degraded');
  });

  it('a plain heartbeat and a server without volumes', () => {
    expect(frameNote('n1', 'master', 1, encodeFrame({ server: 's1', hb: heartbeat() }))).toBe('n1→master +1ms hb');
    expect(frameNote('n1', 'master', 1, encodeFrame({ server: 's1', hb: fullHeartbeat([]) }))).toBe('n1→master +1ms hb full (no volumes)');
  });

  it('a Primary assignment lists its replicas; a Replica assignment its own listen address', () => {
    const primary = assignment({ path: 'v', epoch: 1, role: Role.Primary, leaseTtlMs: 30000, replicaAddrs: [{ dataAddr: 'n2:4566', ctrlAddr: 'n2:4567', serverID: 's2' }, { dataAddr: 'n3:4566', ctrlAddr: 'n3:4567', serverID: 's3' }] });
    const replica = assignment({ path: 'v', epoch: 1, role: Role.Replica, replicaDataAddr: 'n3:4566' });
    const rebuild = assignment({ path: 'v', epoch: 3, role: Role.Rebuilding, rebuildAddr: 'n1:4570' });
    expect(frameNote('master', 'n1', 2, encodeFrame({ assignments: [primary, replica, rebuild] })))
      .toBe('master→n1 +2ms assign primary ep=1 lease=30000ms replicas=[n2:4566,n3:4566]; replica ep=1 listen=n3:4566; rebuilding ep=3 rebuild=n1:4570');
    expect(frameNote('master', 'n1', 2, encodeFrame({ assignments: [] }))).toBe('master→n1 +2ms reply (nothing)');
  });

  it('a frame that only starts like JSON falls back to the wire reading', () => {
    const f = new Uint8Array([0x7b, 0, 0, 0, 0, 1, 2, 3]);
    expect(frameNote('a', 'b', 0, f)).toMatch(/^a→b \+0ms /);
  });
});
