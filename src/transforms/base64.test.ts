import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeBase64Into, decodedLength } from './base64.js';

/** Strict, padded standard base64 (trailing bits of the last group are not checked, as Node does not). */
const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const FILL = 0xee;

/** Runs both decoders; `into` decodes into a filled buffer at `offset` with `slack` bytes of room after the decoded size. */
function decodeBoth(data: string, offset = 5, slack = 16) {
  const size = Math.max(0, decodedLength(data));
  const target = Buffer.alloc(offset + size + slack, FILL);
  const written = decodeBase64Into(data, target, offset);
  return { decoded: decodeBase64(data), written, target, size };
}

describe('decodedLength', () => {
  it('is the decoded size for padded lengths, -1 for lengths that are not a multiple of 4', () => {
    expect(decodedLength('')).toBe(0);
    expect(decodedLength('QUJD')).toBe(3);
    expect(decodedLength('QUI=')).toBe(2);
    expect(decodedLength('QQ==')).toBe(1);
    expect(decodedLength('QUJDRA==')).toBe(4);
    for (const bad of ['Q', 'QQ', 'QUJ', 'QUJDR', 'QQ=', 'QUJD=']) expect(decodedLength(bad)).toBe(-1);
  });

  it('matches the encoded length of any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(decodedLength(Buffer.from(bytes).toString('base64'))).toBe(bytes.length);
      }),
    );
  });
});

describe('decodeBase64 and decodeBase64Into', () => {
  it('property: base64 of any bytes decodes back identically, into a buffer at any offset too', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(40), (bytes, offset) => {
        const data = Buffer.from(bytes).toString('base64');
        const decoded = decodeBase64(data);
        expect(decoded).toBeDefined();
        expect(Buffer.compare(decoded!, Buffer.from(bytes))).toBe(0);

        const target = Buffer.alloc(offset + bytes.length + 8, FILL);
        expect(decodeBase64Into(data, target, offset)).toBe(bytes.length);
        expect(target.subarray(offset, offset + bytes.length).equals(Buffer.from(bytes))).toBe(true);
        // Nothing before or after the decoded bytes was touched.
        expect(target.subarray(0, offset).every((b) => b === FILL)).toBe(true);
        expect(target.subarray(offset + bytes.length).every((b) => b === FILL)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes into a buffer of exactly the decoded size', () => {
    const bytes = Buffer.from('hello, firehose');
    const target = Buffer.alloc(bytes.length);
    expect(decodeBase64Into(bytes.toString('base64'), target, 0)).toBe(bytes.length);
    expect(target.equals(bytes)).toBe(true);
  });

  it('accepts the empty string as zero bytes', () => {
    expect(decodeBase64('')).toEqual(Buffer.alloc(0));
    expect(decodeBase64Into('', Buffer.alloc(4), 2)).toBe(0);
  });

  it.each([
    ['an invalid character', 'QU*D'],
    ['an invalid character in the padding group', 'QUJDR*=='],
    ['a space', 'QUJD QUJ'],
    ['a leading space', ' QUJ'],
    ['a newline', 'QUJD\nQUJ'],
    ['a tab', 'QU\tD'],
    ['a carriage return and newline', 'QUJDRA==\r\n'],
    ['a non-ASCII character', 'QUé='],
    ['a NUL', 'QU\u0000D'],
    ['base64url "-"', 'QU-D'],
    ['base64url "_"', 'QU_D'],
    ['base64url "-" and "_" that would decode to the same length', '-_-_'],
    ['a length that is not a multiple of 4', 'QUJ'],
    ['a missing padding', 'QQ'],
    ['a missing padding character', 'QQ='],
    ['padding in the middle', 'QQ==QUJD'],
    ['a "=" inside a group', 'QU=D'],
    ['a "=" after the first character', 'Q=AA'],
    ['too much padding', 'Q==='],
    ['only padding', '===='],
    ['padding of a whole group', 'QUJDQ==='],
  ])('rejects %s (%j) with both functions', (_why, data) => {
    const { decoded, written } = decodeBoth(data);
    expect(decoded).toBeUndefined();
    expect(written).toBe(-1);
  });

  it('property: a string is accepted by both exactly when it is strict padded base64', () => {
    const char = fc.constantFrom(...'AQgw+/09Zz=-_* \n\t.é\u0000'.split(''));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 16 }).map((chars) => chars.join('')), (data) => {
        const valid = STRICT.test(data);
        const { decoded, written, target } = decodeBoth(data, 3);
        expect(decoded !== undefined).toBe(valid);
        expect(written >= 0).toBe(valid);
        if (valid) {
          const expected = Buffer.from(data, 'base64');
          expect(decoded!.equals(expected)).toBe(true);
          expect(written).toBe(expected.length);
          expect(target.subarray(3, 3 + written).equals(expected)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('property: valid base64 with one character replaced by a foreign one is rejected by both', () => {
    const foreign = fc.constantFrom('*', ' ', '\n', '\t', '-', '_', '.', '!', '~', 'é', '\u0000');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 120 }), foreign, fc.nat(), (bytes, char, at) => {
        const data = Buffer.from(bytes).toString('base64');
        const i = at % data.length;
        const corrupted = data.slice(0, i) + char + data.slice(i + 1);
        const { decoded, written } = decodeBoth(corrupted);
        expect(decoded).toBeUndefined();
        expect(written).toBe(-1);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: decodeBase64Into never writes outside [offset, offset + decodedLength), valid input or not', () => {
    const char = fc.constantFrom(...'AQgw+/=-_* \n'.split(''));
    const anyText = fc.oneof(
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('base64')),
      fc.array(char, { maxLength: 24 }).map((chars) => chars.join('')),
      // Valid groups followed by junk that Node's decoder would otherwise keep decoding.
      fc.tuple(fc.uint8Array({ maxLength: 30 }), fc.array(char, { maxLength: 8 })).map(([b, junk]) => Buffer.from(b).toString('base64') + junk.join('')),
    );
    fc.assert(
      fc.property(anyText, fc.nat(16), (data, offset) => {
        const size = decodedLength(data);
        if (size < 0) {
          const target = Buffer.alloc(offset + 32, FILL);
          expect(decodeBase64Into(data, target, offset)).toBe(-1);
          expect(target.every((b) => b === FILL)).toBe(true);
          return;
        }
        // Room for far more than the decoded size: bytes past it must stay untouched.
        const target = Buffer.alloc(offset + size + 64, FILL);
        decodeBase64Into(data, target, offset);
        expect(target.subarray(0, offset).every((b) => b === FILL)).toBe(true);
        expect(target.subarray(offset + size).every((b) => b === FILL)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('reports -1 rather than a short write when the target lacks room', () => {
    const data = Buffer.from('abcdef').toString('base64');
    const target = Buffer.alloc(8, FILL);
    expect(decodeBase64Into(data, target, 4)).toBe(-1);
    expect(target.subarray(0, 4).every((b) => b === FILL)).toBe(true);
  });
});
