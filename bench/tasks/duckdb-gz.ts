import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { formatOf } from '../../src/transforms/registry.js';
import { timed, type Rep } from '../lib/timing.js';

/**
 * DuckDB's one-shot equivalent of the local pipeline on the same gzip CloudFront objects:
 * `read_csv` of every file (gzip, TAB, two header lines, typed columns) → `COPY … TO` one Parquet
 * file (snappy). Timed: the statement. `threads` is DuckDB's setting (1, or its default: all cores).
 */

export interface DuckdbGzArgs {
  readonly dir: string;
  readonly out: string;
  readonly threads?: number;
}

export interface DuckdbGzResult {
  readonly rows: number;
  readonly rep: Rep;
  readonly threads: string;
}

const TYPES: Record<string, string> = { date: 'DATE', bigint: 'BIGINT', int: 'INTEGER', float: 'FLOAT', double: 'DOUBLE' };

export async function run(args: DuckdbGzArgs): Promise<DuckdbGzResult> {
  const files = readdirSync(args.dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.gz'))
    .map((e) => join(e.parentPath, e.name));
  // The legacy 33 fields, as the generator's 33-field files declare them.
  const columns = formatOf('cloudfront').schema.columns.slice(0, 33);
  const columnList = columns.map((c) => `'${c.name}': '${TYPES[typeof c.type === 'string' ? c.type : ''] ?? 'VARCHAR'}'`).join(', ');
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  if (args.threads !== undefined) await connection.run(`SET threads = ${args.threads}`);
  const threads = String((await connection.runAndReadAll(`SELECT current_setting('threads') AS t`)).getRowObjectsJson()[0].t);
  const list = files.map((f) => `'${f}'`).join(', ');
  const sql = `COPY (SELECT * FROM read_csv([${list}], delim='\\t', header=false, skip=2, quote='', escape='', nullstr='-', columns={${columnList}}, null_padding=true, ignore_errors=true, compression='gzip'))
    TO '${args.out}' (FORMAT parquet, COMPRESSION snappy)`;
  const { rep } = await timed(() => connection.run(sql));
  const rows = Number((await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${args.out}')`)).getRowObjectsJson()[0].n);
  connection.closeSync();
  return { rows, rep, threads };
}
