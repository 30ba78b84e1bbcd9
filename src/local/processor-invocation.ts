import { randomUUID } from 'node:crypto';
import { FIREHOSE_LIMITS } from '../config/limits.js';
import { decodeBase64 } from '../transforms/base64.js';
import {
  type FirehoseOutputRecord,
  type FirehoseTransformEvent,
  type FirehoseTransformResponse,
  type TransformResult,
} from '../transforms/firehose-transform.js';

/**
 * One invocation of a delivery stream's Lambda processor, as Firehose makes it: the records become
 * the real event (base64 data), the transform runs, and its response is checked the way Firehose
 * checks it (every id once, known results, base64 data, partition keys, 6 MB). The outcome carries
 * each Ok record's documents decoded.
 *
 * Pure of stream state, so it can run beside the stream or in a worker thread (see processor-pool).
 */

export interface InvocationRecord {
  readonly recordId: string;
  /** Arrival time, epoch milliseconds. */
  readonly arrival: number;
  /** The record's data, base64 (as the event carries it). */
  readonly data: string;
}

export interface InvocationRequest {
  readonly deliveryStreamArn: string;
  readonly region: string;
  readonly records: readonly InvocationRecord[];
}

export interface CheckedOutput {
  readonly recordId: string;
  readonly result: TransformResult;
  /** Set when `result` is Ok. */
  readonly partition?: { readonly dt: string; readonly hour: string };
  /** Newline-separated JSON documents (UTF-8), when `result` is Ok. */
  readonly documents?: Uint8Array;
  /** Gives `documents`' memory back for reuse once they are no longer needed (set by a worker pool). */
  release?: () => void;
}

/** Memory to decode an output's documents into: at least `size` bytes (a worker reuses its buffers). */
export type DocumentMemory = (size: number) => ArrayBuffer;

export type InvocationOutcome =
  | { readonly ok: true; readonly outputs: readonly CheckedOutput[] }
  | { readonly ok: false; readonly code: string; readonly message: string };

export type TransformInvoker = (event: FirehoseTransformEvent) => FirehoseTransformResponse | Promise<FirehoseTransformResponse>;

/** Runs one processor invocation; never throws (an invocation that fails is an outcome). */
export type ProcessorInvoker = (request: InvocationRequest) => Promise<InvocationOutcome>;

/** The invoker that runs `transform` in this thread, decoding documents into reused buffers. */
export function inProcessInvoker(transform: TransformInvoker): ProcessorInvoker {
  const buffers = new DocumentBuffers();
  return async (request) => withRelease(await invokeProcessor(transform, request, (size) => buffers.take(size)), (buffer) => buffers.giveBack(buffer));
}

/** Sets each Ok output's `release` to give its documents' buffer back (to where it was taken from). */
export function withRelease(outcome: InvocationOutcome, giveBack: (buffer: ArrayBuffer) => void): InvocationOutcome {
  if (outcome.ok) {
    for (const output of outcome.outputs) {
      const buffer = output.documents?.buffer;
      if (buffer instanceof ArrayBuffer) output.release = () => giveBack(buffer);
    }
  }
  return outcome;
}

/**
 * Buffers that output documents are decoded into, reused once given back (`CheckedOutput.release`).
 * Documents wait for their partition-buffer write; fresh buffers per invocation then pile up as
 * garbage until the next full collection. Reusing them lowered the benchmark pipeline's peak
 * memory by ~30 MiB with a worker thread and made it ~7 % faster without one.
 */
export class DocumentBuffers {
  private readonly free: ArrayBuffer[] = [];

  /** The smallest free buffer of at least `size` bytes, or a new one. */
  take(size: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i].byteLength >= size && (best < 0 || this.free[i].byteLength < this.free[best].byteLength)) best = i;
    }
    if (best < 0) return new ArrayBuffer(Math.max(BUFFER_ROUNDING, Math.ceil(size / BUFFER_ROUNDING) * BUFFER_ROUNDING));
    return this.free.splice(best, 1)[0];
  }

  giveBack(buffer: ArrayBuffer): void {
    if (this.free.length < MAX_FREE_BUFFERS && buffer.byteLength > 0) this.free.push(buffer);
  }
}

const MAX_FREE_BUFFERS = 64;
const BUFFER_ROUNDING = 256 * 1024;

export async function invokeProcessor(transform: TransformInvoker, request: InvocationRequest, memory?: DocumentMemory): Promise<InvocationOutcome> {
  const event: FirehoseTransformEvent = {
    invocationId: randomUUID(),
    deliveryStreamArn: request.deliveryStreamArn,
    region: request.region,
    records: request.records.map((r) => ({ recordId: r.recordId, approximateArrivalTimestamp: r.arrival, data: r.data })),
  };
  let response: FirehoseTransformResponse;
  try {
    response = await transform(event);
  } catch (error) {
    return functionError((error as Error)?.message ?? String(error));
  }
  return checkResponse(request.records, response, memory);
}

/** The outcome of an invocation that failed (threw, or could not be run), as Firehose reports it. */
export function functionError(reason: string): InvocationOutcome {
  return failure('Lambda.FunctionError', `The Lambda function was invoked and failed: ${reason}`);
}

/**
 * Firehose's checks of a transform response: every id once, known results, base64 data, partition
 * keys, size. Returns the failure, or each output record checked and decoded, in response order.
 */
export function checkResponse(records: readonly { recordId: string }[], response: unknown, memory?: DocumentMemory): InvocationOutcome {
  const outputs = (response as FirehoseTransformResponse | undefined)?.records;
  if (!Array.isArray(outputs)) return failure('Lambda.JsonProcessingException', 'response has no records array');
  let size = 16;
  for (const output of outputs as FirehoseOutputRecord[]) {
    size += 120 + String(output?.recordId).length + (typeof output?.data === 'string' ? output.data.length : 0);
  }
  if (size > FIREHOSE_LIMITS.lambdaPayloadBytes) {
    return failure('Lambda.FunctionError', `response of ${size} bytes exceeds the 6 MB Lambda payload limit`);
  }
  const checked: CheckedOutput[] = [];
  const expected = new Set(records.map((r) => r.recordId));
  const seen = new Set<string>();
  for (const output of outputs as FirehoseOutputRecord[]) {
    const id = output?.recordId;
    if (typeof id !== 'string' || !expected.has(id)) return failure('Lambda.MissingRecordId', `unexpected recordId ${String(id)}`);
    if (seen.has(id)) return failure('Lambda.DuplicatedRecordId', `recordId ${id} returned more than once`);
    seen.add(id);
    const result = output.result;
    if (result !== 'Ok' && result !== 'Dropped' && result !== 'ProcessingFailed') {
      return failure('Lambda.InvalidReturnedResult', `record ${id}: invalid result ${String(result)}`);
    }
    const documents = result === 'Ok' && typeof output.data === 'string' ? decodeDocuments(output.data, memory) : undefined;
    if (typeof output.data !== 'string' || (result === 'Ok' && documents === undefined)) {
      return failure('Lambda.InvalidDataEncoding', `record ${id}: data is not base64`);
    }
    if (result !== 'Ok') {
      checked.push({ recordId: id, result });
      continue;
    }
    const keys = output.metadata?.partitionKeys;
    if (typeof keys?.dt !== 'string' || typeof keys?.hour !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(keys.dt) || !/^\d\d$/.test(keys.hour)) {
      return failure('DynamicPartitioning.MetadataExtractionFailed', `record ${id}: partitionKeys dt/hour missing or malformed`);
    }
    checked.push({ recordId: id, result, partition: { dt: keys.dt, hour: keys.hour }, documents });
  }
  if (seen.size !== expected.size) {
    return failure('Lambda.MissingRecordId', `${expected.size - seen.size} recordId(s) missing from the response`);
  }
  return { ok: true, outputs: checked };
}

function decodeDocuments(data: string, memory: DocumentMemory | undefined): Buffer | undefined {
  return decodeBase64(data, memory && ((size) => Buffer.from(memory(size), 0, size)));
}

function failure(code: string, message: string): InvocationOutcome {
  return { ok: false, code, message };
}
