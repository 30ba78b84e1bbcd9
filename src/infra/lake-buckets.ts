import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { LoghoseConfig } from '../config/config.js';

/** Where Firehose writes failed records, under the lake bucket: `errors/<table>/<error-type>/…`. */
export const ERRORS_PREFIX = 'errors/';
/** Where the workgroup writes query results, under the results bucket. */
export const ATHENA_RESULTS_PREFIX = 'athena/';
/** Server access logs of the stack's buckets are kept this long. */
export const ACCESS_LOG_RETENTION_DAYS = 90;
/** Incomplete multipart uploads (a Firehose or replay crash mid-object) are cleaned up after this many days. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/**
 * Settings every bucket the stack creates shares: SSE-S3 (server access logging and Athena results
 * need no KMS key policy), all public access blocked, TLS ≥ 1.2 enforced by bucket policy, ACLs off.
 * Buckets are retained on `cdk destroy`: they hold the lake and the user's logs.
 */
export function secureBucketProps(): s3.BucketProps {
  return {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}

export interface LakeBuckets {
  /** The lake: `<table>/dt=…/hour=…/*.parquet` and `errors/<table>/…`. Imported when `lakeBucket` is configured. */
  readonly lake: s3.IBucket;
  /** Whether the stack created (and so manages the lifecycle of) the lake bucket. */
  readonly lakeCreated: boolean;
  /** Athena query results. */
  readonly results: s3.Bucket;
  /** Server access logs of the buckets the stack creates. */
  readonly accessLogs: s3.Bucket;
}

export function createLakeBuckets(scope: Construct, config: LoghoseConfig): LakeBuckets {
  const accessLogs = new s3.Bucket(scope, 'AccessLogBucket', {
    ...secureBucketProps(),
    lifecycleRules: [
      { id: 'expire-access-logs', expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS) },
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOAD_DAYS) },
    ],
  });
  Validations.of(accessLogs).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'This is the server access log bucket of the other buckets; logging it into itself would loop, and into a further bucket would only move the finding.',
  });

  const lake = config.lakeBucket
    ? s3.Bucket.fromBucketName(scope, 'LakeBucket', config.lakeBucket)
    : new s3.Bucket(scope, 'LakeBucket', {
        ...secureBucketProps(),
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: 'lake/',
        lifecycleRules: [
          { id: 'expire-error-records', prefix: ERRORS_PREFIX, expiration: Duration.days(config.errorsExpireDays) },
          { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOAD_DAYS) },
        ],
      });

  const results = new s3.Bucket(scope, 'AthenaResultsBucket', {
    ...secureBucketProps(),
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'athena-results/',
    lifecycleRules: [
      { id: 'expire-query-results', expiration: Duration.days(config.athena.resultsExpireDays) },
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOAD_DAYS) },
    ],
  });

  return { lake, lakeCreated: config.lakeBucket === undefined, results, accessLogs };
}
