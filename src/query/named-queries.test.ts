import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE_NAMES } from '../transforms/schema.js';
import { renderSql } from './dialect.js';
import { DuckDbEngine } from './duckdb-engine.js';
import type { ResultValue } from './engine.js';
import { NAMED_QUERIES, SAVED_QUERY_PERIOD, athenaSavedQueries, closeNames, namedQuery, namedQuerySql } from './named-queries.js';
import { writeLakeRows } from './testing.js';

/**
 * Every named query on DuckDB against small lakes whose answers are worked out by hand below.
 * The period is 2024-03-01..2024-03-02; each table also has rows on 2024-02-29 and 2024-03-03
 * (outside it) and an unparseable line's error row inside it — none of which may be counted.
 */

const FROM = '2024-03-01';
const TO = '2024-03-02';
const ACCOUNT = '123456789012';

type Row = Record<string, ResultValue>;

/** `?` placeholders outside string literals. */
function placeholders(sql: string): number {
  return (sql.replace(/'(?:[^']|'')*'/g, "''").match(/\?/g) ?? []).length;
}

/** Rows outside the period and an error row inside it, for any table. */
function noise(row: (timestamp: string) => Record<string, unknown>): Record<string, unknown>[] {
  return [row('2024-02-29T23:59:59.000Z'), row('2024-03-03T00:00:00.000Z'), { timestamp: '2024-03-01T10:30:00.000Z', _raw: 'garbage line', _error: 'cannot parse' }];
}

const cf = (timestamp: string, request_ip: string, uri: string, status: number, bytes: number, location: string, result_type: string, time_taken: number) => ({
  date: timestamp.slice(0, 10),
  time: timestamp.slice(11, 19),
  timestamp,
  request_ip,
  uri,
  status,
  bytes,
  location,
  result_type,
  time_taken,
  method: 'GET',
  request_id: `${timestamp}-${request_ip}`,
});

const CLOUDFRONT = [
  cf('2024-03-01T10:05:00.000Z', '192.0.2.1', '/index.html', 200, 1000, 'FRA56-C1', 'Hit', 0.01),
  cf('2024-03-01T10:20:00.000Z', '192.0.2.1', '/index.html', 200, 1000, 'FRA56-C1', 'Hit', 0.02),
  cf('2024-03-01T10:40:00.000Z', '192.0.2.2', '/index.html', 304, 0, 'FRA56-C1', 'RefreshHit', 0.03),
  cf('2024-03-01T11:00:00.000Z', '192.0.2.2', '/api/data', 500, 200, 'IAD89-C2', 'Error', 1.5),
  cf('2024-03-01T11:30:00.000Z', '192.0.2.3', '/api/data', 404, 300, 'IAD89-C2', 'Miss', 0.5),
  cf('2024-03-02T00:15:00.000Z', '192.0.2.1', '/img/logo.png', 200, 5000, 'IAD89-C2', 'Miss', 0.1),
  ...noise((t) => cf(t, '192.0.2.9', '/index.html', 200, 9999, 'FRA56-C1', 'Hit', 9)),
];

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const ETL = `arn:aws:iam::${ACCOUNT}:role/etl`;
const s3 = (timestamp: string, requester: string | null, remoteip: string, operation: string, key: string | null, httpstatus: string, errorcode: string | null, bytessent: number | null, bucket_name = 'logs-bucket') => ({
  timestamp,
  bucketowner: 'owner-id',
  bucket_name,
  requester,
  remoteip,
  operation,
  key,
  httpstatus,
  errorcode,
  bytessent,
  requestid: `${timestamp}-${operation}`,
});

const S3_ACCESS = [
  s3('2024-03-01T08:00:00.000Z', ALICE, '10.0.0.1', 'REST.GET.OBJECT', 'photos/2024/a.jpg', '200', null, 1000),
  s3('2024-03-01T08:10:00.000Z', ALICE, '10.0.0.1', 'REST.GET.OBJECT', 'photos/2024/b.jpg', '200', null, 2000),
  s3('2024-03-01T09:00:00.000Z', ALICE, '10.0.0.2', 'REST.PUT.OBJECT', 'docs/report.pdf', '200', null, null),
  s3('2024-03-01T09:30:00.000Z', null, '192.0.2.9', 'REST.GET.OBJECT', 'photos/2024/a.jpg', '403', 'AccessDenied', 243),
  s3('2024-03-02T12:00:00.000Z', ETL, '10.0.1.5', 'REST.DELETE.OBJECT', 'docs/old.pdf', '204', null, null),
  s3('2024-03-02T12:05:00.000Z', ETL, '10.0.1.5', 'REST.HEAD.OBJECT', 'readme.txt', '404', 'NoSuchKey', null),
  s3('2024-03-02T13:00:00.000Z', ETL, '10.0.1.5', 'REST.GET.BUCKET', null, '200', null, 500),
  s3('2024-03-02T14:00:00.000Z', ETL, '10.0.1.6', 'REST.GET.OBJECT', 'photos/x.jpg', '503', 'SlowDown', 0, 'other-bucket'),
  ...noise((t) => s3(t, ALICE, '10.0.0.1', 'REST.GET.OBJECT', 'photos/z.jpg', '500', 'InternalError', 777)),
];

const alb = (timestamp: string, client_ip: string, target_ip: string | null, target_port: number | null, target_processing_time: number, elb_status_code: number, target_status_code: string | null, user_agent: string, request_url: string) => ({
  type: 'https',
  time: timestamp,
  timestamp,
  elb: 'app/web/abc',
  client_ip,
  client_port: 50000,
  target_ip,
  target_port,
  request_processing_time: 0,
  target_processing_time,
  response_processing_time: 0,
  elb_status_code,
  target_status_code,
  received_bytes: 100,
  sent_bytes: 1000,
  request_verb: 'GET',
  request_url,
  user_agent,
  trace_id: `Root=${timestamp}`,
});

const ALB = [
  alb('2024-03-01T10:00:00.000Z', '198.51.100.1', '10.0.0.1', 80, 0.1, 200, '200', 'curl/8.0', 'https://ex.com:443/a?x=1'),
  alb('2024-03-01T10:01:00.000Z', '198.51.100.1', '10.0.0.1', 80, 0.2, 200, '200', 'curl/8.0', 'https://ex.com:443/a?x=2'),
  alb('2024-03-01T10:02:00.000Z', '198.51.100.2', '10.0.0.1', 80, 0.3, 404, '404', 'Mozilla/5.0', 'https://ex.com:443/b'),
  alb('2024-03-01T11:00:00.000Z', '198.51.100.2', '10.0.0.1', 80, 0.4, 200, '200', 'Mozilla/5.0', 'https://ex.com:443/b'),
  alb('2024-03-01T11:05:00.000Z', '198.51.100.3', '10.0.0.2', 80, 1.0, 500, '500', 'Mozilla/5.0', 'https://ex.com:443/c'),
  alb('2024-03-02T09:00:00.000Z', '198.51.100.3', '10.0.0.2', 80, -1, 502, null, 'Mozilla/5.0', 'https://ex.com:443/c'),
  alb('2024-03-02T09:30:00.000Z', '198.51.100.1', null, null, -1, 503, null, 'curl/8.0', 'https://ex.com:443/d'),
  ...noise((t) => alb(t, '198.51.100.9', '10.0.0.9', 80, 5, 500, '500', 'bot/1.0', 'https://ex.com:443/z')),
];

const elb = (timestamp: string, request_ip: string, backend_ip: string | null, backend_port: number | null, backend_processing_time: number, elb_response_code: string, backend_response_code: string | null, sent_bytes: number) => ({
  timestamp,
  elb_name: 'classic',
  request_ip,
  request_port: 40000,
  backend_ip,
  backend_port,
  request_processing_time: 0,
  backend_processing_time,
  client_response_time: 0,
  elb_response_code,
  backend_response_code,
  received_bytes: 10,
  sent_bytes,
  request_verb: 'GET',
  url: 'http://ex.com:80/',
});

const ELB = [
  elb('2024-03-01T10:00:00.000Z', '203.0.113.1', '10.1.0.1', 8080, 0.05, '200', '200', 500),
  elb('2024-03-01T10:10:00.000Z', '203.0.113.1', '10.1.0.1', 8080, 0.15, '200', '200', 500),
  elb('2024-03-01T10:20:00.000Z', '203.0.113.2', '10.1.0.2', 8080, 0.5, '500', '500', 100),
  elb('2024-03-02T00:00:00.000Z', '203.0.113.2', null, null, -1, '503', null, 0),
  elb('2024-03-02T01:00:00.000Z', '203.0.113.3', '10.1.0.1', 8080, 0.25, '404', '404', 50),
  ...noise((t) => elb(t, '203.0.113.9', '10.1.0.9', 8080, 9, '500', '500', 1)),
];

const aliceIdentity = { type: 'IAMUser', principalid: 'AIDAALICE', arn: ALICE, accountid: ACCOUNT, username: 'alice' };
const bobIdentity = { type: 'AssumedRole', principalid: 'AROABOB:bob', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob`, accountid: ACCOUNT };
const rootIdentity = { type: 'Root', principalid: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountid: ACCOUNT };
const serviceIdentity = { type: 'AWSService', invokedby: 'cloudformation.amazonaws.com' };
let eventNumber = 0;
const ct = (timestamp: string, useridentity: object, eventsource: string, eventname: string, sourceipaddress: string, extra: Record<string, string> = {}) => ({
  timestamp,
  eventtime: timestamp.replace('.000', ''),
  eventversion: '1.09',
  useridentity,
  eventsource,
  eventname,
  awsregion: 'us-east-1',
  sourceipaddress,
  eventid: `event-${String(++eventNumber).padStart(3, '0')}`,
  eventtype: 'AwsApiCall',
  ...extra,
});

const CLOUDTRAIL = [
  ct('2024-03-01T08:00:00.000Z', aliceIdentity, 'signin.amazonaws.com', 'ConsoleLogin', '203.0.113.5', { responseelements: '{"ConsoleLogin":"Success"}', additionaleventdata: '{"MFAUsed":"Yes"}' }),
  ct('2024-03-01T08:05:00.000Z', aliceIdentity, 'signin.amazonaws.com', 'ConsoleLogin', '203.0.113.5', { responseelements: '{"ConsoleLogin":"Failure"}', additionaleventdata: '{"MFAUsed":"No"}', errormessage: 'Failed authentication' }),
  ct('2024-03-01T08:30:00.000Z', rootIdentity, 'signin.amazonaws.com', 'ConsoleLogin', '198.51.100.7', { responseelements: 'not json' }),
  ct('2024-03-01T09:00:00.000Z', aliceIdentity, 'signin.amazonaws.com', 'ConsoleLogin', '203.0.113.5', { responseelements: '{"ConsoleLogin":"Success"}', additionaleventdata: '{"MFAUsed":"Yes"}' }),
  ct('2024-03-01T10:00:00.000Z', bobIdentity, 'ec2.amazonaws.com', 'TerminateInstances', '198.51.100.20'),
  ct('2024-03-01T10:05:00.000Z', bobIdentity, 's3.amazonaws.com', 'DeleteBucket', '198.51.100.20', { errorcode: 'AccessDenied' }),
  ct('2024-03-02T11:00:00.000Z', serviceIdentity, 'iam.amazonaws.com', 'DeleteRole', 'cloudformation.amazonaws.com'),
  ct('2024-03-02T11:30:00.000Z', aliceIdentity, 'ec2.amazonaws.com', 'DescribeInstances', '203.0.113.5', { errorcode: 'UnauthorizedOperation' }),
  ct('2024-03-02T11:31:00.000Z', aliceIdentity, 'ec2.amazonaws.com', 'DescribeInstances', '203.0.113.5', { errorcode: 'UnauthorizedOperation' }),
  ct('2024-03-02T12:00:00.000Z', bobIdentity, 'cloudtrail.amazonaws.com', 'StopLogging', '198.51.100.20'),
  ct('2024-03-02T12:30:00.000Z', bobIdentity, 'ec2.amazonaws.com', 'DescribeInstances', '198.51.100.20'),
  ...noise((t) => ct(t, bobIdentity, 'ec2.amazonaws.com', 'DeleteVpc', '198.51.100.20', { errorcode: 'Client.DependencyViolation' })),
];

const vpc = (timestamp: string, interface_id: string, srcaddr: string | null, dstaddr: string | null, srcport: number | null, dstport: number | null, protocol: number | null, packets: number | null, bytes: number | null, action: string | null, log_status = 'OK') => ({
  timestamp,
  version: 2,
  account_id: ACCOUNT,
  interface_id,
  srcaddr,
  dstaddr,
  srcport,
  dstport,
  protocol,
  packets,
  bytes,
  start: Date.parse(timestamp) / 1000,
  end: Date.parse(timestamp) / 1000 + 60,
  action,
  log_status,
});

const VPC_FLOW = [
  vpc('2024-03-01T10:00:00.000Z', 'eni-1', '10.0.0.5', '10.0.1.9', 49152, 443, 6, 10, 5000, 'ACCEPT'),
  vpc('2024-03-01T10:01:00.000Z', 'eni-1', '10.0.0.5', '10.0.1.9', 49153, 443, 6, 20, 15000, 'ACCEPT'),
  vpc('2024-03-01T10:02:00.000Z', 'eni-2', '198.51.100.1', '10.0.0.5', 40000, 22, 6, 1, 40, 'REJECT'),
  vpc('2024-03-01T10:03:00.000Z', 'eni-2', '198.51.100.1', '10.0.0.5', 40001, 22, 6, 1, 40, 'REJECT'),
  vpc('2024-03-01T10:04:00.000Z', 'eni-2', '198.51.100.2', '10.0.0.5', 40002, 3389, 6, 2, 80, 'REJECT'),
  vpc('2024-03-02T05:00:00.000Z', 'eni-1', '10.0.1.9', '10.0.0.5', 443, 49152, 6, 15, 20000, 'ACCEPT'),
  vpc('2024-03-02T05:01:00.000Z', 'eni-3', null, null, null, null, null, null, null, null, 'NODATA'),
  vpc('2024-03-02T06:00:00.000Z', 'eni-1', '10.0.0.5', '8.8.8.8', 50000, 53, 17, 1, 60, 'ACCEPT'),
  ...noise((t) => vpc(t, 'eni-1', '10.0.0.5', '10.0.1.9', 1, 443, 6, 999, 999999, 'REJECT')),
];

// ---------------------------------------------------------------------------------------------
// The answers

const BOB = `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

const EXPECTED: Record<string, Row[]> = {
  'cloudfront-traffic-by-hour': [
    { dt: '2024-03-01', hour: '10', requests: 3, bytes_sent: 2000, unique_clients: 2 },
    { dt: '2024-03-01', hour: '11', requests: 2, bytes_sent: 500, unique_clients: 2 },
    { dt: '2024-03-02', hour: '00', requests: 1, bytes_sent: 5000, unique_clients: 1 },
  ],
  'cloudfront-top-uris': [
    { uri: '/index.html', requests: 3, bytes_sent: 2000, errors: 0 },
    { uri: '/api/data', requests: 2, bytes_sent: 500, errors: 2 },
    { uri: '/img/logo.png', requests: 1, bytes_sent: 5000, errors: 0 },
  ],
  'cloudfront-status-mix': [
    { status: 200, requests: 3, percent: 50 },
    { status: 304, requests: 1, percent: 16.67 },
    { status: 404, requests: 1, percent: 16.67 },
    { status: 500, requests: 1, percent: 16.67 },
  ],
  'cloudfront-cache-hit-ratio-by-edge': [
    { location: 'FRA56-C1', requests: 3, hits: 3, hit_ratio: 1, bytes_sent: 2000 },
    { location: 'IAD89-C2', requests: 3, hits: 0, hit_ratio: 0, bytes_sent: 5500 },
  ],
  'cloudfront-top-client-ips': [
    { request_ip: '192.0.2.1', requests: 3, bytes_sent: 7000, errors: 0, distinct_uris: 2 },
    { request_ip: '192.0.2.2', requests: 2, bytes_sent: 200, errors: 1, distinct_uris: 2 },
    { request_ip: '192.0.2.3', requests: 1, bytes_sent: 300, errors: 1, distinct_uris: 1 },
  ],
  'cloudfront-error-rate-by-hour': [
    { dt: '2024-03-01', hour: '10', requests: 3, client_errors: 0, server_errors: 0, error_rate: 0 },
    { dt: '2024-03-01', hour: '11', requests: 2, client_errors: 1, server_errors: 1, error_rate: 1 },
    { dt: '2024-03-02', hour: '00', requests: 1, client_errors: 0, server_errors: 0, error_rate: 0 },
  ],
  // Percentiles are nearest-rank (DuckDB quantile_disc): p95 of {0.5, 1.5} is 1.5.
  'cloudfront-slowest-uris': [
    { uri: '/api/data', requests: 2, avg_seconds: 1, p95_seconds: 1.5 },
    { uri: '/img/logo.png', requests: 1, avg_seconds: 0.1, p95_seconds: 0.1 },
    { uri: '/index.html', requests: 3, avg_seconds: 0.02, p95_seconds: 0.03 },
  ],

  's3-access-requests-by-operation': [
    { operation: 'REST.GET.OBJECT', requests: 4, bytes_sent: 3243, errors: 2 },
    { operation: 'REST.DELETE.OBJECT', requests: 1, bytes_sent: null, errors: 0 },
    { operation: 'REST.GET.BUCKET', requests: 1, bytes_sent: 500, errors: 0 },
    { operation: 'REST.HEAD.OBJECT', requests: 1, bytes_sent: null, errors: 1 },
    { operation: 'REST.PUT.OBJECT', requests: 1, bytes_sent: null, errors: 0 },
  ],
  's3-access-top-requesters': [
    { principal: ETL, requests: 4, bytes_sent: 500, remote_ips: 2 },
    { principal: ALICE, requests: 3, bytes_sent: 3000, remote_ips: 2 },
    { principal: 'anonymous', requests: 1, bytes_sent: 243, remote_ips: 1 },
  ],
  's3-access-errors': [
    { httpstatus: '403', errorcode: 'AccessDenied', operation: 'REST.GET.OBJECT', requests: 1 },
    { httpstatus: '404', errorcode: 'NoSuchKey', operation: 'REST.HEAD.OBJECT', requests: 1 },
    { httpstatus: '503', errorcode: 'SlowDown', operation: 'REST.GET.OBJECT', requests: 1 },
  ],
  's3-access-bytes-by-prefix': [
    { bucket_name: 'logs-bucket', prefix: 'photos/', requests: 3, bytes_sent: 3243, distinct_keys: 2 },
    { bucket_name: 'other-bucket', prefix: 'photos/', requests: 1, bytes_sent: 0, distinct_keys: 1 },
    { bucket_name: 'logs-bucket', prefix: '(top level)', requests: 1, bytes_sent: null, distinct_keys: 1 },
    { bucket_name: 'logs-bucket', prefix: 'docs/', requests: 2, bytes_sent: null, distinct_keys: 2 },
  ],
  's3-access-principal-activity': [
    { principal: ETL, bucket_name: 'logs-bucket', requests: 3, reads: 2, writes: 0, deletes: 1, denied: 0, distinct_keys: 2 },
    { principal: ALICE, bucket_name: 'logs-bucket', requests: 3, reads: 2, writes: 1, deletes: 0, denied: 0, distinct_keys: 3 },
    { principal: 'anonymous', bucket_name: 'logs-bucket', requests: 1, reads: 1, writes: 0, deletes: 0, denied: 1, distinct_keys: 1 },
    { principal: ETL, bucket_name: 'other-bucket', requests: 1, reads: 1, writes: 0, deletes: 0, denied: 0, distinct_keys: 1 },
  ],

  'alb-latency-by-target': [
    { target_ip: '10.0.0.2', target_port: 80, requests: 1, p50_seconds: 1, p95_seconds: 1, p99_seconds: 1, max_seconds: 1 },
    { target_ip: '10.0.0.1', target_port: 80, requests: 4, p50_seconds: 0.2, p95_seconds: 0.4, p99_seconds: 0.4, max_seconds: 0.4 },
  ],
  'alb-5xx-by-target': [
    { target_ip: '10.0.0.2', target_port: 80, requests: 2, elb_5xx: 2, target_5xx: 1, target_5xx_rate: 0.5 },
    { target_ip: null, target_port: null, requests: 1, elb_5xx: 1, target_5xx: 0, target_5xx_rate: 0 },
  ],
  'alb-top-user-agents': [
    { user_agent: 'Mozilla/5.0', requests: 4, clients: 2, errors: 3 },
    { user_agent: 'curl/8.0', requests: 3, clients: 1, errors: 1 },
  ],
  'alb-traffic-by-hour': [
    { dt: '2024-03-01', hour: '10', requests: 3, bytes_received: 300, bytes_sent: 3000, status_4xx: 1, status_5xx: 0 },
    { dt: '2024-03-01', hour: '11', requests: 2, bytes_received: 200, bytes_sent: 2000, status_4xx: 0, status_5xx: 1 },
    { dt: '2024-03-02', hour: '09', requests: 2, bytes_received: 200, bytes_sent: 2000, status_4xx: 0, status_5xx: 2 },
  ],
  'alb-top-client-ips': [
    { client_ip: '198.51.100.1', requests: 3, bytes_sent: 3000, errors: 1 },
    { client_ip: '198.51.100.2', requests: 2, bytes_sent: 2000, errors: 1 },
    { client_ip: '198.51.100.3', requests: 2, bytes_sent: 2000, errors: 2 },
  ],
  'alb-slowest-urls': [
    { request_verb: 'GET', url: 'https://ex.com:443/c', requests: 1, avg_seconds: 1, p95_seconds: 1 },
    { request_verb: 'GET', url: 'https://ex.com:443/b', requests: 2, avg_seconds: 0.35, p95_seconds: 0.4 },
    { request_verb: 'GET', url: 'https://ex.com:443/a', requests: 2, avg_seconds: 0.15, p95_seconds: 0.2 },
  ],

  'elb-latency-by-backend': [
    { backend_ip: '10.1.0.2', backend_port: 8080, requests: 1, avg_seconds: 0.5, p95_seconds: 0.5, max_seconds: 0.5 },
    { backend_ip: '10.1.0.1', backend_port: 8080, requests: 3, avg_seconds: 0.15, p95_seconds: 0.25, max_seconds: 0.25 },
  ],
  'elb-errors-by-backend': [
    { backend_ip: '10.1.0.2', backend_port: 8080, requests: 1, elb_5xx: 1, backend_5xx: 1, elb_4xx: 0 },
    { backend_ip: null, backend_port: null, requests: 1, elb_5xx: 1, backend_5xx: 0, elb_4xx: 0 },
    { backend_ip: '10.1.0.1', backend_port: 8080, requests: 3, elb_5xx: 0, backend_5xx: 0, elb_4xx: 1 },
  ],
  'elb-traffic-by-hour': [
    { dt: '2024-03-01', hour: '10', requests: 3, bytes_received: 30, bytes_sent: 1100, status_5xx: 1 },
    { dt: '2024-03-02', hour: '00', requests: 1, bytes_received: 10, bytes_sent: 0, status_5xx: 1 },
    { dt: '2024-03-02', hour: '01', requests: 1, bytes_received: 10, bytes_sent: 50, status_5xx: 0 },
  ],
  'elb-top-client-ips': [
    { request_ip: '203.0.113.1', requests: 2, bytes_sent: 1000, errors: 0 },
    { request_ip: '203.0.113.2', requests: 2, bytes_sent: 100, errors: 2 },
    { request_ip: '203.0.113.3', requests: 1, bytes_sent: 50, errors: 1 },
  ],

  'cloudtrail-errors-by-principal': [
    { principal: ALICE, errorcode: 'UnauthorizedOperation', events: 2, distinct_calls: 1, first_seen: '2024-03-02T11:30:00.000Z', last_seen: '2024-03-02T11:31:00.000Z' },
    { principal: BOB, errorcode: 'AccessDenied', events: 1, distinct_calls: 1, first_seen: '2024-03-01T10:05:00.000Z', last_seen: '2024-03-01T10:05:00.000Z' },
  ],
  // The root sign-in's responseelements is not JSON: its outcome is NULL, the query does not fail.
  'cloudtrail-console-sign-ins': [
    { principal: ALICE, identity_type: 'IAMUser', sourceipaddress: '203.0.113.5', outcome: 'Success', mfa_used: 'Yes', sign_ins: 2, first_seen: '2024-03-01T08:00:00.000Z', last_seen: '2024-03-01T09:00:00.000Z' },
    { principal: ROOT, identity_type: 'Root', sourceipaddress: '198.51.100.7', outcome: null, mfa_used: null, sign_ins: 1, first_seen: '2024-03-01T08:30:00.000Z', last_seen: '2024-03-01T08:30:00.000Z' },
    { principal: ALICE, identity_type: 'IAMUser', sourceipaddress: '203.0.113.5', outcome: 'Failure', mfa_used: 'No', sign_ins: 1, first_seen: '2024-03-01T08:05:00.000Z', last_seen: '2024-03-01T08:05:00.000Z' },
  ],
  'cloudtrail-destructive-calls': [
    { timestamp: '2024-03-01T10:00:00.000Z', principal: BOB, eventsource: 'ec2.amazonaws.com', eventname: 'TerminateInstances', awsregion: 'us-east-1', sourceipaddress: '198.51.100.20', errorcode: null, eventid: 'event-005' },
    { timestamp: '2024-03-01T10:05:00.000Z', principal: BOB, eventsource: 's3.amazonaws.com', eventname: 'DeleteBucket', awsregion: 'us-east-1', sourceipaddress: '198.51.100.20', errorcode: 'AccessDenied', eventid: 'event-006' },
    { timestamp: '2024-03-02T11:00:00.000Z', principal: 'cloudformation.amazonaws.com', eventsource: 'iam.amazonaws.com', eventname: 'DeleteRole', awsregion: 'us-east-1', sourceipaddress: 'cloudformation.amazonaws.com', errorcode: null, eventid: 'event-007' },
    { timestamp: '2024-03-02T12:00:00.000Z', principal: BOB, eventsource: 'cloudtrail.amazonaws.com', eventname: 'StopLogging', awsregion: 'us-east-1', sourceipaddress: '198.51.100.20', errorcode: null, eventid: 'event-010' },
  ],
  'cloudtrail-top-api-calls': [
    { eventsource: 'signin.amazonaws.com', eventname: 'ConsoleLogin', events: 4, errors: 0, source_ips: 2 },
    { eventsource: 'ec2.amazonaws.com', eventname: 'DescribeInstances', events: 3, errors: 2, source_ips: 2 },
    { eventsource: 'cloudtrail.amazonaws.com', eventname: 'StopLogging', events: 1, errors: 0, source_ips: 1 },
    { eventsource: 'ec2.amazonaws.com', eventname: 'TerminateInstances', events: 1, errors: 0, source_ips: 1 },
    { eventsource: 'iam.amazonaws.com', eventname: 'DeleteRole', events: 1, errors: 0, source_ips: 1 },
    { eventsource: 's3.amazonaws.com', eventname: 'DeleteBucket', events: 1, errors: 1, source_ips: 1 },
  ],

  'vpc-flow-top-talkers': [
    { srcaddr: '10.0.0.5', dstaddr: '10.0.1.9', total_bytes: 20000, total_packets: 30, flows: 2 },
    { srcaddr: '10.0.1.9', dstaddr: '10.0.0.5', total_bytes: 20000, total_packets: 15, flows: 1 },
    { srcaddr: '198.51.100.1', dstaddr: '10.0.0.5', total_bytes: 80, total_packets: 2, flows: 2 },
    { srcaddr: '198.51.100.2', dstaddr: '10.0.0.5', total_bytes: 80, total_packets: 2, flows: 1 },
    { srcaddr: '10.0.0.5', dstaddr: '8.8.8.8', total_bytes: 60, total_packets: 1, flows: 1 },
  ],
  'vpc-flow-rejected': [
    { srcaddr: '198.51.100.1', dstaddr: '10.0.0.5', dstport: 22, protocol: 6, flows: 2, total_packets: 2, total_bytes: 80 },
    { srcaddr: '198.51.100.2', dstaddr: '10.0.0.5', dstport: 3389, protocol: 6, flows: 1, total_packets: 2, total_bytes: 80 },
  ],
  'vpc-flow-top-ports': [
    { dstport: 22, protocol: 6, flows: 2, total_bytes: 80, rejected: 2 },
    { dstport: 443, protocol: 6, flows: 2, total_bytes: 20000, rejected: 0 },
    { dstport: 53, protocol: 17, flows: 1, total_bytes: 60, rejected: 0 },
    { dstport: 3389, protocol: 6, flows: 1, total_bytes: 80, rejected: 1 },
    { dstport: 49152, protocol: 6, flows: 1, total_bytes: 20000, rejected: 0 },
  ],
  'vpc-flow-traffic-by-interface': [
    { interface_id: 'eni-1', total_bytes: 40060, total_packets: 46, flows: 4, rejected: 0 },
    { interface_id: 'eni-2', total_bytes: 160, total_packets: 4, flows: 3, rejected: 3 },
    { interface_id: 'eni-3', total_bytes: null, total_packets: null, flows: 1, rejected: 0 },
  ],
};

// ---------------------------------------------------------------------------------------------

let lake: string;
let engine: DuckDbEngine;

beforeAll(async () => {
  lake = await mkdtemp(join(tmpdir(), 'loghose-named-'));
  await writeLakeRows(lake, 'cloudfront', CLOUDFRONT);
  await writeLakeRows(lake, 's3_access', S3_ACCESS);
  await writeLakeRows(lake, 'alb', ALB);
  await writeLakeRows(lake, 'elb', ELB);
  await writeLakeRows(lake, 'cloudtrail', CLOUDTRAIL);
  await writeLakeRows(lake, 'vpc_flow', VPC_FLOW);
  engine = new DuckDbEngine({ lakeDir: lake });
});

afterAll(async () => {
  await engine?.close();
  await rm(lake, { recursive: true, force: true });
});

describe('every named query on DuckDB, against known answers', () => {
  it('has an expected answer for every named query', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(NAMED_QUERIES.map((q) => q.name).sort());
  });

  it.each(NAMED_QUERIES.map((q) => [q.name, q] as const))('%s', async (_name, query) => {
    const result = await engine.run(namedQuerySql(query, 'duckdb'), [FROM, TO], { scope: { table: query.table, fromDt: FROM, toDt: TO } });
    expect(result.rows).toEqual(EXPECTED[query.name]);
    expect(result.columns.map((c) => c.name)).toEqual(Object.keys(EXPECTED[query.name][0]));
    expect(result.stats.bytesScanned).toBeGreaterThan(0);
    expect(result.stats.note).toBeUndefined();
  });

  it('prunes by dt: a day outside every fixture gives no rows', async () => {
    for (const query of NAMED_QUERIES) {
      const result = await engine.run(namedQuerySql(query, 'duckdb'), ['2024-01-01', '2024-01-31']);
      expect(result.rows, query.name).toEqual([]);
    }
  });

  it('treats the parameters as values, not SQL', async () => {
    const query = namedQuery('cloudfront-top-uris')!;
    const result = await engine.run(namedQuerySql(query, 'duckdb'), ["x' OR '1'='1' --", TO]);
    expect(result.rows).toEqual([]);
  });
});

describe('named query definitions', () => {
  it('has at least five queries for cloudfront, s3_access and alb and three for elb, cloudtrail and vpc_flow', () => {
    const count = (table: string) => NAMED_QUERIES.filter((q) => q.table === table).length;
    for (const table of ['cloudfront', 's3_access', 'alb']) expect(count(table)).toBeGreaterThanOrEqual(5);
    for (const table of ['elb', 'cloudtrail', 'vpc_flow']) expect(count(table)).toBeGreaterThanOrEqual(3);
    expect(new Set(NAMED_QUERIES.map((q) => q.table))).toEqual(new Set(TABLE_NAMES));
  });

  it.each(NAMED_QUERIES.map((q) => [q.name, q] as const))('%s follows the rules', (_name, query) => {
    expect(query.name.startsWith(`${query.table.replace('_', '-')}-`)).toBe(true);
    expect(query.sql).toMatch(new RegExp(`FROM ${query.table}\\b`));
    expect(query.sql).toContain('WHERE dt BETWEEN ? AND ? AND _error IS NULL');
    expect(placeholders(query.sql)).toBe(2);
    expect(query.params).toEqual(['from', 'to']);
    expect(query.sql).toMatch(/ORDER BY/);
    expect(query.sql).not.toMatch(/;/);
  });

  /** Functions known to exist, with the same meaning, in DuckDB and Athena engine 3 (Trino). */
  const PORTABLE = new Set(['count', 'sum', 'avg', 'min', 'max', 'round', 'coalesce', 'substr', 'split_part', 'strpos']);
  const KEYWORDS = new Set(['in', 'as', 'over', 'and', 'or', 'not', 'cast', 'by', 'when', 'then', 'select', 'from', 'where']);

  it.each(NAMED_QUERIES.map((q) => [q.name, q] as const))('%s calls only functions both engines have', (_name, query) => {
    const called = new Set([...query.sql.matchAll(/\b([A-Za-z_]+)\s*\(/g)].map((m) => m[1].toLowerCase()).filter((f) => !KEYWORDS.has(f)));
    const rendered = { athena: renderSql(query.sql, 'athena'), duckdb: renderSql(query.sql, 'duckdb') };
    for (const fn of called) expect(PORTABLE.has(fn), `${fn}() is not known to be portable`).toBe(true);
    expect(rendered.athena).not.toContain('{{');
    expect(rendered.duckdb).not.toContain('{{');
    expect(rendered.duckdb).not.toMatch(/(?<!loghose_)count_if\(/);
    if (query.sql.includes('{{percentile}}')) {
      expect(rendered.athena).toContain('approx_percentile(');
      expect(rendered.duckdb).toContain('quantile_disc(');
    }
    if (query.sql.includes('{{json_string}}')) {
      expect(rendered.athena).toContain('json_extract_scalar(');
      expect(rendered.duckdb).toContain('loghose_json_string(');
    }
  });

  it('rejects unknown dialect tokens', () => {
    expect(() => renderSql('SELECT {{median}}(x)', 'athena')).toThrow(/unknown dialect function \{\{median\}\}/);
  });

  it('suggests close names for a mistyped one', () => {
    expect(closeNames('cloudfront-top-uri')[0]).toBe('cloudfront-top-uris');
    expect(closeNames('alb-latency')).toContain('alb-latency-by-target');
    expect(closeNames('zzzzzzzzzzzzzzzzzzzzzz')).toEqual([]);
  });
});

describe('Athena saved queries (for the CDK stack)', () => {
  it('exports every named query with the last seven days in place of the parameters', () => {
    const saved = athenaSavedQueries();
    expect(saved.map((q) => q.name)).toEqual(NAMED_QUERIES.map((q) => q.name));
    for (const q of saved) {
      expect(Object.keys(q).sort()).toEqual(['description', 'name', 'sql', 'table']);
      expect(placeholders(q.sql)).toBe(0);
      expect(q.sql).not.toContain('{{');
      expect(q.sql).toContain(SAVED_QUERY_PERIOD);
      expect(q.name.length).toBeLessThanOrEqual(128);
      expect(q.description.length).toBeLessThanOrEqual(1024);
    }
    expect(saved.find((q) => q.name === 'alb-latency-by-target')!.sql).toContain('approx_percentile(target_processing_time, 0.95)');
  });
});
