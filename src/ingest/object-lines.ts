import { StringDecoder } from 'node:string_decoder';
import { Readable, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import through2 from 'through2';

/**
 * A log object as text: gunzipped when its bytes say gzip (whatever its key says), decoded as
 * UTF-8, and split into lines (without `\n`/`\r\n`) in batches, so memory stays bounded for objects
 * of any size and the per-line cost of the stream machinery is paid once per batch.
 */

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** A through2 transform from text chunks (Buffer) to arrays of lines. */
export function lineSplitter(): Transform {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  return through2.obj(
    function (chunk: Buffer | string, _encoding, callback) {
      const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      const lines = splitLines(text);
      rest = lines.pop() ?? '';
      if (lines.length > 0) this.push(lines);
      callback();
    },
    function (callback) {
      const text = rest + decoder.end();
      if (text.length > 0) {
        const lines = splitLines(text);
        const last = lines.pop();
        if (last !== undefined && last.length > 0) lines.push(last);
        if (lines.length > 0) this.push(lines);
      }
      callback();
    },
  );
}

/** Splits on `\n`, dropping a `\r` before it; the last element is the unterminated remainder. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end < 0) break;
    lines.push(text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end));
    start = end + 1;
  }
  lines.push(text.slice(start));
  return lines;
}

/** Peeks at the first bytes of a stream and returns a stream of the decompressed bytes. */
export async function decompressed(body: Readable | AsyncIterable<Uint8Array>): Promise<Readable> {
  const source = body instanceof Readable ? body : Readable.from(body);
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | Uint8Array | string>;
  let first = await iterator.next();
  while (!first.done && toBuffer(first.value).length === 0) first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : toBuffer(first.value);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield toBuffer(next.value);
    }
  }
  const raw = Readable.from(replay(), { objectMode: false });
  if (head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    const gunzip = createGunzip();
    raw.on('error', (error) => gunzip.destroy(error));
    return raw.pipe(gunzip);
  }
  return raw;
}

function toBuffer(value: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  return typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Line batches of an object's decompressed text. */
export async function objectLineBatches(body: Readable | AsyncIterable<Uint8Array>): Promise<AsyncIterable<string[]>> {
  const text = await decompressed(body);
  const splitter = lineSplitter();
  text.on('error', (error) => splitter.destroy(error));
  return text.pipe(splitter) as AsyncIterable<string[]>;
}

/** The whole decompressed text (for document formats such as CloudTrail). */
export async function objectText(body: Readable | AsyncIterable<Uint8Array>): Promise<string> {
  const text = await decompressed(body);
  const chunks: Buffer[] = [];
  for await (const chunk of text) chunks.push(toBuffer(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
