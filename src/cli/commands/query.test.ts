import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NAMED_QUERIES } from '../../query/named-queries.js';
import { writeLakeRows } from '../../query/testing.js';
import { main } from '../main.js';

/** `loghose query`, `report` and `ddl` in-process (main(argv)), stdout and stderr captured. */

// As bin/loghose.js does: the SDK's Node-version notice would otherwise land on the captured stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let root: string;
let lake: string;
let emptyConfig: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loghose-cli-query-'));
  lake = join(root, 'lake');
  emptyConfig = join(root, 'empty.json');
  await writeFile(emptyConfig, '{}');
  await writeLakeRows(lake, 'alb', [
    { timestamp: '2024-03-01T10:00:00.000Z', time: '2024-03-01T10:00:00.000000Z', type: 'https', elb: 'app/x', client_ip: '198.51.100.1', target_ip: '10.0.0.1', target_port: 80, target_processing_time: 0.2, elb_status_code: 200, target_status_code: '200', sent_bytes: 100, user_agent: 'curl/8' },
    { timestamp: '2024-03-01T11:00:00.000Z', time: '2024-03-01T11:00:00.000000Z', type: 'https', elb: 'app/x', client_ip: '198.51.100.2', target_ip: '10.0.0.1', target_port: 80, target_processing_time: 0.4, elb_status_code: 502, target_status_code: '502', sent_bytes: 50, user_agent: 'curl/8' },
    { timestamp: '2024-03-05T11:00:00.000Z', time: '2024-03-05T11:00:00.000000Z', type: 'https', elb: 'app/x', client_ip: '198.51.100.3', target_ip: '10.0.0.2', target_port: 80, target_processing_time: 9, elb_status_code: 200, target_status_code: '200', sent_bytes: 1, user_agent: 'bot' },
  ]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

async function loghose(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'loghose', ...args]);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

/** A usage error: exit 2, one line on stderr. */
function expectUsageError(result: { code: number; stdout: string; stderr: string }, message: RegExp | string): void {
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

describe('loghose query', () => {
  it('has --help', async () => {
    const { code, stdout } = await loghose('query', '--help');
    expect(code).toBe(0);
    for (const option of ['--lake', '--athena', '--json', '--named', '--from', '--to', '--list']) expect(stdout).toContain(option);
  });

  it('lists the named queries', async () => {
    const text = await loghose('query', '--list');
    expect(text.code).toBe(0);
    for (const q of NAMED_QUERIES) expect(text.stdout).toContain(q.name);
    const json = await loghose('query', '--list', '--json');
    expect(JSON.parse(json.stdout).map((q: { name: string }) => q.name)).toEqual(NAMED_QUERIES.map((q) => q.name));
  });

  it('runs a named query for a period: a text table and a stats line', async () => {
    const { code, stdout, stderr } = await loghose('query', '--lake', lake, '--config', emptyConfig, '--named', 'alb-traffic-by-hour', '--from', '2024-03-01', '--to', '2024-03-02');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['dt', 'hour', 'requests', 'bytes_received', 'bytes_sent', 'status_4xx', 'status_5xx']);
    expect(lines[2].split(/\s+/)).toEqual(['2024-03-01', '10', '1', '', '100', '0', '0'].filter((v) => v !== ''));
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatch(/^\(alb-traffic-by-hour 2024-03-01 to 2024-03-02, 2 rows, \d+ ms, engine duckdb, [\d.]+ \w*B scanned \(Parquet column chunks read\)\)$/);
  });

  it('prints rows as a JSON array of objects with --json', async () => {
    const { code, stdout } = await loghose('query', '--lake', lake, '--config', emptyConfig, '--json', '--named', 'alb-5xx-by-target', '--from', '2024-03-01', '--to', '2024-03-07');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ target_ip: '10.0.0.1', target_port: 80, requests: 2, elb_5xx: 1, target_5xx: 1, target_5xx_rate: 0.5 }]);
  });

  it('runs SQL', async () => {
    const { code, stdout } = await loghose('query', '--lake', lake, '--config', emptyConfig, '--json', "SELECT dt, count(*) AS n FROM alb WHERE dt >= '2024-03-01' GROUP BY dt ORDER BY dt");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ dt: '2024-03-01', n: 2 }, { dt: '2024-03-05', n: 1 }]);
  });

  it('shows only --max-rows rows in the table', async () => {
    const { stdout } = await loghose('query', '--lake', lake, '--config', emptyConfig, '--max-rows', '1', 'SELECT client_ip FROM alb ORDER BY client_ip');
    expect(stdout).toContain('198.51.100.1');
    expect(stdout).not.toContain('198.51.100.2');
    expect(stdout).toContain('… 2 more rows');
  });

  it('explains bad input in one line and exits non-zero', async () => {
    const unknown = await loghose('query', '--lake', lake, '--named', 'alb-latency');
    expectUsageError(unknown, /unknown named query "alb-latency"; did you mean alb-latency-by-target/);
    expectUsageError(await loghose('query', '--lake', lake), /give one of: "SQL", --named NAME, --list/);
    expectUsageError(await loghose('query', '--lake', lake, 'SELECT 1', '--named', 'alb-traffic-by-hour'), /give one of/);
    expectUsageError(await loghose('query', '--lake', lake, '--from', '2024-03-01', 'SELECT 1'), /--from\/--to go with --named/);
    expectUsageError(await loghose('query', '--lake', lake, '--named', 'alb-traffic-by-hour', '--from', '2024-02-30', '--to', '2024-03-01'), '--from must be a date as YYYY-MM-DD, got "2024-02-30"');
    expectUsageError(await loghose('query', '--lake', lake, '--named', 'alb-traffic-by-hour', '--from', '2024-03-02', '--to', '2024-03-01'), '--from 2024-03-02 is after --to 2024-03-01');
    expectUsageError(await loghose('query', '--lake', lake, '--named', 'alb-traffic-by-hour', '--from', '2024-03-02'), /--to is missing/);
    expectUsageError(await loghose('query', '--lake', lake, '--athena', 'SELECT 1'), '--lake and --athena cannot be used together');
    const bogus = await loghose('query', '--lake', lake, '--bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/unknown option '--bogus'/);

    const sqlError = await loghose('query', '--lake', lake, '--config', emptyConfig, 'SELECT nope FROM alb');
    expect(sqlError.code).toBe(1);
    expect(sqlError.stderr).toMatch(/^loghose: Binder Error: Referenced column "nope" not found/);
    expect(sqlError.stderr.trim().split('\n')).toHaveLength(1);

    const noLake = await loghose('query', '--lake', join(root, 'missing'), 'SELECT 1');
    expect(noLake.code).toBe(1);
    expect(noLake.stderr).toMatch(/^loghose: lake .*missing does not exist/);
  });

  it('runs on Athena with --athena: values as ExecutionParameters, cost in the stats line', async () => {
    const athena = mockClient(AthenaClient);
    try {
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-9' });
      athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: 'q-9', StatementType: 'DML', Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 123_456_789, TotalExecutionTimeInMillis: 850 } } });
      athena.on(GetQueryResultsCommand).resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: [{ Name: 'uri', Type: 'varchar' }, { Name: 'requests', Type: 'bigint' }] },
          Rows: [{ Data: [{ VarCharValue: 'uri' }, { VarCharValue: 'requests' }] }, { Data: [{ VarCharValue: '/a' }, { VarCharValue: '12' }] }],
        },
      });
      const config = join(root, 'athena.json');
      await writeFile(config, JSON.stringify({ region: 'eu-west-1', athena: { database: 'prod_logs', workgroup: 'analysts' } }));
      const text = await loghose('query', '--athena', '--config', config, '--named', 'cloudfront-top-uris', '--from', '2024-03-01', '--to', '2024-03-31');
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('/a');
      expect(text.stdout).toMatch(/1 row, 850 ms, engine athena, 117\.7 MiB scanned, \$0\.000620, query id q-9\)/);
      const start = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
      expect(start.WorkGroup).toBe('analysts');
      expect(start.QueryExecutionContext).toEqual({ Database: 'prod_logs' });
      expect(start.ExecutionParameters).toEqual(["'2024-03-01'", "'2024-03-31'"]);
      expect(start.QueryString).toContain('FROM cloudfront');
      expect(await athena.commandCalls(StartQueryExecutionCommand)[0].thisValue.config.region()).toBe('eu-west-1');

      const json = await loghose('query', '--athena', '--config', config, '--json', 'SELECT uri, requests FROM x');
      expect(JSON.parse(json.stdout)).toEqual([{ uri: '/a', requests: 12 }]);
    } finally {
      athena.restore();
    }
  });

  it('reports a failed Athena query in one line', async () => {
    const athena = mockClient(AthenaClient);
    try {
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-10' });
      athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND: line 1:15: Table awsdatacatalog.loghose.x does not exist' } } });
      const result = await loghose('query', '--athena', '--config', emptyConfig, 'SELECT * FROM x');
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('loghose: query q-10 failed: TABLE_NOT_FOUND: line 1:15: Table awsdatacatalog.loghose.x does not exist\n');
    } finally {
      athena.restore();
    }
  });
});

describe('loghose report', () => {
  it('has --help', async () => {
    const { code, stdout } = await loghose('report', '--help');
    expect(code).toBe(0);
    for (const option of ['--frequency', '--from', '--to', '--out', '--email', '--select-all', '--lake', '--athena']) expect(stdout).toContain(option);
  });

  it('writes the Parquet and CSV.gz files of a period', async () => {
    const out = join(root, 'reports');
    const { code, stdout, stderr } = await loghose('report', 'alb-top-client-ips', '--from', '2024-03-01', '--to', '2024-03-31', '--lake', lake, '--out', out, '--config', emptyConfig);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`wrote ${join(out, 'alb-top-client-ips', '2024-03-01_2024-03-31.parquet')}`);
    expect((await readdir(join(out, 'alb-top-client-ips'))).sort()).toEqual(['2024-03-01_2024-03-31.csv.gz', '2024-03-01_2024-03-31.parquet']);
    const csv = gunzipSync(await readFile(join(out, 'alb-top-client-ips', '2024-03-01_2024-03-31.csv.gz'))).toString();
    expect(csv).toBe('client_ip,requests,bytes_sent,errors\r\n198.51.100.1,1,100,0\r\n198.51.100.2,1,50,1\r\n198.51.100.3,1,1,0\r\n');
  });

  it('exports raw rows with --select-all and prints a JSON summary with --json', async () => {
    const out = join(root, 'raw');
    const { code, stdout } = await loghose('report', 'alb', '--select-all', '--from', '2024-03-01', '--to', '2024-03-01', '--lake', lake, '--out', out, '--json', '--config', emptyConfig);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ name: 'alb', table: 'alb', period: { from: '2024-03-01', to: '2024-03-01' }, rows: 2 });
    expect(summary.files).toEqual([join(out, 'alb', '2024-03-01_2024-03-01.parquet'), join(out, 'alb', '2024-03-01_2024-03-01.csv.gz')]);
  });

  it('checks its input before running anything', async () => {
    const out = join(root, 'never');
    expectUsageError(await loghose('report', 'alb-top-client-ip', '--frequency', 'weekly', '--lake', lake, '--out', out), /did you mean alb-top-client-ips/);
    expectUsageError(await loghose('report', 'alb-top-client-ips', '--lake', lake, '--out', out), /give --frequency weekly\|monthly\|quarterly or --from/);
    expectUsageError(await loghose('report', 'alb-top-client-ips', '--frequency', 'daily', '--lake', lake), /--frequency must be one of weekly, monthly, quarterly/);
    expectUsageError(await loghose('report', 'alb-top-client-ips', '--frequency', 'weekly', '--from', '2024-03-01', '--to', '2024-03-02', '--lake', lake), /not both/);
    for (const name of ['SMTP_HOST', 'SMTP_PORT', 'SMTP_USERNAME', 'SMTP_PASSWORD', 'FROM_EMAIL', 'REPLY_TO_EMAIL', 'TARGET_EMAIL_ADDRESS']) vi.stubEnv(name, '');
    vi.stubEnv('SMTP_HOST', 'smtp.example.com');
    const email = await loghose('report', 'alb-top-client-ips', '--frequency', 'monthly', '--email', '--lake', lake, '--out', out);
    expectUsageError(email, 'loghose: --email needs these environment variables set: SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, FROM_EMAIL, REPLY_TO_EMAIL, TARGET_EMAIL_ADDRESS');
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('loghose ddl', () => {
  it('has --help', async () => {
    const { code, stdout } = await loghose('ddl', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('--location');
    expect(stdout).toContain('--database');
  });

  it('prints the CREATE EXTERNAL TABLE', async () => {
    const { code, stdout } = await loghose('ddl', 'vpc_flow', '--location', 's3://my-lake/logs', '--database', 'logs', '--config', emptyConfig);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^CREATE EXTERNAL TABLE IF NOT EXISTS `logs`\.`vpc_flow` \(\n {2}`version` int COMMENT '[^']*',\n {2}`account_id` string COMMENT/);
    expect(stdout).toContain("LOCATION 's3://my-lake/logs/vpc_flow/'");
    expect(stdout).toContain("'storage.location.template'='s3://my-lake/logs/vpc_flow/dt=${dt}/hour=${hour}/'");
    expect(stdout.endsWith(');\n')).toBe(true);
  });

  it('takes the lake bucket and database from the config', async () => {
    const config = join(root, 'lake-bucket.json');
    await writeFile(config, JSON.stringify({ lakeBucket: 'acme-lake', athena: { database: 'acme' } }));
    const { code, stdout } = await loghose('ddl', 'alb', '--config', config, '--since', '2023-01-01');
    expect(code).toBe(0);
    expect(stdout).toContain('CREATE EXTERNAL TABLE IF NOT EXISTS `acme`.`alb` (');
    expect(stdout).toContain("LOCATION 's3://acme-lake/alb/'");
    expect(stdout).toContain("'projection.dt.range'='2023-01-01,NOW'");
  });

  it('explains bad input in one line', async () => {
    expectUsageError(await loghose('ddl', 'albb', '--location', 's3://lake-bucket'), /unknown table "albb"; did you mean alb/);
    expectUsageError(await loghose('ddl', 'alb', '--config', emptyConfig), /give --location s3:\/\/bucket\/prefix/);
    expectUsageError(await loghose('ddl', 'alb', '--location', '/tmp/lake'), /--location must be s3:\/\/bucket\[\/prefix\]/);
    expectUsageError(await loghose('ddl', 'alb', '--location', "s3://lake-bucket/it's"), /--location must be s3:\/\/bucket\[\/prefix\]/);
    expectUsageError(await loghose('ddl', 'alb', '--location', 's3://lake-bucket', '--database', 'x; DROP'), /--database must be letters, digits and _/);
    expectUsageError(await loghose('ddl', 'alb', '--location', 's3://lake-bucket', '--since', 'yesterday'), /--since must be a date/);
  });
});

it('is wired into the loghose binary', () => {
  const bin = new URL('../../../bin/loghose.js', import.meta.url).pathname;
  const result = spawnSync(process.execPath, [bin, 'ddl', 'elb', '--location', 's3://lake-bucket', '--database', 'd'], { encoding: 'utf8', timeout: 60_000, cwd: root });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('CREATE EXTERNAL TABLE IF NOT EXISTS `d`.`elb`');
});
