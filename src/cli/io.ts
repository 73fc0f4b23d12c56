// Where a command's output goes: the process's streams for a user, captured strings for the
// in-process CLI tests. Commands write through this and never to `process.stdout` directly, so the
// tests exercise the same code a user runs without paying a process start per case.
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** Is stderr a terminal (progress lines redraw in place only there)? */
  readonly stderrIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Call `stop` on Ctrl-C (SIGINT) or SIGTERM until the returned function is called. */
  onInterrupt(stop: () => void): () => void;
}

export const processIo: Io = {
  out: (s) => { process.stdout.write(s); },
  err: (s) => { process.stderr.write(s); },
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
  onInterrupt: (stop) => {
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
  },
};

/** An Io that keeps everything written, for tests and for callers that want the text. */
export class CapturedIo implements Io {
  stdout = '';
  stderr = '';
  readonly stderrIsTTY = false;
  private readonly stops = new Set<() => void>();
  constructor(readonly env: Readonly<Record<string, string | undefined>> = {}) {}
  out(s: string): void { this.stdout += s; }
  err(s: string): void { this.stderr += s; }
  onInterrupt(stop: () => void): () => void {
    this.stops.add(stop);
    return () => { this.stops.delete(stop); };
  }
  /** What Ctrl-C does to a command running on this Io. */
  interrupt(): void {
    for (const stop of [...this.stops]) stop();
  }
}
