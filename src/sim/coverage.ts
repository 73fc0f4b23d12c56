// Coverage marks (after TigerBeetle's marks.zig): named counters bumped where an interesting
// interleaving or fault actually happened, so a user sees the exploration is real and a test
// can assert that a specific path was hit.

export class Coverage {
  private readonly counts = new Map<string, number>();

  add(mark: string, n = 1): void {
    this.counts.set(mark, (this.counts.get(mark) ?? 0) + n);
  }

  get(mark: string): number {
    return this.counts.get(mark) ?? 0;
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.counts.keys()].sort()) out[k] = this.counts.get(k)!;
    return out;
  }
}
