import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { transformRecordText } from '../transforms/firehose-transform.js';
import { LineKind, type LineParser, type LogFormat } from '../transforms/format.js';
import { alb } from '../transforms/formats/alb.js';
import { cloudfront } from '../transforms/formats/cloudfront.js';
import { cloudtrail } from '../transforms/formats/cloudtrail.js';
import { elb } from '../transforms/formats/elb.js';
import { s3Access } from '../transforms/formats/s3_access.js';
import { vpcFlow } from '../transforms/formats/vpc_flow.js';
import type { TableName } from '../transforms/schema.js';
import type { PackedRecord } from './packer.js';
import { shipObject, type ShipObjectOptions, type ShipResult } from './shipper.js';

// ---------------------------------------------------------------------------------------------
// Realistic lines (AWS's documented examples, as in src/transforms/formats/*.test.ts), with the
// event hour as a parameter so one object can span several partitions.

const pad = (n: number): string => String(n).padStart(2, '0');

const CF_VERSION = '#Version: 1.0';
const CF_FIELDS =
  '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end';
const CF_UA = 'Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36';
const cfLine = (hour: number, i: number): string =>
  [
    '2019-12-04', `${pad(hour)}:02:${pad(i % 60)}`, 'LAX1', '392', '192.0.2.100', 'GET', 'd111111abcdef8.cloudfront.net', `/index-${i}.html`, '200', '-', CF_UA, '-', '-',
    'Hit', `SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGd${pad(i % 100)}==`, 'd111111abcdef8.cloudfront.net', 'https', '23', '0.001', '-',
    'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 'Hit', 'HTTP/2.0', '-', '-', '11040', '0.001', 'Hit', 'text/html', '78', '-', '-',
  ].join('\t');

const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const HOST_ID = 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=';
const s3Line = (hour: number, i: number): string =>
  `${OWNER} awsexamplebucket1 [06/Feb/2019:${pad(hour)}:00:${pad(i % 60)} +0000] 192.0.2.3 ${OWNER} 3E57427F3EX${String(i).padStart(5, '0')} REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - ${HOST_ID} SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1`;

const LB = 'app/my-loadbalancer/50dc6c495c0c9188';
const TG = 'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067';
const albLine = (hour: number, i: number): string =>
  `http 2018-07-02T${pad(hour)}:23:${pad(i % 60)}.186641Z ${LB} 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/item/${i} HTTP/1.1" "curl/7.46.0" - - ${TG} "Root=1-58337262-36d228ad5d99923122bbe${String(i).padStart(3, '0')}" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90 "-" "-" "-"`;

const elbLine = (hour: number, i: number): string =>
  `2015-05-13T${pad(hour)}:39:${pad(i % 60)}.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/page/${i} HTTP/1.1" "curl/7.38.0" - -`;

const ctEvent = (hour: number, i: number): object => ({
  eventVersion: '1.04',
  userIdentity: { type: 'IAMUser', principalId: 'EX_PRINCIPAL_ID', arn: 'arn:aws:iam::123456789012:user/Alice', accountId: '123456789012', userName: 'Alice' },
  eventTime: `2016-07-14T${pad(hour)}:15:${pad(i % 60)}Z`,
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'UpdateTrail',
  awsRegion: 'us-east-2',
  sourceIPAddress: '205.251.233.182',
  userAgent: 'aws-cli/1.10.32 Python/2.7.9 Windows/7 botocore/1.4.22',
  requestParameters: { name: `myTrail${i}` },
  responseElements: null,
  requestID: `5d40662a-49f7-11e6-97e4-d9cb6ff7d${String(i).padStart(3, '0')}`,
  eventID: `b7d4398e-b2f0-4faa-9c76-e2d316a8d${String(i).padStart(3, '0')}`,
  eventType: 'AwsApiCall',
  recipientAccountId: '123456789012',
});

const VPC_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const VPC_START = 1418529600; // 2014-12-14T04:00:00Z
const vpcLine = (hour: number, i: number): string => {
  const start = VPC_START + (hour - 4) * 3600 + (i % 60);
  return `2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 ${20000 + i} 22 6 20 4249 ${start} ${start + 60} ACCEPT OK`;
};

interface FormatCase {
  readonly format: LogFormat;
  readonly key: string;
  readonly gzip: boolean;
  readonly header: readonly string[];
  readonly hours: readonly number[];
  /** The object's text for these data lines (CloudTrail: a document). */
  readonly text: (lines: readonly (string | object)[]) => string;
  readonly line: (hour: number, i: number) => string | object;
}

const lineText = (header: readonly string[]) => (lines: readonly (string | object)[]) => `${[...header, ...(lines as string[])].join('\n')}\n`;

const CASES: Readonly<Record<TableName, FormatCase>> = {
  cloudfront: {
    format: cloudfront,
    key: 'cf-logs/E2ABCDEFGHIJKL.2019-12-04-21.a1b2c3d4.gz',
    gzip: true,
    header: [CF_VERSION, CF_FIELDS],
    hours: [21, 22, 23],
    text: lineText([CF_VERSION, CF_FIELDS]),
    line: cfLine,
  },
  s3_access: {
    format: s3Access,
    key: 'access-logs/2019-02-06-00-00-38-0A1B2C3D4E5F6789',
    gzip: false,
    header: [],
    hours: [0, 1, 2],
    text: lineText([]),
    line: s3Line,
  },
  alb: {
    format: alb,
    key: 'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2018/07/02/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20180702T2220Z_172.160.001.192_20sg8hgm.log.gz',
    gzip: true,
    header: [],
    hours: [20, 21, 22],
    text: lineText([]),
    line: albLine,
  },
  elb: {
    format: elb,
    key: 'AWSLogs/123456789012/elasticloadbalancing/us-west-2/2015/05/13/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20150513T2340Z_172.160.001.192_20sg8hgm.log',
    gzip: false,
    header: [],
    hours: [21, 22, 23],
    text: lineText([]),
    line: elbLine,
  },
  cloudtrail: {
    format: cloudtrail,
    key: 'AWSLogs/123456789012/CloudTrail/us-east-2/2016/07/14/123456789012_CloudTrail_us-east-2_20160714T1920Z_Mu0KsOhtH1ar15ZZ.json.gz',
    gzip: true,
    header: [],
    hours: [18, 19, 20],
    text: (events) => JSON.stringify({ Records: events }),
    line: ctEvent,
  },
  vpc_flow: {
    format: vpcFlow,
    key: 'AWSLogs/123456789010/vpcflowlogs/us-east-1/2014/12/14/123456789010_vpcflowlogs_us-east-1_fl-1234abcd_20141214T0405Z_fe123456.log.gz',
    gzip: true,
    header: [VPC_HEADER],
    hours: [4, 5, 6],
    text: lineText([VPC_HEADER]),
    line: vpcLine,
  },
};

// ---------------------------------------------------------------------------------------------
// Helpers

interface Shipped {
  readonly result: ShipResult;
  readonly records: PackedRecord[];
  readonly tables: TableName[];
}

async function ship(key: string, content: string | Buffer, options: Partial<ShipObjectOptions> = {}): Promise<Shipped> {
  const records: PackedRecord[] = [];
  const tables: TableName[] = [];
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 4096) chunks.push(bytes.subarray(i, i + 4096));
  const result = await shipObject({
    key,
    body: Readable.from(chunks, { objectMode: false }),
    recordBytes: 64 * 1024,
    maxBufferedBytes: 4 * 1024 * 1024,
    sink: (record, table) => {
      records.push(record);
      tables.push(table);
    },
    ...options,
  });
  return { result, records, tables };
}

/** `bytes` split at newlines. */
function splitBytes(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf(10); end >= 0; start = end + 1, end = bytes.indexOf(10, start)) parts.push(bytes.subarray(start, end));
  parts.push(bytes.subarray(start));
  return parts;
}

/** Lines spread over the case's hours, interleaved (as a real file near an hour boundary is). */
function linesOf(c: FormatCase, count: number): (string | object)[] {
  return Array.from({ length: count }, (_, i) => c.line(c.hours[i % c.hours.length], i));
}

function objectOf(c: FormatCase, lines: readonly (string | object)[]): Buffer | string {
  const text = c.text(lines);
  return c.gzip ? gzipSync(text) : text;
}

/**
 * Checks a record the way the transform will read it: its header first, every line it can place
 * in the record's partition, the transform's partition the same, and no row across partitions.
 */
function checkRecord(format: LogFormat, record: PackedRecord, header: readonly string[]): string[] {
  const text = record.data.toString('utf8');
  const lines = text.split('\n');
  expect(lines.slice(0, header.length)).toEqual(header);
  const data = lines.slice(header.length);
  expect(data).toHaveLength(record.lines);
  const parser = format.createParser();
  for (const line of header) parser.locate(line);
  for (const line of data) {
    const partition = parser.locate(line);
    if (partition !== '') expect(partition).toBe(record.partition);
  }
  const transformed = transformRecordText(format, text, Date.UTC(2030, 0, 1));
  expect(transformed.crossPartitionRows).toBe(0);
  expect(transformed.rows + transformed.errorRows).toBe(record.lines);
  expect(transformed.skippedLines).toBe(header.length);
  if (record.partition !== '') expect(`${transformed.partition?.dt}/${transformed.partition?.hour}`).toBe(record.partition);
  return data;
}

function expectAccounting(shipped: Shipped): void {
  const { result, records } = shipped;
  expect(result.lines).toBe(result.dataLines + result.skippedLines);
  expect(result.dataLines).toBe(records.reduce((n, r) => n + r.lines, 0));
  expect(result.records).toBe(records.length);
  expect(result.recordBytes).toBe(records.reduce((n, r) => n + r.data.length, 0));
  expect(result.partitions).toBe(new Set(records.map((r) => r.partition)).size);
}

// ---------------------------------------------------------------------------------------------

describe('shipObject, for each format', () => {
  describe.each(Object.entries(CASES) as [TableName, FormatCase][])('%s', (table, c) => {
    it('detects the format by key and ships one partition per record, every line once', async () => {
      const lines = linesOf(c, 90);
      const shipped = await ship(c.key, objectOf(c, lines), { recordBytes: 2 * 1024 });
      const { result, records, tables } = shipped;
      expect(result).toMatchObject({ key: c.key, status: 'shipped', table, dataLines: 90, skippedLines: c.header.length, partitions: 3 });
      expect(records.length).toBeGreaterThan(3);
      expect(new Set(tables)).toEqual(new Set([table]));
      expectAccounting(shipped);
      const expected = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
      const seen: string[] = [];
      for (const record of records) {
        if (record.lines > 1) expect(record.data.length).toBeLessThanOrEqual(2 * 1024);
        seen.push(...checkRecord(c.format, record, c.header));
      }
      expect(seen.sort()).toEqual([...expected].sort());
      expect(new Set(records.map((r) => r.partition))).toEqual(
        new Set(c.hours.map((h) => c.format.createParser().locate(typeof c.line(h, 0) === 'string' ? (c.line(h, 0) as string) : JSON.stringify(c.line(h, 0))))),
      );
    });

    it('detects the format by content when the key says nothing', async () => {
      const lines = linesOf(c, 9);
      const shipped = await ship('incoming/renamed-object', objectOf(c, lines));
      expect(shipped.result).toMatchObject({ status: 'shipped', table, dataLines: 9, skippedLines: c.header.length });
      expectAccounting(shipped);
    });

    it('ships with the format given, gzip or not whatever the key says', async () => {
      const lines = linesOf(c, 5);
      const text = c.text(lines);
      const plain = await ship('x/plain.gz', text, { format: c.format });
      const gzipped = await ship('x/packed.txt', gzipSync(text), { format: c.format });
      expect(plain.result).toMatchObject({ status: 'shipped', table, dataLines: 5 });
      expect(gzipped.records.map((r) => r.data.toString())).toEqual(plain.records.map((r) => r.data.toString()));
    });

    it('reports an object of another table as unknown when `table` is set', async () => {
      const other = table === 'alb' ? 'elb' : 'alb';
      const shipped = await ship(c.key, objectOf(c, linesOf(c, 4)), { table: other });
      expect(shipped.result.status).toBe('unknown');
      expect(shipped.result.reason).toContain(table);
      expect(shipped.result.reason).toContain(other);
      expect(shipped.result.dataLines).toBe(0);
      expect(shipped.result.lines).toBe(shipped.result.skippedLines);
      expect(shipped.records).toEqual([]);
      const same = await ship(c.key, objectOf(c, linesOf(c, 4)), { table });
      expect(same.result.status).toBe('shipped');
    });
  });
});

describe('shipObject, non-log and unknown objects', () => {
  it('skips the ELB access log test file', async () => {
    const shipped = await ship(
      'AWSLogs/123456789012/ELBAccessLogTestFile',
      'Enable AccessLog for ELB: my-loadbalancer at 2014-02-15T23:39:43.945958Z\n',
    );
    expect(shipped.result).toMatchObject({ status: 'skipped', lines: 1, skippedLines: 1, dataLines: 0, records: 0 });
    expect(shipped.result.reason).toMatch(/test file/i);
    expect(shipped.records).toEqual([]);
  });

  it('skips a CloudTrail digest file, by key or by content', async () => {
    const digest = JSON.stringify(
      {
        awsAccountId: '111122223333',
        digestStartTime: '2015-08-17T14:01:31Z',
        digestEndTime: '2015-08-17T15:01:31Z',
        digestS3Bucket: 'S3-bucket-name',
        digestS3Object: 'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/x.json.gz',
        newestEventTime: '2015-08-17T14:52:27Z',
        oldestEventTime: '2015-08-17T14:42:27Z',
        logFiles: [],
      },
      null,
      2,
    );
    const byKey = await ship(
      'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz',
      gzipSync(digest),
    );
    expect(byKey.result.status).toBe('skipped');
    expect(byKey.result.reason).toMatch(/digest/);
    expect(byKey.result.lines).toBe(digest.split('\n').length);
    expect(byKey.records).toEqual([]);
    const byContent = await ship('some/renamed/file.json', digest);
    expect(byContent.result.status).toBe('skipped');
    expect(byContent.records).toEqual([]);
  });

  it('skips a CloudTrail document without events', async () => {
    const shipped = await ship(CASES.cloudtrail.key, gzipSync('{"Records":[]}'));
    expect(shipped.result).toMatchObject({ status: 'skipped', table: 'cloudtrail', dataLines: 0 });
    expect(shipped.records).toEqual([]);
  });

  it('reports objects it does not recognise as unknown, counting their lines', async () => {
    const text = await ship('random/notes.txt', 'hello world\nthis is not a log\n');
    expect(text.result).toMatchObject({ status: 'unknown', lines: 2, skippedLines: 2, dataLines: 0, records: 0 });
    expect(text.result.reason).toBeTruthy();
    const binary = await ship('random/blob.bin', Buffer.from([0, 1, 2, 3, 255, 254, 10, 9, 8]));
    expect(binary.result.status).toBe('unknown');
    const empty = await ship('random/empty', '');
    expect(empty.result).toMatchObject({ status: 'unknown', lines: 0 });
    expect([...text.records, ...binary.records, ...empty.records]).toEqual([]);
  });

  it('ships nothing for an empty object of a known format', async () => {
    const shipped = await ship(CASES.alb.key, gzipSync(''), { format: alb });
    expect(shipped.result).toMatchObject({ status: 'shipped', lines: 0, dataLines: 0, records: 0, partitions: 0 });
  });
});

describe('shipObject, headers', () => {
  it('counts CloudFront header lines as skipped and leads every record with them', async () => {
    const c = CASES.cloudfront;
    const shipped = await ship(c.key, objectOf(c, linesOf(c, 90)), { recordBytes: 3 * 1024 });
    expect(shipped.result.skippedLines).toBe(2);
    expect(shipped.records.length).toBeGreaterThan(6);
    for (const record of shipped.records) expect(record.data.toString().startsWith(`${CF_VERSION}\n${CF_FIELDS}\n`)).toBe(true);
    expectAccounting(shipped);
  });

  it('ships non-ASCII text and bytes that are not UTF-8 byte for byte, across chunk boundaries', async () => {
    const c = CASES.cloudfront;
    const lines = Array.from({ length: 400 }, (_, i) =>
      Buffer.concat([Buffer.from(cfLine(21 + (i % 2), i).replace(`/index-${i}.html`, `/café-☕-日本-${i}.html`)), i % 7 === 0 ? Buffer.from([0xff, 0xc3]) : Buffer.alloc(0)]),
    );
    const header = Buffer.from(`${CF_VERSION}\n${CF_FIELDS}\n`);
    const shipped = await ship(c.key, gzipSync(Buffer.concat([header, ...lines.flatMap((l) => [l, Buffer.from('\n')])])), { recordBytes: 8 * 1024 });
    expect(shipped.result).toMatchObject({ dataLines: 400, partitions: 2 });
    const sent = shipped.records.flatMap((r) => {
      expect(r.data.subarray(0, header.length).equals(header)).toBe(true);
      return splitBytes(r.data.subarray(header.length));
    });
    const key = (b: Buffer) => b.toString('hex');
    expect(sent.map(key).sort()).toEqual(lines.map(key).sort());
  });

  it('ships CloudTrail events with non-ASCII text as UTF-8 JSON', async () => {
    const c = CASES.cloudtrail;
    const events = [{ ...(ctEvent(18, 1) as object), userIdentity: { type: 'IAMUser', userName: 'Zoë 😀 日本' } }, ctEvent(18, 2)];
    const shipped = await ship(c.key, gzipSync(Buffer.from(JSON.stringify({ Records: events }), 'utf8')));
    const sent = shipped.records.flatMap((r) => r.data.toString('utf8').split('\n')).map((line) => JSON.parse(line) as object);
    expect(sent).toEqual(events);
  });

  it('keeps a custom #Fields order: each record carries the header its lines need', async () => {
    const fields = '#Fields: time date c-ip sc-status x-edge-request-id';
    const line = (hour: number, i: number): string => [`${pad(hour)}:00:${pad(i)}`, '2024-12-02', '192.0.2.1', '200', `req-${i}`].join('\t');
    const text = [CF_VERSION, fields, line(10, 1), line(11, 2), line(10, 3)].join('\n');
    const shipped = await ship(CASES.cloudfront.key, gzipSync(text), { recordBytes: 1024 });
    expect(shipped.records.map((r) => [r.partition, r.data.toString()])).toEqual([
      ['2024-12-02/10', `${CF_VERSION}\n${fields}\n${line(10, 1)}\n${line(10, 3)}`],
      ['2024-12-02/11', `${CF_VERSION}\n${fields}\n${line(11, 2)}`],
    ]);
    for (const record of shipped.records) {
      const rows = transformRecordText(cloudfront, record.data.toString(), 0).text.trim().split('\n').map((j) => JSON.parse(j));
      for (const row of rows) expect(row._error).toBeUndefined();
    }
  });

  it('flushes records when the header changes mid-file, so lines keep the header they were read under', async () => {
    const other = 'version srcaddr dstaddr start end action log-status';
    const text = [VPC_HEADER, vpcLine(4, 1), vpcLine(5, 2), other, `3 10.0.0.1 10.0.0.2 ${VPC_START + 10} ${VPC_START + 70} ACCEPT OK`, vpcLine(4, 3)].join('\n');
    const shipped = await ship(CASES.vpc_flow.key, gzipSync(text));
    expect(shipped.result).toMatchObject({ dataLines: 4, skippedLines: 2 });
    expect(shipped.records.map((r) => r.data.toString())).toEqual([
      `${VPC_HEADER}\n${vpcLine(4, 1)}`,
      `${VPC_HEADER}\n${vpcLine(5, 2)}`,
      `${other}\n3 10.0.0.1 10.0.0.2 ${VPC_START + 10} ${VPC_START + 70} ACCEPT OK\n${vpcLine(4, 3)}`,
    ]);
    // The last line follows the second header's column order, which the transform then applies.
    const transformed = transformRecordText(vpcFlow, shipped.records[2].data.toString(), 0);
    expect(transformed.rows).toBe(1);
    expect(transformed.errorRows).toBe(1);
  });

  it('counts comments and blank lines as skipped, not shipped', async () => {
    const c = CASES.cloudfront;
    const text = [CF_VERSION, CF_FIELDS, cfLine(21, 1), '', '# a comment', cfLine(21, 2), '   ', cfLine(22, 3)].join('\n');
    const shipped = await ship(c.key, gzipSync(text));
    expect(shipped.result).toMatchObject({ lines: 8, skippedLines: 4, dataLines: 4, partitions: 2 });
    expectAccounting(shipped);
  });
});

describe('shipObject, partitions', () => {
  it('packs lines of several hours into records of one partition each', async () => {
    const c = CASES.s3_access;
    const lines = Array.from({ length: 40 }, (_, i) => s3Line([0, 5, 0, 23, 12][i % 5], i));
    const shipped = await ship(c.key, lines.join('\n'));
    expect(shipped.result.partitions).toBe(4);
    expect(shipped.records.map((r) => r.partition).sort()).toEqual(['2019-02-06/00', '2019-02-06/05', '2019-02-06/12', '2019-02-06/23']);
    for (const record of shipped.records) checkRecord(s3Access, record, []);
    // Order within a partition is the file's order.
    const first = shipped.records.find((r) => r.partition === '2019-02-06/00')!;
    expect(first.data.toString().split('\n')).toEqual(lines.filter((_, i) => i % 5 === 0 || i % 5 === 2));
  });

  it('sends a line without a readable time with the line before it', async () => {
    const text = [elbLine(21, 1), 'garbage without a time', elbLine(22, 2), '2015-13-45T99:99:99Z broken', elbLine(21, 3)].join('\n');
    const shipped = await ship(CASES.elb.key, text);
    expect(shipped.result).toMatchObject({ dataLines: 5, skippedLines: 0 });
    expect(shipped.records.map((r) => [r.partition, r.data.toString().split('\n')])).toEqual([
      ['2015-05-13/21', [elbLine(21, 1), 'garbage without a time', elbLine(21, 3)]],
      ['2015-05-13/22', [elbLine(22, 2), '2015-13-45T99:99:99Z broken']],
    ]);
    for (const record of shipped.records) checkRecord(elb, record, []);
  });

  it('sends lines without a readable time at the start of a file with the first timed line', async () => {
    const c = CASES.cloudfront;
    const text = [CF_VERSION, CF_FIELDS, 'truncated-line', 'another bad one', cfLine(23, 1), cfLine(22, 2)].join('\n');
    const shipped = await ship(c.key, gzipSync(text));
    expect(shipped.records.map((r) => [r.partition, r.lines])).toEqual([
      ['2019-12-04/23', 3],
      ['2019-12-04/22', 1],
    ]);
    expect(shipped.records[0].data.toString().split('\n').slice(2)).toEqual(['truncated-line', 'another bad one', cfLine(23, 1)]);
    expect(shipped.result.partitions).toBe(2);
    expectAccounting(shipped);
  });

  it('ships a file with no readable time at all under the empty partition, nothing dropped', async () => {
    const shipped = await ship(CASES.elb.key, 'bad one\nbad two\nbad three\n', { format: elb });
    expect(shipped.result).toMatchObject({ status: 'shipped', dataLines: 3, skippedLines: 0, partitions: 1 });
    expect(shipped.records.map((r) => [r.partition, r.data.toString()])).toEqual([['', 'bad one\nbad two\nbad three']]);
    const transformed = transformRecordText(elb, shipped.records[0].data.toString(), Date.UTC(2024, 0, 2, 3));
    expect(transformed).toMatchObject({ errorRows: 3, partition: { dt: '2024-01-02', hour: '03' } });
  });

  it('holds untimed leading lines only up to a record, then ships them on their own', async () => {
    const bad = Array.from({ length: 50 }, (_, i) => `bad line number ${i} ${'x'.repeat(30)}`);
    const shipped = await ship(CASES.elb.key, [...bad, elbLine(21, 1)].join('\n'), { format: elb, recordBytes: 1024 });
    expectAccounting(shipped);
    expect(shipped.result.dataLines).toBe(51);
    const empty = shipped.records.filter((r) => r.partition === '');
    expect(empty.length).toBeGreaterThan(0);
    for (const record of shipped.records) expect(record.data.length).toBeLessThanOrEqual(1024);
    const all = shipped.records.flatMap((r) => r.data.toString().split('\n'));
    expect(all.sort()).toEqual([...bad, elbLine(21, 1)].sort());
  });

  it('accounts for every line of a large object packed under a small buffer bound', async () => {
    const c = CASES.alb;
    const lines = Array.from({ length: 3_000 }, (_, i) => albLine(i % 24, i));
    const shipped = await ship(c.key, gzipSync(lines.join('\n')), { recordBytes: 16 * 1024, maxBufferedBytes: 64 * 1024 });
    expect(shipped.result).toMatchObject({ lines: 3_000, dataLines: 3_000, partitions: 24 });
    expectAccounting(shipped);
    const seen = new Map<string, number>();
    for (const record of shipped.records) {
      for (const line of checkRecord(alb, record, [])) seen.set(line, (seen.get(line) ?? 0) + 1);
    }
    expect(seen.size).toBe(3_000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('waits for an async sink (backpressure) and passes its failure on', async () => {
    const c = CASES.elb;
    let pending = 0;
    let most = 0;
    const result = await shipObject({
      key: c.key,
      body: Readable.from([Buffer.from(Array.from({ length: 200 }, (_, i) => elbLine(i % 3, i)).join('\n'))]),
      recordBytes: 1024,
      maxBufferedBytes: 1 << 20,
      sink: async () => {
        pending++;
        most = Math.max(most, pending);
        await new Promise((resolve) => setImmediate(resolve));
        pending--;
      },
    });
    expect(result.records).toBeGreaterThan(10);
    expect(most).toBe(1);
    await expect(
      shipObject({
        key: c.key,
        body: Readable.from([Buffer.from(elbLine(1, 1))]),
        recordBytes: 1024,
        maxBufferedBytes: 1 << 20,
        sink: async () => {
          throw new Error('firehose down');
        },
      }),
    ).rejects.toThrow('firehose down');
  });

  it("uses the parser's time when locate finds none but parse does", async () => {
    // A format whose cheap locate gives up on every line: parse's dt/hour decide the partition.
    const parser = (): LineParser => {
      const p = {
        json: '{}',
        timestamp: '',
        dt: '',
        hour: '',
        error: '',
        header: '',
        locate: () => '',
        parse(line: string): LineKind {
          const match = /^(\d{4}-\d\d-\d\d)T(\d\d)/.exec(line);
          p.dt = match?.[1] ?? '';
          p.hour = match?.[2] ?? '';
          if (line === '') return LineKind.Skip;
          return match === null ? LineKind.Error : LineKind.Row;
        },
      };
      return p;
    };
    const lazy: LogFormat = { ...elb, createParser: parser };
    const text = ['2020-01-01T05:00:00Z a', 'junk', '2020-01-01T06:00:00Z b', '', '2020-01-01T05:30:00Z c'].join('\n');
    const shipped = await ship('x', text, { format: lazy });
    expect(shipped.records.map((r) => [r.partition, r.data.toString()])).toEqual([
      ['2020-01-01/05', '2020-01-01T05:00:00Z a\njunk\n2020-01-01T05:30:00Z c'],
      ['2020-01-01/06', '2020-01-01T06:00:00Z b'],
    ]);
    expect(shipped.result).toMatchObject({ lines: 5, dataLines: 4, skippedLines: 1 });
  });
});
