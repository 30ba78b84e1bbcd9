import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandInput } from '@aws-sdk/client-firehose';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handleSqsEvent, type IngestDeps } from './ingest-handler.js';
import { s3EventMessage } from './s3-events.js';

/**
 * The ingest Lambda's work against an S3 emulator (fauxqs, in-process) holding real log objects,
 * with Firehose mocked: SQS messages in, PutRecordBatch calls and batchItemFailures out.
 */

const BUCKET = 'loghose-source-logs';
const STREAM = 'loghose-test-stream';

// ---- objects -------------------------------------------------------------------------------

const CF_HEADER = [
  '#Version: 1.0',
  '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end',
];
const cfLine = (hour: number, i: number): string =>
  [
    '2019-12-04', `${String(hour).padStart(2, '0')}:02:${String(i % 60).padStart(2, '0')}`, 'LAX1', '392', '192.0.2.100', 'GET', 'd111111abcdef8.cloudfront.net',
    `/index-${i}.html`, '200', '-', 'curl/7.55.1', '-', '-', 'Hit', `SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRL${i}==`, 'd111111abcdef8.cloudfront.net',
    'https', '23', '0.001', '-', 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 'Hit', 'HTTP/2.0', '-', '-', '11040', '0.001', 'Hit', 'text/html', '78', '-', '-',
  ].join('\t');

const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const s3Line = (i: number, marker = 'S3Console/0.4'): string =>
  `${OWNER} awsexamplebucket1 [06/Feb/2019:00:0${i % 10}:38 +0000] 192.0.2.3 ${OWNER} 3E57427F3EX${String(i).padStart(5, '0')} REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "${marker}" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1`;

const albLine = (hour: number, i: number): string =>
  `http 2018-07-02T${String(hour).padStart(2, '0')}:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/item/${i} HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"`;

interface LogObject {
  readonly key: string;
  readonly header: readonly string[];
  readonly lines: readonly string[];
  readonly gzip: boolean;
}

const CLOUDFRONT: LogObject = {
  key: 'cf/E2ABCDEFGHIJKL.2019-12-04-21.a1b2c3d4.gz',
  header: CF_HEADER,
  lines: Array.from({ length: 300 }, (_, i) => cfLine(21 + (i % 3), i)),
  gzip: true,
};
const CLOUDFRONT_AWKWARD_KEY: LogObject = {
  key: 'cf logs/c++ & more/E2ABCDEFGHIJKL.2019-12-04-22.e5f6a7b8.gz',
  header: CF_HEADER,
  lines: Array.from({ length: 40 }, (_, i) => cfLine(22, 1000 + i)),
  gzip: true,
};
const S3_ACCESS: LogObject = {
  key: 'access/2019-02-06-00-00-38-0A1B2C3D4E5F6789',
  header: [],
  lines: Array.from({ length: 120 }, (_, i) => s3Line(i)),
  gzip: false,
};
const S3_ACCESS_PLUS: LogObject = {
  key: 'access/a+b 1+1=2/2019-02-06-00-00-38-0A1B2C3D4E5F6790',
  header: [],
  lines: Array.from({ length: 10 }, (_, i) => s3Line(500 + i)),
  gzip: false,
};
/** Firehose rejects every record of this object (the mock fails entries carrying the marker). */
const POISONED: LogObject = {
  key: 'access/2019-02-06-00-00-39-0A1B2C3D4E5F6791',
  header: [],
  lines: Array.from({ length: 20 }, (_, i) => s3Line(900 + i, 'POISON')),
  gzip: false,
};
const ALB: LogObject = {
  key: 'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2018/07/02/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20180702T2220Z_172.160.001.192_20sg8hgm.log.gz',
  header: [],
  lines: Array.from({ length: 50 }, (_, i) => albLine(22, i)),
  gzip: true,
};
const ALL_OBJECTS = [CLOUDFRONT, CLOUDFRONT_AWKWARD_KEY, S3_ACCESS, S3_ACCESS_PLUS, POISONED, ALB];

function bytesOf(object: LogObject): Buffer {
  const text = `${[...object.header, ...object.lines].join('\n')}\n`;
  return object.gzip ? gzipSync(text) : Buffer.from(text);
}

// ---- SQS events ------------------------------------------------------------------------------

function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1575493500000',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1575493500001',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:loghose-ingest',
    awsRegion: 'us-east-1',
  };
}

const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const notify = (...objects: LogObject[]): string => s3EventMessage(objects.map((o) => ({ bucket: BUCKET, key: o.key })));

// ---- Firehose mock ---------------------------------------------------------------------------

const firehoseMock = mockClient(FirehoseClient);
let delivered: string[] = [];

function acceptAllButPoison(): void {
  firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
    const responses = input.Records!.map((record, i) => {
      const text = Buffer.from(record.Data!).toString('utf8');
      if (text.includes('"POISON"')) return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
      delivered.push(text);
      return { RecordId: `r-${delivered.length}-${i}` };
    });
    return { FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length, Encrypted: false, RequestResponses: responses, $metadata: {} };
  });
}

/** Data lines of the delivered records (headers removed), and whether every record led with its header. */
function deliveredLines(): string[] {
  const lines: string[] = [];
  for (const text of delivered) {
    const all = text.split('\n');
    const headerLines = all[0] === CF_HEADER[0] ? CF_HEADER.length : 0;
    if (headerLines > 0) expect(all.slice(0, headerLines)).toEqual(CF_HEADER);
    lines.push(...all.slice(headerLines));
  }
  return lines;
}

function expectDeliveredOnce(objects: readonly LogObject[]): void {
  const expected = objects.flatMap((o) => o.lines);
  const lines = deliveredLines();
  expect(lines).toHaveLength(expected.length);
  expect([...lines].sort()).toEqual([...expected].sort());
}

// ---- setup -----------------------------------------------------------------------------------

let server: FauxqsServer;
let s3: S3Client;
const firehose = new FirehoseClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const logged: { level: string; message: string; details: Record<string, unknown> }[] = [];

function deps(overrides: Partial<IngestDeps> = {}): IngestDeps {
  return {
    s3,
    firehose,
    streamName: STREAM,
    recordBytes: 8 * 1024,
    maxBufferedBytes: 1024 * 1024,
    maxRetries: 3,
    sleep: async () => {},
    log: (level, message, details) => void logged.push({ level, message, details }),
    ...overrides,
  };
}

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  server.createBucket(BUCKET);
  s3 = new S3Client({
    endpoint: server.address,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  for (const object of ALL_OBJECTS) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: object.key, Body: bytesOf(object) }));
  }
});

afterAll(async () => {
  s3?.destroy();
  await server?.stop();
});

afterEach(() => {
  firehoseMock.reset();
  delivered = [];
  logged.length = 0;
});

// ---- tests -----------------------------------------------------------------------------------

describe('handleSqsEvent against an S3 emulator', () => {
  it('delivers every line of every object named by several messages', async () => {
    acceptAllButPoison();
    const outcome = await handleSqsEvent(
      sqsEvent(sqsRecord('m1', notify(CLOUDFRONT)), sqsRecord('m2', notify(S3_ACCESS, ALB))),
      deps(),
    );
    expect(outcome.batchItemFailures).toEqual([]);
    expect(outcome.results.map((r) => [r.key, r.status, r.table, r.dataLines])).toEqual([
      [CLOUDFRONT.key, 'shipped', 'cloudfront', 300],
      [S3_ACCESS.key, 'shipped', 's3_access', 120],
      [ALB.key, 'shipped', 'alb', 50],
    ]);
    expect(outcome.results[0].skippedLines).toBe(2);
    expectDeliveredOnce([CLOUDFRONT, S3_ACCESS, ALB]);
    // Packed: far fewer records than lines, and every call within the PutRecordBatch limits.
    expect(delivered.length).toBeLessThan(470 / 5);
    for (const call of firehoseMock.commandCalls(PutRecordBatchCommand)) {
      const input = call.args[0].input;
      expect(input.DeliveryStreamName).toBe(STREAM);
      expect(input.Records!.length).toBeLessThanOrEqual(500);
      expect(input.Records!.reduce((n, r) => n + r.Data!.length, 0)).toBeLessThanOrEqual(4 * 1024 * 1024);
    }
  });

  it('fails only the message whose records Firehose keeps rejecting', async () => {
    acceptAllButPoison();
    const outcome = await handleSqsEvent(
      sqsEvent(sqsRecord('ok-1', notify(CLOUDFRONT)), sqsRecord('bad', notify(POISONED)), sqsRecord('ok-2', notify(S3_ACCESS))),
      deps({ maxRetries: 2 }),
    );
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expectDeliveredOnce([CLOUDFRONT, S3_ACCESS]);
    // The poisoned records were tried 1 + maxRetries times, then given up.
    const poisonedCalls = firehoseMock
      .commandCalls(PutRecordBatchCommand)
      .filter((call) => call.args[0].input.Records!.some((r) => Buffer.from(r.Data!).toString().includes('"POISON"')));
    expect(poisonedCalls).toHaveLength(3);
    expect(logged.some((l) => l.level === 'error' && l.details.messageId === 'bad')).toBe(true);
  });

  it('fails the whole message when one of its objects fails, even if others were delivered', async () => {
    acceptAllButPoison();
    const outcome = await handleSqsEvent(sqsEvent(sqsRecord('mixed', notify(S3_ACCESS_PLUS, POISONED))), deps({ maxRetries: 1 }));
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'mixed' }]);
  });

  it('ignores s3:TestEvent messages', async () => {
    acceptAllButPoison();
    const testEvent = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2019-12-04T21:00:00.000Z',
      Bucket: BUCKET,
      RequestId: '5582815E1AEA5ADF',
      HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
    });
    const outcome = await handleSqsEvent(sqsEvent(sqsRecord('test', testEvent)), deps());
    expect(outcome).toEqual({ batchItemFailures: [], results: [] });
    expect(firehoseMock.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
  });

  it('reports an unreadable message body without failing it (redelivery would not help)', async () => {
    acceptAllButPoison();
    const outcome = await handleSqsEvent(
      sqsEvent(sqsRecord('garbage', 'this is not an S3 event'), sqsRecord('fine', notify(ALB))),
      deps(),
    );
    expect(outcome.batchItemFailures).toEqual([]);
    expect(outcome.results.map((r) => r.key)).toEqual([ALB.key]);
    expect(logged.find((l) => l.details.messageId === 'garbage')).toMatchObject({ level: 'error', details: { reason: expect.any(String) } });
    expectDeliveredOnce([ALB]);
  });

  it('fetches objects whose keys have spaces and plus signs (form-encoded in the event)', async () => {
    acceptAllButPoison();
    const handWritten = JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: BUCKET }, object: { key: 'access/a%2Bb+1%2B1%3D2/2019-02-06-00-00-38-0A1B2C3D4E5F6790', size: 1 } },
        },
      ],
    });
    const outcome = await handleSqsEvent(
      sqsEvent(sqsRecord('plus', handWritten), sqsRecord('space', notify(CLOUDFRONT_AWKWARD_KEY))),
      deps(),
    );
    expect(outcome.batchItemFailures).toEqual([]);
    expect(outcome.results.map((r) => [r.key, r.status])).toEqual([
      [S3_ACCESS_PLUS.key, 'shipped'],
      [CLOUDFRONT_AWKWARD_KEY.key, 'shipped'],
    ]);
    expectDeliveredOnce([S3_ACCESS_PLUS, CLOUDFRONT_AWKWARD_KEY]);
  });

  it('fails a message whose object does not exist (NoSuchKey), and only that one', async () => {
    acceptAllButPoison();
    const outcome = await handleSqsEvent(
      sqsEvent(
        sqsRecord('missing', s3EventMessage([{ bucket: BUCKET, key: 'access/2019-02-06-00-00-38-DOESNOTEXIST0000' }])),
        sqsRecord('present', notify(S3_ACCESS_PLUS)),
      ),
      deps(),
    );
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'missing' }]);
    expect(logged.find((l) => l.details.messageId === 'missing')?.details.error).toMatch(/key/i);
    expectDeliveredOnce([S3_ACCESS_PLUS]);
  });

  it('reports an object of another table as unknown without failing the message', async () => {
    acceptAllButPoison();
    const outcome = await handleSqsEvent(sqsEvent(sqsRecord('m', notify(ALB, CLOUDFRONT))), deps({ table: 'cloudfront' }));
    expect(outcome.batchItemFailures).toEqual([]);
    expect(outcome.results.map((r) => [r.key, r.status])).toEqual([
      [ALB.key, 'unknown'],
      [CLOUDFRONT.key, 'shipped'],
    ]);
    expectDeliveredOnce([CLOUDFRONT]);
    expect(logged.some((l) => l.level === 'warn' && l.message === 'object unknown')).toBe(true);
  });

  it('retries throttled calls and still delivers every line exactly once', async () => {
    let calls = 0;
    firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
      calls++;
      if (calls % 3 === 1) {
        const error = new Error('Slow down.');
        error.name = 'ServiceUnavailableException';
        throw error;
      }
      const responses = input.Records!.map((record, i) => {
        if ((calls + i) % 4 === 0) return { ErrorCode: 'InternalFailure', ErrorMessage: 'retry me' };
        delivered.push(Buffer.from(record.Data!).toString('utf8'));
        return { RecordId: `r-${calls}-${i}` };
      });
      return { FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length, RequestResponses: responses, $metadata: {} };
    });
    const outcome = await handleSqsEvent(sqsEvent(sqsRecord('m', notify(CLOUDFRONT, S3_ACCESS))), deps({ maxRetries: 10 }));
    expect(outcome.batchItemFailures).toEqual([]);
    expectDeliveredOnce([CLOUDFRONT, S3_ACCESS]);
  });
});
