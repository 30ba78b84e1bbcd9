/**
 * The one price table (us-east-1, USD), used by the cost model, `loghose tune`, replay's dry run and
 * the README. Override any entry with `withPrices({...})` for another region or a new price list.
 */
export interface PriceTable {
  /** Firehose Direct PUT ingestion per GB (first 500 TB/month); each record rounded up to 5 KB. */
  firehoseIngestionPerGB: number;
  /** Record format conversion (JSON → Parquet) per GB. */
  formatConversionPerGB: number;
  /** Dynamic partitioning per GB processed. */
  dynamicPartitioningPerGB: number;
  /** Dynamic partitioning per 1,000 S3 objects delivered. */
  dynamicPartitioningPer1000Objects: number;
  /** Lambda per GB-second (x86). */
  lambdaPerGBSecond: number;
  /** Lambda per 1M requests. */
  lambdaPerMillionRequests: number;
  s3PutPer1000: number;
  s3GetPer1000: number;
  /** S3 Standard storage per GB-month. */
  s3StoragePerGBMonth: number;
  /** Athena per TB scanned, with a 10 MB minimum per query. */
  athenaPerTB: number;
  athenaMinBytesPerQuery: number;
  /** SQS per 1M requests (standard queue). */
  sqsPerMillionRequests: number;
}

export const US_EAST_1_PRICES: Readonly<PriceTable> = {
  firehoseIngestionPerGB: 0.029,
  formatConversionPerGB: 0.018,
  dynamicPartitioningPerGB: 0.02,
  dynamicPartitioningPer1000Objects: 0.005,
  lambdaPerGBSecond: 0.0000166667,
  lambdaPerMillionRequests: 0.2,
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  s3StoragePerGBMonth: 0.023,
  athenaPerTB: 5,
  athenaMinBytesPerQuery: 10 * 1000 * 1000,
  sqsPerMillionRequests: 0.4,
};

export function withPrices(overrides: Partial<PriceTable>): PriceTable {
  return { ...US_EAST_1_PRICES, ...overrides };
}

/** Decimal units, as AWS bills. */
export const GB = 1e9;
export const TB = 1e12;
