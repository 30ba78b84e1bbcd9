/**
 * Object references from S3 event notifications as they arrive in SQS message bodies: direct S3
 * notifications, the same wrapped in an SNS envelope, and EventBridge "Object Created" events.
 * Keys arrive form-encoded (`+` for space); `s3:TestEvent` messages carry no objects.
 */

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
}

export type ParsedMessage =
  | { readonly kind: 'objects'; readonly objects: readonly ObjectRef[] }
  | { readonly kind: 'test-event' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** `decodeURIComponent` of a form-encoded key; a malformed escape leaves the key as sent. */
export function decodeS3Key(key: string): string {
  const spaced = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

interface S3EventRecord {
  eventSource?: string;
  eventName?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number } };
}

export function parseS3EventMessage(body: string): ParsedMessage {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return { kind: 'invalid', reason: 'message body is not JSON' };
  }
  if (!isObject(message)) return { kind: 'invalid', reason: 'message body is not a JSON object' };
  if (message.Type === 'Notification' && typeof message.Message === 'string') return parseS3EventMessage(message.Message);
  if (message.Event === 's3:TestEvent') return { kind: 'test-event' };
  if (message['detail-type'] === 'Object Created' && isObject(message.detail)) {
    const detail = message.detail as { bucket?: { name?: string }; object?: { key?: string; size?: number } };
    if (typeof detail.bucket?.name === 'string' && typeof detail.object?.key === 'string') {
      // EventBridge keys are not form-encoded.
      return { kind: 'objects', objects: [{ bucket: detail.bucket.name, key: detail.object.key, size: detail.object.size }] };
    }
    return { kind: 'invalid', reason: 'EventBridge event without bucket/key' };
  }
  if (!Array.isArray(message.Records)) return { kind: 'invalid', reason: 'no Records in S3 event' };
  const objects: ObjectRef[] = [];
  for (const record of message.Records as S3EventRecord[]) {
    if (record?.eventSource !== 'aws:s3' || !(record.eventName ?? '').startsWith('ObjectCreated')) continue;
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') continue;
    objects.push({ bucket, key: decodeS3Key(key), size: record.s3?.object?.size });
  }
  return { kind: 'objects', objects };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An S3 notification body for objects (used by replay's queue target and tests). */
export function s3EventMessage(objects: readonly ObjectRef[], eventTime = new Date()): string {
  return JSON.stringify({
    Records: objects.map((o) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventTime: eventTime.toISOString(),
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: o.bucket, arn: `arn:aws:s3:::${o.bucket}` },
        object: { key: encodeURIComponent(o.key).replace(/%20/g, '+').replace(/%2F/g, '/'), size: o.size ?? 0 },
      },
    })),
  });
}
