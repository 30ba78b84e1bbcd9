import { pipeline, Readable, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import through2 from 'through2';

/**
 * A log object as text: gunzipped when its bytes say gzip (whatever its key says), decoded, and
 * split into lines (without `\n`/`\r\n`) in batches, so memory stays bounded for objects of any
 * size and the per-line cost of the stream machinery is paid once per batch.
 *
 * Lines are UTF-8 text, or with `'latin1'` byte strings: one character per byte, the bytes exactly
 * as stored. Code that only looks at a line's ASCII (timestamps, delimiters, `#` directives) and
 * passes the line on — the shipper — reads them that way: the bytes go out unchanged (invalid UTF-8
 * included, for the transform to judge) without being encoded again, and a line's length is its
 * size in bytes.
 */

/** How lines are decoded: UTF-8 text, or byte strings (see the module comment). */
export type LineEncoding = 'utf8' | 'latin1';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
/**
 * Output chunk of the gunzip stream. zlib's 16 KiB default costs a thread-pool round trip per
 * 16 KiB; 256 KiB chunks inflate the benchmark's CloudFront objects in ~55 % of the time.
 */
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/** A through2 transform from text chunks (Buffer) to arrays of lines. */
export function lineSplitter(encoding: LineEncoding = 'utf8'): Transform {
  // The unterminated line so far, in pieces: a long line (a one-line CloudTrail document) is
  // scanned and copied once, not once per chunk.
  const pending: Buffer[] = [];
  return through2.obj(
    function (chunk: Buffer | string, _encoding, callback) {
      const lines = splitLines(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk, pending, encoding);
      if (lines.length > 0) this.push(lines);
      callback();
    },
    function (callback) {
      if (pending.length > 0) {
        const rest = Buffer.concat(pending);
        pending.length = 0;
        const last = decodeLine(rest, 0, rest.length, encoding);
        if (last.length > 0) this.push([last]);
      }
      callback();
    },
  );
}

/**
 * The lines `bytes` completes (split on `\n`), each decoded on its own — split at a newline byte, a
 * line never cuts a UTF-8 character; the unterminated rest is appended to `pending`, whose pieces
 * start the first line. Lines are decoded one by one rather than the chunk at once: small strings
 * are cheap to make, where a chunk-sized one costs fresh memory each time.
 */
function splitLines(bytes: Buffer, pending: Buffer[], encoding: LineEncoding): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(10, start);
    if (end < 0) break;
    if (pending.length > 0) {
      pending.push(bytes.subarray(start, end));
      const line = Buffer.concat(pending);
      pending.length = 0;
      lines.push(decodeLine(line, 0, line.length, encoding));
    } else {
      lines.push(decodeLine(bytes, start, end, encoding));
    }
    start = end + 1;
  }
  if (start < bytes.length) pending.push(start === 0 ? bytes : bytes.subarray(start));
  return lines;
}

/** `bytes[start, end)` as a line: a `\r` before the newline dropped. */
function decodeLine(bytes: Buffer, start: number, end: number, encoding: LineEncoding): string {
  if (end > start && bytes[end - 1] === 13) end--;
  return bytes.toString(encoding, start, end);
}

/** Peeks at the first bytes of a stream and returns a stream of the decompressed bytes. */
export async function decompressed(body: Readable | AsyncIterable<Uint8Array>): Promise<Readable> {
  const source = body instanceof Readable ? body : Readable.from(body);
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | Uint8Array | string>;
  // Enough bytes for the magic number, however small the first chunks are.
  const headChunks: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < 2) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = toBuffer(next.value);
    if (chunk.length === 0) continue;
    headChunks.push(chunk);
    headBytes += chunk.length;
  }
  const head = headChunks.length === 1 ? headChunks[0] : Buffer.concat(headChunks);
  async function* replay(): AsyncGenerator<Buffer> {
    let done = false;
    try {
      if (head.length > 0) yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          return;
        }
        yield toBuffer(next.value);
      }
    } finally {
      // Abandoned early (the reader stopped or failed): release the source (an S3 socket).
      if (!done) await iterator.return?.();
    }
  }
  const raw = Readable.from(replay(), { objectMode: false });
  if (head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    return pipeline(raw, createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }), ignore);
  }
  return raw;
}

/** Errors reach the last stream of a pipeline (and its reader); the callback has nothing to add. */
function ignore(): void {}

function toBuffer(value: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  return typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Line batches of an object's decompressed text. */
export async function objectLineBatches(body: Readable | AsyncIterable<Uint8Array>, encoding: LineEncoding = 'utf8'): Promise<AsyncIterable<string[]>> {
  const text = await decompressed(body);
  // A pipeline, so a reader that stops early (or fails) also destroys the streams behind it.
  return pipeline(text, lineSplitter(encoding), ignore) as AsyncIterable<string[]>;
}

/** The whole decompressed text (for document formats such as CloudTrail). */
export async function objectText(body: Readable | AsyncIterable<Uint8Array>): Promise<string> {
  const text = await decompressed(body);
  const chunks: Buffer[] = [];
  for await (const chunk of text) chunks.push(toBuffer(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
