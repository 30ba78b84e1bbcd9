import type { Command } from 'commander';
import { loadConfig, type LoghoseConfig } from '../../config/config.js';
import { listSource, type SourceObject } from '../../ingest/sources.js';
import { DiskLakeSink } from '../../local/disk-sink.js';
import { runLocalPipeline, type RunSummary } from '../../local/pipeline.js';
import { UserError } from '../errors.js';
import { formatBytes } from '../output.js';
import { createProgress } from '../progress.js';

export interface RunCommandOptions {
  readonly source: string;
  readonly lake?: string;
  readonly config?: string;
  readonly json?: boolean;
  /** Worker threads for the transform invocations (a string from the command line). */
  readonly workers?: string;
}

/** `--workers`: transform worker threads, or undefined for the default. */
export function workersOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const workers = Number(value);
  if (!(Number.isInteger(workers) && workers >= 0 && workers <= 16)) throw new UserError('--workers must be a whole number from 0 to 16', 2);
  return workers;
}

/** Lists a source fully first (for progress totals), failing with a clear message when it is missing. */
export async function listAll(source: string): Promise<SourceObject[]> {
  const objects: SourceObject[] = [];
  try {
    for await (const object of listSource(source)) objects.push(object);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`source ${source} does not exist`);
    throw new UserError(`cannot list ${source}: ${(error as Error).message}`);
  }
  return objects;
}

export async function runPipelineCommand(options: RunCommandOptions, config: LoghoseConfig = loadConfig(options.config)): Promise<RunSummary> {
  const lakeDir = options.lake ?? config.lakeDir;
  const workers = workersOption(options.workers);
  const objects = await listAll(options.source);
  const progress = createProgress(!options.json && process.stderr.isTTY === true);
  progress.start(objects.length, 'objects');
  try {
    return await runLocalPipeline({
      source: options.source,
      config,
      sink: new DiskLakeSink(lakeDir),
      transformWorkers: workers,
      objects: (async function* () {
        yield* objects;
      })(),
      onObject: (result) => progress.increment(1, result.key),
    });
  } finally {
    progress.stop();
  }
}

export function printSummary(summary: RunSummary, lakeDir: string): void {
  const lines = [
    `${summary.objects} objects shipped (${summary.objectsSkipped} non-log objects skipped, ${summary.objectsUnknown} unknown) in ${summary.seconds}s`,
    `${summary.lines} lines → ${summary.rows} rows, ${summary.errorRows} error rows, ${summary.failedLines} lines in ${summary.failedRecords} error records, ${summary.skipped} skipped`,
    `every line accounted for: ${summary.accounted ? 'yes' : 'NO'}`,
    `Firehose: ${summary.firehose.records} records (${formatBytes(summary.firehose.recordBytes)}, billed as ${formatBytes(summary.firehose.billedBytes)}) in ${summary.firehose.calls} PutRecordBatch calls`,
    `lake ${lakeDir}: ${summary.parquetObjects} Parquet objects, ${formatBytes(summary.parquetBytes)}, peak ${summary.peakActivePartitions} active partitions`,
  ];
  for (const [table, t] of Object.entries(summary.tables)) {
    lines.push(`  ${table.padEnd(10)} ${String(t.objects).padStart(5)} objects ${String(t.rows).padStart(9)} rows ${String(t.errorRows).padStart(6)} error rows ${String(t.failedLines).padStart(6)} failed lines`);
  }
  if (summary.unknownObjects.length > 0) lines.push(`unknown objects: ${summary.unknownObjects.slice(0, 5).join(', ')}${summary.unknownObjects.length > 5 ? ', …' : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the local pipeline: ship every log object under the source through a local Firehose into the lake')
    .option('-s, --source <dir|s3://bucket/prefix>', 'log objects to ship', './logs')
    .option('-l, --lake <dir>', 'lake directory (default: lakeDir from the config, ./lake)')
    .option('-c, --config <file>', 'config file', undefined)
    .option('--json', 'print the summary as JSON')
    .option('--workers <n>', 'worker threads running the transform (default: 0 on up to 2 cores, else one per core beyond the first, at most 4)')
    .action(async (options: RunCommandOptions) => {
      const config = loadConfig(options.config);
      const summary = await runPipelineCommand(options, config);
      if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else printSummary(summary, options.lake ?? config.lakeDir);
      if (!summary.accounted) throw new UserError('some lines are not accounted for (see the summary)');
    });
}
