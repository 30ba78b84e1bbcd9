import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { DiskLakeSink } from '../local/disk-sink.js';
import { listObjects } from '../local/lake.js';
import { runLocalPipeline, type RunSummary } from '../local/pipeline.js';
import { SAMPLE_FORMATS, generateSamples } from '../local/sample-logs.js';
import { DuckDbEngine } from './duckdb-engine.js';
import { NAMED_QUERIES, namedQuery, namedQuerySql } from './named-queries.js';

/**
 * The named queries on a lake built the real way: generated logs of every format through the
 * local pipeline. Every query must run and answer; the per-hour counts must add up to the rows the
 * pipeline wrote; a shorter period must read fewer bytes.
 */

let root: string;
let lake: string;
let summary: RunSummary;
let engine: DuckDbEngine;
const FROM = '2024-03-01';
const TO = '2024-03-02';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loghose-sample-lake-'));
  const logs = join(root, 'logs');
  lake = join(root, 'lake');
  await generateSamples({ dir: logs, formats: SAMPLE_FORMATS, start: new Date(Date.UTC(2024, 2, 1, 22, 0)), hours: 4, linesPerFormat: 600, seed: 6 });
  summary = await runLocalPipeline({ source: logs, config: parseConfig({}), sink: new DiskLakeSink(lake), sleep: async () => undefined });
  engine = new DuckDbEngine({ lakeDir: lake });
});

afterAll(async () => {
  await engine?.close();
  await rm(root, { recursive: true, force: true });
});

const run = (name: string, from = FROM, to = TO) => {
  const query = namedQuery(name)!;
  return engine.run(namedQuerySql(query, 'duckdb'), [from, to], { scope: { table: query.table, fromDt: from, toDt: to } });
};

describe('named queries on a lake from the local pipeline', () => {
  it('built the lake with every line accounted for', () => {
    expect(summary.accounted).toBe(true);
  });

  // The generator makes no destructive CloudTrail calls; named-queries.test.ts covers that query.
  const EMPTY_ON_SAMPLES = new Set(['cloudtrail-destructive-calls']);

  it.each(NAMED_QUERIES.map((q) => [q.name] as const))('%s answers', async (name) => {
    const result = await run(name);
    if (EMPTY_ON_SAMPLES.has(name)) expect(result.rows).toEqual([]);
    else expect(result.rows.length).toBeGreaterThan(0);
    expect(result.stats.bytesScanned).toBeGreaterThan(0);
  });

  it.each([
    ['cloudfront-traffic-by-hour', 'cloudfront'],
    ['alb-traffic-by-hour', 'alb'],
    ['elb-traffic-by-hour', 'elb'],
  ] as const)('%s adds up to the rows the pipeline wrote', async (name, table) => {
    const result = await run(name);
    const total = result.rows.reduce((sum, row) => sum + (row.requests as number), 0);
    expect(total).toBe(summary.tables[table]!.rows);
    // 22:00 on the 1st to 02:00 on the 2nd: both days, four hours.
    expect(result.rows.map((r) => `${r.dt} ${r.hour}`)).toEqual(['2024-03-01 22', '2024-03-01 23', '2024-03-02 00', '2024-03-02 01']);
  });

  it('reads fewer bytes for one day than for two, and none of the other days', async () => {
    const both = await run('alb-latency-by-target');
    const first = await run('alb-latency-by-target', FROM, FROM);
    const none = await run('alb-latency-by-target', '2024-02-01', '2024-02-28');
    expect(first.stats.bytesScanned).toBeGreaterThan(0);
    expect(first.stats.bytesScanned).toBeLessThan(both.stats.bytesScanned!);
    expect(none.stats.bytesScanned).toBe(0);
    // Only some columns are read: less than the objects' full size.
    const objects = await listObjects(lake, 'alb', { fromDt: FROM, toDt: TO });
    expect(both.stats.bytesScanned).toBeLessThan(objects.reduce((n, o) => n + o.bytes, 0) / 2);
  });
});
