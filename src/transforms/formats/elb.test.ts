import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineKind } from '../format.js';
import { detect } from '../registry.js';
import { alb } from './alb.js';
import { elb } from './elb.js';
import { checkLineInvariants, lineMutation, mutateLine } from './property-testing.js';

// AWS's "Access log entries" examples for Classic Load Balancers (Elastic Load Balancing user guide,
// "Example HTTP/HTTPS/TCP/SSL entry").
const HTTP =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -';
const HTTPS =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2';
const TCP =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -';
const SSL =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001065 0.000015 0.000023 - - 57 502 "- - - " "-" ECDHE-ECDSA-AES128-GCM-SHA256 TLSv1.2';
/** Not dispatched (no healthy instance): no backend, `-1` timings, backend status 0. */
const NOT_DISPATCHED =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 - -1 -1 -1 503 0 0 0 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -';
/** A dual-stack load balancer logs IPv6 clients without brackets: split at the last colon. */
const IPV6 =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 2001:db8:85a3::8a2e:370:7334:51234 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -';
/** The request line keeps a URL with spaces whole; its query is decoded into query_params. */
const URL_WITH_SPACES =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/docs/getting started.html?q=a+b%21&page=2&q=second HTTP/1.1" "curl/7.38.0" - -';
/** A user agent with escaped quotes: kept as logged, backslashes included. */
const ESCAPED_QUOTES =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "Mozilla/5.0 \\"quoted\\" agent" - -';
/** The shortest line accepted: through the request (no user agent, no SSL fields). */
const SHORT_12 =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1"';

const ALL_GOOD = [HTTP, HTTPS, TCP, SSL, NOT_DISPATCHED, IPV6, URL_WITH_SPACES, ESCAPED_QUOTES, SHORT_12];

const TS = '"timestamp":"2015-05-13T23:39:43.945958Z"';

function run(line: string) {
  const parser = elb.createParser();
  const kind = parser.parse(line);
  return {
    kind,
    row: kind === LineKind.Skip ? undefined : (JSON.parse(parser.json) as Record<string, unknown>),
    json: parser.json,
    timestamp: parser.timestamp,
    dt: parser.dt,
    hour: parser.hour,
    error: parser.error,
    located: parser.locate(line),
  };
}

/** The row's exact JSON text, after checking it is a row located where parse puts it. */
function json(line: string): string {
  const result = run(line);
  expect(result.kind, result.error).toBe(LineKind.Row);
  expect(result.located).toBe(`${result.dt}/${result.hour}`);
  expect(result.located).toBe('2015-05-13/23');
  expect(result.timestamp).toBe('2015-05-13T23:39:43.945958Z');
  return result.json;
}

describe('elb schema', () => {
  it("has AWS Athena's elb_logs columns and types, then timestamp and query_params", () => {
    expect(elb.schema.columns.map((c) => [c.name, c.type])).toEqual([
      ['elb_name', 'string'],
      ['request_ip', 'string'],
      ['request_port', 'int'],
      ['backend_ip', 'string'],
      ['backend_port', 'int'],
      ['request_processing_time', 'double'],
      ['backend_processing_time', 'double'],
      ['client_response_time', 'double'],
      ['elb_response_code', 'string'],
      ['backend_response_code', 'string'],
      ['received_bytes', 'bigint'],
      ['sent_bytes', 'bigint'],
      ['request_verb', 'string'],
      ['url', 'string'],
      ['protocol', 'string'],
      ['user_agent', 'string'],
      ['ssl_cipher', 'string'],
      ['ssl_protocol', 'string'],
      ['timestamp', 'timestamp'],
      ['query_params', { kind: 'map', key: 'string', value: 'string' }],
      ['_raw', 'string'],
      ['_error', 'string'],
    ]);
  });
});

describe('elb golden lines', () => {
  it('parses the AWS HTTP example exactly', () => {
    expect(json(HTTP)).toBe(
      '{"elb_name":"my-loadbalancer","request_ip":"192.168.131.39","request_port":2817,"backend_ip":"10.0.0.1","backend_port":80,' +
        '"request_processing_time":0.000073,"backend_processing_time":0.001048,"client_response_time":0.000057,' +
        '"elb_response_code":"200","backend_response_code":"200","received_bytes":0,"sent_bytes":29,' +
        `"request_verb":"GET","url":"http://www.example.com:80/","protocol":"HTTP/1.1","user_agent":"curl/7.38.0",${TS}}`,
    );
  });

  it('parses the AWS HTTPS example with its SSL cipher and protocol', () => {
    expect(json(HTTPS)).toBe(
      '{"elb_name":"my-loadbalancer","request_ip":"192.168.131.39","request_port":2817,"backend_ip":"10.0.0.1","backend_port":80,' +
        '"request_processing_time":0.000086,"backend_processing_time":0.001048,"client_response_time":0.001337,' +
        '"elb_response_code":"200","backend_response_code":"200","received_bytes":0,"sent_bytes":57,' +
        '"request_verb":"GET","url":"https://www.example.com:443/","protocol":"HTTP/1.1","user_agent":"curl/7.38.0",' +
        `"ssl_cipher":"DHE-RSA-AES128-SHA","ssl_protocol":"TLSv1.2",${TS}}`,
    );
  });

  it('parses the AWS TCP example: "- - - " request, "-" agent and - status codes are null', () => {
    expect(json(TCP)).toBe(
      '{"elb_name":"my-loadbalancer","request_ip":"192.168.131.39","request_port":2817,"backend_ip":"10.0.0.1","backend_port":80,' +
        '"request_processing_time":0.001069,"backend_processing_time":0.000028,"client_response_time":0.000041,' +
        `"received_bytes":82,"sent_bytes":305,${TS}}`,
    );
  });

  it('parses the AWS SSL example', () => {
    expect(json(SSL)).toBe(
      '{"elb_name":"my-loadbalancer","request_ip":"192.168.131.39","request_port":2817,"backend_ip":"10.0.0.1","backend_port":80,' +
        '"request_processing_time":0.001065,"backend_processing_time":0.000015,"client_response_time":0.000023,' +
        `"received_bytes":57,"sent_bytes":502,"ssl_cipher":"ECDHE-ECDSA-AES128-GCM-SHA256","ssl_protocol":"TLSv1.2",${TS}}`,
    );
  });

  it('parses a request that was not dispatched: - backend, -1 timings', () => {
    expect(json(NOT_DISPATCHED)).toBe(
      '{"elb_name":"my-loadbalancer","request_ip":"192.168.131.39","request_port":2817,' +
        '"request_processing_time":-1,"backend_processing_time":-1,"client_response_time":-1,' +
        '"elb_response_code":"503","backend_response_code":"0","received_bytes":0,"sent_bytes":0,' +
        `"request_verb":"GET","url":"http://www.example.com:80/","protocol":"HTTP/1.1","user_agent":"curl/7.38.0",${TS}}`,
    );
  });

  it('splits an IPv6 client at the last colon', () => {
    expect(json(IPV6)).toBe(
      '{"elb_name":"my-loadbalancer","request_ip":"2001:db8:85a3::8a2e:370:7334","request_port":51234,"backend_ip":"10.0.0.1","backend_port":80,' +
        '"request_processing_time":0.000073,"backend_processing_time":0.001048,"client_response_time":0.000057,' +
        '"elb_response_code":"200","backend_response_code":"200","received_bytes":0,"sent_bytes":29,' +
        `"request_verb":"GET","url":"http://www.example.com:80/","protocol":"HTTP/1.1","user_agent":"curl/7.38.0",${TS}}`,
    );
  });

  it('keeps a URL with spaces whole and decodes its query once (first value wins)', () => {
    expect(json(URL_WITH_SPACES)).toBe(
      '{"elb_name":"my-loadbalancer","request_ip":"192.168.131.39","request_port":2817,"backend_ip":"10.0.0.1","backend_port":80,' +
        '"request_processing_time":0.000073,"backend_processing_time":0.001048,"client_response_time":0.000057,' +
        '"elb_response_code":"200","backend_response_code":"200","received_bytes":0,"sent_bytes":29,' +
        '"request_verb":"GET","url":"http://www.example.com:80/docs/getting started.html?q=a+b%21&page=2&q=second","protocol":"HTTP/1.1",' +
        `"user_agent":"curl/7.38.0",${TS},"query_params":{"q":"a b!","page":"2"}}`,
    );
  });

  it('keeps escaped quotes in a user agent as logged', () => {
    const text = json(ESCAPED_QUOTES);
    expect(text).toBe(
      '{"elb_name":"my-loadbalancer","request_ip":"192.168.131.39","request_port":2817,"backend_ip":"10.0.0.1","backend_port":80,' +
        '"request_processing_time":0.000073,"backend_processing_time":0.001048,"client_response_time":0.000057,' +
        '"elb_response_code":"200","backend_response_code":"200","received_bytes":0,"sent_bytes":29,' +
        `"request_verb":"GET","url":"http://www.example.com:80/","protocol":"HTTP/1.1","user_agent":"Mozilla/5.0 \\\\\\"quoted\\\\\\" agent",${TS}}`,
    );
    expect((JSON.parse(text) as Record<string, unknown>).user_agent).toBe('Mozilla/5.0 \\"quoted\\" agent');
  });

  it('accepts a line that ends with the request: later fields null', () => {
    const row = JSON.parse(json(SHORT_12)) as Record<string, unknown>;
    expect(row).toMatchObject({ url: 'http://www.example.com:80/', protocol: 'HTTP/1.1' });
    expect(row).not.toHaveProperty('user_agent');
    expect(row).not.toHaveProperty('ssl_cipher');
  });
});

describe('elb bad lines', () => {
  it('skips blank lines, including whitespace-only ones', () => {
    for (const line of ['', ' ', '  ', '\r', '\t']) {
      const result = run(line);
      expect(result.kind).toBe(LineKind.Skip);
      expect(result.error).toBe('blank line');
      expect(result.located).toBe('');
    }
  });

  it('keeps a line without a readable time as an error row without timestamp', () => {
    for (const line of ['garbage', HTTP.replace('2015-05-13T23:39:43.945958Z', '2015-05-13 23:39:43'), `"${HTTP.replace(' ', '" ')}`]) {
      const result = run(line);
      expect(result.kind).toBe(LineKind.Error);
      expect(result.error).toBe('timestamp is not ISO-8601');
      expect(result.row).toEqual({ _raw: line, _error: 'timestamp is not ISO-8601' });
      expect(result.located).toBe('');
    }
  });

  it('keeps a value that does not fit its column as an error row with its timestamp', () => {
    const line = HTTP.replace('192.168.131.39:2817', '192.168.131.39:28x7');
    const result = run(line);
    expect(result.kind).toBe(LineKind.Error);
    expect(result.error).toBe('request_port: not a valid integer: "28x7"');
    expect(result.row).toEqual({ timestamp: '2015-05-13T23:39:43.945958Z', _raw: line, _error: result.error });
    expect(result.located).toBe('2015-05-13/23');
  });

  it('rejects truncated lines and unterminated quotes, keeping their time', () => {
    const short = run(HTTP.split(' ').slice(0, 11).join(' '));
    expect(short.kind).toBe(LineKind.Error);
    expect(short.error).toBe('expected at least 12 fields, found 11');
    expect(short.located).toBe('2015-05-13/23');
    const unterminated = run(HTTP.replace('"curl/7.38.0" - -', '"curl/7.38.0 - -'));
    expect(unterminated.kind).toBe(LineKind.Error);
    expect(unterminated.error).toBe('unterminated quoted field');
    expect(unterminated.row).toEqual({ timestamp: '2015-05-13T23:39:43.945958Z', _raw: unterminated.row!._raw, _error: 'unterminated quoted field' });
  });
});

describe('elb detection', () => {
  // AWS's example log file name, and the same under the ALB/NLB naming.
  const KEY =
    'my-app/AWSLogs/123456789012/elasticloadbalancing/us-west-2/2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.160.001.192_20sg8hgm.log';
  const ALB_KEY =
    'AWSLogs/123456789012/elasticloadbalancing/us-west-2/2014/02/15/123456789012_elasticloadbalancing_us-west-2_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz';
  const NLB_KEY =
    'AWSLogs/123456789012/elasticloadbalancing/us-west-2/2014/02/15/123456789012_elasticloadbalancing_us-west-2_net.my-loadbalancer.1234567890abcdef_20140215T2340Z_3b8f2e9a.log.gz';

  it('matches Classic ELB keys, not ALB or NLB keys, nor gzip files', () => {
    expect(elb.matchKey(KEY)).toBe(true);
    expect(elb.matchKey(KEY.slice(KEY.indexOf('AWSLogs/')))).toBe(true);
    expect(elb.matchKey(KEY.slice(KEY.lastIndexOf('/') + 1))).toBe(true);
    expect(elb.matchKey(ALB_KEY)).toBe(false);
    expect(elb.matchKey(ALB_KEY.replace('.log.gz', '.log'))).toBe(false);
    expect(elb.matchKey(NLB_KEY)).toBe(false);
    expect(elb.matchKey(`${KEY}.gz`)).toBe(false);
    expect(elb.matchKey(KEY.replace('/123456789012_elasticloadbalancing', '/conn_log.123456789012_elasticloadbalancing'))).toBe(false);
  });

  it('matches a Classic key whatever its prefix says', () => {
    expect(elb.matchKey(`logs_app.bucket/${KEY}`)).toBe(true);
    expect(elb.matchKey(`net_app.gz/${KEY}`)).toBe(true);
  });

  it('is detected by key, and the test file is skipped', () => {
    expect(detect(KEY, '')).toEqual({ kind: 'format', format: elb });
    expect(detect(ALB_KEY, '')).toEqual({ kind: 'format', format: alb });
    const skipped = detect('my-app/AWSLogs/123456789012/ELBAccessLogTestFile', 'Enable AccessLog for ELB: my-loadbalancer at 2014-02-15T23:39:43.945958Z');
    expect(skipped).toEqual({ kind: 'skip', reason: 'ELB access log test file' });
    expect(elb.skipObject('AWSLogs/123456789012/ELBAccessLogTestFile', '')).toBe('ELB access log test file');
    expect(elb.skipObject(KEY, HTTP)).toBeUndefined();
  });

  it('matches content starting with an ISO time and a client address', () => {
    for (const line of [HTTP, HTTPS, TCP, SSL, NOT_DISPATCHED, IPV6]) expect(elb.matchContent(line)).toBe(true);
    expect(elb.matchContent(`http ${HTTP}`)).toBe(false);
    expect(detect('some/unknown/key.log', HTTP)).toEqual({ kind: 'format', format: elb });
  });

  it('is plain text with no header', () => {
    expect(elb.gzip).toBe(false);
    expect(elb.table).toBe('elb');
    expect(elb.createParser().header).toBe('');
  });
});

describe('elb properties', () => {
  const INSERTS = ['"', '\\', '\\"', ' ', '  ', '\t', '\n', '\r', '\u0000', '\u001f', '\u007f', ':', '-', '-1', 'é', '😀', '\u2028', '\udc00', '%', '?', '&', '=', '[', ']'];

  const mutation = lineMutation(INSERTS);
  const mutate = mutateLine;
  const checkInvariants = (line: string): void => checkLineInvariants(elb, line);

  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), checkInvariants), { numRuns: 2000 });
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...INSERTS, '1', '2', '0', 'T', 'Z', '.', 'a'), maxLength: 200 }), (s) => {
        checkInvariants(s);
        checkInvariants(`2015-05-13T23:39:43.945958Z ${s}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on mutated valid lines', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_GOOD), fc.array(mutation, { minLength: 1, maxLength: 6 }), (line, mutations) => {
        checkInvariants(mutate(line, mutations));
      }),
      { numRuns: 5000 },
    );
  });

  it('reuses one parser across lines without leaking state', () => {
    const parser = elb.createParser();
    for (const line of [HTTPS, '', 'garbage', SHORT_12]) parser.parse(line);
    expect(parser.json).toBe(run(SHORT_12).json);
    parser.parse(URL_WITH_SPACES);
    parser.parse(TCP);
    expect(parser.json).toBe(run(TCP).json);
  });
});
