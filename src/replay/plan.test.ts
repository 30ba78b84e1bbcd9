import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { FIREHOSE_LIMITS } from '../config/limits.js';
import { GB, US_EAST_1_PRICES } from '../config/prices.js';
import { billedBytes } from '../ingest/firehose-sender.js';
import { generateSamples } from '../local/sample-logs.js';
import { keyDate } from './key-dates.js';
import { emptyListingStats, listReplayObjects, type ReplayObject } from './listing.js';
import { DEFAULT_ESTIMATES, buildPlan, estimateObject, sampleEstimates, type TableEstimate } from './plan.js';
import { at, keys } from './testing.js';

const config = parseConfig({});
const R = config.shipper.recordKiB * 1024;

function object(key: string, size: number): ReplayObject {
  const date = keyDate(key);
  return { key, size, location: key, open: async () => Readable.from([]), table: date?.table, keyDate: date };
}

describe('estimateObject', () => {
  it('packs an object hour by hour into records and rounds each record up to 5 KB', () => {
    const small = estimateObject(object(keys.alb(at('2024-05-10', 10, 5)), 1000), { uncompressedPerByte: 10, lineBytes: 500 }, R);
    expect(small).toMatchObject({ bytes: 10_000, lines: 20, records: 1, billedBytes: 2 * FIREHOSE_LIMITS.billingRecordBytes, hours: ['2024-05-10/10'] });

    const big = estimateObject(object(keys.alb(at('2024-05-10', 10, 5)), 1_000_000), { uncompressedPerByte: 10, lineBytes: 500 }, R);
    const full = Math.floor(10_000_000 / R);
    expect(big.records).toBe(full + 1);
    expect(big.billedBytes).toBe(full * billedBytes(R) + billedBytes(10_000_000 - full * R));
  });

  it('spreads an object over the hours of its usual window and keeps only the share in range', () => {
    // An S3 access log delivered at 00:30 usually holds 23:30–00:30.
    const o = object(keys.s3Simple(at('2024-05-10', 0, 30)), 1000);
    const e = estimateObject(o, { uncompressedPerByte: 1, lineBytes: 100 }, R);
    expect(e.hours).toEqual(['2024-05-09/23', '2024-05-10/00']);
    expect(e.records).toBe(2);
    const clipped = estimateObject(o, { uncompressedPerByte: 1, lineBytes: 100 }, R, { start: at('2024-05-10'), end: at('2024-05-11') });
    expect(clipped.hours).toEqual(['2024-05-10/00']);
    expect(clipped.bytes).toBe(500);
  });
});

describe('buildPlan', () => {
  it('totals per day, counts event-hour partitions and prices the indexing from the price table', () => {
    const objects = [
      object(keys.cloudfront(at('2024-05-10', 1)), 100_000),
      object(keys.cloudfront(at('2024-05-10', 1), 1), 50_000),
      object(keys.cloudfront(at('2024-05-10', 2)), 100_000),
      object(keys.cloudfront(at('2024-05-11', 23)), 100_000),
    ];
    const estimates = new Map<string, TableEstimate>([['cloudfront', { uncompressedPerByte: 8, lineBytes: 400, method: 'sampled', sampledObjects: 2 }]]);
    const plan = buildPlan(objects, { source: 's3://logs/cf/', range: { from: '2024-05-10', to: '2024-05-11' }, config, maxActivePartitions: 2, estimates });
    expect(plan.days.map((d) => [d.day, d.objects, d.bytes, d.partitions])).toEqual([
      ['2024-05-10', 3, 250_000, 2],
      ['2024-05-11', 1, 100_000, 1],
    ]);
    expect(plan.totals.objects).toBe(4);
    expect(plan.totals.estimatedBytes).toBe(350_000 * 8);
    expect(plan.totals.estimatedLines).toBe(Math.round(800_000 / 400) * 3 + Math.round(400_000 / 400));
    expect(plan.partitions).toMatchObject({ estimated: 3, maxActive: 2, windows: 2, holdSeconds: 540, minimumSeconds: 540 });
    const billed = objects.reduce((sum, o) => sum + estimateObject(o, estimates.get('cloudfront')!, R).billedBytes, 0);
    expect(plan.totals.billedBytes).toBe(billed);
    const p = US_EAST_1_PRICES;
    expect(plan.cost.ingestion).toBeCloseTo((billed / GB) * p.firehoseIngestionPerGB, 6);
    expect(plan.cost.formatConversion).toBeCloseTo((billed / GB) * p.formatConversionPerGB, 6);
    expect(plan.cost.deliveredObjects).toBe(3);
    expect(plan.cost.dynamicPartitioning).toBeCloseTo(((350_000 * 8) / GB) * p.dynamicPartitioningPerGB + (3 / 1000) * p.dynamicPartitioningPer1000Objects, 6);
    expect(plan.cost.total).toBeCloseTo(plan.cost.ingestion + plan.cost.formatConversion + plan.cost.dynamicPartitioning, 5);
    expect(JSON.parse(JSON.stringify(plan)).objects[0]).toMatchObject({ key: objects[0].key, size: 100_000, table: 'cloudfront', day: '2024-05-10' });
  });

  it('falls back to per-format defaults without samples', () => {
    const plan = buildPlan([object(keys.vpc(at('2024-05-10', 3, 5)), 1000)], { source: 'x', config, maxActivePartitions: 400, estimates: new Map() });
    expect(plan.totals.estimatedBytes).toBe(1000 * DEFAULT_ESTIMATES.vpc_flow.uncompressedPerByte);
  });
});

describe('sampleEstimates', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loghose-plan-'));
    await generateSamples({ dir, formats: ['alb', 's3_access'], start: new Date(Date.UTC(2024, 4, 10, 1)), hours: 1, linesPerFormat: 600, badLineRate: 0, seed: 5 });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a few objects per table to measure bytes shipped and line size', async () => {
    const objects: ReplayObject[] = [];
    for await (const o of listReplayObjects({ source: dir, range: { from: '2024-05-10', to: '2024-05-10' }, stats: emptyListingStats() })) objects.push(o);
    const estimates = await sampleEstimates(objects, { objects: 2, recordBytes: R, maxBufferedBytes: 16 * 1024 * 1024 });
    const alb = estimates.get('alb')!;
    expect(alb.method).toBe('sampled');
    expect(alb.sampledObjects).toBe(2);
    // gzip: more bytes shipped than stored.
    expect(alb.uncompressedPerByte).toBeGreaterThan(1.5);
    expect(alb.lineBytes).toBeGreaterThan(200);
    expect(estimates.get('s3_access')!.uncompressedPerByte).toBeCloseTo(1, 1);
    const none = await sampleEstimates(objects, { objects: 0, recordBytes: R, maxBufferedBytes: 1 << 20 });
    expect(none.get('alb')).toMatchObject({ method: 'default', ...DEFAULT_ESTIMATES.alb });
  });
});
