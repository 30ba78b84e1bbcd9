import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';
import type { LoghoseConfig } from '../config/config.js';
import { LAMBDA_ASYNC_PAYLOAD_BYTES, SQS_LIMITS } from '../config/limits.js';
import { s3EventMessage } from '../ingest/s3-events.js';
import { VirtualClock } from '../local/clock.js';
import type { DeliverySink, LocalDeliveryStream } from '../local/delivery-stream.js';
import { startFirehoseEndpoint, type FirehoseEndpoint } from '../local/firehose-endpoint.js';
import { createLocalStreams, lakeTotals, localFirehoseClient, streamNameOf, type LakeTotals } from '../local/local-streams.js';
import type { TableName } from '../transforms/schema.js';
import type { ReplayObject } from './listing.js';
import type { TimeSource } from './rate-limiter.js';

/**
 * Where replayed objects go. Two kinds:
 *
 * - *shipping* targets run the shipper here and send packed records with PutRecordBatch: `direct`
 *   (a Firehose stream in AWS) and `local` (the local Firehose endpoint and delivery streams,
 *   writing the local lake — the same client code as in AWS);
 * - *notifying* targets hand object references to the deployed ingest Lambda: `queue` (S3-event
 *   messages into its SQS queue) and `lambda` (asynchronous invocations with SQS-event payloads).
 */

// ---------------------------------------------------------------------------------------------
// Shipping targets

export interface ShippingTarget {
  readonly kind: 'direct' | 'local';
  readonly client: FirehoseClient;
  /** Time for pacing and the partition window (virtual for the local lake). */
  readonly time: TimeSource;
  streamName(table: TableName): string;
  /** Delivers what is buffered and releases resources. */
  close(): Promise<void>;
}

export class DirectTarget implements ShippingTarget {
  readonly kind = 'direct';
  constructor(
    readonly client: FirehoseClient,
    private readonly stream: string,
    readonly time: TimeSource,
  ) {}

  streamName(): string {
    return this.stream;
  }

  async close(): Promise<void> {}
}

/** What a local replay delivered into the lake. */
export type LocalLakeStats = LakeTotals;

/**
 * The local lake: local delivery streams behind the local Firehose endpoint, on a virtual clock
 * that only the replay moves. Waiting (for the partition window or the rate limits) advances it
 * through every buffer's due time, ticking the streams there, so buffers are delivered exactly as
 * Firehose would deliver them — without waiting minutes of real time.
 */
export class LocalTarget implements ShippingTarget {
  readonly kind = 'local';
  readonly time: TimeSource;
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly config: LoghoseConfig,
    readonly clock: VirtualClock,
    readonly streams: ReadonlyMap<TableName, LocalDeliveryStream>,
    private readonly endpoint: FirehoseEndpoint,
    readonly client: FirehoseClient,
  ) {
    this.time = {
      now: () => this.clock.now(),
      sleep: (ms) => this.advance(ms),
    };
  }

  static async start(config: LoghoseConfig, sink: DeliverySink, startAt = Date.now()): Promise<LocalTarget> {
    const clock = new VirtualClock(startAt);
    const streams = createLocalStreams({ config, sink, clock });
    const endpoint = await startFirehoseEndpoint({ streams: [...streams.values()] });
    const client = localFirehoseClient(endpoint.url, config);
    return new LocalTarget(config, clock, streams, endpoint, client);
  }

  streamName(table: TableName): string {
    return streamNameOf(this.config, table);
  }

  /** Moves the clock forward by `ms`, ticking the streams at every due time on the way. */
  advance(ms: number): Promise<void> {
    const target = this.clock.now() + Math.max(0, ms);
    const step = async () => {
      for (;;) {
        let due = Infinity;
        for (const stream of this.streams.values()) due = Math.min(due, stream.nextDueAt);
        if (due > target) break;
        this.clock.set(Math.max(this.clock.now(), due));
        await Promise.all([...this.streams.values()].map((s) => s.tick()));
      }
      this.clock.set(Math.max(this.clock.now(), target));
    };
    const run = this.chain.then(step);
    this.chain = run.catch(() => undefined);
    return run;
  }

  get stats(): LocalLakeStats {
    return lakeTotals(this.streams.values());
  }

  /**
   * Delivers every open buffer now. A local stream's buffers live in memory, so an object counts
   * as done (checkpointed) only after a delivery that followed its shipment.
   */
  deliverAll(): Promise<void> {
    const run = this.chain.then(async () => {
      for (const stream of this.streams.values()) await stream.flush();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Delivers every open buffer (records accepted are durable) and stops the endpoint. */
  async close(): Promise<void> {
    await this.chain;
    try {
      for (const stream of this.streams.values()) await stream.flush();
    } finally {
      this.client.destroy();
      await this.endpoint.close();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Notifying targets

export interface NotifyOutcome {
  /** Objects the target accepted (their messages/invocations succeeded). */
  readonly delivered: readonly ReplayObject[];
  /** Set when some objects of the batch could not be handed over. */
  readonly error?: Error;
}

export interface NotifyingTarget {
  readonly kind: 'queue' | 'lambda';
  /** Objects per call. */
  readonly batchSize: number;
  /** Whether one more object still fits the batch's payload limit. */
  fits(batch: readonly ReplayObject[], object: ReplayObject): boolean;
  send(batch: readonly ReplayObject[]): Promise<NotifyOutcome>;
  readonly stats: { calls: number; retriedEntries: number; throttledCalls: number };
}

export interface RetryOptions {
  readonly maxRetries: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const RETRYABLE = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestThrottled',
  'InternalFailure',
  'InternalError',
  'ServiceException',
  'EC2ThrottledException',
  'RequestTimeout',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
]);

export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e?.$retryable) return true;
  if (RETRYABLE.has(e?.name ?? '') || RETRYABLE.has(e?.code ?? '')) return true;
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return status >= 500 || status === 429;
}

class Backoff {
  constructor(private readonly options: RetryOptions) {}

  async wait(attempt: number): Promise<void> {
    const cap = Math.min(this.options.maxDelayMs ?? 10_000, (this.options.baseDelayMs ?? 100) * 2 ** attempt);
    const ms = Math.floor((this.options.random ?? Math.random)() * cap);
    await (this.options.sleep ?? ((t: number) => new Promise<void>((resolve) => setTimeout(resolve, t))))(ms);
  }
}

/** `s3://bucket/key` objects as S3 notifications (one object per message, as S3 sends them). */
function messageBody(bucket: string, object: ReplayObject, eventTime: Date): string {
  return s3EventMessage([{ bucket, key: object.key, size: object.size }], eventTime);
}

/** SQS SendMessageBatch of S3-event messages to the ingest queue; failed entries are resent. */
export class QueueTarget implements NotifyingTarget {
  readonly kind = 'queue';
  readonly batchSize = SQS_LIMITS.maxBatchEntries;
  readonly stats = { calls: 0, retriedEntries: 0, throttledCalls: 0 };
  private readonly backoff: Backoff;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly bucket: string,
    private readonly retry: RetryOptions,
  ) {
    this.backoff = new Backoff(retry);
  }

  fits(batch: readonly ReplayObject[], object: ReplayObject): boolean {
    const now = new Date();
    let bytes = Buffer.byteLength(messageBody(this.bucket, object, now));
    for (const o of batch) bytes += Buffer.byteLength(messageBody(this.bucket, o, now));
    return batch.length < this.batchSize && bytes <= SQS_LIMITS.maxBatchBytes;
  }

  async send(batch: readonly ReplayObject[]): Promise<NotifyOutcome> {
    const now = new Date();
    let pending = batch.map((object, i) => ({ Id: String(i), MessageBody: messageBody(this.bucket, object, now), object }));
    const delivered: ReplayObject[] = [];
    for (let attempt = 0; ; attempt++) {
      let failed: { Id?: string; SenderFault?: boolean; Code?: string; Message?: string }[];
      try {
        this.stats.calls++;
        const output = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending.map(({ Id, MessageBody }) => ({ Id, MessageBody })) }),
        );
        failed = output.Failed ?? [];
        const ok = new Set((output.Successful ?? []).map((s) => s.Id));
        for (const entry of pending) if (ok.has(entry.Id)) delivered.push(entry.object);
        // Entries neither successful nor failed are treated as failed.
        const failedIds = new Set(failed.map((f) => f.Id));
        for (const entry of pending) if (!ok.has(entry.Id) && !failedIds.has(entry.Id)) failed.push({ Id: entry.Id, Code: 'NoResult' });
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.retry.maxRetries) {
          return { delivered, error: new Error(`SendMessageBatch to ${this.queueUrl} failed: ${(error as Error).name}: ${(error as Error).message}`) };
        }
        this.stats.throttledCalls++;
        await this.backoff.wait(attempt);
        continue;
      }
      if (failed.length === 0) return { delivered };
      const fatal = failed.find((f) => f.SenderFault);
      if (fatal !== undefined || attempt >= this.retry.maxRetries) {
        const f = fatal ?? failed[0];
        const key = pending.find((p) => p.Id === f.Id)?.object.key ?? '?';
        return { delivered, error: new Error(`SQS did not accept the message for ${key}: ${f.Code ?? ''} ${f.Message ?? ''}`.trim()) };
      }
      const failedIds = new Set(failed.map((f) => f.Id));
      pending = pending.filter((p) => failedIds.has(p.Id));
      this.stats.retriedEntries += pending.length;
      await this.backoff.wait(attempt);
    }
  }
}

/** An SQS event as the ingest Lambda receives it from its queue, one record per object. */
export function sqsEventFor(bucket: string, objects: readonly ReplayObject[], region: string, eventTime = new Date()): SQSEvent {
  const records: SQSRecord[] = objects.map((object) => {
    const body = messageBody(bucket, object, eventTime);
    const sent = String(eventTime.getTime());
    return {
      messageId: randomUUID(),
      receiptHandle: 'loghose-replay',
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: sent, SenderId: 'loghose-replay', ApproximateFirstReceiveTimestamp: sent },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${region}:000000000000:loghose-replay`,
      awsRegion: region,
    };
  });
  return { Records: records };
}

/**
 * Asynchronous invocations (InvocationType 'Event') of the ingest Lambda with SQS-event payloads
 * of `batchSize` objects. Lambda queues the event and retries the function twice on errors; a
 * message the handler reports in `batchItemFailures` is not retried (there is no queue): use
 * `--via queue` when every object must be retried until delivered.
 */
export class LambdaTarget implements NotifyingTarget {
  readonly kind = 'lambda';
  readonly stats = { calls: 0, retriedEntries: 0, throttledCalls: 0 };
  private readonly backoff: Backoff;

  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
    private readonly bucket: string,
    readonly batchSize: number,
    private readonly region: string,
    private readonly retry: RetryOptions,
  ) {
    this.backoff = new Backoff(retry);
  }

  fits(batch: readonly ReplayObject[], object: ReplayObject): boolean {
    if (batch.length >= this.batchSize) return false;
    return Buffer.byteLength(JSON.stringify(sqsEventFor(this.bucket, [...batch, object], this.region))) <= LAMBDA_ASYNC_PAYLOAD_BYTES;
  }

  async send(batch: readonly ReplayObject[]): Promise<NotifyOutcome> {
    const payload = Buffer.from(JSON.stringify(sqsEventFor(this.bucket, batch, this.region)));
    for (let attempt = 0; ; attempt++) {
      try {
        this.stats.calls++;
        const output = await this.lambda.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: payload }));
        if (output.FunctionError !== undefined) throw new Error(`function error ${output.FunctionError}`);
        if (output.StatusCode !== undefined && output.StatusCode !== 202) throw new Error(`unexpected status ${output.StatusCode}`);
        return { delivered: batch };
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.retry.maxRetries) {
          return { delivered: [], error: new Error(`Invoke ${this.functionName} failed: ${(error as Error).name}: ${(error as Error).message}`) };
        }
        this.stats.throttledCalls++;
        await this.backoff.wait(attempt);
      }
    }
  }
}
