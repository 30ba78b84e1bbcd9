import type { S3Client } from '@aws-sdk/client-s3';
import type { LoghoseConfig } from '../config/config.js';
import { FirehoseSender } from '../ingest/firehose-sender.js';
import { shipObject, type ShipResult } from '../ingest/shipper.js';
import { listSource, type SourceObject } from '../ingest/sources.js';
import type { TableName } from '../transforms/schema.js';
import { systemClock, type Clock } from './clock.js';
import type { DeliverySink, LocalDeliveryStream, StreamStats, TransformInvoker } from './delivery-stream.js';
import { createLocalStreams, lakeTotals, localFirehoseClient, streamNameOf } from './local-streams.js';
import { startFirehoseEndpoint, type EndpointFaults } from './firehose-endpoint.js';
import { createProcessorPool } from './processor-pool.js';

/**
 * `loghose run`: every log object under a source goes through the shipper, with the real Firehose
 * client, into the local Firehose endpoint, whose delivery streams (one per table) transform,
 * partition and write Parquet into the lake. The same code paths as in AWS, on one machine.
 */

export interface RunOptions {
  readonly source: string;
  readonly config: LoghoseConfig;
  readonly sink: DeliverySink;
  readonly s3?: S3Client;
  readonly clock?: Clock;
  /** Faults injected at the endpoint (tests). */
  readonly faults?: EndpointFaults;
  /** Replaces the in-process transform per table (tests inject crashes). */
  readonly transformFor?: (table: TableName) => TransformInvoker | undefined;
  /** Objects shipped at once. */
  readonly concurrency?: number;
  /** Local-only cap on bytes buffered (on disk) across a stream's partitions. */
  readonly maxBufferedBytesPerStream?: number;
  /** Objects a stream writes at once. */
  readonly concurrentDeliveries?: number;
  /**
   * Worker threads running the transform invocations (0: in this thread).
   * @default none on up to two cores, else one per core beyond the first, at most four
   */
  readonly transformWorkers?: number;
  readonly onObject?: (result: ShipResult, object: SourceObject) => void;
  /** Called before each packed record is sent; throwing from it kills the shipment (tests of restarts). */
  readonly beforeRecord?: (table: TableName, key: string) => void;
  /** Shipper retry sleeps (tests shorten them). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Only ship objects whose key passes (replay uses this for date ranges and checkpoints). */
  readonly objects?: AsyncIterable<SourceObject>;
}

export interface TableSummary {
  objects: number;
  lines: number;
  dataLines: number;
  skipped: number;
  rows: number;
  errorRows: number;
  failedRecords: number;
  failedLines: number;
  parquetObjects: number;
  parquetBytes: number;
}

export interface RunSummary {
  objects: number;
  objectsSkipped: number;
  objectsUnknown: number;
  lines: number;
  rows: number;
  errorRows: number;
  /** Records written under the error prefix (processing-failed, format-conversion-failed, activePartitionExceeded). */
  failedRecords: number;
  /** Source lines inside those error records. */
  failedLines: number;
  /** Header/comment/blank lines and lines of non-log objects. */
  skipped: number;
  /** lines = rows + errorRows + failedLines + skipped (+ duplicates from retries where noted). */
  accounted: boolean;
  firehose: { records: number; recordBytes: number; billedBytes: number; calls: number; retriedEntries: number; throttledCalls: number };
  parquetObjects: number;
  parquetBytes: number;
  peakActivePartitions: number;
  tables: Partial<Record<TableName, TableSummary>>;
  unknownObjects: string[];
  seconds: number;
}

export async function runLocalPipeline(options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const pool = createProcessorPool(options.transformWorkers);
  const streams = createLocalStreams({
    config,
    sink: options.sink,
    clock,
    transformFor: options.transformFor,
    pool,
    maxBufferedBytesPerStream: options.maxBufferedBytesPerStream,
    concurrentDeliveries: options.concurrentDeliveries,
  });
  const endpoint = await startFirehoseEndpoint({ streams: [...streams.values()], faults: options.faults }).catch(async (error: unknown) => {
    await pool?.close();
    throw error;
  });
  const client = localFirehoseClient(endpoint.url, config);
  const senders = new Map<TableName, FirehoseSender>();
  const senderFor = (table: TableName): FirehoseSender => {
    let sender = senders.get(table);
    if (sender === undefined) {
      sender = new FirehoseSender({ client, streamName: streamNameOf(config, table), maxRetries: config.shipper.maxRetries, maxBatchBytes: config.shipper.batchMiB * 2 ** 20, sleep: options.sleep });
      senders.set(table, sender);
    }
    return sender;
  };
  const ticker = setInterval(() => {
    for (const stream of streams.values()) void stream.tick().catch(() => undefined);
  }, 1000);
  ticker.unref();

  const results: ShipResult[] = [];
  try {
    const objects = options.objects ?? listSource(options.source, options.s3);
    await forEachConcurrently(objects, options.concurrency ?? 2, async (object) => {
      const result = await shipObject({
        key: object.key,
        body: await object.open(),
        recordBytes: config.shipper.recordKiB * 1024,
        maxBufferedBytes: config.shipper.maxBufferedMiB * 1024 * 1024,
        sink: (record, table) => {
          options.beforeRecord?.(table, object.key);
          return senderFor(table).put(record.data);
        },
      });
      results.push(result);
      options.onObject?.(result, object);
    });
    for (const sender of senders.values()) await sender.flush();
  } finally {
    // Records Firehose accepted are durable: deliver them even when shipping failed.
    for (const sender of senders.values()) await sender.abandon().catch(() => undefined);
    try {
      for (const stream of streams.values()) await stream.flush();
    } finally {
      clearInterval(ticker);
      client.destroy();
      await endpoint.close();
      await pool?.close();
    }
  }
  return summarise(results, streams, senders, (performance.now() - started) / 1000);
}

function summarise(
  results: readonly ShipResult[],
  streams: ReadonlyMap<TableName, LocalDeliveryStream>,
  senders: ReadonlyMap<TableName, FirehoseSender>,
  seconds: number,
): RunSummary {
  const tables: Partial<Record<TableName, TableSummary>> = {};
  const summary: RunSummary = {
    objects: 0,
    objectsSkipped: 0,
    objectsUnknown: 0,
    lines: 0,
    rows: 0,
    errorRows: 0,
    failedRecords: 0,
    failedLines: 0,
    skipped: 0,
    accounted: false,
    firehose: { records: 0, recordBytes: 0, billedBytes: 0, calls: 0, retriedEntries: 0, throttledCalls: 0 },
    parquetObjects: 0,
    parquetBytes: 0,
    peakActivePartitions: 0,
    tables,
    unknownObjects: [],
    seconds: Math.round(seconds * 100) / 100,
  };
  let dataLines = 0;
  for (const result of results) {
    summary.lines += result.lines;
    summary.skipped += result.skippedLines;
    dataLines += result.dataLines;
    if (result.status === 'shipped') summary.objects++;
    else if (result.status === 'skipped') summary.objectsSkipped++;
    else {
      summary.objectsUnknown++;
      summary.unknownObjects.push(result.key);
    }
    if (result.status === 'shipped' && result.table !== undefined) {
      const t = (tables[result.table as TableName] ??= emptyTable());
      t.objects++;
      t.lines += result.lines;
      t.dataLines += result.dataLines;
      t.skipped += result.skippedLines;
    }
  }
  const totals = lakeTotals(streams.values());
  summary.rows = totals.rows;
  summary.errorRows = totals.errorRows;
  summary.failedRecords = totals.failedRecords;
  summary.failedLines = totals.failedLines;
  summary.parquetObjects = totals.parquetObjects;
  summary.parquetBytes = totals.parquetBytes;
  summary.peakActivePartitions = totals.peakActivePartitions;
  for (const [table, stream] of streams) {
    const s: StreamStats = stream.stats;
    if (s.recordsIn > 0) {
      const t = (tables[table] ??= emptyTable());
      t.rows = s.rows;
      t.errorRows = s.errorRows;
      t.failedRecords = s.errorRecords;
      t.failedLines = s.failedLines;
      t.parquetObjects = s.objects;
      t.parquetBytes = s.objectBytes;
    }
  }
  for (const sender of senders.values()) {
    summary.firehose.records += sender.stats.records;
    summary.firehose.recordBytes += sender.stats.bytes;
    summary.firehose.billedBytes += sender.stats.billedBytes;
    summary.firehose.calls += sender.stats.calls;
    summary.firehose.retriedEntries += sender.stats.retriedEntries;
    summary.firehose.throttledCalls += sender.stats.throttledCalls;
  }
  summary.accounted = dataLines === summary.rows + summary.errorRows + summary.failedLines;
  return summary;
}

function emptyTable(): TableSummary {
  return { objects: 0, lines: 0, dataLines: 0, skipped: 0, rows: 0, errorRows: 0, failedRecords: 0, failedLines: 0, parquetObjects: 0, parquetBytes: 0 };
}

/** Runs `work` over an async iterable with at most `limit` items in flight; the first error stops it. */
export async function forEachConcurrently<T>(items: AsyncIterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: unknown;
  for await (const item of items) {
    if (failure !== undefined) break;
    const task = work(item).catch((error: unknown) => {
      failure ??= error;
    });
    const tracked = task.finally(() => running.delete(tracked));
    running.add(tracked);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
}
