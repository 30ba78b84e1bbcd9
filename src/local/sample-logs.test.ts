import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineKind } from '../transforms/format.js';
import { QuotedTokenizer } from '../transforms/tokenize.js';
import {
  SAMPLE_FORMATS,
  SAMPLE_KEY_PATTERNS,
  generateSamples,
  type SampleFile,
  type SampleFormat,
  type SampleManifest,
  type SampleOptions,
} from './sample-logs.js';

// Starts and ends inside delivery periods and crosses midnight: partial periods, two date folders.
const START = new Date('2026-10-31T22:17:30Z');
const HOURS = 2.5;
const END = START.getTime() + HOURS * 3_600_000;
const OPTIONS: Omit<SampleOptions, 'dir'> = {
  formats: SAMPLE_FORMATS,
  start: START,
  hours: HOURS,
  linesPerFormat: 4000,
  badLineRate: 0.01,
  seed: 7,
  linesPerFile: 600,
};

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sample-logs-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

async function readText(dir: string, key: string): Promise<{ raw: Buffer; text: string }> {
  const raw = await readFile(join(dir, ...key.split('/')));
  const gzipped = raw[0] === 0x1f && raw[1] === 0x8b;
  return { raw, text: (gzipped ? gunzipSync(raw) : raw).toString('utf8') };
}

interface Content {
  headers: string[];
  /** Data lines; for CloudTrail, each event as compact JSON. */
  lines: string[];
  /** For CloudTrail, the events. */
  records?: Record<string, unknown>[];
  bytes: number;
}

/** The file's content, split the way a reader would, without trusting the manifest. */
async function contentOf(dir: string, file: SampleFile): Promise<Content> {
  const { text } = await readText(dir, file.key);
  const bytes = Buffer.byteLength(text);
  if (file.format === 'cloudtrail') {
    const records = (JSON.parse(text) as { Records: Record<string, unknown>[] }).Records;
    return { headers: [], lines: records.map((r) => JSON.stringify(r)), records, bytes };
  }
  expect(text.endsWith('\n')).toBe(true);
  const all = text.slice(0, -1).split('\n');
  const isHeader =
    file.format === 'cloudfront' ? (l: string) => l.startsWith('#') : file.format === 'vpc_flow' ? (l: string) => /^[a-z][a-z-]*( [a-z][a-z-]*)+$/.test(l) : () => false;
  const headers = all.filter(isHeader);
  return { headers, lines: all.filter((l) => !isHeader(l)), bytes };
}

/** Event time of a good line, read independently of the project's parsers. */
function eventTime(format: SampleFormat, line: string, headers: string[], record?: Record<string, unknown>): number {
  switch (format) {
    case 'cloudfront': {
      const fields = headers.find((h) => h.startsWith('#Fields:'))!.slice(8).trim().split(' ');
      const values = line.split('\t');
      return Date.parse(`${values[fields.indexOf('date')]}T${values[fields.indexOf('time')]}Z`);
    }
    case 's3_access': {
      const m = /\[(\d\d)\/(\w{3})\/(\d{4}):(\d\d:\d\d:\d\d) \+0000\]/.exec(line)!;
      return Date.parse(`${m[1]} ${m[2]} ${m[3]} ${m[4]} GMT`);
    }
    case 'alb':
      return Date.parse(line.split(' ')[1]);
    case 'elb':
      return Date.parse(line.split(' ')[0]);
    case 'cloudtrail':
      return Date.parse(record!.eventTime as string);
    case 'vpc_flow':
      return Number(line.split(' ')[headers[0].split(' ').indexOf('start')]) * 1000;
  }
}

/** `YYYYMMDDTHHmmZ` in a key → epoch ms. */
function keyMinute(key: string): number {
  const m = /_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_/.exec(key)!;
  return Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00Z`);
}

describe('generateSamples', () => {
  let dir: string;
  let manifest: SampleManifest;
  const contents = new Map<string, Content>();

  beforeAll(async () => {
    dir = await tempDir();
    manifest = await generateSamples({ ...OPTIONS, dir });
    for (const file of manifest.files) contents.set(file.key, await contentOf(dir, file));
  });

  it('writes exactly the files of its manifest, with the counts it reports', async () => {
    const onDisk = (await listFiles(dir)).sort();
    const listed = [...manifest.files.map((f) => f.key), ...manifest.nonLogFiles.map((f) => f.key)].sort();
    expect(onDisk).toEqual(listed);

    for (const file of manifest.files) {
      const content = contents.get(file.key)!;
      const { raw } = await readText(dir, file.key);
      expect(raw[0] === 0x1f && raw[1] === 0x8b, file.key).toBe(file.gzip);
      expect(content.headers.length, file.key).toBe(file.headerLines);
      expect(content.lines.length, file.key).toBe(file.dataLines);
      expect(content.bytes, file.key).toBe(file.bytes);
      expect(file.badLineIndexes.length).toBe(file.badLines);
      for (const i of file.badLineIndexes) expect(i >= 0 && i < file.dataLines).toBe(true);
    }

    for (const format of SAMPLE_FORMATS) {
      const files = manifest.files.filter((f) => f.format === format);
      const sum = (pick: (f: SampleFile) => number) => files.reduce((a, f) => a + pick(f), 0);
      expect(manifest.totals[format]).toEqual({
        files: files.length,
        dataLines: sum((f) => f.dataLines),
        badLines: sum((f) => f.badLines),
        headerLines: sum((f) => f.headerLines),
        bytes: sum((f) => f.bytes),
      });
      expect(manifest.totals[format].dataLines).toBe(4000);
      expect(manifest.totals[format].badLines).toBe(40); // 1 % of 4000, spread evenly
    }
    expect(manifest.totals.cloudfront.headerLines).toBe(2 * manifest.totals.cloudfront.files);
    expect(manifest.totals.vpc_flow.headerLines).toBe(manifest.totals.vpc_flow.files);
  });

  it('uses the object keys AWS uses', () => {
    const documented: Record<SampleFormat, RegExp> = {
      cloudfront: /^cloudfront\/E2EXAMPLE1ABCD\.\d{4}-\d\d-\d\d-\d\d\.[0-9a-f]{8}\.gz$/,
      s3_access: /^s3\/logs\/(?:123456789012\/us-east-1\/amzn-s3-demo-bucket2\/\d{4}\/\d\d\/\d\d\/)?\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}$/,
      alb: /^AWSLogs\/123456789012\/elasticloadbalancing\/us-east-1\/\d{4}\/\d\d\/\d\d\/123456789012_elasticloadbalancing_us-east-1_app\.my-alb\.50dc6c495c0c9188_\d{8}T\d{4}Z_10\.0\.\d+\.\d+_[a-z0-9]{8}\.log\.gz$/,
      elb: /^AWSLogs\/123456789012\/elasticloadbalancing\/us-east-1\/\d{4}\/\d\d\/\d\d\/123456789012_elasticloadbalancing_us-east-1_my-elb_\d{8}T\d{4}Z_10\.0\.\d+\.\d+_[a-z0-9]{8}\.log$/,
      cloudtrail: /^AWSLogs\/123456789012\/CloudTrail\/us-east-1\/\d{4}\/\d\d\/\d\d\/123456789012_CloudTrail_us-east-1_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/,
      vpc_flow: /^AWSLogs\/123456789012\/vpcflowlogs\/us-east-1\/\d{4}\/\d\d\/\d\d\/123456789012_vpcflowlogs_us-east-1_fl-(?:1234567890abcdef0|0fedcba9876543210)_\d{8}T\d{4}Z_[0-9a-f]{8}\.log\.gz$/,
    };
    for (const file of manifest.files) {
      expect(file.key).toMatch(documented[file.format]);
      expect(file.key).toMatch(SAMPLE_KEY_PATTERNS[file.format]);
      for (const other of SAMPLE_FORMATS) if (other !== file.format) expect(file.key).not.toMatch(SAMPLE_KEY_PATTERNS[other]);
      // The date folder is the date in the file name.
      const folder = /\/(\d{4})\/(\d\d)\/(\d\d)\/[^/]+$/.exec(file.key);
      if (folder !== null) {
        const name = /(\d{4})-?(\d\d)-?(\d\d)[-T]\d\d[^/]*$/.exec(file.key)!;
        expect(folder.slice(1)).toEqual(name.slice(1));
      }
    }
    expect(manifest.files.some((f) => f.key.startsWith('s3/logs/2'))).toBe(true);
    expect(manifest.files.some((f) => f.key.startsWith('s3/logs/123456789012/'))).toBe(true);
    for (const format of SAMPLE_FORMATS) {
      const days = new Set(manifest.files.filter((f) => f.format === format).map((f) => /(2026-?1[01]-?\d\d)/.exec(f.key)![1].replace(/-/g, '')));
      expect([...days].sort(), format).toEqual(['20261031', '20261101']);
    }
  });

  it('writes the non-log objects that share the log prefixes', async () => {
    const reasons = manifest.nonLogFiles.map((f) => f.reason);
    expect(reasons).toContain('ELB access log test file');
    expect(reasons.filter((r) => r === 'CloudTrail digest file')).toHaveLength(3); // one per hour with log files
    const test = manifest.nonLogFiles.find((f) => f.key === 'AWSLogs/123456789012/ELBAccessLogTestFile');
    expect((await readText(dir, test!.key)).text).toMatch(/^Enable AccessLog for ELB: my-elb at 2026-10-31T22:\d\d:\d\d\.\d{3}Z$/);

    for (const digest of manifest.nonLogFiles.filter((f) => f.reason === 'CloudTrail digest file')) {
      expect(digest.key).toMatch(
        /^AWSLogs\/123456789012\/CloudTrail-Digest\/us-east-1\/\d{4}\/\d\d\/\d\d\/123456789012_CloudTrail-Digest_us-east-1_[a-z-]+_us-east-1_\d{8}T\d{6}Z\.json\.gz$/,
      );
      const body = JSON.parse((await readText(dir, digest.key)).text) as Record<string, unknown>;
      expect(body).not.toHaveProperty('Records');
      expect(body).toMatchObject({ awsAccountId: '123456789012', digestSignatureAlgorithm: 'SHA256withRSA' });
      for (const log of body.logFiles as { s3Object: string }[]) expect(contents.has(log.s3Object)).toBe(true);
    }
  });

  it('puts event times inside the window, in order, agreeing with the file names', () => {
    const problems: string[] = [];
    for (const file of manifest.files) {
      const { headers, lines, records } = contents.get(file.key)!;
      const bad = new Set(file.badLineIndexes);
      const first = Date.parse(file.firstEvent);
      const last = Date.parse(file.lastEvent);
      expect(first).toBeGreaterThanOrEqual(START.getTime());
      expect(last).toBeLessThan(END);
      expect(first).toBeLessThanOrEqual(last);
      // Which times the file's name allows.
      let allowed: (t: number) => boolean;
      if (file.format === 'cloudfront') {
        const hour = /\.(\d{4}-\d\d-\d\d)-(\d\d)\.[0-9a-f]{8}\.gz$/.exec(file.key)!;
        allowed = (t) => new Date(t).toISOString().slice(0, 13) === `${hour[1]}T${hour[2]}`;
      } else if (file.format === 's3_access') {
        const m = /(\d{4}-\d\d-\d\d)-(\d\d)-(\d\d)-(\d\d)-[0-9A-F]{16}$/.exec(file.key)!;
        const delivered = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
        allowed = (t) => t < delivered;
      } else {
        const end = keyMinute(file.key); // 5-minute files named by the end of their period
        allowed = (t) => t >= end - 300_000 && t < end;
      }
      let previous = -Infinity;
      for (let i = 0; i < lines.length; i++) {
        if (bad.has(i)) continue;
        const t = eventTime(file.format, lines[i], headers, records?.[i]);
        if (!(t >= Math.floor(first / 1000) * 1000 && t <= last && t >= previous && allowed(t))) {
          problems.push(`${file.key} line ${i}: ${new Date(t).toISOString()} (first ${file.firstEvent}, last ${file.lastEvent})`);
        }
        previous = t;
      }
    }
    expect(problems).toEqual([]);
  });

  it('covers the traps of every format', () => {
    const linesOf = (format: SampleFormat) => manifest.files.filter((f) => f.format === format).flatMap((f) => goodLines(f));
    const goodLines = (file: SampleFile) => {
      const bad = new Set(file.badLineIndexes);
      return contents.get(file.key)!.lines.filter((_, i) => !bad.has(i));
    };
    const tokenizer = new QuotedTokenizer();
    const tokenCounts = (lines: string[]) => new Set(lines.map((l) => tokenizer.split(l)));

    // CloudFront: 33- and 26-field files and a standard logging v2 file with its own field order.
    const cfFields = manifest.files.filter((f) => f.format === 'cloudfront').map((f) => contents.get(f.key)!.headers);
    expect(cfFields.every((h) => h[0] === '#Version: 1.0' && h[1].startsWith('#Fields: '))).toBe(true);
    const fieldCounts = cfFields.map((h) => h[1].split(' ').length - 1);
    expect(fieldCounts).toContain(33);
    expect(fieldCounts).toContain(26);
    expect(cfFields.some((h) => h[1].includes('timestamp(ms)') && !h[1].startsWith('#Fields: date time '))).toBe(true);
    for (const file of manifest.files.filter((f) => f.format === 'cloudfront')) {
      const width = contents.get(file.key)!.headers[1].split(' ').length - 1;
      for (const line of goodLines(file)) expect(line.split('\t')).toHaveLength(width);
    }
    const cf = linesOf('cloudfront');
    expect(cf.some((l) => l.split('\t')[4].includes(':'))).toBe(true); // IPv6 client
    expect(cf.some((l) => /\t\d+\.\d+\.\d+\.\d+, \d+/.test(l))).toBe(true); // x-forwarded-for with ", "
    expect(cf.some((l) => l.includes('%2520'))).toBe(true); // encoded twice
    expect(cf.some((l) => l.split('\t')[8] === '000')).toBe(true);

    // S3: 18-, 24-, 26- and 27-field lines, a requester with spaces, lifecycle lines, "-" and bare -.
    const s3 = linesOf('s3_access');
    const plain = s3.filter((l) => !l.includes('CloudFront Origin Access Identity'));
    expect([...tokenCounts(plain)].sort()).toEqual([18, 24, 26, 27]);
    expect(s3.some((l) => l.includes(' arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E15MNIMTCFKK4C '))).toBe(true);
    expect(s3.some((l) => / - AmazonS3 [0-9A-F]{16} S3\.EXPIRE\.OBJECT \S+%25\S+ - /.test(l))).toBe(true);
    expect(s3.some((l) => l.includes(' "-" '))).toBe(true);
    expect(s3.some((l) => /\.OBJECT \S*%20\S* "/.test(l))).toBe(true);

    // ALB: today's 33 fields, older shorter lines, a newer extra field; -1 times, `-` targets, IPv6,
    // URLs with spaces, escaped quotes, h2.
    const alb = linesOf('alb');
    expect([...tokenCounts(alb)].sort((a, b) => a - b)).toEqual([25, 29, 30, 33, 34]);
    expect(alb.some((l) => / - -1 -1 -1 /.test(l))).toBe(true);
    expect(alb.some((l) => l.split(' ')[3].split(':').length > 2)).toBe(true); // IPv6 client:port
    expect(alb.some((l) => l.includes('"SpaceInUri"') && /"GET \S+ \S+ HTTP/.test(l))).toBe(true);
    expect(alb.some((l) => l.includes('\\"'))).toBe(true);
    expect(alb.some((l) => l.startsWith('h2 ') && l.includes(' HTTP/2.0"'))).toBe(true);
    expect(alb.some((l) => l.startsWith('http ') && l.includes(' "-" "-" '))).toBe(true);

    // Classic ELB: TCP listener lines, not-dispatched lines, older 12-field lines.
    const elb = linesOf('elb');
    expect(elb.some((l) => l.includes(' - - ') && l.includes('"- - - " "-"'))).toBe(true);
    expect(elb.some((l) => / - -1 -1 -1 50[34] /.test(l))).toBe(true);
    expect([...tokenCounts(elb)].sort((a, b) => a - b)).toEqual([12, 15]);

    // CloudTrail: identity types, session context, errors, resources, TLS details, sign-ins.
    const events = manifest.files.filter((f) => f.format === 'cloudtrail').flatMap((f) => contents.get(f.key)!.records!);
    const types = new Set(events.map((e) => (e.userIdentity as { type?: string }).type));
    for (const type of ['IAMUser', 'AssumedRole', 'AWSService', 'Root']) expect(types).toContain(type);
    expect(events.some((e) => (e.userIdentity as { sessionContext?: unknown }).sessionContext !== undefined)).toBe(true);
    expect(events.some((e) => typeof e.errorCode === 'string' && typeof e.errorMessage === 'string')).toBe(true);
    expect(events.some((e) => Array.isArray(e.resources) && e.resources.length > 1)).toBe(true);
    expect(events.some((e) => e.tlsDetails !== undefined)).toBe(true);
    expect(events.some((e) => e.eventType === 'AwsConsoleSignIn')).toBe(true);
    expect(events.some((e) => e.eventType === 'AwsServiceEvent' && e.serviceEventDetails !== undefined)).toBe(true);

    // VPC: the default header and a custom one in another order; ACCEPT/REJECT, NODATA/SKIPDATA.
    const vpcHeaders = new Set(manifest.files.filter((f) => f.format === 'vpc_flow').map((f) => contents.get(f.key)!.headers[0]));
    expect(vpcHeaders).toContain('version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status');
    expect([...vpcHeaders].some((h) => h.includes('flow-direction') && !h.startsWith('version account-id'))).toBe(true);
    const vpc = linesOf('vpc_flow');
    for (const word of [' ACCEPT ', ' REJECT ', ' NODATA', ' SKIPDATA']) expect(vpc.some((l) => l.includes(word))).toBe(true);
  });
});

describe('generateSamples determinism', () => {
  it('writes the same bytes for the same seed, and other bytes for another seed', async () => {
    const small = { ...OPTIONS, linesPerFormat: 1500, hours: 1 };
    const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
    const [ma, mb, mc] = [
      await generateSamples({ ...small, dir: a }),
      await generateSamples({ ...small, dir: b }),
      await generateSamples({ ...small, dir: c, seed: 8 }),
    ];
    expect(mb).toEqual(ma);
    const keys = await listFiles(a);
    expect(await listFiles(b)).toEqual(keys);
    for (const key of keys) expect((await readFile(join(b, key))).equals(await readFile(join(a, key))), key).toBe(true);
    expect(mc.totals).not.toEqual(ma.totals); // same line counts, other bytes
    expect(mc.files.map((f) => f.key)).not.toEqual(ma.files.map((f) => f.key));
  });

  it('rejects options it cannot honour', async () => {
    const dir = await tempDir();
    await expect(generateSamples({ ...OPTIONS, dir, hours: 0 })).rejects.toThrow(/hours/);
    await expect(generateSamples({ ...OPTIONS, dir, linesPerFormat: -1 })).rejects.toThrow(/linesPerFormat/);
    await expect(generateSamples({ ...OPTIONS, dir, badLineRate: 2 })).rejects.toThrow(/badLineRate/);
    await expect(generateSamples({ ...OPTIONS, dir, formats: ['waf' as SampleFormat] })).rejects.toThrow(/unknown/);
  });
});

describe('generateSamples at benchmark scale', () => {
  it('streams 200k CloudFront lines to disk', async () => {
    const dir = await tempDir();
    const started = performance.now();
    const manifest = await generateSamples({ dir, formats: ['cloudfront'], start: new Date('2026-11-01T13:00:00Z'), hours: 1, linesPerFormat: 200_000 });
    const seconds = (performance.now() - started) / 1000;
    const totals = manifest.totals.cloudfront;
    expect(totals.dataLines).toBe(200_000);
    expect(totals.badLines).toBe(400); // default rate 0.002
    expect(totals.files).toBe(40); // 5000 lines per file
    console.log(`sample-logs: ${totals.dataLines} CloudFront lines, ${(totals.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s = ${(totals.bytes / 1e6 / seconds).toFixed(1)} MB/s`);
  });
});

const KIND_NAMES: Record<number, string> = { [LineKind.Row]: 'Row', [LineKind.Error]: 'Error', [LineKind.Skip]: 'Skip' };

describe('generated samples and the parsers', () => {
  it('every good line parses as a row, every bad line as an error, and detect finds every format', async () => {
    const { detect } = await import('../transforms/registry.js');
    const dir = await tempDir();
    const manifest = await generateSamples({ ...OPTIONS, dir });
    const problems: string[] = [];
    let rows = 0;
    let errors = 0;
    const note = (problem: string) => {
      if (problems.length < 40) problems.push(problem);
    };

    for (const nonLog of manifest.nonLogFiles) {
      const { text } = await readText(dir, nonLog.key);
      const detection = detect(nonLog.key, text.slice(0, 4096));
      if (detection.kind !== 'skip') note(`${nonLog.key}: detected as ${detection.kind}, expected skip`);
    }
    for (const file of manifest.files) {
      const { text } = await readText(dir, file.key);
      const detection = detect(file.key, text.slice(0, 4096));
      if (detection.kind !== 'format' || detection.format.table !== file.format) {
        note(`${file.key}: detected ${detection.kind === 'format' ? detection.format.table : detection.kind}`);
        continue;
      }
      const format = detection.format;
      let lines: readonly string[];
      if (format.splitDocument !== undefined) {
        const split = format.splitDocument(text);
        if ('skip' in split) {
          note(`${file.key}: document skipped: ${split.skip}`);
          continue;
        }
        lines = split.lines;
      } else {
        lines = text.slice(0, -1).split('\n');
      }
      const parser = format.createParser();
      const locator = format.createParser();
      const bad = new Set(file.badLineIndexes.map((i) => i + file.headerLines));
      for (let i = 0; i < lines.length; i++) {
        const kind = parser.parse(lines[i]);
        const partition = locator.locate(lines[i]);
        if (kind === LineKind.Row) rows++;
        if (kind === LineKind.Error) errors++;
        const expected: LineKind = i < file.headerLines ? LineKind.Skip : bad.has(i) ? LineKind.Error : LineKind.Row;
        if (kind !== expected) {
          note(`${file.format} ${file.key.split('/').pop()} line ${i}: got ${KIND_NAMES[kind] ?? kind} (${parser.error}), expected ${KIND_NAMES[expected]}: ${lines[i].slice(0, 300)}`);
        } else if (kind === LineKind.Row) {
          const t = Date.parse(parser.timestamp);
          if (!(t >= START.getTime() && t < END)) note(`${file.key} line ${i}: timestamp ${parser.timestamp} outside the window`);
          if (`${parser.dt}/${parser.hour}` !== parser.timestamp.slice(0, 13).replace('T', '/')) note(`${file.key} line ${i}: partition ${parser.dt}/${parser.hour}`);
          if (partition !== `${parser.dt}/${parser.hour}`) note(`${file.key} line ${i}: locate gave '${partition}', parse ${parser.dt}/${parser.hour}`);
        }
      }
    }
    expect(problems).toEqual([]);
    const total = (pick: (t: SampleManifest['totals'][SampleFormat]) => number) => SAMPLE_FORMATS.reduce((a, f) => a + pick(manifest.totals[f]), 0);
    expect(rows).toBe(total((t) => t.dataLines - t.badLines));
    expect(errors).toBe(total((t) => t.badLines));
  });
});
