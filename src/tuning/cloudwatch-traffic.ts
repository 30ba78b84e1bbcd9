import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { billedBytes } from '../ingest/firehose-sender.js';
import type { TableName } from '../transforms/schema.js';
import { partitionOfEpochMillis } from '../transforms/time.js';
import { DAY_MS, type StreamTraffic, type Traffic, type TrafficProfile, type TrafficRecord } from './traffic.js';

/**
 * The arrival process of a deployed stream, from its CloudWatch metrics: `AWS/Firehose`
 * `IncomingBytes` and `IncomingRecords` per minute (Sum) over the last days (CloudWatch keeps
 * one-minute data for 15 days).
 *
 * Each minute becomes a few items spread evenly over it, each about one packed record's size
 * (at most `maxItemsPerMinute`), standing for its share of the minute's records. What the metrics
 * cannot say is taken from a profile: the JSON expansion and Parquet ratio (measured on sample
 * data of the stream's table, or given), and the event time — taken as arrival − `lagMs`, which
 * decides the partition. Ingestion is billed as the minute's records at their mean size, each
 * rounded up to 5 KB.
 */

export const MAX_METRIC_DAYS = 15;
const MINUTE_MS = 60_000;

export interface MinuteTraffic {
  /** Start of the minute (epoch ms). */
  readonly at: number;
  readonly bytes: number;
  readonly records: number;
}

/** Per-minute IncomingBytes and IncomingRecords of a stream over [start, end), minutes without data omitted. */
export async function fetchStreamMinutes(client: CloudWatchClient, streamName: string, start: Date, end: Date): Promise<MinuteTraffic[]> {
  const query = (id: string, metricName: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/Firehose', MetricName: metricName, Dimensions: [{ Name: 'DeliveryStreamName', Value: streamName }] },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: true,
  });
  const byMinute = new Map<number, { bytes: number; records: number }>();
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: [query('bytes', 'IncomingBytes'), query('records', 'IncomingRecords')],
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampAscending',
        NextToken: token,
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      const field = result.Id === 'bytes' ? 'bytes' : result.Id === 'records' ? 'records' : undefined;
      if (field === undefined) continue;
      const timestamps = result.Timestamps ?? [];
      const values = result.Values ?? [];
      timestamps.forEach((time, i) => {
        const at = Math.floor(new Date(time).getTime() / MINUTE_MS) * MINUTE_MS;
        const entry = byMinute.get(at) ?? { bytes: 0, records: 0 };
        entry[field] += values[i] ?? 0;
        byMinute.set(at, entry);
      });
    }
    token = page.NextToken;
  } while (token !== undefined);
  return [...byMinute]
    .filter(([, v]) => v.bytes > 0 && v.records > 0)
    .sort(([a], [b]) => a - b)
    .map(([at, v]) => ({ at, bytes: v.bytes, records: v.records }));
}

export interface MinutesTrafficOptions {
  readonly table: TableName;
  /** Expansion, Parquet ratio and throughput of the table's data (record sizes come from the metrics). */
  readonly profile: Omit<TrafficProfile, 'maxRecordBytes' | 'meanRecordBytes'>;
  /** Time from event to arrival: the partition is the hour of arrival − lag. @default 60 000 */
  readonly lagMs?: number;
  /** Target bytes per item (the shipper's record size). */
  readonly itemBytes: number;
  /** The most items a minute is split into (one per 5 s). @default 12 */
  readonly maxItemsPerMinute?: number;
  /** The largest record the shipper sends (bytes). */
  readonly maxRecordBytes: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly streamName: string;
}

export function trafficFromMinutes(minutes: readonly MinuteTraffic[], options: MinutesTrafficOptions): Traffic {
  const lagMs = options.lagMs ?? 60_000;
  const maxItems = options.maxItemsPerMinute ?? 12;
  const records: TrafficRecord[] = [];
  let totalBytes = 0;
  let totalRecords = 0;
  for (const minute of minutes) {
    const meanRecord = minute.bytes / minute.records;
    const billedPerRecord = billedBytes(meanRecord);
    const items = Math.max(1, Math.min(Math.ceil(minute.records), maxItems, Math.ceil(minute.bytes / options.itemBytes)));
    totalBytes += minute.bytes;
    totalRecords += minute.records;
    for (let i = 0; i < items; i++) {
      const arrival = minute.at + Math.floor(((i + 0.5) * MINUTE_MS) / items);
      const share = minute.records / items;
      const bytes = minute.bytes / items;
      const partition = partitionOfEpochMillis(arrival - lagMs);
      records.push({
        arrival,
        bytes,
        billedBytes: share * billedPerRecord,
        jsonBytes: bytes * options.profile.expansionMean,
        dt: partition.slice(0, 10),
        hour: partition.slice(11, 13),
        records: share,
        rows: 0,
      });
    }
  }
  const stream: StreamTraffic = {
    table: options.table,
    records,
    aggregated: true,
    profile: {
      ...options.profile,
      maxRecordBytes: options.maxRecordBytes,
      meanRecordBytes: totalRecords > 0 ? totalBytes / totalRecords : options.itemBytes,
    },
  };
  const days = (options.endMs - options.startMs) / DAY_MS;
  return {
    source: 'cloudwatch',
    startMs: options.startMs,
    endMs: options.endMs,
    streams: [stream],
    scale: 1,
    notes: [
      `CloudWatch AWS/Firehose IncomingBytes/IncomingRecords of ${options.streamName} per minute over ${days.toFixed(days < 1 ? 2 : 0)} day(s): ${minutes.length} minutes with traffic, ${Math.round(totalRecords)} records, ${(totalBytes / 1e6).toFixed(1)} MB`,
      `each minute split into up to ${maxItems} evenly spaced items; partition = hour of arrival − ${lagMs / 1000} s; records billed at the minute's mean size`,
    ],
  };
}

export interface StreamTrafficOptions extends Omit<MinutesTrafficOptions, 'startMs' | 'endMs'> {
  readonly client: CloudWatchClient;
  readonly days: number;
  /** End of the window; the current minute by default. */
  readonly end?: Date;
}

export async function loadStreamTraffic(options: StreamTrafficOptions): Promise<Traffic> {
  if (!(options.days > 0 && options.days <= MAX_METRIC_DAYS)) throw new Error(`days must be within 0–${MAX_METRIC_DAYS} (CloudWatch keeps one-minute data for 15 days)`);
  const endMs = Math.floor((options.end ?? new Date()).getTime() / MINUTE_MS) * MINUTE_MS;
  const startMs = endMs - Math.round(options.days * DAY_MS);
  const minutes = await fetchStreamMinutes(options.client, options.streamName, new Date(startMs), new Date(endMs));
  return trafficFromMinutes(minutes, { ...options, startMs, endMs });
}
