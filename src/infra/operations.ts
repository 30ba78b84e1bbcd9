import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TableName } from '../transforms/schema.js';

/**
 * Operations: alarms on everything that means "logs are late or lost" — delivery freshness,
 * throttled records, partition count exceeded, failed processing, a non-empty DLQ, Lambda errors —
 * to one SNS topic (with an email subscription when configured), and a dashboard of the pipeline.
 */

/**
 * The transform Lambda's own metrics (Powertools EMF, see src/transforms/lambda.ts): namespace
 * `loghose`, dimensions `service` (Powertools' service name) and `table`.
 */
export const TRANSFORM_METRICS = { namespace: 'loghose', service: 'loghose-transform' } as const;

const PERIOD = Duration.minutes(5);

export interface MonitoredSource {
  /** The source's id, e.g. `alb` or `alb2`. */
  readonly id: string;
  readonly table: TableName;
  readonly stream: firehose.IDeliveryStream;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly ingestFunction: lambda.IFunction;
}

export interface OperationsProps {
  /** The deployment's name (`name` in the config), prefixed to alarm and dashboard names. */
  readonly name: string;
  readonly alarmEmail?: string;
  /** The S3 buffer interval: delivery is expected within a small multiple of it. */
  readonly bufferingIntervalSeconds: number;
  readonly sources: readonly MonitoredSource[];
  readonly transforms: ReadonlyMap<TableName, lambda.IFunction>;
}

export interface Operations {
  readonly topic: sns.Topic;
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;
}

/**
 * Oldest undelivered record older than three buffer intervals (at least 15 minutes): Firehose
 * delivers within about 1.5 intervals, so this means delivery is stuck, not slow.
 */
export function freshnessThresholdSeconds(bufferingIntervalSeconds: number): number {
  return Math.max(900, 3 * bufferingIntervalSeconds);
}

export function transformMetric(table: TableName, metricName: string, statistic = 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: TRANSFORM_METRICS.namespace,
    metricName,
    dimensionsMap: { service: TRANSFORM_METRICS.service, table },
    statistic,
    period: PERIOD,
  });
}

export function createOperations(scope: Construct, props: OperationsProps): Operations {
  // CloudWatch alarms cannot publish to a topic encrypted with the AWS managed aws/sns key, so the
  // topic gets its own key, which CloudWatch may use.
  const key = new kms.Key(scope, 'AlarmTopicKey', {
    description: 'loghose alarm topic encryption',
    enableKeyRotation: true,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
    }),
  );
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: `${props.name} pipeline alarms`,
    masterKey: key,
    enforceSSL: true,
  });
  if (props.alarmEmail !== undefined) topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
  const action = new actions.SnsAction(topic);

  const alarms: cloudwatch.Alarm[] = [];
  const alarm = (
    id: string,
    name: string,
    metric: cloudwatch.IMetric,
    options: { threshold: number; comparison: cloudwatch.ComparisonOperator; evaluationPeriods?: number; description: string },
  ) => {
    const created = new cloudwatch.Alarm(scope, id, {
      alarmName: `${props.name}-${name}`,
      alarmDescription: options.description,
      metric,
      threshold: options.threshold,
      comparisonOperator: options.comparison,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    created.addAlarmAction(action);
    alarms.push(created);
    return created;
  };
  const { GREATER_THAN_THRESHOLD: above, GREATER_THAN_OR_EQUAL_TO_THRESHOLD: atLeast, LESS_THAN_THRESHOLD: below } = cloudwatch.ComparisonOperator;

  const rows: cloudwatch.IWidget[][] = [];
  for (const source of props.sources) {
    const { id, stream } = source;
    const streamMetric = (metricName: string, statistic: string) => stream.metric(metricName, { statistic, period: PERIOD });
    const freshness = streamMetric('DeliveryToS3.DataFreshness', 'Maximum');
    const throttled = streamMetric('ThrottledRecords', 'Sum');
    const partitionsExceeded = streamMetric('PartitionCountExceeded', 'Maximum');
    const processingSuccess = streamMetric('ExecuteProcessing.Success', 'Minimum');
    const dlqVisible = source.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: PERIOD });
    const ingestErrors = source.ingestFunction.metricErrors({ statistic: 'Sum', period: PERIOD });

    alarm(`${id}FreshnessAlarm`, `${id}-delivery-freshness`, freshness, {
      threshold: freshnessThresholdSeconds(props.bufferingIntervalSeconds),
      comparison: above,
      evaluationPeriods: 2,
      description: `${id}: records older than ${freshnessThresholdSeconds(props.bufferingIntervalSeconds)} s wait in Firehose — delivery to the lake is stuck.`,
    });
    alarm(`${id}ThrottledAlarm`, `${id}-throttled-records`, throttled, {
      threshold: 0,
      comparison: above,
      evaluationPeriods: 3,
      description: `${id}: Firehose throttled records for 15 minutes; the shipper retries, but the stream's quota is too small for the traffic (ask for a raise or slow replay).`,
    });
    alarm(`${id}PartitionsAlarm`, `${id}-partition-count-exceeded`, partitionsExceeded, {
      threshold: 1,
      comparison: atLeast,
      description: `${id}: more active partitions than the stream's quota; records go to errors/${source.table}/activePartitionExceeded/.`,
    });
    alarm(`${id}ProcessingAlarm`, `${id}-processing-failed`, processingSuccess, {
      threshold: 1,
      comparison: below,
      description: `${id}: transform invocations failed; after retries those batches land in errors/${source.table}/processing-failed/.`,
    });
    alarm(`${id}DeadLetterAlarm`, `${id}-dlq-not-empty`, dlqVisible, {
      threshold: 1,
      comparison: atLeast,
      description: `${id}: S3 notifications the ingest Lambda could not process are in the dead-letter queue; inspect and redrive.`,
    });
    alarm(`${id}IngestErrorsAlarm`, `${id}-ingest-errors`, ingestErrors, {
      threshold: 0,
      comparison: above,
      description: `${id}: the ingest Lambda failed invocations.`,
    });

    rows.push([
      graph(`${id}: into Firehose`, [streamMetric('IncomingBytes', 'Sum')], [streamMetric('IncomingRecords', 'Sum')]),
      graph(`${id}: delivery`, [freshness], [streamMetric('DeliveryToS3.Records', 'Sum')]),
      graph(`${id}: partitions, throttling`, [streamMetric('PartitionCount', 'Maximum'), partitionsExceeded], [throttled]),
      graph(
        `${id}: ingest`,
        [source.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: PERIOD }), dlqVisible],
        [source.ingestFunction.metricInvocations({ period: PERIOD }), ingestErrors],
      ),
    ]);
  }

  for (const [table, fn] of props.transforms) {
    const failedRecords = transformMetric(table, 'FailedRecords');
    const errors = fn.metricErrors({ statistic: 'Sum', period: PERIOD });
    alarm(`${table}TransformFailedRecordsAlarm`, `${table}-transform-failed-records`, failedRecords, {
      threshold: 0,
      comparison: above,
      description: `${table}: the transform returned ProcessingFailed records (undecodable data); they are under errors/${table}/processing-failed/.`,
    });
    alarm(`${table}TransformErrorsAlarm`, `${table}-transform-errors`, errors, {
      threshold: 0,
      comparison: above,
      description: `${table}: the transform Lambda failed invocations (Firehose retries, then writes the batch to the error prefix).`,
    });
    rows.push([
      graph(`${table} transform: rows`, [transformMetric(table, 'Rows'), transformMetric(table, 'ErrorRows')], [transformMetric(table, 'SkippedLines')]),
      graph(`${table} transform: failures`, [failedRecords, errors], [fn.metricDuration({ statistic: 'Maximum', period: PERIOD })]),
    ]);
  }

  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: `${props.name}-pipeline`,
    defaultInterval: Duration.hours(6),
    widgets: [[new cloudwatch.AlarmStatusWidget({ title: 'loghose alarms', alarms, width: 24 })], ...rows],
  });
  return { topic, alarms, dashboard };
}

function graph(title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[]): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, right, width: 6, height: 6 });
}
