import type { RowKernel } from './row-kernel.js';
import type { TableName, TableSchema } from './schema.js';

/**
 * The contract every log format implements (one file per format in `formats/`).
 *
 * A "line" is one log entry as the pipeline carries it: a text line for the line-based formats,
 * one compact JSON event for CloudTrail (see `splitDocument`).
 */

/** What `LineParser.parse` found. */
export const enum LineKind {
  /** A good row: `json`, `timestamp`, `dt`, `hour` are set. */
  Row = 1,
  /** An unparseable line: `error` is set; `timestamp`/`dt`/`hour` are set when the time was readable, else ''. */
  Error = 2,
  /** A header, comment or blank line: counted, not a row. `error` holds the reason. */
  Skip = 3,
}

/**
 * Parses the lines of one source file (or one Firehose record) in order. Stateful where the
 * format has a header line that says which fields follow (CloudFront `#Fields:`, VPC field names).
 * The result fields are overwritten by every call, so the hot path allocates no result objects.
 */
export interface LineParser {
  parse(line: string): LineKind;
  /**
   * The fast path, for formats that have one: reads the line at `kernel.bytes[start, end)` (UTF-8,
   * no line terminator) and, when it is a good row the kernel can write exactly as `parse` would,
   * appends the row's JSON document and a newline to the kernel's output, sets
   * `timestamp`/`dt`/`hour` and returns true. Otherwise returns false having written nothing, and
   * the caller hands the decoded line to `parse` (which also handles header lines, so the two must
   * see every line in order).
   */
  parseBytes?(kernel: RowKernel, start: number, end: number): boolean;
  /** The row's JSON document (schema column order, null columns omitted), after `Row`. */
  json: string;
  /** Event time, ISO-8601 UTC with `Z` (`2019-12-04T21:02:31Z`), or ''. */
  timestamp: string;
  /** Partition values from the event time: `YYYY-MM-DD` and `HH`, or ''. */
  dt: string;
  hour: string;
  /** The reason, after `Error` or `Skip`. */
  error: string;
  /**
   * Cheaply finds the partition (`YYYY-MM-DD/HH`) of a line without building its row, for the
   * shipper's grouping; '' when the line has no readable event time (header, comment, garbage).
   * Header lines still update the parser's field mapping.
   */
  locate(line: string): string;
  /**
   * The header line in force (CloudFront `#Version`+`#Fields`, the VPC field-name line), to lead
   * every Firehose record packed from this file; '' when none was seen or the format has none.
   */
  readonly header: string;
}

/** How a source object splits into lines. */
export type DocumentSplit = { readonly lines: readonly string[] } | { readonly skip: string };

export interface LogFormat {
  readonly table: TableName;
  readonly schema: TableSchema;
  /** Whether the object is usually gzip-compressed (content is sniffed anyway). */
  readonly gzip: boolean;
  /** True when the object key alone identifies this format (and the object is a log, not a known non-log file). */
  matchKey(key: string): boolean;
  /** True when the first line(s) of the decompressed content look like this format. */
  matchContent(head: string): boolean;
  /**
   * A reason when the object is a known non-log file under a log prefix (CloudTrail digests,
   * `ELBAccessLogTestFile`, …), judged by key and/or the start of its content; otherwise undefined.
   */
  skipObject(key: string, head: string): string | undefined;
  /** A fresh parser for one file or one Firehose record. */
  createParser(): LineParser;
  /**
   * For formats whose objects are one document rather than lines (CloudTrail `{"Records":[…]}`):
   * the lines (compact JSON, one event each) or a reason to skip the whole object.
   */
  splitDocument?(text: string): DocumentSplit;
}
