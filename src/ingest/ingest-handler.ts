import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Readable } from 'node:stream';
import { FirehoseSender } from './firehose-sender.js';
import { parseS3EventMessage, type ObjectRef } from './s3-events.js';
import { shipObject, type ShipResult } from './shipper.js';

/**
 * The ingest Lambda's work, with its clients injected: each SQS message names log objects; each
 * object is streamed from S3 through the shipper into the table's delivery stream. A message whose
 * objects could not all be delivered is reported in `batchItemFailures`, so SQS redelivers it
 * (and after N receives moves it to the DLQ). Unknown and non-log objects are reported, not failed.
 */

export interface IngestDeps {
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  readonly streamName: string;
  /** The table this function serves; objects of other formats are reported as unknown. */
  readonly table?: string;
  readonly recordBytes: number;
  readonly maxBufferedBytes: number;
  readonly maxRetries: number;
  /** Record bytes per PutRecordBatch call. @default 4 MiB */
  readonly maxBatchBytes?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, details: Record<string, unknown>) => void;
  /** Injected for tests (backoff sleeps). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface IngestOutcome extends SQSBatchResponse {
  readonly results: readonly ShipResult[];
}

export async function shipS3Object(ref: ObjectRef, deps: IngestDeps, sender: FirehoseSender): Promise<ShipResult> {
  const object = await deps.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  if (object.Body === undefined) throw new Error(`s3://${ref.bucket}/${ref.key}: empty response body`);
  const body = object.Body as Readable;
  try {
    return await shipObject({
      key: ref.key,
      body,
      table: deps.table,
      recordBytes: deps.recordBytes,
      maxBufferedBytes: deps.maxBufferedBytes,
      sink: (record) => sender.put(record.data),
    });
  } catch (error) {
    // Release the connection of an object read only in part.
    body.destroy?.();
    throw error;
  }
}

export async function handleSqsEvent(event: SQSEvent, deps: IngestDeps): Promise<IngestOutcome> {
  const log = deps.log ?? (() => undefined);
  const batchItemFailures: { itemIdentifier: string }[] = [];
  const results: ShipResult[] = [];
  for (const message of event.Records ?? []) {
    const parsed = parseS3EventMessage(message.body);
    if (parsed.kind === 'test-event') {
      log('info', 'ignored s3:TestEvent', { messageId: message.messageId });
      continue;
    }
    if (parsed.kind === 'invalid') {
      // Not retryable: redelivery would not make it valid. Reported, and left out of the failures.
      log('error', 'unreadable message', { messageId: message.messageId, reason: parsed.reason });
      continue;
    }
    const sender = new FirehoseSender({
      client: deps.firehose,
      streamName: deps.streamName,
      maxRetries: deps.maxRetries,
      maxBatchBytes: deps.maxBatchBytes,
      sleep: deps.sleep,
    });
    try {
      for (const ref of parsed.objects) {
        const result = await shipS3Object(ref, deps, sender);
        results.push(result);
        const level = result.status === 'shipped' ? 'info' : 'warn';
        log(level, `object ${result.status}`, { bucket: ref.bucket, ...result });
      }
      await sender.flush();
    } catch (error) {
      await sender.abandon();
      log('error', 'message failed; SQS will redeliver it', {
        messageId: message.messageId,
        error: (error as Error).message,
      });
      batchItemFailures.push({ itemIdentifier: message.messageId });
    }
  }
  return { batchItemFailures, results };
}
