import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billedBytes } from '../ingest/firehose-sender.js';
import { transformRecordText } from '../transforms/firehose-transform.js';
import { formatOf } from '../transforms/registry.js';
import { loadSampleTraffic } from './sample-traffic.js';
import { scaleTraffic } from './traffic.js';
import { withParquetRatios } from './tuning.js';

const elbLine = (time: string, n: number) => `${time} my-lb 10.0.0.${n}:1234 10.1.0.1:80 0.1 0.2 0.3 200 200 10 20 "GET http://x/${n} HTTP/1.1" "ua" - -`;
const at = (hms: string) => Date.parse(`2026-03-01T${hms}Z`);

let dir: string;
const objectA = [elbLine('2026-03-01T10:00:10.000000Z', 1), elbLine('2026-03-01T10:01:00.000000Z', 2), elbLine('2026-03-01T10:04:59.000000Z', 3)];
const objectB = [elbLine('2026-03-01T10:59:50.000000Z', 4), 'this is not an ELB line', elbLine('2026-03-01T11:00:05.000000Z', 5)];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loghose-sample-traffic-'));
  await writeFile(join(dir, 'a.log'), `${objectA.join('\n')}\n`);
  await writeFile(join(dir, 'b.log'), `${objectB.join('\n')}\n`);
  await writeFile(join(dir, 'notes.txt'), 'hello\nworld\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Records of one line each (lines are ~100 bytes).
const load = (options: Partial<Parameters<typeof loadSampleTraffic>[0]> = {}) =>
  loadSampleTraffic({ paths: [dir], recordBytes: 120, maxBufferedBytes: 1 << 20, ...options });

describe('loadSampleTraffic', () => {
  it('object arrival: every record of an object reaches Firehose at its last event time + lag', async () => {
    const traffic = await load();
    expect(traffic.streams.map((s) => s.table)).toEqual(['elb']);
    const records = traffic.streams[0].records;
    expect(records.map((r) => r.arrival)).toEqual([
      ...objectA.map(() => at('10:05:59')),
      ...objectB.map(() => at('11:01:05')),
    ]);
    // The unparseable line, cut into a record of its own, has no event time: the transform files it by arrival.
    expect(records.map((r) => `${r.dt}/${r.hour}`)).toEqual(['2026-03-01/10', '2026-03-01/10', '2026-03-01/10', '2026-03-01/10', '2026-03-01/11', '2026-03-01/11']);
    // The window is the events', not the arrivals'.
    expect(traffic.startMs).toBe(at('10:00:10'));
    expect(traffic.endMs).toBe(at('11:00:05'));
    expect(traffic.objects).toEqual({ shipped: 2, skipped: 0, unknown: 1 });
    expect(traffic.notes.join('\n')).toMatch(/last event time \+ 60 s[\s\S]*1 unrecognised/);
  });

  it('line arrival: each record at its newest line’s time + lag; a record without times at its object’s last', async () => {
    const traffic = await load({ arrival: 'line', lagMs: 5000 });
    const records = traffic.streams[0].records;
    expect(records.map((r) => r.arrival)).toEqual([at('10:00:15'), at('10:01:05'), at('10:05:04'), at('10:59:55'), at('11:00:10'), at('11:00:10')]);
  });

  it('measures each record with the shipper’s packing and the real transform', async () => {
    const packed = await load({ recordBytes: 256 * 1024, keepData: true });
    const records = packed.streams[0].records;
    // Packed: one record per object and event hour.
    expect(records).toHaveLength(3);
    for (const r of records) {
      const transformed = transformRecordText(formatOf('elb'), r.data!.toString(), r.arrival);
      expect(r.bytes).toBe(r.data!.length);
      expect(r.billedBytes).toBe(billedBytes(r.bytes));
      expect(r.jsonBytes).toBe(Buffer.byteLength(transformed.text));
      expect(r.rows).toBe(transformed.rows + transformed.errorRows);
    }
    expect(records.reduce((n, r) => n + r.rows, 0)).toBe(6);
    const profile = packed.streams[0].profile;
    expect(profile.expansionMean).toBeGreaterThan(1);
    expect(profile.maxRecordBytes).toBe(Math.max(...records.map((r) => r.bytes)));
    expect(packed.streams[0].lines).toBe(6);
  });

  it('measures the Parquet ratio by writing the slice as Parquet', async () => {
    const traffic = await withParquetRatios(await load({ sliceBytes: 1 << 20 }));
    const ratio = traffic.streams[0].profile.parquetRatio!;
    expect(ratio).toBeGreaterThan(0);
    expect(traffic.streams[0].profile.parquetRatioSource).toMatch(/^measured: 6 rows/);
    const given = await withParquetRatios(await load(), 0.25);
    expect(given.streams[0].profile).toMatchObject({ parquetRatio: 0.25, parquetRatioSource: 'given' });
  });

  it('scales traffic by copying records (fractions spread evenly)', async () => {
    const traffic = await load();
    const records = traffic.streams[0].records;
    expect(scaleTraffic(traffic, 3).streams[0].records).toHaveLength(3 * records.length);
    expect(scaleTraffic(traffic, 0.5).streams[0].records).toHaveLength(3);
    expect(scaleTraffic(traffic, 2.5).streams[0].records).toHaveLength(15);
    const tripled = scaleTraffic(traffic, 3);
    expect(tripled.scale).toBe(3);
    expect(tripled.startMs).toBe(traffic.startMs);
    expect(tripled.streams[0].records.map((r) => r.arrival)).toEqual(records.flatMap((r) => [r.arrival, r.arrival, r.arrival]));
  });
});
