import { FORMATS } from '../transforms/registry.js';
import { TABLE_NAMES, type TableName } from '../transforms/schema.js';

/**
 * The event time a log object can hold, read from its key alone (no GET), per AWS key layout:
 *
 * | layout                  | key                                                                            | key time            |
 * |-------------------------|--------------------------------------------------------------------------------|---------------------|
 * | `alb`, `elb`            | `…/AWSLogs/<acct>/elasticloadbalancing/<region>/YYYY/MM/DD/…_YYYYMMDDTHHmmZ_…`  | END of the interval |
 * | `cloudtrail`            | `…/AWSLogs/[<o-id>/]<acct>/CloudTrail/<region>/YYYY/MM/DD/…_YYYYMMDDTHHmmZ_…`  | delivery            |
 * | `vpc_flow`              | `…/AWSLogs/<acct>/vpcflowlogs/<region>/YYYY/MM/DD/…_YYYYMMDDTHHmmZ_…`          | delivery            |
 * | `s3_access_simple`      | `<prefix>YYYY-MM-DD-hh-mm-ss-<UNIQUE>`                                         | delivery            |
 * | `s3_access_partitioned` | `<prefix><acct>/<region>/<bucket>/YYYY/MM/DD/YYYY-MM-DD-hh-mm-ss-<UNIQUE>`     | delivery            |
 * | `cloudfront`            | `<prefix><dist>.YYYY-MM-DD-HH.<unique>.gz`                                     | the requests' hour  |
 *
 * (The AWSLogs file-name time is used; the `YYYY/MM/DD` folder only when a name has none.)
 *
 * **Inclusion rule.** A key's events can lie in `[keyTime − before, keyTime + after)` (the layout's
 * margins below). An object is replayed for a range `--from D1 --to D2` (UTC days, both inclusive,
 * i.e. `[D1 00:00, D2+1 00:00)`) when that interval overlaps the range. Equivalently the key time
 * lies in `(start − after, end + before)`, which is what listing uses to pick day folders and
 * `StartAfter` keys. Margins err on the side of reading an object too many: with `--via local` and
 * `--via direct` lines outside the range are dropped when shipping, so adjacent ranges index every
 * event exactly once; `--via queue|lambda` ship whole objects (see the replay docs).
 */

export type KeyLayout = 'alb' | 'elb' | 'cloudtrail' | 'vpc_flow' | 's3_access_simple' | 's3_access_partitioned' | 'cloudfront';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface KeyTimeWindow {
  /** How long before the key time events can be (margin included). */
  readonly before: number;
  /** How long after the key time events can be (margin included). */
  readonly after: number;
  /** Where events usually are (no margin): for estimates of hours and partitions. */
  readonly nominalBefore: number;
  readonly nominalAfter: number;
}

/** Per layout, where events lie relative to the key time; the margins are the inclusion rule's. */
export const KEY_TIME_WINDOWS: Readonly<Record<KeyLayout, KeyTimeWindow>> = {
  // The hour in the name is the requests' hour (delivery may lag up to 24 h, the name does not).
  cloudfront: { before: 0, after: HOUR, nominalBefore: 0, nominalAfter: HOUR },
  // The name's time ends a 5-minute interval; 5 minutes of slack either side.
  alb: { before: 10 * MINUTE, after: 5 * MINUTE, nominalBefore: 5 * MINUTE, nominalAfter: 0 },
  // Classic ELB publishes every 5 or 60 minutes; the name's time ends the interval.
  elb: { before: 65 * MINUTE, after: 5 * MINUTE, nominalBefore: 5 * MINUTE, nominalAfter: 0 },
  // Delivered about every 5 minutes, usually within 15 of the call; an hour of margin.
  cloudtrail: { before: HOUR, after: 5 * MINUTE, nominalBefore: 15 * MINUTE, nominalAfter: 0 },
  // Aggregation interval up to 10 minutes, published every 5–10; an hour of margin.
  vpc_flow: { before: HOUR, after: 5 * MINUTE, nominalBefore: 10 * MINUTE, nominalAfter: 0 },
  // Best-effort delivery, "most records within a few hours": a day of margin.
  s3_access_simple: { before: DAY, after: 5 * MINUTE, nominalBefore: HOUR, nominalAfter: 0 },
  s3_access_partitioned: { before: DAY, after: 5 * MINUTE, nominalBefore: HOUR, nominalAfter: 0 },
};

export const LAYOUT_TABLE: Readonly<Record<KeyLayout, TableName>> = {
  alb: 'alb',
  elb: 'elb',
  cloudtrail: 'cloudtrail',
  vpc_flow: 'vpc_flow',
  s3_access_simple: 's3_access',
  s3_access_partitioned: 's3_access',
  cloudfront: 'cloudfront',
};

/** The layouts a table's objects can have. */
export function layoutsOf(table: TableName): KeyLayout[] {
  return (Object.keys(LAYOUT_TABLE) as KeyLayout[]).filter((layout) => LAYOUT_TABLE[layout] === table);
}

export interface KeyDate {
  readonly layout: KeyLayout;
  readonly table: TableName;
  /** The time the key names (ms since the epoch, UTC). */
  readonly keyTime: number;
  /** Events lie in `[earliest, latest)` (margins included). */
  readonly earliest: number;
  readonly latest: number;
  /** Where events usually are, `[nominalStart, nominalEnd)`. */
  readonly nominalStart: number;
  readonly nominalEnd: number;
}

const AWSLOGS_STAMP = /_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_[^/]*$/;
const FOLDER_DAY = /(?:^|\/)(\d{4})\/(\d\d)\/(\d\d)\/[^/]+$/;
const S3_STAMP = /(\d{4})-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-[0-9A-Za-z]{16}$/;
const S3_PARTITIONED = /(?:^|\/)\d{12}\/[^/]+\/[^/]+\/\d{4}\/\d\d\/\d\d\/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-Za-z]{16}$/;
const CLOUDFRONT_STAMP = /E[A-Z0-9]{12,14}\.(\d{4})-(\d\d)-(\d\d)-(\d\d)\.[A-Za-z0-9]+\.gz$/;

/**
 * The dates a key encodes, or undefined when it names no known log layout (or, with `table`,
 * not one of that table). The table is the one whose `matchKey` accepts the key.
 */
export function keyDate(key: string, table?: TableName): KeyDate | undefined {
  const candidates = table === undefined ? TABLE_NAMES : [table];
  for (const candidate of candidates) {
    if (!FORMATS[candidate].matchKey(key)) continue;
    const found = dateOf(key, candidate);
    if (found !== undefined) return found;
  }
  return undefined;
}

function dateOf(key: string, table: TableName): KeyDate | undefined {
  switch (table) {
    case 'cloudfront': {
      const m = CLOUDFRONT_STAMP.exec(key);
      return m === null ? undefined : window('cloudfront', utc(m[1], m[2], m[3], m[4]));
    }
    case 's3_access': {
      const m = S3_STAMP.exec(key);
      if (m === null) return undefined;
      return window(S3_PARTITIONED.test(key) ? 's3_access_partitioned' : 's3_access_simple', utc(m[1], m[2], m[3], m[4], m[5], m[6]));
    }
    default: {
      const m = AWSLOGS_STAMP.exec(key);
      if (m !== null) return window(table, utc(m[1], m[2], m[3], m[4], m[5]));
      const d = FOLDER_DAY.exec(key);
      if (d === null) return undefined;
      // Only the day is known: any time of it.
      const day = utc(d[1], d[2], d[3]);
      if (day === undefined) return undefined;
      const base = window(table, day)!;
      return { ...base, latest: base.latest + DAY, nominalEnd: base.nominalEnd + DAY };
    }
  }
}

function window(layout: KeyLayout, keyTime: number | undefined): KeyDate | undefined {
  if (keyTime === undefined) return undefined;
  const w = KEY_TIME_WINDOWS[layout];
  return {
    layout,
    table: LAYOUT_TABLE[layout],
    keyTime,
    earliest: keyTime - w.before,
    latest: keyTime + w.after,
    nominalStart: keyTime - w.nominalBefore,
    nominalEnd: keyTime + w.nominalAfter,
  };
}

function utc(y: string, mo: string, d: string, h = '0', mi = '0', s = '0'): number | undefined {
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  // Rejects 2024-02-31 and the like.
  return new Date(time).getUTCDate() === day ? time : undefined;
}

// ---------------------------------------------------------------------------------------------
// Ranges

/** `--from`/`--to` as given: UTC days, both inclusive. Either may be missing (open end). */
export interface DateRange {
  readonly from?: string;
  readonly to?: string;
}

/** A range as times: `[start, end)`, ±Infinity for an open end. */
export interface TimeBounds {
  readonly start: number;
  readonly end: number;
}

const DAY_TEXT = /^(\d{4})-(\d\d)-(\d\d)$/;

/** Milliseconds of a `YYYY-MM-DD` day's start (UTC), or undefined when it is not a real date. */
export function parseDay(text: string): number | undefined {
  const m = DAY_TEXT.exec(text);
  return m === null ? undefined : utc(m[1], m[2], m[3]);
}

export function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

export function isBounded(range: DateRange | undefined): boolean {
  return range !== undefined && (range.from !== undefined || range.to !== undefined);
}

export function rangeBounds(range: DateRange | undefined): TimeBounds {
  const start = range?.from === undefined ? -Infinity : parseDay(range.from);
  const to = range?.to === undefined ? Infinity - DAY : parseDay(range.to);
  if (start === undefined) throw new RangeError(`--from must be a date YYYY-MM-DD, got ${JSON.stringify(range?.from)}`);
  if (to === undefined) throw new RangeError(`--to must be a date YYYY-MM-DD, got ${JSON.stringify(range?.to)}`);
  if (start > to) throw new RangeError(`--from ${range?.from} is after --to ${range?.to}`);
  return { start, end: to + DAY };
}

/** The inclusion rule: the interval the key's events can lie in overlaps the range. */
export function keyInRange(date: KeyDate, bounds: TimeBounds): boolean {
  return date.earliest < bounds.end && date.latest > bounds.start;
}

/** Key times of a layout that the rule can include: `(low, high)`, both exclusive. */
export function keyTimeBounds(layout: KeyLayout, bounds: TimeBounds): { low: number; high: number } {
  const w = KEY_TIME_WINDOWS[layout];
  return { low: bounds.start - w.after, high: bounds.end + w.before };
}

/** The day folders (`YYYY-MM-DD`, ascending) that can hold included keys of these layouts. */
export function listingDays(layouts: readonly KeyLayout[], bounds: TimeBounds): string[] {
  let low = Infinity;
  let high = -Infinity;
  for (const layout of layouts) {
    const b = keyTimeBounds(layout, bounds);
    low = Math.min(low, b.low);
    high = Math.max(high, b.high);
  }
  if (!Number.isFinite(low) || !Number.isFinite(high)) throw new RangeError('listing days needs a bounded range');
  const days: string[] = [];
  // Key times t with low < t < high; a day folder holds keys of its own date.
  for (let day = Math.floor((low + 1) / DAY) * DAY; day < high; day += DAY) days.push(dayOf(day));
  return days;
}

/** The event hours (`YYYY-MM-DD/HH`) where a key's events usually are, within the bounds. */
export function nominalHours(date: KeyDate, bounds: TimeBounds = { start: -Infinity, end: Infinity }): string[] {
  const start = Math.max(date.nominalStart, bounds.start);
  const end = Math.min(date.nominalEnd, bounds.end);
  const hours: string[] = [];
  if (end <= start) {
    // An instant (no nominal span): the hour it falls in, if in bounds.
    if (date.nominalStart >= bounds.start && date.nominalStart < bounds.end) hours.push(hourOf(date.nominalStart));
    return hours;
  }
  for (let hour = Math.floor(start / HOUR) * HOUR; hour < end; hour += HOUR) hours.push(hourOf(hour));
  return hours;
}

export function hourOf(time: number): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 10)}/${iso.slice(11, 13)}`;
}

/** `YYYY-MM-DD-hh-mm-ss` (S3 access key stamp) of a time. */
export function s3AccessStamp(time: number): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}`;
}

/** `YYYY-MM-DD-HH` (CloudFront key stamp) of a time. */
export function cloudfrontStamp(time: number): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 10)}-${iso.slice(11, 13)}`;
}

/** The margins of the inclusion rule as text (for help and reports), from KEY_TIME_WINDOWS. */
export function describeMargins(): string {
  const span = (ms: number) => (ms % HOUR === 0 ? `${ms / HOUR}h` : `${ms / MINUTE}m`);
  return (Object.keys(KEY_TIME_WINDOWS) as KeyLayout[])
    .map((layout) => `${layout} ${span(KEY_TIME_WINDOWS[layout].before)} before/${span(KEY_TIME_WINDOWS[layout].after)} after`)
    .join(', ');
}
