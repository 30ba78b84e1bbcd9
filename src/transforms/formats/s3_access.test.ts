import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineKind } from '../format.js';
import { columnNames } from '../schema.js';
import { s3Access } from './s3_access.js';
import { checkLineInvariants, lineMutation, mutateLine } from './property-testing.js';

const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const HOST_ID = 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=';

/** The five example records of AWS's "Amazon S3 server access log format" page (24 fields). */
const AWS_EXAMPLES = [
  `${OWNER} awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ${OWNER} 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - ${HOST_ID} SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1`,
  `${OWNER} awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ${OWNER} 891CE47D2EXAMPLE REST.GET.LOGGING_STATUS - "GET /awsexamplebucket1?logging HTTP/1.1" 200 - 242 - 11 - "-" "S3Console/0.4" - 9vKBE6vMhrNiWHZmb2L0mXOcqPGzQOI5XLnCtZNPxev+Hf+7tpT6sxDwDty4LHBUOZJG96N1234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1`,
  `${OWNER} awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ${OWNER} A1206F460EXAMPLE REST.GET.BUCKETPOLICY - "GET /awsexamplebucket1?policy HTTP/1.1" 404 NoSuchBucketPolicy 297 - 38 - "-" "S3Console/0.4" - BNaBsXZQQDbssi6xMBdBU2sLt+Yf5kZDmeBUP35sFoKa3sLLeMC78iwEIWxs99CRUrbS4n11234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1`,
  `${OWNER} awsexamplebucket1 [06/Feb/2019:00:01:00 +0000] 192.0.2.3 ${OWNER} 7B4A0FABBEXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 33 - "-" "S3Console/0.4" - Ke1bUcazaN1jWuUlPJaxF64cQVpUEhoZKEG/hmy/gijN/I1DeWqDfFvnpybfEseEME/u7ME1234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1`,
  `${OWNER} awsexamplebucket1 [06/Feb/2019:00:01:57 +0000] 192.0.2.3 ${OWNER} DD6CC733AEXAMPLE REST.PUT.OBJECT s3-dg.pdf "PUT /awsexamplebucket1/s3-dg.pdf HTTP/1.1" 200 - - 4406583 41754 28 "-" "S3Console/0.4" - 10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234= SigV4 ECDHE-RSA-AES128-SHA AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1`,
];

/** AWS's current example record: 27 fields, with access point ARN, aclRequired and source region. */
const LINE_27 = `${OWNER} amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ${OWNER} 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - ${HOST_ID} SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1`;

const LINE_26 = `${OWNER} amzn-s3-demo-bucket1 [14/Mar/2023:17:05:09 +0000] 198.51.100.7 arn:aws:iam::123456789012:user/alice 0F1E2D3C4B5A6978 REST.GET.OBJECT photos/2023/cat.jpg "GET /photos/2023/cat.jpg?response-content-type=image%2Fjpeg&x-id=GetObject HTTP/1.1" 200 - 2048 2048 15 14 "https://example.com/gallery" "aws-sdk-js/3.300.0" 3HL4kqtJvjVBH40Nrjfkd ${HOST_ID} SigV4 TLS_AES_128_GCM_SHA256 QueryString amzn-s3-demo-bucket1.s3.us-west-2.amazonaws.com TLSv1.3 - -`;

const LINE_18 = `${OWNER} oldbucket [12/Jan/2012:03:04:05 +0000] 203.0.113.9 - 5F3A1B2C3D4E5F60 REST.GET.OBJECT index.html "GET /oldbucket/index.html HTTP/1.1" 304 - - 5120 12 - "-" "Mozilla/5.0 (X11; Linux x86_64)" -`;

const OAI = 'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E15MNIMTCFKK4C';
const LINE_OAI = `${OWNER} site-bucket [01/Jul/2021:12:30:45 +0000] 130.176.1.20 ${OAI} 1A2B3C4D5E6F7A8B REST.GET.OBJECT assets/app.js "GET /assets/app.js HTTP/1.1" 200 - 5321 5321 22 21 "-" "Amazon CloudFront" - ${HOST_ID} SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader site-bucket.s3.amazonaws.com TLSv1.2 - - -`;

const LINE_LIFECYCLE = `${OWNER} amzn-s3-demo-bucket1 [20/Aug/2024:00:13:41 +0000] - AmazonS3 8B1F2E3D4C5B6A79 S3.EXPIRE.OBJECT tmp/2024/08/old.log "-" - - - 3462992 - - "-" "-" - - - - - - - - - -`;
const LINE_LIFECYCLE_DASH = `${OWNER} amzn-s3-demo-bucket1 [20/Aug/2024:00:13:42 +0000] - - 9C2A3B4D5E6F7081 S3.TRANSITION_SIA.OBJECT reports/q2.csv - - - - 1048576 - - - - - - - - - - - - - -`;

/** Key encoded twice (`%2520` is an encoded `%20`); both kept as logged, query decoded once. */
const LINE_DOUBLE_ENCODED = `${OWNER} amzn-s3-demo-bucket1 [03/Sep/2025:09:59:59 +0000] 192.0.2.44 arn:aws:sts::123456789012:assumed-role/Reader/session 2B3C4D5E6F708192 REST.GET.OBJECT docs/my%2520report%2B%25281%2529.pdf "GET /docs/my%2520report%2B%25281%2529.pdf?versionId=3HL4kqtJvjVBH40Nrjfkd&x-note=a%2520b HTTP/1.1" 200 - 100 100 3 2 "-" "curl/8.5.0" 3HL4kqtJvjVBH40Nrjfkd ${HOST_ID} SigV4 TLS_AES_128_GCM_SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-east-1.amazonaws.com TLSv1.3 - - us-east-1`;

/** The GET half of a copy: its request URI has no protocol. */
const LINE_COPY_GET = `${OWNER} src-bucket [06/Feb/2019:00:02:10 +0000] 192.0.2.3 ${OWNER} 4C5D6E7F8091A2B3 REST.COPY.OBJECT_GET photos/2019/08/puppy.jpg "GET /src-bucket/photos/2019/08/puppy.jpg?x-foo=bar" 200 - - 3462992 70 10 "-" "aws-cli/2.15.0" - ${HOST_ID} SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader s3.us-west-2.amazonaws.com TLSv1.2`;

const ALL_GOOD = [...AWS_EXAMPLES, LINE_27, LINE_26, LINE_18, LINE_OAI, LINE_LIFECYCLE, LINE_LIFECYCLE_DASH, LINE_DOUBLE_ENCODED, LINE_COPY_GET];


function run(line: string) {
  const parser = s3Access.createParser();
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
  expect(result.kind).toBe(LineKind.Row);
  expect(result.located).toBe(`${result.dt}/${result.hour}`);
  return result.row!;
}

describe('s3_access schema', () => {
  it('has AWS Athena column names and types, then timestamp and query_params', () => {
    const types = Object.fromEntries(s3Access.schema.columns.map((c) => [c.name, c.type]));
    expect(columnNames(s3Access.schema)).toEqual([
      'bucketowner', 'bucket_name', 'requestdatetime', 'remoteip', 'requester', 'requestid', 'operation', 'key',
      'request_uri', 'httpstatus', 'errorcode', 'bytessent', 'objectsize', 'totaltime', 'turnaroundtime', 'referrer',
      'useragent', 'versionid', 'hostid', 'sigv', 'ciphersuite', 'authtype', 'endpoint', 'tlsversion',
      'accesspointarn', 'aclrequired', 'sourceregion', 'timestamp', 'query_params', '_raw', '_error',
    ]);
    expect(types.bytessent).toBe('bigint');
    expect(types.objectsize).toBe('bigint');
    for (const name of ['httpstatus', 'totaltime', 'turnaroundtime', 'requestdatetime']) expect(types[name]).toBe('string');
    expect(types.timestamp).toBe('timestamp');
    expect(s3Access.schema.dedupKey).toContain('requestid');
  });
});

describe('s3_access golden lines', () => {
  it('parses AWS documentation example 1 (24 fields) exactly', () => {
    const result = run(AWS_EXAMPLES[0]);
    expect(result.kind).toBe(LineKind.Row);
    expect(result.timestamp).toBe('2019-02-06T00:00:38Z');
    expect(result.dt).toBe('2019-02-06');
    expect(result.hour).toBe('00');
    expect(result.located).toBe('2019-02-06/00');
    expect(result.row).toEqual({
      bucketowner: OWNER,
      bucket_name: 'awsexamplebucket1',
      requestdatetime: '06/Feb/2019:00:00:38 +0000',
      remoteip: '192.0.2.3',
      requester: OWNER,
      requestid: '3E57427F3EXAMPLE',
      operation: 'REST.GET.VERSIONING',
      request_uri: 'GET /awsexamplebucket1?versioning HTTP/1.1',
      httpstatus: '200',
      bytessent: 113,
      totaltime: '7',
      useragent: 'S3Console/0.4',
      hostid: HOST_ID,
      sigv: 'SigV2',
      ciphersuite: 'ECDHE-RSA-AES128-GCM-SHA256',
      authtype: 'AuthHeader',
      endpoint: 'awsexamplebucket1.s3.us-west-1.amazonaws.com',
      tlsversion: 'TLSV1.1',
      timestamp: '2019-02-06T00:00:38Z',
      query_params: { versioning: '' },
    });
  });

  it('parses every AWS documentation example', () => {
    const rows = AWS_EXAMPLES.map(row);
    expect(rows.map((r) => r.requestid)).toEqual(['3E57427F3EXAMPLE', '891CE47D2EXAMPLE', 'A1206F460EXAMPLE', '7B4A0FABBEXAMPLE', 'DD6CC733AEXAMPLE']);
    expect(rows[2]).toMatchObject({ httpstatus: '404', errorcode: 'NoSuchBucketPolicy', bytessent: 297, query_params: { policy: '' } });
    expect(rows[4]).toMatchObject({
      operation: 'REST.PUT.OBJECT',
      key: 's3-dg.pdf',
      request_uri: 'PUT /awsexamplebucket1/s3-dg.pdf HTTP/1.1',
      objectsize: 4406583,
      totaltime: '41754',
      turnaroundtime: '28',
      sigv: 'SigV4',
    });
    expect(rows[4]).not.toHaveProperty('bytessent');
    expect(rows[4]).not.toHaveProperty('query_params');
  });

  it('parses a 27-field line (access point ARN, aclRequired, source region)', () => {
    expect(row(LINE_27)).toEqual({
      bucketowner: OWNER,
      bucket_name: 'amzn-s3-demo-bucket1',
      requestdatetime: '06/Feb/2019:00:00:38 +0000',
      remoteip: '192.0.2.3',
      requester: OWNER,
      requestid: '3E57427F3EXAMPLE',
      operation: 'REST.GET.VERSIONING',
      request_uri: 'GET /amzn-s3-demo-bucket1?versioning HTTP/1.1',
      httpstatus: '200',
      bytessent: 113,
      totaltime: '7',
      useragent: 'S3Console/0.4',
      hostid: HOST_ID,
      sigv: 'SigV4',
      ciphersuite: 'ECDHE-RSA-AES128-GCM-SHA256',
      authtype: 'AuthHeader',
      endpoint: 'amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com',
      tlsversion: 'TLSV1.2',
      accesspointarn: 'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP',
      aclrequired: 'Yes',
      sourceregion: 'us-east-1',
      timestamp: '2019-02-06T00:00:38Z',
      query_params: { versioning: '' },
    });
  });

  it('parses a 26-field line: no source region', () => {
    expect(row(LINE_26)).toEqual({
      bucketowner: OWNER,
      bucket_name: 'amzn-s3-demo-bucket1',
      requestdatetime: '14/Mar/2023:17:05:09 +0000',
      remoteip: '198.51.100.7',
      requester: 'arn:aws:iam::123456789012:user/alice',
      requestid: '0F1E2D3C4B5A6978',
      operation: 'REST.GET.OBJECT',
      key: 'photos/2023/cat.jpg',
      request_uri: 'GET /photos/2023/cat.jpg?response-content-type=image%2Fjpeg&x-id=GetObject HTTP/1.1',
      httpstatus: '200',
      bytessent: 2048,
      objectsize: 2048,
      totaltime: '15',
      turnaroundtime: '14',
      referrer: 'https://example.com/gallery',
      useragent: 'aws-sdk-js/3.300.0',
      versionid: '3HL4kqtJvjVBH40Nrjfkd',
      hostid: HOST_ID,
      sigv: 'SigV4',
      ciphersuite: 'TLS_AES_128_GCM_SHA256',
      authtype: 'QueryString',
      endpoint: 'amzn-s3-demo-bucket1.s3.us-west-2.amazonaws.com',
      tlsversion: 'TLSv1.3',
      timestamp: '2023-03-14T17:05:09Z',
      query_params: { 'response-content-type': 'image/jpeg', 'x-id': 'GetObject' },
    });
  });

  it('parses an 18-field line: fields after version id are null', () => {
    const result = run(LINE_18);
    expect(result.kind).toBe(LineKind.Row);
    expect(result.located).toBe('2012-01-12/03');
    expect(`${result.dt}/${result.hour}`).toBe('2012-01-12/03');
    expect(result.row).toEqual({
      bucketowner: OWNER,
      bucket_name: 'oldbucket',
      requestdatetime: '12/Jan/2012:03:04:05 +0000',
      remoteip: '203.0.113.9',
      requestid: '5F3A1B2C3D4E5F60',
      operation: 'REST.GET.OBJECT',
      key: 'index.html',
      request_uri: 'GET /oldbucket/index.html HTTP/1.1',
      httpstatus: '304',
      objectsize: 5120,
      totaltime: '12',
      useragent: 'Mozilla/5.0 (X11; Linux x86_64)',
      timestamp: '2012-01-12T03:04:05Z',
    });
  });

  it('ignores fields appended after the 27 it knows', () => {
    const extended = `${LINE_27} some-future-field "another one" 42`;
    expect(row(extended)).toEqual(row(LINE_27));
  });

  it('reads "-" and a bare - alike as null', () => {
    const quoted = row(AWS_EXAMPLES[0]);
    const bare = row(AWS_EXAMPLES[0].replace('"-" "S3Console/0.4"', '- "S3Console/0.4"'));
    expect(bare).toEqual(quoted);
    expect(bare).not.toHaveProperty('referrer');
    const bareUri = row(LINE_LIFECYCLE_DASH);
    expect(bareUri).not.toHaveProperty('request_uri');
    expect(bareUri).not.toHaveProperty('useragent');
  });

  it('rejoins a requester containing spaces (CloudFront origin access identity)', () => {
    expect(row(LINE_OAI)).toEqual({
      bucketowner: OWNER,
      bucket_name: 'site-bucket',
      requestdatetime: '01/Jul/2021:12:30:45 +0000',
      remoteip: '130.176.1.20',
      requester: OAI,
      requestid: '1A2B3C4D5E6F7A8B',
      operation: 'REST.GET.OBJECT',
      key: 'assets/app.js',
      request_uri: 'GET /assets/app.js HTTP/1.1',
      httpstatus: '200',
      bytessent: 5321,
      objectsize: 5321,
      totaltime: '22',
      turnaroundtime: '21',
      useragent: 'Amazon CloudFront',
      hostid: HOST_ID,
      sigv: 'SigV4',
      ciphersuite: 'ECDHE-RSA-AES128-GCM-SHA256',
      authtype: 'AuthHeader',
      endpoint: 'site-bucket.s3.amazonaws.com',
      tlsversion: 'TLSv1.2',
      timestamp: '2021-07-01T12:30:45Z',
    });
  });

  it('rejoins a requester with spaces on a short (18-field) line too', () => {
    const line = `${OWNER} site-bucket [01/Jul/2021:12:30:45 +0000] 130.176.1.20 ${OAI} 1A2B3C4D5E6F7A8B WEBSITE.GET.OBJECT index.html "GET /index.html HTTP/1.1" 200 - 10 10 1 1 "-" "Amazon CloudFront" -`;
    expect(row(line)).toMatchObject({ requester: OAI, requestid: '1A2B3C4D5E6F7A8B', operation: 'WEBSITE.GET.OBJECT', key: 'index.html', useragent: 'Amazon CloudFront' });
  });

  it('parses lifecycle lines (requester AmazonS3 or -, mostly -)', () => {
    const result = run(LINE_LIFECYCLE);
    expect(result.kind).toBe(LineKind.Row);
    expect(result.located).toBe('2024-08-20/00');
    expect(result.row).toEqual({
      bucketowner: OWNER,
      bucket_name: 'amzn-s3-demo-bucket1',
      requestdatetime: '20/Aug/2024:00:13:41 +0000',
      requester: 'AmazonS3',
      requestid: '8B1F2E3D4C5B6A79',
      operation: 'S3.EXPIRE.OBJECT',
      key: 'tmp/2024/08/old.log',
      objectsize: 3462992,
      timestamp: '2024-08-20T00:13:41Z',
    });
    expect(row(LINE_LIFECYCLE_DASH)).toEqual({
      bucketowner: OWNER,
      bucket_name: 'amzn-s3-demo-bucket1',
      requestdatetime: '20/Aug/2024:00:13:42 +0000',
      requestid: '9C2A3B4D5E6F7081',
      operation: 'S3.TRANSITION_SIA.OBJECT',
      key: 'reports/q2.csv',
      objectsize: 1048576,
      timestamp: '2024-08-20T00:13:42Z',
    });
  });

  it('keeps keys encoded as logged (twice) and decodes the query once', () => {
    expect(row(LINE_DOUBLE_ENCODED)).toMatchObject({
      key: 'docs/my%2520report%2B%25281%2529.pdf',
      request_uri: 'GET /docs/my%2520report%2B%25281%2529.pdf?versionId=3HL4kqtJvjVBH40Nrjfkd&x-note=a%2520b HTTP/1.1',
      versionid: '3HL4kqtJvjVBH40Nrjfkd',
      sourceregion: 'us-east-1',
      query_params: { versionId: '3HL4kqtJvjVBH40Nrjfkd', 'x-note': 'a%20b' },
    });
  });

  it('parses the GET record of a copy (request URI without protocol)', () => {
    expect(row(LINE_COPY_GET)).toMatchObject({
      operation: 'REST.COPY.OBJECT_GET',
      request_uri: 'GET /src-bucket/photos/2019/08/puppy.jpg?x-foo=bar',
      query_params: { 'x-foo': 'bar' },
    });
  });

  it('converts a non-UTC offset to UTC for timestamp and partition, keeping requestdatetime as logged', () => {
    const line = AWS_EXAMPLES[0].replace('[06/Feb/2019:00:00:38 +0000]', '[06/Feb/2019:00:00:38 +0100]');
    const result = run(line);
    expect(result.kind).toBe(LineKind.Row);
    expect(result.timestamp).toBe('2019-02-05T23:00:38Z');
    expect(result.located).toBe('2019-02-05/23');
    expect(result.row).toMatchObject({ requestdatetime: '06/Feb/2019:00:00:38 +0100', timestamp: '2019-02-05T23:00:38Z' });
  });

  it('escapes quotes, backslashes and control characters in values', () => {
    const line = AWS_EXAMPLES[0].replace('"S3Console/0.4"', '"agent \\"x\\" \\\\ \ty"');
    expect(row(line).useragent).toBe('agent \\"x\\" \\\\ \ty');
  });
});

describe('s3_access bad lines', () => {
  it('skips blank lines', () => {
    for (const line of ['', '   ', '\r']) {
      const result = run(line);
      expect(result.kind).toBe(LineKind.Skip);
      expect(result.error).toBe('blank line');
      expect(result.located).toBe('');
      expect(result.dt).toBe('');
    }
  });

  it('keeps a line without a readable time as an error row without timestamp', () => {
    const result = run('this is not an access log line');
    expect(result.kind).toBe(LineKind.Error);
    expect(result.row).toEqual({ _raw: 'this is not an access log line', _error: result.error });
    expect(result.located).toBe('');
    const badDate = run(AWS_EXAMPLES[0].replace('06/Feb/2019', '31/Feb/2019'));
    expect(badDate.kind).toBe(LineKind.Error);
    expect(badDate.located).toBe('');
  });

  it('keeps a value that does not fit its column as an error row with its timestamp', () => {
    const line = AWS_EXAMPLES[0].replace(' 200 - 113 - 7 ', ' 200 - 11x3 - 7 ');
    const result = run(line);
    expect(result.kind).toBe(LineKind.Error);
    expect(result.error).toMatch(/^bytessent: not a valid integer/);
    expect(result.row).toEqual({ timestamp: '2019-02-06T00:00:38Z', _raw: line, _error: result.error });
    expect(result.located).toBe(`${result.dt}/${result.hour}`);
  });

  it('rejects truncated lines and unterminated quotes', () => {
    const short = run(AWS_EXAMPLES[0].split(' ').slice(0, 12).join(' '));
    expect(short.kind).toBe(LineKind.Error);
    expect(short.error).toMatch(/expected at least 18 fields/);
    expect(short.located).toBe('2019-02-06/00');
    const unterminated = run(AWS_EXAMPLES[0].replace('"S3Console/0.4"', '"S3Console/0.4'));
    expect(unterminated.kind).toBe(LineKind.Error);
  });
});

describe('s3_access detection', () => {
  it('matches simple and partitioned keys', () => {
    expect(s3Access.matchKey('logs/2019-02-06-00-00-38-0A1B2C3D4E5F6789')).toBe(true);
    expect(s3Access.matchKey('2019-02-06-00-00-38-0A1B2C3D4E5F6789')).toBe(true);
    expect(s3Access.matchKey('access-log-2019-02-06-00-00-38-0A1B2C3D4E5F6789')).toBe(true);
    expect(s3Access.matchKey('logs/123456789012/us-east-1/amzn-s3-demo-bucket1/2023/05/11/2023-05-11-17-20-12-6EF0B3F1A8D0A6F5')).toBe(true);
    expect(s3Access.matchKey('logs/2019-02-06-00-00-38-0A1B2C3D4E5F6789.gz')).toBe(false);
    expect(s3Access.matchKey('AWSLogs/123456789012/elasticloadbalancing/us-east-2/2016/05/01/123456789012_elasticloadbalancing_us-east-2_app.my-lb.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz')).toBe(false);
    expect(s3Access.matchKey('cf/E2ABCDEFGHIJ.2019-12-04-21.abcd1234.gz')).toBe(false);
  });

  it('matches content by owner, bucket and bracketed time', () => {
    expect(s3Access.matchContent(`${AWS_EXAMPLES[0]}\n${AWS_EXAMPLES[1]}`)).toBe(true);
    expect(s3Access.matchContent(LINE_LIFECYCLE)).toBe(true);
    expect(s3Access.matchContent(LINE_27.replace(OWNER, '-'))).toBe(true);
    expect(s3Access.matchContent('http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817')).toBe(false);
    expect(s3Access.matchContent('#Version: 1.0')).toBe(false);
  });

  it('skips no objects and is not gzip', () => {
    expect(s3Access.skipObject('logs/2019-02-06-00-00-38-0A1B2C3D4E5F6789', AWS_EXAMPLES[0])).toBeUndefined();
    expect(s3Access.gzip).toBe(false);
    expect(s3Access.table).toBe('s3_access');
  });
});

describe('s3_access properties', () => {
  const INSERTS = ['"', '\\', ' ', '  ', '\t', '\n', '\r', '\u0000', '\u001f', '\u007f', '[', ']', '-', 'é', '😀', '\u2028', '\ud800', '%', '?', '&', '='];

  const mutation = lineMutation(INSERTS);
  const mutate = mutateLine;
  const checkInvariants = (line: string): void => checkLineInvariants(s3Access, line);

  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), checkInvariants), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...INSERTS, 'a', '0', '/', ':', '['), maxLength: 200 }), checkInvariants), { numRuns: 1000 });
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
    const parser = s3Access.createParser();
    for (const line of [LINE_OAI, '', 'garbage', LINE_18, LINE_27]) parser.parse(line);
    expect(parser.json).toBe(run(LINE_27).json);
    parser.parse(LINE_OAI);
    parser.parse(LINE_18);
    expect(parser.json).toBe(run(LINE_18).json);
  });
});
