import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { connectDuckDb } from '../local/parquet-writer.js';
import { quoteIdent } from '../transforms/schema.js';
import type { ResultColumn, ResultValue, ValueType } from './engine.js';

/** Query results → CSV (RFC 4180) and → Parquet (typed, through DuckDB). */

/** A CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled); NULL is empty. */
export function csvField(value: ResultValue | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV text: a header line, then one line per row, CRLF line ends (RFC 4180). */
export function toCsv(columns: readonly ResultColumn[], rows: readonly Record<string, ResultValue>[]): string {
  const lines = [columns.map((c) => csvField(c.name)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c.name])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function toCsvGzip(columns: readonly ResultColumn[], rows: readonly Record<string, ResultValue>[]): Buffer {
  return gzipSync(toCsv(columns, rows));
}

const DUCKDB_TYPES: Record<ValueType, string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  json: 'JSON',
};

/**
 * Writes rows to a Parquet file (SNAPPY) whose columns have the result's types: the rows go to
 * DuckDB as NDJSON read with those exact types, then `COPY … TO` Parquet. Written to a temporary
 * name beside the target and renamed, so a reader never sees half a file.
 */
export async function writeParquetRows(columns: readonly ResultColumn[], rows: readonly Record<string, ResultValue>[], path: string): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const ndjson = join(tmpdir(), `loghose-rows-${process.pid}-${randomUUID()}.ndjson`);
  const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  const table = `loghose_rows_${randomUUID().replace(/-/g, '')}`;
  const connection = await connectDuckDb();
  try {
    const definitions = columns.map((c) => `${quoteIdent(c.name)} ${DUCKDB_TYPES[c.type]}`).join(', ');
    await connection.run(`CREATE TEMP TABLE ${table} (${definitions})`);
    if (rows.length > 0) {
      await writeFile(ndjson, rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, row[c.name] ?? null])))).join('\n'));
      const readColumns = columns.map((c) => `${sqlString(c.name)}: ${sqlString(DUCKDB_TYPES[c.type])}`).join(', ');
      await connection.run(
        `INSERT INTO ${table} SELECT * FROM read_json(${sqlString(ndjson)}, format = 'newline_delimited', columns = {${readColumns}}, ` +
          `timestampformat = 'iso', maximum_object_size = 1073741824)`,
      );
    }
    await connection.run(`COPY ${table} TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION snappy)`);
    await rename(temporary, path);
    return rows.length;
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    connection.closeSync();
    await rm(ndjson, { force: true });
    await rm(temporary, { force: true });
  }
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
