// "Did you mean": the closest known name to a misspelt one, by edit distance (Levenshtein with
// adjacent transpositions). Small enough to own rather than depend on a package for it.

export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name nearest to `word` if it is plausibly a typo of it (case-insensitive), else null. */
export function closest(word: string, known: readonly string[]): string | null {
  const w = word.toLowerCase();
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(w, k.toLowerCase());
    if (d < bestD) { best = k; bestD = d; }
  }
  const limit = Math.max(1, Math.min(3, Math.ceil(w.length / 3)));
  return best !== null && bestD <= limit ? best : null;
}

/** "; did you mean "x"?" or "" */
export function didYouMean(word: string, known: readonly string[]): string {
  const c = closest(word, known);
  return c === null ? '' : `; did you mean "${c}"?`;
}
