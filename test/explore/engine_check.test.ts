// The engine model checker (src/explore/engine_check.ts, `swsim check engine`): no violation on
// the default engine at a small depth; for each known-bug switch a shortest counterexample — found
// at depth D, none at depth D-1 — that is a valid engine script and that `swsim engine --check`
// replays to the same invariant; bad flags exit 2.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineBugId } from '../../src/engine/context.ts';
import { runEngineScript } from '../../src/engine/script.ts';
import { checkEngine } from '../../src/explore/engine_check.ts';
import type { AlphabetBounds } from '../../src/explore/engine_alphabet.ts';
import { FingerprintSet } from '../../src/explore/fingerprint_set.ts';
import { StateHasher } from '../../src/explore/engine_state_hash.ts';
import { footprint, independent } from '../../src/explore/engine_independence.ts';
import { cli } from '../cli/cli_helpers.ts';
import { DEEP } from '../engine/core_helpers.ts';

const DEFAULT: AlphabetBounds = { replicas: 2, epochs: 3, lsns: 6 };
const SMALL: AlphabetBounds = { replicas: 1, epochs: 1, lsns: 3 };

describe('engine model checker on the default engine', () => {
  it('finds no violation up to depth 3', () => {
    const r = checkEngine({ ...DEFAULT, depth: 3, bugs: {} });
    expect(r.violation).toBeNull();
    expect(r.depthReached).toBe(3);
    expect(r.levels.map((l) => l.depth)).toEqual([1, 2, 3]);
    expect(r.states).toBeGreaterThan(1000);
    expect(r.transitions).toBeGreaterThan(r.states);
  });

  it('is deterministic: same bounds, same counts', () => {
    const a = checkEngine({ ...DEFAULT, depth: 2, bugs: {} });
    const b = checkEngine({ ...DEFAULT, depth: 2, bugs: {} });
    expect(b).toEqual(a);
  });
});

/** [switch, bounds, shortest depth, invariant]. */
const SWITCHES: [EngineBugId, AlphabetBounds, number, string][] = [
  ['B4', DEFAULT, 2, 'EXC'],
  ['B5', DEFAULT, 2, 'I26'],
  ['B7', DEFAULT, 2, 'I24'],
  ['B8', DEFAULT, 2, 'I24'],
  ['B9', DEFAULT, 3, 'I25'],
  ['B12b', DEFAULT, 2, 'I18'],
  ['B12d', DEFAULT, 2, 'I19'],
  ['B13', DEFAULT, 2, 'I8'],
  ['B27', DEFAULT, 4, 'I21'],
  // deeper switches, on the small alphabet (one replica, one epoch, LSNs 0..3)
  ['B12a', SMALL, 6, 'I11'],
  ['B12c', SMALL, 6, 'I15'],
  // B11 needs ~250k states (over a minute): only with SWSIM_DEEP=1
  ...(DEEP ? [['B11', SMALL, 7, 'I22'] as [EngineBugId, AlphabetBounds, number, string]] : []),
];

describe('every engine switch has a shortest counterexample', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swsim-check-'));
  for (const [bug, bounds, depth, inv] of SWITCHES) {
    it(`${bug}: ${inv} at depth ${depth}, none at depth ${depth - 1}; the script replays to it`, { timeout: 600_000 }, async () => {
      const r = checkEngine({ ...bounds, depth, bugs: { [bug]: true } });
      expect(r.violation?.invariant).toBe(inv);
      expect(r.violation?.depth).toBe(depth);
      const shorter = checkEngine({ ...bounds, depth: depth - 1, bugs: { [bug]: true } });
      expect(shorter.violation).toBeNull();
      const script = r.violation!.script;
      // a valid engine script: every call runs (B4's last call throws, so it is checked by --check only)
      const calls = script.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
      expect(calls).toBe(depth + 2); // engine.bugs + the storage prelude + depth calls
      if (inv !== 'EXC') {
        const plain = runEngineScript(script);
        expect(plain.inputError).toBeNull();
        expect(plain.lines).toHaveLength(calls);
      }
      const file = join(dir, `${bug}.jsonl`);
      writeFileSync(file, script);
      const replay = await cli(['engine', '--check', file]);
      expect(replay.code, replay.stderr).toBe(1);
      const last = replay.stdout.trim().split('\n').at(-1)!;
      expect(JSON.parse(last).violation[0].invariant).toBe(inv);
      expect(JSON.parse(last).line).toBe(script.split('\n').length - 1); // the last line of the file
    });
  }
});

describe('partial-order reduction (sleep sets)', () => {
  it('visits the same states with fewer transitions', () => {
    const full = checkEngine({ ...DEFAULT, depth: 3, bugs: {}, por: false });
    const reduced = checkEngine({ ...DEFAULT, depth: 3, bugs: {} });
    expect(full.pruned).toBe(0);
    expect(reduced.states).toBe(full.states);
    expect(reduced.levels.map((l) => l.states)).toEqual(full.levels.map((l) => l.states));
    expect(reduced.pruned).toBeGreaterThan(0);
    expect(reduced.transitions).toBeLessThan(full.transitions);
  });

  // the reduced search (the default) finds each switch at the depth and with the invariant the full search finds
  for (const [bug, bounds, depth] of SWITCHES.filter(([, b, d]) => b === DEFAULT || d <= 6)) {
    it(`${bug}: the full search finds the same shortest violation`, { timeout: 600_000 }, () => {
      const full = checkEngine({ ...bounds, depth, bugs: { [bug]: true }, por: false });
      const reduced = checkEngine({ ...bounds, depth, bugs: { [bug]: true } });
      expect(full.violation?.depth).toBe(depth);
      expect(reduced.violation?.depth).toBe(full.violation?.depth);
      expect(reduced.violation?.invariant).toBe(full.violation?.invariant);
    });
  }

  it('independence: storage calls commute with registry calls that do not read the fields they write', () => {
    const write = footprint('storage.state', { walHeadLSN: 5 });
    const commit = footprint('storage.state', { committedLSN: 5 });
    const retention = footprint('storage.state', { walTailLSN: 2 });
    const walPin = footprint('storage.refusals', { walPin: true });
    const assign = footprint('orchestrator.processAssignment', { replicas: [], epoch: 1 });
    const handshake = footprint('sender.recordHandshake', { replicaID: 'r1', sessionID: 'current', startLSN: 0, targetLSN: 4 });
    const recover = footprint('orchestrator.executeRecovery', { replicaID: 'r1', replicaFlushedLSN: 0 });
    const recoverNil = footprint('orchestrator.executeRecovery', { replicaID: 'r1', replicaFlushedLSN: 0, history: null });
    const plan = footprint('driver.planRecovery', { replicaID: 'r1', replicaFlushedLSN: 0 });
    expect(independent(write, assign)).toBe(true);
    expect(independent(write, retention)).toBe(true);
    expect(independent(write, commit)).toBe(false); // commit's text is the head
    expect(independent(write, handshake)).toBe(true);
    expect(independent(commit, handshake)).toBe(false); // the handshake's target is the committed LSN
    expect(independent(walPin, recover)).toBe(true);
    expect(independent(write, recover)).toBe(false);
    expect(independent(write, recoverNil)).toBe(true);
    expect(independent(assign, handshake)).toBe(false);
    expect(independent(walPin, plan)).toBe(false);
    expect(independent(write, plan)).toBe(false);
  });
});

describe('swsim engine --check', () => {
  for (const name of ['catchup_epoch_bump', 'rebuild_snapshot_tail', 'rebuild_committed_zero', 'replica_ahead_truncation']) {
    it(`${name}: the same lines as without --check, no violation, exit 0`, async () => {
      const file = join(import.meta.dirname, '..', 'engine', 'scripts', `${name}.jsonl`);
      const plain = await cli(['engine', file]);
      const checked = await cli(['engine', '--check', file]);
      expect(checked.code, checked.stdout + checked.stderr).toBe(0);
      expect(checked.stdout).toBe(plain.stdout);
    });
  }

  it('bug_b5: the violation line follows the violating call, exit 1', async () => {
    const r = await cli(['engine', '--check', join(import.meta.dirname, '..', 'engine', 'scripts', 'bug_b5.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\{"line":\d+,"violation":\[\{"invariant":"I26"/);
  });
});

describe('swsim check engine', () => {
  it('reports no violation and exits 0', async () => {
    const r = await cli(['check', 'engine', '--depth', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/distinct states, \d+ transitions, depth reached 2, \d+ states\/s/);
    expect(r.stdout).toMatch(/no violation up to depth 2\n$/);
  });

  it('--no-por: the same states, nothing pruned', async () => {
    const on = JSON.parse((await cli(['check', 'engine', '--depth', '2', '--json'])).stdout);
    const off = await cli(['check', 'engine', '--depth', '2', '--json', '--no-por']);
    expect(off.code, off.stderr).toBe(0);
    const j = JSON.parse(off.stdout);
    expect(j.pruned).toBe(0);
    expect(on.pruned).toBeGreaterThan(0);
    expect(j.states).toBe(on.states);
    expect(j.transitions).toBe(on.transitions + on.pruned);
  });

  it('prints the counterexample and exits 1; --json has the script', async () => {
    const r = await cli(['check', 'engine', '--depth', '3', '--bug', 'B5', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.violation.invariant).toBe('I26');
    expect(j.violation.depth).toBe(2);
    expect(j.violation.script).toContain('"op":"engine.bugs"');
  });

  for (const argv of [['check'], ['check', 'cluster'], ['check', 'engine', '--depth', '0'], ['check', 'engine', '--depth', 'x'], ['check', 'engine', '--replicas', '9'],
    ['check', 'engine', '--bug', 'B29'], ['check', 'engine', '--nope'], ['check', 'engine', '--lsns', '1']]) {
    it(`exits 2 on bad usage: ${argv.join(' ')}`, async () => {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^swsim check: /);
    });
  }
});

describe('StateHasher', () => {
  const hash = (v: unknown): string => {
    const h = new StateHasher().reset();
    h.value(v);
    h.finish();
    return `${h.hi}:${h.lo}`;
  };
  it('is deterministic and tells apart values JSON tells apart', () => {
    const values: unknown[] = [null, 0, 1, -1, 2 ** 40, 0.5, '', '0', 'a', 'b', true, false, [], {}, [0], [[]], [null], { a: 0 }, { b: 0 }, { a: 1 },
      { a: 0, b: 1 }, { b: 1, a: 0 }, [1, 2], [2, 1], { a: [1] }, { a: { b: 1 } }, ['ab', 'c'], ['a', 'bc']];
    const seen = new Set(values.map(hash));
    expect(seen.size).toBe(values.length);
    expect(hash({ a: [1, 'x', null] })).toBe(hash({ a: [1, 'x', null] }));
    expect(hash({ a: 1, u: undefined })).toBe(hash({ a: 1 }));
  });
});

describe('FingerprintSet', () => {
  it('adds, dedups and grows', () => {
    const s = new FingerprintSet(16);
    for (let i = 1; i <= 5000; i++) expect(s.add(i * 7919, i)).toBe(true);
    for (let i = 1; i <= 5000; i++) expect(s.add(i * 7919, i)).toBe(false);
    expect(s.size).toBe(5000);
    expect(s.addHex('0000000000000000')).toBe(true);
    expect(s.hasHex('0000000000000000')).toBe(true);
    expect(s.addHex('00000000000000ff')).toBe(true);
    expect(s.addHex('00000000000000ff')).toBe(false);
  });
});
