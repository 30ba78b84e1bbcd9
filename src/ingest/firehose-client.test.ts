import { DescribeDeliveryStreamCommand, FirehoseClient, PutRecordBatchCommand, type FirehoseClientConfig } from '@aws-sdk/client-firehose';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createFirehoseClient, putRecordBatchBody } from './firehose-client.js';

/** What these tests read of a request the SDK hands its HTTP handler. */
interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** A client whose requests are captured instead of sent; every call answers an empty success. */
function capturing(make: (config: FirehoseClientConfig) => FirehoseClient): { client: FirehoseClient; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  const client = make({
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: {
      handle: async (request: HttpRequest) => {
        requests.push(request);
        const body = Readable.from([Buffer.from('{"FailedPutCount":0,"RequestResponses":[]}')]);
        return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body } };
      },
    },
  });
  return { client, requests };
}

function bodyText(request: HttpRequest): string {
  const body = request.body as string | Uint8Array;
  return typeof body === 'string' ? body : new TextDecoder().decode(body);
}

/** The same call made with the SDK's own client and with ours: the requests the server would see. */
async function bothRequests(command: () => PutRecordBatchCommand | DescribeDeliveryStreamCommand): Promise<[HttpRequest, HttpRequest]> {
  const sdk = capturing((config) => new FirehoseClient(config));
  const native = capturing(createFirehoseClient);
  await sdk.client.send(command() as PutRecordBatchCommand);
  await native.client.send(command() as PutRecordBatchCommand);
  return [sdk.requests[0], native.requests[0]];
}

const records = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 });
const streamName = fc.string({ unit: 'grapheme', maxLength: 30 });

describe('putRecordBatchBody', () => {
  it('is the JSON the protocol defines: the stream name and each record base64', () => {
    fc.assert(
      fc.property(streamName, records, (name, data) => {
        const body = putRecordBatchBody({ DeliveryStreamName: name, Records: data.map((Data) => ({ Data })) })!;
        expect(JSON.parse(body.toString('utf8'))).toEqual({
          DeliveryStreamName: name,
          Records: data.map((bytes) => ({ Data: Buffer.from(bytes).toString('base64') })),
        });
      }),
    );
  });

  it('encodes the viewed bytes of a Uint8Array that shares a larger buffer', () => {
    const whole = Buffer.from('xxhello worldxx');
    const body = putRecordBatchBody({ DeliveryStreamName: 's', Records: [{ Data: whole.subarray(2, 13) }] })!;
    expect(JSON.parse(body.toString()).Records[0].Data).toBe(Buffer.from('hello world').toString('base64'));
  });

  it('leaves inputs it does not know to the SDK', () => {
    expect(putRecordBatchBody({ DeliveryStreamName: 's', Records: [{ Data: 'text' }] })).toBeUndefined();
    expect(putRecordBatchBody({ DeliveryStreamName: 's', Records: [{ Data: Buffer.from('a'), Extra: 1 }] })).toBeUndefined();
    expect(putRecordBatchBody({ DeliveryStreamName: 's', Records: [], DeliveryStreamARN: 'arn' })).toBeUndefined();
    expect(putRecordBatchBody({ Records: [] })).toBeUndefined();
    expect(putRecordBatchBody({ DeliveryStreamName: 's' })).toBeUndefined();
  });
});

describe('createFirehoseClient', () => {
  it('sends PutRecordBatch requests the server cannot tell from the SDK’s own', async () => {
    await fc.assert(
      fc.asyncProperty(streamName, records, async (name, data) => {
        const [sdk, native] = await bothRequests(() => new PutRecordBatchCommand({ DeliveryStreamName: name, Records: data.map((Data) => ({ Data })) }));
        expect(JSON.parse(bodyText(native))).toEqual(JSON.parse(bodyText(sdk)));
        expect(native.method).toBe(sdk.method);
        expect(native.path).toBe(sdk.path);
        expect(native.headers['x-amz-target']).toBe('Firehose_20150804.PutRecordBatch');
        expect(native.headers['content-type']).toBe(sdk.headers['content-type']);
        expect(native.headers['content-length']).toBe(String(Buffer.byteLength(bodyText(native))));
        expect(native.headers.authorization?.startsWith('AWS4-HMAC-SHA256')).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('leaves other operations to the SDK', async () => {
    const [sdk, native] = await bothRequests(() => new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'logs' }));
    expect(bodyText(native)).toBe(bodyText(sdk));
    expect(native.headers['x-amz-target']).toBe(sdk.headers['x-amz-target']);
  });
});
