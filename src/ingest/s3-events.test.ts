import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeS3Key, parseS3EventMessage, s3EventMessage } from './s3-events.js';

/** An S3 event notification record as S3 writes it (AWS's "Event message structure"). */
function s3Record(key: string, eventName = 'ObjectCreated:Put', bucket = 'my-log-bucket', size = 1024) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2019-12-04T21:05:00.000Z',
    eventName,
    userIdentity: { principalId: 'AWS:AIDAJDPLRKLG7UEXAMPLE' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'loghose',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key, size, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
    },
  };
}

const TEST_EVENT = {
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2019-12-04T21:00:00.000Z',
  Bucket: 'my-log-bucket',
  RequestId: '5582815E1AEA5ADF',
  HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
};

function snsEnvelope(message: unknown): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:log-events',
    Subject: 'Amazon S3 Notification',
    Message: JSON.stringify(message),
    Timestamp: '2019-12-04T21:05:01.000Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
  });
}

function eventBridgeObjectCreated(key: string, bucket = 'my-log-bucket', size = 5) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2021-11-12T00:00:00Z',
    region: 'ca-central-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '617f08299329d189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  };
}

describe('decodeS3Key', () => {
  it('decodes form encoding: + is a space, %2B a plus, %XX UTF-8', () => {
    expect(decodeS3Key('logs/my+file.gz')).toBe('logs/my file.gz');
    expect(decodeS3Key('logs/c%2B%2B+notes.txt')).toBe('logs/c++ notes.txt');
    expect(decodeS3Key('logs/caf%C3%A9/%E6%97%A5%E6%9C%AC.log')).toBe('logs/café/日本.log');
    expect(decodeS3Key('logs/%F0%9F%98%80.log')).toBe('logs/😀.log');
    expect(decodeS3Key('dt%3D2019-12-04/a%2Fb')).toBe('dt=2019-12-04/a/b');
    expect(decodeS3Key('100%25+done')).toBe('100% done');
    expect(decodeS3Key('plain/key.log')).toBe('plain/key.log');
  });

  it('leaves a malformed escape as sent (spaces still decoded)', () => {
    expect(decodeS3Key('bad%E0+escape%')).toBe('bad%E0 escape%');
    expect(decodeS3Key('50%+off')).toBe('50% off');
  });
});

describe('parseS3EventMessage', () => {
  it('reads the objects of a direct S3 notification, decoding form-encoded keys', () => {
    const body = JSON.stringify({
      Records: [
        s3Record('AWSLogs/123456789012/CloudTrail/us-east-1/2019/12/04/my+trail%2B1+%E2%9C%93.json.gz', 'ObjectCreated:Put', 'bucket-a', 2048),
        s3Record('cf/E2ABCDEFGHIJKL.2019-12-04-21.a1b2c3d4.gz', 'ObjectCreated:CompleteMultipartUpload', 'bucket-b', 4096),
      ],
    });
    expect(parseS3EventMessage(body)).toEqual({
      kind: 'objects',
      objects: [
        { bucket: 'bucket-a', key: 'AWSLogs/123456789012/CloudTrail/us-east-1/2019/12/04/my trail+1 ✓.json.gz', size: 2048 },
        { bucket: 'bucket-b', key: 'cf/E2ABCDEFGHIJKL.2019-12-04-21.a1b2c3d4.gz', size: 4096 },
      ],
    });
  });

  it('ignores records that are not ObjectCreated or not from S3', () => {
    const body = JSON.stringify({
      Records: [
        s3Record('deleted.log', 'ObjectRemoved:Delete'),
        s3Record('restored.log', 'ObjectRestore:Completed'),
        { ...s3Record('other.log'), eventSource: 'aws:sqs' },
        s3Record('kept.log', 'ObjectCreated:Copy'),
        null,
        { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' }, // no s3 section
        s3Record('lifecycle.log', 'LifecycleExpiration:Delete'),
      ],
    });
    expect(parseS3EventMessage(body)).toEqual({ kind: 'objects', objects: [{ bucket: 'my-log-bucket', key: 'kept.log', size: 1024 }] });
    expect(parseS3EventMessage(JSON.stringify({ Records: [s3Record('x', 'ObjectRemoved:Delete')] }))).toEqual({ kind: 'objects', objects: [] });
    expect(parseS3EventMessage('{"Records":[]}')).toEqual({ kind: 'objects', objects: [] });
  });

  it('recognises the s3:TestEvent sent when notifications are configured', () => {
    expect(parseS3EventMessage(JSON.stringify(TEST_EVENT))).toEqual({ kind: 'test-event' });
  });

  it('unwraps an SNS envelope (S3 → SNS → SQS without raw delivery)', () => {
    expect(parseS3EventMessage(snsEnvelope({ Records: [s3Record('logs/a+b.log')] }))).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'my-log-bucket', key: 'logs/a b.log', size: 1024 }],
    });
    expect(parseS3EventMessage(snsEnvelope(TEST_EVENT))).toEqual({ kind: 'test-event' });
    const broken = JSON.stringify({ Type: 'Notification', Message: 'not json' });
    expect(parseS3EventMessage(broken).kind).toBe('invalid');
  });

  it('reads an EventBridge "Object Created" event (keys not form-encoded)', () => {
    expect(parseS3EventMessage(JSON.stringify(eventBridgeObjectCreated('logs/a b+c.log', 'eb-bucket', 77)))).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'eb-bucket', key: 'logs/a b+c.log', size: 77 }],
    });
    const noKey = eventBridgeObjectCreated('x');
    delete (noKey.detail.object as { key?: string }).key;
    expect(parseS3EventMessage(JSON.stringify(noKey)).kind).toBe('invalid');
    // Other EventBridge S3 events carry no Records: invalid, not a crash.
    expect(parseS3EventMessage(JSON.stringify({ ...eventBridgeObjectCreated('x'), 'detail-type': 'Object Deleted' })).kind).toBe('invalid');
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['truncated JSON', '{"Records":[{"eventSource":"aws:s3"'],
    ['empty body', ''],
    ['JSON null', 'null'],
    ['a JSON array', '[1,2,3]'],
    ['a JSON string', '"hello"'],
    ['an object without Records', '{"foo":"bar"}'],
    ['Records not an array', '{"Records":{"eventSource":"aws:s3"}}'],
  ])('reports %s as invalid with a reason', (_name, body) => {
    const parsed = parseS3EventMessage(body);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.reason.length > 0).toBe(true);
  });
});

describe('s3EventMessage', () => {
  it('writes a notification S3 would send, with the key form-encoded', () => {
    const body = JSON.parse(s3EventMessage([{ bucket: 'b', key: 'logs/my file+1 ✓.gz', size: 12 }], new Date('2020-01-02T03:04:05Z')));
    expect(body.Records[0]).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      eventTime: '2020-01-02T03:04:05.000Z',
      s3: { bucket: { name: 'b', arn: 'arn:aws:s3:::b' }, object: { key: 'logs/my+file%2B1+%E2%9C%93.gz', size: 12 } },
    });
  });

  it('round-trips awkward keys through parseS3EventMessage', () => {
    const keys = [
      'logs/my file.gz',
      'logs/c++/a+b.log',
      'logs/100% sure.log',
      'logs/%20literal-percent-twenty',
      'logs/+leading and trailing+',
      'logs/caf\u00e9/\u65e5\u672c\u8a9e/\ud83d\ude00.log',
      'dt=2019-12-04/hour=21/a&b=c?d#e.log',
      "logs/quotes\"and'apostrophes`.log",
      'logs/tab\there',
      'logs//double//slash/',
      'a\\b\\c',
    ];
    const objects = keys.map((key, i) => ({ bucket: `bucket-${i}`, key, size: i }));
    expect(parseS3EventMessage(s3EventMessage(objects))).toEqual({ kind: 'objects', objects });
  });

  it('property: any key round-trips', () => {
    const keyArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 });
    const spicyArb = fc.array(fc.constantFrom('+', ' ', '%', '%2B', '%20', '/', '=', '&', '?', '#', 'é', '😀', '+%+'), { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(fc.oneof(keyArb, spicyArb), { minLength: 1, maxLength: 5 }), (keys) => {
        const objects = keys.map((key) => ({ bucket: 'b', key, size: 1 }));
        expect(parseS3EventMessage(s3EventMessage(objects))).toEqual({ kind: 'objects', objects });
      }),
      { numRuns: 300 },
    );
  });

  it('makes an empty notification for no objects', () => {
    expect(parseS3EventMessage(s3EventMessage([]))).toEqual({ kind: 'objects', objects: [] });
  });
});
