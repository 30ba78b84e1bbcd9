import type { Readable } from 'node:stream';
import type { LogFormat } from '../transforms/format.js';
import { detect } from '../transforms/registry.js';
import { objectLineBatches, type LineEncoding } from './object-lines.js';

/**
 * Opens a log object for reading as lines of one format: decompresses, detects the format from key
 * and content (unless given), recognises non-log objects, and for document formats (CloudTrail)
 * yields one line per event. Shared by the shipper and `loghose parse`.
 */

export type OpenedLogObject =
  | { readonly kind: 'lines'; readonly format: LogFormat; readonly batches: AsyncIterable<readonly string[]> }
  | { readonly kind: 'skipped' | 'unknown'; readonly reason: string; readonly lines: number; readonly format?: LogFormat };

const HEAD_CHARS = 4096;

export interface OpenOptions {
  readonly key: string;
  readonly body: Readable | AsyncIterable<Uint8Array>;
  /** The format when known; otherwise detected. */
  readonly format?: LogFormat;
  /** How the lines are decoded (object-lines.ts); detection reads the head as UTF-8 either way. @default 'utf8' */
  readonly encoding?: LineEncoding;
}

export async function openLogObject(options: OpenOptions): Promise<OpenedLogObject> {
  const encoding = options.encoding ?? 'utf8';
  const batches = (await objectLineBatches(options.body, encoding))[Symbol.asyncIterator]();
  const first = await batches.next();
  const firstLines: readonly string[] = first.done ? [] : first.value;
  const head = asText(headOf(firstLines), encoding);

  let format = options.format;
  if (format === undefined) {
    const detection = detect(options.key, head);
    if (detection.kind !== 'format') {
      const reason = detection.kind === 'skip' ? detection.reason : 'not a recognised log object';
      return { kind: detection.kind === 'skip' ? 'skipped' : 'unknown', reason, lines: await countRest(batches, firstLines) };
    }
    format = detection.format;
  } else {
    const reason = format.skipObject(options.key, head);
    if (reason !== undefined) return { kind: 'skipped', reason, format, lines: await countRest(batches, firstLines) };
  }

  if (format.splitDocument !== undefined) {
    const all = [...firstLines];
    for (let next = await batches.next(); !next.done; next = await batches.next()) all.push(...next.value);
    const split = format.splitDocument(asText(all.join('\n'), encoding));
    if ('skip' in split) return { kind: 'skipped', reason: split.skip, format, lines: all.length };
    return { kind: 'lines', format, batches: once(encoding === 'utf8' ? split.lines : split.lines.map(asByteString)) };
  }
  return { kind: 'lines', format, batches: prepend(firstLines, batches) };
}

/** Text read with `encoding` as UTF-8 text. */
function asText(text: string, encoding: LineEncoding): string {
  return encoding === 'utf8' ? text : Buffer.from(text, 'latin1').toString('utf8');
}

function asByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

async function* once(lines: readonly string[]): AsyncGenerator<readonly string[]> {
  if (lines.length > 0) yield lines;
}

async function* prepend(first: readonly string[], rest: AsyncIterator<string[]>): AsyncGenerator<readonly string[]> {
  if (first.length > 0) yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

function headOf(lines: readonly string[]): string {
  let head = '';
  for (const line of lines) {
    head += head.length === 0 ? line : `\n${line}`;
    if (head.length >= HEAD_CHARS) break;
  }
  return head.length > HEAD_CHARS * 4 ? head.slice(0, HEAD_CHARS * 4) : head;
}

/** Reads the rest of an object that is not shipped (releasing its stream) and counts its lines. */
async function countRest(batches: AsyncIterator<string[]>, firstLines: readonly string[]): Promise<number> {
  let lines = firstLines.length;
  for (let next = await batches.next(); !next.done; next = await batches.next()) lines += next.value.length;
  return lines;
}
