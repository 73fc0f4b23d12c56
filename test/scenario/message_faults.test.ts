// One-shot faults on stream frames (reset_next, delay_next on a connection's frames) and bug
// switches set from the timeline (set_bug) do what they say: each test compares a run with the
// action against the same run without it (or with a harmless variant), so an action that did
// nothing fails here. Load-time refusals: a datagram has no connection to reset (under the ideal
// control plane heartbeats are datagrams; under upstream they are stream frames), and the client's
// commands are datagrams in the simulator.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, runScenarioSeed } from '../../src/scenario/runner.ts';
import { cli } from '../cli/cli_helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'swsim-message-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function variant(corpusFile: string, name: string, edit: (text: string) => string): string {
  const text = readFileSync(join('scenarios', corpusFile), 'utf8').replace(/^name: .*$/m, `name: ${name}`);
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, edit(text));
  return p;
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('stream frame faults', () => {
  it('reset_next wal_entry: without it r1 never degrades and the waiting assert times out', () => {
    const v = runScenarioSeed(loadScenario(variant('stream-frame-faults.yaml', 'no-reset', (t) => t.replace(/^.*reset_next.*\n/m, ''))), 1);
    expect(v.ok).toBe(false);
    expect(v.result.failure?.id).toBe('SCENARIO');
    expect(v.result.failure?.message).toMatch(/replica: r1, shipper_state: degraded.*did not hold/);
  });

  it('delay_next barrier_resp: a delay inside the 5 s barrier deadline degrades nothing; 6 s does (the corpus file)', () => {
    const short = runScenarioSeed(loadScenario(variant('stream-frame-faults.yaml', 'short-delay', (t) => t.replace('by: 6s', 'by: 2s'))), 1);
    expect(short.ok).toBe(false);
    expect(short.result.failure?.message).toMatch(/replica: r2, shipper_state: degraded.*did not hold/);
    expect(runScenarioSeed(loadScenario('scenarios/stream-frame-faults.yaml'), 1).ok).toBe(true);
  });

  it('reset_next heartbeat under control: upstream breaks the heartbeat stream: the master defers, then cancels, a promotion', () => {
    const withReset = runScenarioSeed(loadScenario('scenarios/upstream-heartbeat-stream-reset.yaml'), 1);
    expect(withReset.ok, withReset.message).toBe(true);
    const without = runScenarioSeed(loadScenario(variant('upstream-heartbeat-stream-reset.yaml', 'no-hb-reset', (t) => t.replace(/^timeline:\n.*reset_next.*\n/m, 'timeline: []\n'))), 1);
    // (The cluster's start-up already defers and cancels once: servers register one by one.)
    for (const mark of ['master_deferred', 'master_timers_cancelled']) {
      expect(withReset.result.coverage[mark] ?? 0, mark).toBeGreaterThan(without.result.coverage[mark] ?? 0);
    }
  });
});

describe('set_bug', () => {
  it('a switch set from the timeline acts as one given on the command line (B29: idle shipper never reconnects, E3)', () => {
    const on = variant('b29-off-idle-reconnects.yaml', 'set-b29', (t) => t.replace('timeline:\n', 'timeline:\n  - {at: 1s, do: set_bug, bug: B29}\n').replace(/^expect: .*$/m, 'expect: {fail: E3}'));
    const v = runScenarioSeed(loadScenario(on), 1);
    expect(v.ok, v.message).toBe(true);
    // Switched off again before the partition: the shipper reconnects, no E3.
    const off = variant('b29-off-idle-reconnects.yaml', 'set-b29-off', (t) => t.replace('timeline:\n', 'timeline:\n  - {at: 1s, do: set_bug, bug: B29}\n  - {at: 2s, do: set_bug, bug: B29, on: false}\n'));
    const w = runScenarioSeed(loadScenario(off), 1);
    expect(w.result.status === 'fail' && w.result.failure?.id === 'E3', w.result.failure?.message).toBe(false);
  });
});

describe('load-time refusals', () => {
  const BASE = 'cluster:\n  servers: [p, r1]\n';
  it('reset_next heartbeat: a datagram under the ideal master, a stream frame under upstream', async () => {
    const ideal = await cli(['scenario', file('hb-ideal.yaml', `name: hb-ideal\n${BASE}  control: ideal\ntimeline:\n  - {at: 1s, do: reset_next, message: heartbeat}\n`)]);
    expect(ideal.code).toBe(2);
    expect(ideal.stderr).toMatch(/hb-ideal\.yaml:6:\d+: .*"heartbeat" is a datagram, it has no connection to reset/);
    const dropUp = await cli(['scenario', file('hb-up.yaml', `name: hb-up\n${BASE}  control: upstream\ntimeline:\n  - {at: 1s, do: drop_next, message: heartbeat}\n`)]);
    expect(dropUp.code).toBe(2);
    expect(dropUp.stderr).toMatch(/hb-up\.yaml:6:\d+: .*"heartbeat" travels on a TCP-like connection/);
  });

  it('reset_next on a client command is refused: the simulated client sends datagrams', async () => {
    const r = await cli(['scenario', file('client-reset.yaml', `name: client-reset\n${BASE}timeline:\n  - {at: 1s, do: reset_next, message: client_write}\n`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/client-reset\.yaml:5:\d+: .*reset_next on a client command/);
  });
});
