// The shape of a step's detail (Cluster.lastDetail): `WHAT | CHANGES`. WHAT is what the step's
// event carried and did — `; `-separated parts, a delivery starting `from→to +Nms message…` — and
// CHANGES is what it changed in the replication state, space-separated `key=value` pairs
// (src/sim/view_state.ts; `-` when a key went away). Either part may be absent.
export const CHANGES_SEP = ' | ';

export interface StepDetail {
  readonly what: string;
  readonly changes: readonly (readonly [string, string])[];
}

export function splitDetail(detail: string | undefined): StepDetail {
  if (detail === undefined) return { what: '', changes: [] };
  const i = detail.indexOf(CHANGES_SEP);
  if (i < 0) return { what: detail, changes: [] };
  const changes = detail.slice(i + CHANGES_SEP.length).split(' ').filter((p) => p.includes('=')).map((p) => {
    const j = p.indexOf('=');
    return [p.slice(0, j), p.slice(j + 1)] as const;
  });
  return { what: detail.slice(0, i), changes };
}

/** A delivery's sender, receiver and network delay, when WHAT starts with one. */
export function messageOf(what: string): { from: string; to: string; delayMs: number } | null {
  const m = /^(\S+)→(\S+) \+(\d+)ms/.exec(what);
  return m === null ? null : { from: m[1]!, to: m[2]!, delayMs: Number(m[3]) };
}
