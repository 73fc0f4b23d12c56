// The ideal wiring's demotion drains in-flight client ops first, as upstream's demote does
// (promotion.go: revoke the lease, poll opsOutstanding every 1 ms, then stop shippers and persist
// the epoch). Default seed 1570 is the regression: a paused primary resumed with three writes past
// its gate while the replica assignment arrived; without the drain one of them appended LSN 34
// after the new receiver had sampled the head (33), the new primary's LSN 34 was then admitted
// too, and W3 failed on a WAL holding LSN 34 twice.
import { describe, expect, it } from 'vitest';
import { makeClusterWorld } from '../../src/check/cluster_world.ts';
import type { Cluster } from '../../src/sim/cluster.ts';
import { RandomChooser } from '../../src/sim/chooser.ts';
import { DEFAULT_MAX_STEPS } from '../../src/sim/cluster.ts';
import { runSeed, type CheckedWorld } from '../../src/trace/run.ts';

describe('ideal wiring: a demotion drains in-flight writes', () => {
  it('default seed 1570 waits for the writes that passed the gate, then passes', () => {
    let world: CheckedWorld | null = null;
    const r = runSeed({ seed: 1570, profile: 'default', bugs: [], strict: false, maxSteps: DEFAULT_MAX_STEPS, record: false, check: true },
      (o) => (world = makeClusterWorld(o)), new RandomChooser(1570));
    expect(r.status, r.failure?.message).toBe('pass');
    const cluster = world!.world as Cluster;
    expect(cluster.marks.get('demote_drain_wait')).toBeGreaterThan(0);
    // No W1 finding of a repeated LSN: every LSN the demoted primary holds is in order.
    expect(r.findings.filter((f) => f.invariant === 'W3').every((f) => !f.message.includes('durable LSN 34'))).toBe(true);
  }, 60_000);
});
