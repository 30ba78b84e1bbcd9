import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineMutation, mutateLine } from './formats/property-testing.js';
import { QuotedByteTokenizer } from './tokenize-bytes.js';
import { QuotedTokenizer } from './tokenize.js';

// Lines copied from the golden tests of the formats that use QuotedTokenizer (alb, elb, s3_access).
const LB = 'app/my-loadbalancer/50dc6c495c0c9188';
const TG = 'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067';
const CERT = 'arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const TAIL = 'TID_1234abcd5678ef90 "-" "-" "-"';
const ALB_LINES = [
  `http 2018-07-02T22:23:00.186641Z ${LB} 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - ${TG} "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" ${TAIL}`,
  `https 2018-07-02T22:23:00.186641Z ${LB} 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ${TG} "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "${CERT}" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" ${TAIL}`,
  `h2 2018-07-02T22:23:00.186641Z ${LB} 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ${TG} "Root=1-58337327-72bd00b0343d75b906739c42" "-" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-" ${TAIL}`,
  `http 2025-09-23T07:15:26.379899Z app/my-loadbalancer/98e3a879de9d6b42 203.0.113.224:21790 - -1 -1 -1 404 - 127 162 "GET http://my-loadbalancer-606955064.us-east-1.elb.amazonaws.com:80/ HTTP/1.0" "Mozilla/5.0 (compatible; ExampleCrawler/1.0)" - - - "Root=1-6ab37c8e-5afd1aca560fd3a825162993" "-" "-" 0 2025-09-23T07:15:26.379000Z "fixed-response" "-" "-" "-" "-" "-" "-" TID_558e26a7adede44b9fdb98006014afcf "-" "-" "-"`,
  `h2 2023-09-10T23:55:00.361692Z ${LB} 2001:db8:4538:1:bcf4:5264:e01c:f215:50718 2001:db8::10:8443 0.000 0.010 0.000 200 200 300 4000 "POST https://api.example.com:443/v1/items?id=7 HTTP/2.0" "okhttp/4.12.0" TLS_AES_128_GCM_SHA256 TLSv1.3 ${TG} "Root=1-6638818d-0123456789abcdef01234567" "api.example.com" "session-reused" 3 2023-09-10T23:55:00.358000Z "forward" "-" "-" "2001:db8::10:8443" "200" "-" "-" TID_abcdef0123456789abcdef0123456789`,
  `https 2021-03-04T05:06:07.123456Z ${LB} 192.168.131.39:2817 10.0.0.1:80 0.001 0.002 0.000 200 200 120 890 "GET https://www.example.com:443/a b/c?x=1&q=hello%20world HTTP/1.1" "Mozilla/5.0 \\"quoted\\" agent" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ${TG} "Root=1-6040db9f-0123456789abcdef01234567" "www.example.com" "${CERT}" 5 2021-03-04T05:06:07.120000Z "waf,forward" "-" "-" "10.0.0.1:80" "200" "Acceptable" "SpaceInUri"`,
  `http 2025-03-01T10:03:17.218099Z app/MyALB1/240dbdc5244653c9 205.210.31.158:61084 - -1 -1 -1 400 - 0 272 "- http://myalb1-878688131.us-east-1.elb.amazonaws.com:80- -" "-" - - - "-" "-" "-" - 2025-03-01T10:03:16.682000Z "-" "-" "-" "-" "-" "-" "-" TID_6cfb27fd2ef25c42932bd6e0ff56d631`,
];
const ELB_LINES = [
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -',
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -',
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/docs/getting started.html?q=a+b%21&page=2&q=second HTTP/1.1" "curl/7.38.0" - -',
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "Mozilla/5.0 \\"quoted\\" agent" - -',
];
const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const HOST_ID = 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=';
const S3_LINES = [
  `${OWNER} awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ${OWNER} 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - ${HOST_ID} SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1`,
  `${OWNER} amzn-s3-demo-bucket1 [14/Mar/2023:17:05:09 +0000] 198.51.100.7 arn:aws:iam::123456789012:user/alice 0F1E2D3C4B5A6978 REST.GET.OBJECT photos/2023/cat.jpg "GET /photos/2023/cat.jpg?response-content-type=image%2Fjpeg&x-id=GetObject HTTP/1.1" 200 - 2048 2048 15 14 "https://example.com/gallery" "aws-sdk-js/3.300.0" 3HL4kqtJvjVBH40Nrjfkd ${HOST_ID} SigV4 TLS_AES_128_GCM_SHA256 QueryString amzn-s3-demo-bucket1.s3.us-west-2.amazonaws.com TLSv1.3 - -`,
  `${OWNER} site-bucket [01/Jul/2021:12:30:45 +0000] 130.176.1.20 arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E15MNIMTCFKK4C 1A2B3C4D5E6F7A8B REST.GET.OBJECT assets/app.js "GET /assets/app.js HTTP/1.1" 200 - 5321 5321 22 21 "-" "Amazon CloudFront" - ${HOST_ID} SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader site-bucket.s3.amazonaws.com TLSv1.2 - - -`,
  `${OWNER} amzn-s3-demo-bucket1 [20/Aug/2024:00:13:41 +0000] - AmazonS3 8B1F2E3D4C5B6A79 S3.EXPIRE.OBJECT tmp/2024/08/old.log "-" - - - 3462992 - - "-" "-" - - - - - - - - - -`,
];
const GOLDEN = [...ALB_LINES, ...ELB_LINES, ...S3_LINES];

/** What `plain` must be for these string tokens: every character of every token in 0x20..0x7f, none `"` or `\`. */
function expectedPlain(tokens: readonly string[]): boolean {
  for (const token of tokens) {
    for (let i = 0; i < token.length; i++) {
      const c = token.charCodeAt(i);
      if (c < 0x20 || c >= 0x80 || c === 0x22 || c === 0x5c) return false;
    }
  }
  return true;
}

const strings = new QuotedTokenizer();
const bytes = new QuotedByteTokenizer();

/** Tokens of `line` by the string tokenizer, after checking that the byte tokenizer agrees on `src[start, end)`. */
function expectSame(line: string, src: Buffer, start: number, end: number, encoding: 'latin1' | 'utf8'): string[] {
  const count = strings.split(line);
  const expected = strings.tokens.slice(0, count);
  expect(bytes.split(src, start, end), line).toBe(count);
  expect(bytes.count).toBe(count);
  const actual: string[] = [];
  for (let i = 0; i < bytes.count; i++) {
    expect(bytes.starts[i]).toBeGreaterThanOrEqual(start);
    expect(bytes.ends[i]).toBeGreaterThanOrEqual(bytes.starts[i]);
    expect(bytes.ends[i]).toBeLessThanOrEqual(end);
    actual.push(src.toString(encoding, bytes.starts[i], bytes.ends[i]));
  }
  expect(actual, line).toEqual(expected);
  expect(bytes.unterminated, line).toBe(strings.unterminated);
  expect(bytes.quoteInToken, line).toBe(strings.quoteInToken);
  expect(bytes.quoteInToken, line).toBe(expected.some((t) => t.includes('"')));
  expect(bytes.plain, line).toBe(expectedPlain(expected));
  return expected;
}

/** Checks `line` (every character < 256) as Latin-1 bytes, which for ASCII are its UTF-8 bytes. */
function check(line: string): string[] {
  const src = Buffer.from(line, 'latin1');
  return expectSame(line, src, 0, src.length, 'latin1');
}

/** The same line with every UTF-16 unit folded into ASCII (control characters included). */
function toAscii(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) out += String.fromCharCode(line.charCodeAt(i) & 0x7f);
  return out;
}

const unit = fc.oneof(
  { weight: 8, arbitrary: fc.constant(' ') },
  { weight: 5, arbitrary: fc.constant('"') },
  { weight: 4, arbitrary: fc.constant('\\') },
  { weight: 3, arbitrary: fc.constantFrom('[', ']') },
  { weight: 2, arbitrary: fc.constant('-') },
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'x', 'Z') },
  { weight: 3, arbitrary: fc.constantFrom('0', '1', '9') },
  { weight: 1, arbitrary: fc.constantFrom('\t', '\u0000', '\u001f', '\r', '\u007f') },
);
const INSERTS = [' ', '  ', '"', '\\', '\\"', '\\\\"', '" ', ' "', '[', ']', '] ', ' [', '-', '"-"', '\t', '\u0001'];
const mutation = lineMutation(INSERTS);

describe('QuotedByteTokenizer', () => {
  it('splits bare, quoted and bracketed fields into byte ranges', () => {
    const line = 'a "b c" [d e] "f \\" g" "" h ';
    const src = Buffer.from(line, 'latin1');
    expect(bytes.split(src, 0, src.length)).toBe(6);
    expect(Array.from(bytes.starts.subarray(0, 6))).toEqual([0, 3, 9, 15, 24, 26]);
    expect(Array.from(bytes.ends.subarray(0, 6))).toEqual([1, 6, 12, 21, 24, 27]);
    expect(bytes.unterminated).toBe(false);
    expect(bytes.quoteInToken).toBe(true);
    expect(bytes.plain).toBe(false);
    expect(check(line)).toEqual(['a', 'b c', 'd e', 'f \\" g', '', 'h']);
  });

  it('separators: empty lines, consecutive, leading and trailing spaces', () => {
    expect(check('')).toEqual([]);
    expect(check(' ')).toEqual(['']);
    expect(check('  ')).toEqual(['', '']);
    expect(check('a')).toEqual(['a']);
    expect(check('a ')).toEqual(['a']);
    expect(check('a  ')).toEqual(['a', '']);
    expect(check(' a')).toEqual(['', 'a']);
    expect(check('a  b')).toEqual(['a', '', 'b']);
    expect(check('a   b ')).toEqual(['a', '', '', 'b']);
    expect(check('a\tb c')).toEqual(['a\tb', 'c']);
    expect(check('"a" ')).toEqual(['a']);
    expect(check('"a"  b')).toEqual(['a', '', 'b']);
    expect(check('[a] ')).toEqual(['a']);
    expect(check('[a]  b')).toEqual(['a', '', 'b']);
  });

  it('quoted fields end only at an unescaped quote followed by a space or the end', () => {
    expect(check('"a b" c')).toEqual(['a b', 'c']);
    expect(check('"a b"')).toEqual(['a b']);
    expect(check('""')).toEqual(['']);
    expect(check('"" ""')).toEqual(['', '']);
    expect(check('"a"b" c')).toEqual(['a"b', 'c']);
    expect(check('"a""b"')).toEqual(['a""b']);
    expect(check('"a" "b"')).toEqual(['a', 'b']);
    expect(check('"a\\" b" c')).toEqual(['a\\" b', 'c']);
    expect(check('"a\\\\" b')).toEqual(['a\\\\', 'b']);
    expect(check('"a\\\\\\" b" c')).toEqual(['a\\\\\\" b', 'c']);
    expect(check('"\\\\"')).toEqual(['\\\\']);
    expect(check('"- - - " "-"')).toEqual(['- - - ', '-']);
    expect(check('a "b "c" d')).toEqual(['a', 'b "c', 'd']);
    expect(check('"[a] b"')).toEqual(['[a] b']);
  });

  it('an unterminated quote takes the rest of the line', () => {
    for (const [line, tokens] of [
      ['"', ['']],
      ['" ', [' ']],
      ['x "', ['x', '']],
      ['"a', ['a']],
      ['"a b', ['a b']],
      ['"\\"', ['\\"']],
      ['"a\\" b', ['a\\" b']],
      ['"a"b', ['a"b']],
      ['"a"b c', ['a"b c']],
      ['x"y "z', ['x"y', 'z']],
    ] as const) {
      expect(check(line), line).toEqual(tokens);
      expect(bytes.unterminated, line).toBe(true);
    }
  });

  it('bracketed fields end at a bracket followed by a space or the end', () => {
    expect(check('[a b] c')).toEqual(['a b', 'c']);
    expect(check('[]')).toEqual(['']);
    expect(check('[] ]')).toEqual(['', ']']);
    expect(check('[a]b] c')).toEqual(['a]b', 'c']);
    expect(check('[a "b"] c')).toEqual(['a "b"', 'c']);
    expect(check('[a\\] b')).toEqual(['a\\', 'b']);
    expect(check('[[a]]')).toEqual(['[a]']);
    expect(check('a[b] c]')).toEqual(['a[b]', 'c]']);
    for (const [line, tokens] of [
      ['[', ['']],
      ['[a', ['a']],
      ['[a b', ['a b']],
      ['x [a]b', ['x', 'a]b']],
      ['[a "b', ['a "b']],
    ] as const) {
      expect(check(line), line).toEqual(tokens);
      expect(bytes.unterminated, line).toBe(true);
    }
  });

  it('quoteInToken: quotes around quoted fields do not count, any other quote does', () => {
    for (const [line, expected] of [
      ['a "b c" d', false],
      ['"x" [y] z', false],
      ['a b"c d', true],
      ['a [b"c] d', true],
      ['"a"b" c', true],
      ['"unterminated', false],
      ['"un"terminated', true],
      ['[a] "b" c"', true],
      ['[a "b', true],
      ['- "- - - " "-" - -', false],
    ] as const) {
      check(line);
      expect(bytes.quoteInToken, line).toBe(expected);
    }
  });

  it('plain: no control byte, backslash, non-ASCII byte or quote inside a token', () => {
    for (const [line, expected] of [
      ['', true],
      ['a "b c" [d e] "" - ~\u007f', true],
      ['a\tb', false],
      ['"a\tb"', false],
      ['[a\u0000]', false],
      ['a\\b', false],
      ['"a\\" b"', false],
      ['[a\\]', false],
      ['a "b\\\\"', false],
      ['caf\u00e9', false],
      ['"\u00ff"', false],
      ['a"b', false],
      ['"a" b', true],
      ['[a]', true],
    ] as const) {
      check(line);
      expect(bytes.plain, line).toBe(expected);
    }
    const src = Buffer.from('"GET /caf\u00e9 HTTP/1.1" ok', 'utf8');
    bytes.split(src, 0, src.length);
    expect(bytes.plain).toBe(false);
    expect(src.toString('utf8', bytes.starts[0], bytes.ends[0])).toBe('GET /caf\u00e9 HTTP/1.1');
  });

  it('finds a field end and an unsafe byte at every offset of short and long fields', () => {
    for (let n = 0; n <= 26; n++) {
      for (let k = 0; k <= n; k++) {
        for (const odd of ['\\', '\u0001', '"', '\u00e9', '\u007f']) {
          const value = `${'a'.repeat(k)}${odd}${'b'.repeat(n - k)}`;
          for (const field of [value, `"${value}"`, `[${value}]`]) {
            check(`${field} z`);
            check(field);
            check(`x ${field}`);
          }
        }
        check(`${'c'.repeat(k)} ${'d'.repeat(n - k)}`);
        check(`"${'c'.repeat(k)}" "${'d'.repeat(n - k)}"`);
      }
    }
  });

  it('word scans: every byte value at every place in a word, at every alignment, before and after another stop', () => {
    // Long fields are read 4 and 8 bytes at a time: each byte value must be found wherever it falls.
    const pad = Buffer.alloc(8, 0x5c); // backslashes outside the line must not matter
    for (let value = 0; value < 256; value++) {
      const odd = String.fromCharCode(value);
      for (let k = 0; k < 9; k++) {
        const field = `${'a'.repeat(k)}${odd}${'b'.repeat(11 - k)}`;
        // Where the line starts relative to a 4-byte boundary of the buffer varies too.
        const offset = (value + k) % 4;
        for (const line of [`${field} tail-field`, `"${field}" tail-field`, `x ${field}!b c`, `"${field}\\\\" y`, `"a${odd}${odd}b\\" ${field}`]) {
          const src = Buffer.concat([pad.subarray(0, offset), Buffer.from(line, 'latin1'), pad]);
          expectSame(line, src, offset, offset + line.length, 'latin1');
        }
      }
    }
  });

  it('word scans: lines from different buffers and views of one buffer, in turn', () => {
    const a = Buffer.from(`${ALB_LINES[0]}\n${ALB_LINES[5]}`, 'latin1');
    const b = new Uint8Array(Buffer.from(`  ${ALB_LINES[5]}`, 'latin1'));
    const c = a.subarray(3);
    for (let round = 0; round < 3; round++) {
      expectSame(ALB_LINES[0], a, 0, ALB_LINES[0].length, 'latin1');
      expectSame(ALB_LINES[5], Buffer.from(b.buffer, b.byteOffset, b.length), 2, b.length, 'latin1');
      expectSame(ALB_LINES[0].slice(3), c, 0, ALB_LINES[0].length - 3, 'latin1');
      expectSame(ALB_LINES[5], a, ALB_LINES[0].length + 1, a.length, 'latin1');
    }
    bytes.split(b, 2, b.length);
    expect(bytes.count).toBe(29);
  });

  it('agrees with QuotedTokenizer on the golden ALB, ELB and S3 access lines', () => {
    for (const line of GOLDEN) check(line);
    check(ALB_LINES[0]);
    expect(bytes.count).toBe(33);
    expect(bytes.plain).toBe(true);
    check(ALB_LINES[5]);
    expect(bytes.quoteInToken).toBe(true);
    expect(bytes.plain).toBe(false);
  });

  it('grows past its initial capacity and keeps no state between lines', () => {
    const long = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? `"q ${i}"` : i % 3 === 1 ? `[b ${i}]` : `t${i}`)).join(' ');
    expect(check(long)).toHaveLength(1000);
    check('a\\b "c');
    expect(bytes.unterminated && !bytes.plain).toBe(true);
    expect(check('x y')).toEqual(['x', 'y']);
    expect(bytes.unterminated || !bytes.plain || bytes.quoteInToken).toBe(false);
    expect(check('')).toEqual([]);
  });

  it('splits a line at a non-zero offset inside a larger buffer', () => {
    const lines = ['a "b c"', '"x\\" y', '[open', ...GOLDEN, '', '  ', 'z "q"r" [s]t] u'];
    const src = Buffer.from(`\\"${lines.join('\n')}"`, 'latin1');
    let start = 2;
    for (const line of lines) {
      const end = start + line.length;
      const tokens = expectSame(line, src, start, end, 'latin1');
      if (tokens.length > 0) expect(bytes.starts[0]).toBeGreaterThanOrEqual(start);
      start = end + 1;
    }
    // A quoted field right at the start offset, after backslashes and a quote that belong to no line.
    const shifted = Buffer.from('\\\\\\"a" b', 'latin1');
    expectSame('"a" b', shifted, 3, shifted.length, 'latin1');
    // The end is clamped to the buffer.
    const short = Buffer.from('a "b', 'latin1');
    expect(bytes.split(short, 0, 100)).toBe(2);
    expect(bytes.unterminated).toBe(true);
    expect(bytes.ends[1]).toBe(4);
  });

  it('property: agrees with QuotedTokenizer on strings of separators, quotes, brackets and backslashes', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (line) => {
        check(line);
      }),
      { numRuns: 20000 },
    );
  });

  it('property: agrees with QuotedTokenizer on mutated golden lines', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GOLDEN), fc.array(mutation, { minLength: 1, maxLength: 6 }), (line, mutations) => {
        check(toAscii(mutateLine(line, mutations)));
      }),
      { numRuns: 5000 },
    );
  });

  it('property: agrees on Latin-1 bytes and on UTF-8 bytes of any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(unit, fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c))), maxLength: 60 }), (line) => {
        check(line);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(unit, fc.constantFrom('é', '€', '😀', '\u2028')), maxLength: 60 }), (line) => {
        const src = Buffer.from(line, 'utf8');
        expectSame(line, src, 0, src.length, 'utf8');
      }),
      { numRuns: 5000 },
    );
  });

  it('property: several lines in one buffer split at their offsets agree with each line alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit, maxLength: 30 }), fc.constantFrom(...GOLDEN)), { minLength: 1, maxLength: 6 }),
        fc.string({ unit, maxLength: 4 }),
        fc.constantFrom('\n', ' ', '"', ']', '\\'),
        (lines, prefix, separator) => {
          // Not only newlines between the lines: a byte just past `end` must never be read.
          const src = Buffer.from(`${prefix}${lines.join(separator)}${separator}`, 'latin1');
          let start = prefix.length;
          for (const line of lines) {
            expectSame(line, src, start, start + line.length, 'latin1');
            start += line.length + 1;
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
