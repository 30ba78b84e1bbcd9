import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyDate, keyInRange, rangeBounds, type DateRange } from './key-dates.js';
import { compareObjects, emptyListingStats, listReplayObjects, type ListingStats, type ReplayObject } from './listing.js';
import { DAY_MS, MINUTE, at, countingS3, keys, putAll, startEmulator, type Emulator, type ListCall } from './testing.js';

/**
 * Listing against the S3 emulator: for every layout, only keys of the range are returned, in
 * chronological order, and the keys listed (and ListObjectsV2 calls) grow with the range, not with
 * the bucket.
 */

const BUCKET = 'logs';
const FIRST_PAGE = 4;
const FIRST_DAY = '2024-04-01';
const DAYS = 20;
/** Flat layouts get more days: a listing that starts at the range must not read to the end. */
const FLAT_DAYS = 30;
const BUSY_DAY = '2024-04-15';
/** Keys in the busy day folder: more than one page of 1,000. */
const BUSY_KEYS = 1001;

let emulator: Emulator;
const layoutKeys: Record<string, string[]> = {};

function everyKey(layout: string, make: (t: number, n: number) => string, perDay: number, days = DAYS): void {
  const list: string[] = [];
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < perDay; i++) {
      const t = at(FIRST_DAY) + d * DAY_MS + Math.floor((i * DAY_MS) / perDay) + 7 * 60_000 + 13_000;
      list.push(make(t, d * 1000 + i));
    }
  }
  layoutKeys[layout] = list;
}

beforeAll(async () => {
  emulator = await startEmulator();
  emulator.server.createBucket(BUCKET);
  everyKey('alb', (t, n) => keys.alb(Math.floor(t / (5 * MINUTE)) * 5 * MINUTE, n), 3);
  // One busy day: every 5-minute interval from 4 nodes (> 1,000 keys in one day folder).
  const busy: string[] = [];
  for (let n = 0; n < BUSY_KEYS; n++) busy.push(keys.alb(at(BUSY_DAY) + (Math.floor(n / 4) + 1) * 5 * MINUTE, 100_000 + n));
  layoutKeys.alb.push(...busy);
  everyKey('elb', (t, n) => keys.elb(Math.floor(t / MINUTE) * MINUTE, n), 3);
  everyKey('cloudtrail', (t, n) => keys.cloudtrail(Math.floor(t / MINUTE) * MINUTE, n), 3);
  everyKey('orgTrail', (t, n) => keys.orgTrail(Math.floor(t / MINUTE) * MINUTE, n), 3);
  everyKey('vpc', (t, n) => keys.vpc(Math.floor(t / MINUTE) * MINUTE, n), 3);
  everyKey('s3Simple', (t, n) => keys.s3Simple(t, n), 3, FLAT_DAYS);
  everyKey('s3Partitioned', (t, n) => keys.s3Partitioned(t, n), 3);
  everyKey('cloudfront', (t, n) => keys.cloudfront(t, n), 3, FLAT_DAYS);
  everyKey('cloudfront2', (t, n) => keys.cloudfront(t, n, 'cf/', 'E3ZYXWVUTSRQPO'), 3, FLAT_DAYS);
  const extra = [
    'AWSLogs/123456789012/ELBAccessLogTestFile',
    'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/04/10/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240410T010000Z.json.gz',
    'cf/readme.txt',
  ];
  const all = [...Object.values(layoutKeys).flat(), ...extra];
  await putAll(emulator.s3, BUCKET, all.map((key, i) => ({ key, body: 'x'.repeat(1 + (i % 7)) })));
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
});

async function list(source: string, range?: DateRange, format?: Parameters<typeof listReplayObjects>[0]['format']): Promise<{ objects: ReplayObject[]; stats: ListingStats; calls: ListCall[] }> {
  const { s3, calls } = countingS3(emulator.server.address);
  const stats = emptyListingStats();
  const objects: ReplayObject[] = [];
  // Small first pages (doubling), so that stopping at the range's end shows in a small bucket.
  for await (const object of listReplayObjects({ source: `s3://${BUCKET}/${source}`, range, format, s3, stats, firstPageKeys: FIRST_PAGE })) objects.push(object);
  s3.destroy();
  return { objects, stats, calls };
}

function expected(layouts: readonly string[], range: DateRange): string[] {
  const bounds = rangeBounds(range);
  return layouts
    .flatMap((l) => layoutKeys[l])
    .filter((key) => keyInRange(keyDate(key)!, bounds))
    .sort((a, b) => keyDate(a)!.keyTime - keyDate(b)!.keyTime || (a < b ? -1 : a > b ? 1 : 0));
}

function keysListed(calls: readonly ListCall[]): number {
  return calls.reduce((sum, c) => sum + c.keys, 0);
}

describe('listing by date range', () => {
  it('lists a day folder of more than 1,000 keys page by page', async () => {
    const range = { from: BUSY_DAY, to: BUSY_DAY };
    const { objects, calls } = await list('AWSLogs/123456789012/elasticloadbalancing/us-east-1/', range, 'alb');
    expect(objects.map((o) => o.key)).toEqual(expected(['alb'], range));
    expect(objects.length).toBeGreaterThan(1000);
    const busyCalls = calls.filter((c) => c.input.Prefix?.endsWith('/2024/04/15/'));
    expect(busyCalls.length).toBe(2);
    expect(busyCalls[1].input.ContinuationToken).toBeDefined();
    expect(objects.every((o) => o.table === 'alb' && o.etag !== undefined && o.mtime !== undefined)).toBe(true);
  });

  interface Case {
    readonly name: string;
    readonly prefix: string;
    /** The layouts whose keys are expected. */
    readonly layouts: readonly string[];
    readonly format?: Parameters<typeof listReplayObjects>[0]['format'];
    /** Layouts whose keys share the folders listed (ALB and ELB share elasticloadbalancing/). */
    readonly folders?: readonly string[];
    /** Keys per day in the day folders listed, and flat prefixes listed from StartAfter. */
    readonly perDay: number;
    readonly flat: number;
  }
  const cases: Case[] = [
    { name: 'ALB', prefix: 'AWSLogs/123456789012/elasticloadbalancing/us-east-1/', layouts: ['alb'], format: 'alb', folders: ['alb', 'elb'], perDay: 6, flat: 0 },
    { name: 'ELB', prefix: 'AWSLogs/', layouts: ['elb'], format: 'elb', folders: ['alb', 'elb'], perDay: 6, flat: 0 },
    { name: 'CloudTrail with organization trails', prefix: 'AWSLogs/', layouts: ['cloudtrail', 'orgTrail'], format: 'cloudtrail', perDay: 6, flat: 0 },
    { name: 'VPC Flow Logs', prefix: '', layouts: ['vpc'], format: 'vpc_flow', perDay: 3, flat: 0 },
    { name: 'S3 access simple and partitioned', prefix: 's3/logs/', layouts: ['s3Simple', 's3Partitioned'], format: 's3_access', perDay: 3, flat: 1 },
    { name: 'S3 access partitioned prefix', prefix: 's3/logs/123456789012/us-east-1/', layouts: ['s3Partitioned'], perDay: 3, flat: 0 },
    { name: 'CloudFront (two distributions)', prefix: 'cf/', layouts: ['cloudfront', 'cloudfront2'], format: 'cloudfront', perDay: 0, flat: 2 },
    { name: 'CloudFront, one distribution', prefix: 'cf/E3ZYXWVUTSRQPO', layouts: ['cloudfront2'], perDay: 0, flat: 1 },
  ];
  for (const { name, prefix, layouts, format, folders, perDay, flat } of cases) {
    it(`${name}: only keys of the range, in order, listing in proportion to the range`, async () => {
      const short = { from: '2024-04-05', to: '2024-04-06' };
      const long = { from: '2024-04-03', to: '2024-04-10' };
      const a = await list(prefix, short, format);
      const b = await list(prefix, long, format);
      expect(a.objects.map((o) => o.key)).toEqual(expected(layouts, short));
      expect(b.objects.map((o) => o.key)).toEqual(expected(layouts, long));
      expect([...b.objects].sort(compareObjects)).toEqual(b.objects);
      // Keys listed: day folders of the range plus a day of margin on each side, the flat keys of
      // the range plus at most as many again (pages double), and discovery; never the bucket.
      const bucketKeys = (folders ?? layouts).reduce((sum, l) => sum + layoutKeys[l].length, 0);
      const bound = (days: number) => (days + 2) * perDay + flat * 2 * ((days + 2) * 3 + FIRST_PAGE) + 20;
      expect(keysListed(a.calls)).toBeLessThanOrEqual(bound(2));
      expect(keysListed(b.calls)).toBeLessThanOrEqual(bound(8));
      expect(keysListed(b.calls)).toBeLessThan(bucketKeys);
      // 4× the days: at most about 4× the calls.
      expect(b.calls.length).toBeLessThanOrEqual(4 * a.calls.length + 2);
    });
  }

  it('lists by day folder in date-partitioned layouts and from StartAfter in flat ones', async () => {
    const range = { from: '2024-04-05', to: '2024-04-05' };
    const alb = await list('AWSLogs/', range, 'alb');
    const dayPrefixes = alb.calls.map((c) => c.input.Prefix).filter((p) => /\/\d{4}\/\d\d\/\d\d\/$/.test(p ?? ''));
    expect(dayPrefixes).toEqual([
      'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/04/04/',
      'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/04/05/',
      'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/04/06/',
    ]);
    const cf = await list('cf/', range, 'cloudfront');
    const starts = cf.calls.map((c) => c.input.StartAfter).filter(Boolean);
    expect(starts).toEqual(['cf/E2ABCDEFGHIJKL.2024-04-04-23', 'cf/E3ZYXWVUTSRQPO.2024-04-04-23']);
    const s3 = await list('s3/logs/', range, 's3_access');
    expect(s3.calls.map((c) => c.input.StartAfter)).toContain('s3/logs/2024-04-04-23-55-00');
    // Discovering account folders hops over each year of simple keys instead of paging through it.
    expect(s3.calls.map((c) => c.input.StartAfter)).toContain('s3/logs/2024.');
  });

  it('detects the layout from the source prefix when --format is not given', async () => {
    const range = { from: '2024-04-05', to: '2024-04-05' };
    const lb = await list('AWSLogs/123456789012/elasticloadbalancing/us-east-1/', range);
    expect(new Set(lb.objects.map((o) => o.table))).toEqual(new Set(['alb', 'elb']));
    const all = await list('AWSLogs/', range);
    expect(new Set(all.objects.map((o) => o.table))).toEqual(new Set(['alb', 'elb', 'cloudtrail', 'vpc_flow']));
    expect(all.objects.map((o) => o.key)).toEqual(expected(['alb', 'elb', 'cloudtrail', 'orgTrail', 'vpc'], range));
    const cf = await list('cf/', range);
    expect(cf.objects.map((o) => o.key)).toEqual(expected(['cloudfront', 'cloudfront2'], range));
    const s3 = await list('s3/logs', range);
    expect(s3.objects.map((o) => o.key)).toEqual(expected(['s3Simple', 's3Partitioned'], range));
    await expect(list('nothing-here/', range)).rejects.toThrow(/cannot tell the log layout/);
  });

  it('takes one open end: from a day on, or everything up to a day', async () => {
    const upTo = await list('AWSLogs/123456789012/vpcflowlogs/us-east-1/', { to: '2024-04-02' }, 'vpc_flow');
    expect(upTo.objects.map((o) => o.key)).toEqual(expected(['vpc'], { to: '2024-04-02' }));
    const from = await list('cf/', { from: '2024-04-19' }, 'cloudfront');
    expect(from.objects.map((o) => o.key)).toEqual(expected(['cloudfront', 'cloudfront2'], { from: '2024-04-19' }));
  });

  it('lists everything under the prefix without a range, undated keys last', async () => {
    const { objects } = await list('cf/');
    expect(objects).toHaveLength(layoutKeys.cloudfront.length + layoutKeys.cloudfront2.length + 1);
    expect(objects.at(-1)?.key).toBe('cf/readme.txt');
    expect(objects.at(-1)?.keyDate).toBeUndefined();
  });
});

describe('listing a local directory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loghose-listing-'));
    for (const key of [...layoutKeys.alb.slice(0, 240), ...layoutKeys.cloudfront, ...layoutKeys.s3Simple, 'notes.txt']) {
      await mkdir(dirname(join(dir, key)), { recursive: true });
      await writeFile(join(dir, key), 'x');
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('filters by key dates, skips day folders out of range, and orders chronologically', async () => {
    const range = { from: '2024-04-05', to: '2024-04-06' };
    const stats = emptyListingStats();
    const objects: ReplayObject[] = [];
    for await (const o of listReplayObjects({ source: dir, range, stats })) objects.push(o);
    const bounds = rangeBounds(range);
    const want = [...layoutKeys.alb.slice(0, 240), ...layoutKeys.cloudfront, ...layoutKeys.s3Simple]
      .filter((k) => keyInRange(keyDate(k)!, bounds))
      .sort((a, b) => keyDate(a)!.keyTime - keyDate(b)!.keyTime || (a < b ? -1 : 1));
    expect(objects.map((o) => o.key)).toEqual(want);
    // ALB day folders out of range are not even read; flat files are filtered by name.
    expect(stats.keysListed).toBeLessThan(240 + layoutKeys.cloudfront.length + layoutKeys.s3Simple.length);
    expect(stats.undated).toBe(1);
    expect(objects[0].location).toBe(join(dir, objects[0].key));
    expect(objects.every((o) => o.mtime !== undefined)).toBe(true);
  });

  it('keeps everything without a range, undated files last', async () => {
    const objects: ReplayObject[] = [];
    for await (const o of listReplayObjects({ source: dir })) objects.push(o);
    expect(objects).toHaveLength(240 + layoutKeys.cloudfront.length + layoutKeys.s3Simple.length + 1);
    expect(objects.at(-1)?.key).toBe('notes.txt');
  });
});

