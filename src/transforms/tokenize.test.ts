import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuotedTokenizer } from './tokenize.js';

describe('QuotedTokenizer', () => {
  it('splits bare, quoted and bracketed fields', () => {
    const tokenizer = new QuotedTokenizer();
    const count = tokenizer.split('a "b c" [d e] "f \\" g" "" h ');
    expect(tokenizer.tokens.slice(0, count)).toEqual(['a', 'b c', 'd e', 'f \\" g', '', 'h']);
    expect(tokenizer.unterminated).toBe(false);
    expect(tokenizer.quoteInToken).toBe(true);
  });

  it('says whether any token holds a quote (the quotes around quoted fields do not count)', () => {
    const tokenizer = new QuotedTokenizer();
    for (const [line, expected] of [
      ['a "b c" d', false],
      ['"x" [y] z', false],
      ['a b"c d', true],
      ['a [b"c] d', true],
      ['"a"b" c', true],
      ['"unterminated', false],
      ['"un"terminated', true],
      ['[a] "b" c"', true],
      ['- "- - - " "-" - -', false],
    ] as const) {
      tokenizer.split(line);
      expect(tokenizer.quoteInToken, line).toBe(expected);
    }
  });

  it('quoteInToken is exactly "some token contains a quote"', () => {
    const unit = fc.constantFrom('a', 'b', ' ', ' ', '"', '"', '[', ']', '\\', '-');
    const tokenizer = new QuotedTokenizer();
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (line) => {
        const count = tokenizer.split(line);
        expect(tokenizer.quoteInToken).toBe(tokenizer.tokens.slice(0, count).some((t) => t.includes('"')));
      }),
      { numRuns: 20000 },
    );
  });
});
