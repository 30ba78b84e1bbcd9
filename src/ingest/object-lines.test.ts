import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressed, lineSplitter, objectLineBatches, objectText, type LineEncoding } from './object-lines.js';

/** A body that yields the given chunks, as an S3 SDK stream would. */
function bodyOf(...chunks: (Buffer | string)[]): Readable {
  return Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)), { objectMode: false });
}

/** The same bytes cut into chunks of `size` bytes. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks, { objectMode: false });
}

async function linesOf(body: Readable | AsyncIterable<Uint8Array>, encoding: LineEncoding = 'utf8'): Promise<{ lines: string[]; batches: number }> {
  const lines: string[] = [];
  let batches = 0;
  for await (const batch of await objectLineBatches(body, encoding)) {
    batches++;
    lines.push(...batch);
  }
  return { lines, batches };
}

const CLOUDFRONT_LIKE = ['#Version: 1.0', '#Fields: date time x-edge-location', '2019-12-04\t21:02:31\tLAX1', '2019-12-04\t21:02:32\tSEA19-C1'];

describe('objectLineBatches', () => {
  it('splits plain text into lines without their newlines', async () => {
    const { lines } = await linesOf(bodyOf(`${CLOUDFRONT_LIKE.join('\n')}\n`));
    expect(lines).toEqual(CLOUDFRONT_LIKE);
  });

  it('detects gzip by its magic bytes whatever the key says', async () => {
    const text = `${CLOUDFRONT_LIKE.join('\n')}\n`;
    expect((await linesOf(bodyOf(gzipSync(text)))).lines).toEqual(CLOUDFRONT_LIKE);
    // Text that merely starts with 0x1f is not gzip.
    expect((await linesOf(bodyOf('\x1fnot gzip\nsecond'))).lines).toEqual(['\x1fnot gzip', 'second']);
  });

  it('detects gzip when the first chunks are shorter than the magic number', async () => {
    const text = `${CLOUDFRONT_LIKE.join('\n')}\n`;
    expect((await linesOf(chunked(gzipSync(text), 1))).lines).toEqual(CLOUDFRONT_LIKE);
    expect((await linesOf(bodyOf(Buffer.alloc(0), gzipSync(text)))).lines).toEqual(CLOUDFRONT_LIKE);
  });

  it('reads every member of a multi-member gzip object', async () => {
    const body = Buffer.concat([gzipSync('a1\na2\n'), gzipSync('b1\nb2'), gzipSync('\nc1\n')]);
    expect((await linesOf(bodyOf(body))).lines).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    expect((await linesOf(chunked(body, 7))).lines).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
  });

  it('drops the CR of CRLF line ends, also when CR and LF arrive in different chunks', async () => {
    expect((await linesOf(bodyOf('one\r\ntwo\r\n\r\nthree\r\n'))).lines).toEqual(['one', 'two', '', 'three']);
    expect((await linesOf(bodyOf('one\r', '\ntwo\r', '\n'))).lines).toEqual(['one', 'two']);
    // A CR inside a line is data.
    expect((await linesOf(bodyOf('a\rb\n'))).lines).toEqual(['a\rb']);
  });

  it('keeps the last line when the object has no trailing newline', async () => {
    expect((await linesOf(bodyOf('first\nlast'))).lines).toEqual(['first', 'last']);
    expect((await linesOf(bodyOf('fir', 'st\nla', 'st'))).lines).toEqual(['first', 'last']);
    expect((await linesOf(bodyOf('only'))).lines).toEqual(['only']);
  });

  it('keeps blank lines in the middle (the parser counts them as skips)', async () => {
    expect((await linesOf(bodyOf('a\n\nb\n'))).lines).toEqual(['a', '', 'b']);
  });

  it('decodes UTF-8 characters split across chunk boundaries (1-byte chunks)', async () => {
    const text = 'café ☕ 日本語 😀 ünïcödé\nzweite Zeile — ok 𝄞\n';
    const plain = await linesOf(chunked(Buffer.from(text, 'utf8'), 1));
    expect(plain.lines).toEqual(['café ☕ 日本語 😀 ünïcödé', 'zweite Zeile — ok 𝄞']);
    expect(plain.lines.join('')).not.toContain('\uFFFD');
    const gzip = await linesOf(chunked(gzipSync(text), 1));
    expect(gzip.lines).toEqual(plain.lines);
  });

  it('reads byte strings with latin1: each line its bytes exactly, invalid UTF-8 and split characters included', async () => {
    const bytes = Buffer.concat([Buffer.from('café ☕ 😀\r\n'), Buffer.from([0xff, 0xc3, 0x28, 0x0a]), Buffer.from('last ü')]);
    const expected = [Buffer.from('café ☕ 😀'), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('last ü')];
    for (const body of [chunked(bytes, 1), chunked(gzipSync(bytes), 3), bodyOf(bytes)]) {
      const { lines } = await linesOf(body, 'latin1');
      expect(lines.map((line) => Buffer.from(line, 'latin1'))).toEqual(expected);
    }
  });

  it('yields nothing for an empty object, plain or gzip', async () => {
    expect(await linesOf(bodyOf())).toEqual({ lines: [], batches: 0 });
    expect(await linesOf(bodyOf(Buffer.alloc(0)))).toEqual({ lines: [], batches: 0 });
    expect((await linesOf(bodyOf(gzipSync('')))).lines).toEqual([]);
  });

  it('accepts an AsyncIterable of Uint8Array as well as a Readable', async () => {
    async function* body(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('x\ny');
      yield new TextEncoder().encode('\nz\n');
    }
    expect((await linesOf(body())).lines).toEqual(['x', 'y', 'z']);
  });

  it('streams a 20 MB gzip object in many batches, every line once and in order', async () => {
    const line = (i: number): string => `${String(i).padStart(8, '0')} ${'x'.repeat(200)}`;
    const count = 100_000; // ~20 MB of text
    const text = `${Array.from({ length: count }, (_, i) => line(i)).join('\n')}\n`;
    expect(text.length).toBeGreaterThan(20_000_000);
    let seen = 0;
    let batches = 0;
    let largestBatch = 0;
    for await (const batch of await objectLineBatches(chunked(gzipSync(text), 64 * 1024))) {
      batches++;
      largestBatch = Math.max(largestBatch, batch.length);
      for (const l of batch) {
        if (l !== line(seen)) throw new Error(`line ${seen} is ${l.slice(0, 20)}`);
        seen++;
      }
    }
    expect(seen).toBe(count);
    // Batches follow the decompressed chunks (256 KiB), not the whole object.
    expect(batches).toBeGreaterThan(50);
    expect(largestBatch).toBeLessThan(count / 10);
  });

  it('splits a very long single line (a one-line CloudTrail document) in linear time', async () => {
    const record = `{"eventTime":"2019-01-01T00:00:00Z","eventName":"${'A'.repeat(100)}"}`;
    const doc = `{"Records":[${Array.from({ length: 60_000 }, () => record).join(',')}]}`;
    const { lines } = await linesOf(chunked(gzipSync(doc), 16 * 1024));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(doc);
  });

  it('fails the reader when the object is corrupt gzip or the source stream errors', async () => {
    const corrupt = Buffer.concat([gzipSync('a\nb\n').subarray(0, 10), Buffer.from('garbage garbage garbage')]);
    await expect(linesOf(bodyOf(corrupt))).rejects.toThrow();
    const failing = new Readable({
      read() {
        this.push(Buffer.from('first line\n'));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(linesOf(failing)).rejects.toThrow('connection reset');
  });

  it('releases the source when the reader stops early', async () => {
    let destroyed = false;
    let sent = 0;
    const source = new Readable({
      read() {
        this.push(Buffer.from(`line ${sent++}\n`.repeat(1000)));
      },
      destroy(error, callback) {
        destroyed = true;
        callback(error);
      },
    });
    for await (const batch of await objectLineBatches(source)) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(destroyed).toBe(true);
  });
});

describe('lineSplitter', () => {
  it('emits arrays of lines per chunk and the remainder at the end', async () => {
    const splitter = lineSplitter();
    const out: string[][] = [];
    splitter.on('data', (batch: string[]) => out.push(batch));
    const done = new Promise((resolve) => splitter.on('end', resolve));
    splitter.write(Buffer.from('a\nb'));
    splitter.write(Buffer.from('c\nd\ne'));
    splitter.end();
    await done;
    expect(out).toEqual([['a'], ['bc', 'd'], ['e']]);
  });
});

describe('decompressed and objectText', () => {
  it('returns the decompressed bytes of gzip and plain objects alike', async () => {
    const text = 'hello\nwörld\n';
    expect(await objectText(bodyOf(gzipSync(text)))).toBe(text);
    expect(await objectText(bodyOf(text))).toBe(text);
    const chunks: Buffer[] = [];
    for await (const chunk of await decompressed(chunked(gzipSync(text), 3))) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
  });
});
