import { FIREHOSE_LIMITS } from '../config/limits.js';
import { MAX_RESPONSE_BYTES } from '../transforms/firehose-transform.js';
import { REQUEST_ENVELOPE_BYTES, RESPONSE_ENVELOPE_BYTES } from './simulator.js';

/**
 * The largest Lambda-processor buffer whose transform response stays under Lambda's 6 MB payload
 * limit, given how much the transform expands its input.
 *
 * A batch reaches the processor's size hint and is sent: it can hold up to the hint plus one
 * record (the one that crossed it). Its response carries each record's JSON as base64 (4/3) with
 * an envelope per record. So with expansion `e`, records of up to `R` bytes and `r̄` on average,
 *
 *     (hint + R) × (e × 4/3 + envelope / r̄) ≤ limit
 *
 * and the same for the request (the input as base64). The hint is rounded down to 0.1 MiB and kept
 * within Firehose's 0.2–3 MiB.
 */

const MiB = 1024 * 1024;

/** The response size at which the transform starts failing records: Lambda's limit less the transform's margin. */
export function responseLimitBytes(): number {
  return Math.min(FIREHOSE_LIMITS.lambdaPayloadBytes, MAX_RESPONSE_BYTES);
}

export interface ProcessorAdviceInput {
  /** Worst JSON expansion of a record (output bytes / input bytes). */
  readonly expansion: number;
  /** Largest record the shipper sends, bytes. */
  readonly maxRecordBytes: number;
  /** Mean record size, bytes. */
  readonly meanRecordBytes: number;
}

export interface ProcessorAdvice {
  /** The safe maximum processor buffer, MiB (within Firehose's range). */
  readonly bufferSizeMiB: number;
  /** False when even Firehose's smallest buffer can overflow the response (records too large for the expansion). */
  readonly safe: boolean;
  /** The largest batch input that stays under the limit, bytes. */
  readonly maxBatchBytes: number;
  /** Estimated response for a full batch at the advised buffer, bytes, and the limit. */
  readonly worstResponseBytes: number;
  readonly limitBytes: number;
  readonly expansion: number;
}

export function worstResponseBytes(batchBytes: number, input: ProcessorAdviceInput): number {
  return 16 + batchBytes * ((input.expansion * 4) / 3 + RESPONSE_ENVELOPE_BYTES / Math.max(1, input.meanRecordBytes));
}

export function adviseProcessorBuffer(input: ProcessorAdviceInput): ProcessorAdvice {
  const limit = responseLimitBytes();
  const perResponseByte = worstResponseBytes(1, input) - 16;
  const perRequestByte = 4 / 3 + REQUEST_ENVELOPE_BYTES / Math.max(1, input.meanRecordBytes);
  const maxBatchBytes = Math.floor((limit - 16) / Math.max(perResponseByte, perRequestByte));
  const hintBytes = maxBatchBytes - input.maxRecordBytes;
  const min = FIREHOSE_LIMITS.minProcessorBufferMiB;
  const max = FIREHOSE_LIMITS.maxProcessorBufferMiB;
  const tenths = Math.floor((hintBytes / MiB) * 10 + 1e-9) / 10;
  const bufferSizeMiB = Math.min(max, Math.max(min, tenths));
  return {
    bufferSizeMiB,
    safe: tenths >= min,
    maxBatchBytes,
    worstResponseBytes: worstResponseBytes(bufferSizeMiB * MiB + input.maxRecordBytes, input),
    limitBytes: limit,
    expansion: input.expansion,
  };
}
