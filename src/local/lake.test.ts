import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineTable, duckdbType, PARTITION_KEYS, type Column } from '../transforms/schema.js';
import {
  dataObjectPath,
  errorObjectPath,
  listErrorObjects,
  listObjects,
  listPartitions,
  objectGlob,
  objectName,
  partitionDir,
  partitionOf,
  registerLakeViews,
  removePartitions,
  writeFileAtomic,
} from './lake.js';
import { closeDuckDb, connectDuckDb, writeParquetObject } from './parquet-writer.js';

const logColumns: Column[] = [
  { name: 'host', type: 'string' },
  { name: 'status', type: 'int' },
  { name: 'bytes', type: 'bigint' },
  { name: 'latency', type: 'double' },
  { name: 'score', type: 'float' },
  { name: 'day', type: 'date' },
  { name: 'tags', type: { kind: 'map', key: 'string', value: 'string' } },
  {
    name: 'client',
    type: {
      kind: 'struct',
      fields: [
        { name: 'ip', type: 'string' },
        { name: 'geo', type: { kind: 'struct', fields: [{ name: 'country', type: 'string' }] } },
      ],
    },
  },
  { name: 'hops', type: { kind: 'array', element: { kind: 'struct', fields: [{ name: 'ip', type: 'string' }] } } },
];
const alb = defineTable({ table: 'alb', description: 'test table', logColumns, dedupKey: ['host'] });
const vpc = defineTable({ table: 'vpc_flow', description: 'empty test table', logColumns: [{ name: 'srcaddr', type: 'string' }], dedupKey: [] });

const deliveredAt = Date.UTC(2026, 0, 5, 8, 4, 9);
let root: string;
let lake: string;
let connection: DuckDBConnection;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loghose-lake-'));
  connection = await connectDuckDb();
});

afterAll(async () => {
  connection.closeSync();
  await closeDuckDb();
  await rm(root, { recursive: true, force: true });
});

let lakes = 0;
beforeEach(async () => {
  lake = join(root, `lake-${++lakes}`);
  await mkdir(lake, { recursive: true });
});

async function put(table = alb, dt: string, hour: string, rows: object[], at = deliveredAt): Promise<string> {
  const path = dataObjectPath(lake, table.table, { dt, hour }, { stream: `loghose-${table.table}`, deliveredAt: at });
  const result = await writeParquetObject({ schema: table, ndjson: rows.map((r) => JSON.stringify(r)).join('\n'), path });
  expect(result.failed).toEqual([]);
  return path;
}

async function query(sql: string): Promise<unknown[][]> {
  return (await connection.runAndReadAll(sql)).getRowsJson() as unknown[][];
}

describe('paths', () => {
  it('builds partition, object and error paths as Firehose lays them out', () => {
    expect(partitionDir('/lake', 'alb', { dt: '2026-01-05', hour: '07' })).toBe('/lake/alb/dt=2026-01-05/hour=07');
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(objectName({ stream: 'loghose-alb', deliveredAt, id })).toBe(`loghose-alb-1-2026-01-05-08-04-09-${id}`);
    expect(objectName({ stream: 's', version: 3, deliveredAt: new Date(deliveredAt), id: 'x' })).toBe('s-3-2026-01-05-08-04-09-x');
    expect(dataObjectPath('/lake', 'alb', { dt: '2020-02-29', hour: '23' }, { stream: 'loghose-alb', deliveredAt, id })).toBe(
      `/lake/alb/dt=2020-02-29/hour=23/loghose-alb-1-2026-01-05-08-04-09-${id}.parquet`,
    );
    expect(errorObjectPath('/lake', 'alb', 'format-conversion-failed', { stream: 'loghose-alb', deliveredAt, id })).toBe(
      `/lake/errors/alb/format-conversion-failed/2026/01/05/08/loghose-alb-1-2026-01-05-08-04-09-${id}`,
    );
    expect(objectName({ stream: 's', deliveredAt })).toMatch(/^s-1-2026-01-05-08-04-09-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(partitionOf(Date.UTC(2020, 11, 31, 23, 59, 59))).toEqual({ dt: '2020-12-31', hour: '23' });
  });

  it('rejects malformed partitions and names', () => {
    expect(() => partitionDir('/lake', 'alb', { dt: '2026-1-5', hour: '07' })).toThrow(/dt/);
    expect(() => partitionDir('/lake', 'alb', { dt: '2026-01-05', hour: '24' })).toThrow(/hour/);
    expect(() => partitionDir('/lake', '../etc', { dt: '2026-01-05', hour: '07' })).toThrow(/table/);
    expect(() => objectName({ stream: 'a/b', deliveredAt })).toThrow(/stream/);
    // @ts-expect-error not a Firehose error type
    expect(() => errorObjectPath('/lake', 'alb', 'oops', { stream: 's', deliveredAt })).toThrow(/error type/);
  });
});

describe('listing and removing', () => {
  it('lists partitions and objects in order, within a dt range, ignoring temporary files', async () => {
    await put(alb, '2026-01-06', '00', [{ host: 'c' }]);
    await put(alb, '2026-01-05', '07', [{ host: 'a' }]);
    await put(alb, '2026-01-05', '07', [{ host: 'b' }], deliveredAt + 60_000);
    await put(alb, '2026-01-05', '23', [{ host: 'd' }]);
    await writeFile(join(partitionDir(lake, 'alb', { dt: '2026-01-05', hour: '07' }), '.half-written.parquet.1234.tmp'), 'x');
    await mkdir(join(lake, 'alb', 'not-a-partition'), { recursive: true });

    expect((await listPartitions(lake, 'alb')).map((p) => `${p.dt}/${p.hour}`)).toEqual(['2026-01-05/07', '2026-01-05/23', '2026-01-06/00']);
    expect((await listPartitions(lake, 'alb', { fromDt: '2026-01-06' })).map((p) => p.dt)).toEqual(['2026-01-06']);
    const objects = await listObjects(lake, 'alb');
    expect(objects.map((o) => `${o.dt}/${o.hour}`)).toEqual(['2026-01-05/07', '2026-01-05/07', '2026-01-05/23', '2026-01-06/00']);
    expect(objects[0].name).toMatch(/^loghose-alb-1-2026-01-05-08-04-09-.*\.parquet$/);
    expect(objects[1].name).toMatch(/^loghose-alb-1-2026-01-05-08-05-09-/);
    expect(objects.every((o) => o.bytes > 0)).toBe(true);
    expect(await listPartitions(lake, 'vpc_flow')).toEqual([]);
    expect(await listObjects(join(lake, 'missing'), 'alb')).toEqual([]);
  });

  it('removes the partitions of a dt range, inclusive, and nothing else', async () => {
    for (const dt of ['2026-01-04', '2026-01-05', '2026-01-06', '2026-01-07']) {
      await put(alb, dt, '00', [{ host: dt }]);
      await put(alb, dt, '13', [{ host: dt }]);
    }
    await writeFileAtomic(errorObjectPath(lake, 'alb', 'processing-failed', { stream: 's', deliveredAt }), '{}\n');

    const removed = await removePartitions(lake, 'alb', '2026-01-05', '2026-01-06');
    expect(removed.partitions).toEqual([
      { dt: '2026-01-05', hour: '00' },
      { dt: '2026-01-05', hour: '13' },
      { dt: '2026-01-06', hour: '00' },
      { dt: '2026-01-06', hour: '13' },
    ]);
    expect(removed.objects).toBe(4);
    expect(removed.bytes).toBeGreaterThan(0);
    expect([...new Set((await listPartitions(lake, 'alb')).map((p) => p.dt))]).toEqual(['2026-01-04', '2026-01-07']);
    expect(await listErrorObjects(lake, 'alb')).toHaveLength(1);

    expect(await removePartitions(lake, 'alb', '2030-01-01', '2030-12-31')).toEqual({ partitions: [], objects: 0, bytes: 0 });
    await expect(removePartitions(lake, 'alb', '2026-01-07', '2026-01-04')).rejects.toThrow(/after/);
    await expect(removePartitions(lake, 'alb', '2026-01', '2026-01-04')).rejects.toThrow(/YYYY-MM-DD/);
  });

  it('writes error objects atomically and lists them by type', async () => {
    const first = errorObjectPath(lake, 'alb', 'format-conversion-failed', { stream: 's', deliveredAt });
    const second = errorObjectPath(lake, 'alb', 'processing-failed', { stream: 's', deliveredAt: deliveredAt + 3_600_000 });
    await writeFileAtomic(first, '{"rawData":"eA=="}\n');
    await writeFileAtomic(second, '{"rawData":"eQ=="}\n');
    expect(await readFile(first, 'utf8')).toBe('{"rawData":"eA=="}\n');
    expect(await readdir(join(lake, 'errors', 'alb', 'format-conversion-failed', '2026', '01', '05', '08'))).toHaveLength(1);
    const listed = await listErrorObjects(lake, 'alb');
    expect(listed.map((o) => [o.errorType, o.path])).toEqual([
      ['format-conversion-failed', first],
      ['processing-failed', second],
    ]);
    expect((await listErrorObjects(lake, 'alb', 'processing-failed')).map((o) => o.path)).toEqual([second]);
  });
});

describe('registerLakeViews', () => {
  const expectedColumns = async (table = alb): Promise<[string, string][]> => {
    const columns = [...table.columns, ...PARTITION_KEYS];
    return Promise.all(
      columns.map(async (c) => [c.name, String((await query(`SELECT typeof(CAST(NULL AS ${duckdbType(c.type)}))`))[0][0])] as [string, string]),
    );
  };

  it('exposes hive partitions as VARCHAR columns that prune files', async () => {
    await put(alb, '2026-01-05', '07', [
      { host: 'a', status: 200, bytes: 10, client: { ip: '192.0.2.1', geo: { country: 'DE' } }, hops: [{ ip: '10.0.0.1' }], timestamp: '2026-01-05T07:01:02Z' },
      { host: 'b', status: 404, tags: { k: 'v' }, timestamp: '2026-01-05T07:59:59.999Z' },
    ]);
    await put(alb, '2026-01-06', '00', [{ host: 'c', status: 500, timestamp: '2026-01-06T00:00:00Z' }]);

    expect(await registerLakeViews(connection, lake, [alb, vpc])).toEqual([
      { table: 'alb', empty: false },
      { table: 'vpc_flow', empty: true },
    ]);
    const described = (await query('DESCRIBE alb')).map((r) => [r[0], r[1]]);
    expect(described).toEqual(await expectedColumns());

    expect(await query(`SELECT dt, "hour", count(*) FROM alb GROUP BY ALL ORDER BY ALL`)).toEqual([
      ['2026-01-05', '07', '2'],
      ['2026-01-06', '00', '1'],
    ]);
    expect(await query(`SELECT host, client.geo.country, hops[1].ip FROM alb WHERE dt = '2026-01-05' AND "hour" = '07' ORDER BY host`)).toEqual([
      ['a', 'DE', '10.0.0.1'],
      ['b', null, null],
    ]);

    const plan = (await query(`EXPLAIN ANALYZE SELECT count(*) FROM alb WHERE dt = '2026-01-05'`)).map((r) => r[1]).join('\n');
    expect(plan).toMatch(/Total Files Read:\s*1\b/);
    const all = (await query(`EXPLAIN ANALYZE SELECT count(*) FROM alb`)).map((r) => r[1]).join('\n');
    expect(all).toMatch(/Total Files Read:\s*2\b/);
  });

  it('gives empty views with the right columns on an empty lake, and sees objects once registered again', async () => {
    expect(await registerLakeViews(connection, join(lake, 'not-created-yet'), [alb, vpc])).toEqual([
      { table: 'alb', empty: true },
      { table: 'vpc_flow', empty: true },
    ]);
    expect(await query(`SELECT count(*) FROM alb WHERE dt = '2026-01-05'`)).toEqual([['0']]);
    expect((await query('DESCRIBE alb')).map((r) => [r[0], r[1]])).toEqual(await expectedColumns());
    expect((await query('DESCRIBE vpc_flow')).map((r) => [r[0], r[1]])).toEqual(await expectedColumns(vpc));

    await put(alb, '2026-01-05', '05', [{ host: 'late' }]);
    await registerLakeViews(connection, lake, [alb]);
    expect(await query(`SELECT host, "hour" FROM alb`)).toEqual([['late', '05']]);
    // a view reads the glob on each query: later objects appear without registering again
    await put(alb, '2026-01-05', '06', [{ host: 'later' }]);
    expect(await query(`SELECT host FROM alb ORDER BY "hour"`)).toEqual([['late'], ['later']]);
  });

  it('reads objects written before a column existed, with that column null', async () => {
    const older = defineTable({ table: 'alb', description: 'before', logColumns: logColumns.slice(0, 2), dedupKey: [] });
    await put(older, '2026-01-05', '07', [{ host: 'old', status: 200 }]);
    await put(alb, '2026-01-05', '08', [{ host: 'new', status: 201, latency: 0.5 }]);
    await registerLakeViews(connection, lake, [alb]);
    expect(await query(`SELECT host, status, latency, "hour" FROM alb ORDER BY "hour"`)).toEqual([
      ['old', 200, null, '07'],
      ['new', 201, 0.5, '08'],
    ]);
    expect((await query('DESCRIBE alb')).map((r) => [r[0], r[1]])).toEqual(await expectedColumns());
  });

  it('creates connection-local views unless asked otherwise, and refuses glob characters in the lake path', async () => {
    await put(alb, '2026-01-05', '07', [{ host: 'a' }]);
    await registerLakeViews(connection, lake, [alb]);
    const other = await connectDuckDb();
    try {
      await expect(other.run('SELECT * FROM alb')).rejects.toThrow();
    } finally {
      other.closeSync();
    }
    await expect(registerLakeViews(connection, join(root, 'we[ird]'), [alb])).rejects.toThrow(/glob/);
    expect(objectGlob(lake, 'alb')).toBe(join(lake, 'alb', 'dt=*', 'hour=*', '*.parquet'));
    expect(existsSync(lake)).toBe(true);
  });
});
