import {
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
  type FirehoseClientConfig,
} from '@aws-sdk/client-firehose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createFirehoseClient } from '../ingest/firehose-client.js';
import { decodeBase64Into, decodedLength } from '../transforms/base64.js';
import {
  parseSdkPutRecordBatch,
  startFirehoseEndpoint,
  type EndpointFaults,
  type FirehoseEndpoint,
  type EncodedRecord,
  type LocalStreamTarget,
} from './firehose-endpoint.js';

/** A target that records every put call. */
class RecordingTarget implements LocalStreamTarget {
  readonly arn: string;
  readonly calls: Buffer[][] = [];
  constructor(
    readonly name: string,
    private readonly behaviour: (records: readonly Buffer[]) => void | Promise<void> = () => {},
  ) {
    this.arn = `arn:aws:firehose:us-east-1:000000000000:deliverystream/${name}`;
  }
  async put(records: readonly EncodedRecord[]): Promise<void> {
    const decoded = records.map((r) => Buffer.from(r.base64, 'base64'));
    expect(records.map((r) => r.bytes)).toEqual(decoded.map((d) => d.length));
    await this.behaviour(decoded);
    this.calls.push(decoded);
  }
  get delivered(): Buffer[] {
    return this.calls.flat();
  }
}

const open: FirehoseEndpoint[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((endpoint) => endpoint.close()));
});

async function start(streams: LocalStreamTarget[], faults?: EndpointFaults): Promise<FirehoseEndpoint> {
  const endpoint = await startFirehoseEndpoint({ streams, faults });
  open.push(endpoint);
  return endpoint;
}

function client(endpoint: FirehoseEndpoint, maxAttempts?: number): FirehoseClient {
  return new FirehoseClient({
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
}

async function errorOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

const bytes = (n: number, fill = 0x61) => new Uint8Array(n).fill(fill);
const records = (data: Uint8Array[]) => data.map((Data) => ({ Data }));
const lines = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`line ${i}\n`));

async function raw(endpoint: FirehoseEndpoint, body: string | Buffer, target?: string, method = 'POST') {
  const response = await fetch(endpoint.url, {
    method,
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      ...(target ? { 'X-Amz-Target': `Firehose_20150804.${target}` } : {}),
    },
    body: method === 'POST' ? body : undefined,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('local Firehose endpoint', () => {
  it('PutRecord delivers the exact bytes and answers with a record id', async () => {
    const target = new RecordingTarget('logs');
    const endpoint = await start([target]);
    const data = Buffer.from([0, 1, 2, 255, 10, 0x7b]);
    const out = await client(endpoint).send(new PutRecordCommand({ DeliveryStreamName: 'logs', Record: { Data: data } }));
    expect(out.Encrypted).toBe(false);
    expect(out.RecordId).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    expect(target.calls).toEqual([[data]]);
    expect(endpoint.stats).toMatchObject({ calls: 1, records: 1, bytes: data.length, failedEntries: 0, throttledCalls: 0 });
  });

  it('PutRecordBatch delivers every record in order in one put call, with unique ids', async () => {
    const target = new RecordingTarget('logs');
    const endpoint = await start([target]);
    const data = [...lines(499), Buffer.alloc(0)];
    const out = await client(endpoint).send(new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(data) }));
    expect(out.FailedPutCount).toBe(0);
    expect(out.Encrypted).toBe(false);
    expect(out.RequestResponses).toHaveLength(500);
    const ids = out.RequestResponses!.map((entry) => entry.RecordId);
    expect(ids.every((id) => typeof id === 'string' && id.length >= 40)).toBe(true);
    expect(new Set(ids).size).toBe(500);
    expect(target.calls).toHaveLength(1);
    expect(target.delivered).toEqual(data);
    expect(endpoint.stats.records).toBe(500);
    expect(endpoint.stats.bytes).toBe(data.reduce((sum, b) => sum + b.length, 0));
  });

  it('routes records to the named stream only', async () => {
    const a = new RecordingTarget('a');
    const b = new RecordingTarget('b');
    const endpoint = await start([a, b]);
    await client(endpoint).send(new PutRecordBatchCommand({ DeliveryStreamName: 'b', Records: records(lines(3)) }));
    expect(a.calls).toHaveLength(0);
    expect(b.delivered).toEqual(lines(3));
  });

  it('fails a seeded fraction of batch entries, delivers only the others, deterministically', async () => {
    const target = new RecordingTarget('logs');
    const endpoint = await start([target], { failedEntryRate: 0.3, seed: 42 });
    const data = lines(500);
    const firehose = client(endpoint, 1);
    const out = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(data) }));
    const responses = out.RequestResponses!;
    const failedAt = responses.flatMap((entry, i) => (entry.ErrorCode ? [i] : []));
    expect(out.FailedPutCount).toBe(failedAt.length);
    expect(failedAt.length).toBeGreaterThan(100);
    expect(failedAt.length).toBeLessThan(200);
    for (const i of failedAt) {
      expect(responses[i]).toEqual({ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' });
    }
    const succeeded = data.filter((_, i) => !failedAt.includes(i));
    expect(responses.filter((entry) => entry.RecordId)).toHaveLength(succeeded.length);
    expect(target.calls).toHaveLength(1);
    expect(target.delivered).toEqual(succeeded);
    expect(endpoint.stats).toMatchObject({ records: succeeded.length, failedEntries: failedAt.length });

    endpoint.setFaults({ failedEntryRate: 0.3, seed: 42 });
    const again = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(data) }));
    expect(again.RequestResponses!.flatMap((entry, i) => (entry.ErrorCode ? [i] : []))).toEqual(failedAt);

    endpoint.setFaults({});
    const clean = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(data) }));
    expect(clean.FailedPutCount).toBe(0);
  });

  it('does not call put when every entry of a batch failed', async () => {
    const target = new RecordingTarget('logs');
    const endpoint = await start([target], { failedEntryRate: 1 });
    const out = await client(endpoint).send(new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(lines(5)) }));
    expect(out.FailedPutCount).toBe(5);
    expect(target.calls).toHaveLength(0);
  });

  it('throttles calls with ServiceUnavailableException (HTTP 503, retryable server fault)', async () => {
    const target = new RecordingTarget('logs');
    const endpoint = await start([target], { throttleRate: 1 });
    const firehose = client(endpoint, 1);
    const batch = await errorOf(firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(lines(2)) })));
    expect(batch.name).toBe('ServiceUnavailableException');
    expect(batch.$metadata?.httpStatusCode).toBe(503);
    expect(batch.$fault).toBe('server');
    const single = await errorOf(firehose.send(new PutRecordCommand({ DeliveryStreamName: 'logs', Record: { Data: bytes(3) } })));
    expect(single.name).toBe('ServiceUnavailableException');
    expect(target.calls).toHaveLength(0);
    expect(endpoint.stats).toMatchObject({ calls: 2, throttledCalls: 2, records: 0 });
    // Describe/List are not throttled.
    await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'logs' }));
  });

  it('lets the SDK retry a partially throttled endpoint until the call succeeds', async () => {
    const target = new RecordingTarget('logs');
    const endpoint = await start([target], { throttleRate: 0.5, seed: 7 });
    const firehose = client(endpoint, 20);
    for (let i = 0; i < 5; i++) {
      await firehose.send(new PutRecordCommand({ DeliveryStreamName: 'logs', Record: { Data: Buffer.from(`r${i}`) } }));
    }
    expect(target.delivered.map(String)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(endpoint.stats.calls).toBe(5 + endpoint.stats.throttledCalls);
  });

  describe('limits → InvalidArgumentException, nothing delivered', () => {
    const cases: [string, () => PutRecordBatchCommand | PutRecordCommand][] = [
      ['501 records', () => new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(lines(501)) })],
      ['no records', () => new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: [] })],
      [
        'more than 4 MiB in one call',
        () => new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(Array.from({ length: 5 }, () => bytes(1_000_000))) }),
      ],
      [
        'a 1,024,001-byte record in a batch',
        () => new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records([bytes(10), bytes(1_024_001)]) }),
      ],
      ['a 1,024,001-byte PutRecord', () => new PutRecordCommand({ DeliveryStreamName: 'logs', Record: { Data: bytes(1_024_001) } })],
    ];
    it.each(cases)('%s', async (_, command) => {
      const target = new RecordingTarget('logs');
      const endpoint = await start([target]);
      const error = await errorOf(client(endpoint, 1).send(command() as PutRecordCommand));
      expect(error.name).toBe('InvalidArgumentException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
      expect(error.message).toMatch(/records|limit|length/i);
      expect(target.calls).toHaveLength(0);
      expect(endpoint.stats.records).toBe(0);
    });

    it('accepts records and calls exactly at the limits', async () => {
      const target = new RecordingTarget('logs');
      const endpoint = await start([target]);
      const firehose = client(endpoint, 1);
      const exactly4MiB = [...Array.from({ length: 4 }, () => bytes(1_024_000)), bytes(4 * 1024 * 1024 - 4 * 1_024_000)];
      const out = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(exactly4MiB) }));
      expect(out.FailedPutCount).toBe(0);
      await firehose.send(new PutRecordCommand({ DeliveryStreamName: 'logs', Record: { Data: bytes(1_024_000) } }));
      expect(endpoint.stats.bytes).toBe(4 * 1024 * 1024 + 1_024_000);
    });
  });

  it('answers ResourceNotFoundException for an unknown stream', async () => {
    const endpoint = await start([new RecordingTarget('logs')]);
    const firehose = client(endpoint, 1);
    for (const command of [
      new PutRecordCommand({ DeliveryStreamName: 'nope', Record: { Data: bytes(1) } }),
      new PutRecordBatchCommand({ DeliveryStreamName: 'nope', Records: records([bytes(1)]) }),
      new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'nope' }),
    ]) {
      const error = await errorOf(firehose.send(command as PutRecordCommand));
      expect(error.name).toBe('ResourceNotFoundException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
      expect(error.message).toContain('nope');
    }
  });

  it('describes a stream', async () => {
    const endpoint = await start([new RecordingTarget('logs')]);
    const out = await client(endpoint).send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'logs' }));
    const description = out.DeliveryStreamDescription!;
    expect(description).toMatchObject({
      DeliveryStreamName: 'logs',
      DeliveryStreamARN: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/logs',
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamType: 'DirectPut',
      HasMoreDestinations: false,
    });
    expect(description.VersionId).toBeTruthy();
    expect(description.CreateTimestamp).toBeInstanceOf(Date);
    expect(Math.abs(description.CreateTimestamp!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(Array.isArray(description.Destinations)).toBe(true);
  });

  it('lists streams with Limit, ExclusiveStartDeliveryStreamName and type filter', async () => {
    const endpoint = await start(['c', 'a', 'e', 'b', 'd'].map((name) => new RecordingTarget(name)));
    const firehose = client(endpoint, 1);
    expect(await firehose.send(new ListDeliveryStreamsCommand({}))).toMatchObject({
      DeliveryStreamNames: ['a', 'b', 'c', 'd', 'e'],
      HasMoreDeliveryStreams: false,
    });
    const names: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await firehose.send(new ListDeliveryStreamsCommand({ Limit: 2, ExclusiveStartDeliveryStreamName: after }));
      names.push(...page.DeliveryStreamNames!);
      if (!page.HasMoreDeliveryStreams) break;
      expect(page.DeliveryStreamNames).toHaveLength(2);
      after = page.DeliveryStreamNames!.at(-1);
    }
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    const kinesis = await firehose.send(new ListDeliveryStreamsCommand({ DeliveryStreamType: 'KinesisStreamAsSource' }));
    expect(kinesis.DeliveryStreamNames).toEqual([]);
    const bad = await errorOf(firehose.send(new ListDeliveryStreamsCommand({ Limit: 0 })));
    expect(bad.name).toBe('InvalidArgumentException');
  });

  it('adds delayMs to every response', async () => {
    const endpoint = await start([new RecordingTarget('logs')], { delayMs: 150 });
    const firehose = client(endpoint, 1);
    let began = performance.now();
    await firehose.send(new PutRecordCommand({ DeliveryStreamName: 'logs', Record: { Data: bytes(1) } }));
    expect(performance.now() - began).toBeGreaterThanOrEqual(145);
    began = performance.now();
    await errorOf(firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'nope' })));
    expect(performance.now() - began).toBeGreaterThanOrEqual(145);
  });

  it('answers a failing put with a retryable ServiceUnavailableException and counts nothing', async () => {
    const target = new RecordingTarget('logs', () => Promise.reject(new Error('disk full')));
    const endpoint = await start([target]);
    const error = await errorOf(
      client(endpoint, 1).send(new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(lines(3)) })),
    );
    expect(error.name).toBe('ServiceUnavailableException');
    expect(error.$metadata?.httpStatusCode).toBe(503);
    expect(endpoint.stats).toMatchObject({ records: 0, bytes: 0, failedEntries: 0 });

    const throwing = new RecordingTarget('sync', () => {
      throw new Error('boom');
    });
    const other = await start([throwing]);
    const syncError = await errorOf(client(other, 1).send(new PutRecordCommand({ DeliveryStreamName: 'sync', Record: { Data: bytes(1) } })));
    expect(syncError.name).toBe('ServiceUnavailableException');
  });

  it('lets the SDK retry after a failing put, delivering the records once', async () => {
    let failures = 1;
    const target = new RecordingTarget('logs', () => {
      if (failures-- > 0) throw new Error('transient');
    });
    const endpoint = await start([target]);
    const out = await client(endpoint).send(new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(lines(4)) }));
    expect(out.FailedPutCount).toBe(0);
    expect(target.delivered).toEqual(lines(4));
    expect(endpoint.stats).toMatchObject({ calls: 2, records: 4 });
  });

  it('waits for an async put (back-pressure) and never runs puts of one target concurrently', async () => {
    let active = 0;
    let maxActive = 0;
    const target = new RecordingTarget('logs', async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 20));
      active--;
    });
    const endpoint = await start([target]);
    const firehose = client(endpoint);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records([Buffer.from(`a${i}`), Buffer.from(`b${i}`)]) })),
      ),
    );
    expect(maxActive).toBe(1);
    expect(target.calls).toHaveLength(5);
    for (const call of target.calls) expect(call.map(String)[0]!.slice(1)).toBe(call.map(String)[1]!.slice(1));
  });

  describe('protocol errors (raw HTTP), and the server keeps serving', () => {
    it('malformed JSON → 400 SerializationException', async () => {
      const endpoint = await start([new RecordingTarget('logs')]);
      for (const body of ['{"DeliveryStreamName":', '[1,2]', '"x"']) {
        const { status, json } = await raw(endpoint, body, 'PutRecordBatch');
        expect(status).toBe(400);
        expect(String(json.__type)).toMatch(/SerializationException$/);
      }
      const wrongTypes = await raw(endpoint, JSON.stringify({ DeliveryStreamName: 'logs', Records: 'nope' }), 'PutRecordBatch');
      expect(String(wrongTypes.json.__type)).toMatch(/SerializationException$/);
      const badBase64 = await raw(endpoint, JSON.stringify({ DeliveryStreamName: 'logs', Records: [{ Data: '***' }] }), 'PutRecordBatch');
      expect(String(badBase64.json.__type)).toMatch(/SerializationException$/);
      expect(endpoint.stats.records).toBe(0);
    });

    it('unknown operation, missing target or other method → 400 UnknownOperationException', async () => {
      const endpoint = await start([new RecordingTarget('logs')]);
      for (const [target, method] of [['CreateDeliveryStream', 'POST'], [undefined, 'POST'], ['PutRecord', 'GET'], ['toString', 'POST']] as const) {
        const { status, json } = await raw(endpoint, '{}', target, method);
        expect(status).toBe(400);
        expect(String(json.__type)).toMatch(/UnknownOperationException$/);
      }
    });

    it('missing arguments → InvalidArgumentException', async () => {
      const endpoint = await start([new RecordingTarget('logs')]);
      expect((await raw(endpoint, '{}', 'PutRecordBatch')).json.__type).toBe('InvalidArgumentException');
      expect((await raw(endpoint, '{"DeliveryStreamName":"logs"}', 'PutRecordBatch')).json.__type).toBe('InvalidArgumentException');
      expect((await raw(endpoint, '{"DeliveryStreamName":"logs","Record":{}}', 'PutRecord')).json.__type).toBe('InvalidArgumentException');
    });

    it('an oversized body → 413 InvalidArgumentException, then normal service', async () => {
      const target = new RecordingTarget('logs');
      const endpoint = await start([target]);
      const huge = JSON.stringify({ DeliveryStreamName: 'logs', Records: [{ Data: 'A'.repeat(9 * 1024 * 1024) }] });
      const { status, json } = await raw(endpoint, huge, 'PutRecordBatch');
      expect(status).toBe(413);
      expect(json.__type).toBe('InvalidArgumentException');
      const sdkError = await errorOf(
        client(endpoint, 1).send(
          new PutRecordBatchCommand({ DeliveryStreamName: 'logs', Records: records(Array.from({ length: 7 }, () => bytes(1_000_000))) }),
        ),
      );
      expect(sdkError.name).toBe('InvalidArgumentException');
      await client(endpoint).send(new PutRecordCommand({ DeliveryStreamName: 'logs', Record: { Data: bytes(2) } }));
      expect(target.calls).toHaveLength(1);
    });
  });

  it('rejects invalid faults and duplicate stream names', async () => {
    await expect(startFirehoseEndpoint({ streams: [new RecordingTarget('a'), new RecordingTarget('a')] })).rejects.toThrow(/Duplicate/);
    const endpoint = await start([new RecordingTarget('logs')]);
    expect(() => endpoint.setFaults({ throttleRate: 1.5 })).toThrow(RangeError);
  });

  it('closes while a client holds keep-alive connections', async () => {
    const endpoint = await startFirehoseEndpoint({ streams: [new RecordingTarget('logs')] });
    await client(endpoint).send(new PutRecordCommand({ DeliveryStreamName: 'logs', Record: { Data: bytes(1) } }));
    await endpoint.close();
    const error = await errorOf(fetch(endpoint.url, { method: 'POST', body: '{}' }));
    expect(error).toBeInstanceOf(Error);
  });
});

describe('parseSdkPutRecordBatch', () => {
  const name = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,64}$/);
  const data = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('base64'));
  const body = fc.record({ DeliveryStreamName: name, Records: fc.array(fc.record({ Data: data }), { maxLength: 12 }) });

  it('reads what JSON.parse reads from bodies shaped as the SDK writes them', () => {
    fc.assert(
      fc.property(body, (value) => {
        const raw = Buffer.from(JSON.stringify(value));
        expect(parseSdkPutRecordBatch(raw)).toEqual(JSON.parse(raw.toString()));
      }),
      { numRuns: 2000 },
    );
  });

  it('declines any other body, or reads it as JSON.parse does (bad base64 is rejected later either way)', () => {
    const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 3 }), insert: fc.constantFrom('', ' ', '\\', '"', ',', '}', ']', '{"Data":"QQ=="}', 'é', '\n', 'A') });
    fc.assert(
      fc.property(body, fc.array(edit, { minLength: 1, maxLength: 3 }), (value, edits) => {
        let text = JSON.stringify(value);
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        const raw = Buffer.from(text);
        const fast = parseSdkPutRecordBatch(raw);
        if (fast === undefined) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        const records = (fast as { Records: { Data: string }[] }).Records;
        const allBase64 = records.every((r) => decodedLength(r.Data) >= 0 && decodeBase64Into(r.Data, Buffer.alloc(decodedLength(r.Data)), 0) >= 0);
        if (!allBase64) return; // the endpoint rejects it as bad base64 whichever way it was read
        expect(parsed).toBeDefined(); // a body it reads, with valid data, is valid JSON
        expect(fast).toEqual(parsed);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['the AWS SDK', (config: FirehoseClientConfig) => new FirehoseClient(config)],
    ['loghose’s client', createFirehoseClient],
  ])('reads the body %s sends for PutRecordBatch', async (_client, makeClient) => {
    let captured: Buffer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured = Buffer.concat(chunks);
        res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ FailedPutCount: 0, Encrypted: false, RequestResponses: [{ RecordId: 'a' }, { RecordId: 'b' }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const sdk = makeClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        maxAttempts: 1,
      });
      await sdk.send(new PutRecordBatchCommand({ DeliveryStreamName: 'loghose-elb', Records: [{ Data: Buffer.from('one\ntwo') }, { Data: Buffer.alloc(70_000, 0xff) }] }));
      sdk.destroy();
    } finally {
      server.close();
    }
    const fast = parseSdkPutRecordBatch(captured!);
    expect(fast).toBeDefined();
    expect(fast).toEqual(JSON.parse(captured!.toString()));
  });
});
