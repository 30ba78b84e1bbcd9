import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TABLE_NAMES } from '../transforms/schema.js';
import { FIREHOSE_LIMITS } from './limits.js';

/**
 * `loghose.config.json`: one file for the CLI, the local pipeline and the CDK app.
 * Every field has a default, so `{}` is a valid config (the local demo needs nothing else).
 */

const mib = (min: number, max: number) => z.number().min(min).max(max);

export const SourceSchema = z.object({
  /** The table (and format) this source's logs go to. */
  table: z.enum(TABLE_NAMES),
  /** Bucket the logs land in. Omit to have the stack create a bucket (demo). */
  bucket: z.string().min(3).optional(),
  /** Key prefix of the logs, e.g. `AWSLogs/123456789012/elasticloadbalancing/`. */
  prefix: z.string().default(''),
  /** Key suffix filter for the S3 event notification, e.g. `.gz`. */
  suffix: z.string().optional(),
  /** Expire the raw logs after this many days (only for buckets the stack creates). */
  expireRawAfterDays: z.number().int().positive().optional(),
});

export const BufferingSchema = z.object({
  /** Firehose S3 buffer size, MiB (64–128 with dynamic partitioning and format conversion). */
  sizeMiB: mib(FIREHOSE_LIMITS.dynamicPartitioningMinBufferMiB, FIREHOSE_LIMITS.maxBufferMiB).default(128),
  /** Firehose S3 buffer interval, seconds (60–900 with dynamic partitioning). */
  intervalSeconds: z
    .number()
    .int()
    .min(FIREHOSE_LIMITS.dynamicPartitioningMinIntervalSeconds)
    .max(FIREHOSE_LIMITS.maxBufferIntervalSeconds)
    .default(300),
});

export const ProcessorSchema = z.object({
  /** Lambda processor buffer size, MiB (0.2–3). Small, because the transform expands data. */
  bufferSizeMiB: mib(FIREHOSE_LIMITS.minProcessorBufferMiB, FIREHOSE_LIMITS.maxProcessorBufferMiB).default(1),
  /** Lambda processor buffer interval, seconds (0–900). */
  bufferIntervalSeconds: z.number().int().min(0).max(FIREHOSE_LIMITS.maxBufferIntervalSeconds).default(60),
  /** Invocation retries before a batch goes to the error prefix. */
  retries: z.number().int().min(0).max(300).default(3),
  /** Transform Lambda memory, MB. */
  memoryMiB: z.number().int().min(128).max(10240).default(512),
});

export const ShipperSchema = z.object({
  /** Target size of one packed Firehose record, KiB (hard limit 1,000). */
  recordKiB: z.number().int().min(1).max(FIREHOSE_LIMITS.maxRecordKiB).default(256),
  /** PutRecordBatch retries per batch before the shipper fails loudly. */
  maxRetries: z.number().int().min(0).max(50).default(8),
  /** Lines buffered across all open partitions before the largest is flushed (bounds memory). */
  maxBufferedMiB: z.number().min(1).max(1024).default(16),
  /**
   * Record bytes per PutRecordBatch call, MiB (Firehose allows 4). A call holds several times its
   * size in memory while it is built and sent (JSON, base64); 1 MiB calls cost no throughput.
   */
  batchMiB: z.number().min(1).max(FIREHOSE_LIMITS.maxBatchBytes / 2 ** 20).default(1),
});

export const AthenaSchema = z.object({
  database: z.string().regex(/^[a-z0-9_]+$/).default('loghose'),
  workgroup: z.string().regex(/^[a-zA-Z0-9._-]+$/).default('loghose'),
  /** Per-query cap on bytes scanned, MiB (Athena's minimum is 10). */
  bytesScannedCutoffMiB: z.number().int().min(10).default(10 * 1024),
  /** Days query results are kept. */
  resultsExpireDays: z.number().int().positive().default(7),
});

export const ConfigSchema = z.object({
  /** Logical name used for resources (stack, streams, buckets' prefixes). */
  name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/).default('loghose'),
  /** Where the local lake lives (`loghose run`, `query`, `report`). */
  lakeDir: z.string().default('./lake'),
  /** Lake bucket name for AWS; omitted → the stack creates one. */
  lakeBucket: z.string().min(3).optional(),
  sources: z.array(SourceSchema).default([]),
  buffering: BufferingSchema.default({ sizeMiB: 128, intervalSeconds: 300 }),
  processor: ProcessorSchema.default({ bufferSizeMiB: 1, bufferIntervalSeconds: 60, retries: 3, memoryMiB: 512 }),
  shipper: ShipperSchema.default({ recordKiB: 256, maxRetries: 8, maxBufferedMiB: 16, batchMiB: 1 }),
  /** Active partitions per stream (Firehose default quota 500). */
  maxActivePartitions: z.number().int().min(1).max(FIREHOSE_LIMITS.maxActivePartitionsRaised).default(FIREHOSE_LIMITS.defaultActivePartitions),
  /** Error records (processing-failed etc.) expire after this many days. */
  errorsExpireDays: z.number().int().positive().default(30),
  athena: AthenaSchema.default({ database: 'loghose', workgroup: 'loghose', bytesScannedCutoffMiB: 10 * 1024, resultsExpireDays: 7 }),
  /** Email for operational alarms (SNS subscription). */
  alarmEmail: z.string().email().optional(),
  /** AWS region of the deployment and the Athena engine. */
  region: z.string().optional(),
});

export type LoghoseConfig = z.infer<typeof ConfigSchema>;
export type SourceConfig = z.infer<typeof SourceSchema>;

export const DEFAULT_CONFIG_FILE = 'loghose.config.json';

export class ConfigError extends Error {}

/** Validates a parsed config; a bad one gives one readable line per problem. */
export function parseConfig(value: unknown, origin = DEFAULT_CONFIG_FILE): LoghoseConfig {
  const result = ConfigSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`${origin}: invalid config — ${problems.join('; ')}`);
  }
  return result.data;
}

/** Reads and validates a config file; a missing default file means all defaults. */
export function loadConfig(file?: string): LoghoseConfig {
  const path = file ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (file === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig({});
    throw new ConfigError(`${path}: cannot read config (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseConfig(json, path);
}
