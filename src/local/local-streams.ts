import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { createFirehoseClient } from '../ingest/firehose-client.js';
import type { LoghoseConfig } from '../config/config.js';
import { formatOf } from '../transforms/registry.js';
import { TABLE_NAMES, type TableName } from '../transforms/schema.js';
import type { Clock } from './clock.js';
import { LocalDeliveryStream, type DeliverySink, type TransformInvoker } from './delivery-stream.js';
import type { ProcessorPool } from './processor-pool.js';

/** The delivery stream name of a table: `<config name>-<table>`, as the CDK stack names it. */
export function streamNameOf(config: LoghoseConfig, table: TableName): string {
  return `${config.name}-${table}`;
}

export interface LocalStreamsOptions {
  readonly config: LoghoseConfig;
  readonly sink: DeliverySink;
  readonly clock?: Clock;
  readonly transformFor?: (table: TableName) => TransformInvoker | undefined;
  /** Worker threads that run the processor invocations (a `transformFor` transform still runs in this thread). */
  readonly pool?: ProcessorPool;
  /** Local-only cap on the bytes a stream buffers (on disk) across its partitions. @default 512 MiB */
  readonly maxBufferedBytesPerStream?: number;
  /** Objects a stream writes at once. @default 1 */
  readonly concurrentDeliveries?: number;
  /** Objects a stream queues (on disk) or writes while it goes on transforming. @default 4 */
  readonly queuedDeliveries?: number;
}

/** One local delivery stream per table, configured from `loghose.config.json` like the CDK stack. */
export function createLocalStreams(options: LocalStreamsOptions): Map<TableName, LocalDeliveryStream> {
  const { config } = options;
  const streams = new Map<TableName, LocalDeliveryStream>();
  for (const table of TABLE_NAMES) {
    const transform = options.transformFor?.(table);
    streams.set(
      table,
      new LocalDeliveryStream({
        name: streamNameOf(config, table),
        format: formatOf(table),
        sink: options.sink,
        clock: options.clock,
        region: config.region,
        processor: {
          sizeBytes: config.processor.bufferSizeMiB * 1024 * 1024,
          intervalMs: config.processor.bufferIntervalSeconds * 1000,
          retries: config.processor.retries,
        },
        buffering: { sizeBytes: config.buffering.sizeMiB * 1024 * 1024, intervalMs: config.buffering.intervalSeconds * 1000 },
        maxActivePartitions: config.maxActivePartitions,
        maxBufferedBytes: options.maxBufferedBytesPerStream ?? 512 * 1024 * 1024,
        concurrentDeliveries: options.concurrentDeliveries ?? 1,
        queuedDeliveries: options.queuedDeliveries ?? 4,
        transform,
        invoker: transform === undefined ? options.pool?.invoker(table) : undefined,
        // With workers: invocations queued for them while this thread goes on accepting records.
        concurrentInvocations: options.pool ? Math.max(4, 4 * options.pool.size) : 1,
      }),
    );
  }
  return streams;
}

/**
 * A Firehose client for the local endpoint. One attempt per call: the shipper's sender does the
 * retrying (with backoff), as it does against AWS.
 */
export function localFirehoseClient(endpointUrl: string, config: LoghoseConfig): FirehoseClient {
  return createFirehoseClient({
    endpoint: endpointUrl,
    region: config.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The local endpoint checks no signatures: skip SigV4, which hashes every 4 MiB request body.
    signer: { sign: async (request) => request },
    maxAttempts: 1,
  });
}

export interface LakeTotals {
  rows: number;
  errorRows: number;
  failedLines: number;
  failedRecords: number;
  partitionExceededRecords: number;
  parquetObjects: number;
  parquetBytes: number;
  /** Most partitions open at once in any one stream. */
  peakActivePartitions: number;
}

/** What the streams delivered, summed over tables. */
export function lakeTotals(streams: Iterable<LocalDeliveryStream>): LakeTotals {
  const totals: LakeTotals = {
    rows: 0,
    errorRows: 0,
    failedLines: 0,
    failedRecords: 0,
    partitionExceededRecords: 0,
    parquetObjects: 0,
    parquetBytes: 0,
    peakActivePartitions: 0,
  };
  for (const { stats } of streams) {
    totals.rows += stats.rows;
    totals.errorRows += stats.errorRows;
    totals.failedLines += stats.failedLines;
    totals.failedRecords += stats.errorRecords;
    totals.partitionExceededRecords += stats.partitionExceededRecords;
    totals.parquetObjects += stats.objects;
    totals.parquetBytes += stats.objectBytes;
    totals.peakActivePartitions = Math.max(totals.peakActivePartitions, stats.peakActivePartitions);
  }
  return totals;
}
