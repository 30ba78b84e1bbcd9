import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createS3Client, listLocalObjects, parseS3Url, s3Object, type SourceObject } from '../ingest/sources.js';
import type { TableName } from '../transforms/schema.js';
import {
  cloudfrontStamp,
  isBounded,
  keyDate,
  keyInRange,
  keyTimeBounds,
  layoutsOf,
  listingDays,
  rangeBounds,
  s3AccessStamp,
  DAY,
  type DateRange,
  type KeyDate,
  type KeyLayout,
  type TimeBounds,
} from './key-dates.js';

/**
 * Lists the historical log objects of a source (`s3://bucket/prefix` or a local directory) for a
 * date range, from their keys only, in chronological order (key time, then key), so that the keys
 * listed grow with the range and not with the bucket:
 *
 * - date-partitioned layouts (ALB/ELB/CloudTrail/VPC under `AWSLogs/…/<region>/YYYY/MM/DD/`, S3
 *   access logs with partitioned prefixes `<acct>/<region>/<bucket>/YYYY/MM/DD/`): the account,
 *   (organization,) service, region and bucket folders are discovered with `Delimiter='/'`
 *   listings, then one ListObjectsV2 per day folder in range, several in parallel;
 * - flat layouts (CloudFront `<dist>.YYYY-MM-DD-HH.`, S3 access simple `<prefix>YYYY-MM-DD-…`):
 *   distributions are discovered with `Delimiter='.'`, then each is listed from
 *   `StartAfter=<prefix><dist>.<first hour>` (S3: `<prefix><first second>`) and the listing stops
 *   at the first key past the range;
 * - without a range, everything under the prefix (sorted in memory);
 * - local directories: walked, skipping `YYYY/MM/DD` folders out of range, filtered by key dates.
 *
 * Pagination (continuation tokens) throughout. Which objects are kept is the inclusion rule of
 * key-dates.ts.
 */

export interface ReplayObject extends SourceObject {
  /** The table its key names (undefined for keys of no known layout, listed only without a range). */
  readonly table?: TableName;
  readonly keyDate?: KeyDate;
  /** S3 ETag (quotes removed). */
  readonly etag?: string;
  /** Last modified, ms since the epoch. */
  readonly mtime?: number;
}

export interface ListingStats {
  /** ListObjectsV2 calls made (discovery and listing). */
  listCalls: number;
  /** Keys returned by those calls (objects and common prefixes). */
  keysListed: number;
  /** Objects kept. */
  objects: number;
  /** Keys of no known log layout (excluded when a range is given). */
  undated: number;
  /** Dated keys outside the range. */
  outOfRange: number;
  /** Dated keys of another table than `--format`. */
  otherFormat: number;
  /** How the source was listed, for reports. */
  strategies: string[];
}

export function emptyListingStats(): ListingStats {
  return { listCalls: 0, keysListed: 0, objects: 0, undated: 0, outOfRange: 0, otherFormat: 0, strategies: [] };
}

export interface ListingOptions {
  /** `s3://bucket/prefix` or a directory (or one file). */
  readonly source: string;
  readonly format?: TableName;
  readonly range?: DateRange;
  readonly s3?: S3Client;
  /** Day listings in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Page size of the first page of a listing that stops at the range's end (doubling up to 1,000). @default 100 */
  readonly firstPageKeys?: number;
  /** Filled in while listing. */
  readonly stats?: ListingStats;
}

export class ListingError extends Error {
  override name = 'ListingError';
}

export function listReplayObjects(options: ListingOptions): AsyncGenerator<ReplayObject> {
  const stats = options.stats ?? emptyListingStats();
  const bounds = rangeBounds(options.range);
  const location = parseS3Url(options.source);
  const filter = new KeyFilter(options.format, isBounded(options.range) ? bounds : undefined, stats);
  if (location === undefined) return listLocal(options.source, filter, bounds, stats);
  const lister = new S3Lister(options.s3 ?? createS3Client(), location.bucket, location.prefix, stats, options.firstPageKeys);
  return listS3(lister, options, filter, bounds);
}

/** Chronological order: key time, then key; keys without a date last. */
export function compareObjects(a: ReplayObject, b: ReplayObject): number {
  const ta = a.keyDate?.keyTime ?? Infinity;
  const tb = b.keyDate?.keyTime ?? Infinity;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Keeps keys by format and range, counting what it drops. */
class KeyFilter {
  constructor(
    readonly format: TableName | undefined,
    readonly bounds: TimeBounds | undefined,
    private readonly stats: ListingStats,
  ) {}

  /** The key's date when it is kept; null when it is kept without a date; undefined when dropped. */
  check(key: string): KeyDate | null | undefined {
    const date = keyDate(key);
    if (date === undefined) {
      this.stats.undated++;
      return this.bounds === undefined ? null : undefined;
    }
    if (this.format !== undefined && date.table !== this.format) {
      this.stats.otherFormat++;
      return undefined;
    }
    if (this.bounds !== undefined && !keyInRange(date, this.bounds)) {
      this.stats.outOfRange++;
      return undefined;
    }
    return date;
  }
}

// ---------------------------------------------------------------------------------------------
// Local directories

async function* listLocal(dir: string, filter: KeyFilter, bounds: TimeBounds, stats: ListingStats): AsyncGenerator<ReplayObject> {
  const info = await stat(dir);
  stats.strategies.push(info.isFile() ? 'local file' : 'local directory walk');
  if (info.isFile()) {
    for await (const object of listLocalObjects(dir)) {
      const date = filter.check(object.key);
      if (date === undefined) continue;
      stats.objects++;
      yield { ...object, table: date?.table, keyDate: date ?? undefined, mtime: info.mtimeMs };
    }
    return;
  }
  const days = filter.bounds === undefined ? undefined : new Set(listingDays(filter.format ? layoutsOf(filter.format) : ALL_LAYOUTS, bounds));
  const found: ReplayObject[] = [];
  const walk = async (path: string): Promise<void> => {
    const rel = relative(dir, path).split(sep).join('/');
    const day = /(?:^|\/)(\d{4})\/(\d\d)\/(\d\d)$/.exec(rel);
    if (days !== undefined && day !== null && !days.has(`${day[1]}-${day[2]}-${day[3]}`)) return;
    const entries = await readdir(path, { withFileTypes: true });
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) {
        await walk(child);
        continue;
      }
      if (!entry.isFile()) continue;
      const key = relative(dir, child).split(sep).join('/');
      stats.keysListed++;
      const date = filter.check(key);
      if (date === undefined) continue;
      const { size, mtimeMs } = await stat(child);
      found.push({ key, size, location: child, open: async () => createReadStream(child), table: date?.table, keyDate: date ?? undefined, mtime: mtimeMs });
    }
  };
  await walk(dir);
  found.sort(compareObjects);
  stats.objects += found.length;
  yield* found;
}

const ALL_LAYOUTS: readonly KeyLayout[] = ['alb', 'elb', 'cloudtrail', 'vpc_flow', 's3_access_simple', 's3_access_partitioned', 'cloudfront'];

// ---------------------------------------------------------------------------------------------
// S3

const FIRST_PAGE_KEYS = 100;
const HOP_PAGE_KEYS = 20;

/** ListObjectsV2 with pagination and counting. */
export class S3Lister {
  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
    /** The source prefix: nothing outside it is ever listed. */
    readonly prefix: string,
    readonly stats: ListingStats,
    readonly firstPageKeys = FIRST_PAGE_KEYS,
  ) {}

  async page(input: { Prefix: string; Delimiter?: string; StartAfter?: string; ContinuationToken?: string; MaxKeys?: number }): Promise<ListObjectsV2CommandOutput> {
    this.stats.listCalls++;
    const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, ...input }));
    this.stats.keysListed += (page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0);
    return page;
  }

  /**
   * The "folders" under a prefix (`Delimiter`, default '/'), all pages. `hop`, given a content key,
   * may return a `StartAfter` that skips a run of keys (e.g. a year of S3 access log keys).
   */
  async folders(prefix: string, delimiter = '/', hop?: (key: string) => string | undefined): Promise<string[]> {
    const folders = new Set<string>();
    let token: string | undefined;
    let startAfter: string | undefined;
    do {
      const page = await this.page({
        Prefix: prefix,
        Delimiter: delimiter,
        ContinuationToken: token,
        StartAfter: token === undefined ? startAfter : undefined,
        // With hops, small pages: a page of keys to skip costs little before the next hop.
        MaxKeys: hop === undefined ? undefined : HOP_PAGE_KEYS,
      });
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) folders.add(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      const contents = page.Contents ?? [];
      const last = contents.at(-1)?.Key;
      const lastFolder = page.CommonPrefixes?.at(-1)?.Prefix;
      if (token !== undefined && hop !== undefined && last !== undefined && (lastFolder === undefined || last > lastFolder)) {
        const next = hop(last);
        if (next !== undefined && next > last) {
          token = undefined;
          startAfter = next;
          // Loop again from the hop.
          continue;
        }
      }
      if (token === undefined) startAfter = undefined;
    } while (token !== undefined || startAfter !== undefined);
    return [...folders].sort();
  }

  /** Objects under a prefix, in key order, from `startAfter`; stops when `stop(key)` says so. */
  async *objects(prefix: string, options: { startAfter?: string; delimiter?: string; stop?: (key: string) => boolean } = {}): AsyncGenerator<{ key: string; size: number; etag?: string; mtime?: number }> {
    let token: string | undefined;
    // A listing that stops at the end of a range asks for small pages first (100, 200, … 1,000),
    // so a short range does not fetch a thousand keys past its end.
    let maxKeys = options.stop === undefined ? undefined : this.firstPageKeys;
    do {
      const page = await this.page({
        Prefix: prefix,
        Delimiter: options.delimiter,
        ContinuationToken: token,
        StartAfter: token === undefined ? options.startAfter : undefined,
        MaxKeys: maxKeys,
      });
      if (maxKeys !== undefined) maxKeys = Math.min(1000, maxKeys * 2);
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.Key.endsWith('/')) continue;
        if (options.stop?.(object.Key)) return;
        yield { key: object.Key, size: object.Size ?? 0, etag: object.ETag?.replace(/"/g, ''), mtime: object.LastModified?.getTime() };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** The listing prefix that is both under `candidate` and under the source prefix, or undefined. */
  within(candidate: string): string | undefined {
    if (candidate.startsWith(this.prefix)) return candidate;
    if (this.prefix.startsWith(candidate)) return this.prefix;
    return undefined;
  }
}

type Layouts = 'awslogs' | 'cloudfront' | 's3_simple' | 's3_partitioned';

async function* listS3(source: S3Lister, options: ListingOptions, filter: KeyFilter, bounds: TimeBounds): AsyncGenerator<ReplayObject> {
  const stats = source.stats;
  const toObject = (o: { key: string; size: number; etag?: string; mtime?: number }, date: KeyDate | null): ReplayObject => ({
    ...s3Object(source.s3, source.bucket, o.key, o.size),
    table: date?.table,
    keyDate: date ?? undefined,
    etag: o.etag,
    mtime: o.mtime,
  });
  if (filter.bounds === undefined) {
    stats.strategies.push(`everything under s3://${source.bucket}/${source.prefix} (no range)`);
    const all: ReplayObject[] = [];
    for await (const o of source.objects(source.prefix)) {
      const date = filter.check(o.key);
      if (date !== undefined) all.push(toObject(o, date));
    }
    all.sort(compareObjects);
    stats.objects += all.length;
    yield* all;
    return;
  }

  const lister = await normalisePrefix(source);
  const layouts = options.format !== undefined ? layoutsFor(options.format) : await probeLayouts(lister);
  const streams: AsyncGenerator<ReplayObject>[] = [];
  const concurrency = Math.max(1, options.concurrency ?? 8);

  if (layouts.has('awslogs')) {
    const roots = await discoverAwsLogsRoots(lister, options.format);
    stats.strategies.push(`AWSLogs day folders: ${roots.length} root(s) × days in range`);
    const dayLayouts = options.format !== undefined ? layoutsOf(options.format) : [...new Set(roots.flatMap(awsLogsRootLayouts))];
    if (roots.length > 0) streams.push(listDays(lister, roots, dayLayouts, bounds, filter, concurrency, toObject));
  }
  if (layouts.has('s3_partitioned')) {
    const roots = await discoverS3PartitionedRoots(lister);
    stats.strategies.push(`S3 access partitioned day folders: ${roots.length} root(s) × days in range`);
    if (roots.length > 0) streams.push(listDays(lister, roots, ['s3_access_partitioned'], bounds, filter, concurrency, toObject));
  }
  if (layouts.has('s3_simple')) {
    stats.strategies.push('S3 access simple keys from StartAfter');
    streams.push(listFlat(lister, lister.prefix, 's3_access_simple', bounds, filter, toObject));
  }
  if (layouts.has('cloudfront')) {
    const dists = await discoverDistributions(lister);
    stats.strategies.push(`CloudFront: ${dists.length} distribution prefix(es) from StartAfter`);
    for (const dist of dists) streams.push(listFlat(lister, dist, 'cloudfront', bounds, filter, toObject));
  }
  for await (const object of mergeSorted(streams, compareObjects)) {
    stats.objects++;
    yield object;
  }
}

/**
 * `s3://b/logs` names the folder `logs/` when that is all there is under it (one listing call);
 * a prefix that ends inside a name (`logs/access-`, `cf/E2ABC…`) is kept as given.
 */
async function normalisePrefix(lister: S3Lister): Promise<S3Lister> {
  const prefix = lister.prefix;
  if (prefix === '' || prefix.endsWith('/') || /(?:^|\/)AWSLogs$/.test(prefix) || DIST_AT_END.test(prefix)) return lister;
  const page = await lister.page({ Prefix: prefix, Delimiter: '/', MaxKeys: 2 });
  const folders = (page.CommonPrefixes ?? []).map((p) => p.Prefix);
  if ((page.Contents ?? []).length === 0 && folders.length === 1 && folders[0] === `${prefix}/`) {
    return new S3Lister(lister.s3, lister.bucket, `${prefix}/`, lister.stats, lister.firstPageKeys);
  }
  return lister;
}

/** The layouts of an `…/AWSLogs/…/<service>/<region>/` root. */
function awsLogsRootLayouts(root: string): KeyLayout[] {
  const service = root.split('/').at(-3) ?? '';
  return (SERVICE_TABLES[service] ?? []).flatMap(layoutsOf);
}

function layoutsFor(table: TableName): Set<Layouts> {
  if (table === 'cloudfront') return new Set(['cloudfront']);
  if (table === 's3_access') return new Set(['s3_simple', 's3_partitioned']);
  return new Set(['awslogs']);
}

const ACCOUNT = /^\d{12}$/;
const ORG = /^o-[a-z0-9]{10,32}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const DIST_PREFIX = /(?:^|\/)E[A-Z0-9]{12,14}\.$/;
const DIST_AT_END = /(?:^|\/)E[A-Z0-9]{12,14}\.?$/;

/** Which layouts a source holds, from its prefix and one listing page (when no --format is given). */
async function probeLayouts(lister: S3Lister): Promise<Set<Layouts>> {
  const prefix = lister.prefix;
  const found = new Set<Layouts>();
  if (/(?:^|\/)AWSLogs(?:\/|$)/.test(prefix)) return new Set(['awslogs']);
  if (DIST_AT_END.test(prefix)) return new Set(['cloudfront']);
  if (s3PartitionedBase(prefix) !== undefined) return new Set(['s3_partitioned']);
  const page = await lister.page({ Prefix: prefix, Delimiter: '/' });
  for (const p of page.CommonPrefixes ?? []) {
    const name = (p.Prefix ?? '').slice(prefix.length, -1);
    if (name === 'AWSLogs') found.add('awslogs');
    else if (ACCOUNT.test(name)) found.add('s3_partitioned');
  }
  for (const o of page.Contents ?? []) {
    const date = keyDate(o.Key ?? '');
    if (date?.layout === 'cloudfront') found.add('cloudfront');
    else if (date?.layout === 's3_access_simple') found.add('s3_simple');
  }
  if (found.has('s3_partitioned') && !found.has('s3_simple')) {
    // Account folders next to simple keys of the same prefix are the usual mix; keys may just be on later pages.
    found.add('s3_simple');
  }
  if (found.size === 0) {
    throw new ListingError(
      `cannot tell the log layout under s3://${lister.bucket}/${prefix}: no AWSLogs/ folder, CloudFront or S3 access log keys; pass --format or a prefix closer to the logs`,
    );
  }
  return found;
}

interface Level {
  readonly pattern: RegExp;
  /** Levels that follow a matching segment (default: the next in the list). */
  readonly expand?: (segment: string) => Level[] | undefined;
  readonly hop?: (key: string, path: string) => string | undefined;
}

/**
 * Walks folder levels below `base`: a level the source prefix already names is taken from it (and
 * must match), the others are discovered with Delimiter='/' listings. Returns the folders reached
 * after the last level (each ending with '/').
 */
async function walkLevels(lister: S3Lister, base: string, levels: readonly Level[]): Promise<string[]> {
  const rest = lister.prefix.startsWith(base) ? lister.prefix.slice(base.length) : '';
  const given = rest.split('/');
  const partial = given.pop() ?? '';
  const roots: string[] = [];
  const walk = async (path: string, depth: number, todo: readonly Level[]): Promise<void> => {
    if (todo.length === 0) {
      roots.push(path);
      return;
    }
    const [level, ...after] = todo;
    const next = (segment: string) => [...(level.expand?.(segment) ?? []), ...after];
    if (depth < given.length) {
      const segment = given[depth];
      if (level.pattern.test(segment)) await walk(`${path}${segment}/`, depth + 1, next(segment));
      return;
    }
    const filterPrefix = depth === given.length ? partial : '';
    const folders = await lister.folders(path + filterPrefix, '/', level.hop ? (key) => level.hop!(key, path) : undefined);
    for (const folder of folders) {
      const segment = folder.slice(path.length, -1);
      if (level.pattern.test(segment)) await walk(folder, depth + 1, next(segment));
    }
  };
  await walk(base, 0, levels);
  return roots;
}

const SERVICE_TABLES: Readonly<Record<string, readonly TableName[]>> = {
  elasticloadbalancing: ['alb', 'elb'],
  CloudTrail: ['cloudtrail'],
  'CloudTrail-NetworkActivity': ['cloudtrail'],
  vpcflowlogs: ['vpc_flow'],
};

/** `…/AWSLogs/[<o-id>/]<acct>/<service>/<region>/` folders (day folders below them). */
async function discoverAwsLogsRoots(lister: S3Lister, format?: TableName): Promise<string[]> {
  const prefix = lister.prefix;
  let base: string;
  const at = prefix.indexOf('AWSLogs/');
  if (at >= 0 && (at === 0 || prefix[at - 1] === '/')) base = prefix.slice(0, at + 'AWSLogs/'.length);
  else if (prefix === 'AWSLogs' || prefix.endsWith('/AWSLogs')) base = `${prefix}/`;
  else if (prefix === '' || prefix.endsWith('/')) base = `${prefix}AWSLogs/`;
  else return [];
  const services = Object.keys(SERVICE_TABLES).filter((s) => format === undefined || SERVICE_TABLES[s].includes(format));
  const service: Level = { pattern: new RegExp(`^(?:${services.map(escapeRegExp).join('|')})$`) };
  const region: Level = { pattern: REGION };
  const account: Level = { pattern: ACCOUNT };
  const accountOrOrg: Level = { pattern: new RegExp(`${ACCOUNT.source}|${ORG.source}`), expand: (segment) => (ORG.test(segment) ? [account] : undefined) };
  return walkLevels(lister, base, [accountOrOrg, service, region]);
}

/** Where the `<acct>/<region>/<bucket>/` folders of S3 access partitioned prefixes start. */
function s3PartitionedBase(prefix: string): string | undefined {
  const segments = prefix.split('/');
  for (let i = 0; i + 1 < segments.length - 1; i++) {
    if (ACCOUNT.test(segments[i]) && REGION.test(segments[i + 1])) return segments.slice(0, i).map((s) => `${s}/`).join('');
  }
  return undefined;
}

/** `<prefix><acct>/<region>/<bucket>/` folders of S3 access logs with partitioned prefixes. */
async function discoverS3PartitionedRoots(lister: S3Lister): Promise<string[]> {
  const base = s3PartitionedBase(lister.prefix) ?? lister.prefix;
  // Simple keys (`YYYY-MM-DD-…`) may share the prefix: skip a year of them per listing call.
  const hop = (key: string, path: string): string | undefined => {
    const m = /^(\d{4})-\d\d-\d\d-/.exec(key.slice(path.length));
    return m === null ? undefined : `${path}${m[1]}.`;
  };
  return walkLevels(lister, base, [{ pattern: ACCOUNT, hop }, { pattern: REGION }, { pattern: /^[a-z0-9][a-z0-9.-]{1,62}$/ }]);
}

/** `<prefix><dist>.` prefixes of CloudFront logs (Delimiter='.'). */
async function discoverDistributions(lister: S3Lister): Promise<string[]> {
  const prefix = lister.prefix;
  if (DIST_PREFIX.test(prefix)) return [prefix];
  if (DIST_AT_END.test(prefix)) return [`${prefix}.`];
  const found: string[] = [];
  const visit = async (path: string, depth: number): Promise<void> => {
    for (const folder of await lister.folders(path, '.')) {
      if (DIST_PREFIX.test(folder)) found.push(folder);
      // A '.' in a folder name (`logs/www.example.com/E…`) cuts early: look once more below it.
      else if (depth < 2 && folder.lastIndexOf('/') < folder.length - 1) await visit(folder, depth + 1);
    }
  };
  await visit(prefix, 0);
  return found.sort();
}

/** One flat prefix, sorted by time within it: from StartAfter to the first key past the range. */
async function* listFlat(
  lister: S3Lister,
  prefix: string,
  layout: KeyLayout,
  bounds: TimeBounds,
  filter: KeyFilter,
  toObject: (o: { key: string; size: number; etag?: string; mtime?: number }, date: KeyDate | null) => ReplayObject,
): AsyncGenerator<ReplayObject> {
  const { low, high } = keyTimeBounds(layout, bounds);
  const stamp = layout === 'cloudfront' ? cloudfrontStamp : s3AccessStamp;
  const width = layout === 'cloudfront' ? 13 : 19;
  // Keys of the first included second/hour sort after the bare stamp.
  const startAfter = Number.isFinite(low) ? prefix + stamp(Math.max(0, low)) : undefined;
  const last = Number.isFinite(high) ? stamp(high) : undefined;
  const stop = last === undefined ? undefined : (key: string) => key.slice(prefix.length, prefix.length + width) > last;
  const kept: ReplayObject[] = [];
  let keptTime = -Infinity;
  const flush = function* () {
    kept.sort(compareObjects);
    yield* kept;
    kept.length = 0;
  };
  for await (const o of lister.objects(prefix, { startAfter, delimiter: '/', stop })) {
    const date = filter.check(o.key);
    if (!date) continue;
    // Key order is time order here, except for different prefixes before the stamp: re-sort per time.
    if (date.keyTime !== keptTime) {
      yield* flush();
      keptTime = date.keyTime;
    }
    kept.push(toObject(o, date));
  }
  yield* flush();
}

/** Day folders under each root, one ListObjectsV2 (with pagination) per root and day, in parallel. */
async function* listDays(
  lister: S3Lister,
  roots: readonly string[],
  layouts: readonly KeyLayout[],
  bounds: TimeBounds,
  filter: KeyFilter,
  concurrency: number,
  toObject: (o: { key: string; size: number; etag?: string; mtime?: number }, date: KeyDate | null) => ReplayObject,
): AsyncGenerator<ReplayObject> {
  let days: string[];
  if (Number.isFinite(bounds.start) && Number.isFinite(bounds.end)) {
    days = listingDays(layouts, bounds);
  } else {
    // One end open: from the earliest day folder, or up to tomorrow.
    const start = Number.isFinite(bounds.start) ? bounds.start : await earliestDay(lister, roots);
    if (start === undefined) return;
    const end = Number.isFinite(bounds.end) ? bounds.end : (Math.floor(Date.now() / DAY) + 2) * DAY;
    days = listingDays(layouts, { start, end });
  }
  // At most `concurrency` day folders listed at once (over all roots); days yielded in order.
  const slots = new Semaphore(concurrency);
  const tasks: (() => Promise<ReplayObject[]>)[] = days.map((day) => async () => {
    const path = `${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8, 10)}/`;
    const perRoot = await Promise.all(
      roots.map((root) =>
        slots.run(async () => {
          const prefix = lister.within(root + path);
          const found: ReplayObject[] = [];
          if (prefix === undefined) return found;
          for await (const o of lister.objects(prefix)) {
            const date = filter.check(o.key);
            if (date) found.push(toObject(o, date));
          }
          return found;
        }),
      ),
    );
    return perRoot.flat().sort(compareObjects);
  });
  for await (const batch of inOrder(tasks, concurrency)) yield* batch;
}

async function earliestDay(lister: S3Lister, roots: readonly string[]): Promise<number | undefined> {
  let earliest: number | undefined;
  for (const root of roots) {
    let path = root;
    let ok = true;
    for (const pattern of [/^\d{4}$/, /^\d\d$/, /^\d\d$/]) {
      const first = (await lister.folders(path)).map((f) => f.slice(path.length, -1)).filter((s) => pattern.test(s))[0];
      if (first === undefined) {
        ok = false;
        break;
      }
      path = `${path}${first}/`;
    }
    if (!ok) continue;
    const [y, m, d] = path.slice(root.length, -1).split('/');
    const time = Date.UTC(Number(y), Number(m) - 1, Number(d));
    earliest = earliest === undefined ? time : Math.min(earliest, time);
  }
  return earliest;
}

/** At most `limit` async jobs at once. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    while (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await job();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Runs tasks with up to `limit` in flight and yields their results in task order. */
export async function* inOrder<T>(tasks: readonly (() => Promise<T>)[], limit: number): AsyncGenerator<T> {
  const started: Promise<T>[] = [];
  let next = 0;
  const fill = () => {
    while (next < tasks.length && started.length < limit) {
      const promise = tasks[next++]();
      // Avoid unhandled rejections of tasks not awaited yet; the error surfaces when awaited.
      promise.catch(() => undefined);
      started.push(promise);
    }
  };
  fill();
  while (started.length > 0) {
    const result = await started.shift()!;
    fill();
    yield result;
  }
}

/** Merges streams each sorted by `compare` into one sorted stream. */
export async function* mergeSorted<T>(streams: readonly AsyncGenerator<T>[], compare: (a: T, b: T) => number): AsyncGenerator<T> {
  const heads: { value: T; stream: AsyncGenerator<T> }[] = [];
  for (const stream of streams) {
    const first = await stream.next();
    if (!first.done) heads.push({ value: first.value, stream });
  }
  while (heads.length > 0) {
    let min = 0;
    for (let i = 1; i < heads.length; i++) if (compare(heads[i].value, heads[min].value) < 0) min = i;
    const head = heads[min];
    yield head.value;
    const next = await head.stream.next();
    if (next.done) heads.splice(min, 1);
    else head.value = next.value;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
