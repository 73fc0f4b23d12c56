// The engine model checker's per-state memory: the per-level path links (level_links.ts), the
// compact fingerprint table's load (fingerprint_set.ts), the packed sleep sets (sleep_sets.ts), and
// the ≤ 16 bytes per visited state the default bound must stay within.
import { describe, expect, it } from 'vitest';
import { checkEngine } from '../../src/explore/engine_check.ts';
import { FingerprintSet } from '../../src/explore/fingerprint_set.ts';
import { LevelLinks } from '../../src/explore/level_links.ts';
import { SleepSets } from '../../src/explore/sleep_sets.ts';

describe('LevelLinks', () => {
  it('rebuilds every path of a breadth-first tree', () => {
    const links = new LevelLinks();
    const parentOf = [-1];
    const actionOf = [-1];
    let start = 0;
    let end = 1;
    for (let level = 1; level <= 4; level++) {
      links.openLevel();
      for (let s = start; s < end; s++) {
        links.beginChildren(s);
        const children = s % 5 === 2 ? 0 : 2 + ((s * 7 + level) % 3); // some states childless
        for (let c = 0; c < children; c++) {
          const id = links.add((s * 31 + c) % 65536);
          parentOf[id] = s;
          actionOf[id] = (s * 31 + c) % 65536;
        }
      }
      links.closeLevel();
      start = end;
      end = links.size;
    }
    expect(links.size).toBe(parentOf.length);
    expect(links.size).toBeGreaterThan(20);
    for (let s = 0; s < links.size; s++) {
      const states: number[] = [];
      const actions: number[] = [];
      for (let i = s; i > 0; i = parentOf[i]!) {
        states.push(i);
        actions.push(actionOf[i]!);
      }
      states.push(0);
      expect(links.path(s)).toEqual({ states: states.reverse(), actions: actions.reverse() });
    }
  });
});

describe('FingerprintSet load', () => {
  it('stays between 84.5 % and 93 % full once grown: at most 9.5 bytes a fingerprint', () => {
    const s = new FingerprintSet(16);
    for (let i = 1; i <= 100_000; i++) {
      s.add(Math.imul(i, 0x9e3779b1) >>> 0, i);
      if (i > 1000) expect(s.bytes / s.size).toBeLessThanOrEqual(8 / 0.845);
    }
    expect(s.size).toBe(100_000);
  });
});

describe('memory per visited state', () => {
  it('the default bound (depth 4) holds at most 16 bytes a state: fingerprint table + path links + sleep sets', { timeout: 600_000 }, () => {
    const r = checkEngine({ replicas: 2, epochs: 3, lsns: 6, depth: 4, bugs: {} });
    expect(r.states).toBe(30_846);
    expect(r.bytesPerState).toBe((r.tableBytes + r.linkBytes + r.sleepBytes) / r.states);
    expect(r.sleepBytes).toBeGreaterThan(0);
    expect(r.bytesPerState).toBeLessThanOrEqual(16);
  });
});

describe('SleepSets', () => {
  it('keeps each state\'s first set, intersects it on later edges, and hands the sets out in state order', () => {
    const sets = new SleepSets();
    for (let s = 10; s < 400; s += 3) sets.add(s, s * 7, s, [1, 2, 3, s % 5, 100 + s]);
    sets.meet(13, 91, [3, 113, 99]); // state 13: {1, 2, 3, 3, 113} ∩ {3, 113, 99}
    sets.meet(16, 112, []); // state 16: emptied
    sets.meet(5, 5, [1]); // not indexed: ignored
    sets.seal();
    expect([...sets.of(10)]).toEqual([1, 2, 3, 0, 110]);
    expect([...sets.of(11)]).toEqual([]); // no entry
    expect([...sets.of(13)]).toEqual([3, 3, 113]);
    expect([...sets.of(16)]).toEqual([]);
    expect([...sets.of(397)]).toEqual([1, 2, 3, 2, 497]);
    expect(sets.size).toBe(130);
  });
});
