// The volume server at upstream 3ec8fab2f vs c7eb87c58 (the `commit` switch): SetServerID,
// ServerIDs through AssignmentFromProto, ConvertAssignment, the V2 idempotence guard and the
// setupPrimaryReplication(Multi) guards. Derived from qa_block_identity_test.go
// (TestP10P1_RealIngress_ProtoToReplicaID, TestP10P1_CanonicalLocalIdentity,
// TestP10P1_FailClosed_MissingServerID), qa_block_idempotence_test.go (TestP10P3_*),
// block_heartbeat_proto_test.go (TestP10P1_ProtoRoundTrip_*).
import { describe, expect, it } from 'vitest';
import { Registry } from '../../../src/engine/registry.ts';
import { EngineContext } from '../../../src/engine/context.ts';
import {
  applyServiceEffect, assignmentFromWire, getReplState, newBlockService, replicationSetup,
  type BlockServiceState, type BlockVolumeAssignment,
} from '../../../src/control/volume/assignment.ts';
import { setServerID, volumeServerId } from '../../../src/control/volume/identity.ts';
import { Role, roleToWire } from '../../../src/control/volume/role.ts';
import { convertAssignment } from '../../../src/control/volume/v2bridge_control.ts';
import { isAssignmentUnchanged, planV2Bridge } from '../../../src/control/volume/v2_assignment.ts';
import { createdVolumeState } from '../../../src/control/volume/volume_state.ts';

const PATH = '/data/vol1.blk';
const P = roleToWire(Role.Primary);

function a(p: Partial<BlockVolumeAssignment>): BlockVolumeAssignment {
  return { path: PATH, epoch: 1, role: P, leaseTtlMs: 30_000, replicaDataAddr: '', replicaCtrlAddr: '', rebuildAddr: '', replicaAddrs: [], ...p };
}
const service = (): BlockServiceState => setServerID(newBlockService('127.0.0.1:3260', { [PATH]: createdVolumeState() }), 'vs1-node:18080');
const scalarVs2 = a({ replicaServerID: 'vs2-node:18080', replicaDataAddr: '10.0.0.2:14260', replicaCtrlAddr: '10.0.0.2:14261' });

/** Apply replicationSetup's effects (the control-state part) as ProcessAssignments would. */
function setup(bs: BlockServiceState, asg: BlockVolumeAssignment) {
  const effects = replicationSetup(bs, asg, { commit: '3ec8fab2f' });
  for (const e of effects) bs = applyServiceEffect(bs, e);
  return { bs, effects };
}

describe('identity (SetServerID, GetVolumeServerId)', () => {
  it('TestP10P1_CanonicalLocalIdentity: StartBlockService sets listenAddr; SetServerID replaces it', () => {
    const bs = newBlockService('127.0.0.1:3260', {});
    expect(bs.localServerID).toBe('127.0.0.1:3260');
    expect(setServerID(bs, 'vs1-node:18080').localServerID).toBe('vs1-node:18080');
  });
  it('volumeServerId: the -id flag (trimmed), else ip:port (IPv6 bracketed)', () => {
    expect(volumeServerId(' vs1 ', '10.0.0.1', 8080)).toBe('vs1');
    expect(volumeServerId('', '10.0.0.1', 8080)).toBe('10.0.0.1:8080');
    expect(volumeServerId('', '::1', 8080)).toBe('[::1]:8080');
  });
});

describe('assignmentFromWire ServerIDs', () => {
  it('3ec8fab2f keeps them; c7eb87c58 drops them (no proto field)', () => {
    const multi = a({ replicaServerID: 'vs2', replicaDataAddr: 'd', replicaCtrlAddr: 'c', replicaAddrs: [{ dataAddr: 'd', ctrlAddr: 'c', serverID: 'vs2' }] });
    const n = assignmentFromWire(multi, '3ec8fab2f');
    expect([n.replicaServerID, n.replicaDataAddr, n.replicaAddrs[0]!.serverID]).toEqual(['vs2', '', 'vs2']);
    const o = assignmentFromWire(multi, 'c7eb87c58');
    expect([o.replicaServerID, o.replicaAddrs[0]!.serverID]).toEqual([undefined, undefined]);
  });
});

describe('ConvertAssignment (v2bridge/control.go)', () => {
  it('TestP10P1_RealIngress_ProtoToReplicaID: primary → one catch-up target per replica, ID = path/serverID', () => {
    const { intent } = convertAssignment(assignmentFromWire(scalarVs2, '3ec8fab2f'), 'vs1-node:18080');
    expect(intent.replicas.map((r) => r.replicaID)).toEqual([`${PATH}/vs2-node:18080`]);
    expect(intent.recoveryTargets).toEqual({ [`${PATH}/vs2-node:18080`]: 'catchup' });
    expect(intent.replicas[0]!.endpoint).toEqual({ dataAddr: '10.0.0.2:14260', ctrlAddr: '10.0.0.2:14261', version: 0 });
  });
  it('TestP10P1_FailClosed_MissingServerID: replicas without ServerID are skipped (scalar and multi)', () => {
    const s = convertAssignment({ ...scalarVs2, replicaServerID: '' }, 'x');
    expect([s.intent.replicas.length, s.skippedNoServerID]).toEqual([0, ['10.0.0.2:14260']]);
    const m = convertAssignment(a({ replicaAddrs: [{ dataAddr: 'd1', ctrlAddr: 'c1', serverID: '' }, { dataAddr: 'd2', ctrlAddr: 'c2', serverID: 'vs3' }] }), 'x');
    expect(m.intent.replicas.map((r) => r.replicaID)).toEqual([`${PATH}/vs3`]);
    expect(m.skippedNoServerID).toEqual(['d1']);
  });
  it('c7eb87c58 wire: the master\'s ServerIDs are gone, so the primary\'s intent is empty (hazard 9)', () => {
    const { intent } = convertAssignment(assignmentFromWire(scalarVs2, 'c7eb87c58'), 'x');
    expect(intent.replicas).toEqual([]);
  });
  it('replica → own sender (localServerID), no recovery target; rebuilding → own sender with a rebuild target', () => {
    const r = convertAssignment(a({ role: roleToWire(Role.Replica), replicaDataAddr: 'me:1', replicaCtrlAddr: 'me:2' }), 'vs2');
    expect(r.intent).toEqual({ epoch: 1, replicas: [{ replicaID: `${PATH}/vs2`, endpoint: { dataAddr: 'me:1', ctrlAddr: 'me:2', version: 0 } }] });
    const b = convertAssignment(a({ role: roleToWire(Role.Rebuilding), rebuildAddr: 'p:15000' }), 'vs2');
    expect(b.intent.recoveryTargets).toEqual({ [`${PATH}/vs2`]: 'rebuild' });
    expect(b.intent.replicas[0]!.endpoint).toEqual({ dataAddr: '', ctrlAddr: '', version: 0 });
  });
  it('HAZARD: a lease grant (Primary, no replicas) or a None/Stale role gives an empty intent, which removes every sender of the shared orchestrator — all volumes', () => {
    const reg = new Registry(new EngineContext());
    reg.applyAssignment(convertAssignment(scalarVs2, 'vs1').intent);
    // another volume's primary assignment on the same server removes vol1's sender
    expect(reg.applyAssignment(convertAssignment({ ...scalarVs2, path: '/data/vol2.blk' }, 'vs1').intent).removed).toEqual([`${PATH}/vs2-node:18080`]);
    expect(reg.len()).toBe(1);
    const grant = a({ epoch: 1, role: P, leaseTtlMs: 30_000 });
    expect(reg.applyAssignment(convertAssignment(grant, 'vs1').intent).removed).toEqual(['/data/vol2.blk/vs2-node:18080']);
    expect(convertAssignment(a({ role: roleToWire(Role.Stale) }), 'vs1').intent).toEqual({ epoch: 1, replicas: [] });
  });
});

describe('V2 idempotence guard (isAssignmentUnchanged / lastAppliedAssignment.equals)', () => {
  it('TestP10P3_RepeatedAssignment_Idempotent: the 2nd and 3rd identical assignment never reach the engine', () => {
    let bs = service();
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = planV2Bridge(bs, [scalarVs2], { commit: '3ec8fab2f' });
      bs = r.bs;
      kinds.push(...r.deliveries.map((d) => d.kind));
    }
    expect(kinds).toEqual(['deliver', 'skipUnchanged', 'skipUnchanged']);
  });
  it('c7eb87c58: every assignment is delivered, nothing recorded', () => {
    const r = planV2Bridge(service(), [scalarVs2, scalarVs2], { commit: 'c7eb87c58' });
    expect(r.deliveries.map((d) => d.kind)).toEqual(['deliver', 'deliver']);
    expect(r.bs.lastAssign).toBeUndefined();
  });
  it('TestP10P3_ChangedAssignment_StillReplaces: a new epoch / replica / ServerID / role is delivered', () => {
    const bs = planV2Bridge(service(), [scalarVs2], { commit: '3ec8fab2f' }).bs;
    for (const changed of [{ epoch: 2 }, { replicaDataAddr: 'x' }, { replicaServerID: 'vs3' }, { role: roleToWire(Role.Replica) }]) {
      expect(isAssignmentUnchanged(bs, { ...scalarVs2, ...changed })).toBe(false);
    }
  });
  it('multi-replica: the whole list, in order, with ServerIDs', () => {
    const two = a({ replicaAddrs: [{ dataAddr: 'd1', ctrlAddr: 'c1', serverID: 's1' }, { dataAddr: 'd2', ctrlAddr: 'c2', serverID: 's2' }] });
    const bs = planV2Bridge(service(), [two], { commit: '3ec8fab2f' }).bs;
    expect(isAssignmentUnchanged(bs, two)).toBe(true);
    expect(isAssignmentUnchanged(bs, { ...two, replicaAddrs: [two.replicaAddrs[1]!, two.replicaAddrs[0]!] })).toBe(false);
    expect(isAssignmentUnchanged(bs, { ...two, replicaAddrs: [two.replicaAddrs[0]!, { ...two.replicaAddrs[1]!, serverID: 's9' }] })).toBe(false);
    expect(isAssignmentUnchanged(bs, { ...two, replicaAddrs: [two.replicaAddrs[0]!] })).toBe(false);
  });
  it('HAZARD: LeaseTtlMs and RebuildAddr are not compared — a Rebuilding assignment re-sent with a new RebuildAddr is skipped by V2', () => {
    const rb = a({ role: roleToWire(Role.Rebuilding), rebuildAddr: 'old:15000' });
    const bs = planV2Bridge(service(), [rb], { commit: '3ec8fab2f' }).bs;
    expect(planV2Bridge(bs, [{ ...rb, rebuildAddr: 'new:15000', leaseTtlMs: 1 }], { commit: '3ec8fab2f' }).deliveries[0]!.kind).toBe('skipUnchanged');
  });
  it('HAZARD: recorded before V1 runs — an assignment for an unknown volume still counts as applied', () => {
    const ghost = { ...scalarVs2, path: '/nonexistent.blk' };
    const bs = planV2Bridge(service(), [ghost], { commit: '3ec8fab2f' }).bs;
    expect(isAssignmentUnchanged(bs, ghost)).toBe(true);
  });
  it('HAZARD: full assignment, then lease grant (delivered: empty intent), then identical grants (skipped)', () => {
    const grant = a({});
    const r = planV2Bridge(service(), [scalarVs2, grant, grant], { commit: '3ec8fab2f' });
    expect(r.deliveries.map((d) => d.kind)).toEqual(['deliver', 'deliver', 'skipUnchanged']);
    const d = r.deliveries[1]!;
    expect(d.kind === 'deliver' && d.intent.replicas).toEqual([]);
  });
  it('a path repeated inside one batch is compared with its predecessor in the batch', () => {
    expect(planV2Bridge(service(), [scalarVs2, scalarVs2], { commit: '3ec8fab2f' }).deliveries.map((d) => d.kind)).toEqual(['deliver', 'skipUnchanged']);
  });
});

describe('setupPrimaryReplication(Multi) guards (3ec8fab2f)', () => {
  it('TestP10P3_RepeatedAssignment_Idempotent (V1): an unchanged scalar primary setup has no effects; replState kept', () => {
    let { bs, effects } = setup(service(), scalarVs2);
    expect(effects.map((e) => e.kind)).toEqual(['setReplicaAddrs', 'startRebuildServer', 'setReplState']);
    ({ bs, effects } = setup(bs, scalarVs2));
    expect(effects).toEqual([]);
    expect(getReplState(bs, PATH).replicaDataAddr).toBe('10.0.0.2:14260');
  });
  it('c7eb87c58 (hazard 8): every delivery sets up again', () => {
    const bs = applyServiceEffect(service(), { kind: 'setReplState', path: PATH, state: { replicaDataAddr: '10.0.0.2:14260', replicaCtrlAddr: '10.0.0.2:14261' } });
    expect(replicationSetup(bs, scalarVs2).map((e) => e.kind)).toEqual(['setReplicaAddrs', 'startRebuildServer', 'setReplState']);
  });
  it('TestP10P3_ChangedAssignment_StillReplaces: a changed scalar replica sets up again', () => {
    const { bs } = setup(service(), scalarVs2);
    const r = setup(bs, { ...scalarVs2, epoch: 2, replicaServerID: 'vs3-node:18080', replicaDataAddr: '10.0.0.3:14260', replicaCtrlAddr: '10.0.0.3:14261' });
    expect(getReplState(r.bs, PATH).replicaDataAddr).toBe('10.0.0.3:14260');
  });
  it('scalar guard ignores ServerID', () => {
    const { bs } = setup(service(), scalarVs2);
    expect(replicationSetup(bs, { ...scalarVs2, replicaServerID: 'other' }, { commit: '3ec8fab2f' })).toEqual([]);
  });
  it('multi guard compares the full set (allReplicas), including ServerID', () => {
    const two = a({ replicaAddrs: [{ dataAddr: 'd1', ctrlAddr: 'c1', serverID: 's1' }, { dataAddr: 'd2', ctrlAddr: 'c2', serverID: 's2' }] });
    const { bs } = setup(service(), two);
    expect(bs.replStates[PATH]!.allReplicas).toEqual(two.replicaAddrs);
    expect(replicationSetup(bs, two, { commit: '3ec8fab2f' })).toEqual([]);
    expect(replicationSetup(bs, { ...two, replicaAddrs: [two.replicaAddrs[0]!, { ...two.replicaAddrs[1]!, serverID: 's3' }] }, { commit: '3ec8fab2f' })).toHaveLength(3);
    // a replState written by the scalar path has no allReplicas: the multi guard never matches it
    const s = setup(service(), a({ replicaDataAddr: 'd1', replicaCtrlAddr: 'c1' })).bs;
    expect(replicationSetup(s, a({ replicaAddrs: [{ dataAddr: 'd1', ctrlAddr: 'c1', serverID: '' }] }), { commit: '3ec8fab2f' })).toHaveLength(3);
  });
  it('HAZARD: replStates survive a demotion, so a re-promotion with the same replica set skips SetReplicaAddrs (the stopped shipper group stays)', () => {
    const { bs } = setup(service(), scalarVs2);
    // demote (primary → stale) keeps replStates (assignment.ts); later: rebuilding → replica → promoted at epoch 5
    expect(replicationSetup(bs, { ...scalarVs2, epoch: 5 }, { commit: '3ec8fab2f' })).toEqual([]);
  });
  it('the replica receiver and the V1 rebuild are not guarded: a repeat starts another', () => {
    const rep = a({ role: roleToWire(Role.Replica), replicaDataAddr: 'me:1', replicaCtrlAddr: 'me:2' });
    expect(replicationSetup(service(), rep, { commit: '3ec8fab2f' }).map((e) => e.kind)).toEqual(['startReplicaReceiver']);
    const rb = a({ role: roleToWire(Role.Rebuilding), rebuildAddr: 'p:1' });
    expect(replicationSetup(service(), rb, { commit: '3ec8fab2f' }).map((e) => e.kind)).toEqual(['startRebuild']);
  });
});
