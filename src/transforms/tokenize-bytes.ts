/**
 * The byte-level twin of `QuotedTokenizer` (see `tokenize.ts`): splits one log line held as UTF-8
 * (or any ASCII-compatible) bytes into space-separated fields that may be "double quoted" (with `\"`
 * escapes inside) or [bracketed], recording each field as a [start, end) range into the source
 * bytes instead of creating strings. On the same line read as Latin-1 it gives exactly the tokens,
 * `unterminated` and `quoteInToken` of `QuotedTokenizer.split`.
 *
 * One forward pass. Bare and quoted fields are read 4 bytes at a time (a DataView int32, two per
 * round), with one test per word for a byte that can end the field or is unsafe (`"`, `\`, a control
 * or non-ASCII byte; a bare field also stops at a space). The scan jumps to the first such byte,
 * which ends the field or has its class ORed into one accumulator, so that whether the line's tokens
 * can be copied into JSON verbatim (`plain`) costs no extra pass. Bracketed fields and the last 3
 * bytes of a line go byte by byte.
 * No allocation, string or regex per line: the range arrays are reused and only grow (by doubling).
 * No byte outside src[start, end) is read (words only when wholly inside), so lines can be split in
 * place inside a larger buffer.
 */

/** Accumulator bit: some token byte needs JSON escaping or is not ASCII (< 0x20, `\`, >= 0x80). */
const UNSAFE = 1;
/** Accumulator bit: some token byte is a `"`. */
const QUOTE = 2;

/** Class of each byte value inside a token: 0, UNSAFE or QUOTE. */
const BYTE_CLASS = (() => {
  const table = new Uint8Array(256);
  for (let b = 0; b < 0x20; b++) table[b] = UNSAFE;
  for (let b = 0x80; b < 0x100; b++) table[b] = UNSAFE;
  table[0x5c] = UNSAFE;
  table[0x22] = QUOTE;
  return table;
})();

const SPACE = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const INITIAL_CAPACITY = 64;

/*
 * Word-at-a-time tests on 4 bytes read as a little-endian int32 w, with H the high bit of each byte:
 * `((w - n * ONES) | w) & H` flags the bytes below n (n <= 0x80) and those of 0x80 and above, and
 * `((y - ONES) & ~y) & H` with `y = w ^ c * ONES` the bytes equal to c. A borrow can also flag a
 * byte above a flagged one, never one below: the word has such a byte exactly when the OR of the
 * tests is non-zero, and its lowest flagged byte (the first in the line) is one.
 */
const ONES = 0x01010101;
const HIGH_BITS = 0x80808080 | 0;
const SPACES = 0x20202020;
/** Bytes below `#`: the control bytes, space, `!` (a harmless extra) and `"`. */
const BELOW_BANG_QUOTE = 0x23232323;
const BACKSLASHES = 0x5c5c5c5c;
const DQUOTES = 0x22222222;

export class QuotedByteTokenizer {
  /** Token i is src[starts[i], ends[i]) (quotes/brackets excluded), for i < count. Grown as needed. */
  starts: Int32Array = new Int32Array(INITIAL_CAPACITY);
  ends: Int32Array = new Int32Array(INITIAL_CAPACITY);
  count = 0;
  /** Same meaning as QuotedTokenizer.unterminated. */
  unterminated = false;
  /** Same meaning as QuotedTokenizer.quoteInToken: some token contains a `"` byte. */
  quoteInToken = false;
  /**
   * True when no byte of the line's tokens needs JSON escaping or non-ASCII handling: no byte < 0x20,
   * no `\` (0x5c), no byte >= 0x80, and quoteInToken is false. (Bytes that are only separators/quotes/brackets don't count.)
   * A caller copies tokens between JSON quotes verbatim only when this is true.
   */
  plain = true;
  /** `src.buffer` of the last line, and a view to read its words. */
  private wordsBuffer: ArrayBufferLike | undefined;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /** Splits src[start, end) (one line, no trailing newline); returns count. */
  split(src: Uint8Array, start: number, end: number): number {
    if (end > src.length) end = src.length;
    if (start < 0) start = 0;
    const table = BYTE_CLASS;
    // The bare and quoted scans test 4 (or 8) bytes at a time, jump to the first byte that can end
    // the field or is unsafe and look at it alone, and go byte by byte over the line's last 3 bytes.
    if (src.buffer !== this.wordsBuffer) {
      this.wordsBuffer = src.buffer;
      this.view = new DataView(src.buffer);
    }
    const view = this.view;
    const base = src.byteOffset;
    /** The word at i lies inside the line while i < wordsEnd. */
    const wordsEnd = end - 3;
    let starts = this.starts;
    let ends = this.ends;
    let capacity = starts.length;
    let count = 0;
    let pos = start;
    let acc = 0;
    let unterminated = false;
    let b = 0;
    // A separator at the very end does not open another (empty) field: `pos` then equals `end`.
    while (pos < end) {
      const first = src[pos];
      let from: number;
      let i: number;
      if (first === DQUOTE) {
        // Ends at the first `"` that is not escaped (odd run of backslashes before it) and is
        // followed by a space or the end of the line; any other `"` belongs to the token.
        from = i = pos + 1;
        for (;;) {
          // Words while inside the line: a `"`, `\\`, control or non-ASCII byte stops the scan there.
          while (i < wordsEnd) {
            const w = view.getInt32(base + i, true);
            const y = w ^ BACKSLASHES;
            const q = w ^ DQUOTES;
            let m = ((w - SPACES) | w | ((y - ONES) & ~y) | ((q - ONES) & ~q)) & HIGH_BITS;
            if (m === 0) {
              if (i + 4 >= wordsEnd) {
                i += 4;
                continue;
              }
              const w2 = view.getInt32(base + i + 4, true);
              const y2 = w2 ^ BACKSLASHES;
              const q2 = w2 ^ DQUOTES;
              m = ((w2 - SPACES) | w2 | ((y2 - ONES) & ~y2) | ((q2 - ONES) & ~q2)) & HIGH_BITS;
              i += 4;
              if (m === 0) {
                i += 4;
                continue;
              }
            }
            i += (31 - Math.clz32(m ^ (m - 1))) >> 3;
            b = src[i];
            if (b === DQUOTE) break;
            acc |= table[b];
            i++;
          }
          if (i >= wordsEnd) {
            while (i < end && (b = src[i]) !== DQUOTE) {
              acc |= table[b];
              i++;
            }
          }
          if (i >= end) {
            unterminated = true;
            break;
          }
          if ((i + 1 === end || src[i + 1] === SPACE) && !isEscaped(src, i, from)) break;
          acc |= QUOTE;
          i++;
        }
        pos = i + 2;
      } else if (first === LBRACKET) {
        // Ends at the first `]` followed by a space or the end of the line.
        from = i = pos + 1;
        for (;;) {
          while (i < end && (b = src[i]) !== RBRACKET) {
            acc |= table[b];
            i++;
          }
          if (i >= end) {
            unterminated = true;
            break;
          }
          if (i + 1 === end || src[i + 1] === SPACE) break;
          i++;
        }
        pos = i + 2;
      } else {
        from = i = pos;
        // The common case: most fields of ALB, ELB and S3 access lines are bare. A byte below `#`
        // (a space, control byte, `!` or `"`), `\\` or a non-ASCII byte stops the word scan there.
        while (i < wordsEnd) {
          const w = view.getInt32(base + i, true);
          const y = w ^ BACKSLASHES;
          let m = ((w - BELOW_BANG_QUOTE) | w | ((y - ONES) & ~y)) & HIGH_BITS;
          if (m === 0) {
            if (i + 4 >= wordsEnd) {
              i += 4;
              continue;
            }
            const w2 = view.getInt32(base + i + 4, true);
            const y2 = w2 ^ BACKSLASHES;
            m = ((w2 - BELOW_BANG_QUOTE) | w2 | ((y2 - ONES) & ~y2)) & HIGH_BITS;
            i += 4;
            if (m === 0) {
              i += 4;
              continue;
            }
          }
          i += (31 - Math.clz32(m ^ (m - 1))) >> 3;
          b = src[i];
          if (b === SPACE) break;
          acc |= table[b];
          i++;
        }
        if (i >= wordsEnd) {
          while (i < end && (b = src[i]) !== SPACE) {
            acc |= table[b];
            i++;
          }
        }
        pos = i + 1;
      }
      if (count === capacity) {
        this.grow();
        starts = this.starts;
        ends = this.ends;
        capacity = starts.length;
      }
      starts[count] = from;
      ends[count] = i;
      count++;
    }
    this.count = count;
    this.unterminated = unterminated;
    this.quoteInToken = (acc & QUOTE) !== 0;
    this.plain = acc === 0;
    return count;
  }

  private grow(): void {
    const capacity = this.starts.length * 2;
    const starts = new Int32Array(capacity);
    const ends = new Int32Array(capacity);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }
}

/**
 * True when the byte at `index` is preceded by an odd number of backslashes, counting no further
 * back than `from` (the byte before `from` is the opening quote, which ends any run anyway).
 */
function isEscaped(src: Uint8Array, index: number, from: number): boolean {
  let i = index - 1;
  while (i >= from && src[i] === BACKSLASH) i--;
  return ((index - 1 - i) & 1) === 1;
}
