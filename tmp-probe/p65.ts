import { makeClusterWorld } from '../src/check/cluster_world.ts';
import { RandomChooser } from '../src/sim/chooser.ts';
import { runSeed, type WorldFactory } from '../src/trace/run.ts';
import { SimDisk } from '../src/storage/sim_disk.ts';
import { BlockVolume } from '../src/storage/blockvol/volume.ts';
let world: any = null;
const make: WorldFactory = (o) => (world = makeClusterWorld(o));
const stop = Number(process.argv[2]);
const r = runSeed({ seed: 65, profile: 'default', bugs: [], strict: false, maxSteps: stop, record: false, check: false } as any, make, new RandomChooser(65));
console.log(r.status, r.steps);
const c = world.world;
for (const n of c.nodes) {
  const v = n.vol; if (!v) { console.log(n.name, 'down'); continue; }
  console.log(n.name, n.role, 'head', v.headLSN(), 'cp', v.checkpointLSN(), 'pcp', v.persistedCheckpointLSN(), 'rcv', n.receiver?.receivedLSN(), 'rfl', n.receiver?.flushedLSN(), 'pending', n.disk.pendingWriteCount(), 'fsyncs', n.disk.stats().fsyncs);
  const d = BlockVolume.open(SimDisk.fromImage(n.disk.durableBytes()));
  const cch = BlockVolume.open(SimDisk.fromImage(n.disk.cachedBytes()));
  if (d instanceof BlockVolume) console.log('  durable: head', d.headLSN(), 'cp', d.checkpointLSN(), 'rec', JSON.stringify((d as any).lastRecovery));
  else console.log('  durable open err', String(d));
  if (cch instanceof BlockVolume) console.log('  cached: head', cch.headLSN(), 'cp', cch.checkpointLSN(), 'rec', JSON.stringify((cch as any).lastRecovery));
}
const n1 = c.nodes[0];
const st = (n1.vol as any).v;
const region = st.wal.readRegion();
const out: string[] = [];
st.wal.walk(region, st.wal.tail(), st.wal.tail() + st.sb.walSize, (rec: any) => { out.push(`${rec.entry.lsn}@${rec.logical}e${rec.entry.epoch}`); return true; });
console.log('n1 wal walk:', out.join(' '));
console.log('positions', JSON.stringify({ tail: st.wal.tail(), head: st.wal.head(), sbTail: st.sb.walTail, sbHead: st.sb.walHead, size: st.sb.walSize }));
