import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { TB, US_EAST_1_PRICES, type PriceTable } from '../config/prices.js';
import {
  QueryError,
  firstLine,
  floatValue,
  integerValue,
  isoTimestamp,
  uniqueNames,
  type QueryEngine,
  type QueryResult,
  type ResultColumn,
  type ResultValue,
  type ValueType,
} from './engine.js';

/**
 * Athena behind the engine interface: StartQueryExecution in the configured workgroup (which holds
 * the result location and the bytes-scanned cap) and database, values as `ExecutionParameters`,
 * GetQueryExecution polled with exponential backoff until the query ends, GetQueryResults paged
 * with NextToken, values typed from ResultSetMetadata, and the bytes scanned priced from the one
 * price table.
 */

export interface AthenaEngineOptions {
  readonly client: AthenaClient;
  readonly workgroup: string;
  readonly database: string;
  /** @default AwsDataCatalog (Athena's default) */
  readonly catalog?: string;
  /** @default US_EAST_1_PRICES */
  readonly prices?: PriceTable;
  /** Injected in tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** First wait between polls. @default 200 */
  readonly initialPollMs?: number;
  /** Longest wait between polls. @default 5000 */
  readonly maxPollMs?: number;
  /** Give up (and stop the query) after waiting this long in total. @default 30 minutes */
  readonly timeoutMs?: number;
  /** Rows per GetQueryResults page (Athena's maximum is 1000). @default 1000 */
  readonly pageSize?: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** MB as Athena rounds and bills them (decimal, like the price table's minimum). */
const MB = 1_000_000;

/**
 * What Athena charges for one query: bytes scanned rounded up to the next MB, at least the
 * per-query minimum (10 MB), at the price per TB. DDL statements are free; so are failed queries
 * (the engine reports no cost for them, it throws).
 */
export function athenaCostUsd(bytesScanned: number, prices: PriceTable = US_EAST_1_PRICES, statementType?: string): number {
  if (statementType === 'DDL') return 0;
  const billed = Math.max(Math.ceil(bytesScanned / MB) * MB, prices.athenaMinBytesPerQuery);
  return (billed / TB) * prices.athenaPerTB;
}

/**
 * An execution parameter for a text value. Athena substitutes parameters as SQL literals, so a
 * string must be given quoted (`'2024-03-01'`); quotes inside are doubled. The value stays a
 * literal: it is never part of the query text.
 */
export function athenaStringParameter(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export class AthenaEngine implements QueryEngine {
  readonly name = 'athena' as const;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly prices: PriceTable;

  constructor(private readonly options: AthenaEngineOptions) {
    this.sleep = options.sleep ?? defaultSleep;
    this.prices = options.prices ?? US_EAST_1_PRICES;
  }

  async run(sql: string, params: readonly string[] = []): Promise<QueryResult> {
    const started = performance.now();
    const { client } = this.options;
    let queryId: string | undefined;
    try {
      const start = await client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.options.workgroup,
          QueryExecutionContext: { Database: this.options.database, ...(this.options.catalog ? { Catalog: this.options.catalog } : {}) },
          ...(params.length > 0 ? { ExecutionParameters: params.map(athenaStringParameter) } : {}),
        }),
      );
      queryId = start.QueryExecutionId;
    } catch (error) {
      throw new QueryError('athena', `Athena did not start the query: ${firstLine(error)}`);
    }
    if (!queryId) throw new QueryError('athena', 'Athena did not return a query execution id');

    const execution = await this.waitFor(queryId);
    const { columns, rows } = await this.results(queryId, execution.StatementType);
    const bytesScanned = execution.Statistics?.DataScannedInBytes ?? 0;
    return {
      columns,
      rows,
      stats: {
        engine: 'athena',
        elapsedMs: execution.Statistics?.TotalExecutionTimeInMillis ?? Math.round(performance.now() - started),
        bytesScanned,
        costUsd: athenaCostUsd(bytesScanned, this.prices, execution.StatementType),
        queryId,
      },
    };
  }

  async close(): Promise<void> {
    // The client belongs to the caller.
  }

  /** Polls until the query ends: 200 ms, 400 ms, … up to 5 s between polls. */
  private async waitFor(queryId: string): Promise<QueryExecution> {
    const { client } = this.options;
    const maxPollMs = this.options.maxPollMs ?? 5000;
    const timeoutMs = this.options.timeoutMs ?? 30 * 60 * 1000;
    let delay = this.options.initialPollMs ?? 200;
    let waited = 0;
    for (;;) {
      let execution: QueryExecution | undefined;
      try {
        execution = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }))).QueryExecution;
      } catch (error) {
        throw new QueryError('athena', `cannot get the state of query ${queryId}: ${firstLine(error)}`);
      }
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') return execution!;
      if (state === 'FAILED' || state === 'CANCELLED') {
        const reason = execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage ?? 'no reason given';
        throw new QueryError('athena', `query ${queryId} ${state === 'FAILED' ? 'failed' : 'was cancelled'}: ${firstLine(reason)}`);
      }
      if (waited >= timeoutMs) {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId })).catch(() => undefined);
        throw new QueryError('athena', `query ${queryId} did not finish within ${Math.round(timeoutMs / 1000)} s; it was stopped`);
      }
      await this.sleep(delay);
      waited += delay;
      delay = Math.min(delay * 2, maxPollMs);
    }
  }

  /** Every page of the results. For DML (SELECT), the first row of the first page is the header. */
  private async results(queryId: string, statementType: string | undefined): Promise<{ columns: ResultColumn[]; rows: Record<string, ResultValue>[] }> {
    const { client } = this.options;
    let info: readonly ColumnInfo[] | undefined;
    let names: string[] = [];
    const rows: Record<string, ResultValue>[] = [];
    let nextToken: string | undefined;
    let first = true;
    do {
      let page;
      try {
        page = await client.send(
          new GetQueryResultsCommand({ QueryExecutionId: queryId, MaxResults: this.options.pageSize ?? 1000, ...(nextToken ? { NextToken: nextToken } : {}) }),
        );
      } catch (error) {
        throw new QueryError('athena', `cannot read the results of query ${queryId}: ${firstLine(error)}`);
      }
      if (info === undefined) {
        info = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        names = uniqueNames(info.map((c, i) => c.Label ?? c.Name ?? `_col${i}`));
      }
      const pageRows = page.ResultSet?.Rows ?? [];
      for (let r = first && statementType === 'DML' ? 1 : 0; r < pageRows.length; r++) {
        const data = pageRows[r].Data ?? [];
        const row: Record<string, ResultValue> = {};
        for (let i = 0; i < names.length; i++) row[names[i]] = athenaValue(data[i]?.VarCharValue, info[i]?.Type);
        rows.push(row);
      }
      first = false;
      nextToken = page.NextToken;
    } while (nextToken);
    const columns = (info ?? []).map((c, i) => ({ name: names[i], type: athenaValueType(c.Type), engineType: c.Type ?? 'varchar' }));
    return { columns, rows };
  }
}

/** The portable type of an Athena (Trino) column type name. */
export function athenaValueType(type: string | undefined): ValueType {
  const base = (type ?? 'varchar').toLowerCase().replace(/\(.*$/, '').trim();
  switch (base) {
    case 'boolean':
      return 'boolean';
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
      return 'int';
    case 'bigint':
      return 'bigint';
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return 'double';
    case 'date':
      return 'date';
    case 'timestamp':
    case 'timestamp with time zone':
      return 'timestamp';
    case 'json':
      return 'json';
    default:
      // Arrays, maps and rows come in Athena's own notation (`[a, b]`, `{k=v}`), not JSON: text.
      return 'string';
  }
}

/** One result cell: absent `VarCharValue` is NULL; text is converted by the column's type. */
export function athenaValue(text: string | undefined, type: string | undefined): ResultValue {
  if (text === undefined) return null;
  switch (athenaValueType(type)) {
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'int':
      return integerValue(text);
    case 'bigint':
      return integerValue(text);
    case 'double':
      return floatValue(text);
    case 'timestamp':
      return isoTimestamp(text);
    case 'json':
      try {
        return JSON.parse(text) as ResultValue;
      } catch {
        return text;
      }
    default:
      return text;
  }
}
