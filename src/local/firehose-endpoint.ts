import { isAscii } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIREHOSE_LIMITS } from '../config/limits.js';
import { PUT_RECORD_BATCH_JSON } from '../ingest/firehose-client.js';
import { decodeBase64Into, decodedLength } from '../transforms/base64.js';

/**
 * A local Amazon Data Firehose endpoint: an HTTP server speaking Firehose's JSON 1.1 protocol
 * (`POST /`, `X-Amz-Target: Firehose_20150804.<Operation>`, JSON bodies, base64 `Data` blobs), so
 * the unmodified `@aws-sdk/client-firehose` works against it with
 * `endpoint: 'http://127.0.0.1:<port>'`, any region and dummy credentials (signatures are not
 * checked).
 *
 * Operations: PutRecord, PutRecordBatch, DescribeDeliveryStream, ListDeliveryStreams. Service
 * limits are enforced as Firehose enforces them, and faults (throttling, partially failed batches,
 * latency) can be injected to exercise a producer's retries.
 *
 * Error responses (JSON protocol: the SDK names the error after `__type`):
 * | condition | HTTP | `__type` |
 * |---|---|---|
 * | unknown stream | 400 | `ResourceNotFoundException` |
 * | limit or argument violation | 400 | `InvalidArgumentException` |
 * | request body over {@link MAX_REQUEST_BODY_BYTES} | 413 | `InvalidArgumentException` |
 * | injected throttling, or the target's `put` failed | 503 | `ServiceUnavailableException` (the SDK's model says 503; the SDK retries it as a transient error) |
 * | unparseable JSON, wrong member types, bad base64 | 400 | `SerializationException` |
 * | other method, path or target | 400 | `UnknownOperationException` |
 * | a bug in this endpoint | 500 | `InternalFailure` |
 */

/**
 * A record as the request carried it: its base64 data (validated) and decoded size. Kept encoded,
 * because the processor's event carries it encoded again: no decode and re-encode on the way.
 */
export interface EncodedRecord {
  readonly base64: string;
  /** Decoded size, bytes. */
  readonly bytes: number;
}

/** What the endpoint delivers records into (one per delivery stream). */
export interface LocalStreamTarget {
  readonly name: string;
  /** `arn:aws:firehose:<region>:000000000000:deliverystream/<name>` */
  readonly arn: string;
  /**
   * Accepts records in order; may be async (the HTTP response waits: back-pressure).
   * Called once per successful PutRecord/PutRecordBatch request with that request's delivered
   * records (never with an empty list), and never concurrently for one target: calls follow the
   * order in which requests were accepted. If it throws or rejects, the request is answered with
   * `ServiceUnavailableException` (retryable) and counts as not delivered.
   */
  put(records: readonly EncodedRecord[]): void | Promise<void>;
}

/** Injected faults, for tests of a producer's retries. */
export interface EndpointFaults {
  /**
   * Fraction (0–1) of PutRecord/PutRecordBatch calls answered with ServiceUnavailableException
   * (call-level throttling; nothing delivered). Describe/List calls are never throttled.
   * Applied after the request passed validation.
   * @default 0
   */
  throttleRate?: number;
  /**
   * Fraction (0–1) of entries in a PutRecordBatch answered with ErrorCode
   * ServiceUnavailableException ("Slow down.") and not delivered.
   * @default 0
   */
  failedEntryRate?: number;
  /** Delay added to every response (after the records were delivered), ms. @default 0 */
  delayMs?: number;
  /**
   * Seed for the deterministic random generator deciding which calls/entries fail; the generator
   * restarts from it on every `setFaults`. The same seed and the same sequence of calls give the
   * same failures.
   * @default 1
   */
  seed?: number;
}

/** Counters since the endpoint started. */
export interface EndpointStats {
  /** HTTP requests received (every operation, including rejected ones). */
  readonly calls: number;
  /** Put calls answered with ServiceUnavailableException by `throttleRate`. */
  readonly throttledCalls: number;
  /** Records delivered to targets. */
  readonly records: number;
  /** PutRecordBatch entries answered with an ErrorCode (in calls that otherwise succeeded). */
  readonly failedEntries: number;
  /** Decoded bytes delivered to targets. */
  readonly bytes: number;
}

export interface FirehoseEndpoint {
  /** `http://<host>:<port>`, for the SDK client's `endpoint`. */
  readonly url: string;
  readonly port: number;
  /** A snapshot of the counters. */
  readonly stats: EndpointStats;
  /** Replaces the injected faults (and restarts the random generator from `seed`). */
  setFaults(faults: EndpointFaults): void;
  /** Stops accepting connections, waits for requests in flight, then closes every connection. */
  close(): Promise<void>;
}

export interface FirehoseEndpointOptions {
  readonly streams: readonly LocalStreamTarget[];
  /** 0 = any free port. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default no faults */
  readonly faults?: EndpointFaults;
}

/** Firehose's PutRecordBatch limits, from the one limits table. */
const MAX_RECORDS_PER_BATCH = FIREHOSE_LIMITS.maxBatchRecords;
const MAX_BYTES_PER_CALL = FIREHOSE_LIMITS.maxBatchBytes;
const MAX_RECORD_BYTES = FIREHOSE_LIMITS.maxRecordBytes;
/** Largest request body accepted: 4 MiB of data is ~5.6 MB as base64, plus JSON overhead. */
const MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024;

const TARGET_PREFIX = 'Firehose_20150804.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const ACCOUNT = '000000000000';
const DEFAULT_SEED = 1;

/** An error answered to the client in the JSON protocol's shape. */
class ProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const invalidArgument = (message: string) => new ProtocolError(400, 'InvalidArgumentException', message);
const serialization = (message: string) =>
  new ProtocolError(400, 'com.amazon.coral.service#SerializationException', message);
const serviceUnavailable = (message: string) => new ProtocolError(503, 'ServiceUnavailableException', message);

interface Stream {
  readonly target: LocalStreamTarget;
  readonly createdAt: number;
  /** The tail of this target's put chain: puts run one at a time, in order. */
  tail: Promise<void>;
}

interface MutableStats {
  calls: number;
  throttledCalls: number;
  records: number;
  failedEntries: number;
  bytes: number;
}

type Json = Record<string, unknown>;

export async function startFirehoseEndpoint(options: FirehoseEndpointOptions): Promise<FirehoseEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const createdAt = Date.now() / 1000;
  const streams = new Map<string, Stream>();
  for (const target of options.streams) {
    if (streams.has(target.name)) throw new Error(`Duplicate local delivery stream name: ${target.name}`);
    streams.set(target.name, { target, createdAt, tail: Promise.resolve() });
  }
  const sortedNames = [...streams.keys()].sort();

  let faults = checkFaults(options.faults ?? {});
  let random = mulberry32(faults.seed ?? DEFAULT_SEED);
  const stats: MutableStats = { calls: 0, throttledCalls: 0, records: 0, failedEntries: 0, bytes: 0 };
  /** Where records are decoded to be validated (a record is at most MAX_RECORD_BYTES). */
  const scratch = Buffer.allocUnsafe(MAX_RECORD_BYTES);
  const newRecordId = recordIdGenerator();
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const handlers: Record<string, (input: Json) => Promise<Json> | Json> = {
    PutRecord: (input) => putRecord(input),
    PutRecordBatch: (input) => putRecordBatch(input),
    DescribeDeliveryStream: (input) => describeDeliveryStream(input),
    ListDeliveryStreams: (input) => listDeliveryStreams(input),
  };

  function findStream(input: Json): Stream {
    const name = input.DeliveryStreamName;
    if (name === undefined || name === null) {
      throw invalidArgument(
        "1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null",
      );
    }
    if (typeof name !== 'string') throw serialization('DeliveryStreamName must be a string');
    const stream = streams.get(name);
    if (!stream) {
      throw new ProtocolError(400, 'ResourceNotFoundException', `Firehose ${name} under account ${ACCOUNT} not found.`);
    }
    return stream;
  }

  function decodeRecord(record: unknown, at: string): EncodedRecord {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw serialization(`Expected a Record structure at '${at}'`);
    }
    const data = (record as Json).Data;
    if (data === undefined || data === null) {
      throw invalidArgument(
        `1 validation error detected: Value null at '${at}.data' failed to satisfy constraint: Member must not be null`,
      );
    }
    if (typeof data !== 'string') throw serialization(`Expected a base64 string at '${at}.data'`);
    const expected = decodedLength(data);
    if (expected > MAX_RECORD_BYTES) {
      throw invalidArgument(
        `1 validation error detected: Value at '${at}.data' failed to satisfy constraint: ` +
          `Member must have length less than or equal to ${MAX_RECORD_BYTES}`,
      );
    }
    // Validated by decoding into one reused buffer: nothing allocated per record.
    if (expected < 0 || decodeBase64Into(data, scratch, 0) < 0) throw serialization(`Invalid base64 data at '${at}.data'`);
    return { base64: data, bytes: expected };
  }

  function throttled(): boolean {
    const rate = faults.throttleRate ?? 0;
    if (rate > 0 && random() < rate) {
      stats.throttledCalls++;
      return true;
    }
    return false;
  }

  /** Runs the target's put after the previous one for this stream; counts only what it accepted. */
  async function deliver(stream: Stream, records: EncodedRecord[]): Promise<void> {
    const run = stream.tail.then(() => stream.target.put(records));
    stream.tail = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      await run;
    } catch {
      throw serviceUnavailable(`Delivery to local stream ${stream.target.name} failed; retry the call.`);
    }
    stats.records += records.length;
    for (const record of records) stats.bytes += record.bytes;
  }

  async function putRecord(input: Json): Promise<Json> {
    const stream = findStream(input);
    const record = decodeRecord(input.Record, 'record');
    if (throttled()) throw serviceUnavailable('Slow down.');
    await deliver(stream, [record]);
    return { RecordId: newRecordId(), Encrypted: false };
  }

  async function putRecordBatch(input: Json): Promise<Json> {
    const stream = findStream(input);
    const entries = input.Records;
    if (entries === undefined || entries === null) {
      throw invalidArgument(
        "1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must not be null",
      );
    }
    if (!Array.isArray(entries)) throw serialization("Expected a list at 'records'");
    if (entries.length < 1 || entries.length > MAX_RECORDS_PER_BATCH) {
      throw invalidArgument(
        `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length ` +
          (entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_RECORDS_PER_BATCH}`),
      );
    }
    const records = entries.map((entry, i) => decodeRecord(entry, `records.${i + 1}.member`));
    let total = 0;
    for (const record of records) total += record.bytes;
    if (total > MAX_BYTES_PER_CALL) {
      throw invalidArgument(`Records size exceeds 4 MiB limit (${total} bytes in ${records.length} records).`);
    }
    if (throttled()) throw serviceUnavailable('Slow down.');

    const failRate = faults.failedEntryRate ?? 0;
    const delivered: EncodedRecord[] = [];
    const failed: boolean[] = records.map((record) => {
      const fails = failRate > 0 && random() < failRate;
      if (!fails) delivered.push(record);
      return fails;
    });
    if (delivered.length > 0) await deliver(stream, delivered);
    const failedCount = records.length - delivered.length;
    stats.failedEntries += failedCount;
    return {
      FailedPutCount: failedCount,
      Encrypted: false,
      RequestResponses: failed.map((fails) =>
        fails ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' } : { RecordId: newRecordId() },
      ),
    };
  }

  function describeDeliveryStream(input: Json): Json {
    const stream = findStream(input);
    optionalLimit(input.Limit, 10_000);
    return {
      DeliveryStreamDescription: {
        DeliveryStreamName: stream.target.name,
        DeliveryStreamARN: stream.target.arn,
        DeliveryStreamStatus: 'ACTIVE',
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
        VersionId: '1',
        CreateTimestamp: stream.createdAt,
        Destinations: [{ DestinationId: 'destinationId-000000000001' }],
        HasMoreDestinations: false,
      },
    };
  }

  function listDeliveryStreams(input: Json): Json {
    const limit = optionalLimit(input.Limit, 10_000) ?? 10;
    const type = input.DeliveryStreamType;
    if (type !== undefined && type !== null && typeof type !== 'string') {
      throw serialization('DeliveryStreamType must be a string');
    }
    const start = input.ExclusiveStartDeliveryStreamName;
    if (start !== undefined && start !== null && typeof start !== 'string') {
      throw serialization('ExclusiveStartDeliveryStreamName must be a string');
    }
    // Every local stream is DirectPut.
    const candidates = type && type !== 'DirectPut' ? [] : sortedNames.filter((name) => !start || name > start);
    return {
      DeliveryStreamNames: candidates.slice(0, limit),
      HasMoreDeliveryStreams: candidates.length > limit,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let status = 200;
    let body: Json;
    try {
      body = await dispatch(req, await readBody(req));
    } catch (error) {
      const failure =
        error instanceof ProtocolError
          ? error
          : new ProtocolError(500, 'InternalFailure', 'The request processing has failed because of an unknown error.');
      status = failure.status;
      body = { __type: failure.type, message: failure.message };
    }
    if (faults.delayMs) await sleep(faults.delayMs);
    send(res, status, body);
  }

  async function dispatch(req: IncomingMessage, raw: Buffer): Promise<Json> {
    const target = req.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const handler = operation !== undefined && Object.hasOwn(handlers, operation) ? handlers[operation] : undefined;
    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/' || !handler) {
      throw new ProtocolError(
        400,
        'com.amazon.coral.service#UnknownOperationException',
        `Unknown operation ${req.method} ${req.url} ${typeof target === 'string' ? target : '(no X-Amz-Target)'}`,
      );
    }
    return handler((operation === 'PutRecordBatch' ? parseSdkPutRecordBatch(raw) : undefined) ?? parseInput(raw));
  }

  const server = createServer((req, res) => {
    stats.calls++;
    inFlight++;
    handle(req, res)
      .catch(() => {
        if (!res.headersSent) send(res, 500, { __type: 'InternalFailure', message: 'Internal failure.' });
        else res.destroy();
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) drained?.();
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    get stats(): EndpointStats {
      return { ...stats };
    },
    setFaults(next: EndpointFaults): void {
      faults = checkFaults(next);
      random = mulberry32(faults.seed ?? DEFAULT_SEED);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

const SDK_BATCH_PREFIX = Buffer.from(`${PUT_RECORD_BATCH_JSON.head}"`);
const SDK_BATCH_RECORDS = Buffer.from(`"${PUT_RECORD_BATCH_JSON.records}`);
const SDK_BATCH_DATA = Buffer.from(PUT_RECORD_BATCH_JSON.dataOpen);
/** Firehose's delivery stream name alphabet. */
const STREAM_NAME = /^[a-zA-Z0-9_.-]+$/;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * A PutRecordBatch body exactly as the AWS SDK (and loghose's client) writes it —
 * PUT_RECORD_BATCH_JSON, ASCII, no escapes — read straight from the bytes, without making
 * the whole body a string first (for 4 MiB calls that string and JSON.parse were a tenth of the
 * local pipeline's main thread). Any other body gives undefined and goes through JSON.parse; for
 * the bodies it reads, the result is what JSON.parse gives.
 */
export function parseSdkPutRecordBatch(raw: Buffer): Json | undefined {
  if (!startsWithAt(raw, SDK_BATCH_PREFIX, 0) || !isAscii(raw) || raw.indexOf(BACKSLASH) >= 0) return undefined;
  let at = SDK_BATCH_PREFIX.length;
  const nameEnd = raw.indexOf(QUOTE, at);
  if (nameEnd < 0 || !startsWithAt(raw, SDK_BATCH_RECORDS, nameEnd)) return undefined;
  const name = raw.toString('latin1', at, nameEnd);
  if (!STREAM_NAME.test(name)) return undefined;
  at = nameEnd + SDK_BATCH_RECORDS.length;
  const records: Json[] = [];
  if (raw[at] === CLOSE_BRACKET) return raw[at + 1] === CLOSE_BRACE && at + 2 === raw.length ? { DeliveryStreamName: name, Records: records } : undefined;
  for (;;) {
    if (!startsWithAt(raw, SDK_BATCH_DATA, at)) return undefined;
    at += SDK_BATCH_DATA.length;
    const end = raw.indexOf(QUOTE, at);
    if (end < 0 || raw[end + 1] !== CLOSE_BRACE) return undefined;
    records.push({ Data: raw.toString('latin1', at, end) });
    at = end + 2;
    if (raw[at] === COMMA) {
      at++;
      continue;
    }
    return raw[at] === CLOSE_BRACKET && raw[at + 1] === CLOSE_BRACE && at + 2 === raw.length ? { DeliveryStreamName: name, Records: records } : undefined;
  }
}

function startsWithAt(raw: Buffer, prefix: Buffer, at: number): boolean {
  return raw.length >= at + prefix.length && raw.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

function parseInput(raw: Buffer): Json {
  if (raw.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw serialization('Request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw serialization('Request body must be a JSON object.');
  }
  return value as Json;
}

function optionalLimit(value: unknown, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization('Limit must be an integer');
  if (value < 1 || value > max) {
    throw invalidArgument(
      `1 validation error detected: Value '${value}' at 'limit' failed to satisfy constraint: ` +
        `Member must have value ${value < 1 ? 'greater than or equal to 1' : `less than or equal to ${max}`}`,
    );
  }
  return value;
}

/** Reads the whole body; past the limit it keeps draining (so the client reads the answer) and then fails. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => {
      if (size > MAX_REQUEST_BODY_BYTES) {
        reject(
          new ProtocolError(
            413,
            'InvalidArgumentException',
            `Request body of ${size} bytes exceeds the local endpoint's limit of ${MAX_REQUEST_BODY_BYTES} bytes.`,
          ),
        );
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: Json): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(text);
}

function checkFaults(faults: EndpointFaults): EndpointFaults {
  for (const key of ['throttleRate', 'failedEntryRate'] as const) {
    const value = faults[key];
    if (value !== undefined && !(value >= 0 && value <= 1)) throw new RangeError(`${key} must be within 0–1, got ${value}`);
  }
  if (faults.delayMs !== undefined && !(faults.delayMs >= 0)) {
    throw new RangeError(`delayMs must be ≥ 0, got ${faults.delayMs}`);
  }
  return { ...faults };
}

/** Small, fast, seedable PRNG (mulberry32): uniform floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Opaque, unique record ids that look like Firehose's (long base64 strings): random bytes, this
 * endpoint's random instance id and a counter, so no two ids from one endpoint are equal.
 */
function recordIdGenerator(): () => string {
  const instance = randomBytes(16);
  let counter = 0n;
  let pool = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset + 24 > pool.length) {
      pool = randomBytes(24 * 512);
      offset = 0;
    }
    const id = Buffer.allocUnsafe(48);
    pool.copy(id, 0, offset, offset + 24);
    offset += 24;
    instance.copy(id, 24);
    id.writeBigUInt64BE(counter++, 40);
    return id.toString('base64');
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
