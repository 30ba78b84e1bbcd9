import { openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { formatOf } from '../../src/transforms/registry.js';
import { duckdbType, quoteIdent } from '../../src/transforms/schema.js';
import { best, timed, type Rep } from '../lib/timing.js';

/**
 * DuckDB's CSV reader on the same CloudFront file, single-threaded (`threads=1`, and the process is
 * pinned to one core). Competent use: no sniffing (`auto_detect=false`), every option given
 * (TAB, no quoting, `-` as NULL, skip the two header lines), and the columns typed as our schema
 * types them (named by the file's `#Fields:` line), plus the event time as a TIMESTAMP, like ours.
 * `ignore_errors=true`: the file holds the generator's deliberately malformed lines, which DuckDB
 * drops (ours keeps them as error rows).
 *
 * Timed: the whole statement. `parquet`: `COPY (SELECT …) TO … (FORMAT parquet, COMPRESSION snappy)`,
 * the file read from the page cache and the Parquet file written to disk. `table`: the same read into
 * an in-memory DuckDB table (no Parquet encoding), for scale.
 */

export interface DuckdbArgs {
  readonly path: string;
  readonly outDir: string;
  readonly mode: 'parquet' | 'table';
  readonly reps: number;
}

export interface DuckdbResult {
  readonly rows: number;
  readonly parquetBytes: number;
  readonly sql: string;
  readonly duckdbVersion: string;
  readonly reps: Rep[];
  readonly best: Rep;
}

function fieldsLine(path: string): string[] {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const n = readSync(fd, head, 0, head.length, 0);
    const line = head.toString('utf8', 0, n).split('\n').find((l) => l.startsWith('#Fields:'));
    if (line === undefined) throw new Error('no #Fields: line at the top of the CloudFront file');
    return line.slice(8).trim().split(/\s+/);
  } finally {
    closeSync(fd);
  }
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export function readCsvSql(path: string): string {
  const columns = formatOf('cloudfront').schema.columns;
  const typed = fieldsLine(path).map((field) => {
    const column = columns.find((c) => c.comment?.toLowerCase() === field.toLowerCase());
    if (column === undefined) throw new Error(`field ${field} is not a CloudFront column`);
    return `${sqlString(column.name)}: ${sqlString(duckdbType(column.type))}`;
  });
  return (
    `read_csv(${sqlString(path)}, delim='\\t', header=false, skip=2, quote='', escape='', nullstr='-', ` +
    `auto_detect=false, all_varchar=false, ignore_errors=true, columns={${typed.join(', ')}})`
  );
}

export async function run(args: DuckdbArgs): Promise<DuckdbResult> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  await connection.run('SET threads=1');
  await connection.run('SET preserve_insertion_order=true');
  const version = String((await connection.runAndReadAll('SELECT version()')).getRows()[0]?.[0] ?? '');
  const target = join(args.outDir, 'duckdb-cloudfront.parquet');
  const select = `SELECT *, "date" + CAST("time" AS TIME) AS ${quoteIdent('timestamp')} FROM ${readCsvSql(args.path)}`;
  const sql =
    args.mode === 'parquet'
      ? `COPY (${select}) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION snappy)`
      : `CREATE OR REPLACE TEMP TABLE bench_cloudfront AS ${select}`;
  const reps: Rep[] = [];
  let rows = 0;
  for (let r = 0; r < args.reps; r++) {
    rmSync(target, { force: true });
    const { rep, value } = await timed(() => connection.runAndReadAll(sql));
    reps.push(rep);
    rows = Number(value.getRows()[0]?.[0] ?? 0);
    if (args.mode === 'table') {
      rows = Number((await connection.runAndReadAll('SELECT count(*) FROM bench_cloudfront')).getRows()[0]?.[0] ?? 0);
      await connection.run('DROP TABLE bench_cloudfront');
    }
  }
  const parquetBytes = args.mode === 'parquet' ? statSync(target).size : 0;
  rmSync(target, { force: true });
  connection.closeSync();
  instance.closeSync();
  return { rows, parquetBytes, sql, duckdbVersion: version, reps, best: best(reps) };
}
