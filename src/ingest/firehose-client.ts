import { FirehoseClient, type FirehoseClientConfig } from '@aws-sdk/client-firehose';
import { AwsJson1_1Protocol } from '@aws-sdk/core/protocols';

/**
 * Firehose clients for the shipper. PutRecordBatch bodies are built with Node's native base64
 * encoder: the SDK's JSON serializer encodes blobs byte by byte in JavaScript, which was a tenth
 * of the local pipeline's main thread. Every other operation, and everything about the request
 * besides its body (endpoint, headers, signing, retries), stays the SDK's own.
 */

/**
 * A PutRecordBatch body as the SDK writes it: `{"DeliveryStreamName":"…","Records":[{"Data":"…"},…]}`
 * with no spaces. putRecordBatchBody writes it; the local endpoint reads it straight from the bytes.
 */
export const PUT_RECORD_BATCH_JSON = {
  head: '{"DeliveryStreamName":',
  records: ',"Records":[',
  dataOpen: '{"Data":"',
  dataClose: '"}',
  end: ']}',
} as const;

type SerializeArguments = Parameters<AwsJson1_1Protocol['serializeRequest']>;

export class NativeBlobJsonProtocol extends AwsJson1_1Protocol {
  override async serializeRequest<Input extends object>(
    operationSchema: SerializeArguments[0],
    input: Input,
    context: SerializeArguments[2],
  ): ReturnType<AwsJson1_1Protocol['serializeRequest']> {
    const body = operationSchema.name === 'PutRecordBatch' ? putRecordBatchBody(input) : undefined;
    if (body === undefined) return super.serializeRequest(operationSchema, input, context);
    // The SDK's request for the same call without records; its body replaced by the whole one.
    const { Records: _records, ...rest } = input as { Records?: unknown };
    const request = await super.serializeRequest(operationSchema, rest, context);
    request.body = body;
    return request;
  }
}

/**
 * The JSON body of a PutRecordBatch input, or undefined for an input this does not know how to
 * write (then the SDK serializes it). Records' `Data` become base64 strings, as the protocol says.
 */
export function putRecordBatchBody(input: object): Buffer | undefined {
  const { DeliveryStreamName, Records, ...others } = input as { DeliveryStreamName?: unknown; Records?: unknown };
  if (Object.keys(others).length > 0 || typeof DeliveryStreamName !== 'string' || !Array.isArray(Records)) return undefined;
  const encoded: string[] = [];
  for (const record of Records as unknown[]) {
    const data = (record as { Data?: unknown } | null)?.Data;
    if (!(data instanceof Uint8Array) || Object.keys(record as object).length !== 1) return undefined;
    encoded.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'));
  }
  const { head, records, dataOpen, dataClose, end } = PUT_RECORD_BATCH_JSON;
  const start = `${head}${JSON.stringify(DeliveryStreamName)}${records}`;
  // `{"Data":"…"}` per record, commas between, `]}` to close.
  let size = Buffer.byteLength(start) + Math.max(0, encoded.length - 1) + end.length;
  for (const data of encoded) size += dataOpen.length + data.length + dataClose.length;
  const body = Buffer.allocUnsafe(size);
  let at = body.write(start, 0, 'utf8');
  for (let i = 0; i < encoded.length; i++) {
    if (i > 0) body[at++] = 0x2c;
    at += body.write(dataOpen, at, 'latin1');
    at += body.write(encoded[i], at, 'latin1');
    at += body.write(dataClose, at, 'latin1');
  }
  body.write(end, at, 'latin1');
  return body;
}

/** A Firehose client whose PutRecordBatch bodies are built natively (see NativeBlobJsonProtocol). */
export function createFirehoseClient(config: FirehoseClientConfig = {}): FirehoseClient {
  return new FirehoseClient({ ...config, protocol: NativeBlobJsonProtocol });
}
