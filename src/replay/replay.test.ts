import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandInput } from '@aws-sdk/client-firehose';
import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SendMessageBatchCommandInput, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { handleSqsEvent } from '../ingest/ingest-handler.js';
import { parseS3EventMessage } from '../ingest/s3-events.js';
import { generateSamples } from '../local/sample-logs.js';
import type { TableName } from '../transforms/schema.js';
import { emptyListingStats, listReplayObjects, type ReplayObject } from './listing.js';
import { VirtualTime } from './rate-limiter.js';
import { ReplayError, runReplay, type ReplayOptions } from './replay.js';
import { putAll, startEmulator, type Emulator } from './testing.js';

/**
 * `--action index` against the S3/SQS emulator (fauxqs) with real log objects: the queue target
 * end to end, Lambda and Firehose through aws-sdk-client-mock, crashes and Ctrl-C followed by a
 * re-run that sends every object exactly once overall, pacing on a virtual clock, and --overwrite
 * of an S3 lake.
 */

const SOURCE_BUCKET = 'source-logs';
const LAKE_BUCKET = 'lake';
const FROM = '2024-06-02';
const TO = '2024-06-02';
const SOURCE = `s3://${SOURCE_BUCKET}/AWSLogs/`;
const noSleep = async () => undefined;

let emulator: Emulator;
let root: string;
let objects: ReplayObject[];
const config = parseConfig({ shipper: { recordKiB: 16 } });

beforeAll(async () => {
  emulator = await startEmulator();
  emulator.server.createBucket(SOURCE_BUCKET);
  emulator.server.createBucket(LAKE_BUCKET);
  root = await mkdtemp(join(tmpdir(), 'loghose-replay-'));
  const logs = join(root, 'logs');
  await generateSamples({ dir: logs, formats: ['alb', 'elb'], start: new Date(Date.UTC(2024, 5, 1, 12)), hours: 48, linesPerFormat: 240, badLineRate: 0, seed: 7 });
  const files: { key: string; body: Uint8Array }[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push({ key: relative(logs, path).split(sep).join('/'), body: await readFile(path) });
    }
  };
  await walk(logs);
  await putAll(emulator.s3, SOURCE_BUCKET, files);
  objects = await list('alb');
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
  await rm(root, { recursive: true, force: true });
});

async function list(format?: TableName): Promise<ReplayObject[]> {
  const found: ReplayObject[] = [];
  for await (const o of listReplayObjects({ source: SOURCE, format, range: { from: FROM, to: TO }, s3: emulator.s3, stats: emptyListingStats() })) found.push(o);
  return found;
}

let checkpoints = 0;
function options(overrides: Partial<ReplayOptions>): ReplayOptions {
  return {
    source: SOURCE,
    objects,
    format: 'alb',
    range: { from: FROM, to: TO },
    config,
    via: 'queue',
    checkpointPath: join(root, `checkpoint-${++checkpoints}.json`),
    clients: { s3: emulator.s3, sqs: emulator.sqs },
    sleep: noSleep,
    time: new VirtualTime(Date.UTC(2024, 6, 1)),
    ...overrides,
  };
}

/** Every message in a queue (received and deleted). */
async function drain(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = page.Messages ?? [];
    if (messages.length === 0) return bodies;
    for (const m of messages) bodies.push(m.Body ?? '');
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
}

function keysOf(bodies: readonly string[]): string[] {
  return bodies.flatMap((body) => {
    const parsed = parseS3EventMessage(body);
    if (parsed.kind !== 'objects') throw new Error(`not an S3 event: ${body}`);
    return parsed.objects.map((o) => o.key);
  });
}

/** An SQS client whose SendMessageBatch calls are recorded; `fail` may fail entries of a call. */
function recordingSqs(fail?: (call: number, input: SendMessageBatchCommandInput) => string[] | Error | undefined) {
  const calls: SendMessageBatchCommandInput[] = [];
  const sqs = emulator.sqs;
  const real = sqs.send.bind(sqs) as (command: unknown) => Promise<unknown>;
  const wrapped = Object.create(sqs) as SQSClient;
  (wrapped as unknown as { send: (command: unknown) => Promise<unknown> }).send = async (command: unknown) => {
    if (!(command instanceof SendMessageBatchCommand)) return real(command);
    const input = command.input;
    calls.push(input);
    const failing = fail?.(calls.length, input);
    if (failing instanceof Error) throw failing;
    if (failing === undefined || failing.length === 0) return real(command);
    const kept = (input.Entries ?? []).filter((e) => !failing.includes(e.Id!));
    const output = (await real(new SendMessageBatchCommand({ ...input, Entries: kept }))) as { Successful?: unknown[] };
    return { Successful: output.Successful, Failed: failing.map((Id) => ({ Id, Code: 'InternalError', SenderFault: false, Message: 'try again' })) };
  };
  return { sqs: wrapped, calls };
}

describe('replay --via queue', () => {
  it('sends one S3-event message per object, 10 per SendMessageBatch, that the ingest handler decodes', async () => {
    const { queueUrl } = emulator.server.createQueue('ingest-1');
    const { sqs, calls } = recordingSqs();
    const summary = await runReplay(options({ queueUrl, clients: { s3: emulator.s3, sqs } }));
    expect(objects.length).toBeGreaterThan(30);
    expect(summary.objects.delivered).toBe(objects.length);
    expect(calls.length).toBe(Math.ceil(objects.length / 10));
    expect(calls.every((c) => (c.Entries ?? []).length <= 10)).toBe(true);
    const bodies = await drain(emulator.sqs, queueUrl);
    expect(bodies).toHaveLength(objects.length);
    const parsed = bodies.map((b) => parseS3EventMessage(b));
    expect(parsed.every((p) => p.kind === 'objects' && p.objects.length === 1 && p.objects[0].bucket === SOURCE_BUCKET)).toBe(true);
    expect(keysOf(bodies).sort()).toEqual(objects.map((o) => o.key).sort());
    const sizes = new Map(objects.map((o) => [o.key, o.size]));
    for (const p of parsed) if (p.kind === 'objects') expect(p.objects[0].size).toBe(sizes.get(p.objects[0].key));
  });

  it('resends only the entries SQS failed', async () => {
    const { queueUrl } = emulator.server.createQueue('ingest-2');
    const { sqs, calls } = recordingSqs((call) => (call === 1 ? ['1', '3'] : undefined));
    const summary = await runReplay(options({ queueUrl, clients: { s3: emulator.s3, sqs }, concurrency: 1 }));
    expect(summary.calls.retriedEntries).toBe(2);
    expect(calls[1].Entries?.map((e) => e.Id)).toEqual(['1', '3']);
    const keys = keysOf(await drain(emulator.sqs, queueUrl));
    expect(keys.sort()).toEqual(objects.map((o) => o.key).sort());
  });

  it('after a crash, the same command sends the rest: every object exactly once', async () => {
    const { queueUrl } = emulator.server.createQueue('ingest-3');
    const checkpointPath = join(root, 'crash-queue.json');
    let seen = 0;
    const crash = runReplay(
      options({
        queueUrl,
        checkpointPath,
        concurrency: 2,
        beforeObject: () => {
          if (++seen === 25) throw new Error('simulated crash');
        },
      }),
    );
    await expect(crash).rejects.toThrow('simulated crash');
    const first = keysOf(await drain(emulator.sqs, queueUrl));
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(objects.length);
    const summary = await runReplay(options({ queueUrl, checkpointPath, concurrency: 2 }));
    expect(summary.resumed).toBe(true);
    expect(summary.objects.alreadyDone).toBe(first.length);
    const second = keysOf(await drain(emulator.sqs, queueUrl));
    const all = [...first, ...second];
    expect(all.sort()).toEqual(objects.map((o) => o.key).sort());
    expect(new Set(all).size).toBe(all.length);
    // And once more: nothing left to send.
    const again = await runReplay(options({ queueUrl, checkpointPath }));
    expect(again.objects.delivered).toBe(0);
    expect(await drain(emulator.sqs, queueUrl)).toEqual([]);
  });

  it('after a failed SendMessageBatch, objects SQS accepted are not sent again', async () => {
    const { queueUrl } = emulator.server.createQueue('ingest-4');
    const checkpointPath = join(root, 'fail-queue.json');
    const failing = recordingSqs((call) => (call === 3 ? Object.assign(new Error('access denied'), { name: 'AccessDenied' }) : undefined));
    await expect(runReplay(options({ queueUrl, checkpointPath, clients: { s3: emulator.s3, sqs: failing.sqs }, concurrency: 1 }))).rejects.toThrow(/AccessDenied/);
    await runReplay(options({ queueUrl, checkpointPath }));
    const keys = keysOf(await drain(emulator.sqs, queueUrl));
    expect(keys.sort()).toEqual(objects.map((o) => o.key).sort());
  });

  it('stops after the objects in flight on abort (Ctrl-C) and resumes', async () => {
    const { queueUrl } = emulator.server.createQueue('ingest-5');
    const checkpointPath = join(root, 'abort-queue.json');
    const controller = new AbortController();
    let delivered = 0;
    const summary = await runReplay(
      options({
        queueUrl,
        checkpointPath,
        signal: controller.signal,
        onObject: () => {
          if (++delivered === 12) controller.abort();
        },
      }),
    );
    expect(summary.interrupted).toBe(true);
    expect(summary.objects.delivered).toBeGreaterThanOrEqual(12);
    expect(summary.objects.delivered).toBeLessThan(objects.length);
    const resumed = await runReplay(options({ queueUrl, checkpointPath }));
    expect(resumed.interrupted).toBe(false);
    expect(resumed.objects.delivered + summary.objects.delivered).toBe(objects.length);
    const keys = keysOf(await drain(emulator.sqs, queueUrl));
    expect(keys.sort()).toEqual(objects.map((o) => o.key).sort());
  });

  it('paces by the estimated records and bytes and keeps the estimated partitions in the window', async () => {
    const { queueUrl } = emulator.server.createQueue('ingest-6');
    const time = new VirtualTime(0);
    const summary = await runReplay(options({ queueUrl, time, maxBytesPerSecond: 5_000, maxActivePartitions: 2, holdMs: 60_000 }));
    const estimated = objects.reduce((sum, o) => sum + o.size * 10, 0);
    // The bytes bucket: all but the first second's burst at 5,000 B/s.
    expect(time.now()).toBeGreaterThanOrEqual(((estimated - 5_000) / 5_000) * 1000);
    expect(summary.window.peakActive).toBeLessThanOrEqual(2);
    expect(keysOf(await drain(emulator.sqs, queueUrl))).toHaveLength(objects.length);
  });

  it('refuses a local source and a missing --queue-url', async () => {
    await expect(runReplay(options({ source: root, queueUrl: 'x' }))).rejects.toThrow(ReplayError);
    await expect(runReplay(options({}))).rejects.toThrow(/--queue-url/);
  });
});

describe('replay --via lambda', () => {
  it('invokes the ingest function asynchronously with SQS-event payloads of --batch-size objects', async () => {
    const lambda = new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(lambda);
    let throttled = false;
    mock.on(InvokeCommand).callsFake(async () => {
      if (!throttled) {
        throttled = true;
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
      }
      return { StatusCode: 202 };
    });
    const summary = await runReplay(options({ via: 'lambda', functionName: 'loghose-ingest-alb', batchSize: 7, clients: { s3: emulator.s3, lambda } }));
    const calls = mock.commandCalls(InvokeCommand).map((c) => c.args[0].input as InvokeCommandInput);
    expect(summary.objects.delivered).toBe(objects.length);
    expect(summary.calls.throttledCalls).toBe(1);
    const accepted = calls.slice(1);
    expect(accepted).toHaveLength(Math.ceil(objects.length / 7));
    const keys: string[] = [];
    for (const input of calls) {
      expect(input.InvocationType).toBe('Event');
      expect(input.FunctionName).toBe('loghose-ingest-alb');
    }
    for (const input of accepted) {
      const event = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8')) as SQSEvent;
      expect(event.Records.length).toBeLessThanOrEqual(7);
      for (const record of event.Records) {
        expect(record.eventSource).toBe('aws:sqs');
        keys.push(...keysOf([record.body]));
      }
    }
    expect(accepted.slice(0, -1).every((c) => (JSON.parse(Buffer.from(c.Payload as Uint8Array).toString()) as SQSEvent).Records.length === 7)).toBe(true);
    expect(keys.sort()).toEqual(objects.map((o) => o.key).sort());

    // The payload is what the ingest handler takes: it ships the objects from S3.
    const firehose = new FirehoseClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    mockClient(firehose)
      .on(PutRecordBatchCommand)
      .callsFake(async (input: PutRecordBatchCommandInput) => ({ FailedPutCount: 0, RequestResponses: (input.Records ?? []).map((_, i) => ({ RecordId: `r${i}` })) }));
    const event = JSON.parse(Buffer.from(accepted[0].Payload as Uint8Array).toString('utf8')) as SQSEvent;
    const outcome = await handleSqsEvent(event, { s3: emulator.s3, firehose, streamName: 'loghose-alb', table: 'alb', recordBytes: 16_384, maxBufferedBytes: 1 << 20, maxRetries: 1 });
    expect(outcome.batchItemFailures).toEqual([]);
    expect(outcome.results.map((r) => r.status)).toEqual(event.Records.map(() => 'shipped'));
  });
});

describe('replay --via direct', () => {
  /** A Firehose client (mocked) that accepts records, failing the call numbered `failAt` without retry. */
  function firehoseAccepting(failAt?: number) {
    const client = new FirehoseClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const accepted: string[] = [];
    const streams = new Set<string>();
    let calls = 0;
    mockClient(client)
      .on(PutRecordBatchCommand)
      .callsFake(async (input: PutRecordBatchCommandInput) => {
        calls++;
        if (calls === failAt) throw Object.assign(new Error('stream is being deleted'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
        streams.add(input.DeliveryStreamName ?? '');
        for (const record of input.Records ?? []) accepted.push(...Buffer.from(record.Data as Uint8Array).toString('utf8').split('\n'));
        return { FailedPutCount: 0, RequestResponses: (input.Records ?? []).map((_, i) => ({ RecordId: `r${calls}-${i}` })) };
      });
    return { client, accepted, streams };
  }

  it('ships the lines of the range, in event-hour records, to the table stream', async () => {
    const firehose = firehoseAccepting();
    const summary = await runReplay(options({ via: 'direct', clients: { s3: emulator.s3, firehose: firehose.client } }));
    expect([...firehose.streams]).toEqual(['loghose-alb']);
    expect(summary.objects.delivered).toBe(objects.length);
    expect(firehose.accepted).toHaveLength(summary.lines.shipped);
    expect(summary.lines.shipped + summary.lines.outOfRange).toBe(summary.lines.read - summary.lines.skipped);
    // Only events of the range went out; boundary objects had lines of the day before or after.
    expect(summary.lines.outOfRange).toBeGreaterThan(0);
    for (const line of firehose.accepted) expect(line.split(' ')[1].slice(0, 10)).toBe(FROM);
    expect(summary.firehose.records).toBeGreaterThan(0);
    expect(summary.firehose.billedBytes).toBeGreaterThanOrEqual(summary.firehose.bytes);
  });

  it('sends to --stream, and wants one table', async () => {
    const firehose = firehoseAccepting();
    await runReplay(options({ via: 'direct', streamName: 'my-alb', clients: { s3: emulator.s3, firehose: firehose.client } }));
    expect([...firehose.streams]).toEqual(['my-alb']);
    const mixed = await list();
    expect(new Set(mixed.map((o) => o.table))).toEqual(new Set(['alb', 'elb']));
    await expect(runReplay(options({ via: 'direct', objects: mixed, format: undefined, clients: { s3: emulator.s3, firehose: firehose.client } }))).rejects.toThrow(/one stream.*alb and elb/);
  });

  it('after a failed PutRecordBatch, the re-run ships the rest: every line exactly once', async () => {
    const reference = firehoseAccepting();
    await runReplay(options({ via: 'direct', clients: { s3: emulator.s3, firehose: reference.client } }));
    const checkpointPath = join(root, 'crash-direct.json');
    const broken = firehoseAccepting(20);
    await expect(runReplay(options({ via: 'direct', checkpointPath, concurrency: 3, clients: { s3: emulator.s3, firehose: broken.client } }))).rejects.toThrow(/ResourceNotFound/);
    expect(broken.accepted.length).toBeGreaterThan(0);
    const healthy = firehoseAccepting();
    const summary = await runReplay(options({ via: 'direct', checkpointPath, concurrency: 3, clients: { s3: emulator.s3, firehose: healthy.client } }));
    expect(summary.objects.alreadyDone).toBeGreaterThan(0);
    expect([...broken.accepted, ...healthy.accepted].sort()).toEqual([...reference.accepted].sort());
  });

  it('holds --max-records-per-second and --max-mib-per-second on a virtual clock', async () => {
    const firehose = firehoseAccepting();
    const time = new VirtualTime(0);
    const summary = await runReplay(options({ via: 'direct', time, maxBytesPerSecond: 20_000, maxRecordsPerSecond: 1_000, clients: { s3: emulator.s3, firehose: firehose.client } }));
    const bytes = summary.firehose.bytes;
    expect(bytes).toBeGreaterThan(60_000);
    expect(time.now()).toBeGreaterThanOrEqual(((bytes - 20_000) / 20_000) * 1000);
    expect(time.now()).toBeLessThanOrEqual((bytes / 20_000) * 1000 + 1000);
  });
});

describe('replay --overwrite of an S3 lake', () => {
  const lakeKeys = ['2024-06-01', '2024-06-02', '2024-06-03'].flatMap((dt) =>
    ['alb', 'elb'].flatMap((table) => [`warehouse/${table}/dt=${dt}/hour=00/a.parquet`, `warehouse/${table}/dt=${dt}/hour=13/b.parquet`]),
  );
  const lakeNow = async () => {
    const page = await emulator.s3.send(new ListObjectsV2Command({ Bucket: LAKE_BUCKET, Prefix: 'warehouse/' }));
    return (page.Contents ?? []).map((c) => c.Key!).sort();
  };

  it('refuses without --yes, then deletes only the range partitions of the table before indexing', async () => {
    await putAll(emulator.s3, LAKE_BUCKET, lakeKeys.map((key) => ({ key, body: 'parquet' })));
    const { queueUrl } = emulator.server.createQueue('ingest-overwrite');
    const lake = `s3://${LAKE_BUCKET}/warehouse`;
    await expect(runReplay(options({ queueUrl, lake, overwrite: true }))).rejects.toThrow(/would delete 2 object\(s\) in 1 day partition\(s\) of alb.*--yes/);
    expect(await lakeNow()).toEqual([...lakeKeys].sort());
    expect(await drain(emulator.sqs, queueUrl)).toEqual([]);

    const summary = await runReplay(options({ queueUrl, lake, overwrite: true, yes: true }));
    expect(summary.overwrite).toMatchObject({ objects: 2, days: 1, tables: ['alb'] });
    expect(await lakeNow()).toEqual(lakeKeys.filter((k) => !k.startsWith('warehouse/alb/dt=2024-06-02/')).sort());
    expect(keysOf(await drain(emulator.sqs, queueUrl))).toHaveLength(objects.length);
    // Source logs are untouched.
    const source = await emulator.s3.send(new ListObjectsV2Command({ Bucket: SOURCE_BUCKET, Prefix: 'AWSLogs/' }));
    expect(source.KeyCount).toBeGreaterThan(objects.length);
  });

  it('needs a range and an S3 lake', async () => {
    await expect(runReplay(options({ queueUrl: 'q', overwrite: true, range: { from: FROM } }))).rejects.toThrow(/--from and --to/);
    await expect(runReplay(options({ queueUrl: 'q', overwrite: true, yes: true }))).rejects.toThrow(/needs the S3 lake/);
  });
});
