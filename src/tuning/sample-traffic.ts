import type { S3Client } from '@aws-sdk/client-s3';
import { billedBytes } from '../ingest/firehose-sender.js';
import type { PackedRecord } from '../ingest/packer.js';
import { shipObject } from '../ingest/shipper.js';
import { listSource } from '../ingest/sources.js';
import { transformRecordText } from '../transforms/firehose-transform.js';
import { LineKind } from '../transforms/format.js';
import { formatOf } from '../transforms/registry.js';
import type { TableName } from '../transforms/schema.js';
import { byArrival, type StreamTraffic, type Traffic, type TrafficProfile, type TrafficRecord } from './traffic.js';

/**
 * The arrival process of sample log files, as the pipeline would see it.
 *
 * Each object goes through the shipper's own code (`shipObject`: lines grouped by event-time
 * partition, packed into records of `recordBytes`), so record counts and sizes — and the 5 KB
 * rounding Firehose bills on them — are exactly what the shipper would send. Each record then goes
 * through the real transform (`transformRecordText`) for its JSON output size and partition.
 *
 * When does a record reach Firehose? AWS writes a log object after its window closes (ALB, ELB,
 * VPC: every 5 minutes; CloudFront: about hourly; CloudTrail: about every 5 minutes), the S3 event
 * reaches the ingest Lambda, and it ships the whole object at once. So by default (`object`) every
 * record of an object arrives at the object's last event time plus `lagMs` (log delivery, S3
 * event, SQS and Lambda — 60 s by default). `line` models a source shipped as it is written: a
 * record arrives at the newest event time among its lines plus `lagMs` (a record without any
 * readable time, at its object's last). Records keep the shipper's order among equal arrivals.
 */

export type ArrivalModel = 'object' | 'line';

export interface SampleTrafficOptions {
  /** Directories, files or `s3://bucket/prefix` URLs. */
  readonly paths: readonly string[];
  /** @default 'object' */
  readonly arrival?: ArrivalModel;
  /** Delay from the event time (object: its last event) to the record reaching Firehose. @default 60 000 */
  readonly lagMs?: number;
  /** The shipper's packing (config `shipper.recordKiB`, `shipper.maxBufferedMiB`), in bytes. */
  readonly recordBytes: number;
  readonly maxBufferedBytes: number;
  /** Keep each record's data (for replaying into the local delivery stream in tests). */
  readonly keepData?: boolean;
  /** JSON documents kept per table for measuring the Parquet ratio, up to this many bytes. @default 0 */
  readonly sliceBytes?: number;
  readonly s3?: S3Client;
  /** Called after each object (progress). */
  readonly onObject?: (key: string) => void;
  /** Called once the objects are listed. */
  readonly onListed?: (objects: number) => void;
}

export interface SampleTraffic extends Traffic {
  readonly objects: { readonly shipped: number; readonly skipped: number; readonly unknown: number };
  /** JSON documents per table, a slice of the sample, for measuring the Parquet ratio. */
  readonly slices: ReadonlyMap<TableName, readonly string[]>;
}

interface PendingRecord {
  readonly table: TableName;
  readonly record: PackedRecord;
  /** Oldest and newest event times among the record's lines; NaN when none is readable. */
  readonly oldest: number;
  readonly newest: number;
}

interface TableAccumulator {
  records: TrafficRecord[];
  lines: number;
  inputBytes: number;
  jsonBytes: number;
  expansionMax: number;
  maxRecordBytes: number;
  transformMs: number;
  slice: string[];
  sliceBytes: number;
}

export const DEFAULT_LAG_MS = 60_000;

export async function loadSampleTraffic(options: SampleTrafficOptions): Promise<SampleTraffic> {
  const arrival = options.arrival ?? 'object';
  const lagMs = options.lagMs ?? DEFAULT_LAG_MS;
  const sliceLimit = options.sliceBytes ?? 0;
  const tables = new Map<TableName, TableAccumulator>();
  const objects = { shipped: 0, skipped: 0, unknown: 0 };
  let first = Infinity;
  let last = -Infinity;
  let untimedRecords = 0;
  const untimed: { table: TableName; record: PackedRecord }[] = [];

  const listed = [];
  for (const path of options.paths) for await (const object of listSource(path, options.s3)) listed.push(object);
  options.onListed?.(listed.length);

  for (const object of listed) {
    const pending: PendingRecord[] = [];
    const result = await shipObject({
      key: object.key,
      body: await object.open(),
      recordBytes: options.recordBytes,
      maxBufferedBytes: options.maxBufferedBytes,
      sink: (record, table) => {
        pending.push({ table, record, ...eventRange(table, record.data) });
      },
    });
    options.onObject?.(object.key);
    if (result.status !== 'shipped') {
      objects[result.status === 'skipped' ? 'skipped' : 'unknown']++;
      continue;
    }
    objects.shipped++;
    let objectNewest = NaN;
    for (const p of pending) {
      objectNewest = later(objectNewest, p.newest);
      if (p.oldest < first) first = p.oldest;
      if (p.newest > last) last = p.newest;
    }
    for (const p of pending) {
      const time = arrival === 'object' || Number.isNaN(p.newest) ? objectNewest : p.newest;
      if (Number.isNaN(time)) {
        untimed.push(p);
        continue;
      }
      addRecord(p.table, p.record, time + lagMs);
    }
    const lines = result.dataLines;
    if (result.table !== undefined) accumulator(result.table as TableName).lines += lines;
  }

  function accumulator(table: TableName): TableAccumulator {
    let acc = tables.get(table);
    if (acc === undefined) {
      acc = { records: [], lines: 0, inputBytes: 0, jsonBytes: 0, expansionMax: 0, maxRecordBytes: 0, transformMs: 0, slice: [], sliceBytes: 0 };
      tables.set(table, acc);
    }
    return acc;
  }

  function addRecord(table: TableName, record: PackedRecord, at: number): void {
    const acc = accumulator(table);
    const text = record.data.toString('utf8');
    const started = performance.now();
    const transformed = transformRecordText(formatOf(table), text, at);
    acc.transformMs += performance.now() - started;
    const jsonBytes = transformed.result === 'Ok' ? Buffer.byteLength(transformed.text) : 0;
    const bytes = record.data.length;
    acc.inputBytes += bytes;
    acc.jsonBytes += jsonBytes;
    acc.maxRecordBytes = Math.max(acc.maxRecordBytes, bytes);
    if (bytes >= 1024) acc.expansionMax = Math.max(acc.expansionMax, jsonBytes / bytes);
    if (acc.sliceBytes < sliceLimit && jsonBytes > 0) {
      for (const doc of transformed.text.split('\n')) if (doc.length > 0) acc.slice.push(doc);
      acc.sliceBytes += jsonBytes;
    }
    acc.records.push({
      arrival: at,
      bytes,
      billedBytes: billedBytes(bytes),
      jsonBytes,
      dt: transformed.partition?.dt ?? '',
      hour: transformed.partition?.hour ?? '',
      records: 1,
      rows: transformed.rows + transformed.errorRows,
      ...(options.keepData ? { data: record.data } : {}),
    });
  }

  // Objects without a single readable event time: placed at the start of the window.
  for (const { table, record } of untimed) {
    untimedRecords++;
    addRecord(table, record, (Number.isFinite(first) ? first : 0) + lagMs);
  }

  const streams: StreamTraffic[] = [];
  const slices = new Map<TableName, readonly string[]>();
  for (const [table, acc] of [...tables].sort(([a], [b]) => a.localeCompare(b))) {
    if (acc.records.length === 0) continue;
    const profile: TrafficProfile = {
      expansionMean: acc.inputBytes > 0 ? acc.jsonBytes / acc.inputBytes : 0,
      expansionMax: acc.expansionMax > 0 ? acc.expansionMax : acc.inputBytes > 0 ? acc.jsonBytes / acc.inputBytes : 0,
      transformBytesPerSecond: acc.transformMs > 0 ? (acc.inputBytes / acc.transformMs) * 1000 : undefined,
      maxRecordBytes: acc.maxRecordBytes,
      meanRecordBytes: acc.inputBytes / acc.records.length,
    };
    streams.push({ table, records: byArrival(acc.records), aggregated: false, profile, lines: acc.lines });
    slices.set(table, acc.slice);
  }

  const notes = [
    arrival === 'object'
      ? `arrival: every record of a log object reaches Firehose at the object's last event time + ${lagMs / 1000} s (objects are written after their window closes)`
      : `arrival: each record reaches Firehose at its newest line's event time + ${lagMs / 1000} s (lines shipped as they are logged)`,
    `packing: the shipper's own (records of up to ${Math.round(options.recordBytes / 1024)} KiB, one event hour each)`,
  ];
  if (untimedRecords > 0) notes.push(`${untimedRecords} record(s) of objects without a readable event time placed at the start of the window`);
  if (objects.skipped + objects.unknown > 0) notes.push(`${objects.skipped} non-log and ${objects.unknown} unrecognised object(s) ignored`);

  return {
    source: 'sample',
    startMs: Number.isFinite(first) ? first : 0,
    endMs: Number.isFinite(last) ? last : 0,
    streams,
    scale: 1,
    notes,
    objects,
    slices,
  };
}

/** The later of two times, NaN meaning "none". */
function later(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  return b > a ? b : a;
}

/** The oldest and newest event times (epoch ms) among a record's lines, NaN when none has a readable time. */
function eventRange(table: TableName, data: Buffer): { oldest: number; newest: number } {
  const parser = formatOf(table).createParser();
  const text = data.toString('utf8');
  let oldest = NaN;
  let newest = NaN;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
    if (parser.parse(line) === LineKind.Skip || parser.timestamp === '') continue;
    const ms = Date.parse(parser.timestamp);
    if (Number.isNaN(ms)) continue;
    newest = later(newest, ms);
    if (Number.isNaN(oldest) || ms < oldest) oldest = ms;
  }
  return { oldest, newest };
}
