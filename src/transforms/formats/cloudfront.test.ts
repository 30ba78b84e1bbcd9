import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineKind, type LineParser } from '../format.js';
import { columnNames } from '../schema.js';
import { cloudfront } from './cloudfront.js';

// The example log file in AWS's "Standard logging reference" (CloudFront Developer Guide).
const VERSION = '#Version: 1.0';
const FIELDS =
  '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end';
const UA =
  'Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36';
const tsv = (...fields: string[]): string => fields.join('\t');
const HIT = tsv(
  '2019-12-04', '21:02:31', 'LAX1', '392', '192.0.2.100', 'GET', 'd111111abcdef8.cloudfront.net', '/index.html', '200', '-', UA, '-', '-',
  'Hit', 'SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==', 'd111111abcdef8.cloudfront.net', 'https', '23', '0.001', '-',
  'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 'Hit', 'HTTP/2.0', '-', '-', '11040', '0.001', 'Hit', 'text/html', '78', '-', '-',
);
const ORIGIN_DNS_ERROR = tsv(
  '2019-12-13', '22:36:27', 'SEA19-C1', '900', '192.0.2.200', 'GET', 'd111111abcdef8.cloudfront.net', '/favicon.ico', '502',
  'http://www.example.com/', UA, '-', '-', 'Error', '1pkpNfBQ39sYMnjjUQjmH2w1wdJnbHYTbag21o_3OfcQgPzdL2RSSQ==', 'www.example.com', 'http',
  '675', '0.102', '-', '-', '-', 'Error', 'HTTP/1.1', '-', '-', '25260', '0.102', 'OriginDnsError', 'text/html', '507', '-', '-',
);
const CURL = tsv(
  '2019-12-13', '22:37:02', 'SEA19-C2', '900', '192.0.2.200', 'GET', 'd111111abcdef8.cloudfront.net', '/', '502', '-', 'curl/7.55.1', '-', '-',
  'Error', 'kBkDzGnceVtWHqSCqBUqtA_cEs2T3tFUBbnBNkB9El_uVRhHgcZfcw==', 'www.example.com', 'http', '387', '0.103', '-', '-', '-', 'Error',
  'HTTP/1.1', '-', '-', '12644', '0.103', 'OriginDnsError', 'text/html', '507', '-', '-',
);

const HIT_ROW = {
  date: '2019-12-04',
  time: '21:02:31',
  location: 'LAX1',
  bytes: 392,
  request_ip: '192.0.2.100',
  method: 'GET',
  host: 'd111111abcdef8.cloudfront.net',
  uri: '/index.html',
  status: 200,
  user_agent: UA,
  result_type: 'Hit',
  request_id: 'SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==',
  host_header: 'd111111abcdef8.cloudfront.net',
  request_protocol: 'https',
  request_bytes: 23,
  time_taken: 0.001,
  ssl_protocol: 'TLSv1.2',
  ssl_cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
  response_result_type: 'Hit',
  http_version: 'HTTP/2.0',
  c_port: 11040,
  time_to_first_byte: 0.001,
  x_edge_detailed_result_type: 'Hit',
  sc_content_type: 'text/html',
  sc_content_len: 78,
  timestamp: '2019-12-04T21:02:31Z',
};

const COLUMNS = new Set(columnNames(cloudfront.schema));

/** Parses one line after checking that `locate` agrees with it. */
function run(parser: LineParser, line: string): { kind: LineKind; doc: Record<string, unknown> | undefined; partition: string } {
  const partition = parser.locate(line);
  const kind = parser.parse(line);
  expect(partition).toBe(parser.dt === '' ? '' : `${parser.dt}/${parser.hour}`);
  const doc = kind === LineKind.Skip ? undefined : (JSON.parse(parser.json) as Record<string, unknown>);
  return { kind, doc, partition };
}

function parserWithHeader(...header: string[]): LineParser {
  const parser = cloudfront.createParser();
  for (const line of header) expect(parser.parse(line)).toBe(LineKind.Skip);
  return parser;
}

function withField(line: string, index: number, value: string): string {
  const fields = line.split('\t');
  fields[index] = value;
  return fields.join('\t');
}

describe('cloudfront schema', () => {
  it('names and types the columns like AWS Athena table, then the v2 fields, timestamp and query_params', () => {
    const columns = cloudfront.schema.columns.map((c) => `${c.name}:${typeof c.type === 'string' ? c.type : c.type.kind}`);
    expect(columns).toEqual([
      'date:date', 'time:string', 'location:string', 'bytes:bigint', 'request_ip:string', 'method:string', 'host:string', 'uri:string',
      'status:int', 'referrer:string', 'user_agent:string', 'query_string:string', 'cookie:string', 'result_type:string',
      'request_id:string', 'host_header:string', 'request_protocol:string', 'request_bytes:bigint', 'time_taken:float',
      'xforwarded_for:string', 'ssl_protocol:string', 'ssl_cipher:string', 'response_result_type:string', 'http_version:string',
      'fle_status:string', 'fle_encrypted_fields:int', 'c_port:int', 'time_to_first_byte:float', 'x_edge_detailed_result_type:string',
      'sc_content_type:string', 'sc_content_len:bigint', 'sc_range_start:bigint', 'sc_range_end:bigint',
      'timestamp_ms:bigint', 'origin_fbl:double', 'origin_lbl:double', 'asn:bigint', 'c_country:string',
      'cache_behavior_path_pattern:string', 'distribution_id:string', 'distribution_tenant_id:string', 'connection_id:string',
      'timestamp:timestamp', 'query_params:map', '_raw:string', '_error:string',
    ]);
    expect(cloudfront.schema.dedupKey).toEqual(['request_id']);
  });
});

describe('cloudfront parser: AWS example log file', () => {
  it('skips the header lines and keeps them as the header in force', () => {
    const parser = cloudfront.createParser();
    expect(parser.header).toBe('');
    expect(run(parser, VERSION).kind).toBe(LineKind.Skip);
    expect(run(parser, FIELDS).kind).toBe(LineKind.Skip);
    expect(parser.error).toBe('header');
    expect(parser.header).toBe(`${VERSION}\n${FIELDS}`);
  });

  it('parses a cache hit into the full row', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    const { kind, doc, partition } = run(parser, HIT);
    expect(kind).toBe(LineKind.Row);
    expect(doc).toEqual(HIT_ROW);
    expect(partition).toBe('2019-12-04/21');
    expect(parser.timestamp).toBe('2019-12-04T21:02:31Z');
  });

  it('parses an origin DNS error with a referrer', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    const { kind, doc, partition } = run(parser, ORIGIN_DNS_ERROR);
    expect(kind).toBe(LineKind.Row);
    expect(partition).toBe('2019-12-13/22');
    expect(doc).toEqual({
      date: '2019-12-13',
      time: '22:36:27',
      location: 'SEA19-C1',
      bytes: 900,
      request_ip: '192.0.2.200',
      method: 'GET',
      host: 'd111111abcdef8.cloudfront.net',
      uri: '/favicon.ico',
      status: 502,
      referrer: 'http://www.example.com/',
      user_agent: UA,
      result_type: 'Error',
      request_id: '1pkpNfBQ39sYMnjjUQjmH2w1wdJnbHYTbag21o_3OfcQgPzdL2RSSQ==',
      host_header: 'www.example.com',
      request_protocol: 'http',
      request_bytes: 675,
      time_taken: 0.102,
      response_result_type: 'Error',
      http_version: 'HTTP/1.1',
      c_port: 25260,
      time_to_first_byte: 0.102,
      x_edge_detailed_result_type: 'OriginDnsError',
      sc_content_type: 'text/html',
      sc_content_len: 507,
      timestamp: '2019-12-13T22:36:27Z',
    });
  });

  it('parses every line of the file the same with or without the header (legacy mapping)', () => {
    const withHeader = parserWithHeader(VERSION, FIELDS);
    const without = cloudfront.createParser();
    for (const line of [HIT, ORIGIN_DNS_ERROR, CURL]) {
      const a = run(withHeader, line);
      const b = run(without, line);
      expect(a.kind).toBe(LineKind.Row);
      expect(b.doc).toEqual(a.doc);
    }
    expect(without.header).toBe('');
  });

  it('uses just the #Fields line as the header when no #Version was seen', () => {
    const parser = parserWithHeader(FIELDS);
    expect(parser.header).toBe(FIELDS);
  });
});

describe('cloudfront parser: traps', () => {
  it('reads old 26-field lines (before Dec 2019) with the trailing columns null', () => {
    const old = HIT.split('\t').slice(0, 26).join('\t');
    const oldFields = FIELDS.split(' ').slice(0, 27).join(' ');
    const expected = { ...HIT_ROW } as Record<string, unknown>;
    for (const column of ['c_port', 'time_to_first_byte', 'x_edge_detailed_result_type', 'sc_content_type', 'sc_content_len']) {
      delete expected[column];
    }
    for (const parser of [cloudfront.createParser(), parserWithHeader(VERSION, oldFields), parserWithHeader(VERSION, FIELDS)]) {
      const { kind, doc, partition } = run(parser, old);
      expect(kind).toBe(LineKind.Row);
      expect(doc).toEqual(expected);
      expect(partition).toBe('2019-12-04/21');
    }
  });

  it('maps a reordered #Fields subset by name', () => {
    const parser = parserWithHeader(VERSION, '#Fields: x-edge-request-id sc-status time date c-ip cs-uri-stem cs(Host)');
    const { kind, doc, partition } = run(parser, tsv('abc==', '404', '03:04:05', '2024-11-30', '203.0.113.9', '/missing', 'd1.cloudfront.net'));
    expect(kind).toBe(LineKind.Row);
    expect(partition).toBe('2024-11-30/03');
    expect(doc).toEqual({
      date: '2024-11-30',
      time: '03:04:05',
      request_ip: '203.0.113.9',
      host: 'd1.cloudfront.net',
      uri: '/missing',
      status: 404,
      request_id: 'abc==',
      timestamp: '2024-11-30T03:04:05Z',
    });
  });

  it('maps standard logging v2 fields and takes the event time from timestamp(ms) when date/time are not logged', () => {
    const fields =
      '#Fields: timestamp(ms) DistributionId c-ip cs-method cs-uri-stem sc-status x-edge-request-id origin-fbl origin-lbl asn c-country cache-behavior-path-pattern';
    const parser = parserWithHeader(fields);
    expect(parser.header).toBe(fields);
    const line = tsv('1733150460123', 'E2ABCDEFGHIJKL', '198.51.100.7', 'GET', '/api/items', '200', 'req-1==', '0.012', '0.034', '16509', 'DE', '/api/*');
    const { kind, doc, partition } = run(parser, line);
    expect(kind).toBe(LineKind.Row);
    expect(partition).toBe('2024-12-02/14');
    expect(doc).toEqual({
      request_ip: '198.51.100.7',
      method: 'GET',
      uri: '/api/items',
      status: 200,
      request_id: 'req-1==',
      timestamp_ms: 1733150460123,
      origin_fbl: 0.012,
      origin_lbl: 0.034,
      asn: 16509,
      c_country: 'DE',
      cache_behavior_path_pattern: '/api/*',
      distribution_id: 'E2ABCDEFGHIJKL',
      timestamp: '2024-12-02T14:41:00.123Z',
    });
  });

  it('prefers date and time over timestamp(ms) when a v2 field list has all three', () => {
    const parser = parserWithHeader('#Fields: date time timestamp(ms) x-edge-request-id');
    const { doc, partition } = run(parser, tsv('2024-12-02', '14:41:00', '1733150460123', 'r=='));
    expect(partition).toBe('2024-12-02/14');
    expect(doc?.timestamp).toBe('2024-12-02T14:41:00Z');
  });

  it('switches mapping when a new #Fields line arrives mid-stream', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    expect(run(parser, HIT).kind).toBe(LineKind.Row);
    expect(run(parser, '#Fields: time date x-edge-request-id').kind).toBe(LineKind.Skip);
    expect(parser.header).toBe(`${VERSION}\n#Fields: time date x-edge-request-id`);
    const { doc } = run(parser, tsv('23:59:59', '2020-02-29', 'id=='));
    expect(doc).toEqual({ date: '2020-02-29', time: '23:59:59', request_id: 'id==', timestamp: '2020-02-29T23:59:59Z' });
  });

  it('keeps an IPv6 client address whole', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    const { doc } = run(parser, withField(HIT, 4, '2001:0db8:85a3::8a2e:0370:7334'));
    expect(doc?.request_ip).toBe('2001:0db8:85a3::8a2e:0370:7334');
  });

  it('keeps x-forwarded-for with ", " (a space inside a TAB-separated field)', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    const { kind, doc } = run(parser, withField(HIT, 19, '192.0.2.183, 2001:0db8:85a3::8a2e:0370:7334'));
    expect(kind).toBe(LineKind.Row);
    expect(doc).toEqual({ ...HIT_ROW, xforwarded_for: '192.0.2.183, 2001:0db8:85a3::8a2e:0370:7334' });
  });

  it('keeps the query string as logged (%2520) and decodes it once in query_params', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    const { doc } = run(parser, withField(HIT, 11, 'q=hello%2520world&lang=en&lang=fr&plus=a+b'));
    expect(doc?.query_string).toBe('q=hello%2520world&lang=en&lang=fr&plus=a+b');
    expect(doc?.query_params).toEqual({ q: 'hello%20world', lang: 'en', plus: 'a b' });
  });

  it('reads sc-status 000 (viewer went away) as 0', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    const { kind, doc } = run(parser, withField(HIT, 8, '000'));
    expect(kind).toBe(LineKind.Row);
    expect(doc?.status).toBe(0);
  });

  it('omits - values (null) and keeps the user agent percent-encoded as logged', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    const { doc } = run(parser, HIT);
    for (const column of ['referrer', 'query_string', 'cookie', 'xforwarded_for', 'fle_status', 'sc_range_start', 'query_params']) {
      expect(doc).not.toHaveProperty(column);
    }
    expect(doc?.user_agent).toBe(UA);
  });

  it('escapes quotes, backslashes and control characters in values', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    const { kind, doc } = run(parser, withField(withField(HIT, 10, 'say "hi"\\now\u0001'), 12, 'a="b"'));
    expect(kind).toBe(LineKind.Row);
    expect(doc?.user_agent).toBe('say "hi"\\now\u0001');
    expect(doc?.cookie).toBe('a="b"');
  });

  it('ignores extra trailing fields and fields it does not know', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    expect(run(parser, `${HIT}\textra\tmore`).doc).toEqual(HIT_ROW);
    const withUnknown = parserWithHeader('#Fields: date time some-future-field x-edge-request-id');
    expect(run(withUnknown, tsv('2024-01-01', '00:00:00', 'whatever', 'id==')).doc).toEqual({
      date: '2024-01-01',
      time: '00:00:00',
      request_id: 'id==',
      timestamp: '2024-01-01T00:00:00Z',
    });
  });

  it('accepts CRLF line endings', () => {
    const parser = parserWithHeader(`${VERSION}\r`, `${FIELDS}\r`);
    expect(parser.header).toBe(`${VERSION}\n${FIELDS}`);
    const { kind, doc, partition } = run(parser, `${HIT}\r`);
    expect(kind).toBe(LineKind.Row);
    expect(doc).toEqual(HIT_ROW);
    expect(partition).toBe('2019-12-04/21');
  });
});

describe('cloudfront parser: bad lines', () => {
  it('skips blank and comment lines', () => {
    const parser = cloudfront.createParser();
    expect(run(parser, '').kind).toBe(LineKind.Skip);
    expect(parser.error).toBe('blank line');
    expect(run(parser, '# a comment').kind).toBe(LineKind.Skip);
    expect(parser.error).toBe('comment');
  });

  it('keeps a line whose value does not fit its column as an error row with its event time', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    const line = withField(HIT, 3, '39x');
    const { kind, doc, partition } = run(parser, line);
    expect(kind).toBe(LineKind.Error);
    expect(partition).toBe('2019-12-04/21');
    expect(doc).toEqual({ timestamp: '2019-12-04T21:02:31Z', _raw: line, _error: 'bytes: not a valid integer: "39x"' });
  });

  it('keeps a line without a readable date/time as an error row without a partition', () => {
    const parser = parserWithHeader(VERSION, FIELDS);
    for (const line of [withField(HIT, 0, '2019-13-04'), withField(HIT, 1, '25:00:00'), 'garbage', '2019-12-04']) {
      const { kind, doc, partition } = run(parser, line);
      expect(kind).toBe(LineKind.Error);
      expect(partition).toBe('');
      expect(doc?._raw).toBe(line);
      expect(typeof doc?._error).toBe('string');
      expect(doc).not.toHaveProperty('timestamp');
    }
  });

  it('reports a #Fields line without any time field on every data line', () => {
    const parser = parserWithHeader('#Fields: c-ip x-edge-request-id');
    const { kind, doc } = run(parser, tsv('192.0.2.1', 'id=='));
    expect(kind).toBe(LineKind.Error);
    expect(doc?._error).toBe('#Fields has neither date and time nor timestamp(ms)');
  });
});

describe('cloudfront detection', () => {
  it('recognises log object keys', () => {
    for (const key of [
      'E2ABCDEFGHIJKL.2019-12-04-21.a1b2c3d4.gz',
      'logs/cloudfront/E2ABCDEFGHIJKL.2019-12-04-21.a1b2c3d4.gz',
      'myprefix-E2ABCDEFGHIJK.2024-01-31-00.0123abcd.gz',
      'cf-logs/EMLARXS9EXAMPLE.2019-11-14-20.RT4KCN4SGK9.gz',
    ]) {
      expect(cloudfront.matchKey(key), key).toBe(true);
    }
    for (const key of [
      'E2ABCDEFGHIJKL.2019-12-04-21.a1b2c3d4',
      'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/01/01/x.log.gz',
      'X2ABCDEFGHIJKL.2019-12-04-21.a1b2c3d4.gz',
      'E2ABC.2019-12-04-21.a1b2c3d4.gz',
    ]) {
      expect(cloudfront.matchKey(key), key).toBe(false);
    }
  });

  it('recognises content by its header or a dated TAB-separated line', () => {
    expect(cloudfront.matchContent(`${VERSION}\n${FIELDS}\n${HIT}`)).toBe(true);
    expect(cloudfront.matchContent(`${FIELDS}\n${HIT}`)).toBe(true);
    expect(cloudfront.matchContent('#Fields: timestamp(ms) c-ip sc-status\n1733150460123\t192.0.2.1\t200')).toBe(true);
    expect(cloudfront.matchContent(HIT)).toBe(true);
    expect(cloudfront.matchContent('2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA')).toBe(false);
    expect(cloudfront.matchContent('{"Records":[]}')).toBe(false);
    expect(cloudfront.matchContent('#Fields: foo bar')).toBe(false);
    expect(cloudfront.skipObject('E2ABCDEFGHIJKL.2019-12-04-21.a1b2c3d4.gz', VERSION)).toBeUndefined();
  });
});

describe('cloudfront parser: properties', () => {
  const INSERTS = ['\t', '"', '\\', '\u0000', '\u001f', '\n', '\r', '#', '-', ' ', 'é', '😀', '\ud800', '\u2028', '%', ':'];

  function checkAnyLine(parser: LineParser, line: string): void {
    const partition = parser.locate(line);
    const kind = parser.parse(line);
    expect([LineKind.Row, LineKind.Error, LineKind.Skip]).toContain(kind);
    expect(partition).toBe(parser.dt === '' ? '' : `${parser.dt}/${parser.hour}`);
    if (kind === LineKind.Skip) return;
    const doc = JSON.parse(parser.json) as Record<string, unknown>;
    for (const key of Object.keys(doc)) expect(COLUMNS.has(key), key).toBe(true);
    if (kind === LineKind.Error) expect(doc._raw).toBe(line);
  }

  it('never throws on arbitrary strings, with or without a header', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom(FIELDS, VERSION, HIT))), (header, lines) => {
        const parser = header ? parserWithHeader(VERSION, FIELDS) : cloudfront.createParser();
        for (const line of lines) checkAnyLine(parser, line);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutations of a valid line (truncation, inserted separators, quotes, escapes, control characters, unicode)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(HIT, ORIGIN_DNS_ERROR, CURL, withField(HIT, 11, 'a=%2520&b')),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...INSERTS), fc.string({ unit: 'binary', maxLength: 3 }))), { maxLength: 5 }),
        (line, cut, inserts) => {
          let mutated = line.slice(0, line.length - (cut % (line.length + 1)));
          for (const [at, text] of inserts) {
            const i = at % (mutated.length + 1);
            mutated = mutated.slice(0, i) + text + mutated.slice(i);
          }
          checkAnyLine(parserWithHeader(VERSION, FIELDS), mutated);
          checkAnyLine(cloudfront.createParser(), mutated);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary #Fields lines followed by arbitrary data', () => {
    const names = ['date', 'time', 'timestamp(ms)', 'c-ip', 'sc-status', 'cs-uri-query', 'asn', 'origin-fbl', 'unknown-field', 'cs(Host)'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...names), { maxLength: 12 }),
        fc.array(fc.array(fc.oneof(fc.constantFrom('2024-01-02', '12:34:56', '1733150460123', '-', '200', 'a=1', ''), fc.string()), { maxLength: 14 })),
        (fieldNames, rows) => {
          const parser = cloudfront.createParser();
          checkAnyLine(parser, `#Fields: ${fieldNames.join(' ')}`);
          for (const row of rows) checkAnyLine(parser, row.join('\t'));
        },
      ),
      { numRuns: 300 },
    );
  });
});
