import { isAscii, isUtf8 } from 'node:buffer';
import { LineKind, type LineParser, type LogFormat } from './format.js';
import { rowKernel, type RowKernel } from './row-kernel.js';
import { partitionOfEpochMillis } from './time.js';

/**
 * The Firehose data-transformation contract, as pure functions (the Lambda entry point in
 * `lambda.ts` only adds logging and metrics).
 *
 * Each input record holds one line or many newline-separated lines of one table, led by the
 * source's header line where the format has one. Each output record holds the rows as JSON
 * documents, one per line (newline-terminated), and one `partitionKeys` set: the event-time
 * partition of its first row (the shipper packs one partition per record). An unparseable line
 * becomes an error row (`_raw`, `_error`); a record that cannot be decoded at all is
 * `ProcessingFailed` and Firehose writes it, raw, under the error prefix. Bytes that are not UTF-8
 * (the shipper sends lines byte for byte) read as U+FFFD, as any lenient UTF-8 reader shows them:
 * one stray byte costs a character, not the record's thousand lines (counted in `repairedRecords`).
 */

export interface FirehoseInputRecord {
  readonly recordId: string;
  readonly approximateArrivalTimestamp: number;
  readonly data: string;
}

export interface FirehoseTransformEvent {
  readonly invocationId: string;
  readonly deliveryStreamArn: string;
  readonly region: string;
  readonly records: readonly FirehoseInputRecord[];
}

export type TransformResult = 'Ok' | 'Dropped' | 'ProcessingFailed';

export interface FirehoseOutputRecord {
  recordId: string;
  result: TransformResult;
  data: string;
  metadata?: { partitionKeys: { dt: string; hour: string } };
}

export interface FirehoseTransformResponse {
  records: FirehoseOutputRecord[];
}

export interface TransformStats {
  records: number;
  okRecords: number;
  droppedRecords: number;
  failedRecords: number;
  lines: number;
  rows: number;
  errorRows: number;
  skippedLines: number;
  /** Rows whose own event hour differs from their record's partition (the shipper should prevent this). */
  crossPartitionRows: number;
  /** Records failed only to keep the response under Lambda's payload limit. */
  oversizeFailures: number;
  /** Records whose data was not valid UTF-8: their invalid bytes were read as U+FFFD. */
  repairedRecords: number;
  inputBytes: number;
  outputBytes: number;
}

/** Lambda's synchronous response limit is 6 MB; keep a margin for the JSON envelope. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 - 64 * 1024;

export interface TransformOptions {
  readonly format: LogFormat;
  /** Override for tests. */
  readonly maxResponseBytes?: number;
}

export function emptyStats(): TransformStats {
  return {
    records: 0,
    okRecords: 0,
    droppedRecords: 0,
    failedRecords: 0,
    lines: 0,
    rows: 0,
    errorRows: 0,
    skippedLines: 0,
    crossPartitionRows: 0,
    oversizeFailures: 0,
    repairedRecords: 0,
    inputBytes: 0,
    outputBytes: 0,
  };
}

export interface RecordTransform {
  readonly result: TransformResult;
  /** Newline-terminated JSON documents (Ok), '' (Dropped), or why it failed (ProcessingFailed). */
  readonly text: string;
  readonly partition?: { dt: string; hour: string };
  readonly lines: number;
  readonly rows: number;
  readonly errorRows: number;
  readonly skippedLines: number;
  readonly crossPartitionRows: number;
}

type RecordCounts = Omit<RecordTransform, 'text'>;

/** Transforms one record's decoded text: every line becomes a row, an error row or a counted skip. */
export function transformRecordText(format: LogFormat, text: string, arrivalMillis: number): RecordTransform {
  const bytes = Buffer.from(text, 'utf8');
  const kernel = rowKernel();
  const start = kernel.load(bytes, 0, bytes.length);
  const counts = transformLineBytes(format.createParser(), kernel, start, start + bytes.length, isAscii(bytes), arrivalMillis);
  return { ...counts, text: counts.result === 'Ok' ? kernel.output().toString('utf8') : '' };
}

/**
 * Transforms the lines of a record loaded into the kernel, `kernel.bytes[start, end)` (valid UTF-8;
 * `ascii` when every byte is below 0x80), into newline-terminated JSON documents appended to the
 * kernel's output: every line becomes a row, an error row or a counted skip. Lines go through the
 * parser's byte-level fast path when it has one and takes the line, else are decoded and parsed as
 * text — in order, so header lines reach the parser.
 */
export function transformLineBytes(
  parser: LineParser,
  kernel: RowKernel,
  start: number,
  end: number,
  ascii: boolean,
  arrivalMillis: number,
): RecordCounts {
  const encoding = ascii ? 'latin1' : 'utf8'; // ASCII reads the same as Latin-1, which V8 copies without decoding
  const fast = parser.parseBytes !== undefined;
  let lines = 0;
  let rows = 0;
  let errorRows = 0;
  let skippedLines = 0;
  let crossPartitionRows = 0;
  let dt = '';
  let hour = '';
  let errorDt = '';
  let errorHour = '';
  // Without a fast path, the record is decoded once and its lines are slices of that text.
  const text = fast ? '' : kernel.bytes.toString(encoding, start, end);
  let textStart = 0;
  while (fast ? start < end : textStart < text.length) {
    let kind: LineKind;
    if (fast) {
      // The kernel's buffer is replaced when its memory grows.
      const bytes = kernel.bytes;
      let lineEnd = bytes.indexOf(10, start);
      if (lineEnd < 0 || lineEnd > end) lineEnd = end;
      const next = lineEnd + 1;
      if (lineEnd > start && bytes[lineEnd - 1] === 13) lineEnd--;
      if (parser.parseBytes!(kernel, start, lineEnd)) {
        kind = LineKind.Row;
      } else {
        kind = parser.parse(bytes.toString(encoding, start, lineEnd));
        if (kind !== LineKind.Skip) kernel.addDocument(parser.json);
      }
      start = next;
    } else {
      let lineEnd = text.indexOf('\n', textStart);
      if (lineEnd < 0) lineEnd = text.length;
      const next = lineEnd + 1;
      if (lineEnd > textStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      kind = parser.parse(text.slice(textStart, lineEnd));
      if (kind !== LineKind.Skip) kernel.addDocument(parser.json);
      textStart = next;
    }
    lines++;
    if (kind === LineKind.Row) {
      rows++;
      if (dt === '') {
        dt = parser.dt;
        hour = parser.hour;
      } else if (parser.dt !== dt || parser.hour !== hour) {
        crossPartitionRows++;
      }
    } else if (kind === LineKind.Error) {
      errorRows++;
      if (errorDt === '' && parser.dt !== '') {
        errorDt = parser.dt;
        errorHour = parser.hour;
      }
    } else {
      skippedLines++;
    }
  }
  const counts = { lines, rows, errorRows, skippedLines, crossPartitionRows };
  if (rows === 0 && errorRows === 0) return { result: 'Dropped', ...counts };
  if (dt === '') {
    if (errorDt !== '') {
      dt = errorDt;
      hour = errorHour;
    } else {
      const arrival = partitionOfEpochMillis(Number.isFinite(arrivalMillis) ? arrivalMillis : Date.now());
      dt = arrival.slice(0, 10);
      hour = arrival.slice(11, 13);
    }
  }
  return { result: 'Ok', partition: { dt, hour }, ...counts };
}

export interface LoadedRecord {
  /** The text is `kernel.bytes[start, end)` (after a UTF-8 byte order mark, which is not part of the text). */
  readonly start: number;
  readonly end: number;
  /** Every byte is below 0x80. */
  readonly ascii: boolean;
  /** The data was not valid UTF-8: the text is its lenient decoding (invalid bytes as U+FFFD). */
  readonly repaired?: boolean;
}

const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes a record's base64 data into the kernel as UTF-8 text (invalid bytes repaired to U+FFFD),
 * or says why it cannot.
 */
export function loadRecordData(kernel: RowKernel, data: unknown): LoadedRecord | { error: string } {
  if (typeof data !== 'string') return { error: 'record data is missing' };
  const length = kernel.loadBase64(data);
  if (length < 0) return { error: 'record data is not valid base64' };
  const start = kernel.inputStart;
  const end = start + length;
  const bytes = kernel.bytes.subarray(start, end);
  if (isAscii(bytes)) return { start, end, ascii: true };
  const repaired = !isUtf8(bytes);
  if (repaired) {
    const text = Buffer.from(lenientUtf8.decode(bytes), 'utf8');
    kernel.load(text, 0, text.length);
    return { ...withoutBom(kernel.bytes, start, start + text.length), repaired };
  }
  return withoutBom(kernel.bytes, start, end);
}

function withoutBom(bytes: Uint8Array, start: number, end: number): LoadedRecord {
  const bom = end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf;
  return { start: bom ? start + 3 : start, end, ascii: false };
}

/** Size of one output record in the response JSON (ids and base64 need no escaping). */
function envelopeBytes(recordId: string, dataLength: number): number {
  return 110 + recordId.length + dataLength;
}

/**
 * Runs the transform over a whole Firehose event. Never throws for bad data: every input recordId
 * appears exactly once in the response, in order, and the response stays under the payload limit
 * (records that would push it over are returned `ProcessingFailed` with their original data, so
 * Firehose keeps them raw under the error prefix).
 */
export function transformFirehoseEvent(
  event: FirehoseTransformEvent,
  options: TransformOptions,
): { response: FirehoseTransformResponse; stats: TransformStats; failures: string[] } {
  const stats = emptyStats();
  const failures: string[] = [];
  const records = Array.isArray(event?.records) ? event.records : [];
  const limit = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  // Room that must stay free so every record not yet handled can still be failed with its own data.
  let reserved = 16;
  for (const record of records) reserved += envelopeBytes(String(record?.recordId ?? ''), String(record?.data ?? '').length);
  let used = 16;
  const output: FirehoseOutputRecord[] = [];

  for (const record of records) {
    const recordId = String(record?.recordId ?? '');
    const original = typeof record?.data === 'string' ? record.data : '';
    const failedSize = envelopeBytes(recordId, original.length);
    reserved -= failedSize;
    stats.records++;
    stats.inputBytes += (original.length * 3) / 4;

    const fail = (why: string): void => {
      stats.failedRecords++;
      failures.push(`${recordId}: ${why}`);
      output.push({ recordId, result: 'ProcessingFailed', data: original });
      used += failedSize;
    };

    const kernel = rowKernel();
    const loaded = loadRecordData(kernel, record?.data);
    if ('error' in loaded) {
      fail(loaded.error);
      continue;
    }
    if (loaded.repaired) stats.repairedRecords++;
    const transformed = transformLineBytes(
      options.format.createParser(),
      kernel,
      loaded.start,
      loaded.end,
      loaded.ascii,
      Number(record.approximateArrivalTimestamp),
    );
    if (transformed.result === 'Dropped') {
      stats.droppedRecords++;
      stats.lines += transformed.lines;
      stats.skippedLines += transformed.skippedLines;
      output.push({ recordId, result: 'Dropped', data: '' });
      used += envelopeBytes(recordId, 0);
      continue;
    }
    const documents = kernel.output();
    const data = documents.toString('base64');
    const okSize = envelopeBytes(recordId, data.length) + 60;
    if (used + okSize + reserved > limit) {
      stats.oversizeFailures++;
      fail(`transformed record (${data.length} base64 bytes) would push the response over ${limit} bytes`);
      continue;
    }
    used += okSize;
    stats.okRecords++;
    stats.lines += transformed.lines;
    stats.rows += transformed.rows;
    stats.errorRows += transformed.errorRows;
    stats.skippedLines += transformed.skippedLines;
    stats.crossPartitionRows += transformed.crossPartitionRows;
    stats.outputBytes += documents.length;
    output.push({ recordId, result: 'Ok', data, metadata: { partitionKeys: transformed.partition! } });
  }
  return { response: { records: output }, stats, failures };
}
