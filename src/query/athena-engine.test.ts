import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type GetQueryExecutionCommandOutput,
  type Row,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withPrices } from '../config/prices.js';
import { AthenaEngine, athenaCostUsd, athenaStringParameter, athenaValue } from './athena-engine.js';
import { QueryError } from './engine.js';
import { NAMED_QUERIES, namedQuerySql } from './named-queries.js';

const athena = mockClient(AthenaClient);
let sleeps: number[];

function engine(options: Partial<ConstructorParameters<typeof AthenaEngine>[0]> = {}): AthenaEngine {
  return new AthenaEngine({
    client: new AthenaClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
    workgroup: 'loghose',
    database: 'logs_db',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
}

function execution(state: string, extra: Record<string, unknown> = {}): GetQueryExecutionCommandOutput {
  return {
    $metadata: {},
    QueryExecution: { QueryExecutionId: 'q-1', StatementType: 'DML', Status: { State: state as never }, ...extra },
  } as GetQueryExecutionCommandOutput;
}

const succeeded = (bytes = 5_000_000, extra: Record<string, unknown> = {}) =>
  execution('SUCCEEDED', { Statistics: { DataScannedInBytes: bytes, TotalExecutionTimeInMillis: 1234 }, ...extra });

const row = (...values: (string | undefined)[]): Row => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });
const columns = (...specs: [string, string][]): ColumnInfo[] => specs.map(([Name, Type]) => ({ Name, Label: Name, Type }));

beforeEach(() => {
  athena.reset();
  sleeps = [];
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
});

afterEach(() => {
  athena.reset();
});

describe('AthenaEngine', () => {
  it('starts the query in the workgroup and database, with the values as ExecutionParameters', async () => {
    athena.on(GetQueryExecutionCommand).resolves(succeeded());
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns(['n', 'bigint']) }, Rows: [row('n'), row('3')] } });
    const query = NAMED_QUERIES.find((q) => q.name === 'cloudfront-top-uris')!;
    const sql = namedQuerySql(query, 'athena');
    const result = await engine().run(sql, ['2024-03-01', "it's"]);

    const start = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(start).toEqual({
      QueryString: sql,
      WorkGroup: 'loghose',
      QueryExecutionContext: { Database: 'logs_db' },
      ExecutionParameters: ["'2024-03-01'", "'it''s'"],
    });
    expect(start.QueryString).toContain('dt BETWEEN ? AND ?');
    expect(start.QueryString).not.toContain('2024-03-01');
    expect(result.rows).toEqual([{ n: 3 }]);
    expect(result.stats).toEqual({ engine: 'athena', elapsedMs: 1234, bytesScanned: 5_000_000, costUsd: athenaCostUsd(5_000_000), queryId: 'q-1' });
  });

  it('sends no ExecutionParameters for a query without values', async () => {
    athena.on(GetQueryExecutionCommand).resolves(succeeded());
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns(['x', 'integer']) }, Rows: [row('x'), row('1')] } });
    await engine({ catalog: 'AwsDataCatalog' }).run('SELECT 1 AS x');
    const start = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(start.ExecutionParameters).toBeUndefined();
    expect(start.QueryExecutionContext).toEqual({ Database: 'logs_db', Catalog: 'AwsDataCatalog' });
  });

  it('polls with exponential backoff, capped', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolves(succeeded());
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [row()] } });
    await engine({ initialPollMs: 100, maxPollMs: 500 }).run('SELECT 1');
    expect(sleeps).toEqual([100, 200, 400, 500, 500]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(6);
  });

  it('uses 200 ms doubling to 5 s by default', async () => {
    const states = Array.from({ length: 7 }, () => execution('RUNNING'));
    let chain = athena.on(GetQueryExecutionCommand);
    for (const state of states) chain = chain.resolvesOnce(state);
    chain.resolves(succeeded());
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    await engine().run('SELECT 1');
    expect(sleeps).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('reports a FAILED query with Athena’s reason, on one line', async () => {
    athena.on(GetQueryExecutionCommand).resolvesOnce(execution('RUNNING')).resolves(
      execution('FAILED', { Status: { State: 'FAILED', StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved\nmore detail" } }),
    );
    const error = await engine().run('SELECT nope FROM alb').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toBe("query q-1 failed: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved");
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('reports a CANCELLED query', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('CANCELLED', { Status: { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' } }));
    await expect(engine().run('SELECT 1')).rejects.toThrow('query q-1 was cancelled: Query cancelled by user');
  });

  it('falls back to the AthenaError message when there is no StateChangeReason', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('FAILED', { Status: { State: 'FAILED', AthenaError: { ErrorMessage: 'Bytes scanned limit was exceeded' } } }));
    await expect(engine().run('SELECT 1')).rejects.toThrow('query q-1 failed: Bytes scanned limit was exceeded');
  });

  it('turns a rejected StartQueryExecution into a QueryError', async () => {
    athena.on(StartQueryExecutionCommand).rejects(new Error('WorkGroup nope is not found.'));
    const error = await engine().run('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toBe('Athena did not start the query: WorkGroup nope is not found.');
  });

  it('stops a query that runs past the timeout', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    await expect(engine({ timeoutMs: 1000 }).run('SELECT 1')).rejects.toThrow(/did not finish within 1 s; it was stopped/);
    expect(athena.commandCalls(StopQueryExecutionCommand)[0].args[0].input).toEqual({ QueryExecutionId: 'q-1' });
    expect(sleeps).toEqual([200, 400, 800]);
  });

  it('reads every page; only the first page starts with the header', async () => {
    const info = columns(['uri', 'varchar'], ['requests', 'bigint']);
    athena.on(GetQueryExecutionCommand).resolves(succeeded());
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', MaxResults: 2 })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: info }, Rows: [row('uri', 'requests'), row('/a', '5')] }, NextToken: 't1' })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', MaxResults: 2, NextToken: 't1' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: info }, Rows: [row('/b', '4'), row('uri', '3')] }, NextToken: 't2' })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', MaxResults: 2, NextToken: 't2' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: info }, Rows: [row('/d', '2')] } });
    const result = await engine({ pageSize: 2 }).run('SELECT uri, requests FROM x');
    // A data row that happens to equal the header (`uri`) on a later page is kept.
    expect(result.rows).toEqual([
      { uri: '/a', requests: 5 },
      { uri: '/b', requests: 4 },
      { uri: 'uri', requests: 3 },
      { uri: '/d', requests: 2 },
    ]);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 't1', 't2']);
    expect(result.columns).toEqual([
      { name: 'uri', type: 'string', engineType: 'varchar' },
      { name: 'requests', type: 'bigint', engineType: 'bigint' },
    ]);
  });

  it('keeps the first row of a non-SELECT result (no header)', async () => {
    athena.on(GetQueryExecutionCommand).resolves(succeeded(0, { StatementType: 'UTILITY' }));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns(['tab_name', 'string']) }, Rows: [row('alb'), row('elb')] } });
    const result = await engine().run('SHOW TABLES');
    expect(result.rows).toEqual([{ tab_name: 'alb' }, { tab_name: 'elb' }]);
  });

  it('converts values by the result metadata types', async () => {
    athena.on(GetQueryExecutionCommand).resolves(succeeded());
    const info = columns(
      ['s', 'varchar'],
      ['i', 'integer'],
      ['small', 'bigint'],
      ['big', 'bigint'],
      ['d', 'double'],
      ['dec', 'decimal'],
      ['b', 'boolean'],
      ['day', 'date'],
      ['ts', 'timestamp'],
      ['tz', 'timestamp with time zone'],
      ['arr', 'array'],
      ['j', 'json'],
      ['missing', 'varchar'],
      ['empty', 'varchar'],
      ['nan', 'double'],
    );
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: info },
        Rows: [
          row(...info.map((c) => c.Name)),
          row('x', '7', '42', '9223372036854775807', '0.25', '12.50', 'true', '2024-02-29', '2024-02-29 23:59:59.123', '2024-02-29 23:59:59.123 UTC', '[a, b]', '{"k":[1,2]}', undefined, '', 'NaN'),
        ],
      },
    });
    const result = await engine().run('SELECT …');
    expect(result.rows).toEqual([
      {
        s: 'x',
        i: 7,
        small: 42,
        big: '9223372036854775807',
        d: 0.25,
        dec: 12.5,
        b: true,
        day: '2024-02-29',
        ts: '2024-02-29T23:59:59.123Z',
        tz: '2024-02-29T23:59:59.123Z',
        arr: '[a, b]',
        j: { k: [1, 2] },
        missing: null,
        empty: '',
        nan: 'NaN',
      },
    ]);
    expect(result.columns.map((c) => c.type)).toEqual(['string', 'int', 'bigint', 'bigint', 'double', 'double', 'boolean', 'date', 'timestamp', 'timestamp', 'string', 'json', 'string', 'string', 'double']);
  });
});

describe('Athena cost', () => {
  it('bills bytes rounded up to the MB, at least 10 MB, at $5 per TB', () => {
    expect(athenaCostUsd(0)).toBeCloseTo(0.00005, 12);
    expect(athenaCostUsd(1)).toBeCloseTo(0.00005, 12);
    expect(athenaCostUsd(10_000_000)).toBeCloseTo(0.00005, 12);
    expect(athenaCostUsd(10_000_001)).toBeCloseTo(0.000055, 12);
    expect(athenaCostUsd(123_456_789)).toBeCloseTo((124e6 / 1e12) * 5, 12);
    expect(athenaCostUsd(1e12)).toBeCloseTo(5, 9);
    expect(athenaCostUsd(2e12, withPrices({ athenaPerTB: 6.25 }))).toBeCloseTo(12.5, 9);
  });

  it('does not bill DDL', () => {
    expect(athenaCostUsd(0, undefined, 'DDL')).toBe(0);
  });
});

describe('athena helpers', () => {
  it('quotes text parameters as SQL string literals', () => {
    expect(athenaStringParameter('2024-03-01')).toBe("'2024-03-01'");
    expect(athenaStringParameter("x' OR '1'='1")).toBe("'x'' OR ''1''=''1'");
  });

  it('keeps text it cannot convert', () => {
    expect(athenaValue('yes', 'boolean')).toBe('yes');
    expect(athenaValue('{not json', 'json')).toBe('{not json');
    expect(athenaValue('2024-03-01 10:00:00.000 Europe/Paris', 'timestamp with time zone')).toBe('2024-03-01 10:00:00.000 Europe/Paris');
  });
});
