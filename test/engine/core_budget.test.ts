// CatchUpBudget check (spec §5) and unsigned tick wrap-around (§0.3, hazard H15).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { checkBudget } from '../../src/engine/budget.ts';
import { sub64, TWO_POW_64 } from '../../src/engine/u64.ts';
import type { BudgetCheck, CatchUpBudget } from '../../src/engine/types.ts';
import { RUNS } from './core_helpers.ts';

const B = (d: number, e: number, p: number): CatchUpBudget => ({ maxDurationTicks: d, maxEntries: e, progressDeadlineTicks: p });
const T = (start: number, entries: number, last: number): BudgetCheck => ({ startTick: start, entriesReplayed: entries, lastProgressTick: last });

describe('checkBudget (§5)', () => {
  it('spec example: duration limit 10, start 0, check at 15 -> duration_exceeded; at 10 -> OK (strict)', () => {
    expect(checkBudget(B(10, 0, 0), T(0, 0, 0), 15)).toBe('duration_exceeded');
    expect(checkBudget(B(10, 0, 0), T(0, 0, 0), 10)).toBe('');
  });
  it('spec example: stall limit 5, progress at 12: check at 18 -> stalled, at 17 -> OK', () => {
    expect(checkBudget(B(0, 0, 5), T(10, 0, 12), 18)).toBe('progress_stalled');
    expect(checkBudget(B(0, 0, 5), T(10, 0, 12), 17)).toBe('');
  });
  it('entries: strictly greater; 30 entries vs 50 OK, vs 20 violated, vs 30 OK', () => {
    expect(checkBudget(B(0, 50, 0), T(0, 30, 0), 0)).toBe('');
    expect(checkBudget(B(0, 20, 0), T(0, 30, 0), 0)).toBe('entries_exceeded');
    expect(checkBudget(B(0, 30, 0), T(0, 30, 0), 0)).toBe('');
  });
  it('zero fields mean no limit', () => {
    expect(checkBudget(B(0, 0, 0), T(0, 1e12, 1), 1e15)).toBe('');
  });
  it('stall never fires while LastProgressTick is 0', () => {
    expect(checkBudget(B(0, 0, 1), T(0, 0, 0), 1e9)).toBe('');
  });
  it('fixed order: duration before entries before stall', () => {
    expect(checkBudget(B(1, 1, 1), T(1, 5, 1), 10)).toBe('duration_exceeded');
    expect(checkBudget(B(100, 1, 1), T(1, 5, 1), 10)).toBe('entries_exceeded');
    expect(checkBudget(B(100, 10, 1), T(1, 5, 1), 10)).toBe('progress_stalled');
  });
  it('H15: a current tick below the start tick wraps and reports duration_exceeded', () => {
    expect(checkBudget(B(1000, 0, 0), T(50, 0, 0), 49)).toBe('duration_exceeded');
  });
  it('H15: a current tick below the last progress tick wraps and reports progress_stalled', () => {
    expect(checkBudget(B(0, 0, 1000), T(0, 0, 50), 10)).toBe('progress_stalled');
  });
});

describe('u64 arithmetic properties', () => {
  const u = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
  it('sub64(a, b) == a - b when a >= b; >= 2^64 - 2^53 otherwise', () => {
    fc.assert(
      fc.property(u, u, (a, b) => {
        const d = sub64(a, b);
        if (a >= b) expect(d).toBe(a - b);
        else {
          expect(d).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
          expect(d).toBeLessThanOrEqual(TWO_POW_64);
        }
      }),
      { numRuns: RUNS },
    );
  });
  it('duration rule agrees with a BigInt model of Go uint64 subtraction', () => {
    const small = fc.integer({ min: 0, max: 10_000 });
    fc.assert(
      fc.property(small, small, small, (limit, start, now) => {
        const wrapped = (BigInt(now) - BigInt(start) + (1n << 64n)) % (1n << 64n);
        const goViolates = limit > 0 && wrapped > BigInt(limit);
        expect(checkBudget(B(limit, 0, 0), T(start, 0, 0), now) === 'duration_exceeded').toBe(goViolates);
      }),
      { numRuns: RUNS },
    );
  });
  it('stall rule agrees with a BigInt model (and never fires with LastProgressTick 0)', () => {
    const small = fc.integer({ min: 0, max: 10_000 });
    fc.assert(
      fc.property(small, small, small, (limit, last, now) => {
        const wrapped = (BigInt(now) - BigInt(last) + (1n << 64n)) % (1n << 64n);
        const goViolates = limit > 0 && last > 0 && wrapped > BigInt(limit);
        expect(checkBudget(B(0, 0, limit), T(0, 0, last), now) === 'progress_stalled').toBe(goViolates);
      }),
      { numRuns: RUNS },
    );
  });
});
