/**
 * AWS service limits the design rests on — the one table of them (see shared AWS-FACTS.md; verify
 * against current AWS docs, quotas differ by region).
 */
export const FIREHOSE_LIMITS = {
  /** PutRecordBatch: records per call. */
  maxBatchRecords: 500,
  /** PutRecordBatch: bytes per call (sum of record data before base64). */
  maxBatchBytes: 4 * 1024 * 1024,
  /** One record's data, before base64. */
  maxRecordKiB: 1000,
  maxRecordBytes: 1000 * 1024,
  /** Lambda synchronous invocation request and response payload. */
  lambdaPayloadBytes: 6 * 1024 * 1024,
  minProcessorBufferMiB: 0.2,
  maxProcessorBufferMiB: 3,
  maxBufferMiB: 128,
  maxBufferIntervalSeconds: 900,
  dynamicPartitioningMinBufferMiB: 64,
  dynamicPartitioningMinIntervalSeconds: 60,
  defaultActivePartitions: 500,
  maxActivePartitionsRaised: 5000,
  /** Ingestion is billed per record rounded up to this many bytes. */
  billingRecordBytes: 5 * 1024,
  /** Deaggregation cap of sub-records per record. */
  maxDeaggregatedRecords: 500,
  /** Per-stream Direct PUT quotas in us-east-1, us-west-2, eu-west-1 (others: 100k / 1k / 1 MiB). */
  quotaRecordsPerSecond: 500_000,
  quotaRequestsPerSecond: 2_000,
  quotaBytesPerSecond: 5 * 1024 * 1024,
} as const;

export const LAMBDA_LIMITS = {
  maxTimeoutSeconds: 900,
  /** Firehose invokes its processor with at most 5 minutes timeout. */
  firehoseProcessorMaxTimeoutSeconds: 300,
} as const;

/** Asynchronous (InvocationType 'Event') Lambda invocation payload. */
export const LAMBDA_ASYNC_PAYLOAD_BYTES = 256 * 1024;

export const SQS_LIMITS = {
  /** SendMessageBatch: entries per call. */
  maxBatchEntries: 10,
  /** SendMessageBatch: sum of the message bodies per call (and one message's body). */
  maxBatchBytes: 256 * 1024,
} as const;

/** `loghose replay` defaults: below the Firehose quotas above, leaving room for live ingestion. */
export const REPLAY_DEFAULTS = {
  /** Active partitions a replay lets open at once (quota: defaultActivePartitions). */
  maxActivePartitions: 400,
  /** Share of the stream's records/s and bytes/s quotas a replay uses unless told otherwise. */
  quotaShare: 0.5,
} as const;
