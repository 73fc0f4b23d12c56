import { describe, expect, it } from 'vitest';
import {
  applyServiceEffect, assignmentFromWire, fnv32a, newBlockService, planVolumeAssignment, rebuildListenAddr, replicaReceiverStarted,
  replicationPorts, replicationSetup, v2BridgeEffects, wireStateChangeNotify, withVolume, getReplState,
  type BlockServiceState, type BlockVolumeAssignment, type ServiceEffect,
} from '../../../src/control/volume/assignment.ts';
import { runVolumePlan, startPlan } from '../../../src/control/volume/promotion.ts';
import { Role, roleToWire } from '../../../src/control/volume/role.ts';
import { createdVolumeState } from '../../../src/control/volume/volume_state.ts';
import { StubIO } from './helpers.ts';

const PATH = '/data/vol1.blk';

function a(p: Partial<BlockVolumeAssignment>): BlockVolumeAssignment {
  return { path: PATH, epoch: 1, role: roleToWire(Role.Primary), leaseTtlMs: 30_000, replicaDataAddr: '', replicaCtrlAddr: '', rebuildAddr: '', replicaAddrs: [], ...p };
}

/** ProcessAssignments over the library, the way the simulator is meant to drive it. */
function processAssignments(bs0: BlockServiceState, batch: readonly BlockVolumeAssignment[], now = 0, receiver: (e: Extract<ServiceEffect, { kind: 'startReplicaReceiver' }>) => { canonData: string; canonCtrl: string } | { error: string } = () => ({ canonData: '', canonCtrl: '' })) {
  let bs = bs0;
  const effects: ServiceEffect[] = [...v2BridgeEffects(bs, batch)];
  const errors: (string | null)[] = [];
  for (const asg of batch) {
    const step = planVolumeAssignment(bs, asg);
    if (!step.decision.ok) { errors.push(step.decision.error.message); continue; }
    const run = runVolumePlan(bs.volumes[asg.path]!, startPlan(step.decision.effects), now, new StubIO());
    if (run.status === 'waiting') throw new Error('unexpected drain wait');
    bs = withVolume(bs, asg.path, run.vol);
    if (run.status === 'failed') { errors.push(run.error.message); continue; }
    errors.push(null);
    for (const e of replicationSetup(bs, asg)) {
      effects.push(e);
      bs = applyServiceEffect(bs, e);
      if (e.kind === 'startReplicaReceiver') bs = replicaReceiverStarted(bs, e, receiver(e)).bs;
    }
  }
  return { bs, effects, errors };
}

const service = () => newBlockService('10.0.0.1:3260', { [PATH]: createdVolumeState() });

describe('volume_server_block.go ProcessAssignments', () => {
  it('TestBlockService_ProcessAssignment_Primary: primary at epoch 1; no replica addresses → no replication setup', () => {
    const r = processAssignments(service(), [a({})]);
    expect(r.errors).toEqual([null]);
    expect([r.bs.volumes[PATH]!.role, r.bs.volumes[PATH]!.epoch]).toEqual([Role.Primary, 1]);
    expect(r.effects.map((e) => e.kind)).toEqual(['v2Assignment']);
  });
  it('the V2 bridge gets every assignment first, even unknown volumes and refused ones', () => {
    const batch = [a({}), a({ path: '/nonexistent/vol.blk' })];
    const r = processAssignments(service(), batch);
    expect(r.effects.slice(0, 2)).toEqual(batch.map((x) => ({ kind: 'v2Assignment', assignment: x, localServerID: '10.0.0.1:3260' })));
  });
  it('TestBlockAssign_MixedBatch: success, unknown volume, invalid transition — processing continues, errors parallel', () => {
    const r = processAssignments(service(), [a({}), a({ path: '/nonexistent/vol.blk' }), a({ epoch: 2, role: roleToWire(Role.Replica) })]);
    expect(r.errors[0]).toBeNull();
    expect(r.errors[1]).toBe('block volume not found: /nonexistent/vol.blk');
    expect(r.errors[2]).toBe('blockvol: invalid assignment transition: primary -> replica');
    expect(r.bs.volumes[PATH]!.role).toBe(Role.Primary);
  });
  it('TestBlockAssign_InvalidTransition: none→stale refused', () => {
    expect(processAssignments(service(), [a({ role: roleToWire(Role.Stale) })]).errors[0]).toMatch(/invalid assignment transition: none -> stale/);
  });
  it('a refused assignment does no replication setup', () => {
    const p5 = processAssignments(service(), [a({ epoch: 5 })]).bs;
    const r = processAssignments(p5, [a({ epoch: 3, replicaDataAddr: 'r:1', replicaCtrlAddr: 'r:2' })]);
    expect(r.errors[0]).toMatch(/epoch regression/);
    expect(r.effects.map((e) => e.kind)).toEqual(['v2Assignment']);
  });
  it('primary with scalar replica addresses: SetReplicaAddrs([one]), rebuild server, replState (setupPrimaryReplication)', () => {
    const r = processAssignments(service(), [a({ replicaDataAddr: '10.0.0.2:4260', replicaCtrlAddr: '10.0.0.2:4261' })]);
    expect(r.effects.slice(1)).toEqual([
      { kind: 'setReplicaAddrs', path: PATH, addrs: [{ dataAddr: '10.0.0.2:4260', ctrlAddr: '10.0.0.2:4261' }], wireStateChange: false },
      { kind: 'startRebuildServer', path: PATH, addr: rebuildListenAddr('10.0.0.1:3260', PATH) },
      { kind: 'setReplState', path: PATH, state: { replicaDataAddr: '10.0.0.2:4260', replicaCtrlAddr: '10.0.0.2:4261' } },
    ]);
    expect(r.bs.volumes[PATH]!.groupCommit).toBe('distributed');
    expect(r.bs.volumes[PATH]!.hasShipperGroup).toBe(true);
    expect(getReplState(r.bs, PATH)).toEqual({ replicaDataAddr: '10.0.0.2:4260', replicaCtrlAddr: '10.0.0.2:4261' });
  });
  it('primary with only one scalar address set does nothing', () => {
    expect(replicationSetup(service(), a({ replicaDataAddr: 'x:1' }))).toEqual([]);
  });
  it('multi-replica: ReplicaAddrs take precedence; replState reports the first replica only', () => {
    const addrs = [{ dataAddr: 'b:1', ctrlAddr: 'b:2' }, { dataAddr: 'c:1', ctrlAddr: 'c:2' }];
    const r = processAssignments(wireStateChangeNotify(service()), [a({ replicaAddrs: addrs, replicaDataAddr: 'x:1', replicaCtrlAddr: 'x:2' })]);
    expect(r.effects[1]).toEqual({ kind: 'setReplicaAddrs', path: PATH, addrs, wireStateChange: true });
    expect(getReplState(r.bs, PATH)).toEqual({ replicaDataAddr: 'b:1', replicaCtrlAddr: 'b:2' });
  });
  it('HAZARD: every repeated primary assignment (lease refresh) rebuilds the shipper group and restarts the rebuild server', () => {
    const s1 = processAssignments(service(), [a({ replicaDataAddr: 'r:1', replicaCtrlAddr: 'r:2' })]).bs;
    const r = processAssignments(s1, [a({ leaseTtlMs: 60_000, replicaDataAddr: 'r:1', replicaCtrlAddr: 'r:2' })]);
    expect(r.errors).toEqual([null]);
    expect(r.effects.map((e) => e.kind)).toEqual(['v2Assignment', 'setReplicaAddrs', 'startRebuildServer', 'setReplState']);
  });
  it('TestBlockService_ProcessAssignment_Replica + setupReplicaReceiver: canonical addresses recorded, assignment addresses as fallback', () => {
    const asg = a({ role: roleToWire(Role.Replica), replicaDataAddr: ':4260', replicaCtrlAddr: ':4261' });
    const r = processAssignments(service(), [asg], 0, () => ({ canonData: '10.0.0.3:4260', canonCtrl: '' }));
    expect(r.bs.volumes[PATH]!.role).toBe(Role.Replica);
    expect(r.effects.slice(1)).toEqual([{ kind: 'startReplicaReceiver', path: PATH, dataAddr: ':4260', ctrlAddr: ':4261' }]);
    expect(getReplState(r.bs, PATH)).toEqual({ replicaDataAddr: '10.0.0.3:4260', replicaCtrlAddr: ':4261' });
    expect(r.bs.volumes[PATH]!.hasReceiver).toBe(true);
  });
  it('a receiver that fails to start records nothing', () => {
    const asg = a({ role: roleToWire(Role.Replica), replicaDataAddr: 'r:1', replicaCtrlAddr: 'r:2' });
    const r = processAssignments(service(), [asg], 0, () => ({ error: 'listen: address in use' }));
    expect(getReplState(r.bs, PATH)).toEqual({ replicaDataAddr: '', replicaCtrlAddr: '' });
    expect(r.bs.volumes[PATH]!.hasReceiver).toBe(false);
  });
  it('HAZARD: a replica assignment carrying ReplicaAddrs starts no receiver (AssignmentFromProto clears the scalars)', () => {
    const wire = assignmentFromWire(a({ role: roleToWire(Role.Replica), replicaAddrs: [{ dataAddr: 'r:1', ctrlAddr: 'r:2' }], replicaDataAddr: 'r:1', replicaCtrlAddr: 'r:2' }));
    expect([wire.replicaDataAddr, wire.replicaCtrlAddr]).toEqual(['', '']);
    expect(processAssignments(service(), [wire]).effects.map((e) => e.kind)).toEqual(['v2Assignment']);
  });
  it('rebuilding with a rebuild address starts a background rebuild from LSN 0 at the assignment epoch', () => {
    const r = processAssignments(service(), [a({ epoch: 4, role: roleToWire(Role.Rebuilding), rebuildAddr: 'p:9' })]);
    expect(r.effects.slice(1)).toEqual([{ kind: 'startRebuild', path: PATH, rebuildAddr: 'p:9', fromLSN: 0, epoch: 4 }]);
    expect(processAssignments(service(), [a({ role: roleToWire(Role.Rebuilding) })]).effects.length).toBe(1);
  });
  it('demotion to stale sets up nothing and keeps the old replState', () => {
    const s1 = processAssignments(service(), [a({ replicaDataAddr: 'r:1', replicaCtrlAddr: 'r:2' })]).bs;
    const r = processAssignments(s1, [a({ epoch: 2, role: roleToWire(Role.Stale) })]);
    expect(r.effects.map((e) => e.kind)).toEqual(['v2Assignment']);
    expect(getReplState(r.bs, PATH).replicaDataAddr).toBe('r:1');
  });
  it('an unknown wire role is RoleNone: on a RoleNone volume a silent success', () => {
    expect(processAssignments(service(), [a({ role: 42 })]).errors).toEqual([null]);
  });
});

describe('block_heartbeat_proto.go AssignmentFromProto', () => {
  it('TestAssignment_BackwardCompatScalar: scalar fields kept when no ReplicaAddrs', () => {
    const w = assignmentFromWire(a({ replicaDataAddr: 'x:1', replicaCtrlAddr: 'x:2' }));
    expect([w.replicaDataAddr, w.replicaCtrlAddr, w.replicaAddrs]).toEqual(['x:1', 'x:2', []]);
  });
  it('TestAssignment_PrecedenceRule: ReplicaAddrs win, scalars cleared', () => {
    const w = assignmentFromWire(a({ replicaDataAddr: 'x:1', replicaCtrlAddr: 'x:2', replicaAddrs: [{ dataAddr: 'y:1', ctrlAddr: 'y:2' }] }));
    expect([w.replicaDataAddr, w.replicaCtrlAddr, w.replicaAddrs]).toEqual(['', '', [{ dataAddr: 'y:1', ctrlAddr: 'y:2' }]]);
  });
});

describe('volume_server_block.go ReplicationPorts', () => {
  it('FNV-1a 32 matches the reference vectors', () => {
    expect(fnv32a('')).toBe(0x811c9dc5);
    expect(fnv32a('a')).toBe(0xe40c292c);
    expect(fnv32a('foobar')).toBe(0xbf9cf968);
  });
  it('TestBlockService_ReplicationPorts_Deterministic: ctrl = data+1, rebuild = data+2, data = base+1000+(fnv%500)*3', () => {
    const p = replicationPorts('0.0.0.0:3260', '/data/vol1.blk');
    expect(p.dataPort).toBe(3260 + 1000 + (fnv32a('/data/vol1.blk') % 500) * 3);
    expect([p.ctrlPort, p.rebuildPort]).toEqual([p.dataPort + 1, p.dataPort + 2]);
    expect(replicationPorts('0.0.0.0:3260', '/data/vol1.blk')).toEqual(p);
  });
  it('base port from the listen address, 3260 when absent or not positive', () => {
    const off = (fnv32a('v') % 500) * 3;
    expect(replicationPorts('h:4000', 'v').dataPort).toBe(5000 + off);
    expect(replicationPorts('h', 'v').dataPort).toBe(4260 + off);
    expect(replicationPorts('h:0', 'v').dataPort).toBe(4260 + off);
    expect(rebuildListenAddr('10.0.0.1:4000', 'v')).toBe(`10.0.0.1:${5002 + off}`);
  });
});

describe('volume_server_block.go WireStateChangeNotify', () => {
  it('wires only the volumes registered when it runs', () => {
    const bs = wireStateChangeNotify(service());
    expect(bs.volumes[PATH]!.stateChangeNotifyWired).toBe(true);
    const later = withVolume(bs, '/data/vol2.blk', createdVolumeState());
    expect(later.volumes['/data/vol2.blk']!.stateChangeNotifyWired).toBe(false);
  });
});
