// The fuzz progress report on stderr: on a terminal a line redrawn in place (bar, seeds done,
// passed/failed, steps/s, ETA for --seeds or time left for --time); elsewhere (CI=true, a pipe, a
// log file) a plain line every few seconds, so a long CI job shows it is alive. Wall-clock
// reporting only.
import type { Io } from './io.ts';

export interface ProgressState {
  readonly done: number;
  /** Seeds in the run, or null when only a time budget bounds it. */
  readonly total: number | null;
  readonly summary: string;
  readonly steps: number;
  readonly elapsedMs: number;
  /** The time budget, when there is one. */
  readonly budgetMs: number | null;
}

const REDRAW_MS = 100;
const PLAIN_MS = 5000;

function secs(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressText(p: ProgressState): string {
  const rate = Math.round(p.steps / Math.max(0.001, p.elapsedMs / 1000));
  const of = p.total === null ? '' : `/${p.total}`;
  let left = '';
  if (p.budgetMs !== null) left = `, ${secs(p.budgetMs - p.elapsedMs)} left`;
  else if (p.total !== null && p.done > 0) left = `, ETA ${secs((p.elapsedMs / p.done) * (p.total - p.done))}`;
  return `${p.done}${of} seeds  ${p.summary}  ${rate} steps/s${left}`;
}

export class Progress {
  private last: number;
  private drawn = false;

  /** `startedAt`: the wall clock at the start (a plain line comes first after one interval). */
  constructor(private readonly io: Io, private readonly live: boolean, private readonly enabled: boolean, startedAt = 0) {
    this.last = live ? 0 : startedAt;
  }

  /** Report if it is time to (`now` is the wall clock in ms). */
  update(p: ProgressState, now: number): void {
    if (!this.enabled || now - this.last < (this.live ? REDRAW_MS : PLAIN_MS)) return;
    this.last = now;
    if (this.live) {
      const width = 30;
      const frac = p.total === null ? (p.budgetMs === null ? 0 : Math.min(1, p.elapsedMs / p.budgetMs)) : p.done / p.total;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
      this.io.err(`\r\x1b[K${bar} ${progressText(p)}`);
      this.drawn = true;
    } else {
      this.io.err(`progress: ${progressText(p)}\n`);
    }
  }

  /** Clear the live line before other output. */
  clear(): void {
    if (this.live && this.drawn) this.io.err('\r\x1b[K');
    this.drawn = false;
  }
}
