import { rm } from 'node:fs/promises';
import { parseConfig } from '../../src/config/config.js';
import { DiskLakeSink } from '../../src/local/disk-sink.js';
import { runLocalPipeline, type RunSummary } from '../../src/local/pipeline.js';
import { timed, type Rep } from '../lib/timing.js';

/**
 * The whole local pipeline, as `loghose run` does it: gzip log objects → shipper → the real
 * Firehose client → local endpoint → delivery stream (transform, partitioning) → Parquet on disk.
 * Timed: all of it. Peak RSS is the process's, from `process.resourceUsage()`.
 */

export interface PipelineArgs {
  readonly source: string;
  readonly lake: string;
  /** Transform worker threads (`loghose run --workers`); default: the pipeline's. */
  readonly workers?: number;
}

export interface PipelineResult {
  readonly summary: RunSummary;
  readonly rep: Rep;
  readonly maxRssBytes: number;
}

export async function run(args: PipelineArgs): Promise<PipelineResult> {
  await rm(args.lake, { recursive: true, force: true });
  const { rep, value } = await timed(() =>
    runLocalPipeline({ source: args.source, config: parseConfig({ lakeDir: args.lake }), sink: new DiskLakeSink(args.lake), transformWorkers: args.workers }),
  );
  return { summary: value, rep, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}
