import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineKind } from '../format.js';
import { rowKernel } from '../row-kernel.js';
import { columnNames } from '../schema.js';
import { alb } from './alb.js';
import { checkByteFastPath, checkLineInvariants, lineMutation, mutateLine } from './property-testing.js';

const LB = 'app/my-loadbalancer/50dc6c495c0c9188';
const TG = 'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067';
const CERT = 'arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012';
/** The fields ALB appended in 2024 (conn_trace_id) and 2025 (transformed host/URI, transform status). */
const TAIL = 'TID_1234abcd5678ef90 "-" "-" "-"';

/** AWS's "Access log entries" examples (Application Load Balancers user guide), with the 2024/2025 fields. */
const HTTP = `http 2018-07-02T22:23:00.186641Z ${LB} 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - ${TG} "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" ${TAIL}`;
const HTTPS = `https 2018-07-02T22:23:00.186641Z ${LB} 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ${TG} "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "${CERT}" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" ${TAIL}`;
const H2_REDIRECT = `h2 2018-07-02T22:23:00.186641Z ${LB} 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ${TG} "Root=1-58337327-72bd00b0343d75b906739c42" "-" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-" ${TAIL}`;
const WS = `ws 2018-07-02T22:23:00.186641Z ${LB} 10.0.0.140:40914 10.0.1.192:8010 0.001 0.003 0.000 101 101 218 587 "GET http://10.0.0.30:80/ HTTP/1.1" "-" - - ${TG} "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.1.192:8010" "101" "-" "-" ${TAIL}`;
const WSS = `wss 2018-07-02T22:23:00.186641Z ${LB} 10.0.0.140:44244 10.0.0.171:8010 0.000 0.001 0.000 101 101 218 786 "GET https://10.0.0.30:443/ HTTP/1.1" "-" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ${TG} "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.171:8010" "101" "-" "-" ${TAIL}`;
const LAMBDA_OK = `http 2018-11-30T22:23:00.186641Z ${LB} 192.168.131.39:2817 - 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - ${TG} "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "-" "-" "-" "-" "-" ${TAIL}`;
const LAMBDA_FAILED = `http 2018-11-30T22:23:00.186641Z ${LB} 192.168.131.39:2817 - 0.000 0.001 0.000 502 - 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - ${TG} "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "LambdaInvalidResponse" "-" "-" "-" "-" ${TAIL}`;
/** The load balancer answers itself: no target, -1 timings, no target group. */
const FIXED_RESPONSE = `http 2025-09-23T07:15:26.379899Z app/my-loadbalancer/98e3a879de9d6b42 203.0.113.224:21790 - -1 -1 -1 404 - 127 162 "GET http://my-loadbalancer-606955064.us-east-1.elb.amazonaws.com:80/ HTTP/1.0" "Mozilla/5.0 (compatible; ExampleCrawler/1.0)" - - - "Root=1-6ab37c8e-5afd1aca560fd3a825162993" "-" "-" 0 2025-09-23T07:15:26.379000Z "fixed-response" "-" "-" "-" "-" "-" "-" TID_558e26a7adede44b9fdb98006014afcf "-" "-" "-"`;
/** ALB writes IPv6 addresses without brackets: `address:port`, split at the last colon. */
const IPV6 = `h2 2023-09-10T23:55:00.361692Z ${LB} 2001:db8:4538:1:bcf4:5264:e01c:f215:50718 2001:db8::10:8443 0.000 0.010 0.000 200 200 300 4000 "POST https://api.example.com:443/v1/items?id=7 HTTP/2.0" "okhttp/4.12.0" TLS_AES_128_GCM_SHA256 TLSv1.3 ${TG} "Root=1-6638818d-0123456789abcdef01234567" "api.example.com" "session-reused" 3 2023-09-10T23:55:00.358000Z "forward" "-" "-" "2001:db8::10:8443" "200" "-" "-" TID_abcdef0123456789abcdef0123456789`;
/** A 2016 line: 18 fields, ending after trace_id. */
const OLD_18 = `https 2016-08-10T23:39:43.065466Z ${LB} 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ${TG} "Root=1-58337281-1d84f3d73c47ec4e58577259"`;
/** 2020–2023 layout: through classification_reason, no conn_trace_id. */
const MID_29 = `https 2021-03-04T05:06:07.123456Z ${LB} 192.168.131.39:2817 10.0.0.1:80 0.001 0.002 0.000 200 200 120 890 "GET https://www.example.com:443/a b/c?x=1&q=hello%20world HTTP/1.1" "Mozilla/5.0 \\"quoted\\" agent" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ${TG} "Root=1-6040db9f-0123456789abcdef01234567" "www.example.com" "${CERT}" 5 2021-03-04T05:06:07.120000Z "waf,forward" "-" "-" "10.0.0.1:80" "200" "Acceptable" "SpaceInUri"`;
/** A malformed request: the load balancer logs what it could read. */
const BAD_REQUEST = `http 2025-03-01T10:03:17.218099Z app/MyALB1/240dbdc5244653c9 205.210.31.158:61084 - -1 -1 -1 400 - 0 272 "- http://myalb1-878688131.us-east-1.elb.amazonaws.com:80- -" "-" - - - "-" "-" "-" - 2025-03-01T10:03:16.682000Z "-" "-" "-" "-" "-" "-" "-" TID_6cfb27fd2ef25c42932bd6e0ff56d631`;
/** 2026: more fields after request_transform_status. */
const FUTURE = `${HTTP} 100.51.96.60 "-" "-" "a-future-field"`;

const ALL_GOOD = [HTTP, HTTPS, H2_REDIRECT, WS, WSS, LAMBDA_OK, LAMBDA_FAILED, FIXED_RESPONSE, OLD_18, MID_29, IPV6, BAD_REQUEST, FUTURE];


function run(line: string) {
  const parser = alb.createParser();
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

function row(line: string): Record<string, unknown> {
  const result = run(line);
  expect(result.kind, result.error).toBe(LineKind.Row);
  expect(result.located).toBe(`${result.dt}/${result.hour}`);
  return result.row!;
}

describe('alb schema', () => {
  it('has AWS Athena column names and types, then timestamp and query_params', () => {
    expect(columnNames(alb.schema)).toEqual([
      'type', 'time', 'elb', 'client_ip', 'client_port', 'target_ip', 'target_port', 'request_processing_time',
      'target_processing_time', 'response_processing_time', 'elb_status_code', 'target_status_code', 'received_bytes',
      'sent_bytes', 'request_verb', 'request_url', 'request_proto', 'user_agent', 'ssl_cipher', 'ssl_protocol',
      'target_group_arn', 'trace_id', 'domain_name', 'chosen_cert_arn', 'matched_rule_priority', 'request_creation_time',
      'actions_executed', 'redirect_url', 'lambda_error_reason', 'target_port_list', 'target_status_code_list',
      'classification', 'classification_reason', 'conn_trace_id', 'transformed_host', 'transformed_uri',
      'request_transform_status', 'timestamp', 'query_params', '_raw', '_error',
    ]);
    const types = Object.fromEntries(alb.schema.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      client_port: 'int',
      target_port: 'int',
      request_processing_time: 'double',
      target_processing_time: 'double',
      response_processing_time: 'double',
      elb_status_code: 'int',
      target_status_code: 'string',
      received_bytes: 'bigint',
      sent_bytes: 'bigint',
      time: 'string',
      timestamp: 'timestamp',
    });
    expect(alb.schema.dedupKey).toEqual(expect.arrayContaining(['trace_id', 'time', 'elb']));
  });
});

describe('alb golden lines', () => {
  it('parses the AWS HTTP example exactly', () => {
    const result = run(HTTP);
    expect(result.kind).toBe(LineKind.Row);
    expect(result.timestamp).toBe('2018-07-02T22:23:00.186641Z');
    expect(result.dt).toBe('2018-07-02');
    expect(result.hour).toBe('22');
    expect(result.located).toBe('2018-07-02/22');
    expect(result.json).toBe(
      `{"type":"http","time":"2018-07-02T22:23:00.186641Z","elb":"${LB}","client_ip":"192.168.131.39","client_port":2817,` +
        `"target_ip":"10.0.0.1","target_port":80,"request_processing_time":0.000,"target_processing_time":0.001,` +
        `"response_processing_time":0.000,"elb_status_code":200,"target_status_code":"200","received_bytes":34,"sent_bytes":366,` +
        `"request_verb":"GET","request_url":"http://www.example.com:80/","request_proto":"HTTP/1.1","user_agent":"curl/7.46.0",` +
        `"target_group_arn":"${TG}","trace_id":"Root=1-58337262-36d228ad5d99923122bbe354","matched_rule_priority":"0",` +
        `"request_creation_time":"2018-07-02T22:22:48.364000Z","actions_executed":"forward","target_port_list":"10.0.0.1:80",` +
        `"target_status_code_list":"200","conn_trace_id":"TID_1234abcd5678ef90","timestamp":"2018-07-02T22:23:00.186641Z"}`,
    );
  });

  it('parses the AWS HTTPS example', () => {
    expect(row(HTTPS)).toEqual({
      type: 'https',
      time: '2018-07-02T22:23:00.186641Z',
      elb: LB,
      client_ip: '192.168.131.39',
      client_port: 2817,
      target_ip: '10.0.0.1',
      target_port: 80,
      request_processing_time: 0.086,
      target_processing_time: 0.048,
      response_processing_time: 0.037,
      elb_status_code: 200,
      target_status_code: '200',
      received_bytes: 0,
      sent_bytes: 57,
      request_verb: 'GET',
      request_url: 'https://www.example.com:443/',
      request_proto: 'HTTP/1.1',
      user_agent: 'curl/7.46.0',
      ssl_cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
      ssl_protocol: 'TLSv1.2',
      target_group_arn: TG,
      trace_id: 'Root=1-58337281-1d84f3d73c47ec4e58577259',
      domain_name: 'www.example.com',
      chosen_cert_arn: CERT,
      matched_rule_priority: '1',
      request_creation_time: '2018-07-02T22:22:48.364000Z',
      actions_executed: 'authenticate,forward',
      target_port_list: '10.0.0.1:80',
      target_status_code_list: '200',
      conn_trace_id: 'TID_1234abcd5678ef90',
      timestamp: '2018-07-02T22:23:00.186641Z',
    });
  });

  it('parses the AWS HTTP/2 redirect example', () => {
    expect(row(H2_REDIRECT)).toMatchObject({
      type: 'h2',
      client_ip: '10.0.1.252',
      client_port: 48160,
      target_ip: '10.0.0.66',
      target_port: 9000,
      request_url: 'https://10.0.2.105:773/',
      request_proto: 'HTTP/2.0',
      actions_executed: 'redirect',
      redirect_url: 'https://example.com:80/',
    });
  });

  it('parses the AWS WebSockets examples', () => {
    for (const [line, type] of [[WS, 'ws'], [WSS, 'wss']] as const) {
      const parsed = row(line);
      expect(parsed).toMatchObject({ type, elb_status_code: 101, target_status_code: '101', target_status_code_list: '101' });
      expect(parsed).not.toHaveProperty('user_agent');
    }
  });

  it('parses the AWS Lambda examples (no target; error reason)', () => {
    const ok = row(LAMBDA_OK);
    expect(ok).not.toHaveProperty('target_ip');
    expect(ok).not.toHaveProperty('target_port');
    expect(ok).not.toHaveProperty('target_port_list');
    expect(row(LAMBDA_FAILED)).toEqual({
      type: 'http',
      time: '2018-11-30T22:23:00.186641Z',
      elb: LB,
      client_ip: '192.168.131.39',
      client_port: 2817,
      request_processing_time: 0,
      target_processing_time: 0.001,
      response_processing_time: 0,
      elb_status_code: 502,
      received_bytes: 34,
      sent_bytes: 366,
      request_verb: 'GET',
      request_url: 'http://www.example.com:80/',
      request_proto: 'HTTP/1.1',
      user_agent: 'curl/7.46.0',
      target_group_arn: TG,
      trace_id: 'Root=1-58337364-23a8c76965a2ef7629b185e3',
      matched_rule_priority: '0',
      request_creation_time: '2018-11-30T22:22:48.364000Z',
      actions_executed: 'forward',
      lambda_error_reason: 'LambdaInvalidResponse',
      conn_trace_id: 'TID_1234abcd5678ef90',
      timestamp: '2018-11-30T22:23:00.186641Z',
    });
  });

  it('parses a fixed-response line with - target and -1 timings', () => {
    expect(row(FIXED_RESPONSE)).toEqual({
      type: 'http',
      time: '2025-09-23T07:15:26.379899Z',
      elb: 'app/my-loadbalancer/98e3a879de9d6b42',
      client_ip: '203.0.113.224',
      client_port: 21790,
      request_processing_time: -1,
      target_processing_time: -1,
      response_processing_time: -1,
      elb_status_code: 404,
      received_bytes: 127,
      sent_bytes: 162,
      request_verb: 'GET',
      request_url: 'http://my-loadbalancer-606955064.us-east-1.elb.amazonaws.com:80/',
      request_proto: 'HTTP/1.0',
      user_agent: 'Mozilla/5.0 (compatible; ExampleCrawler/1.0)',
      trace_id: 'Root=1-6ab37c8e-5afd1aca560fd3a825162993',
      matched_rule_priority: '0',
      request_creation_time: '2025-09-23T07:15:26.379000Z',
      actions_executed: 'fixed-response',
      conn_trace_id: 'TID_558e26a7adede44b9fdb98006014afcf',
      timestamp: '2025-09-23T07:15:26.379899Z',
    });
  });

  it('parses an old short (2016) line: later fields null', () => {
    expect(row(OLD_18)).toEqual({
      type: 'https',
      time: '2016-08-10T23:39:43.065466Z',
      elb: LB,
      client_ip: '192.168.131.39',
      client_port: 2817,
      target_ip: '10.0.0.1',
      target_port: 80,
      request_processing_time: 0.086,
      target_processing_time: 0.048,
      response_processing_time: 0.037,
      elb_status_code: 200,
      target_status_code: '200',
      received_bytes: 0,
      sent_bytes: 57,
      request_verb: 'GET',
      request_url: 'https://www.example.com:443/',
      request_proto: 'HTTP/1.1',
      user_agent: 'curl/7.46.0',
      ssl_cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
      ssl_protocol: 'TLSv1.2',
      target_group_arn: TG,
      trace_id: 'Root=1-58337281-1d84f3d73c47ec4e58577259',
      timestamp: '2016-08-10T23:39:43.065466Z',
    });
    const seventeen = OLD_18.slice(0, OLD_18.lastIndexOf(' '));
    expect(row(seventeen)).not.toHaveProperty('trace_id');
    expect(row(`${OLD_18} `)).toEqual(row(OLD_18));
  });

  it('keeps a URL with spaces whole, escaped quotes as logged, and classification fields', () => {
    expect(row(MID_29)).toMatchObject({
      request_verb: 'GET',
      request_url: 'https://www.example.com:443/a b/c?x=1&q=hello%20world',
      request_proto: 'HTTP/1.1',
      user_agent: 'Mozilla/5.0 \\"quoted\\" agent',
      actions_executed: 'waf,forward',
      classification: 'Acceptable',
      classification_reason: 'SpaceInUri',
      query_params: { x: '1', q: 'hello world' },
    });
    expect(row(MID_29)).not.toHaveProperty('conn_trace_id');
  });

  it('splits IPv6 client and target at the last colon', () => {
    expect(row(IPV6)).toMatchObject({
      client_ip: '2001:db8:4538:1:bcf4:5264:e01c:f215',
      client_port: 50718,
      target_ip: '2001:db8::10',
      target_port: 8443,
      target_port_list: '2001:db8::10:8443',
      chosen_cert_arn: 'session-reused',
      request_verb: 'POST',
      query_params: { id: '7' },
      conn_trace_id: 'TID_abcdef0123456789abcdef0123456789',
    });
  });

  it('parses a malformed request as logged', () => {
    expect(row(BAD_REQUEST)).toEqual({
      type: 'http',
      time: '2025-03-01T10:03:17.218099Z',
      elb: 'app/MyALB1/240dbdc5244653c9',
      client_ip: '205.210.31.158',
      client_port: 61084,
      request_processing_time: -1,
      target_processing_time: -1,
      response_processing_time: -1,
      elb_status_code: 400,
      received_bytes: 0,
      sent_bytes: 272,
      request_url: 'http://myalb1-878688131.us-east-1.elb.amazonaws.com:80-',
      request_creation_time: '2025-03-01T10:03:16.682000Z',
      conn_trace_id: 'TID_6cfb27fd2ef25c42932bd6e0ff56d631',
      timestamp: '2025-03-01T10:03:17.218099Z',
    });
  });

  it('reads the 2025 transform fields and ignores fields appended after them', () => {
    const transformed = HTTP.replace(`${TAIL}`, 'TID_1 "internal.example.com" "/v2/items?id=1" "TransformSuccess"');
    expect(row(transformed)).toMatchObject({
      conn_trace_id: 'TID_1',
      transformed_host: 'internal.example.com',
      transformed_uri: '/v2/items?id=1',
      request_transform_status: 'TransformSuccess',
    });
    expect(row(FUTURE)).toEqual(row(HTTP));
  });
});

/** The row the byte-level fast path writes for `line` (loaded inside other bytes), or undefined when it declines. */
function fastRow(line: string): Record<string, unknown> | undefined {
  const parser = alb.createParser();
  const kernel = rowKernel();
  const bytes = Buffer.from(`"\\\n${line}\n"\\`, 'utf8');
  const start = kernel.load(bytes, 0, bytes.length) + 3;
  if (!parser.parseBytes!(kernel, start, start + bytes.length - 6)) {
    expect(kernel.output().length).toBe(0);
    return undefined;
  }
  const text = kernel.output().toString('utf8');
  expect(text.endsWith('}\n')).toBe(true);
  expect([parser.timestamp, parser.dt, parser.hour]).toEqual([run(line).timestamp, run(line).dt, run(line).hour]);
  return JSON.parse(text) as Record<string, unknown>;
}

describe('alb byte-level fast path', () => {
  const QUERY = HTTPS.replace('"GET https://www.example.com:443/ HTTP/1.1"', '"GET https://www.example.com:443/search?q=a+b&lang=en&q=2&e=%C3%A9#top HTTP/1.1"');
  const IPV6_CLIENT_NO_TARGET = FIXED_RESPONSE.replace('203.0.113.224:21790', '2001:db8:4538:1:bcf4:5264:e01c:f215:50718');
  const CONTROL = HTTP.replace('"curl/7.46.0"', '"curl\t7.46.0\u0001"');
  const ZEROS = HTTP.replace(' 34 366 ', ' 034 0366 ');

  it('takes every golden line and writes exactly what the string path writes', () => {
    expect(checkByteFastPath(alb, ALL_GOOD)).toBe(ALL_GOOD.length);
    expect(checkByteFastPath(alb, [QUERY, IPV6_CLIENT_NO_TARGET, CONTROL, ZEROS, ...ALL_GOOD].reverse())).toBe(ALL_GOOD.length + 4);
    expect(fastRow(ZEROS)).toMatchObject({ received_bytes: 34, sent_bytes: 366 });
  });

  it('splits an IPv6 client and a - target, and the request line', () => {
    expect(fastRow(IPV6_CLIENT_NO_TARGET)).toEqual(row(IPV6_CLIENT_NO_TARGET));
    expect(fastRow(IPV6_CLIENT_NO_TARGET)).toMatchObject({ client_ip: '2001:db8:4538:1:bcf4:5264:e01c:f215', client_port: 50718, request_verb: 'GET' });
    expect(fastRow(IPV6_CLIENT_NO_TARGET)).not.toHaveProperty('target_ip');
    expect(fastRow(IPV6_CLIENT_NO_TARGET)).not.toHaveProperty('target_port');
    expect(fastRow(IPV6)).toMatchObject({ client_port: 50718, target_ip: '2001:db8::10', target_port: 8443, query_params: { id: '7' } });
    expect(fastRow(BAD_REQUEST)).toEqual(row(BAD_REQUEST));
    expect(fastRow(OLD_18)).toEqual(row(OLD_18));
    expect(fastRow(FUTURE)).toEqual(row(HTTP));
  });

  it('reads query_params from the URL of the request', () => {
    expect(fastRow(QUERY)).toMatchObject({
      request_url: 'https://www.example.com:443/search?q=a+b&lang=en&q=2&e=%C3%A9#top',
      query_params: { q: 'a b', lang: 'en', e: 'é' },
    });
    expect(fastRow(MID_29)).toMatchObject({ request_url: 'https://www.example.com:443/a b/c?x=1&q=hello%20world', query_params: { x: '1', q: 'hello world' } });
    expect(fastRow(HTTP)).not.toHaveProperty('query_params');
  });

  it('escapes quotes, backslashes and control bytes in string values', () => {
    expect(fastRow(MID_29)).toEqual(row(MID_29));
    expect(fastRow(MID_29)).toMatchObject({ user_agent: 'Mozilla/5.0 \\"quoted\\" agent' });
    expect(fastRow(CONTROL)).toMatchObject({ user_agent: 'curl\t7.46.0\u0001' });
  });

  it('declines, writing nothing, what it cannot write as the string path does', () => {
    const declined = [
      '',
      'garbage',
      HTTP.replace('curl/7.46.0', 'curl/7.46.0 é'), // not ASCII
      HTTP.replace(' 0.000 0.001 ', ' .5 0.001 '), // a number the string path rewrites (0.5)
      HTTP.replace(' 200 200 ', ' -00 200 '), // an integer it rewrites (0)
      HTTP.replace(' 34 366 ', ' 34 x '), // not a number: an error row
      HTTP.replace('2018-07-02T22:23:00.186641Z', '2018-07-02 22:23:00'), // no ISO time
      HTTP.slice(0, -1), // unterminated
      HTTP.split(' ').slice(0, 12).join(' '), // too few fields
      `"http" ${HTTP.slice(5)}`, // a quoted type field
    ];
    for (const line of declined) expect(fastRow(line), line).toBeUndefined();
    expect(checkByteFastPath(alb, declined)).toBe(0);
  });
});

describe('alb bad lines', () => {
  it('skips blank lines', () => {
    for (const line of ['', ' ', '\r']) {
      const result = run(line);
      expect(result.kind).toBe(LineKind.Skip);
      expect(result.error).toBe('blank line');
      expect(result.located).toBe('');
    }
  });

  it('keeps a line without a readable time as an error row without timestamp', () => {
    const line = HTTP.replace('2018-07-02T22:23:00.186641Z', '2018-07-02 22:23:00');
    const result = run(line);
    expect(result.kind).toBe(LineKind.Error);
    expect(result.row).toEqual({ _raw: line, _error: result.error });
    expect(result.located).toBe('');
    expect(result.dt).toBe('');
  });

  it('keeps a value that does not fit its column as an error row with its timestamp', () => {
    const line = HTTP.replace('192.168.131.39:2817', '192.168.131.39:28x7');
    const result = run(line);
    expect(result.kind).toBe(LineKind.Error);
    expect(result.error).toMatch(/^client_port: not a valid integer/);
    expect(result.row).toEqual({ timestamp: '2018-07-02T22:23:00.186641Z', _raw: line, _error: result.error });
    expect(result.located).toBe('2018-07-02/22');
  });

  it('rejects truncated lines, unterminated quotes and NLB/connection log lines', () => {
    const short = run(HTTP.split(' ').slice(0, 10).join(' '));
    expect(short.kind).toBe(LineKind.Error);
    expect(short.error).toMatch(/expected at least 13 fields/);
    expect(short.located).toBe('2018-07-02/22');
    const unterminated = run(HTTP.slice(0, -1));
    expect(unterminated.kind).toBe(LineKind.Error);
    expect(unterminated.error).toBe('unterminated quoted field');
    const nlb = 'tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com - - - 2018-12-20T02:59:30';
    expect(run(nlb).kind).toBe(LineKind.Error);
  });
});

describe('alb detection', () => {
  const KEY = 'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2016/05/01/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz';

  it('matches ALB access log keys only', () => {
    expect(alb.matchKey(KEY)).toBe(true);
    expect(alb.matchKey(`my-bucket-prefix/${KEY}`)).toBe(true);
    expect(alb.matchKey(KEY.replace('_app.', '_net.'))).toBe(false);
    expect(alb.matchKey(KEY.replace('/123456789012_elasticloadbalancing', '/conn_log.123456789012_elasticloadbalancing'))).toBe(false);
    expect(alb.matchKey('AWSLogs/123456789012/elasticloadbalancing/us-east-1/2019/01/01/123456789012_elasticloadbalancing_us-east-1_my-classic-lb_20190101T0000Z_10.0.0.1_abc123.log')).toBe(false);
    expect(alb.matchKey('AWSLogs/123456789012/CloudTrail/us-east-1/2019/01/01/123456789012_CloudTrail_us-east-1_20190101T0000Z_abcdefghijklmnop.json.gz')).toBe(false);
  });

  it('matches content starting with a request type and an ISO time', () => {
    for (const line of [HTTP, HTTPS, H2_REDIRECT, WS, WSS]) expect(alb.matchContent(line)).toBe(true);
    expect(alb.matchContent(`grpcs ${HTTP.slice(5)}`)).toBe(true);
    expect(alb.matchContent('2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -')).toBe(false);
    expect(alb.matchContent('tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234')).toBe(false);
  });

  it('skips no objects and is gzip', () => {
    expect(alb.skipObject(KEY, HTTP)).toBeUndefined();
    expect(alb.gzip).toBe(true);
    expect(alb.table).toBe('alb');
  });
});

describe('alb properties', () => {
  const INSERTS = ['"', '\\', '\\"', ' ', '  ', '\t', '\n', '\r', '\u0000', '\u001f', '\u007f', ':', '-', 'é', '😀', '\u2028', '\udc00', '%', '?', '&', '='];

  const mutation = lineMutation(INSERTS);
  const mutate = mutateLine;
  const checkInvariants = (line: string): void => checkLineInvariants(alb, line);

  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), checkInvariants), { numRuns: 2000 });
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...INSERTS, 'h', 't', 'p', '2', '0', 'T', 'Z', '.'), maxLength: 200 }), (s) => {
        checkInvariants(s);
        checkInvariants(`http 2018-07-02T22:23:00.186641Z ${s}`);
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
    const parser = alb.createParser();
    for (const line of [HTTPS, '', 'garbage', OLD_18]) parser.parse(line);
    expect(parser.json).toBe(run(OLD_18).json);
    parser.parse(FUTURE);
    parser.parse(LAMBDA_OK);
    expect(parser.json).toBe(run(LAMBDA_OK).json);
  });
});
