import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects } from '../local/lake.js';
import { connectDuckDb } from '../local/parquet-writer.js';
import { DuckDbEngine, parquetScans } from './duckdb-engine.js';
import { QueryError, isoTimestamp, integerValue, uniqueNames } from './engine.js';
import { writeLakeRows } from './testing.js';

let root: string;
let lake: string;
let engine: DuckDbEngine;

/** 48 hourly ALB objects over 2024-03-01 and 2024-03-02, one row each. */
const ALB_ROWS = Array.from({ length: 48 }, (_, i) => {
  const timestamp = new Date(Date.UTC(2024, 2, 1, i, 30)).toISOString();
  return { timestamp, time: timestamp, type: 'http', elb: 'app/x', client_ip: `10.0.0.${i}`, sent_bytes: 1000 + i, elb_status_code: 200, request_url: `http://x/${i}` };
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loghose-duckdb-engine-'));
  lake = join(root, 'lake');
  await writeLakeRows(lake, 'alb', ALB_ROWS);
  await writeLakeRows(lake, 'cloudfront', [
    { timestamp: '2024-03-01T10:00:00.123Z', uri: '/a', status: 200, bytes: 9007199254740992, query_params: { q: 'x y', lang: 'en' } },
  ]);
  engine = new DuckDbEngine({ lakeDir: lake });
});

afterAll(async () => {
  await engine?.close();
  await rm(root, { recursive: true, force: true });
});

/** The compressed size of one column's chunks in the given files, read independently. */
async function columnBytes(files: readonly string[], column: string): Promise<number> {
  const connection = await connectDuckDb();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT coalesce(sum(total_compressed_size), 0)::BIGINT FROM parquet_metadata([${files.map((f) => `'${f}'`).join(', ')}]) WHERE path_in_schema = '${column}'`,
    );
    return Number(reader.getRowsJson()[0][0]);
  } finally {
    connection.closeSync();
  }
}

describe('DuckDbEngine', () => {
  it('returns JSON-friendly values with portable types', async () => {
    const result = await engine.run(
      `SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS small, 7::INTEGER AS int, 2.5::DOUBLE AS dbl, 1.25::DECIMAL(6, 2) AS dec,
        TIMESTAMP '2024-03-01 10:00:00.123456' AS ts, DATE '2024-03-01' AS d, true AS b, NULL::VARCHAR AS n,
        MAP {'a': '1'} AS m, {'x': 1, 'y': 'z'} AS s, [1, 2] AS l, 'one' AS a, 'two' AS a`,
    );
    expect(result.rows).toEqual([
      { big: '9007199254740993', small: 42, int: 7, dbl: 2.5, dec: 1.25, ts: '2024-03-01T10:00:00.123Z', d: '2024-03-01', b: true, n: null, m: { a: '1' }, s: { x: 1, y: 'z' }, l: [1, 2], a: 'one', a_2: 'two' },
    ]);
    expect(result.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'big:bigint', 'small:bigint', 'int:int', 'dbl:double', 'dec:double', 'ts:timestamp', 'd:date', 'b:boolean', 'n:string', 'm:json', 's:json', 'l:json', 'a:string', 'a_2:string',
    ]);
    expect(result.stats.engine).toBe('duckdb');
    expect(result.stats.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('reads the lake views: timestamps in UTC, maps as objects, big integers as text', async () => {
    const result = await engine.run(`SELECT "timestamp", bytes, query_params, dt, hour FROM cloudfront`);
    expect(result.rows).toEqual([{ timestamp: '2024-03-01T10:00:00.123Z', bytes: '9007199254740992', query_params: { q: 'x y', lang: 'en' }, dt: '2024-03-01', hour: '10' }]);
  });

  it('binds parameters as values', async () => {
    const result = await engine.run(`SELECT ? AS p, ? AS q, count(*) AS n FROM alb WHERE client_ip = ?`, ['a', "b' OR 'x'='x", "10.0.0.1' OR '1'='1"]);
    expect(result.rows).toEqual([{ p: 'a', q: "b' OR 'x'='x", n: 0 }]);
  });

  it('turns SQL errors into one-line QueryErrors', async () => {
    const error = await engine.run('SELECT no_such_column FROM alb').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).message).toMatch(/^Binder Error: .*no_such_column/);
    expect((error as QueryError).message).not.toContain('\n');
    await expect(engine.run('SELEC 1')).rejects.toThrow(/^Parser Error/);
    // The engine stays usable after an error.
    expect((await engine.run('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('counts the bytes of the column chunks a query reads, in the files of its dt range', async () => {
    const day1 = (await listObjects(lake, 'alb', { fromDt: '2024-03-01', toDt: '2024-03-01' })).map((o) => o.path);
    const all = (await listObjects(lake, 'alb')).map((o) => o.path);
    expect(day1).toHaveLength(24);
    const sql = `SELECT sum(sent_bytes) AS s FROM alb WHERE dt BETWEEN ? AND ?`;

    const scoped = await engine.run(sql, ['2024-03-01', '2024-03-01'], { scope: { table: 'alb', fromDt: '2024-03-01', toDt: '2024-03-01' } });
    expect(scoped.rows).toEqual([{ s: ALB_ROWS.slice(0, 24).reduce((n, r) => n + r.sent_bytes, 0) }]);
    expect(scoped.stats.bytesScanned).toBe(await columnBytes(day1, 'sent_bytes'));
    expect(scoped.stats.note).toBeUndefined();

    // Without the range: DuckDB lists the 24 files only as a glob and `...`; its partition filter
    // (`File Filters`) picks them out of the table's objects.
    const unscoped = await engine.run(sql, ['2024-03-01', '2024-03-01']);
    expect(unscoped.stats.note).toBeUndefined();
    expect(unscoped.stats.bytesScanned).toBe(await columnBytes(day1, 'sent_bytes'));
    const hours = await engine.run(`SELECT count(client_ip) AS n FROM alb WHERE hour BETWEEN '03' AND '04' OR dt > '2024-03-01' AND hour = '23'`);
    const hourPaths = (await listObjects(lake, 'alb')).filter((o) => ['03', '04'].includes(o.hour) || (o.dt > '2024-03-01' && o.hour === '23')).map((o) => o.path);
    expect(hours.rows).toEqual([{ n: 5 }]);
    expect(hours.stats.bytesScanned).toBe(await columnBytes(hourPaths, 'client_ip'));
    // No partition filter: every object is read.
    const everything = await engine.run(`SELECT max(sent_bytes) AS m FROM alb`);
    expect(everything.stats.note).toBeUndefined();
    expect(everything.stats.bytesScanned).toBe(await columnBytes(all, 'sent_bytes'));

    // One hour: DuckDB lists the one file it read; only the summed column counts.
    const hour = await engine.run(`SELECT sum(sent_bytes) AS s FROM alb WHERE dt = '2024-03-02' AND hour = '05'`, [], { scope: { table: 'alb', fromDt: '2024-03-02', toDt: '2024-03-02' } });
    const hourFiles = (await listObjects(lake, 'alb', { fromDt: '2024-03-02', toDt: '2024-03-02' })).filter((o) => o.hour === '05').map((o) => o.path);
    expect(hour.rows).toEqual([{ s: 1029 }]);
    expect(hourFiles).toHaveLength(1);
    expect(hour.stats.bytesScanned).toBe(await columnBytes(hourFiles, 'sent_bytes'));

    // Nothing read: no bytes.
    expect((await engine.run(sql, ['2023-01-01', '2023-01-02'])).stats.bytesScanned).toBe(0);
    expect((await engine.run('SELECT 1 AS one')).stats.bytesScanned).toBe(0);
  });

  it('finds the files and columns of each Parquet scan in a profile', () => {
    const lakeDir = '/lake';
    const scans = parquetScans(
      {
        operator_type: 'PROJECTION',
        children: [
          { operator_type: 'TABLE_SCAN', extra_info: { Function: 'READ_PARQUET', Projections: ['uri', 'useridentity.arn'], Filters: '"status">=400', 'Filename(s)': '/lake/cloudfront/dt=2024-03-01/hour=00/a.parquet, /lake/cloudfront/dt=2024-03-01/hour=01/b.parquet' } },
          { operator_type: 'TABLE_SCAN', extra_info: { Function: 'READ_PARQUET', Projections: 'bytes', 'File Filters': "(dt = '2024-03-01')", 'Filename(s)': '/lake/alb/dt=*/hour=*/*.parquet, ...' } },
          { operator_type: 'TABLE_SCAN', extra_info: { Function: 'SEQ_SCAN', Projections: 'x' } },
        ],
      },
      lakeDir,
    );
    expect(scans).toEqual([
      { files: ['/lake/cloudfront/dt=2024-03-01/hour=00/a.parquet', '/lake/cloudfront/dt=2024-03-01/hour=01/b.parquet'], table: 'cloudfront', identifiers: new Set(['uri', 'useridentity', 'arn', 'status']), fileFilters: '' },
      { table: 'alb', identifiers: new Set(['bytes']), fileFilters: "(dt = '2024-03-01')" },
    ]);
  });
});

describe('value helpers', () => {
  it('keeps big integers exact', () => {
    expect(integerValue('42')).toBe(42);
    expect(integerValue('-9007199254740991')).toBe(-9007199254740991);
    expect(integerValue('9007199254740992')).toBe('9007199254740992');
    expect(integerValue('170141183460469231731687303715884105727')).toBe('170141183460469231731687303715884105727');
  });

  it('writes timestamps as ISO-8601 UTC with milliseconds', () => {
    expect(isoTimestamp('2024-03-01 10:00:00')).toBe('2024-03-01T10:00:00.000Z');
    expect(isoTimestamp('2024-03-01 10:00:00.123456')).toBe('2024-03-01T10:00:00.123Z');
    expect(isoTimestamp('2024-03-01 10:00:00.1 UTC')).toBe('2024-03-01T10:00:00.100Z');
    expect(isoTimestamp('2024-03-01 10:00:00+02')).toBe('2024-03-01T08:00:00.000Z');
    expect(isoTimestamp('2024-03-01 00:30:00-05:30')).toBe('2024-03-01T06:00:00.000Z');
    expect(isoTimestamp('infinity')).toBe('infinity');
  });

  it('makes column names unique', () => {
    expect(uniqueNames(['a', 'b', 'a', 'a', 'a_2'])).toEqual(['a', 'b', 'a_3', 'a_4', 'a_2']);
  });
});
