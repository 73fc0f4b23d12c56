// ReplicaShipperStatus (shipper_group.go ShipperStates, block_heartbeat.go) and its fate on the
// wire (block_heartbeat_proto.go InfoMessageToProto), unchanged at 3ec8fab2f. Derived from
// rebuild_v1_test.go ("heartbeat should include ReplicaShipperStates", needs_rebuild state) and
// block_heartbeat_proto_test.go (the proto has no such field).
import { describe, expect, it } from 'vitest';
import { toBlockVolumeInfoMessage } from '../../../src/control/volume/heartbeat.ts';
import { infoMessageToProto, withReplicaShipperStates } from '../../../src/control/volume/shipper_status.ts';
import { createdVolumeState } from '../../../src/control/volume/volume_state.ts';

const report = { volumeSize: 1 << 20, blockSize: 4096, walHeadLsn: 9, checkpointLsn: 3, replicaDegraded: false, durabilityMode: 'sync_all', diskType: '', health: { score: 1, scrubErrors: 0, lastScrubError: 0, lastScrubTime: 0 } };

describe('ReplicaShipperStatus', () => {
  it('the Go message carries per-replica state (needs_rebuild) and flushed LSN; nil without a shipper group', () => {
    const base = toBlockVolumeInfoMessage('/v.blk', createdVolumeState(), report, 0);
    const m = withReplicaShipperStates(base, [{ dataAddr: 'r:1', state: 'needs_rebuild', flushedLSN: 4 }]);
    expect(m.replicaShipperStates).toEqual([{ dataAddr: 'r:1', state: 'needs_rebuild', flushedLSN: 4 }]);
    expect(withReplicaShipperStates(base, null).replicaShipperStates).toBeNull();
  });
  it('HAZARD (control-volume hazard 10, still at 3ec8fab2f): InfoMessageToProto drops it — the master never sees it', () => {
    const base = toBlockVolumeInfoMessage('/v.blk', createdVolumeState(), report, 0);
    const wire = infoMessageToProto(withReplicaShipperStates(base, [{ dataAddr: 'r:1', state: 'needs_rebuild', flushedLSN: 4 }]));
    expect(wire).toEqual(base);
    expect('replicaShipperStates' in wire).toBe(false);
  });
});
