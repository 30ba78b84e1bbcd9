import { GB, US_EAST_1_PRICES, type PriceTable } from '../config/prices.js';

/**
 * The monthly bill of one buffering setting, from the single price table (`config/prices.ts`).
 *
 * - Ingestion: Direct PUT per GB, each record rounded up to 5 KB — on the records the shipper
 *   actually packs (`billedBytes`).
 * - Format conversion: per GB, on the same 5 KB-rounded ingested volume (AWS bills conversion on
 *   the GBs billed for ingestion).
 * - Dynamic partitioning: per GB processed — taken as the JSON the transform hands to partitioning
 *   (before Parquet; an upper bound of "delivered") — plus per 1,000 objects delivered.
 * - S3 PUT requests: Firehose's writes, `putsPerObject` per object (1; large objects may be
 *   multipart, which only adds requests).
 * - Lambda: GB-seconds (memory × billed duration) and requests of the transform invocations.
 * - Athena per-file overhead: every query over a month opens every object of the month —
 *   `getsPerObjectPerQuery` S3 GETs each (Parquet footer, then column chunks) —
 *   `athenaQueriesPerMonth` times. Bytes scanned do not depend on the buffering and are left out.
 *
 * Storage, SQS and the bytes Athena scans are the same for every buffering setting and are not
 * part of this comparison.
 */

export interface MonthlyUsage {
  /** Bytes billed for ingestion (records rounded up to 5 KB). */
  readonly billedBytes: number;
  /** JSON bytes out of the transform, through dynamic partitioning. */
  readonly partitionedBytes: number;
  readonly objects: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
}

export interface CostAssumptions {
  /** S3 PUT requests Firehose makes per object. @default 1 */
  readonly putsPerObject: number;
  /** Queries a month that read a whole month of the table. @default 100 */
  readonly athenaQueriesPerMonth: number;
  /** S3 GET requests per object per query (footer + data). @default 2 */
  readonly getsPerObjectPerQuery: number;
}

export const DEFAULT_COST_ASSUMPTIONS: CostAssumptions = { putsPerObject: 1, athenaQueriesPerMonth: 100, getsPerObjectPerQuery: 2 };

export interface CostBreakdown {
  ingestion: number;
  formatConversion: number;
  partitioningPerGB: number;
  partitioningPerObject: number;
  s3Puts: number;
  lambdaCompute: number;
  lambdaRequests: number;
  athenaPerFile: number;
  total: number;
}

export const COST_ITEMS = [
  'ingestion',
  'formatConversion',
  'partitioningPerGB',
  'partitioningPerObject',
  's3Puts',
  'lambdaCompute',
  'lambdaRequests',
  'athenaPerFile',
] as const satisfies readonly (keyof CostBreakdown)[];

export function monthlyCost(usage: MonthlyUsage, prices: PriceTable = US_EAST_1_PRICES, assumptions: CostAssumptions = DEFAULT_COST_ASSUMPTIONS): CostBreakdown {
  const billedGB = usage.billedBytes / GB;
  const cost: Omit<CostBreakdown, 'total'> = {
    ingestion: billedGB * prices.firehoseIngestionPerGB,
    formatConversion: billedGB * prices.formatConversionPerGB,
    partitioningPerGB: (usage.partitionedBytes / GB) * prices.dynamicPartitioningPerGB,
    partitioningPerObject: (usage.objects / 1000) * prices.dynamicPartitioningPer1000Objects,
    s3Puts: ((usage.objects * assumptions.putsPerObject) / 1000) * prices.s3PutPer1000,
    lambdaCompute: usage.lambdaGbSeconds * prices.lambdaPerGBSecond,
    lambdaRequests: (usage.lambdaInvocations / 1e6) * prices.lambdaPerMillionRequests,
    athenaPerFile: ((usage.objects * assumptions.athenaQueriesPerMonth * assumptions.getsPerObjectPerQuery) / 1000) * prices.s3GetPer1000,
  };
  let total = 0;
  for (const item of COST_ITEMS) total += cost[item];
  return { ...cost, total };
}

/**
 * How long the transform Lambda runs: a fixed overhead per invocation plus the input at the
 * function's throughput. Lambda gives a function CPU in proportion to its memory — one full vCPU
 * at 1,769 MB — and the transform is single-threaded, so the throughput measured on one core here
 * is scaled by `min(1, memory / 1769)`.
 */
export interface LambdaModel {
  readonly memoryMiB: number;
  /** Transform throughput on one full vCPU, input bytes per second. */
  readonly bytesPerSecondPerVcpu: number;
  /** Per-invocation overhead (event parsing, base64, response), ms. @default 10 */
  readonly overheadMs?: number;
}

export const LAMBDA_FULL_VCPU_MIB = 1769;

export function lambdaDurationMs(inputBytes: number, model: LambdaModel): number {
  const share = Math.min(1, model.memoryMiB / LAMBDA_FULL_VCPU_MIB);
  return (model.overheadMs ?? 10) + (inputBytes / (model.bytesPerSecondPerVcpu * share)) * 1000;
}

/** GB-seconds of one invocation: Lambda bills duration rounded up to the millisecond, memory in GB of 1,024 MB. */
export function lambdaGbSeconds(inputBytes: number, model: LambdaModel): number {
  return (Math.ceil(lambdaDurationMs(inputBytes, model)) / 1000) * (model.memoryMiB / 1024);
}
