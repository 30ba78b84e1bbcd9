import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { TABLE_NAMES } from '../transforms/schema.js';
import { handleSqsEvent } from './ingest-handler.js';

/** The ingest Lambda: SQS-wrapped S3 events → shipper → PutRecordBatch to its one delivery stream. */

// zod/mini keeps the bundle small (the full zod is ~440 KiB of it).
const Environment = z.object({
  LOGHOSE_TABLE: z.enum(TABLE_NAMES),
  LOGHOSE_DELIVERY_STREAM: z.string().check(z.minLength(1)),
  LOGHOSE_RECORD_KIB: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000)), 256),
  LOGHOSE_MAX_RETRIES: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(50)), 8),
  LOGHOSE_MAX_BUFFERED_MIB: z._default(z.coerce.number().check(z.gte(1), z.lte(1024)), 16),
  LOGHOSE_BATCH_MIB: z._default(z.coerce.number().check(z.gte(1), z.lte(4)), 1),
});

const logger = new Logger({ serviceName: 'loghose-ingest' });
const metrics = new Metrics({ namespace: 'loghose', serviceName: 'loghose-ingest' });
const s3 = new S3Client({});
// The SDK the Lambda runtime provides (bundles leave @aws-sdk out), so the plain client: the
// native-base64 protocol of firehose-client.ts extends an @aws-sdk/core class (AwsJson1_1Protocol)
// that an older runtime SDK does not have.
const firehose = new FirehoseClient({});

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const env = Environment.parse(process.env);
  const outcome = await handleSqsEvent(event, {
    s3,
    firehose,
    streamName: env.LOGHOSE_DELIVERY_STREAM,
    table: env.LOGHOSE_TABLE,
    recordBytes: env.LOGHOSE_RECORD_KIB * 1024,
    maxBufferedBytes: env.LOGHOSE_MAX_BUFFERED_MIB * 1024 * 1024,
    maxRetries: env.LOGHOSE_MAX_RETRIES,
    maxBatchBytes: env.LOGHOSE_BATCH_MIB * 1024 * 1024,
    log: (level, message, details) => logger[level](message, details),
  });
  metrics.addDimension('table', env.LOGHOSE_TABLE);
  const shipped = outcome.results.filter((r) => r.status === 'shipped');
  metrics.addMetric('ObjectsShipped', MetricUnit.Count, shipped.length);
  metrics.addMetric('ObjectsSkipped', MetricUnit.Count, outcome.results.length - shipped.length);
  metrics.addMetric('LinesShipped', MetricUnit.Count, shipped.reduce((n, r) => n + r.dataLines, 0));
  metrics.addMetric('FailedMessages', MetricUnit.Count, outcome.batchItemFailures.length);
  metrics.publishStoredMetrics();
  return { batchItemFailures: outcome.batchItemFailures };
};
