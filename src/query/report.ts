import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client, parseS3Url } from '../ingest/sources.js';
import { writeFileAtomic } from '../local/lake.js';
import { schemaOf } from '../transforms/registry.js';
import { PARTITION_KEYS, isTableName, quoteIdent, type TableName } from '../transforms/schema.js';
import { sendReportEmail, type EmailSettings, type SentEmail } from './email.js';
import { firstLine, type QueryEngine, type QueryResult } from './engine.js';
import { toCsvGzip, writeParquetRows } from './export.js';
import { closeNames, namedQuery, namedQuerySql } from './named-queries.js';
import type { Period } from './periods.js';

/**
 * `loghose report`: one named query (or, with `selectAll`, every row of a table) over a period,
 * written as `<out>/<name>/<from>_<to>.parquet` and `.csv.gz` — `<out>` a directory or
 * `s3://bucket/prefix` — and optionally mailed as an HTML summary with the CSV.gz attached.
 *
 * The result goes through memory (rows → CSV and → DuckDB → Parquet), which suits query answers
 * and select-all exports of days to weeks of a table; for bulk exports of months of raw rows on
 * AWS, Athena's UNLOAD writes Parquet straight to S3 without paging results through the client.
 */

export interface ReportTarget {
  /** Folder name under `--out` (the named query's name, or the table's for select-all). */
  readonly name: string;
  readonly table: TableName;
  readonly description: string;
  /** Portable SQL (dialect tokens, two `?` for from and to). */
  readonly sql: string;
  readonly totals: readonly string[];
}

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

/**
 * What a report runs. `name` is a named query; with `selectAll` it may also be a table name, and
 * the report is every row of that table (of the named query's table) in the period, error rows included.
 */
export function reportTarget(name: string, selectAll = false): ReportTarget {
  const query = namedQuery(name);
  if (selectAll) {
    const table = query?.table ?? (isTableName(name) ? name : undefined);
    if (table === undefined) throw new ReportError(unknownName(name, true));
    const columns = [...schemaOf(table).columns, ...PARTITION_KEYS].map((c) => quoteIdent(c.name)).join(', ');
    return {
      name: table,
      table,
      description: `Every row of ${table} (error rows included)`,
      sql: `SELECT ${columns} FROM ${table} WHERE dt BETWEEN ? AND ? ORDER BY dt, hour, "timestamp"`,
      totals: [],
    };
  }
  if (query === undefined) throw new ReportError(unknownName(name, false));
  return { name: query.name, table: query.table, description: query.description, sql: query.sql, totals: query.totals };
}

function unknownName(name: string, tablesToo: boolean): string {
  const close = closeNames(name);
  const hint = close.length > 0 ? `; did you mean ${close.join(', ')}?` : '; `loghose query --list` lists them';
  return `unknown named query ${JSON.stringify(name)}${tablesToo ? ' or table' : ''}${hint}`;
}

export interface ReportOptions {
  readonly engine: QueryEngine;
  readonly target: ReportTarget;
  readonly period: Period;
  /** A directory, or `s3://bucket/prefix`. */
  readonly out: string;
  /** Send the summary when given. */
  readonly email?: EmailSettings;
  /** For `s3://` outputs. @default createS3Client() */
  readonly s3?: S3Client;
}

export interface ReportSummary {
  readonly name: string;
  readonly table: TableName;
  readonly period: Period;
  readonly rows: number;
  /** Where the Parquet and CSV.gz files went (paths or s3:// URLs). */
  readonly files: readonly string[];
  readonly result: QueryResult;
  readonly email?: SentEmail;
}

/** `<from>_<to>` — the file name stem of a period's report files. */
export function reportStem(period: Period): string {
  return `${period.from}_${period.to}`;
}

export async function runReport(options: ReportOptions): Promise<ReportSummary> {
  const { engine, target, period } = options;
  const s3Location = options.out.startsWith('s3://') ? parseS3Url(options.out) : undefined;
  if (options.out.startsWith('s3://') && s3Location === undefined) throw new ReportError(`--out ${options.out} is not an s3://bucket/prefix URL`);

  const result = await engine.run(namedQuerySql(target, engine.name), [period.from, period.to], {
    scope: { table: target.table, fromDt: period.from, toDt: period.to },
  });
  const stem = reportStem(period);
  const csvGzip = toCsvGzip(result.columns, result.rows);
  const files: string[] = [];

  if (s3Location === undefined) {
    const dir = join(options.out, target.name);
    const parquetPath = join(dir, `${stem}.parquet`);
    const csvPath = join(dir, `${stem}.csv.gz`);
    await writeParquetRows(result.columns, result.rows, parquetPath);
    await writeFileAtomic(csvPath, csvGzip);
    files.push(parquetPath, csvPath);
  } else {
    const scratch = await mkdtemp(join(tmpdir(), 'loghose-report-'));
    try {
      const parquetPath = join(scratch, `${randomUUID()}.parquet`);
      await writeParquetRows(result.columns, result.rows, parquetPath);
      const s3 = options.s3 ?? createS3Client();
      const prefix = s3Location.prefix.replace(/^\/+|\/+$/g, '');
      const keyOf = (file: string) => [prefix, target.name, file].filter((p) => p !== '').join('/');
      const uploads: [string, Buffer, string][] = [
        [keyOf(`${stem}.parquet`), await readFile(parquetPath), 'application/vnd.apache.parquet'],
        [keyOf(`${stem}.csv.gz`), csvGzip, 'application/gzip'],
      ];
      for (const [key, body, contentType] of uploads) {
        await s3.send(new PutObjectCommand({ Bucket: s3Location.bucket, Key: key, Body: body, ContentType: contentType }));
        files.push(`s3://${s3Location.bucket}/${key}`);
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  let email: SentEmail | undefined;
  if (options.email !== undefined) {
    try {
      email = await sendReportEmail(options.email, {
        name: target.name,
        description: target.description,
        period,
        columns: result.columns,
        rows: result.rows,
        totals: target.totals,
        stats: result.stats,
        attachment: { filename: `${target.name}_${stem}.csv.gz`, content: csvGzip },
        locations: files,
      });
    } catch (error) {
      throw new ReportError(`the report was written (${files.join(', ')}) but not mailed: ${firstLine(error)}`);
    }
  }
  return { name: target.name, table: target.table, period, rows: result.rows.length, files, result, ...(email ? { email } : {}) };
}
