import { PartitionedBuffers, SizeIntervalBuffer, type BufferHints, type Flushed } from '../local/buffer.js';
import { VirtualClock } from '../local/clock.js';
import type { TrafficRecord } from './traffic.js';

/**
 * Replays an arrival process through Firehose's buffering on a virtual clock, with the buffering
 * engine of the local delivery stream (`local/buffer.ts`): the processor buffer in front of the
 * Lambda transform, then one buffer per dynamic partition in front of S3.
 *
 * The order of events is the local stream's when driven by a virtual clock: before a record is
 * put, every deadline up to its arrival fires (in time order, each at its own time: processor
 * first, then the partitions due); a processor batch is handed to the partitions record by record
 * at the moment it leaves the processor buffer; at the end, deadlines keep firing until all is
 * delivered. A test replays the same records into `LocalDeliveryStream` and gets the same objects.
 *
 * The transform is not run here: each record carries its output size and partition (measured by
 * the real transform when the traffic was loaded).
 */

export type Granularity = 'hour' | 'day';

export interface SimulationSettings {
  /** S3 buffering hints per partition. */
  readonly buffering: BufferHints;
  readonly granularity: Granularity;
  /** Lambda processor buffering hints. */
  readonly processor: BufferHints;
  /** Active partitions allowed (records for a new partition beyond it go to activePartitionExceeded). */
  readonly maxActivePartitions: number;
  /**
   * Record each processor invocation. @default true. The processor's batches do not depend on the
   * S3 buffering (its deadlines fire at their own times whatever else is due), so a grid records
   * them once per stream.
   */
  readonly recordInvocations?: boolean;
}

export interface SimulatedObject {
  /** `dt=YYYY-MM-DD/hour=HH` (hour granularity) or `dt=YYYY-MM-DD` (day). */
  readonly partition: string;
  /** JSON bytes in the object (what the size hint measures; before Parquet conversion). */
  readonly jsonBytes: number;
  readonly rows: number;
  /** Firehose records whose rows the object holds. */
  readonly records: number;
  readonly openedAt: number;
  readonly deliveredAt: number;
  readonly reason: Flushed<unknown>['reason'];
}

export interface SimulatedInvocation {
  readonly at: number;
  readonly records: number;
  /** Input bytes of the batch (record data before base64). */
  readonly inputBytes: number;
  /** Estimated request and response payloads (JSON envelope, base64 data). */
  readonly requestBytes: number;
  readonly responseBytes: number;
}

export interface StreamSimulation {
  readonly objects: SimulatedObject[];
  readonly invocations: SimulatedInvocation[];
  /** Arrival → delivery of each record's data, ms, with the record's input bytes as weight. */
  readonly latencies: Float64Array;
  readonly latencyWeights: Float64Array;
  readonly peakActivePartitions: number;
  /** Firehose records refused for exceeding the active-partition limit. */
  readonly exceededRecords: number;
  /** Records the transform dropped (no rows). */
  readonly droppedRecords: number;
}

/** Bytes of the event JSON around one record's base64 data (`recordId`, arrival timestamp). */
export const REQUEST_ENVELOPE_BYTES = 100;
/** Bytes of the response JSON around one record's base64 data (`recordId`, `result`, partition keys). */
export const RESPONSE_ENVELOPE_BYTES = 180;

export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

export function partitionKeyOf(record: Pick<TrafficRecord, 'dt' | 'hour'>, granularity: Granularity): string {
  return granularity === 'hour' ? `dt=${record.dt}/hour=${record.hour}` : `dt=${record.dt}`;
}

/** Simulates one delivery stream. `records` must be sorted by arrival. */
export function simulateStream(records: readonly TrafficRecord[], settings: SimulationSettings): StreamSimulation {
  const clock = new VirtualClock(records.length > 0 ? records[0].arrival : 0);
  const processor = new SizeIntervalBuffer<TrafficRecord>(settings.processor);
  const partitions = new PartitionedBuffers<TrafficRecord>(settings.buffering, settings.maxActivePartitions);
  const objects: SimulatedObject[] = [];
  const invocations: SimulatedInvocation[] = [];
  // Each record is delivered at most once: room for all of them, no growing arrays.
  const latencies = new Float64Array(records.length);
  const weights = new Float64Array(records.length);
  let delivered = 0;
  // Partition keys interned per dt (and hour), so the hot loop builds no strings.
  const keys = new Map<string, string | Map<string, string>>();
  const keyOf = (record: TrafficRecord): string => {
    let entry = keys.get(record.dt);
    if (settings.granularity === 'day') {
      if (entry === undefined) keys.set(record.dt, (entry = partitionKeyOf(record, 'day')));
      return entry as string;
    }
    if (entry === undefined) keys.set(record.dt, (entry = new Map<string, string>()));
    const hours = entry as Map<string, string>;
    let key = hours.get(record.hour);
    if (key === undefined) hours.set(record.hour, (key = partitionKeyOf(record, 'hour')));
    return key;
  };
  let exceededRecords = 0;
  let droppedRecords = 0;

  const deliver = (partition: string, flushed: Flushed<TrafficRecord>): void => {
    const now = clock.now();
    let rows = 0;
    let count = 0;
    for (const item of flushed.items) {
      rows += item.rows;
      count += item.records;
      latencies[delivered] = now - item.arrival;
      weights[delivered++] = item.bytes;
    }
    objects.push({ partition, jsonBytes: flushed.bytes, rows, records: count, openedAt: flushed.openedAt, deliveredAt: now, reason: flushed.reason });
  };

  const recordInvocations = settings.recordInvocations ?? true;
  const invoke = (batch: readonly TrafficRecord[]): void => {
    if (!recordInvocations) return;
    let count = 0;
    let inputBytes = 0;
    let requestBytes = 16;
    let responseBytes = 16;
    let aggregated = false;
    for (const item of batch) {
      count += item.records;
      inputBytes += item.bytes;
      aggregated ||= item.records !== 1;
      requestBytes += item.records * REQUEST_ENVELOPE_BYTES + base64Length(item.bytes);
      responseBytes += item.records * RESPONSE_ENVELOPE_BYTES + base64Length(item.jsonBytes);
    }
    // An aggregate (CloudWatch minute) larger than the processor buffer stands for several invocations.
    const split = aggregated ? Math.max(1, Math.ceil(inputBytes / settings.processor.sizeBytes)) : 1;
    for (let i = 0; i < split; i++) {
      invocations.push({
        at: clock.now(),
        records: count / split,
        inputBytes: inputBytes / split,
        requestBytes: requestBytes / split,
        responseBytes: responseBytes / split,
      });
    }
  };

  const process = (batch: Flushed<TrafficRecord>): void => {
    invoke(batch.items);
    const now = clock.now();
    for (const item of batch.items) {
      if (item.jsonBytes === 0) {
        droppedRecords += item.records;
        continue;
      }
      const partition = keyOf(item);
      const buffer = partitions.admit(partition);
      if (buffer === undefined) {
        exceededRecords += item.records;
        continue;
      }
      const flushed = partitions.add(partition, buffer, item, item.jsonBytes, now);
      if (flushed !== undefined) deliver(partition, flushed);
    }
  };

  const tick = (): void => {
    const due = processor.takeIfDue(clock.now());
    if (due !== undefined) process(due);
    for (const [partition, flushed] of partitions.takeDue(clock.now())) deliver(partition, flushed);
  };

  const nextDueAt = (): number => Math.min(processor.dueAt, partitions.nextDueAt);

  for (const record of records) {
    if (record.arrival < clock.now()) throw new Error('simulateStream: records must be sorted by arrival');
    for (let due = nextDueAt(); due <= record.arrival; due = nextDueAt()) {
      clock.set(due);
      tick();
    }
    clock.set(record.arrival);
    const full = processor.add(record, record.bytes, clock.now());
    if (full !== undefined) process(full);
  }
  for (let due = nextDueAt(); due < Infinity; due = nextDueAt()) {
    clock.set(due);
    tick();
  }

  return {
    objects,
    invocations,
    latencies: latencies.subarray(0, delivered),
    latencyWeights: weights.subarray(0, delivered),
    peakActivePartitions: partitions.peakActive,
    exceededRecords,
    droppedRecords,
  };
}
