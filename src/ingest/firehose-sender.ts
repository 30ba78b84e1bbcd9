import { PutRecordBatchCommand, type FirehoseClient, type PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import { FIREHOSE_LIMITS } from '../config/limits.js';

/**
 * Sends records to one Firehose stream with PutRecordBatch: batches of ≤ 500 records and ≤ 4 MiB,
 * only the failed entries resent, with exponential backoff and full jitter, call-level throttling
 * retried the same way. When retries run out it throws: records are never dropped silently.
 */

export interface SenderOptions {
  readonly client: FirehoseClient;
  readonly streamName: string;
  /** Retries per batch (entries still failing after this many resends fail the shipment). */
  readonly maxRetries?: number;
  /** First backoff, ms (doubles each retry, full jitter). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** PutRecordBatch calls in flight at once. */
  readonly concurrency?: number;
  /** Record bytes per call (at most Firehose's 4 MiB). @default 4 MiB */
  readonly maxBatchBytes?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface SenderStats {
  records: number;
  bytes: number;
  /** Bytes Firehose bills: each record rounded up to 5 KB. */
  billedBytes: number;
  calls: number;
  retriedEntries: number;
  throttledCalls: number;
}

export class ShipmentError extends Error {
  constructor(
    message: string,
    readonly undelivered: number,
  ) {
    super(message);
    this.name = 'ShipmentError';
  }
}

const RETRYABLE_CALL_ERRORS = new Set([
  'ServiceUnavailableException',
  'ThrottlingException',
  'InternalFailure',
  'InternalFailureException',
  'LimitExceededException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

function isRetryableCallError(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e?.$retryable) return true;
  if (RETRYABLE_CALL_ERRORS.has(e?.name ?? '') || RETRYABLE_CALL_ERRORS.has(e?.code ?? '')) return true;
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return status >= 500 || status === 429;
}

export function billedBytes(recordBytes: number): number {
  const unit = FIREHOSE_LIMITS.billingRecordBytes;
  return Math.max(1, Math.ceil(recordBytes / unit)) * unit;
}

export class FirehoseSender {
  readonly stats: SenderStats = { records: 0, bytes: 0, billedBytes: 0, calls: 0, retriedEntries: 0, throttledCalls: 0 };
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private abandoned = false;
  private readonly maxRetries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly maxBatchBytes: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: SenderOptions) {
    this.maxRetries = options.maxRetries ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    const batchBytes = Number.isFinite(options.maxBatchBytes) ? options.maxBatchBytes! : FIREHOSE_LIMITS.maxBatchBytes;
    this.maxBatchBytes = Math.min(FIREHOSE_LIMITS.maxBatchBytes, Math.max(FIREHOSE_LIMITS.maxRecordBytes, batchBytes));
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /** Queues one record (≤ 1,000 KiB); sends a batch when it is full. */
  async put(record: Buffer): Promise<void> {
    // A batch already failed: the shipment has failed, so stop reading the object now.
    this.throwIfFailed();
    if (record.length > FIREHOSE_LIMITS.maxRecordBytes) {
      throw new ShipmentError(`record of ${record.length} bytes exceeds Firehose's ${FIREHOSE_LIMITS.maxRecordKiB} KiB limit`, 1);
    }
    if (record.length === 0) return;
    // Checked again after every wait: other shipments of the same stream add to the batch meanwhile.
    while (this.batch.length >= FIREHOSE_LIMITS.maxBatchRecords || this.batchBytes + record.length > this.maxBatchBytes) {
      await this.sendCurrentBatch();
    }
    this.batch.push(record);
    this.batchBytes += record.length;
  }

  /** Sends whatever is queued and waits for every call in flight; throws if any batch failed. */
  async flush(): Promise<void> {
    try {
      await this.sendCurrentBatch();
    } finally {
      // Also after a failure: no call may outlive the flush that reports it.
      while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    }
    this.throwIfFailed();
  }

  /**
   * Gives up on this shipment (the caller failed it and will redeliver): drops queued records,
   * stops retrying, and waits for the calls in flight, so no work outlives the invocation.
   */
  async abandon(): Promise<void> {
    this.abandoned = true;
    this.batch = [];
    this.batchBytes = 0;
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async sendCurrentBatch(): Promise<void> {
    this.throwIfFailed();
    if (this.batch.length === 0) return;
    const records = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const call = this.sendWithRetries(records).catch((error: unknown) => {
      this.failure ??= error;
    });
    const tracked = call.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
    return Math.floor(this.random() * cap);
  }

  private async sendWithRetries(records: Buffer[]): Promise<void> {
    let pending = records;
    for (let attempt = 0; ; attempt++) {
      let output: PutRecordBatchCommandOutput;
      try {
        this.stats.calls++;
        output = await this.options.client.send(
          new PutRecordBatchCommand({ DeliveryStreamName: this.options.streamName, Records: pending.map((Data) => ({ Data })) }),
        );
      } catch (error) {
        if (!isRetryableCallError(error) || attempt >= this.maxRetries) {
          throw new ShipmentError(
            `PutRecordBatch to ${this.options.streamName} failed after ${attempt + 1} attempt(s): ${(error as Error).name}: ${(error as Error).message}`,
            pending.length,
          );
        }
        this.stats.throttledCalls++;
        await this.sleep(this.backoff(attempt));
        this.throwIfAbandoned(pending.length);
        continue;
      }
      const responses = output.RequestResponses ?? [];
      const failed: Buffer[] = [];
      let lastError = '';
      pending.forEach((record, i) => {
        const response = responses[i];
        if (response === undefined || response.ErrorCode !== undefined || response.RecordId === undefined) {
          failed.push(record);
          lastError = response?.ErrorCode !== undefined ? `${response.ErrorCode}: ${response.ErrorMessage ?? ''}` : 'no response entry';
        } else {
          this.stats.records++;
          this.stats.bytes += record.length;
          this.stats.billedBytes += billedBytes(record.length);
        }
      });
      if (failed.length === 0) return;
      if (attempt >= this.maxRetries) {
        throw new ShipmentError(
          `${failed.length} record(s) still failing after ${attempt + 1} PutRecordBatch attempts to ${this.options.streamName} (${lastError})`,
          failed.length,
        );
      }
      this.stats.retriedEntries += failed.length;
      pending = failed;
      await this.sleep(this.backoff(attempt));
      this.throwIfAbandoned(pending.length);
    }
  }

  private throwIfAbandoned(undelivered: number): void {
    if (this.abandoned) throw new ShipmentError(`shipment to ${this.options.streamName} abandoned`, undelivered);
  }
}
