import { describe, expect, it } from 'vitest';
import { healthScore, healthStats, NEW_HEALTH_SCORE, recordScrubComplete, recordScrubError } from '../../../src/control/volume/health_score.ts';

const H = 3_600_000;

describe('health_score.go', () => {
  it('TestHealthScore_DefaultPerfect', () => {
    expect(healthScore(NEW_HEALTH_SCORE, 0)).toBe(1.0);
  });
  it('TestHealthScore_ScrubErrorsLowerScore: 0.1 per error', () => {
    let h = NEW_HEALTH_SCORE;
    for (let i = 0; i < 3; i++) h = recordScrubError(h, 5_000);
    expect(healthScore(h, 5_000)).toBeCloseTo(0.7, 10);
    expect(h.lastScrubError).toBe(5);
  });
  it('TestHealthScore_CappedPenalty: at most 0.5', () => {
    let h = NEW_HEALTH_SCORE;
    for (let i = 0; i < 20; i++) h = recordScrubError(h, 0);
    expect(healthScore(h, 0)).toBe(0.5);
  });
  it('TestHealthScore_StaleScrubPenalty: last scrub more than 48 h ago costs 0.1', () => {
    const h = recordScrubComplete(NEW_HEALTH_SCORE, 10_000);
    expect(healthScore(h, 10_000 + 48 * H)).toBe(1.0);
    expect(healthScore(h, 10_000 + 48 * H + 1)).toBeCloseTo(0.9, 10);
  });
  it('TestHealthScore_RecordScrubComplete + Stats', () => {
    const h = recordScrubComplete(recordScrubError(NEW_HEALTH_SCORE, 2_000), 3_500);
    expect(healthStats(h, 4_000)).toEqual({ score: 0.9, scrubErrors: 1, lastScrubError: 2, lastScrubTime: 3 });
  });
  it('a scrub in the first virtual second stores 0 = never (no stale penalty ever)', () => {
    const h = recordScrubComplete(NEW_HEALTH_SCORE, 999);
    expect(h.lastScrubTime).toBe(0);
    expect(healthScore(h, 1000 * H)).toBe(1.0);
  });
});
