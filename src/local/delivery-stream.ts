import type { LogFormat } from '../transforms/format.js';
import { LineKind } from '../transforms/format.js';
import { transformFirehoseEvent } from '../transforms/firehose-transform.js';
import { PartitionedBuffers, SizeIntervalBuffer, type BufferHints, type Flushed } from './buffer.js';
import { systemClock, type Clock } from './clock.js';
import { SpillDirectory, type DocumentSpill } from './document-spill.js';
import type { EncodedRecord, LocalStreamTarget } from './firehose-endpoint.js';
import type { ErrorOutputType } from './lake.js';
import {
  inProcessInvoker,
  type CheckedOutput,
  type InvocationOutcome,
  type ProcessorInvoker,
  type TransformInvoker,
} from './processor-invocation.js';

export type { ErrorOutputType, TransformInvoker };

/**
 * Amazon Data Firehose's semantics on one machine, for one delivery stream (one table):
 *
 *   put → processor buffer (size/interval) → transform invocation (the real event shape, retried,
 *   response validated as Firehose does) → dynamic partitioning by `partitionKeys` into
 *   per-partition S3 buffers (size/interval, active-partition limit) → Parquet objects in the lake;
 *   everything that fails lands under the error prefix as Firehose's error-record JSON with the raw data.
 *
 * Time comes from the injected clock; the stream acts only when called (`put`, `tick`, `flush`).
 * Calls are serialised, so the endpoint may call `put` concurrently. A put returns once its records
 * are buffered and every invocation and object write beyond the configured concurrency has
 * finished (with the defaults, one of each: calls behave as if everything ran inline). Partition
 * buffers live on disk (see document-spill).
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
   * Converts JSON documents (one per line of the file at `ndjsonPath`, newline-terminated) to one
   * Parquet object of the partition; reports the rows written (`errorRows` of them error rows) and
   * the documents that did not convert. The file belongs to the stream, which removes it once the
   * call settles.
   */
  writeObject(request: {
    table: string;
    stream: string;
    dt: string;
    hour: string;
    ndjsonPath: string;
    deliveredAt: number;
  }): Promise<{ rows: number; errorRows: number; bytes: number; path: string; failed: readonly ConversionFailure[] }>;
  writeErrors(request: { table: string; stream: string; errorType: ErrorOutputType; records: readonly ErrorRecord[]; deliveredAt: number }): Promise<void>;
}

export interface LocalDeliveryStreamOptions {
  readonly name: string;
  readonly format: LogFormat;
  readonly sink: DeliverySink;
  readonly region?: string;
  readonly processor: BufferHints & { readonly retries: number };
  readonly buffering: BufferHints;
  readonly maxActivePartitions: number;
  /**
   * Local-only bound on the bytes buffered across partitions (on disk); past it the largest
   * buffer is delivered early.
   */
  readonly maxBufferedBytes?: number;
  /** Objects written at once (local only; each DuckDB write holds its row groups in memory). @default 1 */
  readonly concurrentDeliveries?: number;
  /**
   * Objects queued or being written before the stream waits for a write to finish (local only).
   * Past one, the stream goes on transforming and partitioning while the sink writes (DuckDB works
   * in its own threads); queued objects wait on disk. @default 1
   */
  readonly queuedDeliveries?: number;
  /** How many of the latest objects `deliveries` lists. @default 10,000 */
  readonly keptDeliveries?: number;
  /**
   * Processor invocations running at once, like a Lambda function's concurrency (local only).
   * Their results are applied in the order the invocations were made. @default 1
   */
  readonly concurrentInvocations?: number;
  /** Directory for the partition buffers' files; by default the process's own under the OS temp directory. */
  readonly bufferDir?: string;
  readonly clock?: Clock;
  /** The transform, run in this thread; defaults to the in-process handler for the stream's table. */
  readonly transform?: TransformInvoker;
  /** Or the whole invocation (event, transform, response check), e.g. in a worker thread; wins over `transform`. */
  readonly invoker?: ProcessorInvoker;
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

/** Bytes of documents waiting to be written to the partition buffers' files before the stream waits. */
const SPILL_BACKLOG_BYTES = 16 * 1024 * 1024;

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
  /** The data as base64 (as the request carried it and the processor's event carries it). */
  readonly base64: string;
  readonly bytes: number;
}

interface PartitionItem {
  /** The buffer's file; every item of one buffer shares it. */
  readonly spill: DocumentSpill;
  readonly arrival: number;
}

/** A processor invocation made and not yet applied. */
interface Invocation {
  readonly records: PendingRecord[];
  readonly outcome: Promise<{ outcome: InvocationOutcome; attempts: number }>;
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

  private readonly clock: Clock;
  private readonly processorBuffer: SizeIntervalBuffer<PendingRecord>;
  private readonly partitions: PartitionedBuffers<PartitionItem>;
  private readonly spillOf = new WeakMap<SizeIntervalBuffer<PartitionItem>, DocumentSpill>();
  private readonly spills: SpillDirectory;
  private readonly invoke: ProcessorInvoker;
  private readonly lambdaArn: string;
  private readonly region: string;
  private queue: Promise<unknown> = Promise.resolve();
  private sequence = 0;
  /** Invocations made, applied one after another in this order. */
  private readonly invocations: Invocation[] = [];
  private applying: Promise<void> = Promise.resolve();
  private applierRunning = false;
  /** Fires when an invocation has been applied, or the applier stopped. */
  private readonly applied = new Signal();
  /** Objects queued (undefined while written, null when none was written), oldest first. */
  private readonly deliverySlots: (Delivery | null | undefined)[] = [];
  /** Settled slots dropped from the front of `deliverySlots` (a long `serve` would grow it forever). */
  private droppedSlots = 0;
  private readonly deliveryQueue: (() => Promise<void>)[] = [];
  private writersRunning = 0;
  /** Fires when an object write finishes. */
  private readonly written = new Signal();
  private failure: { error: unknown } | undefined;

  constructor(private readonly options: LocalDeliveryStreamOptions) {
    this.region = options.region ?? 'us-east-1';
    this.arn = `arn:aws:firehose:${this.region}:000000000000:deliverystream/${options.name}`;
    this.lambdaArn = `arn:aws:lambda:${this.region}:000000000000:function:${options.name}-transform:$LATEST`;
    this.clock = options.clock ?? systemClock;
    this.processorBuffer = new SizeIntervalBuffer(options.processor);
    this.partitions = new PartitionedBuffers(options.buffering, options.maxActivePartitions);
    this.spills = new SpillDirectory(options.bufferDir);
    this.invoke =
      options.invoker ??
      inProcessInvoker(options.transform ?? ((event) => transformFirehoseEvent(event, { format: options.format }).response));
  }

  get name(): string {
    return this.options.name;
  }

  get table(): string {
    return this.options.format.table;
  }

  /**
   * The objects written (the latest `keptDeliveries`), in the order the stream decided to deliver
   * them, with partition and delivery reason (for the tuning comparison and tests); objects still
   * being written are left out.
   */
  get deliveries(): readonly Delivery[] {
    return this.deliverySlots.filter((d): d is Delivery => d !== null && d !== undefined);
  }

  /** Accepts records (PutRecord/PutRecordBatch payloads: bytes, or base64 as the endpoint passes them), in order. */
  put(records: readonly (Buffer | EncodedRecord)[]): Promise<void> {
    return this.serialised(async () => {
      for (const data of records) {
        const { base64, bytes } = Buffer.isBuffer(data) ? { base64: data.toString('base64'), bytes: data.length } : data;
        const now = this.clock.now();
        this.stats.recordsIn++;
        this.stats.bytesIn += bytes;
        const record: PendingRecord = { recordId: `${now}-${(this.sequence++).toString(36)}`, arrival: now, base64, bytes };
        const full = this.processorBuffer.add(record, bytes, now);
        if (full !== undefined) await this.startInvocation(full.items);
      }
      await this.deliverDue();
    });
  }

  /** Acts on every buffer whose interval has run out by the clock's current time. */
  tick(): Promise<void> {
    return this.serialised(async () => {
      const due = this.processorBuffer.takeIfDue(this.clock.now());
      if (due !== undefined) await this.startInvocation(due.items);
      await this.deliverDue();
    });
  }

  /** Processes and delivers everything buffered (end of a local run). */
  flush(): Promise<void> {
    return this.serialised(async () => {
      const pending = this.processorBuffer.take('flush');
      if (pending !== undefined) await this.startInvocation(pending.items);
      await this.settleInvocations();
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
      this.throwIfFailed();
      return work();
    };
    const run = this.queue.then(checked, checked);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * A failure of the stream itself (the lake or the buffer directory cannot be written): every
   * later call rejects with it, so a local run stops loudly instead of losing data.
   */
  private fail(error: unknown): void {
    this.failure ??= { error };
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Makes an invocation and returns once at most `concurrentInvocations` are waiting to be applied. */
  private async startInvocation(records: PendingRecord[]): Promise<void> {
    this.invocations.push({ records, outcome: this.invokeWithRetries(records) });
    if (!this.applierRunning) {
      this.applierRunning = true;
      this.applying = this.applyInvocations();
    }
    const limit = Math.max(1, this.options.concurrentInvocations ?? 1);
    // Wait for one invocation to be applied, not for the queue to drain: the workers keep busy.
    while (this.invocations.length >= limit && this.applierRunning) await this.applied.next();
    this.throwIfFailed();
  }

  private async settleInvocations(): Promise<void> {
    while (this.applierRunning) await this.applying;
    this.throwIfFailed();
  }

  /**
   * Applies made invocations in order until none is left; never rejects (failures fail the stream).
   * `applierRunning` turns false in the same step that finds the queue empty, so an invocation
   * made after that starts a new applier.
   */
  private async applyInvocations(): Promise<void> {
    try {
      for (;;) {
        const next = this.invocations[0];
        if (next === undefined) break;
        const { outcome, attempts } = await next.outcome;
        if (outcome.ok) await this.accept(next.records, outcome.outputs, attempts);
        else await this.failRaw('processing-failed', next.records, attempts, outcome.code, outcome.message);
        this.invocations.shift();
        this.applied.fire();
      }
    } catch (error) {
      this.fail(error);
      this.invocations.length = 0;
    }
    this.applierRunning = false;
    this.applied.fire();
  }

  private async invokeWithRetries(records: PendingRecord[]): Promise<{ outcome: InvocationOutcome; attempts: number }> {
    const attempts = 1 + this.options.processor.retries;
    let outcome: InvocationOutcome = { ok: false, code: 'Lambda.FunctionError', message: 'not invoked' };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.stats.invocations++;
      outcome = await this.invoke({
        deliveryStreamArn: this.arn,
        region: this.region,
        records: records.map((r) => ({ recordId: r.recordId, arrival: r.arrival, data: r.base64 })),
      });
      if (outcome.ok) return { outcome, attempts: attempt };
      this.stats.failedInvocations++;
    }
    return { outcome, attempts };
  }

  private async accept(records: PendingRecord[], outputs: readonly CheckedOutput[], attempts: number): Promise<void> {
    const byId = new Map(records.map((r) => [r.recordId, r]));
    const failed: PendingRecord[] = [];
    const exceeded: PendingRecord[] = [];
    const now = this.clock.now();
    for (const output of outputs) {
      const source = byId.get(output.recordId)!;
      if (output.result === 'Dropped') {
        this.stats.droppedRecords++;
        continue;
      }
      if (output.result === 'ProcessingFailed') {
        failed.push(source);
        continue;
      }
      const partition = `dt=${output.partition!.dt}/hour=${output.partition!.hour}`;
      const buffer = this.partitions.admit(partition);
      if (buffer === undefined) {
        exceeded.push(source);
        output.release?.();
        continue;
      }
      this.stats.okRecords++;
      const documents = output.documents!;
      let spill = this.spillOf.get(buffer);
      if (spill === undefined) {
        spill = this.spills.open();
        this.spillOf.set(buffer, spill);
      }
      spill.append(documents, output.release);
      const item: PartitionItem = { spill, arrival: source.arrival };
      const flushed = this.partitions.add(partition, buffer, item, documents.length, now);
      this.stats.peakActivePartitions = Math.max(this.stats.peakActivePartitions, this.partitions.peakActive);
      if (flushed !== undefined) await this.deliver(partition, flushed);
      await this.boundBuffers();
      // Documents wait in memory until written: keep that bounded.
      await this.spills.backlog.below(SPILL_BACKLOG_BYTES);
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

  private async boundBuffers(): Promise<void> {
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
   * Queues a partition's object for writing (its documents are on disk) and returns once fewer
   * than `queuedDeliveries` objects are queued or being written.
   */
  private async deliver(partition: string, flushed: Flushed<PartitionItem>): Promise<void> {
    const slot = this.droppedSlots + this.deliverySlots.length;
    this.deliverySlots.push(undefined);
    this.deliveryQueue.push(() =>
      this.writeObject(partition, flushed, slot).catch((error: unknown) => {
        this.settleSlot(slot, null);
        this.fail(error);
      }),
    );
    this.startWriters();
    const depth = Math.max(1, this.options.queuedDeliveries ?? 1);
    while (this.deliveryQueue.length + this.writersRunning >= depth) await this.written.next();
    this.throwIfFailed();
  }

  private settleSlot(slot: number, delivery: Delivery | null): void {
    if (slot < this.droppedSlots) return; // settled before, and forgotten since
    this.deliverySlots[slot - this.droppedSlots] = delivery;
    while (this.deliverySlots.length > (this.options.keptDeliveries ?? 10_000) && this.deliverySlots[0] !== undefined) {
      this.deliverySlots.shift();
      this.droppedSlots++;
    }
  }

  private startWriters(): void {
    const writers = Math.max(1, this.options.concurrentDeliveries ?? 1);
    while (this.writersRunning < writers && this.deliveryQueue.length > 0) {
      const write = this.deliveryQueue.shift()!;
      this.writersRunning++;
      void write().finally(() => {
        this.writersRunning--;
        this.written.fire();
        this.startWriters();
      });
    }
  }

  private async settleDeliveries(): Promise<void> {
    while (this.deliveryQueue.length + this.writersRunning > 0) await this.written.next();
    this.throwIfFailed();
  }

  private async writeObject(partition: string, flushed: Flushed<PartitionItem>, slot: number): Promise<void> {
    const [dtPart, hourPart] = partition.split('/');
    const dt = dtPart.slice(3);
    const hour = hourPart.slice(5);
    const spill = flushed.items[0].spill;
    const deliveredAt = this.clock.now();
    let written: Awaited<ReturnType<DeliverySink['writeObject']>>;
    try {
      const ndjsonPath = await spill.complete();
      written = await this.options.sink.writeObject({ table: this.table, stream: this.name, dt, hour, ndjsonPath, deliveredAt });
    } finally {
      await spill.remove();
    }
    // What the lake holds, as its writer counted it; documents that did not convert are failed lines.
    this.stats.errorRows += written.errorRows;
    this.stats.rows += written.rows - written.errorRows;
    if (written.rows > 0) {
      this.stats.objects++;
      this.stats.objectBytes += written.bytes;
      this.settleSlot(slot, { dt, hour, rows: written.rows, bytes: written.bytes, jsonBytes: flushed.bytes, openedAt: flushed.openedAt, deliveredAt, reason: flushed.reason });
    } else {
      this.settleSlot(slot, null);
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
    for (const record of records) this.stats.failedLines += countDataLines(this.options.format, Buffer.from(record.base64, 'base64'));
    await this.writeErrors(
      type,
      records.map((r) => ({
        attemptsMade: attempts,
        arrivalTimestamp: r.arrival,
        errorCode,
        errorMessage,
        attemptEndingTimestamp: now,
        rawData: r.base64,
        lambdaArn: this.lambdaArn,
      })),
    );
  }

  private async writeErrors(errorType: ErrorOutputType, records: ErrorRecord[]): Promise<void> {
    this.stats.errorRecords += records.length;
    await this.options.sink.writeErrors({ table: this.table, stream: this.name, errorType, records, deliveredAt: this.clock.now() });
  }
}

/** Something to wait for: `next()` resolves at the following `fire()`. */
class Signal {
  private waiting: { promise: Promise<void>; resolve: () => void } | undefined;

  next(): Promise<void> {
    if (this.waiting === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiting = { promise, resolve };
    }
    return this.waiting.promise;
  }

  fire(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve();
  }
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
