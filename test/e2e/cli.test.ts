import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects } from '../../src/local/lake.js';
import { SAMPLE_FORMATS, generateSamples, type SampleManifest } from '../../src/local/sample-logs.js';

/** The CLI as a user runs it: `node bin/loghose.js …` in a child process. */

const BIN = new URL('../../bin/loghose.js', import.meta.url).pathname;
let root: string;
let logs: string;
let manifest: SampleManifest;

function loghose(args: string[], cwd = root) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loghose-cli-'));
  logs = join(root, 'logs');
  manifest = await generateSamples({
    dir: logs,
    formats: SAMPLE_FORMATS,
    start: new Date(Date.UTC(2026, 6, 1, 5)),
    hours: 2,
    linesPerFormat: 600,
    badLineRate: 0.01,
    seed: 2,
  });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loghose CLI', () => {
  it('run --json ships a directory of mixed logs into the lake and accounts for every line', () => {
    // With a transform worker thread, as on a machine with more cores (or --workers 1 on two).
    const { code, stdout, stderr } = loghose(['run', '--source', logs, '--lake', join(root, 'lake'), '--json', '--workers', '1']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    const dataLines = SAMPLE_FORMATS.reduce((n, f) => n + manifest.totals[f].dataLines, 0);
    const badLines = SAMPLE_FORMATS.reduce((n, f) => n + manifest.totals[f].badLines, 0);
    expect(summary).toMatchObject({ rows: dataLines - badLines, errorRows: badLines, failedRecords: 0, accounted: true });
    for (const key of ['lines', 'rows', 'errorRows', 'failedRecords', 'skipped', 'objects', 'seconds']) expect(summary).toHaveProperty(key);
  });

  it('parse prints NDJSON for good lines, counts the bad ones on stderr, and auto-detection matches --format', () => {
    const file = manifest.files.find((f) => f.format === 'alb' && f.badLines > 0) ?? manifest.files.find((f) => f.format === 'alb')!;
    const auto = loghose(['parse', join(logs, file.key)]);
    const explicit = loghose(['parse', '--format', 'alb', join(logs, file.key)]);
    expect(auto.code).toBe(0);
    expect(auto.stdout).toBe(explicit.stdout);
    const rows = auto.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(file.dataLines - file.badLines);
    expect(auto.stderr).toContain(`${file.badLines} unparseable lines`);
    const withErrors = loghose(['parse', '--include-errors', join(logs, file.key)]);
    expect(withErrors.stdout.trim().split('\n')).toHaveLength(file.dataLines);
  });

  it('transform-event runs the handler on a Firehose event file', async () => {
    const line =
      '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -';
    const event = {
      invocationId: 'i',
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:1:deliverystream/x',
      region: 'us-east-1',
      records: [{ recordId: '1', approximateArrivalTimestamp: 0, data: Buffer.from(line).toString('base64') }],
    };
    const path = join(root, 'event.json');
    await writeFile(path, JSON.stringify(event));
    const { code, stdout } = loghose(['transform-event', '--format', 'elb', path]);
    expect(code).toBe(0);
    const response = JSON.parse(stdout);
    expect(response.records[0]).toMatchObject({ recordId: '1', result: 'Ok', metadata: { partitionKeys: { dt: '2015-05-13', hour: '23' } } });
  });

  it('exits non-zero with a one-line reason on bad input', () => {
    for (const args of [['parse', '--format', 'nope', 'x'], ['parse', join(root, 'missing.log')], ['run', '--source', join(root, 'missing')], ['run', '--source', logs, '--workers', 'x'], ['no-such-command']]) {
      const { code, stderr } = loghose(args);
      expect(code).not.toBe(0);
      expect(stderr.trim().length).toBeGreaterThan(0);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('serve accepts PutRecordBatch from the AWS SDK and delivers to the lake on Ctrl-C', async () => {
    const lake = join(root, 'served');
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--lake', lake], { cwd: root });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /endpoint on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match) resolve(match[1]);
      });
      child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
    });
    const client = new FirehoseClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const line =
      '2026-07-01T05:00:00.000000Z my-elb 10.0.0.1:1 10.0.0.2:80 0.1 0.1 0.1 200 200 1 2 "GET http://h/ HTTP/1.1" "ua" - -';
    const out = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'loghose-elb', Records: [{ Data: Buffer.from(`${line}\n${line}`) }] }),
    );
    expect(out.FailedPutCount).toBe(0);
    client.destroy();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('delivered 2 rows');
    expect(await listObjects(lake, 'elb')).toHaveLength(1);
  });
});
