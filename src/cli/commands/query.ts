import { stat } from 'node:fs/promises';
import { AthenaClient } from '@aws-sdk/client-athena';
import type { Command } from 'commander';
import { loadConfig, type LoghoseConfig } from '../../config/config.js';
import { AthenaEngine } from '../../query/athena-engine.js';
import { DuckDbEngine } from '../../query/duckdb-engine.js';
import { QueryError, type QueryEngine, type QueryResult } from '../../query/engine.js';
import { NAMED_QUERIES, closeNames, namedQuery, namedQuerySql, type NamedQuery } from '../../query/named-queries.js';
import { PeriodError, lastDays, parseRange, type Period } from '../../query/periods.js';
import { UserError } from '../errors.js';
import { formatBytes, textTable } from '../output.js';

export interface EngineOptions {
  readonly lake?: string;
  readonly athena?: boolean;
}

/** DuckDB over `--lake` (default: the config's lakeDir), or Athena with `--athena` (the config's workgroup and database). */
export async function openEngine(options: EngineOptions, config: LoghoseConfig): Promise<QueryEngine> {
  if (options.athena && options.lake !== undefined) throw new UserError('--lake and --athena cannot be used together', 2);
  if (options.athena) {
    const region = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    return new AthenaEngine({ client: new AthenaClient({ region }), workgroup: config.athena.workgroup, database: config.athena.database });
  }
  const lakeDir = options.lake ?? config.lakeDir;
  const info = await stat(lakeDir).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new UserError(`lake ${lakeDir} does not exist (build one with \`loghose run\` or \`loghose demo\`, or give --lake DIR or --athena)`);
  }
  return new DuckDbEngine({ lakeDir });
}

/** The named query, or a one-line error naming close matches. */
export function findNamedQuery(name: string): NamedQuery {
  const query = namedQuery(name);
  if (query !== undefined) return query;
  const close = closeNames(name);
  throw new UserError(`unknown named query ${JSON.stringify(name)}${close.length > 0 ? `; did you mean ${close.join(', ')}?` : ''} (\`loghose query --list\` lists them)`, 2);
}

/** Runs a query, turning engine failures into one-line user errors. */
export async function runQuery(engine: QueryEngine, ...args: Parameters<QueryEngine['run']>): Promise<QueryResult> {
  try {
    return await engine.run(...args);
  } catch (error) {
    if (error instanceof QueryError) throw new UserError(error.message);
    throw error;
  }
}

export function periodOrUsage<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof PeriodError) throw new UserError(error.message, 2);
    throw error;
  }
}

/** `12 rows, 85 ms, 1.2 MiB scanned, $0.000050` — what a query cost. */
export function statsLine(result: QueryResult, extra: readonly string[] = []): string {
  const { stats } = result;
  const parts = [`${result.rows.length} row${result.rows.length === 1 ? '' : 's'}`, `${stats.elapsedMs} ms`, `engine ${stats.engine}`];
  if (stats.bytesScanned !== undefined) {
    parts.push(`${formatBytes(stats.bytesScanned)} scanned${stats.engine === 'duckdb' ? ' (Parquet column chunks read)' : ''}${stats.note ? ` — ${stats.note}` : ''}`);
  }
  if (stats.costUsd !== undefined) parts.push(`$${stats.costUsd.toFixed(6)}`);
  if (stats.queryId) parts.push(`query id ${stats.queryId}`);
  return [...extra, ...parts].join(', ');
}

interface QueryCommandOptions extends EngineOptions {
  readonly json?: boolean;
  readonly named?: string;
  readonly from?: string;
  readonly to?: string;
  readonly list?: boolean;
  readonly maxRows: string;
  readonly config?: string;
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run SQL or a named query on the local lake (DuckDB) or on Athena; --list shows the named queries')
    .argument('[sql]', 'one SQL statement (quote it); tables: cloudfront, s3_access, alb, elb, cloudtrail, vpc_flow; filter on dt to prune')
    .option('-l, --lake <dir>', 'local lake directory (default: lakeDir from the config, ./lake)')
    .option('--athena', 'run on Athena, in the workgroup and database from the config')
    .option('--json', 'print the rows as a JSON array of objects')
    .option('-n, --named <name>', 'run a named query (see --list)')
    .option('--from <YYYY-MM-DD>', 'first day for --named (UTC); without --from and --to: the last 7 days up to today')
    .option('--to <YYYY-MM-DD>', 'last day for --named (UTC, inclusive)')
    .option('--list', 'list the named queries')
    .option('--max-rows <n>', 'rows shown in the text table (all rows with --json)', '100')
    .option('-c, --config <file>', 'config file')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  loghose query --list',
        '  loghose query --named cloudfront-top-uris --from 2024-03-01 --to 2024-03-07',
        `  loghose query --lake ./lake "SELECT dt, count(*) AS n FROM alb WHERE dt >= '2024-03-01' GROUP BY dt ORDER BY dt"`,
        '  loghose query --athena --json --named alb-latency-by-target --from 2024-03-01 --to 2024-03-31',
      ].join('\n'),
    )
    .action(async (sql: string | undefined, options: QueryCommandOptions) => {
      const modes = [sql !== undefined, options.named !== undefined, options.list === true].filter(Boolean).length;
      if (modes !== 1) throw new UserError('give one of: "SQL", --named NAME, --list', 2);
      if (!options.named && (options.from !== undefined || options.to !== undefined)) throw new UserError('--from/--to go with --named (filter on dt in your own SQL)', 2);
      const maxRows = Number(options.maxRows);
      if (!Number.isInteger(maxRows) || maxRows < 0) throw new UserError('--max-rows must be a whole number', 2);

      if (options.list) {
        printList(options.json === true);
        return;
      }

      const query = options.named === undefined ? undefined : findNamedQuery(options.named);
      const period = query === undefined ? undefined : periodOrUsage(() => namedPeriod(options.from, options.to));
      const config = loadConfig(options.config);
      const engine = await openEngine(options, config);
      try {
        const result =
          query === undefined
            ? await runQuery(engine, sql!)
            : await runQuery(engine, namedQuerySql(query, engine.name), [period!.from, period!.to], { scope: { table: query.table, fromDt: period!.from, toDt: period!.to } });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(result.rows, null, 2)}\n`);
          return;
        }
        const shown = result.rows.slice(0, maxRows);
        const more = result.rows.length - shown.length;
        const header = query === undefined ? [] : [`${query.name} ${period!.from} to ${period!.to}`];
        process.stdout.write(
          `${textTable(shown, result.columns.map((c) => c.name))}\n${more > 0 ? `… ${more} more rows (--max-rows, or --json for all)\n` : ''}(${statsLine(result, header)})\n`,
        );
      } finally {
        await engine.close();
      }
    });
}

/** `--from`/`--to` of a named query; neither means the last seven days up to today. */
function namedPeriod(from: string | undefined, to: string | undefined): Period {
  if (from === undefined && to === undefined) return lastDays(7);
  if (from === undefined || to === undefined) throw new PeriodError(`--${from === undefined ? 'from' : 'to'} is missing (give both --from and --to, or neither for the last 7 days)`);
  return parseRange(from, to);
}

function printList(json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(NAMED_QUERIES.map(({ name, table, description, sql }) => ({ name, table, description, sql })), null, 2)}\n`);
    return;
  }
  // Not textTable: descriptions are shown whole.
  const nameWidth = Math.max(...NAMED_QUERIES.map((q) => q.name.length));
  const tableWidth = Math.max(...NAMED_QUERIES.map((q) => q.table.length));
  const lines = NAMED_QUERIES.map((q) => `${q.name.padEnd(nameWidth)}  ${q.table.padEnd(tableWidth)}  ${q.description}`);
  process.stdout.write(
    `${lines.join('\n')}\n(${lines.length} named queries; run one with: loghose query --named NAME --from YYYY-MM-DD --to YYYY-MM-DD)\n`,
  );
}
