import { FIREHOSE_LIMITS } from '../config/limits.js';
import type { TableName } from '../transforms/schema.js';

/**
 * The arrival process the tuning simulator replays: what reaches one Firehose stream (one table),
 * record by record, with what the transform makes of each record. Built from sample log files
 * (`sample-traffic.ts`), from a deployed stream's CloudWatch metrics (`cloudwatch-traffic.ts`), or
 * synthetically (tests).
 */

export interface TrafficRecord {
  /** When the record reaches Firehose (epoch ms). */
  readonly arrival: number;
  /** Record data as sent (before base64), bytes. Aggregated items: the sum. */
  readonly bytes: number;
  /** Bytes Firehose bills for ingestion: each record rounded up to 5 KB. */
  readonly billedBytes: number;
  /** The transform's output for the record (newline-terminated JSON documents), bytes; 0 when it is Dropped. */
  readonly jsonBytes: number;
  /** The record's event-time partition as the transform returns it (`YYYY-MM-DD`, `HH`); '' when Dropped. */
  readonly dt: string;
  readonly hour: string;
  /** Firehose records this item stands for: 1 from samples, more for a CloudWatch aggregate. */
  readonly records: number;
  /** JSON documents (rows and error rows) in the output. */
  readonly rows: number;
  /** The record's data, kept only on request (to replay the same records into the local delivery stream). */
  readonly data?: Buffer;
}

/** What the traffic says about the data itself (measured on samples, or given). */
export interface TrafficProfile {
  /** JSON bytes out of the transform per input byte, over all records. */
  readonly expansionMean: number;
  /** The highest expansion of any one record of at least 1 KiB (the worst case a processor batch can hit). */
  readonly expansionMax: number;
  /** Estimated Parquet bytes per JSON byte; undefined until measured or given. */
  readonly parquetRatio?: number;
  /** How the Parquet ratio was obtained, for the report. */
  readonly parquetRatioSource?: string;
  /** The transform's throughput measured on this machine, input bytes per second (undefined: not measured). */
  readonly transformBytesPerSecond?: number;
  /** Largest record seen (bytes), and the mean. */
  readonly maxRecordBytes: number;
  readonly meanRecordBytes: number;
}

export interface StreamTraffic {
  readonly table: TableName;
  /** Records sorted by arrival (stable). */
  readonly records: readonly TrafficRecord[];
  /** True when records stand for many Firehose records each (CloudWatch minutes). */
  readonly aggregated: boolean;
  readonly profile: TrafficProfile;
  /** Source lines (samples) behind the records, when known. */
  readonly lines?: number;
}

export interface Traffic {
  readonly source: 'sample' | 'cloudwatch' | 'synthetic';
  /** The window the traffic covers (epoch ms); monthly figures scale from its length. */
  readonly startMs: number;
  readonly endMs: number;
  readonly streams: readonly StreamTraffic[];
  /** Traffic multiplier applied (`--scale`). */
  readonly scale: number;
  /** How the arrival process was modelled, and anything skipped, for the report. */
  readonly notes: readonly string[];
}

export const DAY_MS = 86_400_000;
/** Monthly figures are for 30 days. */
export const MONTH_DAYS = 30;

export function durationDays(traffic: Pick<Traffic, 'startMs' | 'endMs'>): number {
  return (traffic.endMs - traffic.startMs) / DAY_MS;
}

/** The factor that turns totals over the traffic's window into totals over a 30-day month. */
export function monthFactor(traffic: Pick<Traffic, 'startMs' | 'endMs'>): number {
  const days = durationDays(traffic);
  if (!(days > 0)) throw new Error('the traffic window is empty');
  return MONTH_DAYS / days;
}

/**
 * `x` times the traffic. Sample records are copied (⌊x⌋ copies of each, one more for a share
 * `x − ⌊x⌋` of them, spread evenly and deterministically), arriving with their originals — as if
 * `x` times as many log objects landed; fewer than one copy thins the traffic. Aggregated items
 * (CloudWatch minutes) are multiplied in place.
 */
export function scaleTraffic(traffic: Traffic, x: number): Traffic {
  if (!(x > 0) || !Number.isFinite(x)) throw new Error(`scale must be a positive number, got ${x}`);
  if (x === 1) return traffic;
  const streams = traffic.streams.map((stream): StreamTraffic => {
    if (stream.aggregated) {
      return {
        ...stream,
        records: stream.records.map((r) => ({
          ...r,
          bytes: r.bytes * x,
          billedBytes: r.billedBytes * x,
          jsonBytes: r.jsonBytes * x,
          records: r.records * x,
          rows: r.rows * x,
        })),
      };
    }
    const records: TrafficRecord[] = [];
    let accumulated = 0;
    for (const record of stream.records) {
      const before = Math.floor(accumulated + 1e-9);
      accumulated += x;
      const copies = Math.floor(accumulated + 1e-9) - before;
      for (let i = 0; i < copies; i++) records.push(record);
    }
    return { ...stream, records, lines: stream.lines === undefined ? undefined : Math.round(stream.lines * x) };
  });
  return { ...traffic, streams, scale: traffic.scale * x };
}

/** Sorts records by arrival, keeping the order of records that arrive together. */
export function byArrival(records: TrafficRecord[]): TrafficRecord[] {
  return records.sort((a, b) => a.arrival - b.arrival);
}

export interface SteadyTrafficOptions {
  readonly table: TableName;
  readonly startMs: number;
  readonly hours: number;
  /** Records per minute, evenly spaced. */
  readonly recordsPerMinute: number;
  readonly recordBytes: number;
  /** JSON bytes per input byte. */
  readonly expansion: number;
  readonly parquetRatio: number;
  /** Event time = arrival − lag (decides the partition). @default 0 */
  readonly lagMs?: number;
  /** @default 100 MB/s */
  readonly transformBytesPerSecond?: number;
}

/** A synthetic, steady arrival process of one stream (tests and what-ifs). */
export function steadyTraffic(options: SteadyTrafficOptions): Traffic {
  const records: TrafficRecord[] = [];
  const total = Math.round(options.hours * 60 * options.recordsPerMinute);
  const spacing = 60_000 / options.recordsPerMinute;
  const billed = Math.max(1, Math.ceil(options.recordBytes / FIREHOSE_LIMITS.billingRecordBytes)) * FIREHOSE_LIMITS.billingRecordBytes;
  for (let i = 0; i < total; i++) {
    const arrival = options.startMs + Math.floor(i * spacing);
    const event = new Date(arrival - (options.lagMs ?? 0)).toISOString();
    records.push({
      arrival,
      bytes: options.recordBytes,
      billedBytes: billed,
      jsonBytes: Math.round(options.recordBytes * options.expansion),
      dt: event.slice(0, 10),
      hour: event.slice(11, 13),
      records: 1,
      rows: 1,
    });
  }
  return {
    source: 'synthetic',
    startMs: options.startMs,
    endMs: options.startMs + options.hours * 3_600_000,
    scale: 1,
    notes: [`synthetic: ${options.recordsPerMinute} records/min of ${options.recordBytes} bytes for ${options.hours} h`],
    streams: [
      {
        table: options.table,
        records,
        aggregated: false,
        profile: {
          expansionMean: options.expansion,
          expansionMax: options.expansion,
          parquetRatio: options.parquetRatio,
          parquetRatioSource: 'given',
          transformBytesPerSecond: options.transformBytesPerSecond ?? 100e6,
          maxRecordBytes: options.recordBytes,
          meanRecordBytes: options.recordBytes,
        },
      },
    ],
  };
}
