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

/** Go's unicode.IsPrint: categories L, M, N, P, S and the ASCII space. */
const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Go's `%q` of a string (strconv.Quote): double quotes; `"` and `\` backslash-escaped; printable
 * runes kept; \a \b \f \n \r \t \v; other runes below U+0020 and U+007F as \xhh; other
 * non-printable runes as \uhhhh or \Uhhhhhhhh (lower-case hex). A lone UTF-16 surrogate (no Go
 * string holds one) is taken as U+FFFD, which is what its UTF-8 encoding becomes.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    let cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    const c = String.fromCodePoint(cp);
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (GO_PRINTABLE.test(c)) out += c;
    else if (cp === 0x07) out += '\\a';
    else if (cp === 0x08) out += '\\b';
    else if (cp === 0x0c) out += '\\f';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (cp === 0x0b) out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}
