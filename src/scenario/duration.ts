// Durations in scenario files: "500ms", "2s", "1m30s", "1.5s", "0". Virtual time is whole
// milliseconds, so a duration must come to a whole number of ms. This file owns the grammar and
// its error messages (what is wrong, what was expected) so the schema and the docs agree.

/** The grammar, also published in scenarios/schema.json so editors flag bad durations. */
export const DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h))+)$';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/gy;

export const DURATION_EXPECTED = 'expected a non-negative duration with a unit, like 500ms, 2s, 1m30s';

/** Parse a duration into virtual ms, or return what is wrong with it. */
export function parseDuration(text: string): { ms: number } | { error: string } {
  const s = text.trim();
  if (s === '0') return { ms: 0 };
  if (s.startsWith('-')) return { error: `negative duration "${text}", ${DURATION_EXPECTED}` };
  if (/^[0-9]+(\.[0-9]+)?$/.test(s)) return { error: `duration "${text}" has no unit, ${DURATION_EXPECTED}` };
  if (s === '') return { error: `empty duration, ${DURATION_EXPECTED}` };
  PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = PART.exec(s); m !== null; m = PART.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = PART.lastIndex;
  }
  if (end !== s.length || end === 0) return { error: `cannot parse duration "${text}", ${DURATION_EXPECTED}` };
  const ms = Math.round(total * 1000) / 1000;
  if (!Number.isInteger(ms)) return { error: `duration "${text}" is not a whole number of milliseconds (virtual time is integer ms), ${DURATION_EXPECTED}` };
  return { ms };
}

/** Render ms as the shortest duration text that parses back to it ("1m30s", "250ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (rest >= size) { out += `${Math.floor(rest / size)}${unit}`; rest %= size; }
  }
  if (rest > 0) out += `${rest}ms`;
  return out;
}
