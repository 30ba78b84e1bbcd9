/**
 * Splits a space-separated log line whose fields may be "double quoted" (with `\"` escapes inside)
 * or [bracketed] — the S3 access, ALB and Classic ELB layouts. Hand-written with indexOf: no regex,
 * no per-character callbacks. Quotes and brackets are removed; the text between them is kept as
 * logged (escapes are not decoded).
 *
 * A quoted field ends at the first unescaped `"` that is followed by a space or the end of the line,
 * so a stray quote inside a value does not end it early. An unterminated quote or bracket takes the
 * rest of the line and is reported through `unterminated`.
 */
export class QuotedTokenizer {
  /** Tokens of the last line; only the first `count` entries are meaningful. */
  readonly tokens: string[] = [];
  count = 0;
  /** True when the last line had a quote or bracket that never closed. */
  unterminated = false;
  /**
   * True when some token of the last line contains a `"` (a quote that is not one of the quotes
   * around a quoted field). When false, no token needs a `"` escaped in JSON, which saves the row
   * writer a search per value (see `jsonSafetyOfTokens`).
   */
  quoteInToken = false;

  split(line: string): number {
    const tokens = this.tokens;
    const length = line.length;
    let count = 0;
    let pos = 0;
    let quoteInToken = false;
    // The first `"` at or after `quoteFrom` (-1: none), searched only when a bare token needs it.
    let nextQuote = -1;
    let quoteFrom = length + 1;
    this.unterminated = false;
    // A separator at the very end does not open another (empty) field: some ALB lines end with a space.
    while (pos < length) {
      const c = line.charCodeAt(pos);
      let token: string;
      if (c === 34 /* " */) {
        let close = line.indexOf('"', pos + 1);
        for (;;) {
          if (close < 0) break;
          if (!isEscaped(line, close) && (close + 1 === length || line.charCodeAt(close + 1) === 32)) break;
          quoteInToken = true;
          close = line.indexOf('"', close + 1);
        }
        if (close < 0) {
          this.unterminated = true;
          token = line.slice(pos + 1);
          pos = length + 1;
        } else {
          token = line.slice(pos + 1, close);
          pos = close + 2;
        }
      } else if (c === 91 /* [ */) {
        let close = line.indexOf(']', pos + 1);
        while (close >= 0 && close + 1 < length && line.charCodeAt(close + 1) !== 32) close = line.indexOf(']', close + 1);
        const start = pos + 1;
        if (close < 0) {
          this.unterminated = true;
          close = length;
          token = line.slice(start);
          pos = length + 1;
        } else {
          token = line.slice(start, close);
          pos = close + 2;
        }
        if (!quoteInToken) {
          if (quoteFrom > start || (nextQuote >= 0 && nextQuote < start)) nextQuote = line.indexOf('"', (quoteFrom = start));
          if (nextQuote >= 0 && nextQuote < close) quoteInToken = true;
        }
      } else {
        let end = line.indexOf(' ', pos);
        if (end < 0) end = length;
        token = line.slice(pos, end);
        if (!quoteInToken) {
          if (quoteFrom > pos || (nextQuote >= 0 && nextQuote < pos)) nextQuote = line.indexOf('"', (quoteFrom = pos));
          if (nextQuote >= 0 && nextQuote < end) quoteInToken = true;
        }
        pos = end + 1;
      }
      tokens[count++] = token;
    }
    this.count = count;
    this.quoteInToken = quoteInToken;
    return count;
  }
}

/** True when the character at `index` is preceded by an odd number of backslashes. */
function isEscaped(line: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && line.charCodeAt(i) === 92; i--) backslashes++;
  return (backslashes & 1) === 1;
}
