import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { FIREHOSE_LIMITS } from '../config/limits.js';
import { generateSamples } from '../local/sample-logs.js';
import { transformFirehoseEvent } from '../transforms/firehose-transform.js';
import { formatOf } from '../transforms/registry.js';
import { bufferingCost, isFeasible } from './advice.js';
import { adviseProcessorBuffer, responseLimitBytes } from './processor.js';
import { loadSampleTraffic, type SampleTraffic } from './sample-traffic.js';
import { scaleTraffic, steadyTraffic, type Traffic } from './traffic.js';
import { runTuning, type TuningReport } from './tuning.js';

const config = parseConfig({});
const MiB = 1024 * 1024;
const start = Date.UTC(2026, 5, 1, 6);

function tune(traffic: Traffic, maxLatencySeconds = 900, minFileMiB = 4): TuningReport {
  return runTuning({ traffic, config, constraints: { maxLatencySeconds, minFileMiB }, lambdaBytesPerSecond: 50e6 });
}

describe('the recommendation follows the traffic (synthetic arrival processes)', () => {
  // One 20 KB record a minute: ~29 MB a day. 600 records of 256 KiB a minute: 2.5 MiB/s.
  const low = steadyTraffic({ table: 'elb', startMs: start, hours: 6, recordsPerMinute: 1, recordBytes: 20_000, expansion: 2, parquetRatio: 0.1 });
  const high = steadyTraffic({ table: 'elb', startMs: start, hours: 1, recordsPerMinute: 600, recordBytes: 256 * 1024, expansion: 2, parquetRatio: 0.1 });

  it('low traffic: the longest interval the latency allows, files too small for the floor', () => {
    const report = tune(low);
    const best = report.advice.best;
    expect(report.advice.meetsFileFloor).toBe(false);
    expect(report.advice.meetsLatency).toBe(true);
    // 900 s + the 60 s processor wait breaks a 900 s p99; 600 s is the longest that fits.
    expect(best.setting.intervalSeconds).toBe(600);
    expect(best.sizeBoundShare).toBe(0);
    expect(best.latencySeconds.p99).toBeLessThanOrEqual(900);
    expect(report.advice.notes.join('\n')).toMatch(/too low/);
  });

  it('low traffic with room for latency: 900 s and day partitions', () => {
    const report = tune(low, 1200);
    expect(report.advice.best.setting).toEqual({ sizeMiB: 128, intervalSeconds: 900, granularity: 'day' });
    // Day partitions write fewer objects than hour ones at the same buffering.
    const hourly = report.points.find((p) => p.label === '128 MiB / 900 s / hour')!;
    expect(report.advice.best.objectsPerDay).toBeLessThan(hourly.objectsPerDay);
    // The snippet applies the best hour-partitioned setting, and says why.
    expect(report.advice.snippet.buffering).toEqual({ sizeMiB: 128, intervalSeconds: 900 });
    expect(report.advice.notes.join('\n')).toMatch(/day partitions .* hour partitions/);
  });

  it('high traffic: size-bound 128 MiB buffers, files above the floor', () => {
    const report = tune(high);
    const best = report.advice.best;
    expect(report.advice.meetsFileFloor).toBe(true);
    expect(best.setting.sizeMiB).toBe(128);
    expect(best.sizeBoundShare).toBeGreaterThanOrEqual(0.9);
    expect(best.jsonBytes.p50).toBe(best.jsonBytes.max);
    expect(best.jsonBytes.p50).toBeGreaterThanOrEqual(128 * MiB);
    expect(best.jsonBytes.p50).toBeLessThan(128 * MiB + 2 * 256 * 1024);
    // ~300 MiB of JSON a minute fills 128 MiB in well under the shortest interval.
    expect(best.latencySeconds.p99).toBeLessThan(60);
    expect(report.advice.notes.join('\n')).toMatch(/size-bound/);
    // Every smaller buffer costs more (more objects).
    for (const p of report.points.filter((p) => p.setting.sizeMiB < 128)) expect(p.cost.total).toBeGreaterThan(best.cost.total);
  });

  it('a setting over the latency limit is never chosen while another meets it', () => {
    for (const traffic of [low, high]) {
      const report = tune(traffic, 300);
      expect(report.advice.best.latencySeconds.p99).toBeLessThanOrEqual(300);
      const cheaper = report.points.filter((p) => isFeasible(p, report.constraints) && bufferingCost(p) < bufferingCost(report.advice.best) * 0.99 - 0.005);
      if (report.advice.meetsFileFloor) expect(cheaper.filter((p) => p.parquetBytes.p50 >= 4 * MiB)).toEqual([]);
    }
  });

  it('flags when no setting meets the latency limit', () => {
    const report = tune(low, 30);
    expect(report.advice.meetsLatency).toBe(false);
    expect(report.advice.best.setting.intervalSeconds).toBe(60);
    expect(report.advice.notes[0]).toMatch(/no setting meets --max-latency 30/);
  });
});

describe('the recommendation follows the traffic (generated sample logs at two levels)', () => {
  let dir: string;
  let sample: SampleTraffic;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loghose-advice-'));
    await generateSamples({ dir, formats: ['alb'], start: new Date(start), hours: 2, linesPerFormat: 4000, seed: 5 });
    sample = await loadSampleTraffic({ paths: [dir], recordBytes: 256 * 1024, maxBufferedBytes: 16 * MiB });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('as sampled (~1 MB an hour): interval-bound; at 3,000× the traffic: size-bound', () => {
    const traffic = { ...sample, streams: sample.streams.map((s) => ({ ...s, profile: { ...s.profile, parquetRatio: 0.1 } })) };
    const quiet = tune(traffic, 900, 4);
    const busy = tune(scaleTraffic(traffic, 3000), 900, 4);
    expect(quiet.advice.best.sizeBoundShare).toBe(0);
    expect(quiet.advice.best.setting.intervalSeconds).toBeGreaterThanOrEqual(600);
    expect(quiet.advice.meetsFileFloor).toBe(false);
    expect(busy.advice.best.sizeBoundShare).toBeGreaterThanOrEqual(0.5);
    expect(busy.advice.best.setting.sizeMiB).toBe(128);
    expect(busy.advice.meetsFileFloor).toBe(true);
    expect(busy.advice.best.jsonBytes.p50).toBeGreaterThan(100 * quiet.advice.best.jsonBytes.p50);
    expect(busy.advice.best.cost.total).toBeGreaterThan(100 * quiet.advice.best.cost.total);
  });
});

describe('the processor buffer', () => {
  it('is the largest that keeps a full batch’s response under the Lambda limit', () => {
    const r = adviseProcessorBuffer({ expansion: 2.62, maxRecordBytes: 256 * 1024, meanRecordBytes: 100_000 });
    expect(r.safe).toBe(true);
    expect(r.bufferSizeMiB).toBe(1.4);
    expect(r.worstResponseBytes).toBeLessThanOrEqual(r.limitBytes);
    // One step (0.1 MiB) more would not be safe.
    expect(r.worstResponseBytes + 0.1 * MiB * ((2.62 * 4) / 3)).toBeGreaterThan(r.limitBytes);
    expect(r.limitBytes).toBeLessThanOrEqual(FIREHOSE_LIMITS.lambdaPayloadBytes);
  });

  it('stays within Firehose’s 0.2–3 MiB and says when even 0.2 MiB is unsafe', () => {
    expect(adviseProcessorBuffer({ expansion: 1, maxRecordBytes: 64 * 1024, meanRecordBytes: 64 * 1024 }).bufferSizeMiB).toBe(FIREHOSE_LIMITS.maxProcessorBufferMiB);
    const tooBig = adviseProcessorBuffer({ expansion: 10, maxRecordBytes: 256 * 1024, meanRecordBytes: 256 * 1024 });
    expect(tooBig).toMatchObject({ bufferSizeMiB: FIREHOSE_LIMITS.minProcessorBufferMiB, safe: false });
  });

  it('holds against the real transform on the most expanding sample data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loghose-proc-'));
    try {
      await generateSamples({ dir, formats: ['vpc_flow'], start: new Date(start), hours: 1, linesPerFormat: 30_000, badLineRate: 0, seed: 3 });
      const traffic = await loadSampleTraffic({ paths: [dir], recordBytes: 256 * 1024, maxBufferedBytes: 16 * MiB, keepData: true });
      const stream = traffic.streams[0];
      const advice = adviseProcessorBuffer({ expansion: stream.profile.expansionMax, maxRecordBytes: 256 * 1024, meanRecordBytes: stream.profile.meanRecordBytes });
      // The fullest batch Firehose can send: records until the hint is reached.
      const fullBatch = (hint: number) => {
        const records = [];
        let bytes = 0;
        for (let i = 0; bytes < hint; i++) {
          const data = stream.records[i % stream.records.length].data!;
          records.push({ recordId: `r${i}`, approximateArrivalTimestamp: start, data: data.toString('base64') });
          bytes += data.length;
        }
        return { invocationId: 'i', deliveryStreamArn: 'arn', region: 'us-east-1', records };
      };
      const safe = transformFirehoseEvent(fullBatch(advice.bufferSizeMiB * MiB), { format: formatOf('vpc_flow') });
      expect(safe.stats.oversizeFailures).toBe(0);
      expect(JSON.stringify(safe.response).length).toBeLessThanOrEqual(responseLimitBytes());
      const unsafe = transformFirehoseEvent(fullBatch(FIREHOSE_LIMITS.maxProcessorBufferMiB * MiB), { format: formatOf('vpc_flow') });
      expect(unsafe.stats.oversizeFailures).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the config snippet', () => {
  it('is valid loghose.config.json and applies the hour-partitioned recommendation and the safe processor buffer', () => {
    const report = tune(steadyTraffic({ table: 'alb', startMs: start, hours: 2, recordsPerMinute: 20, recordBytes: 200_000, expansion: 1.8, parquetRatio: 0.1 }));
    const applied = parseConfig({ ...config, ...report.advice.snippet });
    expect(applied.buffering).toEqual({ sizeMiB: report.advice.bestHourly.setting.sizeMiB, intervalSeconds: report.advice.bestHourly.setting.intervalSeconds });
    expect(applied.processor).toEqual({ ...config.processor, bufferSizeMiB: report.processor.advice.bufferSizeMiB });
    expect(Object.keys(report.advice.snippet)).toEqual(['buffering', 'processor']);
  });
});
