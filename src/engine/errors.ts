// Engine errors: every rejection the Go engine returns as a formatted `error` becomes an
// EngineError with a stable code (for traces, scripts and tests) and the spec's message text
// (for logs, where Go embeds the text verbatim, spec §0.4).

export class EngineError extends Error {
  /**
   * EngineErrors are values (returned, compared by code, logged), made on hot paths and almost
   * never thrown, so none captures a stack trace: `stack` is just the first line. Code that
   * throws one for a programming error calls Error.captureStackTrace(err) at the throw.
   */
  constructor(
    readonly code: string,
    message: string,
    /** The wrapped cause, as Go's `%w` (e.g. ErrTruncationUnsafe inside a TruncateWAL error). */
    readonly wrapped?: EngineError,
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'EngineError';
  }

  /** Go's errors.Is: this error or any error it wraps has the given code. */
  is(code: string): boolean {
    return this.code === code || (this.wrapped !== undefined && this.wrapped.is(code));
  }
}

/** Sentinel ErrTruncationUnsafe (engine): the replica cannot be cut back to the committed LSN safely. */
export const ERR_TRUNCATION_UNSAFE = 'truncation_unsafe';
export const errTruncationUnsafe = (): EngineError =>
  new EngineError(ERR_TRUNCATION_UNSAFE, 'truncation unsafe: replica has flushed entries beyond the truncation point');
