// The volume's health score, reported in every full block heartbeat (HealthScore, ScrubErrors,
// LastScrubTime). Ports weed/storage/blockvol/health_score.go @c7eb87c58 (HealthScore,
// RecordScrubError, RecordScrubComplete, Score, Stats). Computed on the volume side from scrub
// results only ("WAL lag is NOT part of engine health"). Timestamps are unix seconds in Go; here
// they are floor(now / 1000) of the virtual clock, so 0 still means "never" — a scrub recorded
// during the first virtual second reads as never (as it would at the Unix epoch upstream).
// Left out: the scrubber itself (scrub.go): nothing in swsim scrubs, so the score stays 1.0
// unless a test records scrub results.

export interface HealthScoreState {
  readonly scrubErrors: number;
  /** unix seconds, 0 = never */
  readonly lastScrubError: number;
  /** unix seconds, 0 = never */
  readonly lastScrubTime: number;
}

export interface HealthStats extends HealthScoreState {
  readonly score: number;
}

export const NEW_HEALTH_SCORE: HealthScoreState = { scrubErrors: 0, lastScrubError: 0, lastScrubTime: 0 };

const STALE_SCRUB_SECONDS = 48 * 3600;

function unixSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

export function recordScrubError(h: HealthScoreState, nowMs: number): HealthScoreState {
  return { ...h, scrubErrors: h.scrubErrors + 1, lastScrubError: unixSeconds(nowMs) };
}

export function recordScrubComplete(h: HealthScoreState, nowMs: number): HealthScoreState {
  return { ...h, lastScrubTime: unixSeconds(nowMs) };
}

/**
 * Go Score: 1.0 minus min(0.5, errors × 0.1), minus 0.1 if the last scrub is more than 48 h old
 * (time.Since(time.Unix(last, 0)) > 48h, measured at now in ms), floored at 0.
 */
export function healthScore(h: HealthScoreState, nowMs: number): number {
  let score = 1.0;
  if (h.scrubErrors > 0) score -= Math.min(0.5, h.scrubErrors * 0.1);
  if (h.lastScrubTime > 0 && nowMs - h.lastScrubTime * 1000 > STALE_SCRUB_SECONDS * 1000) score -= 0.1;
  return score < 0 ? 0 : score;
}

export function healthStats(h: HealthScoreState, nowMs: number): HealthStats {
  return { ...h, score: healthScore(h, nowMs) };
}
