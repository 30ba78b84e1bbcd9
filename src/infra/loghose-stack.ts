import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { ConfigError, type LoghoseConfig } from '../config/config.js';
import type { TableName } from '../transforms/schema.js';
import { type Athena, createAthena, type NamedQueryDefinition } from './athena.js';
import { type Catalog, createCatalog } from './catalog.js';
import { createDeliveryStream, type DeliveryStream, validateStreamSettings } from './delivery-stream.js';
import { createIngest, type Ingest, suppressNotificationHandlerFindings } from './ingest.js';
import { createLakeBuckets, type LakeBuckets } from './lake-buckets.js';
import { createOperations, type MonitoredSource, type Operations } from './operations.js';
import { createSourceBuckets, type SourceBucket } from './source-buckets.js';
import { createTransformFunction } from './transform-function.js';

/**
 * The loghose pipeline on AWS, driven by `loghose.config.json`:
 *   buckets → per table: Glue table + transform Lambda → per source: delivery stream + S3/SQS/ingest
 *   → Athena workgroup and named queries → alarms and dashboard.
 * Each step is a plain function taking what it needs and returning what the next needs.
 */

export interface LoghoseStackProps extends StackProps {
  readonly config: LoghoseConfig;
  /** Saved Athena queries (from the query module); those of tables not deployed are left out. @default [] */
  readonly namedQueries?: readonly NamedQueryDefinition[];
  /** The ingest handler file. @default src/ingest/lambda.ts */
  readonly ingestEntry?: string;
  /** The transform handler file. @default src/transforms/lambda.ts */
  readonly transformEntry?: string;
}

/** Construct ids per source, aligned with `sources`: the table name, numbered from the second source of a table on (`alb`, `alb2`). */
export function sourceIds(sources: LoghoseConfig['sources']): string[] {
  const counts = new Map<TableName, number>();
  return sources.map(({ table }) => {
    const n = (counts.get(table) ?? 0) + 1;
    counts.set(table, n);
    return n === 1 ? table : `${table}${n}`;
  });
}

/** Firehose stream name of a source: `<name>-<source id>` with `_` as `-`, e.g. `loghose-s3-access`. */
export function streamName(config: LoghoseConfig, sourceId: string): string {
  return `${config.name}-${sourceId.replace(/_/g, '-')}`;
}

/** What the stack built for one source. */
export interface SourcePipeline {
  readonly id: string;
  readonly table: TableName;
  readonly bucket: SourceBucket;
  readonly delivery: DeliveryStream;
  readonly ingest: Ingest;
}

export class LoghoseStack extends Stack {
  readonly buckets: LakeBuckets;
  readonly catalog: Catalog;
  /** The transform Lambda of each deployed table. */
  readonly transforms: ReadonlyMap<TableName, NodejsFunction>;
  /** One per configured source, in config order. */
  readonly pipelines: readonly SourcePipeline[];
  readonly athena: Athena;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: LoghoseStackProps) {
    super(scope, id, props);
    const { config } = props;
    if (config.sources.length === 0) {
      throw new ConfigError('sources: empty — add at least one source (table + bucket/prefix) to deploy a pipeline');
    }
    validateStreamSettings(config.buffering, config.processor);
    // Server access logs are delivered under a bucket policy rather than the legacy log-delivery ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const ids = sourceIds(config.sources);
    const tables = [...new Set(config.sources.map((s) => s.table))];

    const buckets = (this.buckets = createLakeBuckets(this, config));
    const sourceBuckets = createSourceBuckets(this, { sources: config.sources, sourceIds: ids, accessLogs: buckets.accessLogs });
    const catalog = (this.catalog = createCatalog(new Construct(this, 'Catalog'), {
      databaseName: config.athena.database,
      lakeBucket: buckets.lake,
      tables,
    }));

    const transforms = new Map<TableName, NodejsFunction>();
    for (const table of tables) {
      transforms.set(
        table,
        createTransformFunction(new Construct(this, `Transform-${table}`), 'Function', {
          table,
          processor: config.processor,
          entry: props.transformEntry,
        }),
      );
    }
    this.transforms = transforms;

    this.pipelines = config.sources.map((source, index): SourcePipeline => {
      const id = ids[index];
      const scope = new Construct(this, `Source-${id}`);
      const name = streamName(config, id);
      const delivery = createDeliveryStream(scope, 'DeliveryStream', {
        streamName: name,
        table: source.table,
        lakeBucket: buckets.lake,
        glueTable: catalog.tables.get(source.table)!,
        transform: transforms.get(source.table)!,
        buffering: config.buffering,
        processor: config.processor,
      });
      const ingest = createIngest(scope, 'Ingest', {
        table: source.table,
        source,
        bucket: sourceBuckets[index].bucket,
        stream: delivery.stream,
        shipper: config.shipper,
        entry: props.ingestEntry,
      });
      new CfnOutput(this, `${id}DeliveryStreamName`, { value: delivery.stream.deliveryStreamName, description: `Firehose stream of source ${id}` });
      if (sourceBuckets[index].created) {
        new CfnOutput(this, `${id}SourceBucketName`, { value: sourceBuckets[index].bucket.bucketName, description: `Bucket for ${id} logs (created)` });
      }
      return { id, table: source.table, bucket: sourceBuckets[index], delivery, ingest };
    });
    suppressNotificationHandlerFindings(this);

    const athena = (this.athena = createAthena(new Construct(this, 'Athena'), {
      athena: config.athena,
      databaseName: catalog.databaseName,
      resultsBucket: buckets.results,
      tables,
      namedQueries: props.namedQueries ?? [],
    }));

    const monitored: MonitoredSource[] = this.pipelines.map((p) => ({
      id: p.id,
      table: p.table,
      stream: p.delivery.stream,
      queue: p.ingest.queue,
      deadLetterQueue: p.ingest.deadLetterQueue,
      ingestFunction: p.ingest.function,
    }));
    this.operations = createOperations(new Construct(this, 'Operations'), {
      name: config.name,
      alarmEmail: config.alarmEmail,
      bufferingIntervalSeconds: config.buffering.intervalSeconds,
      sources: monitored,
      transforms,
    });

    new CfnOutput(this, 'LakeBucketName', { value: buckets.lake.bucketName });
    new CfnOutput(this, 'GlueDatabase', { value: catalog.databaseName });
    new CfnOutput(this, 'AthenaWorkgroup', { value: athena.workgroup.ref });
  }
}
