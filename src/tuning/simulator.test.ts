import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BufferHints } from '../local/buffer.js';
import { countedRows } from '../local/testing.js';
import { VirtualClock } from '../local/clock.js';
import { LocalDeliveryStream, type DeliverySink, type TransformInvoker } from '../local/delivery-stream.js';
import { generateSamples } from '../local/sample-logs.js';
import { transformFirehoseEvent } from '../transforms/firehose-transform.js';
import { formatOf } from '../transforms/registry.js';
import { loadSampleTraffic, type SampleTraffic } from './sample-traffic.js';
import { simulateStream, type Granularity, type SimulationSettings } from './simulator.js';
import type { StreamTraffic } from './traffic.js';

/**
 * The simulator against the real thing: the same records, put into `LocalDeliveryStream` on a
 * virtual clock (every deadline fired at its own time before each arrival, then drained), write
 * exactly the objects the simulator predicts.
 */

class MemorySink implements DeliverySink {
  async writeObject(request: { ndjsonPath: string }) {
    const counted = countedRows(readFileSync(request.ndjsonPath, 'utf8').split('\n').filter((line) => line.length > 0));
    return { ...counted, bytes: counted.rows, path: '', failed: [] };
  }
  async writeErrors() {}
}

/** The transform, with day partitions: every record's hour key set to 00. */
function transformFor(stream: StreamTraffic, granularity: Granularity): TransformInvoker {
  const format = formatOf(stream.table);
  return (event) => {
    const { response } = transformFirehoseEvent(event, { format });
    if (granularity === 'day') for (const r of response.records) if (r.metadata) r.metadata.partitionKeys.hour = '00';
    return response;
  };
}

async function runLocalStream(stream: StreamTraffic, settings: SimulationSettings) {
  const clock = new VirtualClock(stream.records[0].arrival);
  const local = new LocalDeliveryStream({
    name: `tune-${stream.table}`,
    format: formatOf(stream.table),
    sink: new MemorySink(),
    clock,
    processor: { ...settings.processor, retries: 0 },
    buffering: settings.buffering,
    maxActivePartitions: settings.maxActivePartitions,
    transform: transformFor(stream, settings.granularity),
  });
  for (const record of stream.records) {
    while (local.nextDueAt <= record.arrival) {
      clock.set(local.nextDueAt);
      await local.tick();
    }
    clock.set(record.arrival);
    await local.put([record.data!]);
  }
  while (local.nextDueAt < Infinity) {
    clock.set(local.nextDueAt);
    await local.tick();
  }
  return local;
}

let dir: string;
let traffic: SampleTraffic;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loghose-sim-'));
  await generateSamples({
    dir,
    formats: ['alb', 'cloudfront', 'vpc_flow'],
    start: new Date(Date.UTC(2026, 4, 3, 22, 30)),
    hours: 2.5,
    linesPerFormat: 3000,
    badLineRate: 0.01,
    seed: 11,
  });
  traffic = await loadSampleTraffic({ paths: [dir], recordBytes: 24 * 1024, maxBufferedBytes: 1 << 20, keepData: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const KiB = 1024;
const cases: { name: string; buffering: BufferHints; processor: BufferHints; granularity: Granularity; maxActivePartitions?: number }[] = [
  { name: 'interval-bound, hour partitions', buffering: { sizeBytes: 64 * 1024 * KiB, intervalMs: 300_000 }, processor: { sizeBytes: 1024 * KiB, intervalMs: 60_000 }, granularity: 'hour' },
  { name: 'interval-bound, day partitions', buffering: { sizeBytes: 64 * 1024 * KiB, intervalMs: 900_000 }, processor: { sizeBytes: 1024 * KiB, intervalMs: 60_000 }, granularity: 'day' },
  { name: 'size-bound S3 and processor buffers', buffering: { sizeBytes: 200 * KiB, intervalMs: 600_000 }, processor: { sizeBytes: 100 * KiB, intervalMs: 30_000 }, granularity: 'hour' },
  { name: 'size-bound, day partitions, no processor wait', buffering: { sizeBytes: 300 * KiB, intervalMs: 120_000 }, processor: { sizeBytes: 64 * KiB, intervalMs: 0 }, granularity: 'day' },
  { name: 'active-partition limit of 1', buffering: { sizeBytes: 64 * 1024 * KiB, intervalMs: 300_000 }, processor: { sizeBytes: 1024 * KiB, intervalMs: 60_000 }, granularity: 'hour', maxActivePartitions: 1 },
];

describe('simulateStream matches LocalDeliveryStream', () => {
  it('loads enough traffic to make the comparison meaningful', () => {
    expect(traffic.streams.map((s) => s.table)).toEqual(['alb', 'cloudfront', 'vpc_flow']);
    for (const stream of traffic.streams) expect(stream.records.length).toBeGreaterThan(20);
  });

  for (const c of cases) {
    it(`writes the same objects: ${c.name}`, async () => {
      const settings: SimulationSettings = { buffering: c.buffering, processor: c.processor, granularity: c.granularity, maxActivePartitions: c.maxActivePartitions ?? 500 };
      const reasons = new Set<string>();
      for (const stream of traffic.streams) {
        const simulated = simulateStream(stream.records, settings);
        const local = await runLocalStream(stream, settings);

        expect(simulated.objects.length).toBeGreaterThan(0);
        expect(simulated.objects.length).toBe(local.deliveries.length);
        expect(simulated.objects.map((o) => o.jsonBytes)).toEqual(local.deliveries.map((d) => d.jsonBytes));
        expect(simulated.objects.map((o) => [o.partition, o.rows, o.openedAt, o.deliveredAt, o.reason])).toEqual(
          local.deliveries.map((d) => [c.granularity === 'hour' ? `dt=${d.dt}/hour=${d.hour}` : `dt=${d.dt}`, d.rows, d.openedAt, d.deliveredAt, d.reason]),
        );
        expect(simulated.invocations.length).toBe(local.stats.invocations);
        expect(simulated.peakActivePartitions).toBe(local.stats.peakActivePartitions);
        expect(simulated.exceededRecords).toBe(local.stats.partitionExceededRecords);
        for (const o of simulated.objects) reasons.add(o.reason);
      }
      if (c.name.startsWith('size-bound')) expect(reasons).toEqual(new Set(['size', 'interval']));
      if (c.name.startsWith('interval-bound')) expect(reasons).toEqual(new Set(['interval']));
      if (c.maxActivePartitions === 1) {
        expect(traffic.streams.some((s) => simulateStream(s.records, settings).exceededRecords > 0)).toBe(true);
      }
    });
  }

  it('day partitions write fewer objects than hour partitions across an hour boundary', () => {
    const base = { buffering: { sizeBytes: 64 * 1024 * KiB, intervalMs: 900_000 }, processor: { sizeBytes: 1024 * KiB, intervalMs: 60_000 }, maxActivePartitions: 500 };
    for (const stream of traffic.streams) {
      const hour = simulateStream(stream.records, { ...base, granularity: 'hour' });
      const day = simulateStream(stream.records, { ...base, granularity: 'day' });
      expect(day.objects.length).toBeLessThanOrEqual(hour.objects.length);
      expect(day.objects.reduce((n, o) => n + o.jsonBytes, 0)).toBe(hour.objects.reduce((n, o) => n + o.jsonBytes, 0));
      // The sample crosses midnight: two days.
      expect(new Set(day.objects.map((o) => o.partition)).size).toBe(2);
    }
  });

  it('refuses records out of arrival order', () => {
    const [a, b] = traffic.streams[0].records;
    const settings: SimulationSettings = { buffering: { sizeBytes: 1 << 26, intervalMs: 60_000 }, processor: { sizeBytes: 1 << 20, intervalMs: 60_000 }, granularity: 'hour', maxActivePartitions: 500 };
    expect(() => simulateStream([{ ...b, arrival: a.arrival + 1000 }, { ...a, arrival: a.arrival }], settings)).toThrow(/sorted/);
  });
});
