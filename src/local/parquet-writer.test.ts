import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTable, duckdbType, type Column } from '../transforms/schema.js';
import { closeDuckDb, connectDuckDb, getDuckDb, writeParquetObject } from './parquet-writer.js';

const logColumns: Column[] = [
  { name: 'name', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'bytes', type: 'bigint' },
  { name: 'ratio', type: 'double' },
  { name: 'weight', type: 'float' },
  { name: 'ok', type: 'boolean' },
  { name: 'day', type: 'date' },
  { name: 'labels', type: { kind: 'map', key: 'string', value: 'string' } },
  {
    name: 'identity',
    type: {
      kind: 'struct',
      fields: [
        { name: 'type', type: 'string' },
        { name: 'arn', type: 'string' },
        {
          name: 'session',
          type: {
            kind: 'struct',
            fields: [
              { name: 'mfa', type: 'boolean' },
              { name: 'created', type: 'timestamp' },
            ],
          },
        },
      ],
    },
  },
  {
    name: 'resources',
    type: {
      kind: 'array',
      element: {
        kind: 'struct',
        fields: [
          { name: 'arn', type: 'string' },
          { name: 'size', type: 'bigint' },
        ],
      },
    },
  },
];

const schema = defineTable({ table: 'cloudtrail', description: 'test table', logColumns, dedupKey: ['name'] });
const columnNames = schema.columns.map((c) => c.name);

let dir: string;
let connection: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loghose-parquet-writer-'));
  connection = await connectDuckDb();
});

afterAll(async () => {
  connection.closeSync();
  await closeDuckDb();
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
function target(): string {
  return join(dir, `object-${++counter}.parquet`);
}

async function readBack(path: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

async function describeFile(path: string): Promise<[string, string][]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
  return reader.getRows().map((row) => [String(row[0]), String(row[1])]);
}

/** DuckDB's own spelling of a type, e.g. `STRUCT("arn" VARCHAR)` → `STRUCT(arn VARCHAR)`. */
async function canonicalType(type: string): Promise<string> {
  const reader = await connection.runAndReadAll(`SELECT typeof(CAST(NULL AS ${type}))`);
  return String(reader.getRows()[0][0]);
}

const fullDocument = {
  name: 'alice',
  count: 42,
  bytes: 9007199254740993,
  ratio: 0.125,
  weight: 1.5,
  ok: true,
  day: '2026-01-05',
  labels: { Env: 'prod', team: 'data' },
  identity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice', session: { mfa: false, created: '2026-01-05T06:59:59.5Z' } },
  resources: [
    { arn: 'arn:aws:s3:::bucket', size: 10 },
    { arn: 'arn:aws:s3:::other', size: null },
  ],
  timestamp: '2026-01-05T07:00:00.123456Z',
  _raw: null,
  _error: null,
};
// JSON.stringify would round 9007199254740993; write the number as logged.
const fullJson = JSON.stringify({ ...fullDocument, bytes: 0 }).replace('"bytes":0', '"bytes":9007199254740993');

const expectedFullRow = {
  name: 'alice',
  count: 42,
  bytes: '9007199254740993',
  ratio: 0.125,
  weight: 1.5,
  ok: true,
  day: '2026-01-05',
  labels: [
    { key: 'Env', value: 'prod' },
    { key: 'team', value: 'data' },
  ],
  identity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice', session: { mfa: false, created: '2026-01-05 06:59:59.5' } },
  resources: [
    { arn: 'arn:aws:s3:::bucket', size: '10' },
    { arn: 'arn:aws:s3:::other', size: null },
  ],
  timestamp: '2026-01-05 07:00:00.123456',
  _raw: null,
  _error: null,
};

const allNull = Object.fromEntries(columnNames.map((n) => [n, null]));

describe('writeParquetObject', () => {
  it('round-trips every type, with exactly the schema columns and types', async () => {
    const path = target();
    const result = await writeParquetObject({ schema, ndjson: `${fullJson}\n`, path });
    expect(result.rows).toBe(1);
    expect(result.failed).toEqual([]);
    expect(result.bytes).toBeGreaterThan(0);

    expect(await readBack(path)).toEqual([expectedFullRow]);
    const described = await describeFile(path);
    const expected = await Promise.all(schema.columns.map(async (c) => [c.name, await canonicalType(duckdbType(c.type))]));
    expect(described).toEqual(expected);
    expect(described.map(([name]) => name)).not.toContain('dt');
  });

  it('writes SNAPPY-compressed Parquet', async () => {
    const path = target();
    await writeParquetObject({ schema, ndjson: fullJson, path });
    const reader = await connection.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`);
    expect(reader.getRows().map((r) => String(r[0]).toUpperCase())).toEqual(['SNAPPY']);
  });

  it('reads missing keys as null and drops keys not in the schema, at every level', async () => {
    const path = target();
    const ndjson = [
      '{"name":"bob"}',
      '{"count":1,"extra":"dropped","identity":{"type":"Root","unknown":{"deep":[1,2]}},"resources":[{"arn":"a","x":1}]}',
      '{}',
    ].join('\n');
    const result = await writeParquetObject({ schema, ndjson, path });
    expect(result).toMatchObject({ rows: 3, failed: [] });
    const rows = await readBack(path);
    expect(rows[0]).toEqual({ ...allNull, name: 'bob' });
    expect(rows[1]).toEqual({
      ...allNull,
      count: 1,
      identity: { type: 'Root', arn: null, session: null },
      resources: [{ arn: 'a', size: null }],
    });
    expect(rows[2]).toEqual(allNull);
    expect((await describeFile(path)).map(([name]) => name)).toEqual(columnNames);
  });

  it('matches keys case-insensitively (columns and struct fields), keeping map keys as given', async () => {
    const path = target();
    const ndjson = [
      '{"NAME":"carol","Count":7,"IDENTITY":{"Type":"AssumedRole","Session":{"MFA":true}},"Labels":{"MixedKey":"v"}}',
      '{"name":"dave","RESOURCES":[{"ARN":"b","Size":3}]}',
    ].join('\n');
    const result = await writeParquetObject({ schema, ndjson, path });
    expect(result).toMatchObject({ rows: 2, failed: [] });
    const rows = await readBack(path);
    expect(rows[0]).toEqual({
      ...allNull,
      name: 'carol',
      count: 7,
      identity: { type: 'AssumedRole', arn: null, session: { mfa: true, created: null } },
      labels: [{ key: 'MixedKey', value: 'v' }],
    });
    expect(rows[1]).toEqual({ ...allNull, name: 'dave', resources: [{ arn: 'b', size: '3' }] });

    const escaped = target();
    await writeParquetObject({ schema, ndjson: '{"n\\u0041me":"erin"}', path: escaped });
    expect(await readBack(escaped)).toEqual([{ ...allNull, name: 'erin' }]);
  });

  it('skips the case check when told the keys are exact (then other spellings are unknown keys)', async () => {
    const path = target();
    await writeParquetObject({ schema, ndjson: '{"name":"exact","COUNT":2}', path, exactKeys: true });
    expect(await readBack(path)).toEqual([{ ...allNull, name: 'exact' }]);
  });

  it('keeps big integers exact on the careful path too', async () => {
    const path = target();
    const ndjson = `{"Name":"x","bytes":9007199254740993,"resources":[{"arn":"a","size":9007199254740995}]}`;
    await writeParquetObject({ schema, ndjson, path });
    const [row] = await readBack(path);
    expect(row).toMatchObject({ name: 'x', bytes: '9007199254740993', resources: [{ arn: 'a', size: '9007199254740995' }] });
  });

  it('reads ISO-8601 timestamps with Z, fractions and offsets as UTC', async () => {
    const path = target();
    const times = [
      '2026-01-05T07:00:00Z',
      '2026-01-05T07:00:00.1Z',
      '2026-01-05T07:00:00.123Z',
      '2026-01-05T07:00:00.123456Z',
      '2026-01-05T09:30:00+02:30',
      '2026-01-05 07:00:00',
    ];
    const ndjson = times.map((t) => JSON.stringify({ timestamp: t })).join('\n');
    const result = await writeParquetObject({ schema, ndjson, path });
    expect(result).toMatchObject({ rows: times.length, failed: [] });
    expect((await readBack(path)).map((r) => r.timestamp)).toEqual([
      '2026-01-05 07:00:00',
      '2026-01-05 07:00:00.1',
      '2026-01-05 07:00:00.123',
      '2026-01-05 07:00:00.123456',
      '2026-01-05 07:00:00',
      '2026-01-05 07:00:00',
    ]);
  });

  it('reports documents that do not fit, by index, and writes the others in order', async () => {
    const path = target();
    const lines = [
      '{"name":"good-0","count":1}',
      '{"name":"bad-type","count":"abc"}',
      '{"name":"good-2"}',
      '{not json',
      '',
      '[1,2,3]',
      '{"name":"bad-nested","identity":{"session":{"created":"yesterday"}}}',
      '{"name":"bad-day","day":"2026-13-45"}',
      '{"name":"good-8","count":"12"}',
      '{"name":"bad-map","labels":["not","an","object"]}',
      '{"name":"dup","NAME":"dup"}',
    ];
    const result = await writeParquetObject({ schema, ndjson: lines.join('\n'), path });
    expect(result.rows).toBe(3);
    expect(result.failed.map((f) => f.index)).toEqual([1, 3, 5, 6, 7, 9, 10]);
    for (const failure of result.failed) expect(failure.document).toBe(lines[failure.index]);
    const byIndex = new Map(result.failed.map((f) => [f.index, f.error]));
    expect(byIndex.get(1)).toMatch(/column count \(INTEGER\)/);
    expect(byIndex.get(1)).toMatch(/abc/);
    expect(byIndex.get(3)).toMatch(/malformed JSON/);
    expect(byIndex.get(5)).toMatch(/not a JSON object/);
    expect(byIndex.get(6)).toMatch(/column identity/);
    expect(byIndex.get(7)).toMatch(/column day \(DATE\)/);
    expect(byIndex.get(9)).toMatch(/column labels/);
    expect(byIndex.get(10)).toMatch(/duplicate/i);
    expect((await readBack(path)).map((r) => [r.name, r.count])).toEqual([
      ['good-0', 1],
      ['good-2', null],
      ['good-8', 12],
    ]);
  });

  it('finds a single bad document among many', async () => {
    const path = target();
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ name: `n${i}`, count: i, timestamp: '2026-01-05T07:00:00Z' }));
    lines[3210] = '{"name":"bad","count":1.5e99}';
    const result = await writeParquetObject({ schema, ndjson: lines.join('\n'), path });
    expect(result.rows).toBe(4999);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ index: 3210, document: lines[3210] });
    const reader = await connection.runAndReadAll(`SELECT count(*), sum(count) FROM read_parquet('${path}')`);
    expect(reader.getRowsJson()[0]).toEqual(['4999', String((4999 * 5000) / 2 - 3210)]);
  });

  it('takes documents one by one, indexing failures by position, and allows line breaks inside', async () => {
    const path = target();
    const documents = ['{\n  "name": "pretty",\n  "count": 3\n}', '{"count":"x"}', 'null'];
    const result = await writeParquetObject({ schema, documents, path });
    expect(result.rows).toBe(2);
    expect(result.failed.map((f) => f.index)).toEqual([1]);
    expect(await readBack(path)).toEqual([{ ...allNull, name: 'pretty', count: 3 }, allNull]);
  });

  it('reports the error rows and bytes it wrote from its own statistics, on the fast path and the careful one', async () => {
    const good = JSON.stringify({ name: 'a', count: 1, labels: { _error: 'a key, not an error' } });
    const bad = JSON.stringify({ _raw: 'garbage', _error: 'why' });
    const fastPath = target();
    const fast = await writeParquetObject({ schema, ndjson: [good, bad, good, bad, bad].join('\n'), path: fastPath });
    expect(fast).toMatchObject({ rows: 5, errorRows: 3, bytes: statSync(fastPath).size, failed: [] });
    // A document that does not convert sends the object down the careful path.
    const carefulPath = target();
    const careful = await writeParquetObject({ schema, ndjson: [good, bad, '{"count":"x"}', bad].join('\n'), path: carefulPath });
    expect(careful).toMatchObject({ rows: 3, errorRows: 2, bytes: statSync(carefulPath).size });
    expect(careful.failed.map((f) => f.index)).toEqual([2]);
    expect(await writeParquetObject({ schema, ndjson: good, path: target() })).toMatchObject({ rows: 1, errorRows: 0 });
  });

  it('writes nothing for empty input or when every document fails', async () => {
    for (const ndjson of ['', '\n', '\n  \n']) {
      const path = target();
      expect(await writeParquetObject({ schema, ndjson, path })).toEqual({ rows: 0, errorRows: 0, bytes: 0, failed: [] });
      expect(existsSync(path)).toBe(false);
    }
    const path = target();
    const result = await writeParquetObject({ schema, ndjson: '{"count":"a"}\n{"count":"b"}', path });
    expect(result.rows).toBe(0);
    expect(result.failed.map((f) => f.index)).toEqual([0, 1]);
    expect(existsSync(path)).toBe(false);
  });

  it('writes atomically: no temporary file stays, and an existing object is replaced whole', async () => {
    const sub = join(dir, 'atomic', 'dt=2026-01-05', 'hour=07');
    const path = join(sub, 'x.parquet');
    await writeParquetObject({ schema, ndjson: '{"name":"first"}', path });
    await writeParquetObject({ schema, ndjson: '{"name":"second"}\n{"count":"bad"}', path });
    expect((await readBack(path)).map((r) => r.name)).toEqual(['second']);
    expect(await readdir(sub)).toEqual(['x.parquet']);

    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    await expect(writeParquetObject({ schema, ndjson: '{"name":"x"}', path: join(blocker, 'y.parquet') })).rejects.toThrow();
  });

  it('runs concurrent writes on the shared instance', async () => {
    const paths = Array.from({ length: 6 }, () => target());
    const results = await Promise.all(
      paths.map((path, i) =>
        writeParquetObject({ schema, ndjson: i % 2 ? `{"name":"w${i}"}\n{"count":"bad"}` : `{"name":"w${i}"}`, path }),
      ),
    );
    expect(results.map((r) => r.rows)).toEqual([1, 1, 1, 1, 1, 1]);
    for (const [i, path] of paths.entries()) expect((await readBack(path))[0].name).toBe(`w${i}`);
    expect(await getDuckDb()).toBe(await getDuckDb());
  });

  it('gives the same rows whichever path converts them (fast, or careful when a neighbour fails)', async () => {
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('Ünïcödé', 'quote " and \\ backslash', 'tab\tnewline\n'));
    const value = fc.record(
      {
        name: fc.option(text, { nil: null }),
        count: fc.option(fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }), { nil: null }),
        ratio: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
        ok: fc.option(fc.boolean(), { nil: null }),
        labels: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), text, { maxKeys: 3 }), { nil: null }),
        resources: fc.option(fc.array(fc.record({ arn: text, size: fc.integer() }, { requiredKeys: ['arn'] }), { maxLength: 3 }), { nil: null }),
        timestamp: fc.option(
          fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
          { nil: null },
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 8 }), async (documents) => {
        const ndjson = documents.map((d) => JSON.stringify(d)).join('\n');
        const fastPath = target();
        const carefulPath = target();
        const fast = await writeParquetObject({ schema, ndjson, path: fastPath });
        const careful = await writeParquetObject({ schema, ndjson: `${ndjson}\n{"count":"forces the careful path"}`, path: carefulPath });
        expect(fast.failed).toEqual([]);
        expect(careful.failed.map((f) => f.index)).toEqual([documents.length]);
        expect(await readBack(carefulPath)).toEqual(await readBack(fastPath));
      }),
      { numRuns: 15 },
    );
  });
});
