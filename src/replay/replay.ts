import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { LoghoseConfig } from '../config/config.js';
import { FIREHOSE_LIMITS, REPLAY_DEFAULTS } from '../config/limits.js';
import { createFirehoseClient } from '../ingest/firehose-client.js';
import { FirehoseSender } from '../ingest/firehose-sender.js';
import { shipObject, type ShipResult } from '../ingest/shipper.js';
import { createS3Client, parseS3Url } from '../ingest/sources.js';
import type { DeliverySink } from '../local/delivery-stream.js';
import { DiskLakeSink } from '../local/disk-sink.js';
import { forEachConcurrently } from '../local/pipeline.js';
import { streamNameOf } from '../local/local-streams.js';
import type { TableName } from '../transforms/schema.js';
import { Checkpoint, defaultCheckpointPath, type CheckpointIdentity } from './checkpoint.js';
import { isBounded, rangeBounds, type DateRange } from './key-dates.js';
import type { ListingStats, ReplayObject } from './listing.js';
import { listS3LakePartitions, overwriteLocalLake, overwriteS3Lake, type OverwriteResult } from './overwrite.js';
import { Lease, PartitionWindow, partitionHoldMs } from './partition-window.js';
import { DEFAULT_ESTIMATES, estimateObject, type VolumeEstimate } from './plan.js';
import { RateLimiter, realTime, type TimeSource } from './rate-limiter.js';
import { DirectTarget, LambdaTarget, LocalTarget, QueueTarget, type LocalLakeStats, type NotifyingTarget, type ShippingTarget } from './targets.js';

/**
 * `loghose replay … --action index`: historical objects, listed in chronological order, go to a
 * target without flooding Firehose and without being sent twice:
 *
 * - a partition window per stream keeps the active partitions (event hours) under
 *   `maxActivePartitions`; token buckets keep records/s and bytes/s under the given rates;
 * - after each object is fully delivered (direct/local: its sender flushed; queue/lambda: its
 *   message or invocation accepted) it is recorded in the checkpoint, which a re-run of the same
 *   command reads to skip it; an abort (Ctrl-C) stops taking objects, lets those in flight finish,
 *   and saves the checkpoint;
 * - direct/local ship only lines of the range (records are per event hour, so whole records are
 *   dropped); queue/lambda hand whole objects to the ingest Lambda.
 */

export type Via = 'local' | 'queue' | 'lambda' | 'direct';
export const VIAS: readonly Via[] = ['local', 'queue', 'lambda', 'direct'];

export class ReplayError extends Error {
  override name = 'ReplayError';
}

export interface ReplayClients {
  readonly s3?: S3Client;
  readonly sqs?: SQSClient;
  readonly lambda?: LambdaClient;
  readonly firehose?: FirehoseClient;
  /** For an S3 lake under --overwrite (default: the source client). */
  readonly lakeS3?: S3Client;
}

export interface ReplayObjectEvent {
  readonly object: ReplayObject;
  readonly status: 'delivered' | 'skipped' | 'unknown';
  readonly result?: ShipResult;
}

export interface ReplayOptions {
  readonly source: string;
  /** Objects to replay, in order (listed by listReplayObjects). */
  readonly objects: readonly ReplayObject[];
  readonly listing?: ListingStats;
  readonly format?: TableName;
  readonly range?: DateRange;
  readonly config: LoghoseConfig;
  readonly via: Via;
  /** `local`: the lake directory (default config.lakeDir); others: the S3 lake `--overwrite` cleans. */
  readonly lake?: string;
  readonly queueUrl?: string;
  readonly functionName?: string;
  /** Objects per Lambda invocation. @default 20 */
  readonly batchSize?: number;
  /** `direct`: the delivery stream (default `<config name>-<table>`). */
  readonly streamName?: string;
  /** @default REPLAY_DEFAULTS.maxActivePartitions */
  readonly maxActivePartitions?: number;
  /** @default the stream quota × REPLAY_DEFAULTS.quotaShare */
  readonly maxRecordsPerSecond?: number;
  readonly maxBytesPerSecond?: number;
  /** How long a partition counts as active after its last record. @default partitionHoldMs(config) */
  readonly holdMs?: number;
  /** Objects (direct/local) or batches (queue/lambda) in flight. @default 4 */
  readonly concurrency?: number;
  /** @default .loghose/replay-<hash>.json */
  readonly checkpointPath?: string;
  readonly overwrite?: boolean;
  /** Confirms deleting an S3 lake's partitions under --overwrite. */
  readonly yes?: boolean;
  readonly signal?: AbortSignal;
  readonly clients?: ReplayClients;
  /** Clock and sleep for pacing (direct, queue, lambda); the local lake runs on its own virtual clock. */
  readonly time?: TimeSource;
  /** Retry backoff sleeps (tests shorten them). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Where the local lake's streams write (default: a DiskLakeSink on `lake`). */
  readonly localSink?: DeliverySink;
  /** Volume estimates for pacing queue/lambda (default: per-format defaults). */
  readonly estimates?: ReadonlyMap<string, VolumeEstimate>;
  readonly onStart?: (info: { objects: number; bytes: number; alreadyDone: number }) => void;
  readonly onObject?: (event: ReplayObjectEvent) => void;
  readonly onOverwrite?: (result: OverwriteResult) => void;
  /** Called before each object is handed to the target (tests throw from it to simulate a crash). */
  readonly beforeObject?: (object: ReplayObject) => void;
}

export interface ReplaySummary {
  via: Via;
  source: string;
  range: DateRange;
  target: string;
  checkpoint: string;
  resumed: boolean;
  interrupted: boolean;
  objects: {
    listed: number;
    alreadyDone: number;
    /** Done before but changed since (size/ETag): sent again. */
    changed: number;
    delivered: number;
    /** Non-log objects (digests, test files) and objects of another table. */
    skipped: number;
    unknown: number;
  };
  bytes: { listed: number; delivered: number };
  /**
   * direct/local: lines read, shipped, dropped for being outside the range, and headers/blank
   * lines skipped. `undated` of the shipped ones had no readable time in their whole record: they
   * become error rows in the arrival hour's partition (Firehose's rule), which --overwrite of a
   * range does not remove.
   */
  lines: { read: number; shipped: number; outOfRange: number; skipped: number; undated: number };
  firehose: { records: number; bytes: number; billedBytes: number; calls: number; retriedEntries: number; throttledCalls: number };
  /** queue/lambda calls. */
  calls: { calls: number; retriedEntries: number; throttledCalls: number };
  window: { maxActive: number; holdSeconds: number; peakActive: number; waits: number };
  rate: { recordsPerSecond: number; bytesPerSecond: number; waitedSeconds: number };
  lake?: LocalLakeStats & { accounted: boolean };
  overwrite?: OverwriteResult;
  unknownObjects: string[];
  seconds: number;
}

/** Records/s and bytes/s a replay uses by default: a share of one stream's quota. */
export function defaultRates(): { recordsPerSecond: number; bytesPerSecond: number } {
  return {
    recordsPerSecond: Math.floor(FIREHOSE_LIMITS.quotaRecordsPerSecond * REPLAY_DEFAULTS.quotaShare),
    bytesPerSecond: Math.floor(FIREHOSE_LIMITS.quotaBytesPerSecond * REPLAY_DEFAULTS.quotaShare),
  };
}

/** What the checkpoint is keyed by: where objects come from, the range, and where they go. */
export function replayIdentity(options: Pick<ReplayOptions, 'source' | 'range' | 'via' | 'lake' | 'queueUrl' | 'functionName' | 'streamName' | 'config' | 'format'>): CheckpointIdentity {
  return { source: options.source, from: options.range?.from, to: options.range?.to, via: options.via, target: targetName(options) };
}

function targetName(options: Pick<ReplayOptions, 'via' | 'lake' | 'queueUrl' | 'functionName' | 'streamName' | 'config' | 'format'>): string {
  switch (options.via) {
    case 'local':
      return `lake:${options.lake ?? options.config.lakeDir}`;
    case 'queue':
      return `queue:${options.queueUrl ?? ''}`;
    case 'lambda':
      return `lambda:${options.functionName ?? ''}`;
    case 'direct':
      return `stream:${options.streamName ?? (options.format ? streamNameOf(options.config, options.format) : '')}`;
  }
}

export async function runReplay(options: ReplayOptions): Promise<ReplaySummary> {
  const started = performance.now();
  validate(options);
  const identity = replayIdentity(options);
  const checkpointPath = options.checkpointPath ?? defaultCheckpointPath(identity);
  const checkpoint = await Checkpoint.open(checkpointPath, identity);
  const resumingOverwrite =
    options.overwrite === true &&
    checkpoint.overwrite !== undefined &&
    !checkpoint.completed &&
    checkpoint.overwrite.from === options.range?.from &&
    checkpoint.overwrite.to === options.range?.to;

  const tables = tablesOf(options);
  const summary = emptySummary(options, identity.target, checkpointPath, checkpoint.resumed);

  // --overwrite: remove the range's partitions once per run (not again when resuming it).
  if (options.overwrite === true && !resumingOverwrite) {
    summary.overwrite = await overwriteLake(options, tables);
    checkpoint.reset();
    await checkpoint.markOverwritten({ from: options.range!.from!, to: options.range!.to!, tables, at: new Date().toISOString() });
    options.onOverwrite?.(summary.overwrite);
  }

  const todo: ReplayObject[] = [];
  for (const object of options.objects) {
    summary.objects.listed++;
    summary.bytes.listed += object.size;
    const status = checkpoint.status(object);
    if (status === 'done') summary.objects.alreadyDone++;
    else {
      if (status === 'changed') summary.objects.changed++;
      todo.push(object);
    }
  }
  await checkpoint.begin();
  options.onStart?.({ objects: todo.length, bytes: todo.reduce((s, o) => s + o.size, 0), alreadyDone: summary.objects.alreadyDone });

  const rates = defaultRates();
  const recordsPerSecond = options.maxRecordsPerSecond ?? rates.recordsPerSecond;
  const bytesPerSecond = options.maxBytesPerSecond ?? rates.bytesPerSecond;
  summary.rate.recordsPerSecond = recordsPerSecond;
  summary.rate.bytesPerSecond = bytesPerSecond;

  const context: EngineContext = {
    options,
    checkpoint,
    summary,
    todo,
    concurrency: Math.max(1, options.concurrency ?? 4),
    windows: new Map(),
    limiter: undefined as unknown as RateLimiter,
    time: options.time ?? realTime,
  };
  try {
    if (options.via === 'local' || options.via === 'direct') await runShipping(context, tables, recordsPerSecond, bytesPerSecond);
    else await runNotifying(context, recordsPerSecond, bytesPerSecond);
  } finally {
    for (const window of context.windows.values()) {
      summary.window.peakActive = Math.max(summary.window.peakActive, window.peakActive);
      summary.window.waits += window.waits;
    }
    if (context.limiter !== undefined) summary.rate.waitedSeconds = Math.round(context.limiter.waitedMs) / 1000;
    summary.interrupted = options.signal?.aborted === true;
    summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  }
  if (!summary.interrupted) await checkpoint.markCompleted();
  return summary;
}

function validate(options: ReplayOptions): void {
  if (!(VIAS as readonly string[]).includes(options.via)) throw new ReplayError(`--via must be one of ${VIAS.join(', ')}, got ${options.via}`);
  if (isBounded(options.range)) rangeBounds(options.range);
  const s3Source = parseS3Url(options.source) !== undefined;
  if ((options.via === 'queue' || options.via === 'lambda') && !s3Source) {
    throw new ReplayError(`--via ${options.via} hands S3 object references to the ingest Lambda: SOURCE must be s3://bucket/prefix`);
  }
  if (options.via === 'queue' && !options.queueUrl) throw new ReplayError('--via queue needs --queue-url URL');
  if (options.via === 'lambda' && !options.functionName) throw new ReplayError('--via lambda needs --function NAME');
  if (options.via === 'local' && options.lake !== undefined && parseS3Url(options.lake) !== undefined) {
    throw new ReplayError('--via local writes a local lake: --lake must be a directory');
  }
  if (options.overwrite === true && (options.range?.from === undefined || options.range?.to === undefined)) {
    throw new ReplayError('--overwrite needs --from and --to (the partitions to rebuild)');
  }
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1)) {
    throw new ReplayError(`--batch-size must be a positive integer, got ${options.batchSize}`);
  }
  for (const [flag, value] of [
    ['--max-active-partitions', options.maxActivePartitions],
    ['--max-records-per-second', options.maxRecordsPerSecond],
    ['--max-mib-per-second', options.maxBytesPerSecond],
    ['--concurrency', options.concurrency],
  ] as const) {
    if (value !== undefined && !(value > 0)) throw new ReplayError(`${flag} must be positive, got ${value}`);
  }
}

/** The tables the replay writes: --format, or those of the listed objects. */
function tablesOf(options: ReplayOptions): TableName[] {
  if (options.format !== undefined) return [options.format];
  return [...new Set(options.objects.map((o) => o.table).filter((t): t is TableName => t !== undefined))].sort();
}

async function overwriteLake(options: ReplayOptions, tables: readonly TableName[]): Promise<OverwriteResult> {
  const { from, to } = options.range as { from: string; to: string };
  if (options.via === 'local') return overwriteLocalLake(options.lake ?? options.config.lakeDir, tables, from, to);
  const lake = options.lake ?? (options.config.lakeBucket ? `s3://${options.config.lakeBucket}/` : undefined);
  if (lake === undefined || parseS3Url(lake) === undefined) {
    throw new ReplayError(`--overwrite with --via ${options.via} needs the S3 lake: --lake s3://bucket/prefix (or lakeBucket in the config)`);
  }
  const s3 = options.clients?.lakeS3 ?? options.clients?.s3 ?? createS3Client(options.config.region);
  if (options.yes !== true) {
    const { keys, days } = await listS3LakePartitions(s3, lake, tables, from, to);
    throw new ReplayError(
      `--overwrite would delete ${keys.length} object(s) in ${days} day partition(s) of ${tables.join(', ')} under ${lake} (${from}..${to}); add --yes to confirm`,
    );
  }
  return overwriteS3Lake(s3, lake, tables, from, to);
}

function emptySummary(options: ReplayOptions, target: string, checkpoint: string, resumed: boolean): ReplaySummary {
  return {
    via: options.via,
    source: options.source,
    range: { from: options.range?.from, to: options.range?.to },
    target,
    checkpoint,
    resumed,
    interrupted: false,
    objects: { listed: 0, alreadyDone: 0, changed: 0, delivered: 0, skipped: 0, unknown: 0 },
    bytes: { listed: 0, delivered: 0 },
    lines: { read: 0, shipped: 0, outOfRange: 0, skipped: 0, undated: 0 },
    firehose: { records: 0, bytes: 0, billedBytes: 0, calls: 0, retriedEntries: 0, throttledCalls: 0 },
    calls: { calls: 0, retriedEntries: 0, throttledCalls: 0 },
    window: { maxActive: options.maxActivePartitions ?? REPLAY_DEFAULTS.maxActivePartitions, holdSeconds: (options.holdMs ?? partitionHoldMs(options.config)) / 1000, peakActive: 0, waits: 0 },
    rate: { recordsPerSecond: 0, bytesPerSecond: 0, waitedSeconds: 0 },
    unknownObjects: [],
    seconds: 0,
  };
}

interface EngineContext {
  readonly options: ReplayOptions;
  readonly checkpoint: Checkpoint;
  readonly summary: ReplaySummary;
  /** Objects not done yet, in order. */
  readonly todo: readonly ReplayObject[];
  readonly concurrency: number;
  readonly windows: Map<string, PartitionWindow>;
  limiter: RateLimiter;
  time: TimeSource;
}

function windowFor(context: EngineContext, table: string): PartitionWindow {
  let window = context.windows.get(table);
  if (window === undefined) {
    const { options } = context;
    window = new PartitionWindow({
      maxActive: options.maxActivePartitions ?? REPLAY_DEFAULTS.maxActivePartitions,
      holdMs: options.holdMs ?? partitionHoldMs(options.config),
      time: context.time,
    });
    context.windows.set(table, window);
  }
  return window;
}

/** The objects still to do, stopping at an abort. */
async function* untilAborted(objects: readonly ReplayObject[], signal: AbortSignal | undefined): AsyncGenerator<ReplayObject> {
  for (const object of objects) {
    if (signal?.aborted) return;
    yield object;
  }
}

// ---------------------------------------------------------------------------------------------
// direct / local: the shipper in this process

/** With `--via local`, objects are checkpointed after every this many, once the streams delivered them. */
const LOCAL_CHECKPOINT_EVERY = 50;

async function runShipping(context: EngineContext, tables: readonly TableName[], recordsPerSecond: number, bytesPerSecond: number): Promise<void> {
  const { options, summary, checkpoint } = context;
  const config = options.config;
  let target: ShippingTarget;
  let only: TableName | undefined;
  if (options.via === 'direct') {
    if (tables.length !== 1) {
      throw new ReplayError(
        tables.length === 0
          ? '--via direct sends to one stream: pass --format to say which table the objects are'
          : `--via direct sends to one stream, but the source holds ${tables.join(' and ')} objects: pass --format`,
      );
    }
    only = tables[0];
    const firehose = options.clients?.firehose ?? createFirehoseClient({ region: config.region ?? process.env.AWS_REGION ?? 'us-east-1' });
    target = new DirectTarget(firehose, options.streamName ?? streamNameOf(config, only), options.time ?? realTime);
  } else {
    // With --format, objects of other tables are reported, not indexed.
    only = options.format;
    target = await LocalTarget.start(config, options.localSink ?? new DiskLakeSink(options.lake ?? config.lakeDir));
  }
  context.time = target.time;
  context.limiter = new RateLimiter([{ perSecond: recordsPerSecond }, { perSecond: bytesPerSecond }], target.time);
  const bounds = isBounded(options.range) ? { from: options.range?.from ?? '0000-00-00', to: options.range?.to ?? '9999-99-99' } : undefined;
  let dataLines = 0;
  const awaitingDelivery: ReplayObject[] = [];
  try {
    await forEachConcurrently(untilAborted(context.todo, options.signal), context.concurrency, async (object) => {
      options.beforeObject?.(object);
      const shipped = await shipOne(context, target, object, only, bounds);
      const result = shipped.result;
      summary.lines.read += result.lines;
      summary.lines.skipped += result.skippedLines;
      summary.lines.shipped += shipped.sentLines;
      summary.lines.outOfRange += shipped.outOfRangeLines;
      summary.lines.undated += shipped.undatedLines;
      dataLines += result.dataLines;
      if (result.status === 'shipped') {
        summary.objects.delivered++;
        summary.bytes.delivered += object.size;
      } else if (result.status === 'skipped') {
        summary.objects.skipped++;
      } else {
        summary.objects.unknown++;
        if (summary.unknownObjects.length < 100) summary.unknownObjects.push(object.key);
      }
      if (target instanceof LocalTarget) {
        // The local streams buffer in memory: checkpoint only what a delivery has made durable.
        awaitingDelivery.push(object);
        if (awaitingDelivery.length >= LOCAL_CHECKPOINT_EVERY) {
          const batch = awaitingDelivery.splice(0);
          await target.deliverAll();
          await checkpoint.markDone(batch, Date.now());
        }
      } else {
        // Delivered (or nothing to deliver): never again.
        await checkpoint.markDone([object], Date.now());
      }
      options.onObject?.({ object, status: result.status === 'shipped' ? 'delivered' : result.status, result });
    });
  } finally {
    await target.close();
    // close() delivered every buffer; only now are the last local objects done.
    if (awaitingDelivery.length > 0) await checkpoint.markDone(awaitingDelivery.splice(0), Date.now());
    if (target instanceof LocalTarget) {
      const lake = target.stats;
      summary.lake = { ...lake, accounted: dataLines - summary.lines.outOfRange === lake.rows + lake.errorRows + lake.failedLines };
    }
  }
}

interface Shipped {
  readonly result: ShipResult;
  readonly sentLines: number;
  readonly outOfRangeLines: number;
  /** Shipped lines of records without any readable event time. */
  readonly undatedLines: number;
}

/** Ships one object: records outside the range dropped, each paced and admitted by its stream's window. */
async function shipOne(context: EngineContext, target: ShippingTarget, object: ReplayObject, only: TableName | undefined, bounds: { from: string; to: string } | undefined): Promise<Shipped> {
  const { options, summary } = context;
  const config = options.config;
  const senders = new Map<TableName, FirehoseSender>();
  const leases = new Map<TableName, Lease>();
  let sentLines = 0;
  let outOfRangeLines = 0;
  let undatedLines = 0;
  const start = object.keyDate !== undefined ? new Date(object.keyDate.nominalStart).toISOString().slice(0, 10) : undefined;
  const home = bounds === undefined || start === undefined || (start >= bounds.from && start <= bounds.to);
  const senderFor = (table: TableName): FirehoseSender => {
    let sender = senders.get(table);
    if (sender === undefined) {
      sender = new FirehoseSender({ client: target.client, streamName: target.streamName(table), maxRetries: config.shipper.maxRetries, maxBatchBytes: config.shipper.batchMiB * 2 ** 20, sleep: options.sleep });
      senders.set(table, sender);
    }
    return sender;
  };
  const leaseFor = (table: TableName): Lease => {
    let lease = leases.get(table);
    if (lease === undefined) {
      lease = windowFor(context, table).lease();
      leases.set(table, lease);
    }
    return lease;
  };
  const body = await object.open();
  try {
    const result = await shipObject({
      key: object.key,
      body,
      table: only,
      recordBytes: config.shipper.recordKiB * 1024,
      maxBufferedBytes: config.shipper.maxBufferedMiB * 1024 * 1024,
      sink: async (record, table) => {
        if (record.partition === '') {
          // No readable event time in the whole record: Firehose files it under its arrival hour.
          // Under a range it goes with the replay whose range holds the object's usual start, so
          // that adjacent ranges send it once.
          if (bounds !== undefined && !home) {
            outOfRangeLines += record.lines;
            return;
          }
          undatedLines += record.lines;
        } else if (bounds !== undefined) {
          const dt = record.partition.slice(0, 10);
          if (dt < bounds.from || dt > bounds.to) {
            outOfRangeLines += record.lines;
            return;
          }
        }
        const sender = senderFor(table);
        const lease = leaseFor(table);
        await context.limiter.take([1, record.data.length]);
        await windowFor(context, table).acquire(record.partition || 'unknown', lease, async () => {
          if (lease.partitions.size === 0) return false;
          await sender.flush();
          lease.release();
          return true;
        });
        await sender.put(record.data);
        sentLines += record.lines;
      },
    });
    for (const sender of senders.values()) await sender.flush();
    return { result, sentLines, outOfRangeLines, undatedLines };
  } catch (error) {
    (body as { destroy?: () => void }).destroy?.();
    for (const sender of senders.values()) await sender.abandon().catch(() => undefined);
    throw error;
  } finally {
    for (const lease of leases.values()) lease.release();
    for (const sender of senders.values()) {
      summary.firehose.records += sender.stats.records;
      summary.firehose.bytes += sender.stats.bytes;
      summary.firehose.billedBytes += sender.stats.billedBytes;
      summary.firehose.calls += sender.stats.calls;
      summary.firehose.retriedEntries += sender.stats.retriedEntries;
      summary.firehose.throttledCalls += sender.stats.throttledCalls;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// queue / lambda: object references to the deployed ingest Lambda

interface Batch {
  objects: ReplayObject[];
  leases: Lease[];
}

async function runNotifying(context: EngineContext, recordsPerSecond: number, bytesPerSecond: number): Promise<void> {
  const { options, summary, checkpoint } = context;
  const config = options.config;
  const { bucket } = parseS3Url(options.source)!;
  const region = config.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const retry = { maxRetries: config.shipper.maxRetries, sleep: options.sleep };
  const target: NotifyingTarget =
    options.via === 'queue'
      ? new QueueTarget(options.clients?.sqs ?? new SQSClient({ region }), options.queueUrl!, bucket, retry)
      : new LambdaTarget(options.clients?.lambda ?? new LambdaClient({ region }), options.functionName!, bucket, options.batchSize ?? 20, region, retry);
  context.limiter = new RateLimiter([{ perSecond: recordsPerSecond }, { perSecond: bytesPerSecond }], context.time);
  const recordBytes = config.shipper.recordKiB * 1024;

  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let batch: Batch = { objects: [], leases: [] };
  const releaseAll = (b: Batch) => {
    for (const lease of b.leases) lease.release();
  };
  /** Sends a batch (waiting for a free slot first); the returned promise settles when it is done. */
  const dispatch = async (b: Batch): Promise<Promise<void>> => {
    while (inFlight.size >= context.concurrency) await Promise.race(inFlight);
    const work = (async () => {
      let outcome;
      try {
        outcome = await target.send(b.objects);
      } finally {
        releaseAll(b);
      }
      if (outcome.delivered.length > 0) {
        await checkpoint.markDone(outcome.delivered, Date.now());
        for (const object of outcome.delivered) {
          summary.objects.delivered++;
          summary.bytes.delivered += object.size;
          options.onObject?.({ object, status: 'delivered' });
        }
      }
      if (outcome.error !== undefined) throw outcome.error;
    })().catch((error: unknown) => {
      failure ??= error;
    });
    const tracked = work.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return tracked;
  };
  const sendCurrent = async (): Promise<boolean> => {
    if (batch.objects.length === 0) return false;
    const b = batch;
    batch = { objects: [], leases: [] };
    await (await dispatch(b));
    return true;
  };

  try {
    for (const object of context.todo) {
      if (options.signal?.aborted || failure !== undefined) break;
      options.beforeObject?.(object);
      const table = object.table ?? 'unknown';
      const volume = options.estimates?.get(table) ?? DEFAULT_ESTIMATES[table as TableName] ?? { uncompressedPerByte: 1, lineBytes: 500 };
      const estimate = estimateObject(object, volume, recordBytes);
      await context.limiter.take([estimate.records, estimate.bytes]);
      const window = windowFor(context, table);
      const lease = window.lease();
      try {
        await window.acquireAll(estimate.hours.length > 0 ? estimate.hours : ['unknown'], lease, sendCurrent);
      } catch (error) {
        lease.release();
        throw error;
      }
      if (failure !== undefined) {
        lease.release();
        break;
      }
      if (!target.fits(batch.objects, object)) await sendCurrent().then(() => undefined);
      batch.objects.push(object);
      batch.leases.push(lease);
      if (batch.objects.length >= target.batchSize) {
        const full = batch;
        batch = { objects: [], leases: [] };
        await dispatch(full);
      }
    }
    if (failure === undefined && !options.signal?.aborted && batch.objects.length > 0) await dispatch(batch);
    else releaseAll(batch);
  } finally {
    await Promise.all(inFlight);
    summary.calls = { ...target.stats };
  }
  if (failure !== undefined) throw failure;
}
