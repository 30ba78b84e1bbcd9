import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type LoghoseConfig } from '../../src/config/config.js';
import { DiskLakeSink } from '../../src/local/disk-sink.js';
import { listErrorObjects, registerLakeViews, type ErrorOutputType } from '../../src/local/lake.js';
import { connectDuckDb } from '../../src/local/parquet-writer.js';
import { runLocalPipeline, type RunSummary } from '../../src/local/pipeline.js';
import { SAMPLE_FORMATS, generateSamples, type SampleManifest } from '../../src/local/sample-logs.js';
import { countDataLines } from '../../src/local/delivery-stream.js';
import { ALL_FORMATS, formatOf } from '../../src/transforms/registry.js';
import type { TableName } from '../../src/transforms/schema.js';

/**
 * End-to-end: generated logs of every format → shipper → real Firehose client → local endpoint →
 * local delivery streams → Parquet lake. Every line in must come out as exactly one of: a row, an
 * error row, a line inside an error-prefix record, or a counted skip — also under injected faults.
 */

let root: string;
let logs: string;
let manifest: SampleManifest;
const noSleep = async () => undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loghose-e2e-'));
  logs = join(root, 'logs');
  manifest = await generateSamples({
    dir: logs,
    formats: SAMPLE_FORMATS,
    start: new Date(Date.UTC(2026, 4, 1, 22, 10)),
    hours: 4,
    linesPerFormat: 1500,
    badLineRate: 0.01,
    seed: 11,
  });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function config(overrides: Record<string, unknown> = {}): LoghoseConfig {
  return parseConfig({ shipper: { recordKiB: 64 }, ...overrides });
}

async function run(name: string, options: Partial<Parameters<typeof runLocalPipeline>[0]> = {}, cfg = config()) {
  const lake = join(root, name);
  const summary = await runLocalPipeline({ source: logs, config: cfg, sink: new DiskLakeSink(lake), sleep: noSleep, ...options });
  return { lake, summary };
}

/** Rows per table in the lake, as DuckDB reads them, split into good rows and error rows. */
async function lakeCounts(lake: string): Promise<Record<string, { rows: number; errorRows: number; misplaced: number }>> {
  const connection = await connectDuckDb();
  try {
    await registerLakeViews(connection, lake, ALL_FORMATS.map((f) => f.schema));
    const counts: Record<string, { rows: number; errorRows: number; misplaced: number }> = {};
    for (const format of ALL_FORMATS) {
      const reader = await connection.runAndReadAll(
        `SELECT count(*) FILTER (WHERE _error IS NULL) AS rows, count(*) FILTER (WHERE _error IS NOT NULL) AS error_rows,
                count(*) FILTER (WHERE _error IS NULL AND (strftime("timestamp", '%Y-%m-%d') <> dt OR strftime("timestamp", '%H') <> hour)) AS misplaced
         FROM "${format.table}"`,
      );
      const [row] = reader.getRowObjectsJson() as { rows: string; error_rows: string; misplaced: string }[];
      counts[format.table] = { rows: Number(row.rows), errorRows: Number(row.error_rows), misplaced: Number(row.misplaced) };
    }
    return counts;
  } finally {
    connection.closeSync();
  }
}

/** Data lines inside the raw records kept under the error prefix, per table. */
async function errorPrefixLines(lake: string, type: ErrorOutputType): Promise<Record<string, number>> {
  const lines: Record<string, number> = {};
  for (const format of ALL_FORMATS) {
    for (const object of await listErrorObjects(lake, format.table, type)) {
      const text = await readFile(object.path, 'utf8');
      for (const json of text.split('\n').filter(Boolean)) {
        const record = JSON.parse(json) as { rawData: string; errorCode: string };
        const raw = Buffer.from(record.rawData, 'base64');
        lines[format.table] = (lines[format.table] ?? 0) + (type === 'format-conversion-failed' ? 1 : countDataLines(format, raw));
      }
    }
  }
  return lines;
}

function expected(table: TableName) {
  const t = manifest.totals[table];
  return { good: t.dataLines - t.badLines, bad: t.badLines, headers: t.headerLines };
}

function expectAccounted(summary: RunSummary): void {
  const nonLogLines = summary.lines - Object.values(summary.tables).reduce((n, t) => n + t.lines, 0);
  expect(summary.lines).toBe(summary.rows + summary.errorRows + summary.failedLines + summary.skipped);
  expect(nonLogLines).toBeGreaterThanOrEqual(0);
  expect(summary.accounted).toBe(true);
}

describe('local pipeline end to end', () => {
  it('lands every line of every format: rows, error rows and counted skips, in event-time partitions', async () => {
    const { lake, summary } = await run('clean');
    expectAccounted(summary);
    expect(summary.objectsUnknown).toBe(0);
    expect(summary.objectsSkipped).toBe(manifest.nonLogFiles.length);
    expect(summary.failedRecords).toBe(0);
    const counts = await lakeCounts(lake);
    for (const table of SAMPLE_FORMATS) {
      const e = expected(table);
      expect(summary.tables[table]).toMatchObject({ rows: e.good, errorRows: e.bad, failedLines: 0 });
      expect(counts[table]).toEqual({ rows: e.good, errorRows: e.bad, misplaced: 0 });
    }
    // Packing: far fewer Firehose records than lines, billed bytes close to raw bytes.
    expect(summary.firehose.records).toBeLessThan(summary.lines / 20);
  });

  it('lands the same rows with the transform in worker threads, under faults too', async () => {
    const { lake, summary } = await run('workers', { transformWorkers: 2, faults: { failedEntryRate: 0.3, throttleRate: 0.2, seed: 7 } });
    expectAccounted(summary);
    expect(summary.firehose.retriedEntries).toBeGreaterThan(0);
    const counts = await lakeCounts(lake);
    for (const table of SAMPLE_FORMATS) {
      const e = expected(table);
      expect(summary.tables[table]).toMatchObject({ rows: e.good, errorRows: e.bad, failedLines: 0 });
      expect(counts[table]).toEqual({ rows: e.good, errorRows: e.bad, misplaced: 0 });
    }
  });

  it('loses and duplicates nothing when 30% of PutRecordBatch entries fail and calls are throttled', async () => {
    const { lake, summary } = await run('faults', { faults: { failedEntryRate: 0.3, throttleRate: 0.2, seed: 5 } });
    expectAccounted(summary);
    expect(summary.firehose.retriedEntries).toBeGreaterThan(0);
    expect(summary.firehose.throttledCalls).toBeGreaterThan(0);
    const counts = await lakeCounts(lake);
    for (const table of SAMPLE_FORMATS) {
      const e = expected(table);
      expect(counts[table]).toEqual({ rows: e.good, errorRows: e.bad, misplaced: 0 });
    }
  });

  it('keeps the raw records of a transform that always throws under processing-failed (after retries)', async () => {
    let calls = 0;
    const { lake, summary } = await run('crash', {
      transformFor: (table) =>
        table === 'alb'
          ? () => {
              calls++;
              throw new Error('transform crashed');
            }
          : undefined,
    });
    expectAccounted(summary);
    expect(calls % 4).toBe(0); // 1 attempt + 3 retries per invocation
    const e = expected('alb');
    expect(summary.tables.alb).toMatchObject({ rows: 0, errorRows: 0, failedLines: e.good + e.bad });
    expect((await errorPrefixLines(lake, 'processing-failed')).alb).toBe(e.good + e.bad);
    const counts = await lakeCounts(lake);
    expect(counts.cloudfront.rows).toBe(expected('cloudfront').good);
  });

  it('routes records beyond the active-partition limit to activePartitionExceeded, raw', async () => {
    // 4 hours of data and room for 2 partitions: with large buffers, later hours overflow.
    const { lake, summary } = await run('overflow', {}, config({ maxActivePartitions: 2 }));
    expectAccounted(summary);
    const overflow = await errorPrefixLines(lake, 'activePartitionExceeded');
    const overflowLines = Object.values(overflow).reduce((a, b) => a + b, 0);
    expect(overflowLines).toBeGreaterThan(0);
    expect(summary.peakActivePartitions).toBeLessThanOrEqual(2);
    for (const table of SAMPLE_FORMATS) {
      const e = expected(table);
      const t = summary.tables[table]!;
      expect(t.rows + t.errorRows + t.failedLines).toBe(e.good + e.bad);
      expect(t.failedLines).toBe(overflow[table] ?? 0);
    }
  });

  it('a shipper killed mid-object and run again loses nothing; the duplicates are exactly what was accepted before the kill', async () => {
    const dir = join(root, 'big');
    const big = await generateSamples({
      dir,
      formats: ['cloudfront'],
      start: new Date(Date.UTC(2026, 4, 2, 7)),
      hours: 1,
      linesPerFormat: 12_000,
      linesPerFile: 12_000,
      badLineRate: 0,
      seed: 3,
    });
    expect(big.files).toHaveLength(1);
    const cfg = config({ shipper: { recordKiB: 4 } });
    const lake = join(root, 'restart');
    const sink = new DiskLakeSink(lake);
    let records = 0;
    const first = runLocalPipeline({
      source: dir,
      config: cfg,
      sink,
      sleep: noSleep,
      beforeRecord: () => {
        if (++records > 1200) throw new Error('killed');
      },
    });
    await expect(first).rejects.toThrow('killed');
    // What Firehose accepted before the kill is durable and was delivered.
    const accepted = (await lakeCounts(lake)).cloudfront.rows;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(12_000);

    const second = await runLocalPipeline({ source: dir, config: cfg, sink, sleep: noSleep });
    expect(second.accounted).toBe(true);
    expect(second.rows).toBe(12_000);
    const connection = await connectDuckDb();
    try {
      await registerLakeViews(connection, lake, [formatOf('cloudfront').schema]);
      const reader = await connection.runAndReadAll(`SELECT count(*) AS total, count(DISTINCT request_id) AS distinct_ids FROM cloudfront`);
      const { total, distinct_ids } = reader.getRowObjectsJson()[0] as { total: string; distinct_ids: string };
      expect(Number(distinct_ids)).toBe(12_000);
      expect(Number(total) - Number(distinct_ids)).toBe(accepted);
    } finally {
      connection.closeSync();
    }
  });

  it('lands text byte for byte: UTF-8 as written, bytes that are not UTF-8 as U+FFFD, one row per line', async () => {
    const dir = join(root, 'bytes');
    await mkdir(dir, { recursive: true });
    const line = (n: number, agent: string) =>
      `2026-03-01T05:00:${String(n).padStart(2, '0')}.000000Z my-lb 10.0.0.${n}:1234 10.1.0.1:80 0.1 0.2 0.3 200 200 10 20 "GET http://x/${n} HTTP/1.1" "${agent}" - -`;
    const bytes = Buffer.from(`${line(1, 'curl é ☕ 😀')}\n${line(2, 'bad-X-agent')}\n${line(3, 'plain')}\n`);
    bytes[bytes.indexOf('X-agent')] = 0xff; // a byte that is not UTF-8
    await writeFile(join(dir, 'my-lb.log'), gzipSync(bytes));
    const lake = join(root, 'bytes-lake');
    const summary = await runLocalPipeline({ source: dir, config: config(), sink: new DiskLakeSink(lake), sleep: noSleep });
    expectAccounted(summary);
    expect(summary.tables.elb).toMatchObject({ rows: 3, errorRows: 0 });
    const connection = await connectDuckDb();
    try {
      await registerLakeViews(connection, lake, [formatOf('elb').schema]);
      const agents = (await connection.runAndReadAll('SELECT user_agent FROM elb ORDER BY "timestamp"')).getRowsJson().map(([agent]) => agent);
      expect(agents).toEqual(['curl é ☕ 😀', 'bad-\ufffd-agent', 'plain']);
    } finally {
      connection.closeSync();
    }
  });
});
