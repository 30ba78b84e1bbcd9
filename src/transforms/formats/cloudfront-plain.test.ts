import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineKind } from '../format.js';
import { cloudfront } from './cloudfront.js';

/**
 * CloudFront lines with nothing to escape take a fast path (one RegExp match, a writer compiled for
 * the `#Fields:` mapping). The same line with a trailing CR cannot take it (CR is a control
 * character) and goes the general way, which strips the CR first: both must give the same row.
 */

const VERSION = '#Version: 1.0';
const LEGACY =
  '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end';
const V2 =
  '#Fields: date time-taken c-ip cs-method cs(Host) cs-uri-stem sc-status sc-bytes time x-edge-location x-edge-result-type cs-protocol cs-uri-query cs(User-Agent) timestamp(ms) c-country asn cache-behavior-path-pattern origin-fbl origin-lbl x-edge-request-id';
const MILLIS_ONLY = '#Fields: timestamp(ms) c-ip sc-status sc-bytes time-taken cs-uri-query date';
const DUPLICATED = '#Fields: date time sc-status sc-status cs-uri-query time';

const LEGACY_LINE = [
  '2019-12-04', '21:02:31', 'LAX1', '392', '192.0.2.100', 'GET', 'd111111abcdef8.cloudfront.net', '/index.html', '200', '-',
  'Mozilla/5.0%20(Windows%20NT%2010.0)', 'a=1&b=x%20y', '-', 'Hit', 'SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==',
  'd111111abcdef8.cloudfront.net', 'https', '23', '0.001', '-', 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 'Hit', 'HTTP/2.0', '-', '-',
  '11040', '0.001', 'Hit', 'text/html', '78', '-', '-',
];
const V2_LINE = [
  '2019-12-04', '0.002', '151.62.25.60', 'GET', 'd111111abcdef8.cloudfront.net', '/', '200', '38470', '21:02:31', 'SYD62-P1', 'Hit',
  'https', 'q=caf%C3%A9+au+lait', 'curl/8.5.0', '1575493351123', 'US', '3215', '*', '-', '-', 'TP8xb0v8j_6ttIYse-H759Pb37JAfXyOk9tvZKeGgdrjtmhNPEAZMw==',
];

const FIELD_VALUES = [
  '-', '', '0', '00', '000', '-0', '-1', '007', '12', '1.50', '0.065', '.5', '1e3', '1'.repeat(21), '9'.repeat(41), '0.'.padEnd(42, '5'),
  '2019-12-04', '2019-13-04', '21:02:31', '25:00:00', '1575493351123', 'x', 'a"b', 'back\\slash', 'é', '😀', '%20', 'a=1&a=2', ' ', 'null',
];

function run(headers: readonly string[], line: string) {
  const parser = cloudfront.createParser();
  for (const header of headers) parser.parse(header);
  const kind = parser.parse(line);
  return { kind, json: parser.json, error: parser.error, timestamp: parser.timestamp, dt: parser.dt, hour: parser.hour, located: parser.locate(line) };
}

function linesLike(fields: readonly string[]) {
  return fc
    .tuple(
      fc.array(fc.tuple(fc.nat(fields.length - 1), fc.oneof(fc.constantFrom(...FIELD_VALUES), fc.string({ maxLength: 6 }))), { maxLength: 6 }),
      fc.integer({ min: -3, max: 2 }),
    )
    .map(([changes, extra]) => {
      const out = [...fields];
      for (const [at, value] of changes) out[at] = value;
      if (extra < 0) out.length += extra;
      for (let i = 0; i < extra; i++) out.push('extra');
      return out.join('\t');
    });
}

describe('cloudfront fast path', () => {
  it('takes the fast path for a plain line and the general one for the same line with a CR, with the same row', () => {
    const line = LEGACY_LINE.join('\t');
    const fast = run([VERSION, LEGACY], line);
    const general = run([VERSION, LEGACY], `${line}\r`);
    expect(fast.kind).toBe(LineKind.Row);
    expect(fast.json).toBe(general.json);
    expect(JSON.parse(fast.json)).toMatchObject({ bytes: 392, status: 200, time_taken: 0.001, query_params: { a: '1', b: 'x y' } });
  });

  for (const [name, headers, fields] of [
    ['legacy 33 fields', [VERSION, LEGACY], LEGACY_LINE],
    ['no header (legacy default)', [], LEGACY_LINE],
    ['a v2 subset in another order', [VERSION, V2], V2_LINE],
    ['timestamp(ms) only', [MILLIS_ONLY], ['1575493351123', '192.0.2.1', '200', '12', '0.5', 'x=1', '2019-12-04']],
    ['a field listed twice', [DUPLICATED], ['2019-12-04', '21:02:31', '200', '404', 'q=1', '22:00:00']],
  ] as const) {
    it(`gives the general path's result for any line (${name})`, () => {
      fc.assert(
        fc.property(linesLike(fields), (line) => {
          fc.pre(!line.endsWith('\r'));
          const fast = run(headers, line);
          const general = run(headers, `${line}\r`);
          expect(fast.kind).toBe(general.kind);
          expect(fast.error).toBe(general.error);
          expect([fast.timestamp, fast.dt, fast.hour]).toEqual([general.timestamp, general.dt, general.hour]);
          if (fast.kind === LineKind.Row) expect(fast.json).toBe(general.json);
          if (fast.kind === LineKind.Error) expect(JSON.parse(fast.json)).toEqual({ ...JSON.parse(general.json), _raw: line });
          expect(fast.located).toBe(fast.dt === '' ? '' : `${fast.dt}/${fast.hour}`);
        }),
        { numRuns: 3000 },
      );
    });
  }
});
