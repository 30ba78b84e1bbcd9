import { randomUUID } from 'node:crypto';
import { FIREHOSE_LIMITS } from '../config/limits.js';
import type { LogFormat } from '../transforms/format.js';
import { LineKind } from '../transforms/format.js';
import {
  decodeBase64,
  transformFirehoseEvent,
  type FirehoseOutputRecord,
  type FirehoseTransformEvent,
  type FirehoseTransformResponse,
} from '../transforms/firehose-transform.js';
import { PartitionedBuffers, SizeIntervalBuffer, type BufferHints, type Flushed } from './buffer.js';
import { systemClock, type Clock } from './clock.js';
import type { LocalStreamTarget } from './firehose-endpoint.js';
import type { ErrorOutputType } from './lake.js';

export type { ErrorOutputType };

/**
 * Amazon Data Firehose's semantics on one machine, for one delivery stream (one table):
 *
 *   put → processor buffer (size/interval) → transform invocation (the real event shape, retried,
 *   response validated as Firehose does) → dynamic partitioning by `partitionKeys` into
 *   per-partition S3 buffers (size/interval, active-partition limit) → Parquet objects in the lake;
 *   everything that fails lands under the error prefix as Firehose's error-record JSON with the raw data.
 *
 * Time comes from the injected clock; the stream acts only when called (`put`, `tick`, `flush`).
 * Calls are serialised, so the endpoint may call `put` concurrently.
 */


/** Firehose's error-record JSON, one per failed record under the error prefix. */
export interface ErrorRecord {
  attemptsMade: number;
  arrivalTimestamp: number;
  errorCode: string;
  errorMessage: string;
  attemptEndingTimestamp: number;
  rawData: string;
  lambdaArn?: string;
}

export interface ConversionFailure {
  /** Line number (from 0) of the document in the request's `ndjson`. */
  readonly index: number;
  readonly error: string;
  /** The document as given (kept raw under format-conversion-failed). */
  readonly document: string;
}

/** Where delivered data goes: the on-disk lake locally. */
export interface DeliverySink {
  /**
   * Converts JSON documents (one per line of `ndjson`, newline-terminated) to one Parquet object of
   * the partition; reports documents that did not convert.
   */
  writeObject(request: {
    table: string;
    stream: string;
    dt: string;
    hour: string;
    ndjson: Buffer;
    deliveredAt: number;
  }): Promise<{ rows: number; bytes: number; path: string; failed: readonly ConversionFailure[] }>;
  writeErrors(request: { table: string; stream: string; errorType: ErrorOutputType; records: readonly ErrorRecord[]; deliveredAt: number }): Promise<void>;
}

export type TransformInvoker = (event: FirehoseTransformEvent) => FirehoseTransformResponse | Promise<FirehoseTransformResponse>;

export interface LocalDeliveryStreamOptions {
  readonly name: string;
  readonly format: LogFormat;
  readonly sink: DeliverySink;
  readonly region?: string;
  readonly processor: BufferHints & { readonly retries: number };
  readonly buffering: BufferHints;
  readonly maxActivePartitions: number;
  /** Local-only memory bound across all partition buffers; the largest is delivered early past it. */
  readonly maxBufferedBytes?: number;
  /**
   * Objects being written at once (local only). Past one, the stream goes on transforming and
   * partitioning while the sink writes (DuckDB works in its own threads). @default 1
   */
  readonly concurrentDeliveries?: number;
  readonly clock?: Clock;
  /** The transform; defaults to the in-process handler for the stream's table. */
  readonly transform?: TransformInvoker;
}

export interface StreamStats {
  recordsIn: number;
  bytesIn: number;
  invocations: number;
  failedInvocations: number;
  okRecords: number;
  droppedRecords: number;
  /** Records under processing-failed (result ProcessingFailed, invocation failures, invalid responses). */
  processingFailedRecords: number;
  /** Records under activePartitionExceeded. */
  partitionExceededRecords: number;
  /** Documents under format-conversion-failed. */
  conversionFailedDocuments: number;
  /** Data lines inside records that went to the error prefix raw (not converted to rows). */
  failedLines: number;
  rows: number;
  errorRows: number;
  objects: number;
  objectBytes: number;
  errorRecords: number;
  peakActivePartitions: number;
}

/** An object the stream wrote. */
export interface Delivery {
  readonly dt: string;
  readonly hour: string;
  readonly rows: number;
  readonly bytes: number;
  /** The JSON documents' size (what the S3 buffer counted). */
  readonly jsonBytes: number;
  readonly openedAt: number;
  readonly deliveredAt: number;
  /** Why it was delivered: its buffer reached the size or the interval, or the stream was flushed. */
  readonly reason: string;
}

interface PendingRecord {
  readonly recordId: string;
  readonly arrival: number;
  readonly data: Buffer;
}

interface PartitionItem {
  /** Newline-separated JSON documents (UTF-8), as the transform returned them. */
  readonly documents: Buffer;
  readonly arrival: number;
}

export class LocalDeliveryStream implements LocalStreamTarget {
  readonly arn: string;
  readonly stats: StreamStats = {
    recordsIn: 0,
    bytesIn: 0,
    invocations: 0,
    failedInvocations: 0,
    okRecords: 0,
    droppedRecords: 0,
    processingFailedRecords: 0,
    partitionExceededRecords: 0,
    conversionFailedDocuments: 0,
    failedLines: 0,
    rows: 0,
    errorRows: 0,
    objects: 0,
    objectBytes: 0,
    errorRecords: 0,
    peakActivePartitions: 0,
  };
  private readonly deliverySlots: (Delivery | null | undefined)[] = [];
  private readonly writing = new Set<Promise<void>>();
  private deliveryFailure: { error: unknown } | undefined;

  private readonly clock: Clock;
  private readonly processorBuffer: SizeIntervalBuffer<PendingRecord>;
  private readonly partitions: PartitionedBuffers<PartitionItem>;
  private readonly transform: TransformInvoker;
  private readonly lambdaArn: string;
  private queue: Promise<unknown> = Promise.resolve();
  private sequence = 0;

  constructor(private readonly options: LocalDeliveryStreamOptions) {
    const region = options.region ?? 'us-east-1';
    this.arn = `arn:aws:firehose:${region}:000000000000:deliverystream/${options.name}`;
    this.lambdaArn = `arn:aws:lambda:${region}:000000000000:function:${options.name}-transform:$LATEST`;
    this.clock = options.clock ?? systemClock;
    this.processorBuffer = new SizeIntervalBuffer(options.processor);
    this.partitions = new PartitionedBuffers(options.buffering, options.maxActivePartitions);
    this.transform = options.transform ?? ((event) => transformFirehoseEvent(event, { format: options.format }).response);
  }

  get name(): string {
    return this.options.name;
  }

  get table(): string {
    return this.options.format.table;
  }

  /**
   * Every object written, in the order the stream decided to deliver them, with its partition and
   * delivery reason (for the tuning comparison and tests); objects still being written are left out.
   */
  get deliveries(): readonly Delivery[] {
    return this.deliverySlots.filter((d): d is Delivery => d !== null && d !== undefined);
  }

  /** Accepts records (PutRecord/PutRecordBatch payloads), in order. */
  put(records: readonly Buffer[]): Promise<void> {
    return this.serialised(async () => {
      for (const data of records) {
        const now = this.clock.now();
        this.stats.recordsIn++;
        this.stats.bytesIn += data.length;
        const record: PendingRecord = { recordId: `${now}-${(this.sequence++).toString(36)}`, arrival: now, data };
        const full = this.processorBuffer.add(record, data.length, now);
        if (full !== undefined) await this.process(full.items);
      }
      await this.deliverDue();
    });
  }

  /** Acts on every buffer whose interval has run out by the clock's current time. */
  tick(): Promise<void> {
    return this.serialised(async () => {
      const due = this.processorBuffer.takeIfDue(this.clock.now());
      if (due !== undefined) await this.process(due.items);
      await this.deliverDue();
    });
  }

  /** Processes and delivers everything buffered (end of a local run). */
  flush(): Promise<void> {
    return this.serialised(async () => {
      const pending = this.processorBuffer.take('flush');
      if (pending !== undefined) await this.process(pending.items);
      for (const [partition, flushed] of this.partitions.takeAll()) await this.deliver(partition, flushed);
      await this.settleDeliveries();
    });
  }

  /** The earliest time at which `tick` has work (Infinity when idle). */
  get nextDueAt(): number {
    return Math.min(this.processorBuffer.dueAt, this.partitions.nextDueAt);
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const checked = async (): Promise<T> => {
      this.throwIfDeliveryFailed();
      return work();
    };
    const run = this.queue.then(checked, checked);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async process(records: PendingRecord[]): Promise<void> {
    const event: FirehoseTransformEvent = {
      invocationId: randomUUID(),
      deliveryStreamArn: this.arn,
      region: this.options.region ?? 'us-east-1',
      records: records.map((r) => ({ recordId: r.recordId, approximateArrivalTimestamp: r.arrival, data: r.data.toString('base64') })),
    };
    const attempts = 1 + this.options.processor.retries;
    let lastError = '';
    let lastCode = 'Lambda.FunctionError';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.stats.invocations++;
      let response: FirehoseTransformResponse;
      try {
        response = await this.transform(event);
      } catch (error) {
        this.stats.failedInvocations++;
        lastCode = 'Lambda.FunctionError';
        lastError = `The Lambda function was invoked and failed: ${(error as Error)?.message ?? String(error)}`;
        continue;
      }
      const checked = checkResponse(records, response);
      if ('code' in checked) {
        this.stats.failedInvocations++;
        lastCode = checked.code;
        lastError = checked.message;
        continue;
      }
      await this.accept(records, response.records, checked.data, attempt);
      return;
    }
    await this.failRaw('processing-failed', records, attempts, lastCode, lastError);
  }

  private async accept(records: PendingRecord[], outputs: FirehoseOutputRecord[], data: readonly (Buffer | undefined)[], attempts: number): Promise<void> {
    const byId = new Map(records.map((r) => [r.recordId, r]));
    const failed: PendingRecord[] = [];
    const exceeded: PendingRecord[] = [];
    const now = this.clock.now();
    for (let i = 0; i < outputs.length; i++) {
      const output = outputs[i];
      const source = byId.get(output.recordId)!;
      if (output.result === 'Dropped') {
        this.stats.droppedRecords++;
        continue;
      }
      if (output.result === 'ProcessingFailed') {
        failed.push(source);
        continue;
      }
      const keys = output.metadata?.partitionKeys;
      const partition = `dt=${keys!.dt}/hour=${keys!.hour}`;
      const buffer = this.partitions.admit(partition);
      if (buffer === undefined) {
        exceeded.push(source);
        continue;
      }
      this.stats.okRecords++;
      const documents = data[i]!;
      const flushed = this.partitions.add(partition, buffer, { documents, arrival: source.arrival }, documents.length, now);
      this.stats.peakActivePartitions = Math.max(this.stats.peakActivePartitions, this.partitions.peakActive);
      if (flushed !== undefined) await this.deliver(partition, flushed);
      await this.boundMemory();
    }
    if (failed.length > 0) {
      await this.failRaw('processing-failed', failed, attempts, 'Lambda.ProcessingFailedStatus', 'ProcessingFailed status set for record');
    }
    if (exceeded.length > 0) {
      await this.failRaw(
        'activePartitionExceeded',
        exceeded,
        1,
        'DynamicPartitioning.ActivePartitionsLimitExceeded',
        `Active partition count exceeded the limit of ${this.options.maxActivePartitions}`,
      );
    }
  }

  private async boundMemory(): Promise<void> {
    const limit = this.options.maxBufferedBytes;
    if (limit === undefined) return;
    while (this.partitions.bufferedBytes > limit) {
      const largest = this.partitions.takeLargest();
      if (largest === undefined) return;
      await this.deliver(largest[0], largest[1]);
    }
  }

  private async deliverDue(): Promise<void> {
    for (const [partition, flushed] of this.partitions.takeDue(this.clock.now())) await this.deliver(partition, flushed);
  }

  /**
   * Starts writing a partition's object and returns once fewer than `concurrentDeliveries` writes are
   * running. A write that fails (the lake cannot be written) fails the stream: every later call
   * rejects with that error, so a local run stops loudly instead of losing the object.
   */
  private async deliver(partition: string, flushed: Flushed<PartitionItem>): Promise<void> {
    const slot = this.deliverySlots.length;
    this.deliverySlots.push(undefined);
    const write = this.writeObject(partition, flushed, slot).catch((error: unknown) => {
      this.deliverySlots[slot] = null;
      this.deliveryFailure ??= { error };
    });
    const tracked = write.finally(() => this.writing.delete(tracked));
    this.writing.add(tracked);
    const limit = Math.max(1, this.options.concurrentDeliveries ?? 1);
    while (this.writing.size >= limit) await Promise.race(this.writing);
    this.throwIfDeliveryFailed();
  }

  private async settleDeliveries(): Promise<void> {
    while (this.writing.size > 0) await Promise.race(this.writing);
    this.throwIfDeliveryFailed();
  }

  private throwIfDeliveryFailed(): void {
    if (this.deliveryFailure !== undefined) throw this.deliveryFailure.error;
  }

  private async writeObject(partition: string, flushed: Flushed<PartitionItem>, slot: number): Promise<void> {
    const [dtPart, hourPart] = partition.split('/');
    const dt = dtPart.slice(3);
    const hour = hourPart.slice(5);
    // The transform's records are newline-terminated documents: joined, not split and rejoined.
    const parts: Buffer[] = [];
    for (const item of flushed.items) {
      parts.push(item.documents);
      if (item.documents.length > 0 && item.documents[item.documents.length - 1] !== 10) parts.push(NEWLINE);
    }
    const ndjson = Buffer.concat(parts);
    const deliveredAt = this.clock.now();
    const written = await this.options.sink.writeObject({ table: this.table, stream: this.name, dt, hour, ndjson, deliveredAt });
    const counted = countDocuments(ndjson);
    let failedErrorRows = 0;
    for (const f of written.failed) if (f.document.indexOf(ERROR_KEY_TEXT) >= 0) failedErrorRows++;
    this.stats.errorRows += counted.errorDocuments - failedErrorRows;
    this.stats.rows += counted.documents - counted.errorDocuments - (written.failed.length - failedErrorRows);
    this.deliverySlots[slot] = null;
    if (written.rows > 0) {
      this.stats.objects++;
      this.stats.objectBytes += written.bytes;
      this.deliverySlots[slot] = { dt, hour, rows: written.rows, bytes: written.bytes, jsonBytes: flushed.bytes, openedAt: flushed.openedAt, deliveredAt, reason: flushed.reason };
    }
    if (written.failed.length > 0) {
      this.stats.conversionFailedDocuments += written.failed.length;
      this.stats.failedLines += written.failed.length;
      const arrival = flushed.items[0]?.arrival ?? deliveredAt;
      await this.writeErrors(
        'format-conversion-failed',
        written.failed.map((f) => ({
          attemptsMade: 1,
          arrivalTimestamp: arrival,
          errorCode: 'DataFormatConversion.MalformedData',
          errorMessage: f.error,
          attemptEndingTimestamp: deliveredAt,
          rawData: Buffer.from(f.document, 'utf8').toString('base64'),
        })),
      );
    }
  }

  private async failRaw(type: ErrorOutputType, records: PendingRecord[], attempts: number, errorCode: string, errorMessage: string): Promise<void> {
    const now = this.clock.now();
    if (type === 'activePartitionExceeded') this.stats.partitionExceededRecords += records.length;
    else this.stats.processingFailedRecords += records.length;
    for (const record of records) this.stats.failedLines += countDataLines(this.options.format, record.data);
    await this.writeErrors(
      type,
      records.map((r) => ({
        attemptsMade: attempts,
        arrivalTimestamp: r.arrival,
        errorCode,
        errorMessage,
        attemptEndingTimestamp: now,
        rawData: r.data.toString('base64'),
        lambdaArn: this.lambdaArn,
      })),
    );
  }

  private async writeErrors(errorType: ErrorOutputType, records: ErrorRecord[]): Promise<void> {
    this.stats.errorRecords += records.length;
    await this.options.sink.writeErrors({ table: this.table, stream: this.name, errorType, records, deliveredAt: this.clock.now() });
  }
}

/** The key only error rows have (good rows omit null columns; inside a value its quotes are escaped). */
const ERROR_KEY_TEXT = '"_error":';
const ERROR_KEY = Buffer.from(ERROR_KEY_TEXT);
const NEWLINE = Buffer.from('\n');

/** Non-blank lines of newline-separated JSON documents, and how many of them are error rows — one scan. */
export function countDocuments(ndjson: Buffer): { documents: number; errorDocuments: number } {
  let documents = 0;
  let errorDocuments = 0;
  let nextError = ndjson.indexOf(ERROR_KEY);
  let start = 0;
  while (start < ndjson.length) {
    let end = ndjson.indexOf(10, start);
    if (end < 0) end = ndjson.length;
    if (end > start) {
      documents++;
      if (nextError >= 0 && nextError < start) nextError = ndjson.indexOf(ERROR_KEY, start);
      if (nextError >= 0 && nextError < end) errorDocuments++;
    }
    start = end + 1;
  }
  return { documents, errorDocuments };
}

/** Data lines (not header/comment/blank lines) in a raw record, for the accounting of failed records. */
export function countDataLines(format: LogFormat, data: Buffer): number {
  const parser = format.createParser();
  let count = 0;
  for (const line of data.toString('utf8').split('\n')) {
    if (parser.parse(line.endsWith('\r') ? line.slice(0, -1) : line) !== LineKind.Skip) count++;
  }
  return count;
}

/**
 * Firehose's checks of a transform response: every id once, known results, base64 data, partition
 * keys, size. Returns the failure, or each output record's decoded data (undefined unless Ok), in
 * response order.
 */
function checkResponse(
  records: readonly PendingRecord[] | readonly { recordId: string }[],
  response: unknown,
): { code: string; message: string } | { data: (Buffer | undefined)[] } {
  const outputs = (response as FirehoseTransformResponse | undefined)?.records;
  if (!Array.isArray(outputs)) return { code: 'Lambda.JsonProcessingException', message: 'response has no records array' };
  let size = 16;
  for (const output of outputs as FirehoseOutputRecord[]) {
    size += 120 + String(output?.recordId).length + (typeof output?.data === 'string' ? output.data.length : 0);
  }
  if (size > FIREHOSE_LIMITS.lambdaPayloadBytes) {
    return { code: 'Lambda.FunctionError', message: `response of ${size} bytes exceeds the 6 MB Lambda payload limit` };
  }
  const data: (Buffer | undefined)[] = [];
  const expected = new Set(records.map((r) => r.recordId));
  const seen = new Set<string>();
  for (const output of outputs as FirehoseOutputRecord[]) {
    const id = output?.recordId;
    if (typeof id !== 'string' || !expected.has(id)) return { code: 'Lambda.MissingRecordId', message: `unexpected recordId ${String(id)}` };
    if (seen.has(id)) return { code: 'Lambda.DuplicatedRecordId', message: `recordId ${id} returned more than once` };
    seen.add(id);
    if (output.result !== 'Ok' && output.result !== 'Dropped' && output.result !== 'ProcessingFailed') {
      return { code: 'Lambda.InvalidReturnedResult', message: `record ${id}: invalid result ${String(output.result)}` };
    }
    const decoded = output.result === 'Ok' && typeof output.data === 'string' ? decodeBase64(output.data) : undefined;
    if (typeof output.data !== 'string' || (output.result === 'Ok' && decoded === undefined)) {
      return { code: 'Lambda.InvalidDataEncoding', message: `record ${id}: data is not base64` };
    }
    data.push(decoded);
    if (output.result === 'Ok') {
      const keys = output.metadata?.partitionKeys;
      if (typeof keys?.dt !== 'string' || typeof keys?.hour !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(keys.dt) || !/^\d\d$/.test(keys.hour)) {
        return { code: 'DynamicPartitioning.MetadataExtractionFailed', message: `record ${id}: partitionKeys dt/hour missing or malformed` };
      }
    }
  }
  if (seen.size !== expected.size) {
    return { code: 'Lambda.MissingRecordId', message: `${expected.size - seen.size} recordId(s) missing from the response` };
  }
  return { data };
}
