import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type LoghoseConfig } from '../../config/config.js';
import { REPLAY_DEFAULTS } from '../../config/limits.js';
import { parseS3Url } from '../../ingest/sources.js';
import { CheckpointError } from '../../replay/checkpoint.js';
import { describeMargins, rangeBounds, type DateRange } from '../../replay/key-dates.js';
import { ListingError, emptyListingStats, listReplayObjects, type ListingStats, type ReplayObject } from '../../replay/listing.js';
import { buildPlan, sampleEstimates, type ReplayPlan } from '../../replay/plan.js';
import { partitionHoldMs } from '../../replay/partition-window.js';
import { ReplayError, VIAS, defaultRates, runReplay, type ReplayClients, type ReplaySummary, type Via } from '../../replay/replay.js';
import { TABLE_NAMES, isTableName, type TableName } from '../../transforms/schema.js';
import { UserError } from '../errors.js';
import { formatBytes, textTable } from '../output.js';
import { createProgress, formatDuration } from '../progress.js';

export interface ReplayCommandOptions {
  readonly format?: string;
  readonly from?: string;
  readonly to?: string;
  readonly action?: string;
  readonly via?: string;
  readonly lake?: string;
  readonly queueUrl?: string;
  readonly function?: string;
  readonly batchSize?: number;
  readonly stream?: string;
  readonly maxActivePartitions?: number;
  readonly maxRecordsPerSecond?: number;
  readonly maxMibPerSecond?: number;
  readonly partitionHoldSeconds?: number;
  readonly concurrency?: number;
  readonly checkpoint?: string;
  readonly overwrite?: boolean;
  readonly yes?: boolean;
  readonly sample?: number;
  readonly keys?: boolean;
  readonly config?: string;
  readonly json?: boolean;
}

export interface ReplayCommandDeps {
  readonly clients?: ReplayClients;
  readonly signal?: AbortSignal;
  readonly config?: LoghoseConfig;
  readonly write?: (text: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

const KEYS_SHOWN = 200;

/** Lists SOURCE for the range and prints the plan (`print`) or indexes it (`index`). */
export async function replayCommand(source: string, options: ReplayCommandOptions, deps: ReplayCommandDeps = {}): Promise<{ plan?: ReplayPlan; summary?: ReplaySummary }> {
  const config = deps.config ?? loadConfig(options.config);
  const write = deps.write ?? ((text: string) => void process.stdout.write(text));
  const action = options.action ?? 'print';
  if (action !== 'print' && action !== 'index') throw new UserError(`--action must be print or index, got ${JSON.stringify(action)}`, 2);
  const via = (options.via ?? 'local') as Via;
  if (!VIAS.includes(via)) throw new UserError(`--via must be one of ${VIAS.join(', ')}, got ${JSON.stringify(options.via)}`, 2);
  let format: TableName | undefined;
  if (options.format !== undefined && options.format !== 'auto') {
    if (!isTableName(options.format)) throw new UserError(`unknown format ${JSON.stringify(options.format)} (expected one of ${TABLE_NAMES.join(', ')})`, 2);
    format = options.format;
  }
  const range: DateRange = { from: options.from, to: options.to };
  try {
    rangeBounds(range);
  } catch (error) {
    throw new UserError((error as Error).message, 2);
  }

  const listing = emptyListingStats();
  const objects = await listAll(source, format, range, listing, deps.clients);
  // Estimates serve the dry run and the pacing of queue/lambda (direct/local measure what they send).
  const sampled = action === 'print' || via === 'queue' || via === 'lambda' ? (options.sample ?? 3) : 0;
  const estimates = await sampleEstimates(objects, {
    objects: sampled,
    recordBytes: config.shipper.recordKiB * 1024,
    maxBufferedBytes: config.shipper.maxBufferedMiB * 1024 * 1024,
  });
  const holdMs = options.partitionHoldSeconds !== undefined ? options.partitionHoldSeconds * 1000 : partitionHoldMs(config);
  const maxActivePartitions = options.maxActivePartitions ?? REPLAY_DEFAULTS.maxActivePartitions;

  if (action === 'print') {
    const plan = buildPlan(objects, { source, format, range, config, maxActivePartitions, holdMs, estimates, listing });
    write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : planText(plan, options.keys === true));
    return { plan };
  }

  const progress = createProgress(!options.json && process.stderr.isTTY === true);
  const controller = new AbortController();
  const signal = deps.signal ?? controller.signal;
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nloghose: stopping after the objects in flight (Ctrl-C again to quit now)…\n');
    controller.abort();
  };
  if (deps.signal === undefined) process.on('SIGINT', onSigint);
  let summary: ReplaySummary;
  try {
    summary = await runReplay({
      source,
      objects,
      listing,
      format,
      range,
      config,
      via,
      lake: options.lake,
      queueUrl: options.queueUrl,
      functionName: options.function,
      batchSize: options.batchSize,
      streamName: options.stream,
      maxActivePartitions,
      maxRecordsPerSecond: options.maxRecordsPerSecond,
      maxBytesPerSecond: options.maxMibPerSecond !== undefined ? options.maxMibPerSecond * 1024 * 1024 : undefined,
      holdMs,
      concurrency: options.concurrency,
      checkpointPath: options.checkpoint,
      overwrite: options.overwrite,
      yes: options.yes,
      signal,
      clients: deps.clients,
      sleep: deps.sleep,
      estimates,
      onOverwrite: (result) => {
        if (!options.json) process.stderr.write(`overwrite: removed ${result.objects} object(s) (${formatBytes(result.bytes)}) of ${result.tables.join(', ')} in ${result.lake}\n`);
      },
      onStart: (info) => progress.start(info.objects, 'objects', info.bytes),
      onObject: (event) => progress.increment(1, event.object.key, event.object.size),
    });
  } catch (error) {
    if (error instanceof ReplayError || error instanceof CheckpointError) throw new UserError(error.message);
    throw error;
  } finally {
    progress.stop();
    if (deps.signal === undefined) process.off('SIGINT', onSigint);
  }
  write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : summaryText(summary));
  if (summary.interrupted) throw new UserError(`interrupted; run the same command again to resume (checkpoint ${summary.checkpoint})`, 130);
  if (summary.lake !== undefined && !summary.lake.accounted) throw new UserError('some lines are not accounted for (see the summary)');
  return { summary };
}

async function listAll(source: string, format: TableName | undefined, range: DateRange, stats: ListingStats, clients?: ReplayClients): Promise<ReplayObject[]> {
  const objects: ReplayObject[] = [];
  try {
    for await (const object of listReplayObjects({ source, format, range, stats, s3: clients?.s3 })) objects.push(object);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`source ${source} does not exist`);
    if (error instanceof ListingError || error instanceof RangeError) throw new UserError(error.message, 2);
    throw new UserError(`cannot list ${source}: ${(error as Error).message}`);
  }
  return objects;
}

function money(dollars: number): string {
  return dollars < 0.01 && dollars > 0 ? `$${dollars.toFixed(4)}` : `$${dollars.toFixed(2)}`;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function planText(plan: ReplayPlan, allKeys: boolean): string {
  const lines: string[] = [];
  const range = plan.range.from !== undefined || plan.range.to !== undefined ? `${plan.range.from ?? '…'} .. ${plan.range.to ?? '…'}` : 'all dates';
  lines.push(`replay plan for ${plan.source} (${range}${plan.format ? `, ${plan.format}` : ''}): dry run, nothing sent`);
  if (plan.objects.length > 0) {
    const shown = allKeys ? plan.objects : plan.objects.slice(0, KEYS_SHOWN);
    lines.push('', textTable(shown.map((o) => ({ key: o.key, size: formatBytes(o.size), 'key time': o.keyTime ?? '', table: o.table ?? '?' }))));
    if (shown.length < plan.objects.length) lines.push(`… and ${plan.objects.length - shown.length} more keys (--keys lists them all, --json gives every detail)`);
  }
  if (plan.days.length > 0) {
    lines.push(
      '',
      textTable(
        plan.days.map((d) => ({
          day: d.day || '(undated)',
          objects: d.objects,
          size: formatBytes(d.bytes),
          'est. shipped': formatBytes(d.estimatedBytes),
          'est. lines': count(d.estimatedLines),
          'est. records': count(d.estimatedRecords),
          partitions: d.partitions,
        })),
      ),
    );
  }
  const t = plan.totals;
  lines.push(
    '',
    `total: ${count(t.objects)} objects, ${formatBytes(t.bytes)} stored → ~${formatBytes(t.estimatedBytes)} shipped, ~${count(t.estimatedLines)} lines in ~${count(t.estimatedRecords)} records of ${formatBytes(plan.recordBytes)} (billed as ${formatBytes(t.billedBytes)})`,
  );
  const p = plan.partitions;
  lines.push(
    `partitions: ~${count(p.estimated)} event-hour partitions; the window keeps ≤ ${p.maxActive} active (each held ${p.holdSeconds}s after its last record)` +
      (p.windows > 1 ? `: ${p.windows} windows, at least ${formatDuration(p.minimumSeconds)}` : ''),
  );
  const c = plan.cost;
  lines.push(
    `Firehose cost of indexing: ingestion ${money(c.ingestion)} + format conversion ${money(c.formatConversion)} + dynamic partitioning ${money(c.dynamicPartitioning)} (~${count(c.deliveredObjects)} objects) = ${money(c.total)} (price table: src/config/prices.ts)`,
  );
  const estimates = Object.entries(plan.estimates).map(
    ([table, e]) => `${table || '?'}: ${e.method === 'sampled' ? `${e.sampledObjects} sampled object(s)` : 'defaults'}, ${e.uncompressedPerByte.toFixed(1)}× stored size, ~${Math.round(e.lineBytes)} B/line`,
  );
  if (estimates.length > 0) lines.push(`estimates: ${estimates.join('; ')}`);
  if (plan.listing !== undefined) {
    const l = plan.listing;
    lines.push(
      `listing: ${l.listCalls} ListObjectsV2 call(s), ${l.keysListed} key(s) listed, ${l.outOfRange} out of range, ${l.undated} undated, ${l.otherFormat} of other formats` +
        (l.strategies.length > 0 ? ` — ${l.strategies.join('; ')}` : ''),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function summaryText(s: ReplaySummary): string {
  const o = s.objects;
  const lines = [
    `replay via ${s.via} → ${s.target}: ${o.delivered} object(s) delivered (${formatBytes(s.bytes.delivered)}), ${o.alreadyDone} already done, ${o.changed} changed since, ${o.skipped} non-log, ${o.unknown} unknown in ${s.seconds}s${s.interrupted ? ' — INTERRUPTED' : ''}`,
  ];
  if (s.via === 'local' || s.via === 'direct') {
    lines.push(
      `lines: ${s.lines.read} read, ${s.lines.shipped} shipped (${s.lines.undated} without a readable time: error rows in the arrival hour), ${s.lines.outOfRange} outside the range (dropped), ${s.lines.skipped} headers/blank`,
    );
    const f = s.firehose;
    lines.push(`Firehose: ${f.records} records (${formatBytes(f.bytes)}, billed as ${formatBytes(f.billedBytes)}) in ${f.calls} PutRecordBatch call(s), ${f.retriedEntries} retried`);
  } else {
    lines.push(`${s.via === 'queue' ? 'SendMessageBatch' : 'Invoke'}: ${s.calls.calls} call(s), ${s.calls.retriedEntries} entries retried, ${s.calls.throttledCalls} throttled`);
  }
  lines.push(
    `window: peak ${s.window.peakActive} of ${s.window.maxActive} active partitions (held ${s.window.holdSeconds}s), ${s.window.waits} wait(s); rate ≤ ${count(s.rate.recordsPerSecond)} records/s, ≤ ${formatBytes(s.rate.bytesPerSecond)}/s, ${s.rate.waitedSeconds}s waited`,
  );
  if (s.lake !== undefined) {
    const l = s.lake;
    lines.push(
      `lake: ${l.rows} rows, ${l.errorRows} error rows, ${l.failedLines} lines in ${l.failedRecords} error records, ${l.parquetObjects} Parquet objects (${formatBytes(l.parquetBytes)}), peak ${l.peakActivePartitions} active partitions; every line accounted for: ${l.accounted ? 'yes' : 'NO'}`,
    );
  }
  if (s.overwrite !== undefined) lines.push(`overwrite: removed ${s.overwrite.objects} object(s) in ${s.overwrite.days} partition day(s) of ${s.overwrite.tables.join(', ')}`);
  if (s.unknownObjects.length > 0) lines.push(`unknown objects: ${s.unknownObjects.slice(0, 5).join(', ')}${s.unknownObjects.length > 5 ? ', …' : ''}`);
  lines.push(`checkpoint: ${s.checkpoint}`);
  return `${lines.join('\n')}\n`;
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer`);
    return n;
  };
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a positive number`);
    return n;
  };
}

function nonNegativeInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a non-negative integer`);
    return n;
  };
}

export function registerReplay(program: Command): void {
  const rates = defaultRates();
  program
    .command('replay')
    .description('replay historical log objects (by prefix and date range) into their event-time partitions: dry run, or index via the local lake, the ingest queue, the ingest Lambda, or a Firehose stream')
    .argument('<source>', 's3://bucket/prefix or a local directory')
    .option('-f, --format <format>', `the log format (detected from keys when omitted): ${TABLE_NAMES.join(', ')}`)
    .option('--from <YYYY-MM-DD>', 'first event day (UTC, inclusive)')
    .option('--to <YYYY-MM-DD>', 'last event day (UTC, inclusive)')
    .option('-a, --action <action>', 'print (dry run: keys, sizes, estimates, cost) or index', 'print')
    .option('--via <target>', `index into: ${VIAS.join(' | ')}`, 'local')
    .option('-l, --lake <dir|s3://bucket/prefix>', 'local: the lake directory (default lakeDir from the config); others: the S3 lake for --overwrite')
    .option('--queue-url <url>', 'queue: the ingest queue')
    .option('--function <name>', 'lambda: the ingest function')
    .option('--batch-size <n>', 'lambda: objects per invocation', positiveInt('--batch-size'), 20)
    .option('--stream <name>', 'direct: the delivery stream (default <name>-<table>)')
    .option('--max-active-partitions <n>', 'active partitions per stream', positiveInt('--max-active-partitions'), REPLAY_DEFAULTS.maxActivePartitions)
    .option('--max-records-per-second <n>', `records/s (default ${rates.recordsPerSecond})`, positiveNumber('--max-records-per-second'))
    .option('--max-mib-per-second <n>', `MiB/s (default ${rates.bytesPerSecond / 1024 / 1024})`, positiveNumber('--max-mib-per-second'))
    .option('--partition-hold-seconds <s>', 'how long a partition counts as active after its last record (default from the buffering config)', positiveNumber('--partition-hold-seconds'))
    .option('--concurrency <n>', 'objects (direct/local) or batches (queue/lambda) in flight', positiveInt('--concurrency'), 4)
    .option('--checkpoint <file>', 'progress file (default .loghose/replay-<hash>.json)')
    .option('--overwrite', "first remove the lake's partitions of the range for the table(s)")
    .option('--yes', 'confirm deleting S3 lake partitions with --overwrite')
    .option('--sample <n>', 'objects read per table to calibrate estimates', nonNegativeInt('--sample'), 3)
    .option('--keys', 'print: list every key (default: the first 200)')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print the plan or the summary as JSON')
    .addHelpText(
      'after',
      `
Objects are chosen by the dates in their keys (no object is read to list them): an object is
replayed when the interval its events can lie in — its key time widened by the layout's margin
(${describeMargins()}) — overlaps --from 00:00 .. --to 24:00 UTC.
With --via local and direct, lines outside the range are dropped, so adjacent ranges index each
event once; queue and lambda hand whole objects to the ingest Lambda. Objects go in chronological
order; a re-run of the same command skips what its checkpoint records as delivered; Ctrl-C stops
after the objects in flight.`,
    )
    .action(async (source: string, options: ReplayCommandOptions) => {
      if (parseS3Url(source) === undefined && source.startsWith('s3:')) throw new UserError(`bad S3 URL ${source} (expected s3://bucket/prefix)`, 2);
      await replayCommand(source, options);
    });
}
