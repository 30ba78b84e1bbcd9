import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag (v3) findings are acknowledged with CDK's `Validations.of(construct).acknowledge`, one id
 * per finding: `AwsSolutions-IAM5[Resource::…]` names the exact wildcard resource.
 */

/**
 * How cdk-nag names an S3 object ARN pattern in an IAM5 finding: `Resource::<BucketLogicalId.Arn>/key*`
 * for a bucket of this stack, `Resource::arn:<AWS::Partition>:s3:::name/key*` for an imported one.
 */
export function objectArnFinding(bucket: s3.IBucket, keyPattern: string): string {
  if (bucket instanceof s3.Bucket) {
    const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    return `Resource::<${logicalId}.Arn>/${keyPattern}`;
  }
  return `Resource::arn:<AWS::Partition>:s3:::${bucket.bucketName}/${keyPattern}`;
}

/** Acknowledges the IAM5 findings of object ARN patterns (`prefix/*`) in `construct`'s policies. */
export function acknowledgeObjectWildcards(construct: IConstruct, bucket: s3.IBucket, keyPatterns: readonly string[], reason: string): void {
  for (const pattern of keyPatterns) {
    Validations.of(construct).acknowledge({ id: `AwsSolutions-IAM5[${objectArnFinding(bucket, pattern)}]`, reason });
  }
}
