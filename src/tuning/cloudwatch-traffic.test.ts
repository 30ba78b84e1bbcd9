import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { runTuneCommand } from '../cli/commands/tune.js';
import { billedBytes } from '../ingest/firehose-sender.js';
import { fetchStreamMinutes, loadStreamTraffic, trafficFromMinutes } from './cloudwatch-traffic.js';

const cloudwatchMock = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

afterEach(() => {
  cloudwatchMock.reset();
});

const T0 = Date.UTC(2026, 6, 1, 10);
const minute = (i: number) => new Date(T0 + i * 60_000);
const profile = { expansionMean: 2, expansionMax: 2.2, parquetRatio: 0.1, transformBytesPerSecond: 50e6 };

/** Two pages: minutes 0–1 on the first, 2–3 on the second (CloudWatch pages by data points). */
function answerInPages(): void {
  cloudwatchMock
    .on(GetMetricDataCommand)
    .resolvesOnce({
      MetricDataResults: [
        { Id: 'bytes', Timestamps: [minute(0), minute(1)], Values: [1_000_000, 0], StatusCode: 'PartialData' },
        { Id: 'records', Timestamps: [minute(0), minute(1)], Values: [10, 0], StatusCode: 'PartialData' },
      ],
      NextToken: 'page-2',
    })
    .resolvesOnce({
      MetricDataResults: [
        { Id: 'bytes', Timestamps: [minute(2), minute(3)], Values: [300, 2_621_440], StatusCode: 'Complete' },
        { Id: 'records', Timestamps: [minute(2), minute(3)], Values: [1, 10], StatusCode: 'Complete' },
      ],
    });
}

describe('CloudWatch input', () => {
  it('asks for IncomingBytes and IncomingRecords per minute of the stream, following NextToken', async () => {
    answerInPages();
    const minutes = await fetchStreamMinutes(client, 'loghose-alb', minute(0), minute(4));
    expect(minutes).toEqual([
      { at: T0, bytes: 1_000_000, records: 10 },
      { at: T0 + 120_000, bytes: 300, records: 1 },
      { at: T0 + 180_000, bytes: 2_621_440, records: 10 },
    ]);
    const calls = cloudwatchMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input as GetMetricDataCommandInput);
    expect(calls).toHaveLength(2);
    expect(calls[1].NextToken).toBe('page-2');
    expect(calls[0]).toMatchObject({ StartTime: minute(0), EndTime: minute(4), ScanBy: 'TimestampAscending' });
    expect(calls[0].MetricDataQueries!.map((q) => [q.MetricStat!.Metric!.Namespace, q.MetricStat!.Metric!.MetricName, q.MetricStat!.Period, q.MetricStat!.Stat])).toEqual([
      ['AWS/Firehose', 'IncomingBytes', 60, 'Sum'],
      ['AWS/Firehose', 'IncomingRecords', 60, 'Sum'],
    ]);
    expect(calls[0].MetricDataQueries![0].MetricStat!.Metric!.Dimensions).toEqual([{ Name: 'DeliveryStreamName', Value: 'loghose-alb' }]);
  });

  it('turns minutes into an arrival process: items spread over the minute, bytes and records conserved, 5 KB rounding at the mean size', () => {
    const minutes = [
      { at: T0, bytes: 1_000_000, records: 10 },
      { at: T0 + 3_540_000, bytes: 300, records: 1 },
    ];
    const traffic = trafficFromMinutes(minutes, { table: 'alb', profile, itemBytes: 256 * 1024, maxRecordBytes: 256 * 1024, startMs: T0, endMs: T0 + 3_600_000, streamName: 's', lagMs: 0 });
    const records = traffic.streams[0].records;
    // 1 MB / 256 KiB → 4 items in the first minute, 1 in the last.
    expect(records.map((r) => r.arrival)).toEqual([T0 + 7_500, T0 + 22_500, T0 + 37_500, T0 + 52_500, T0 + 3_570_000]);
    expect(records.reduce((n, r) => n + r.bytes, 0)).toBeCloseTo(1_000_300, 6);
    expect(records.reduce((n, r) => n + r.records, 0)).toBeCloseTo(11, 9);
    expect(records.reduce((n, r) => n + r.billedBytes, 0)).toBeCloseTo(10 * billedBytes(100_000) + billedBytes(300), 6);
    expect(records.reduce((n, r) => n + r.jsonBytes, 0)).toBeCloseTo(2 * 1_000_300, 6);
    expect(records.every((r) => r.dt === '2026-07-01' && r.hour === '10')).toBe(true);
    expect(traffic.streams[0].aggregated).toBe(true);
    expect(traffic.streams[0].profile.meanRecordBytes).toBeCloseTo(1_000_300 / 11, 9);
  });

  it('takes the partition from arrival − lag', () => {
    const traffic = trafficFromMinutes([{ at: T0, bytes: 1000, records: 1 }], { table: 'alb', profile, itemBytes: 1 << 18, maxRecordBytes: 1 << 18, startMs: T0, endMs: T0 + 60_000, streamName: 's', lagMs: 120_000 });
    expect(traffic.streams[0].records[0]).toMatchObject({ dt: '2026-07-01', hour: '09' });
  });

  it('loads the last N days ending at the current minute', async () => {
    answerInPages();
    const traffic = await loadStreamTraffic({ client, streamName: 'loghose-alb', days: 1, end: new Date(T0 + 3_600_000 + 30_000), table: 'alb', profile, itemBytes: 1 << 18, maxRecordBytes: 1 << 18 });
    expect(traffic.endMs).toBe(T0 + 3_600_000);
    expect(traffic.startMs).toBe(T0 + 3_600_000 - 86_400_000);
    expect(traffic.source).toBe('cloudwatch');
    await expect(loadStreamTraffic({ client, streamName: 'x', days: 16, table: 'alb', profile, itemBytes: 1, maxRecordBytes: 1 })).rejects.toThrow(/15/);
  });

  it('loghose tune --stream simulates the metrics and recommends a setting', async () => {
    // A steady 2 MB a minute for a day.
    cloudwatchMock.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
      const start = (input.StartTime as Date).getTime();
      const timestamps = Array.from({ length: 1440 }, (_v, i) => new Date(start + i * 60_000));
      return {
        MetricDataResults: [
          { Id: 'bytes', Timestamps: timestamps, Values: timestamps.map(() => 2_000_000) },
          { Id: 'records', Timestamps: timestamps, Values: timestamps.map(() => 8) },
        ],
      };
    });
    const { report, output } = await runTuneCommand(
      { stream: 'loghose-alb', days: '1', expansion: '1.8', parquetRatio: '0.1', lambdaMbps: '40', json: true },
      { cloudwatch: client, now: new Date(T0) },
      parseConfig({}),
    );
    expect(report.input.source).toBe('cloudwatch');
    expect(report.input.days).toBe(1);
    expect(report.input.streams[0]).toMatchObject({ table: 'alb', records: 1440 * 8, bytes: 1440 * 2_000_000 });
    expect(report.input.streams[0].billedBytes).toBeCloseTo(1440 * 8 * billedBytes(250_000), 3);
    expect(report.points).toHaveLength(30);
    // 2 MB/min × 1.8 = 3.6 MB JSON a minute: 128 MiB fills in ~37 min, so it is interval-bound at ≤ 900 s.
    expect(report.advice.best.sizeBoundShare).toBe(0);
    const parsed = JSON.parse(output);
    expect(parsed.recommendation.snippet.buffering).toEqual({ sizeMiB: report.advice.bestHourly.setting.sizeMiB, intervalSeconds: report.advice.bestHourly.setting.intervalSeconds });
  });

  it('loghose tune --stream measures expansion and Parquet ratio on generated logs of the stream’s table when not given', async () => {
    cloudwatchMock.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
      const start = (input.StartTime as Date).getTime();
      const timestamps = Array.from({ length: 60 }, (_v, i) => new Date(start + i * 60_000));
      return {
        MetricDataResults: [
          { Id: 'bytes', Timestamps: timestamps, Values: timestamps.map(() => 500_000) },
          { Id: 'records', Timestamps: timestamps, Values: timestamps.map(() => 2) },
        ],
      };
    });
    const { report } = await runTuneCommand({ stream: 'loghose-vpc_flow', days: '1' }, { cloudwatch: client, now: new Date(T0) }, parseConfig({}));
    const stream = report.input.streams[0];
    expect(stream.table).toBe('vpc_flow');
    expect(stream.expansionMean).toBeGreaterThan(1.5);
    expect(stream.parquetRatio).toBeGreaterThan(0);
    expect(stream.parquetRatio).toBeLessThan(1);
    expect(stream.parquetRatioSource).toMatch(/generated vpc_flow/);
    expect(stream.transformMBps).toBeGreaterThan(0);
    expect(report.input.notes.join('\n')).toMatch(/measured on generated vpc_flow logs/);
  });

  it('loghose tune --stream says which stream it could not read', async () => {
    cloudwatchMock.on(GetMetricDataCommand).rejects(new Error('User is not authorized to perform: cloudwatch:GetMetricData'));
    await expect(
      runTuneCommand({ stream: 'loghose-alb', expansion: '2', parquetRatio: '0.1', lambdaMbps: '40' }, { cloudwatch: client }, parseConfig({})),
    ).rejects.toThrow(/cannot read the CloudWatch metrics of loghose-alb: User is not authorized/);
    await expect(runTuneCommand({ stream: 'mystream', expansion: '2', parquetRatio: '0.1', lambdaMbps: '40' }, { cloudwatch: client }, parseConfig({}))).rejects.toThrow(/--table/);
  });
});
