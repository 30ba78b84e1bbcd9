import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectDuckDb } from '../local/parquet-writer.js';
import { schemaOf } from '../transforms/registry.js';
import { DuckDbEngine } from './duckdb-engine.js';
import { EmailSettingsError, emailSettingsFromEnv, reportHtml, sendReportEmail, type EmailSettings } from './email.js';
import type { QueryStats, ResultColumn, ResultValue } from './engine.js';
import { csvField, toCsv, writeParquetRows } from './export.js';
import { ReportError, reportTarget, runReport } from './report.js';
import { writeLakeRows } from './testing.js';

const PERIOD = { from: '2024-03-01', to: '2024-03-02' };

let root: string;
let lake: string;
let engine: DuckDbEngine;

const cf = (timestamp: string, request_ip: string, uri: string, status: number, bytes: number) => ({
  timestamp,
  date: timestamp.slice(0, 10),
  request_ip,
  uri,
  status,
  bytes,
  method: 'GET',
  request_id: `${timestamp}-${uri}`,
  query_params: { a: '1' },
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loghose-report-'));
  lake = join(root, 'lake');
  await writeLakeRows(lake, 'cloudfront', [
    cf('2024-03-01T10:00:00.000Z', '192.0.2.1', '/index.html', 200, 1000),
    cf('2024-03-01T10:05:00.000Z', '192.0.2.1', '/index.html', 200, 1000),
    cf('2024-03-01T11:00:00.000Z', '192.0.2.2', '/a,b "quoted"\nline', 404, 10),
    cf('2024-03-02T23:59:59.999Z', '192.0.2.3', '/img.png', 200, 5000),
    cf('2024-03-03T00:00:00.000Z', '192.0.2.4', '/later', 200, 7),
    { timestamp: '2024-03-01T12:00:00.000Z', _raw: 'not a log line', _error: 'too few fields' },
  ]);
  engine = new DuckDbEngine({ lakeDir: lake });
});

afterAll(async () => {
  await engine?.close();
  await rm(root, { recursive: true, force: true });
});

/** A small RFC 4180 parser, to read back what the report wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

async function readParquet(path: string): Promise<{ types: Record<string, string>; rows: Record<string, unknown>[] }> {
  const connection = await connectDuckDb();
  try {
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    const types = Object.fromEntries(described.getRowObjectsJson().map((r) => [r.column_name as string, r.column_type as string]));
    const rows = (await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}')`)).getRowObjectsJson();
    return { types, rows };
  } finally {
    connection.closeSync();
  }
}

describe('CSV', () => {
  it('quotes what needs quoting (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(null)).toBe('');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(false)).toBe('false');
    expect(csvField({ k: 'v,w' })).toBe('"{""k"":""v,w""}"');
  });

  it('writes a header and CRLF-ended lines', () => {
    const columns: ResultColumn[] = [
      { name: 'a', type: 'string', engineType: 'VARCHAR' },
      { name: 'b,c', type: 'int', engineType: 'INTEGER' },
    ];
    expect(toCsv(columns, [{ a: 'x', 'b,c': 1 }, { a: null, 'b,c': null }])).toBe('a,"b,c"\r\nx,1\r\n,\r\n');
    expect(parseCsv(toCsv(columns, [{ a: 'q"\r\n', 'b,c': 2 }]))).toEqual([['a', 'b,c'], ['q"\r\n', '2']]);
  });
});

describe('Parquet from result rows', () => {
  it('keeps every type, big integers and nulls included', async () => {
    const columns: ResultColumn[] = [
      { name: 's', type: 'string', engineType: '' },
      { name: 'i', type: 'int', engineType: '' },
      { name: 'big', type: 'bigint', engineType: '' },
      { name: 'd', type: 'double', engineType: '' },
      { name: 'b', type: 'boolean', engineType: '' },
      { name: 'day', type: 'date', engineType: '' },
      { name: 'ts', type: 'timestamp', engineType: '' },
      { name: 'j', type: 'json', engineType: '' },
      { name: 'odd "name"', type: 'string', engineType: '' },
    ];
    const rows: Record<string, ResultValue>[] = [
      { s: 'x', i: 1, big: '9223372036854775807', d: 0.5, b: true, day: '2024-02-29', ts: '2024-02-29T23:59:59.123Z', j: { k: [1, 2] }, 'odd "name"': 'y' },
      { s: null, i: null, big: null, d: null, b: null, day: null, ts: null, j: null, 'odd "name"': null },
    ];
    const path = join(root, 'types', 'out.parquet');
    expect(await writeParquetRows(columns, rows, path)).toBe(2);
    const back = await readParquet(path);
    expect(back.types).toEqual({ s: 'VARCHAR', i: 'INTEGER', big: 'BIGINT', d: 'DOUBLE', b: 'BOOLEAN', day: 'DATE', ts: 'TIMESTAMP', j: 'JSON', 'odd "name"': 'VARCHAR' });
    expect(back.rows).toEqual([
      { s: 'x', i: 1, big: '9223372036854775807', d: 0.5, b: true, day: '2024-02-29', ts: '2024-02-29 23:59:59.123', j: '{"k":[1,2]}', 'odd "name"': 'y' },
      { s: null, i: null, big: null, d: null, b: null, day: null, ts: null, j: null, 'odd "name"': null },
    ]);
  });

  it('writes an empty result as a typed file with no rows', async () => {
    const path = join(root, 'empty', 'out.parquet');
    await writeParquetRows([{ name: 'n', type: 'bigint', engineType: '' }], [], path);
    expect(await readParquet(path)).toEqual({ types: { n: 'BIGINT' }, rows: [] });
  });
});

describe('runReport', () => {
  it('writes <name>/<from>_<to>.parquet and .csv.gz with the named query’s answer', async () => {
    const out = join(root, 'reports');
    const summary = await runReport({ engine, target: reportTarget('cloudfront-top-uris'), period: PERIOD, out });
    const parquet = join(out, 'cloudfront-top-uris', '2024-03-01_2024-03-02.parquet');
    const csv = join(out, 'cloudfront-top-uris', '2024-03-01_2024-03-02.csv.gz');
    expect(summary.files).toEqual([parquet, csv]);
    expect(summary.rows).toBe(3);

    const back = await readParquet(parquet);
    // DuckDB sums BIGINT as HUGEINT; the report types it as the portable bigint.
    expect(back.types).toEqual({ uri: 'VARCHAR', requests: 'BIGINT', bytes_sent: 'BIGINT', errors: 'BIGINT' });
    expect(back.rows).toEqual([
      { uri: '/index.html', requests: '2', bytes_sent: '2000', errors: '0' },
      { uri: '/a,b "quoted"\nline', requests: '1', bytes_sent: '10', errors: '1' },
      { uri: '/img.png', requests: '1', bytes_sent: '5000', errors: '0' },
    ]);

    expect(parseCsv(gunzipSync(await readFile(csv)).toString('utf8'))).toEqual([
      ['uri', 'requests', 'bytes_sent', 'errors'],
      ['/index.html', '2', '2000', '0'],
      ['/a,b "quoted"\nline', '1', '10', '1'],
      ['/img.png', '1', '5000', '0'],
    ]);
  });

  it('exports every row of the table for the range with --select-all', async () => {
    const out = join(root, 'raw');
    const summary = await runReport({ engine, target: reportTarget('cloudfront', true), period: PERIOD, out });
    expect(summary.name).toBe('cloudfront');
    expect(summary.rows).toBe(5); // four logged requests and the error row; 2024-03-03 is outside
    const back = await readParquet(join(out, 'cloudfront', '2024-03-01_2024-03-02.parquet'));
    expect(Object.keys(back.types)).toEqual([...schemaOf('cloudfront').columns.map((c) => c.name), 'dt', 'hour']);
    expect(back.types.timestamp).toBe('TIMESTAMP');
    expect(back.types.query_params).toBe('JSON');
    expect(back.rows.map((r) => r._error)).toEqual([null, null, null, 'too few fields', null]);
    expect(back.rows[0].query_params).toBe('{"a":"1"}');
    const csv = parseCsv(gunzipSync(await readFile(join(out, 'cloudfront', '2024-03-01_2024-03-02.csv.gz'))).toString('utf8'));
    expect(csv).toHaveLength(6);
    expect(csv[1][csv[0].indexOf('timestamp')]).toBe('2024-03-01T10:00:00.000Z');
    // A named query's name selects its table too.
    expect(reportTarget('cloudfront-top-uris', true).name).toBe('cloudfront');
  });

  it('writes to s3://bucket/prefix with PutObject', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    try {
      const summary = await runReport({ engine, target: reportTarget('cloudfront-status-mix'), period: PERIOD, out: 's3://report-bucket/team/weekly/', s3: new S3Client({ region: 'us-east-1' }) });
      expect(summary.files).toEqual([
        's3://report-bucket/team/weekly/cloudfront-status-mix/2024-03-01_2024-03-02.parquet',
        's3://report-bucket/team/weekly/cloudfront-status-mix/2024-03-01_2024-03-02.csv.gz',
      ]);
      const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
      expect(puts.map((p) => [p.Bucket, p.Key, p.ContentType])).toEqual([
        ['report-bucket', 'team/weekly/cloudfront-status-mix/2024-03-01_2024-03-02.parquet', 'application/vnd.apache.parquet'],
        ['report-bucket', 'team/weekly/cloudfront-status-mix/2024-03-01_2024-03-02.csv.gz', 'application/gzip'],
      ]);
      expect((puts[0].Body as Buffer).subarray(0, 4).toString()).toBe('PAR1');
      expect(parseCsv(gunzipSync(puts[1].Body as Buffer).toString())).toEqual([
        ['status', 'requests', 'percent'],
        ['200', '3', '75'],
        ['404', '1', '25'],
      ]);
    } finally {
      s3.restore();
    }
  });

  it('names close matches for an unknown query', () => {
    expect(() => reportTarget('cloudfront-top-uri')).toThrow(ReportError);
    expect(() => reportTarget('cloudfront-top-uri')).toThrow(/unknown named query "cloudfront-top-uri"; did you mean cloudfront-top-uris/);
    expect(() => reportTarget('nope', true)).toThrow(/unknown named query "nope" or table/);
  });
});

// ---------------------------------------------------------------------------------------------
// E-mail against a real SMTP server

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

describe('report e-mail', () => {
  let server: SMTPServer;
  let port: number;
  let received: Received[];

  beforeAll(async () => {
    server = new SMTPServer({
      secure: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'reporter' && auth.password === 'secret') callback(null, { user: 'reporter' });
        else callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received = [];
  });

  const settings = (overrides: Partial<EmailSettings> = {}): EmailSettings => ({
    host: '127.0.0.1',
    port,
    username: 'reporter',
    password: 'secret',
    from: 'loghose@example.com',
    replyTo: 'ops@example.com',
    to: ['a@example.com', 'b@example.com'],
    ...overrides,
  });

  /** The MIME parts of a message (a minimal reader: boundary split, headers, decoded body). */
  type Part = { headers: string; body: Buffer };
  function parts(raw: string): Part[] {
    const boundaries = [...raw.matchAll(/boundary="?([^"\r\n;]+)"?/g)].map((m) => m[1]);
    let sections = [raw];
    for (const boundary of boundaries) sections = sections.flatMap((s) => s.split(`--${boundary}`));
    return sections
      .map((section): Part | undefined => {
        const split = section.indexOf('\r\n\r\n');
        if (split < 0) return undefined;
        const headers = section.slice(0, split);
        const text = section.slice(split + 4);
        if (/Content-Transfer-Encoding: base64/i.test(headers)) return { headers, body: Buffer.from(text.replace(/\s+/g, ''), 'base64') };
        if (/Content-Transfer-Encoding: quoted-printable/i.test(headers)) {
          const decoded = text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
          return { headers, body: Buffer.from(decoded, 'latin1') };
        }
        return { headers, body: Buffer.from(text) };
      })
      .filter((p): p is Part => p !== undefined && /Content-Type:/i.test(p.headers));
  }

  it('sends the HTML summary with the CSV.gz attached', async () => {
    const out = join(root, 'mailed');
    const summary = await runReport({ engine, target: reportTarget('cloudfront-top-uris'), period: PERIOD, out, email: settings() });
    expect(summary.email?.accepted).toEqual(['a@example.com', 'b@example.com']);
    expect(received).toHaveLength(1);
    const message = received[0];
    expect(message.from).toBe('loghose@example.com');
    expect(message.to).toEqual(['a@example.com', 'b@example.com']);
    expect(message.raw).toMatch(/^Subject: loghose report cloudfront-top-uris: 2024-03-01 to 2024-03-02\r$/m);
    expect(message.raw).toMatch(/^Reply-To: ops@example.com\r$/m);

    const all = parts(message.raw);
    const html = all.find((p) => /Content-Type: text\/html/i.test(p.headers))!.body.toString('utf8');
    expect(html).toContain('<h2>cloudfront-top-uris</h2>');
    expect(html).toContain('2024-03-01 to 2024-03-02');
    expect(html).toContain('<td style="border:1px solid #ccc;padding:3px 6px">/index.html</td>');
    expect(html).toContain('/a,b &quot;quoted&quot;'); // escaped
    expect(html).toMatch(/requests<\/td><td[^>]*>4<\/td>/); // total requests: 2 + 1 + 1
    expect(html).toMatch(/bytes_sent<\/td><td[^>]*>7,010<\/td>/);

    const attachment = all.find((p) => /filename="?cloudfront-top-uris_2024-03-01_2024-03-02\.csv\.gz"?/.test(p.headers))!;
    expect(attachment.headers).toMatch(/Content-Type: application\/gzip/);
    const csv = gunzipSync(attachment.body).toString('utf8');
    expect(csv).toBe(gunzipSync(await readFile(join(out, 'cloudfront-top-uris', '2024-03-01_2024-03-02.csv.gz'))).toString('utf8'));
    expect(parseCsv(csv)[1]).toEqual(['/index.html', '2', '2000', '0']);
  });

  it('fails with the server’s reason when the login is refused', async () => {
    const report = {
      name: 'x',
      description: 'd',
      period: PERIOD,
      columns: [],
      rows: [],
      totals: [],
      stats: { engine: 'duckdb', elapsedMs: 1 } as QueryStats,
      attachment: { filename: 'x.csv.gz', content: Buffer.from('') },
      locations: [],
    };
    await expect(sendReportEmail(settings({ password: 'wrong' }), report)).rejects.toThrow(/Invalid username or password/);
    expect(received).toHaveLength(0);
    // From a report: the files are written, the error says so.
    const out = join(root, 'not-mailed');
    const error = await runReport({ engine, target: reportTarget('cloudfront-top-uris'), period: PERIOD, out, email: settings({ password: 'wrong' }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportError);
    expect((error as Error).message).toMatch(/^the report was written \(.*cloudfront-top-uris\/2024-03-01_2024-03-02\.parquet, .*\.csv\.gz\) but not mailed: .*Invalid username or password/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('shows the first rows and says how many there are', () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ n: i }));
    const html = reportHtml({
      name: 'q',
      description: '<script>',
      period: PERIOD,
      columns: [{ name: 'n', type: 'int', engineType: '' }],
      rows,
      totals: ['n', 'absent'],
      stats: { engine: 'athena', elapsedMs: 5, bytesScanned: 1234, costUsd: 0.00005 },
      attachment: { filename: 'q.csv.gz', content: Buffer.alloc(0) },
      locations: ['s3://b/q/x.parquet'],
    });
    expect(html).toContain('First 20 of 25 rows');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('1,234 bytes scanned');
    expect(html).toContain('$0.000050');
    expect(html).toMatch(/n<\/td><td[^>]*>300<\/td>/);
    expect(html).not.toContain('absent');
    expect(html.match(/<tr>/g)).toHaveLength(1 + 20 + 1); // header + preview + one total
  });
});

describe('e-mail settings', () => {
  const env = {
    SMTP_HOST: 'smtp.example.com',
    SMTP_PORT: '587',
    SMTP_USERNAME: 'user',
    SMTP_PASSWORD: 'pw',
    FROM_EMAIL: 'loghose@example.com',
    REPLY_TO_EMAIL: 'ops@example.com',
    TARGET_EMAIL_ADDRESS: 'a@example.com, b@example.com',
  };

  it('reads them from the environment', () => {
    expect(emailSettingsFromEnv(env)).toEqual({
      host: 'smtp.example.com',
      port: 587,
      username: 'user',
      password: 'pw',
      from: 'loghose@example.com',
      replyTo: 'ops@example.com',
      to: ['a@example.com', 'b@example.com'],
    });
  });

  it('names every missing setting in one line', () => {
    const error = (() => {
      try {
        emailSettingsFromEnv({ SMTP_HOST: 'h', SMTP_PORT: '25', FROM_EMAIL: '' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(EmailSettingsError);
    expect(error?.message).toBe('--email needs these environment variables set: SMTP_USERNAME, SMTP_PASSWORD, FROM_EMAIL, REPLY_TO_EMAIL, TARGET_EMAIL_ADDRESS');
  });

  it('rejects a bad port and bad addresses', () => {
    expect(() => emailSettingsFromEnv({ ...env, SMTP_PORT: 'smtp' })).toThrow(/SMTP_PORT must be a port number/);
    expect(() => emailSettingsFromEnv({ ...env, TARGET_EMAIL_ADDRESS: 'a@example.com, nobody' })).toThrow(/TARGET_EMAIL_ADDRESS must be comma-separated e-mail addresses/);
    expect(() => emailSettingsFromEnv({ ...env, FROM_EMAIL: 'me' })).toThrow(/FROM_EMAIL is not an e-mail address/);
  });
});

it('leaves no temporary files beside the reports', async () => {
  const out = join(root, 'clean');
  await runReport({ engine, target: reportTarget('cloudfront-traffic-by-hour'), period: PERIOD, out });
  const { readdir } = await import('node:fs/promises');
  expect((await readdir(join(out, 'cloudfront-traffic-by-hour'))).sort()).toEqual(['2024-03-01_2024-03-02.csv.gz', '2024-03-01_2024-03-02.parquet']);
  expect((await stat(join(out, 'cloudfront-traffic-by-hour', '2024-03-01_2024-03-02.parquet'))).size).toBeGreaterThan(0);
});
