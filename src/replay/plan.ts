import type { LoghoseConfig } from '../config/config.js';
import { GB, US_EAST_1_PRICES, type PriceTable } from '../config/prices.js';
import { billedBytes } from '../ingest/firehose-sender.js';
import { shipObject } from '../ingest/shipper.js';
import type { TableName } from '../transforms/schema.js';
import { dayOf, nominalHours, rangeBounds, type DateRange, type TimeBounds } from './key-dates.js';
import type { ListingStats, ReplayObject } from './listing.js';
import { partitionHoldMs } from './partition-window.js';

/**
 * The dry run (`--action print`): what a replay would read and send, and what indexing it through
 * Firehose would cost — from the keys and sizes alone, calibrated by reading a few objects.
 */

/** What one stored byte of a table's objects becomes, when no sample was read. */
export interface VolumeEstimate {
  /** Bytes shipped (decompressed, packed) per stored byte. */
  readonly uncompressedPerByte: number;
  /** Average data line (CloudTrail: event) size, decompressed bytes. */
  readonly lineBytes: number;
}

/** Rough per-format defaults (gzip ratio of typical logs; average line sizes of AWS's examples). */
export const DEFAULT_ESTIMATES: Readonly<Record<TableName, VolumeEstimate>> = {
  cloudfront: { uncompressedPerByte: 8, lineBytes: 450 },
  s3_access: { uncompressedPerByte: 1, lineBytes: 400 },
  alb: { uncompressedPerByte: 10, lineBytes: 700 },
  elb: { uncompressedPerByte: 1, lineBytes: 300 },
  cloudtrail: { uncompressedPerByte: 12, lineBytes: 1400 },
  vpc_flow: { uncompressedPerByte: 4, lineBytes: 110 },
};
const FALLBACK_ESTIMATE: VolumeEstimate = { uncompressedPerByte: 1, lineBytes: 500 };

export interface TableEstimate extends VolumeEstimate {
  readonly method: 'sampled' | 'default';
  readonly sampledObjects: number;
}

export interface SampleOptions {
  /** Objects read per table. */
  readonly objects: number;
  readonly recordBytes: number;
  readonly maxBufferedBytes: number;
}

/** Reads up to `objects` objects per table (spread over the list) through the shipper, counting what it would send. */
export async function sampleEstimates(objects: readonly ReplayObject[], options: SampleOptions): Promise<Map<string, TableEstimate>> {
  const byTable = new Map<string, ReplayObject[]>();
  for (const object of objects) {
    const table = object.table ?? '';
    let list = byTable.get(table);
    if (list === undefined) byTable.set(table, (list = []));
    list.push(object);
  }
  const estimates = new Map<string, TableEstimate>();
  for (const [table, list] of byTable) {
    const fallback = DEFAULT_ESTIMATES[table as TableName] ?? FALLBACK_ESTIMATE;
    let stored = 0;
    let shipped = 0;
    let lines = 0;
    let sampled = 0;
    const picks = spread(list, options.objects);
    for (const object of picks) {
      try {
        const result = await shipObject({
          key: object.key,
          body: await object.open(),
          recordBytes: options.recordBytes,
          maxBufferedBytes: options.maxBufferedBytes,
          sink: () => undefined,
        });
        if (result.status !== 'shipped' || object.size === 0) continue;
        stored += object.size;
        shipped += result.recordBytes;
        lines += result.dataLines;
        sampled++;
      } catch {
        // An unreadable sample only means the defaults are used.
      }
    }
    estimates.set(
      table,
      sampled > 0 && stored > 0 && lines > 0
        ? { uncompressedPerByte: shipped / stored, lineBytes: shipped / lines, method: 'sampled', sampledObjects: sampled }
        : { ...fallback, method: 'default', sampledObjects: 0 },
    );
  }
  return estimates;
}

function spread<T>(list: readonly T[], count: number): T[] {
  if (count <= 0 || list.length === 0) return [];
  if (list.length <= count) return [...list];
  const picks: T[] = [];
  for (let i = 0; i < count; i++) picks.push(list[Math.floor(((i + 0.5) * list.length) / count)]);
  return picks;
}

export interface ObjectEstimate {
  /** Decompressed bytes shipped (in the range). */
  readonly bytes: number;
  readonly lines: number;
  readonly records: number;
  /** Bytes Firehose bills: each record rounded up to 5 KB. */
  readonly billedBytes: number;
  /** Event hours (`YYYY-MM-DD/HH`) the object's in-range events are expected in. */
  readonly hours: readonly string[];
}

/**
 * One object's share of the range and what shipping it costs: its events are spread over the
 * hours of its nominal window, each hour packed into records of `recordBytes` (the last one of an
 * hour partly filled), each record billed rounded up to 5 KB.
 */
export function estimateObject(object: ReplayObject, estimate: VolumeEstimate, recordBytes: number, bounds?: TimeBounds): ObjectEstimate {
  let fraction = 1;
  let hours: string[] = [];
  const date = object.keyDate;
  if (date !== undefined) {
    hours = nominalHours(date, bounds);
    const span = date.nominalEnd - date.nominalStart;
    if (bounds !== undefined && span > 0) {
      const inRange = Math.max(0, Math.min(date.nominalEnd, bounds.end) - Math.max(date.nominalStart, bounds.start));
      fraction = inRange / span;
    } else if (bounds !== undefined) {
      fraction = hours.length > 0 ? 1 : 0;
    }
  }
  const bytes = object.size * estimate.uncompressedPerByte * fraction;
  const lines = Math.round(bytes / estimate.lineBytes);
  if (bytes <= 0) return { bytes: 0, lines: 0, records: 0, billedBytes: 0, hours };
  const groups = Math.max(1, hours.length);
  const perGroup = bytes / groups;
  const full = Math.floor(perGroup / recordBytes);
  const rest = perGroup - full * recordBytes;
  const records = groups * (full + (rest > 0 ? 1 : 0));
  const billed = groups * (full * billedBytes(recordBytes) + (rest > 0 ? billedBytes(Math.ceil(rest)) : 0));
  return { bytes: Math.round(bytes), lines, records, billedBytes: billed, hours };
}

export interface PlanObject {
  readonly key: string;
  readonly size: number;
  readonly table?: string;
  /** The key's time, ISO-8601. */
  readonly keyTime?: string;
  /** The event day it counts for. */
  readonly day: string;
  readonly estimatedLines: number;
  readonly estimatedRecords: number;
}

export interface PlanDay {
  readonly day: string;
  objects: number;
  bytes: number;
  estimatedBytes: number;
  estimatedLines: number;
  estimatedRecords: number;
  /** Distinct (table, event hour) partitions of the day. */
  partitions: number;
}

export interface FirehoseCost {
  /** Ingestion: billed bytes (records rounded up to 5 KB) × price per GB. */
  readonly ingestion: number;
  /** Record format conversion (JSON → Parquet) on the same billed volume. */
  readonly formatConversion: number;
  /** Dynamic partitioning: per GB processed plus per 1,000 objects delivered. */
  readonly dynamicPartitioning: number;
  readonly total: number;
  /** S3 objects Firehose is expected to deliver (≥ one per partition, one per buffer-size of data). */
  readonly deliveredObjects: number;
  readonly currency: 'USD';
}

export interface ReplayPlan {
  readonly source: string;
  readonly format?: string;
  readonly range: DateRange;
  readonly tables: readonly string[];
  readonly objects: readonly PlanObject[];
  readonly days: readonly PlanDay[];
  readonly totals: {
    readonly objects: number;
    readonly bytes: number;
    readonly estimatedBytes: number;
    readonly estimatedLines: number;
    readonly estimatedRecords: number;
    readonly billedBytes: number;
  };
  readonly partitions: {
    /** Distinct (table, event hour) partitions the replay opens. */
    readonly estimated: number;
    readonly maxActive: number;
    /** How long a partition stays active after its last record (seconds). */
    readonly holdSeconds: number;
    /** Windows of `maxActive` partitions the replay slides through. */
    readonly windows: number;
    /** Least time the window imposes (each full window waits for the hold), seconds. */
    readonly minimumSeconds: number;
  };
  readonly cost: FirehoseCost;
  readonly estimates: Readonly<Record<string, TableEstimate>>;
  readonly recordBytes: number;
  readonly listing?: ListingStats;
}

export interface PlanOptions {
  readonly source: string;
  readonly format?: string;
  readonly range?: DateRange;
  readonly config: LoghoseConfig;
  readonly maxActivePartitions: number;
  readonly holdMs?: number;
  readonly estimates: ReadonlyMap<string, TableEstimate>;
  readonly prices?: PriceTable;
  readonly listing?: ListingStats;
}

export function buildPlan(objects: readonly ReplayObject[], options: PlanOptions): ReplayPlan {
  const prices = options.prices ?? US_EAST_1_PRICES;
  const recordBytes = options.config.shipper.recordKiB * 1024;
  const bounded = options.range !== undefined && (options.range.from !== undefined || options.range.to !== undefined);
  const bounds = bounded ? rangeBounds(options.range) : undefined;
  const days = new Map<string, PlanDay>();
  const dayPartitions = new Map<string, Set<string>>();
  const partitionBytes = new Map<string, number>();
  const planned: PlanObject[] = [];
  const totals = { objects: 0, bytes: 0, estimatedBytes: 0, estimatedLines: 0, estimatedRecords: 0, billedBytes: 0 };
  const tables = new Set<string>();
  for (const object of objects) {
    const table = object.table ?? '';
    if (object.table !== undefined) tables.add(object.table);
    const volume = options.estimates.get(table) ?? DEFAULT_ESTIMATES[table as TableName] ?? FALLBACK_ESTIMATE;
    const e = estimateObject(object, volume, recordBytes, bounds);
    const day = e.hours[0]?.slice(0, 10) ?? (object.keyDate !== undefined ? dayOf(object.keyDate.keyTime) : '');
    planned.push({
      key: object.key,
      size: object.size,
      table: object.table,
      keyTime: object.keyDate !== undefined ? new Date(object.keyDate.keyTime).toISOString() : undefined,
      day,
      estimatedLines: e.lines,
      estimatedRecords: e.records,
    });
    let d = days.get(day);
    if (d === undefined) {
      d = { day, objects: 0, bytes: 0, estimatedBytes: 0, estimatedLines: 0, estimatedRecords: 0, partitions: 0 };
      days.set(day, d);
      dayPartitions.set(day, new Set());
    }
    d.objects++;
    d.bytes += object.size;
    d.estimatedBytes += e.bytes;
    d.estimatedLines += e.lines;
    d.estimatedRecords += e.records;
    totals.objects++;
    totals.bytes += object.size;
    totals.estimatedBytes += e.bytes;
    totals.estimatedLines += e.lines;
    totals.estimatedRecords += e.records;
    totals.billedBytes += e.billedBytes;
    const share = e.hours.length > 0 ? e.bytes / e.hours.length : 0;
    for (const hour of e.hours) {
      const partition = `${table}/${hour}`;
      partitionBytes.set(partition, (partitionBytes.get(partition) ?? 0) + share);
      const set = dayPartitions.get(hour.slice(0, 10)) ?? new Set<string>();
      dayPartitions.set(hour.slice(0, 10), set);
      set.add(partition);
    }
  }
  for (const [day, d] of days) d.partitions = dayPartitions.get(day)?.size ?? 0;

  const bufferBytes = options.config.buffering.sizeMiB * 1024 * 1024;
  let deliveredObjects = 0;
  for (const bytes of partitionBytes.values()) deliveredObjects += Math.max(1, Math.ceil(bytes / bufferBytes));
  const ingestion = (totals.billedBytes / GB) * prices.firehoseIngestionPerGB;
  const formatConversion = (totals.billedBytes / GB) * prices.formatConversionPerGB;
  const dynamicPartitioning = (totals.estimatedBytes / GB) * prices.dynamicPartitioningPerGB + (deliveredObjects / 1000) * prices.dynamicPartitioningPer1000Objects;

  const holdMs = options.holdMs ?? partitionHoldMs(options.config);
  const estimatedPartitions = partitionBytes.size;
  const windows = Math.ceil(estimatedPartitions / options.maxActivePartitions);
  return {
    source: options.source,
    format: options.format,
    range: { from: options.range?.from, to: options.range?.to },
    tables: [...tables].sort(),
    objects: planned,
    days: [...days.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)),
    totals: { ...totals, estimatedBytes: Math.round(totals.estimatedBytes) },
    partitions: {
      estimated: estimatedPartitions,
      maxActive: options.maxActivePartitions,
      holdSeconds: holdMs / 1000,
      windows,
      minimumSeconds: Math.max(0, windows - 1) * (holdMs / 1000),
    },
    cost: {
      ingestion: round(ingestion),
      formatConversion: round(formatConversion),
      dynamicPartitioning: round(dynamicPartitioning),
      total: round(ingestion + formatConversion + dynamicPartitioning),
      deliveredObjects,
      currency: 'USD',
    },
    estimates: Object.fromEntries(options.estimates),
    recordBytes,
    listing: options.listing,
  };
}

function round(dollars: number): number {
  return Math.round(dollars * 1e6) / 1e6;
}
