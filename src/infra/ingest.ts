import { Duration, type Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { LoghoseConfig, SourceConfig } from '../config/config.js';
import { FIREHOSE_LIMITS, LAMBDA_LIMITS } from '../config/limits.js';
import type { TableName } from '../transforms/schema.js';
import { createLoghoseFunction, repoPath } from './lambda-function.js';
import { acknowledgeObjectWildcards } from './nag.js';

/**
 * Streaming ingestion for one source: S3 "object created" notifications (prefix/suffix filters) →
 * SQS queue (+ DLQ) → the ingest Lambda, which reads each object and ships its lines to the
 * source's delivery stream with PutRecordBatch, reporting failed messages individually.
 */

/** The ingest handler (src/ingest/lambda.ts), referenced by path and bundled by esbuild. */
export const INGEST_ENTRY = repoPath('src/ingest/lambda.ts');

/** The smallest `maxConcurrency` an SQS event source mapping accepts. */
const SQS_EVENT_SOURCE_MIN_CONCURRENCY = 2;
/** AWS recommends a queue visibility timeout of at least six times the function timeout. */
const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Seconds of a stream's byte quota that the in-flight batches of all shippers may add up to. */
export const INGEST_QUOTA_WINDOW_SECONDS = 4;

/**
 * How many ingest Lambdas may ship to one stream at once. A shipper keeps at most one PutRecordBatch
 * (≤ 4 MiB) in flight and one shipper alone can fill the stream's byte quota (5 MiB/s in the large
 * regions), so more shippers than the stream accepts full batches in a few seconds only turn into
 * throttling retries. The request (2,000/s) and record (500,000/s) quotas are far off at this level.
 */
export function defaultIngestConcurrency(): number {
  const batches = Math.floor((FIREHOSE_LIMITS.quotaBytesPerSecond * INGEST_QUOTA_WINDOW_SECONDS) / FIREHOSE_LIMITS.maxBatchBytes);
  return Math.max(SQS_EVENT_SOURCE_MIN_CONCURRENCY, batches);
}

export interface IngestProps {
  readonly table: TableName;
  readonly source: SourceConfig;
  readonly bucket: s3.IBucket;
  readonly stream: firehose.IDeliveryStream;
  readonly shipper: LoghoseConfig['shipper'];
  /** @default INGEST_ENTRY */
  readonly entry?: string;
  /** Reserved concurrency and event source `maxConcurrency`. @default defaultIngestConcurrency() */
  readonly concurrency?: number;
  /** Messages (objects) per invocation. @default 10 */
  readonly batchSize?: number;
  /** How long the event source gathers messages before invoking. @default 20 seconds */
  readonly maxBatchingWindow?: Duration;
  /** @default 5 minutes */
  readonly timeout?: Duration;
  /** @default 1024 */
  readonly memoryMiB?: number;
  /** Receives before a message goes to the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
}

export interface Ingest {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: NodejsFunction;
}

export function createIngest(scope: Construct, id: string, props: IngestProps): Ingest {
  const timeout = props.timeout ?? Duration.minutes(5);
  if (timeout.toSeconds() > LAMBDA_LIMITS.maxTimeoutSeconds) throw new Error(`ingest timeout ${timeout.toSeconds()} s exceeds Lambda's ${LAMBDA_LIMITS.maxTimeoutSeconds} s`);
  const concurrency = props.concurrency ?? defaultIngestConcurrency();
  if (!Number.isInteger(concurrency) || concurrency < SQS_EVENT_SOURCE_MIN_CONCURRENCY) {
    throw new Error(`ingest concurrency must be a whole number ≥ ${SQS_EVENT_SOURCE_MIN_CONCURRENCY}, got ${concurrency}`);
  }

  const deadLetterQueue = new sqs.Queue(scope, `${id}DeadLetterQueue`, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is the dead-letter queue of the ingest queue; it is alarmed on and redriven by hand.',
  });
  const queue = new sqs.Queue(scope, `${id}Queue`, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
  });

  const filter: s3.NotificationKeyFilter = {
    ...(props.source.prefix ? { prefix: props.source.prefix } : {}),
    ...(props.source.suffix ? { suffix: props.source.suffix } : {}),
  };
  const filters = filter.prefix !== undefined || filter.suffix !== undefined ? [filter] : [];
  props.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(queue), ...filters);

  const fn = createLoghoseFunction(scope, `${id}Function`, {
    entry: props.entry ?? INGEST_ENTRY,
    description: `loghose ingest: new ${props.table} log objects → Firehose ${props.stream.deliveryStreamName}`,
    memoryMiB: props.memoryMiB ?? 1024,
    timeout,
    environment: {
      LOGHOSE_TABLE: props.table,
      LOGHOSE_DELIVERY_STREAM: props.stream.deliveryStreamName,
      LOGHOSE_RECORD_KIB: String(props.shipper.recordKiB),
      LOGHOSE_MAX_RETRIES: String(props.shipper.maxRetries),
      LOGHOSE_MAX_BUFFERED_MIB: String(props.shipper.maxBufferedMiB),
      LOGHOSE_BATCH_MIB: String(props.shipper.batchMiB),
    },
    // The nodejs22.x runtime provides AWS SDK v3.
    externalModules: ['@aws-sdk/*'],
    reservedConcurrentExecutions: concurrency,
  });
  fn.addEventSource(
    new SqsEventSource(queue, {
      batchSize: props.batchSize ?? 10,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(20),
      reportBatchItemFailures: true,
      maxConcurrency: concurrency,
    }),
  );

  const keyPattern = `${props.source.prefix}*`;
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadSourceLogs', actions: ['s3:GetObject'], resources: [props.bucket.arnForObjects(keyPattern)] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'ShipToItsStream', actions: ['firehose:PutRecordBatch'], resources: [props.stream.deliveryStreamArn] }),
  );
  acknowledgeObjectWildcards(
    fn.role!,
    props.bucket,
    [keyPattern],
    'The ingest Lambda reads the log objects S3 announces; their keys are only known to be under the source prefix.',
  );
  return { queue, deadLetterQueue, function: fn };
}

/**
 * CDK puts S3 notifications in place with one singleton Lambda per stack (a custom resource, needed
 * for existing buckets). Its role is CDK's and uses the AWS managed basic execution policy.
 */
export function suppressNotificationHandlerFindings(stack: Stack): void {
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
    Validations.of(child).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's S3 notifications custom resource handler (inline code, runs only on deploy) has AWSLambdaBasicExecutionRole attached by CDK; its own S3 permissions are scoped to the source buckets.",
    });
  }
}
