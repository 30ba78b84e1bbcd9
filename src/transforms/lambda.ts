import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { transformFirehoseEvent, type FirehoseTransformEvent } from './firehose-transform.js';
import { formatOf } from './registry.js';
import { isTableName } from './schema.js';

/**
 * The Firehose transform Lambda. Each delivery stream serves one table, named by the
 * `LOGHOSE_TABLE` environment variable. Bad data never throws: it becomes error rows or
 * `ProcessingFailed` records. Only a misconfigured function (unknown table) fails the invocation.
 */

const logger = new Logger({ serviceName: 'loghose-transform' });
const metrics = new Metrics({ namespace: 'loghose', serviceName: 'loghose-transform' });

function configuredTable() {
  const table = process.env.LOGHOSE_TABLE ?? '';
  if (!isTableName(table)) throw new Error(`LOGHOSE_TABLE must name a loghose table, got ${JSON.stringify(table)}`);
  return table;
}

export const handler = async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
  const table = configuredTable();
  const { response, stats, failures } = transformFirehoseEvent(event as FirehoseTransformEvent, { format: formatOf(table) });
  metrics.addDimension('table', table);
  metrics.addMetric('Records', MetricUnit.Count, stats.records);
  metrics.addMetric('Rows', MetricUnit.Count, stats.rows);
  metrics.addMetric('ErrorRows', MetricUnit.Count, stats.errorRows);
  metrics.addMetric('SkippedLines', MetricUnit.Count, stats.skippedLines);
  metrics.addMetric('FailedRecords', MetricUnit.Count, stats.failedRecords);
  metrics.addMetric('CrossPartitionRows', MetricUnit.Count, stats.crossPartitionRows);
  metrics.addMetric('RepairedRecords', MetricUnit.Count, stats.repairedRecords);
  metrics.publishStoredMetrics();
  logger.info('transformed', { table, invocationId: event.invocationId, ...stats });
  if (failures.length > 0) logger.warn('records failed', { failures: failures.slice(0, 20), total: failures.length });
  return response as FirehoseTransformationResult;
};
