import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type LoghoseConfig } from '../../config/config.js';
import { withPrices } from '../../config/prices.js';
import { TABLE_NAMES, isTableName, type TableName } from '../../transforms/schema.js';
import { renderChart } from '../../tuning/chart.js';
import { MAX_METRIC_DAYS, loadStreamTraffic } from '../../tuning/cloudwatch-traffic.js';
import { DEFAULT_COST_ASSUMPTIONS } from '../../tuning/cost-model.js';
import { settingProblem } from '../../tuning/grid.js';
import { renderText, reportJson } from '../../tuning/report.js';
import { loadSampleTraffic, type ArrivalModel } from '../../tuning/sample-traffic.js';
import { scaleTraffic, type Traffic } from '../../tuning/traffic.js';
import {
  DEFAULT_MAX_LATENCY_SECONDS,
  DEFAULT_MIN_FILE_MIB,
  PARQUET_SLICE_BYTES,
  referenceProfile,
  runTuning,
  withParquetRatios,
  type TuningReport,
} from '../../tuning/tuning.js';
import { UserError } from '../errors.js';
import { createProgress } from '../progress.js';

export interface TuneOptions {
  readonly sample?: string[];
  readonly stream?: string;
  readonly days?: string;
  readonly table?: string;
  readonly region?: string;
  readonly maxLatency?: string;
  readonly minFileMib?: string;
  readonly scale?: string;
  readonly arrival?: string;
  readonly lag?: string;
  readonly parquetRatio?: string;
  readonly expansion?: string;
  readonly lambdaMbps?: string;
  readonly processorMib?: string;
  readonly queriesPerMonth?: string;
  readonly sizes?: string;
  readonly intervals?: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly chart?: string;
}

export interface TuneDependencies {
  /** CloudWatch client for `--stream` (tests pass a mocked one). */
  readonly cloudwatch?: CloudWatchClient;
  readonly now?: Date;
}

function positive(name: string, value: string | undefined, fallback: number, options: { integer?: boolean; max?: number; zero?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const ok = Number.isFinite(n) && (options.zero ? n >= 0 : n > 0) && (!options.integer || Number.isInteger(n)) && (options.max === undefined || n <= options.max);
  if (!ok) {
    const what = `${options.integer ? 'a whole number' : 'a number'} ${options.zero ? '≥ 0' : '> 0'}${options.max !== undefined ? ` and ≤ ${options.max}` : ''}`;
    throw new UserError(`${name} must be ${what}, got ${JSON.stringify(value)}`, 2);
  }
  return n;
}

function list(name: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const values = value.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) throw new UserError(`${name} must be a comma-separated list of numbers, got ${JSON.stringify(value)}`, 2);
  return values;
}

/** The table a stream serves: `--table`, or the `-<table>` its name ends with (`<config name>-<table>`, as the stack names it). */
export function tableOfStream(streamName: string, table?: string): TableName {
  if (table !== undefined) {
    if (!isTableName(table)) throw new UserError(`unknown table ${JSON.stringify(table)} (expected one of ${TABLE_NAMES.join(', ')})`, 2);
    return table;
  }
  const match = [...TABLE_NAMES].sort((a, b) => b.length - a.length).find((t) => streamName.endsWith(`-${t}`));
  if (match === undefined) throw new UserError(`cannot tell the table of stream ${streamName}: pass --table (one of ${TABLE_NAMES.join(', ')})`, 2);
  return match;
}

async function sampleTraffic(options: TuneOptions, config: LoghoseConfig, lagMs: number, parquetRatio: number | undefined): Promise<Traffic> {
  const arrival = (options.arrival ?? 'object') as ArrivalModel;
  if (arrival !== 'object' && arrival !== 'line') throw new UserError(`--arrival must be object or line, got ${JSON.stringify(options.arrival)}`, 2);
  for (const path of options.sample ?? []) {
    if (path.startsWith('s3://')) continue;
    if ((await stat(path).catch(() => undefined)) === undefined) throw new UserError(`sample ${path} does not exist`);
  }
  const progress = createProgress(!options.json && process.stderr.isTTY === true);
  let sample;
  try {
    sample = await loadSampleTraffic({
      paths: options.sample ?? [],
      arrival,
      lagMs,
      recordBytes: config.shipper.recordKiB * 1024,
      maxBufferedBytes: config.shipper.maxBufferedMiB * 1024 * 1024,
      sliceBytes: parquetRatio === undefined ? PARQUET_SLICE_BYTES : 0,
      onListed: (n) => progress.start(n, 'objects'),
      onObject: (key) => progress.increment(1, key),
    });
  } finally {
    progress.stop();
  }
  if (sample.streams.length === 0) throw new UserError(`no log records in ${(options.sample ?? []).join(', ')}`);
  if (sample.endMs - sample.startMs < 60_000) throw new UserError('the sample covers less than a minute of events; give a longer sample');
  return withParquetRatios(sample, parquetRatio);
}

async function streamTraffic(options: TuneOptions, config: LoghoseConfig, lagMs: number, parquetRatio: number | undefined, deps: TuneDependencies): Promise<Traffic> {
  const streamName = options.stream!;
  const table = tableOfStream(streamName, options.table);
  const days = positive('--days', options.days, 7, { max: MAX_METRIC_DAYS });
  const expansion = options.expansion === undefined ? undefined : positive('--expansion', options.expansion, 1);
  // What the metrics cannot say comes from generated logs of the table, unless every piece is given.
  const needsReference = expansion === undefined || parquetRatio === undefined || options.lambdaMbps === undefined;
  const reference = needsReference ? await referenceProfile(table, config) : { expansionMean: expansion, expansionMax: expansion };
  const profile = {
    ...reference,
    ...(expansion === undefined ? {} : { expansionMean: expansion, expansionMax: expansion }),
    ...(parquetRatio === undefined ? {} : { parquetRatio, parquetRatioSource: 'given' }),
  };
  const client = deps.cloudwatch ?? new CloudWatchClient({ region: options.region ?? config.region ?? process.env.AWS_REGION ?? 'us-east-1' });
  let traffic: Traffic;
  try {
    traffic = await loadStreamTraffic({
      client,
      streamName,
      days,
      end: deps.now,
      table,
      profile,
      lagMs,
      itemBytes: config.shipper.recordKiB * 1024,
      maxRecordBytes: config.shipper.recordKiB * 1024,
    });
  } catch (error) {
    throw new UserError(`cannot read the CloudWatch metrics of ${streamName}: ${(error as Error).message}`);
  } finally {
    if (deps.cloudwatch === undefined) client.destroy();
  }
  if (traffic.streams[0].records.length === 0) throw new UserError(`stream ${streamName} had no incoming records in the last ${days} day(s)`);
  return {
    ...traffic,
    notes: [
      ...traffic.notes,
      `JSON expansion ${expansion === undefined ? `${profile.expansionMean.toFixed(2)}× (measured on generated ${table} logs; --expansion to set)` : `${expansion}× (given)`}`,
    ],
  };
}

/** Runs `loghose tune`: returns the report and what the command prints. */
export async function runTuneCommand(options: TuneOptions, deps: TuneDependencies = {}, config: LoghoseConfig = loadConfig(options.config)): Promise<{ report: TuningReport; output: string }> {
  const hasSample = options.sample !== undefined && options.sample.length > 0;
  if (hasSample === (options.stream !== undefined)) throw new UserError('give exactly one of --sample DIR|FILES and --stream NAME', 2);
  const maxLatencySeconds = positive('--max-latency', options.maxLatency, DEFAULT_MAX_LATENCY_SECONDS);
  const minFileMiB = positive('--min-file-mib', options.minFileMib, DEFAULT_MIN_FILE_MIB, { zero: true });
  const scale = positive('--scale', options.scale, 1);
  const lagMs = positive('--lag', options.lag, 60, { zero: true }) * 1000;
  const parquetRatio = options.parquetRatio === undefined ? undefined : positive('--parquet-ratio', options.parquetRatio, 1, { max: 10 });
  const lambdaMbps = options.lambdaMbps === undefined ? undefined : positive('--lambda-mbps', options.lambdaMbps, 1);
  const queriesPerMonth = positive('--queries-per-month', options.queriesPerMonth, DEFAULT_COST_ASSUMPTIONS.athenaQueriesPerMonth, { zero: true });
  const processorMiB = options.processorMib === undefined ? undefined : positive('--processor-mib', options.processorMib, 1, { max: 3 });
  const sizesMiB = list('--sizes', options.sizes);
  const intervalsSeconds = list('--intervals', options.intervals);
  for (const size of sizesMiB ?? [64]) {
    for (const interval of intervalsSeconds ?? [60]) {
      const problem = settingProblem(size, interval);
      if (problem !== undefined) throw new UserError(problem, 2);
    }
  }
  if (options.chart !== undefined && !/\.(svg|html?)$/i.test(options.chart)) throw new UserError('--chart must name a .svg or .html file', 2);

  let traffic = hasSample ? await sampleTraffic(options, config, lagMs, parquetRatio) : await streamTraffic(options, config, lagMs, parquetRatio, deps);
  traffic = scaleTraffic(traffic, scale);
  const report = runTuning({
    traffic,
    config,
    constraints: { maxLatencySeconds, minFileMiB },
    sizesMiB,
    intervalsSeconds,
    processorMiB,
    parquetRatio,
    lambdaBytesPerSecond: lambdaMbps === undefined ? undefined : lambdaMbps * 1e6,
    prices: withPrices({}),
    assumptions: { ...DEFAULT_COST_ASSUMPTIONS, athenaQueriesPerMonth: queriesPerMonth },
  });
  if (options.chart !== undefined) {
    await mkdir(dirname(options.chart), { recursive: true });
    await writeFile(options.chart, renderChart(report, options.chart)!);
  }
  const output = options.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : renderText(report) + (options.chart !== undefined ? `\nchart: ${options.chart}\n` : '');
  return { report, output };
}

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('simulate Firehose buffer settings on your traffic (sample logs or a stream\'s CloudWatch metrics): latency, files, cost; recommend one')
    .option('--sample <paths...>', 'sample log files or directories (or s3:// prefixes); arrival taken from event times')
    .option('--stream <name>', 'a deployed delivery stream: IncomingBytes/IncomingRecords per minute from CloudWatch')
    .option('--days <n>', `days of CloudWatch metrics (--stream; up to ${MAX_METRIC_DAYS})`, '7')
    .option('--table <table>', `the stream's table (--stream; default: from its name, <name>-<table>)`)
    .option('--region <region>', 'AWS region of the stream (default: config region, AWS_REGION, us-east-1)')
    .option('--max-latency <seconds>', 'latency limit, p99 from arrival to object delivered', String(DEFAULT_MAX_LATENCY_SECONDS))
    .option('--min-file-mib <MiB>', 'file-size floor: median object, estimated Parquet', String(DEFAULT_MIN_FILE_MIB))
    .option('--scale <x>', 'multiply the traffic (what at 10×?)', '1')
    .option('--arrival <model>', 'object: an object\'s records arrive at its last event time; line: at each record\'s newest line', 'object')
    .option('--lag <seconds>', 'delay from event time to Firehose (log delivery, S3 event, Lambda)', '60')
    .option('--parquet-ratio <r>', 'Parquet bytes per JSON byte (default: measured by writing part of the sample as Parquet)')
    .option('--expansion <x>', 'JSON bytes per input byte (--stream; default: measured on generated logs of the table)')
    .option('--lambda-mbps <n>', 'transform throughput per vCPU, MB/s (default: measured here)')
    .option('--processor-mib <MiB>', 'simulate this Lambda processor buffer instead of the safe maximum')
    .option('--queries-per-month <n>', 'queries a month reading a whole month (Athena per-file overhead)', String(DEFAULT_COST_ASSUMPTIONS.athenaQueriesPerMonth))
    .option('--sizes <list>', 'S3 buffer sizes to try, MiB (default 64,96,128)')
    .option('--intervals <list>', 'S3 buffer intervals to try, seconds (default 60,120,300,600,900)')
    .option('-c, --config <file>', 'config file (shipper packing, processor, active partitions)')
    .option('--json', 'print the report as JSON')
    .option('--chart <file>', 'write a chart: .svg, or .html with the tables')
    .action(async (options: TuneOptions) => {
      const { output } = await runTuneCommand(options);
      process.stdout.write(output);
    });
}
