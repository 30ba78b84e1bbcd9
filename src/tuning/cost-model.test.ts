import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FIREHOSE_LIMITS } from '../config/limits.js';
import { US_EAST_1_PRICES, withPrices } from '../config/prices.js';
import { billedBytes } from '../ingest/firehose-sender.js';
import { shipObject } from '../ingest/shipper.js';
import { formatOf } from '../transforms/registry.js';
import { DEFAULT_COST_ASSUMPTIONS, lambdaDurationMs, lambdaGbSeconds, monthlyCost, type MonthlyUsage } from './cost-model.js';
import { evaluateSetting } from './grid.js';
import { DAY_MS, type Traffic, type TrafficRecord } from './traffic.js';

const none: MonthlyUsage = { billedBytes: 0, partitionedBytes: 0, objects: 0, lambdaInvocations: 0, lambdaGbSeconds: 0 };
const P = US_EAST_1_PRICES;

describe('monthlyCost', () => {
  it('bills 1,000 records of 300 bytes as 1,000 × 5 KB, for ingestion and format conversion', () => {
    expect(FIREHOSE_LIMITS.billingRecordBytes).toBe(5 * 1024);
    const billed = 1000 * billedBytes(300);
    expect(billed).toBe(1000 * 5120);
    const cost = monthlyCost({ ...none, billedBytes: billed });
    // 5,120,000 bytes = 0.00512 GB
    expect(cost.ingestion).toBeCloseTo(0.00512 * 0.029, 12);
    expect(cost.formatConversion).toBeCloseTo(0.00512 * 0.018, 12);
    expect(cost.total).toBeCloseTo(0.00512 * (0.029 + 0.018), 12);
  });

  it('rounds each record up to the next 5 KB step, never down', () => {
    expect(billedBytes(1)).toBe(5120);
    expect(billedBytes(5120)).toBe(5120);
    expect(billedBytes(5121)).toBe(10240);
    expect(billedBytes(256 * 1024)).toBe(52 * 5120); // 256 KiB = 51.2 × 5 KiB → 52 steps
    expect(billedBytes(52 * 5120 + 1)).toBe(53 * 5120);
  });

  it('the shipper’s packing makes the same 1,000 lines of 300 bytes cost 17× less to ingest', async () => {
    const line = (i: number) =>
      `2026-03-01T10:00:${String(i % 60).padStart(2, '0')}.000000Z lb 10.0.0.1:1 10.1.0.1:80 0.1 0.2 0.3 200 200 10 20 "GET http://x/${'a'.repeat(400)}`.slice(0, 299);
    const text = Array.from({ length: 1000 }, (_v, i) => line(i)).join('\n');
    const sizes: number[] = [];
    await shipObject({
      key: 'a.log',
      body: Readable.from([Buffer.from(text)]),
      format: formatOf('elb'),
      recordBytes: 256 * 1024,
      maxBufferedBytes: 1 << 24,
      sink: (r) => void sizes.push(r.data.length),
    });
    // 300,000 bytes of lines (newlines included) in records of up to 256 KiB: two records.
    expect(sizes).toHaveLength(2);
    expect(sizes[0]).toBeLessThanOrEqual(256 * 1024);
    expect(sizes[0] + sizes[1]).toBe(1000 * 300 - 2);
    const packed = billedBytes(sizes[0]) + billedBytes(sizes[1]);
    expect(packed).toBe((Math.ceil(sizes[0] / 5120) + Math.ceil(sizes[1] / 5120)) * 5120);
    expect(packed).toBeLessThanOrEqual(60 * 5120);
    const onePerLine = 1000 * billedBytes(300);
    expect(onePerLine / packed).toBeGreaterThan(16);
    expect(monthlyCost({ ...none, billedBytes: onePerLine }).ingestion / monthlyCost({ ...none, billedBytes: packed }).ingestion).toBeCloseTo(onePerLine / packed, 9);
  });

  it('charges dynamic partitioning per GB and per 1,000 objects, and one S3 PUT per object', () => {
    const cost = monthlyCost({ ...none, partitionedBytes: 2e9, objects: 2000 });
    expect(cost.partitioningPerGB).toBeCloseTo(2 * 0.02, 12);
    expect(cost.partitioningPerObject).toBeCloseTo(2 * 0.005, 12);
    expect(cost.s3Puts).toBeCloseTo(2 * 0.005, 12);
    // 2,000 objects × 100 queries × 2 GETs = 400,000 GETs at $0.0004 / 1,000
    expect(cost.athenaPerFile).toBeCloseTo(400 * 0.0004, 12);
    expect(cost.total).toBeCloseTo(0.04 + 0.01 + 0.01 + 0.16, 12);
  });

  it('charges Lambda per GB-second and per million requests', () => {
    const cost = monthlyCost({ ...none, lambdaInvocations: 1_000_000, lambdaGbSeconds: 100_000 });
    expect(cost.lambdaRequests).toBeCloseTo(0.2, 12);
    expect(cost.lambdaCompute).toBeCloseTo(100_000 * 0.0000166667, 9);
  });

  it('takes every price from the table and the assumptions given', () => {
    const prices = withPrices({ s3PutPer1000: 1, dynamicPartitioningPer1000Objects: 2, s3GetPer1000: 3 });
    const cost = monthlyCost({ ...none, objects: 1000 }, prices, { putsPerObject: 2, athenaQueriesPerMonth: 10, getsPerObjectPerQuery: 1 });
    expect(cost).toMatchObject({ s3Puts: 2, partitioningPerObject: 2, athenaPerFile: 30, total: 34 });
  });

  it('models Lambda duration from the throughput and the memory’s share of a vCPU', () => {
    const full = { memoryMiB: 1769, bytesPerSecondPerVcpu: 10e6, overheadMs: 10 };
    expect(lambdaDurationMs(1e6, full)).toBeCloseTo(110, 9);
    expect(lambdaDurationMs(1e6, { ...full, memoryMiB: 1769 / 2 })).toBeCloseTo(210, 9);
    expect(lambdaDurationMs(1e6, { ...full, memoryMiB: 3538 })).toBeCloseTo(110, 9); // single-threaded: no gain past one vCPU
    // 1 MiB: 104.8576 ms + 10 → billed 115 ms, × 512/1024 GB
    // 512 MiB: 512/1769 of a vCPU → 10 + 104.8576 × 1769/512 ms, billed to the next ms, × 0.5 GB.
    expect(lambdaGbSeconds(1048576, { ...full, memoryMiB: 512 })).toBeCloseTo((Math.ceil(10 + (104.8576 * 1769) / 512) / 1000) * 0.5, 12);
    expect(lambdaGbSeconds(1048576, full)).toBeCloseTo((115 / 1000) * (1769 / 1024), 12);
  });
});

describe('evaluateSetting scales a simulated day to a month', () => {
  it('hand-computed: ten 1 KB records in one minute of one day → one object, one invocation', () => {
    const records: TrafficRecord[] = Array.from({ length: 10 }, (_v, i) => ({
      arrival: 1000 * i,
      bytes: 1000,
      billedBytes: billedBytes(1000),
      jsonBytes: 2000,
      dt: '1970-01-01',
      hour: '00',
      records: 1,
      rows: 4,
    }));
    const traffic: Traffic = {
      source: 'synthetic',
      startMs: 0,
      endMs: DAY_MS,
      scale: 1,
      notes: [],
      streams: [
        {
          table: 'elb',
          records,
          aggregated: false,
          profile: { expansionMean: 2, expansionMax: 2, parquetRatio: 0.1, transformBytesPerSecond: 1e6, maxRecordBytes: 1000, meanRecordBytes: 1000 },
        },
      ],
    };
    const point = evaluateSetting(
      traffic,
      { sizeMiB: 64, intervalSeconds: 60, granularity: 'hour' },
      { processor: { bufferSizeMiB: 1, bufferIntervalSeconds: 60, memoryMiB: 1769 }, maxActivePartitions: 500, lambdaOverheadMs: 0 },
    );
    // Processor: opened at 0, invoked at 60 s; the partition opened at 60 s, delivered at 120 s.
    expect(point.objects).toBe(1);
    expect(point.objectsPerDay).toBe(1);
    expect(point.jsonBytes.max).toBe(20_000);
    expect(point.parquetBytes.max).toBeCloseTo(2000, 9);
    expect(point.latencySeconds.p50).toBe(120 - 5);
    expect(point.latencySeconds.max).toBe(120);
    expect(point.lambda.invocationsPerDay).toBe(1);
    expect(point.sizeBoundShare).toBe(0);
    // A month = 30 such days.
    expect(point.monthly).toMatchObject({ billedBytes: 30 * 10 * 5120, partitionedBytes: 30 * 20_000, objects: 30, lambdaInvocations: 30 });
    // One invocation of 10,000 bytes at 1 MB/s on a full vCPU: 10 ms, × 1769/1024 GB.
    expect(point.monthly.lambdaGbSeconds).toBeCloseTo(30 * (10 / 1000) * (1769 / 1024), 12);
    const c = point.cost;
    expect(c.ingestion).toBeCloseTo(((30 * 10 * 5120) / 1e9) * P.firehoseIngestionPerGB, 15);
    expect(c.partitioningPerObject).toBeCloseTo((30 / 1000) * P.dynamicPartitioningPer1000Objects, 15);
    expect(c.s3Puts).toBeCloseTo((30 / 1000) * P.s3PutPer1000, 15);
    expect(c.athenaPerFile).toBeCloseTo(((30 * DEFAULT_COST_ASSUMPTIONS.athenaQueriesPerMonth * 2) / 1000) * P.s3GetPer1000, 15);
    expect(c.lambdaRequests).toBeCloseTo((30 / 1e6) * P.lambdaPerMillionRequests, 15);
  });
});
