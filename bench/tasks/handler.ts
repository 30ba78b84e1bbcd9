import { createReadStream } from 'node:fs';
import { shipObject } from '../../src/ingest/shipper.js';
import {
  transformFirehoseEvent,
  type FirehoseInputRecord,
  type FirehoseTransformEvent,
} from '../../src/transforms/firehose-transform.js';
import { formatOf } from '../../src/transforms/registry.js';
import type { TableName } from '../../src/transforms/schema.js';
import { best, timed, type Rep } from '../lib/timing.js';

/**
 * The Firehose transform handler on packed records. Untimed: packing the file into records with the
 * shipper itself (`shipObject`: lines grouped by event hour, cut at `recordBytes`, the CloudFront
 * header leading each record), base64-encoding them, and batching them into invocations of at most
 * `eventBytes` of record data (Firehose's processor buffer). Timed: `transformFirehoseEvent` on every
 * invocation; and, reported apart, `JSON.stringify` of its response (what the Lambda runtime does
 * with the returned object).
 */

export interface HandlerArgs {
  readonly format: TableName;
  readonly path: string;
  readonly recordBytes: number;
  readonly eventBytes: number;
  readonly reps: number;
  /** Use only the first invocations holding this many input bytes (0: all). */
  readonly maxInputBytes?: number;
}

export interface HandlerResult {
  readonly events: number;
  readonly records: number;
  readonly lines: number;
  readonly rows: number;
  readonly errorRows: number;
  readonly failedRecords: number;
  /** Decoded record bytes (the log text). */
  readonly inputBytes: number;
  /** JSON text returned (decoded), and the serialized responses' length. */
  readonly outputBytes: number;
  readonly responseBytes: number;
  readonly reps: Rep[];
  readonly best: Rep;
  /** CPU milliseconds of `JSON.stringify(response)` in the best repetition. */
  readonly serializeCpuMs: number;
  /** Largest resident set size seen after an invocation, MiB (the whole process, input data included). */
  readonly maxRssMiB: number;
}

export async function run(args: HandlerArgs): Promise<HandlerResult> {
  const format = formatOf(args.format);
  const records: Buffer[] = [];
  await shipObject({
    key: args.path,
    body: createReadStream(args.path),
    format,
    recordBytes: args.recordBytes,
    maxBufferedBytes: 16 << 20,
    sink: (record) => {
      records.push(record.data);
    },
  });

  const events: FirehoseTransformEvent[] = [];
  let batch: FirehoseInputRecord[] = [];
  let batchBytes = 0;
  let inputBytes = 0;
  const close = (): void => {
    if (batch.length === 0) return;
    events.push({ invocationId: `bench-${events.length}`, deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/bench', region: 'us-east-1', records: batch });
    batch = [];
    batchBytes = 0;
  };
  for (const data of records) {
    if (args.maxInputBytes && inputBytes >= args.maxInputBytes) break;
    if (batch.length > 0 && batchBytes + data.length > args.eventBytes) close();
    batch.push({ recordId: `${events.length}-${batch.length}`, approximateArrivalTimestamp: Date.UTC(2026, 2, 1), data: data.toString('base64') });
    batchBytes += data.length;
    inputBytes += data.length;
  }
  close();
  const recordCount = events.reduce((n, e) => n + e.records.length, 0);
  records.length = 0;

  const reps: Rep[] = [];
  const serializeMs: number[] = [];
  let maxRss = 0;
  let totals = { lines: 0, rows: 0, errorRows: 0, failedRecords: 0, outputBytes: 0, responseBytes: 0 };
  for (let r = 0; r < args.reps; r++) {
    let serializeCpu = 0;
    const { rep, value } = await timed(() => {
      const t = { lines: 0, rows: 0, errorRows: 0, failedRecords: 0, outputBytes: 0, responseBytes: 0 };
      for (const event of events) {
        const { response, stats } = transformFirehoseEvent(event, { format });
        const cpu0 = process.cpuUsage();
        t.responseBytes += JSON.stringify(response).length;
        const cpu = process.cpuUsage(cpu0);
        maxRss = Math.max(maxRss, process.memoryUsage.rss());
        serializeCpu += (cpu.user + cpu.system) / 1000;
        t.lines += stats.lines;
        t.rows += stats.rows;
        t.errorRows += stats.errorRows;
        t.failedRecords += stats.failedRecords;
        t.outputBytes += stats.outputBytes;
      }
      return t;
    });
    // The handler's own time: the serialization is reported apart.
    reps.push({ wallMs: rep.wallMs - serializeCpu, cpuMs: rep.cpuMs - serializeCpu });
    serializeMs.push(serializeCpu);
    totals = value;
  }
  const bestRep = best(reps);
  return { events: events.length, records: recordCount, inputBytes, ...totals, reps, best: bestRep, serializeCpuMs: serializeMs[reps.indexOf(bestRep)], maxRssMiB: maxRss / 2 ** 20 };
}
