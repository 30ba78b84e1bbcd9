import { Duration, RemovalPolicy, Size, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ConfigError, type LoghoseConfig } from '../config/config.js';
import { FIREHOSE_LIMITS } from '../config/limits.js';
import { PARTITION_KEYS, type TableName } from '../transforms/schema.js';
import { ERRORS_PREFIX } from './lake-buckets.js';
import { acknowledgeObjectWildcards } from './nag.js';

/**
 * One Firehose delivery stream (Direct PUT) per source: the transform Lambda as processor, dynamic
 * partitioning on the keys the transform returns, JSON → Parquet (SNAPPY) from the Glue table,
 * `<table>/dt=…/hour=…/` in the lake, failed records under `errors/<table>/<error-type>/…`, and
 * error logging to CloudWatch Logs.
 */

/** `<table>/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/`, from the schema's partition keys. */
export function dataOutputPrefix(table: TableName): string {
  return `${table}/` + PARTITION_KEYS.map((key) => `${key.name}=!{partitionKeyFromLambda:${key.name}}/`).join('');
}

/**
 * `errors/<table>/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/`. Firehose requires the
 * error-output-type expression once the data prefix uses expressions; the timestamp is arrival time.
 */
export function errorOutputPrefix(table: TableName): string {
  return `${ERRORS_PREFIX}${table}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/`;
}

/**
 * Buffering limits as clear synth-time errors (the config schema checks them too, but the stack may
 * be built from a config object that never went through it).
 */
export function validateStreamSettings(buffering: LoghoseConfig['buffering'], processor: LoghoseConfig['processor']): void {
  const problems: string[] = [];
  const { dynamicPartitioningMinBufferMiB: minMiB, dynamicPartitioningMinIntervalSeconds: minSeconds } = FIREHOSE_LIMITS;
  if (!(buffering.sizeMiB >= minMiB && buffering.sizeMiB <= FIREHOSE_LIMITS.maxBufferMiB)) {
    problems.push(
      `buffering.sizeMiB is ${buffering.sizeMiB}; with dynamic partitioning and Parquet conversion Firehose needs ${minMiB}–${FIREHOSE_LIMITS.maxBufferMiB} MiB`,
    );
  }
  if (!(buffering.intervalSeconds >= minSeconds && buffering.intervalSeconds <= FIREHOSE_LIMITS.maxBufferIntervalSeconds)) {
    problems.push(
      `buffering.intervalSeconds is ${buffering.intervalSeconds}; with dynamic partitioning Firehose needs ${minSeconds}–${FIREHOSE_LIMITS.maxBufferIntervalSeconds} s`,
    );
  }
  if (!(processor.bufferSizeMiB >= FIREHOSE_LIMITS.minProcessorBufferMiB && processor.bufferSizeMiB <= FIREHOSE_LIMITS.maxProcessorBufferMiB)) {
    problems.push(
      `processor.bufferSizeMiB is ${processor.bufferSizeMiB}; a Lambda processor buffers ${FIREHOSE_LIMITS.minProcessorBufferMiB}–${FIREHOSE_LIMITS.maxProcessorBufferMiB} MiB`,
    );
  }
  if (!(processor.bufferIntervalSeconds >= 0 && processor.bufferIntervalSeconds <= FIREHOSE_LIMITS.maxBufferIntervalSeconds)) {
    problems.push(`processor.bufferIntervalSeconds is ${processor.bufferIntervalSeconds}; allowed 0–${FIREHOSE_LIMITS.maxBufferIntervalSeconds} s`);
  }
  if (!(Number.isInteger(processor.retries) && processor.retries >= 0)) {
    problems.push(`processor.retries is ${processor.retries}; must be a whole number ≥ 0`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid delivery stream settings — ${problems.join('; ')}`);
}

/**
 * The transform as a Firehose processor. It renders every parameter itself because the L2
 * `LambdaFunctionProcessor` drops `retries: 0` (a falsy check) — with 0 configured, Firehose would
 * silently retry 3 times. Invoke permission is still granted by the L2's `bind`.
 */
class TransformProcessor extends firehose.LambdaFunctionProcessor {
  constructor(
    private readonly fn: lambda.IFunction,
    private readonly settings: LoghoseConfig['processor'],
  ) {
    super(fn, {
      bufferSize: Size.kibibytes(Math.round(settings.bufferSizeMiB * 1024)),
      bufferInterval: Duration.seconds(settings.bufferIntervalSeconds),
      retries: settings.retries,
    });
  }

  override bind(scope: Construct, options: firehose.DataProcessorBindOptions): firehose.DataProcessorConfig {
    const config = super.bind(scope, options);
    return {
      ...config,
      parameters: [
        { parameterName: 'LambdaArn', parameterValue: this.fn.functionArn },
        { parameterName: 'RoleArn', parameterValue: options.role.roleArn },
        { parameterName: 'BufferSizeInMBs', parameterValue: String(this.settings.bufferSizeMiB) },
        { parameterName: 'BufferIntervalInSeconds', parameterValue: String(this.settings.bufferIntervalSeconds) },
        { parameterName: 'NumberOfRetries', parameterValue: String(this.settings.retries) },
      ],
    };
  }
}

export interface DeliveryStreamProps {
  readonly streamName: string;
  readonly table: TableName;
  readonly lakeBucket: s3.IBucket;
  readonly glueTable: glue.CfnTable;
  readonly transform: lambda.IFunction;
  readonly buffering: LoghoseConfig['buffering'];
  readonly processor: LoghoseConfig['processor'];
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
}

export interface DeliveryStream {
  readonly stream: firehose.DeliveryStream;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

export function createDeliveryStream(scope: Construct, id: string, props: DeliveryStreamProps): DeliveryStream {
  validateStreamSettings(props.buffering, props.processor);
  const { table, lakeBucket, glueTable } = props;
  const logGroup = new logs.LogGroup(scope, `${id}DeliveryLogs`, {
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });

  // The role gets exactly the statements below. It is handed to the L2 immutable, because the L2's
  // own grants are broader than needed: read/write/delete on the whole lake bucket, and
  // glue:GetSchemaVersion on `*` (for Glue Schema Registry schemas, which a Glue table does not use).
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
    description: `Firehose delivery of ${table} logs into the lake`,
  });
  const objectPatterns = [`${table}/*`, `${ERRORS_PREFIX}${table}/*`];
  const stack = Stack.of(scope);
  const glueArn = (resource: string, resourceName?: string) =>
    stack.formatArn({ service: 'glue', resource, resourceName, region: stack.region, account: glueTable.catalogId });
  const policy = new iam.Policy(scope, `${id}RolePolicy`, {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'LakeBucket',
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [lakeBucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'LakeObjectsOfThisTable',
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resources: objectPatterns.map((pattern) => lakeBucket.arnForObjects(pattern)),
      }),
      new iam.PolicyStatement({
        sid: 'InvokeTransform',
        actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
        resources: [props.transform.functionArn],
      }),
      new iam.PolicyStatement({
        sid: 'ReadGlueSchema',
        actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
        resources: [glueArn('catalog'), glueArn('database', glueTable.databaseName), glueArn('table', `${glueTable.databaseName}/${glueTable.ref}`)],
      }),
      new iam.PolicyStatement({ sid: 'DeliveryErrorLogs', actions: ['logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    ],
  });

  acknowledgeObjectWildcards(
    policy,
    lakeBucket,
    objectPatterns,
    "Firehose writes objects it names itself under this table's data and error prefixes; the role may touch nothing else in the lake.",
  );

  const stream = new firehose.DeliveryStream(scope, id, {
    deliveryStreamName: props.streamName,
    encryption: firehose.StreamEncryption.awsOwnedKey(),
    destination: new firehose.S3Bucket(lakeBucket, {
      role: role.withoutPolicyUpdates(),
      processors: [new TransformProcessor(props.transform, props.processor)],
      dynamicPartitioning: { enabled: true },
      dataOutputPrefix: dataOutputPrefix(table),
      errorOutputPrefix: errorOutputPrefix(table),
      bufferingSize: Size.mebibytes(props.buffering.sizeMiB),
      bufferingInterval: Duration.seconds(props.buffering.intervalSeconds),
      dataFormatConversion: {
        schemaConfiguration: firehose.SchemaConfiguration.fromCfnTable(glueTable),
        inputFormat: new firehose.OpenXJsonInputFormat(),
        outputFormat: new firehose.ParquetOutputFormat({ compression: firehose.ParquetCompression.SNAPPY }),
      },
      fileExtension: '.parquet',
      loggingConfig: new firehose.EnableLogging(logGroup),
    }),
  });
  // The stream must not be created before its role may write to the lake and invoke the transform.
  stream.node.addDependency(policy);
  if (Token.isUnresolved(stack.region)) {
    Validations.of(stack).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason:
        'In a region-agnostic stack the Firehose L2 adds a region → Firehose CIDR mapping for VPC destinations (Redshift, OpenSearch); loghose delivers to S3 and never looks it up.',
    });
  }
  return { stream, role, logGroup };
}
