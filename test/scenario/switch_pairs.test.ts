// Every known-bug switch the simulated cluster reaches has its regression pair in scenarios/
// (issue #9; these replaced the seed pins that moved whenever the simulator changed): a file that
// switches it on (cluster.bugs) and expects a failure, and a twin without it that expects no
// failure. The corpus test (corpus.test.ts) runs both and checks each expectation; this test makes
// sure no reachable switch is left without its pair, and that a switch the catalogue calls
// unreachable has none (so the catalogue stays honest).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_BUGS, unreachableReason } from '../../src/check/bug_catalog.ts';
import { loadScenario, type LoadedScenario } from '../../src/scenario/runner.ts';

const files: LoadedScenario[] = readdirSync('scenarios').filter((f) => /\.(ya?ml|json)$/.test(f) && f !== 'schema.json')
  .map((f) => loadScenario(join('scenarios', f)));

function pairOf(id: string): { on: LoadedScenario[]; off: LoadedScenario[] } {
  const tagged = files.filter((l) => l.scenario.tags.includes(id));
  return {
    on: tagged.filter((l) => l.scenario.cluster.bugs.includes(id) && l.scenario.expect.outcome === 'fail'),
    off: tagged.filter((l) => !l.scenario.cluster.bugs.includes(id) && l.scenario.expect.outcome !== 'fail'),
  };
}

describe('known-bug switches have scenario pairs', () => {
  for (const b of ALL_BUGS) {
    const why = unreachableReason(b.id);
    if (why !== undefined) {
      it(`${b.id}: unreachable in the cluster, so no pair claims to catch it`, () => {
        expect(pairOf(b.id).on.map((l) => l.file)).toEqual([]);
      });
      continue;
    }
    it(`${b.id}: a file failing with the switch on, and a twin without it`, () => {
      const p = pairOf(b.id);
      expect(p.on.length, `no scenario tagged ${b.id} with cluster.bugs [${b.id}] and expect: {fail: ...}`).toBeGreaterThan(0);
      expect(p.off.length, `no twin tagged ${b.id} without the switch`).toBeGreaterThan(0);
    });
  }
});
