import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type LoghoseConfig } from '../config/config.js';
import type { DeliverySink } from '../local/delivery-stream.js';
import { countedRows } from '../local/testing.js';
import { listPartitions, registerLakeViews } from '../local/lake.js';
import { connectDuckDb } from '../local/parquet-writer.js';
import { SAMPLE_FORMATS, generateSamples } from '../local/sample-logs.js';
import { ALL_FORMATS } from '../transforms/registry.js';
import type { TableName } from '../transforms/schema.js';
import type { DateRange } from './key-dates.js';
import { emptyListingStats, listReplayObjects, type ReplayObject } from './listing.js';
import { runReplay, type ReplayOptions } from './replay.js';

/**
 * `--via local`: a multi-day directory of every format replayed into the local lake lands each row
 * in its event-time partition; adjacent ranges index every event exactly once; the partition
 * window holds the local streams' active partitions under the flag; --overwrite rebuilds a range
 * without duplicates; a crash and a re-run deliver each object once.
 */

let root: string;
let logs: string;
const config = parseConfig({ shipper: { recordKiB: 32 } });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loghose-replay-local-'));
  logs = join(root, 'logs');
  await generateSamples({ dir: logs, formats: SAMPLE_FORMATS, start: new Date(Date.UTC(2026, 2, 1, 0, 0)), hours: 72, linesPerFormat: 150, badLineRate: 0.01, seed: 21 });
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function list(range?: DateRange, format?: TableName): Promise<ReplayObject[]> {
  const objects: ReplayObject[] = [];
  for await (const o of listReplayObjects({ source: logs, range, format, stats: emptyListingStats() })) objects.push(o);
  return objects;
}

let runs = 0;
async function replay(lake: string, range: DateRange, overrides: Partial<ReplayOptions> = {}, cfg: LoghoseConfig = config) {
  return runReplay({
    source: logs,
    objects: await list(range, overrides.format),
    range,
    config: cfg,
    via: 'local',
    lake,
    checkpointPath: join(root, `checkpoint-${++runs}.json`),
    ...overrides,
  });
}

interface LakeCounts {
  rows: number;
  misplaced: number;
  byDt: Record<string, number>;
}

async function lakeCounts(lake: string): Promise<LakeCounts> {
  const connection = await connectDuckDb();
  try {
    await registerLakeViews(connection, lake, ALL_FORMATS.map((f) => f.schema));
    const counts: LakeCounts = { rows: 0, misplaced: 0, byDt: {} };
    for (const format of ALL_FORMATS) {
      const reader = await connection.runAndReadAll(
        `SELECT dt, count(*) AS n,
                count(*) FILTER (WHERE strftime("timestamp", '%Y-%m-%d') <> dt OR strftime("timestamp", '%H') <> hour) AS misplaced
         FROM "${format.table}" GROUP BY dt`,
      );
      for (const row of reader.getRowObjectsJson() as { dt: string; n: string; misplaced: string }[]) {
        counts.rows += Number(row.n);
        counts.misplaced += Number(row.misplaced);
        counts.byDt[`${format.table}/${row.dt}`] = Number(row.n);
      }
    }
    return counts;
  } finally {
    connection.closeSync();
  }
}

/** A sink that counts rows per table/dt/hour instead of writing Parquet (for the tests that only count). */
function countingSink(): DeliverySink & { rows: number; byPartition: Record<string, number> } {
  const sink = {
    rows: 0,
    byPartition: {} as Record<string, number>,
    async writeObject(request: { table: string; dt: string; hour: string; ndjsonPath: string }) {
      const documents = readFileSync(request.ndjsonPath, 'utf8').split('\n').filter((line) => line.length > 0);
      sink.rows += documents.length;
      const key = `${request.table}/${request.dt}/${request.hour}`;
      sink.byPartition[key] = (sink.byPartition[key] ?? 0) + documents.length;
      return { ...countedRows(documents), bytes: 1, path: '', failed: [] };
    },
    async writeErrors() {},
  };
  return sink;
}

const ALL = { from: '2026-03-01', to: '2026-03-03' };
const DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'];
const inDays = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([k]) => DAYS.some((d) => k.includes(`/${d}`))));

describe('replay --via local', () => {
  let fullLake: string;
  let full: LakeCounts;

  it('lands every row of a multi-day directory of every format in its event-time dt/hour partition', async () => {
    fullLake = join(root, 'lake-full');
    const summary = await replay(fullLake, ALL);
    expect(summary.lake?.accounted).toBe(true);
    expect(summary.lake?.partitionExceededRecords).toBe(0);
    expect(summary.objects.unknown).toBe(0);
    expect(summary.objects.delivered).toBeGreaterThan(500);
    full = await lakeCounts(fullLake);
    expect(full.misplaced).toBe(0);
    expect(full.rows).toBe(summary.lake!.rows + summary.lake!.errorRows);
    expect(full.rows).toBe(summary.lines.shipped);
    for (const format of ALL_FORMATS) for (const day of DAYS) expect(full.byDt[`${format.table}/${day}`], `${format.table}/${day}`).toBeGreaterThan(0);
    // Rows only of the range's days, but for lines without any readable time (error rows filed
    // under the arrival hour, as Firehose does).
    const elsewhere = Object.entries(full.byDt).filter(([k]) => !DAYS.some((d) => k.endsWith(`/${d}`)));
    expect(elsewhere.reduce((sum, [, n]) => sum + n, 0)).toBe(summary.lines.undated);
  });

  it('--overwrite removes the range partitions of the table and rebuilds them: no duplicates, no other day touched', async () => {
    const range = { from: '2026-03-02', to: '2026-03-02' };
    const before = await listPartitions(fullLake, 'alb', { fromDt: '2026-03-01', toDt: '2026-03-03' });
    const checkpointPath = join(root, 'overwrite.json');
    const summary = await replay(fullLake, range, { format: 'alb', overwrite: true, checkpointPath });
    expect(summary.overwrite).toMatchObject({ tables: ['alb'], days: 1 });
    expect(summary.overwrite?.objects).toBeGreaterThan(0);
    expect(await lakeCounts(fullLake)).toEqual(full);
    expect(await listPartitions(fullLake, 'alb', { fromDt: '2026-03-01', toDt: '2026-03-03' })).toEqual(before);

    // The same --overwrite again rebuilds again (the previous run completed)…
    expect((await replay(fullLake, range, { format: 'alb', overwrite: true, checkpointPath })).overwrite).toBeDefined();
    // …and one interrupted half-way resumes without deleting again: the lake ends as after one run.
    let seen = 0;
    await expect(
      replay(fullLake, range, {
        format: 'alb',
        overwrite: true,
        checkpointPath,
        concurrency: 2,
        beforeObject: () => {
          if (++seen === 20) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    const resumed = await replay(fullLake, range, { format: 'alb', overwrite: true, checkpointPath });
    expect(resumed.overwrite).toBeUndefined();
    expect(resumed.objects.alreadyDone).toBeGreaterThanOrEqual(19);
    expect(await lakeCounts(fullLake)).toEqual(full);
  });
});

describe('exactly once', () => {
  let reference: Record<string, number>;

  it('indexes every event exactly once across adjacent ranges, and only events of the range', async () => {
    const whole = countingSink();
    await replay('', ALL, { localSink: whole });
    reference = inDays(whole.byPartition);
    const split = countingSink();
    const first = await replay('', { from: '2026-03-01', to: '2026-03-01' }, { localSink: split });
    expect(first.lines.outOfRange).toBeGreaterThan(0);
    expect(Object.keys(inDays(split.byPartition)).every((k) => k.includes('/2026-03-01/'))).toBe(true);
    await replay('', { from: '2026-03-02', to: '2026-03-03' }, { localSink: split });
    expect(inDays(split.byPartition)).toEqual(reference);
    // Lines without a readable time went out once too, with one of the two replays.
    expect(split.rows).toBe(whole.rows);
  });

  it('after a crash, the same command delivers the rest: each object once', async () => {
    const sink = countingSink();
    const checkpointPath = join(root, 'crash-local.json');
    let seen = 0;
    await expect(
      replay('', ALL, {
        localSink: sink,
        checkpointPath,
        concurrency: 3,
        beforeObject: () => {
          if (++seen === 150) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    // The records accepted before the crash were delivered (the streams are flushed on the way out).
    expect(sink.rows).toBeGreaterThan(0);
    const summary = await replay('', ALL, { localSink: sink, checkpointPath, concurrency: 3 });
    expect(summary.objects.alreadyDone).toBeGreaterThanOrEqual(149);
    expect(inDays(sink.byPartition)).toEqual(reference);
  });
});

describe('the partition window over a replay of many days', () => {
  it('keeps the active partitions the streams see at or under --max-active-partitions', async () => {
    const sink = countingSink();
    const summary = await replay('', ALL, { format: 'alb', localSink: sink, maxActivePartitions: 6 });
    expect(Object.keys(sink.byPartition).length).toBeGreaterThan(60);
    expect(summary.lake!.peakActivePartitions).toBeLessThanOrEqual(6);
    expect(summary.lake!.peakActivePartitions).toBeGreaterThan(1);
    expect(summary.window.peakActive).toBeLessThanOrEqual(6);
    expect(summary.window.waits).toBeGreaterThan(0);
    expect(summary.lake!.partitionExceededRecords).toBe(0);
    expect(summary.lake!.accounted).toBe(true);
    expect(sink.rows).toBe(summary.lines.shipped);
  });

  it('without the window, a stream with a quota of 8 would overflow', async () => {
    const tight = parseConfig({ shipper: { recordKiB: 32 }, maxActivePartitions: 8 });
    const open = await replay('', ALL, { format: 'cloudfront', localSink: countingSink(), maxActivePartitions: 1000 }, tight);
    expect(open.lake!.partitionExceededRecords).toBeGreaterThan(0);
    const held = await replay('', ALL, { format: 'cloudfront', localSink: countingSink(), maxActivePartitions: 8 }, tight);
    expect(held.lake!.partitionExceededRecords).toBe(0);
    expect(held.lake!.peakActivePartitions).toBeLessThanOrEqual(8);
  });
});
