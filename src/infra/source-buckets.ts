import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ConfigError, type SourceConfig } from '../config/config.js';
import { ABORT_INCOMPLETE_UPLOAD_DAYS, secureBucketProps } from './lake-buckets.js';

/**
 * The bucket each source's logs land in: the user's existing bucket (`bucket` in the config, imported
 * by name — notifications are added by CDK's notifications custom resource, which keeps the bucket's
 * other notifications), or a bucket the stack creates (a demo, or a target for `loghose replay`).
 */

export interface SourceBucket {
  readonly bucket: s3.IBucket;
  /** True when the stack created the bucket (and manages its lifecycle). */
  readonly created: boolean;
}

export interface SourceBucketsProps {
  readonly sources: readonly SourceConfig[];
  /** Construct id of each source, aligned with `sources`. */
  readonly sourceIds: readonly string[];
  readonly accessLogs: s3.Bucket;
}

/** One entry per source, aligned with `sources`. Sources naming the same existing bucket share one import. */
export function createSourceBuckets(scope: Construct, props: SourceBucketsProps): SourceBucket[] {
  const imported = new Map<string, s3.IBucket>();
  return props.sources.map((source, index) => {
    const id = props.sourceIds[index];
    if (source.bucket !== undefined) {
      if (source.expireRawAfterDays !== undefined) {
        throw new ConfigError(
          `sources[${index}].expireRawAfterDays: applies only to buckets the stack creates; ${source.bucket} is an existing bucket — set its lifecycle yourself or drop "bucket"`,
        );
      }
      let bucket = imported.get(source.bucket);
      if (bucket === undefined) {
        bucket = s3.Bucket.fromBucketName(scope, `Existing-${source.bucket}`, source.bucket);
        imported.set(source.bucket, bucket);
      }
      return { bucket, created: false };
    }
    const lifecycleRules: s3.LifecycleRule[] = [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOAD_DAYS) },
    ];
    if (source.expireRawAfterDays !== undefined) {
      lifecycleRules.push({
        id: 'expire-raw-logs',
        prefix: source.prefix || undefined,
        expiration: Duration.days(source.expireRawAfterDays),
      });
    }
    const bucket = new s3.Bucket(scope, `${id}SourceBucket`, {
      ...secureBucketProps(),
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: `sources/${id}/`,
      lifecycleRules,
    });
    return { bucket, created: true };
  });
}
