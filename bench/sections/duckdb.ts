import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { measure } from '../lib/measure.js';
import { compact, fixed, mb } from '../lib/report.js';
import type { DuckdbArgs, DuckdbResult } from '../tasks/duckdb.js';
import { rates, type Section } from './section.js';

export const duckdbSection: Section = {
  id: 'duckdb',
  title: "(c) DuckDB read_csv → Parquet, same CloudFront file, one thread",
  async run(context) {
    const file = context.data.cloudfront;
    const outDir = join(context.outDir, 'duckdb');
    mkdirSync(outDir, { recursive: true });
    const rows: string[][] = [];
    const notes: string[] = [];
    let sql = '';
    let version = '';
    for (const mode of ['parquet', 'table'] as const) {
      context.log(`duckdb ${mode} …`);
      try {
        const args: DuckdbArgs = { path: file.path, outDir, mode, reps: context.quick ? 2 : 3 };
        const result = await measure<DuckdbResult>('duckdb', args);
        // Lines/s over the file's data lines, as for ours (DuckDB drops the malformed ones).
        const r = rates(file.dataLines, result.best);
        if (mode === 'parquet') {
          context.metrics.set('duckdb.cloudfront.linesPerSecond', r.cpu);
          sql = result.sql;
        }
        version = result.duckdbVersion;
        rows.push([
          mode === 'parquet' ? 'read_csv → COPY TO Parquet (snappy)' : 'read_csv → in-memory table (for scale; no Parquet)',
          result.rows.toLocaleString('en-US'),
          compact(r.cpu),
          compact(r.wall),
          fixed(mb(file.bytes) / (result.best.cpuMs / 1000)),
          mode === 'parquet' ? fixed(mb(result.parquetBytes)) : '',
        ]);
      } catch (error) {
        rows.push([mode, 'error', '', '', '', '']);
        notes.push(`${mode}: ${(error as Error).message}`);
      }
    }
    if (sql) notes.push(`DuckDB ${version}; statement: \`${sql.replace(file.path, '<cloudfront.log>').replace(/'[^']*duckdb-cloudfront\.parquet'/, "'<out.parquet>'")}\``);
    return {
      id: this.id,
      title: this.title,
      method: [
        '`@duckdb/node-api`, `SET threads=1`, process pinned to one core; no sniffing, every CSV option given, columns typed as our schema types them, ' +
          'plus the event time as a TIMESTAMP. The file is read from the page cache; the Parquet file is written to disk. Timed: the whole statement.',
        'Best of the repetitions by CPU time; lines/s counts the file\'s data lines. DuckDB drops the generator\'s malformed lines (`ignore_errors`) where ours keeps them as error rows, and computes no query_params.',
      ],
      columns: ['Statement', 'Rows', 'Lines/s (CPU)', 'Lines/s (wall)', 'MB/s in', 'Parquet MB'],
      rows,
      notes,
    };
  },
};
