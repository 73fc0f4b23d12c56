// The engine model checker reaches engine branches the simulated cluster never takes: run
// `checkEngine` (src/explore/engine_check.ts, its exported API) at depth 3 with one replica under
// a mark scope, and check it hits marks docs/coverage.md lists as unreachable in the cluster — the
// engine handles those cases; only the cluster's callers never provoke them.
import { describe, expect, it } from 'vitest';
import { checkEngine } from '../../src/explore/engine_check.ts';
import { markRecord, MARKS, withMarks, type MarkName } from '../../src/marks/index.ts';
import { listedUnreachable } from './coverage_doc.ts';

describe('engine model checker and marks', () => {
  it('reaches engine marks the cluster does not (pin failures, full-base choices, misuse rejections)', () => {
    const { result, counts } = withMarks(() => checkEngine({ depth: 3, replicas: 1, epochs: 2, lsns: 4, bugs: {} }));
    expect(result.violation).toBeNull();
    const hit = Object.keys(markRecord(counts)) as MarkName[];
    expect(hit.every((m) => MARKS[m].layer === 'engine')).toBe(true);
    const listed = listedUnreachable();
    const beyondCluster = hit.filter((m) => listed.has(m));
    for (const m of ['engine_plan_catchup_wal_pin_failed', 'engine_rebuild_full_base_pin_failed', 'engine_rebuild_source_full_base_committed_zero',
      'engine_sender_reject_cannot_begin_connect', 'engine_sender_reject_nil_history'] as const) {
      expect(beyondCluster).toContain(m);
    }
    // Every listed mark the checker reaches says so in its reason.
    for (const m of beyondCluster) expect(listed.get(m), m).toContain('model checker reaches it');
    // ...and every reason that claims the checker reaches it (at depth 3 unless it says otherwise) is true.
    const claimed = [...listed].filter(([, why]) => why.includes('model checker reaches it') && !why.includes('at depth 4')).map(([m]) => m);
    expect(claimed.filter((m) => !hit.includes(m as MarkName))).toEqual([]);
  }, 60_000);
});
