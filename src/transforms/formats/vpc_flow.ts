import { LineKind, type LineParser, type LogFormat } from '../format.js';
import { RowWriter, jsonSafety } from '../row-writer.js';
import { defineTable, type Column, type ColumnType } from '../schema.js';
import { LineParserBase } from './line-parser-base.js';

/**
 * VPC Flow Logs delivered to S3 as text: gzip, single-space separated, and every file starts with a
 * header line of the hyphenated field names in the order the flow log's format chose. Custom
 * formats reorder and subset the fields freely, so fields are mapped by that header; without one the
 * default (version 2) format applies. Columns are the field names in snake_case, typed like AWS's
 * Athena table and the Parquet types AWS documents for flow logs.
 */

interface FieldColumn {
  readonly field: string;
  readonly type: ColumnType;
  /** The flow log version that introduced the field. */
  readonly version: number;
}

const FIELDS: readonly FieldColumn[] = [
  { field: 'version', type: 'int', version: 2 },
  { field: 'account-id', type: 'string', version: 2 },
  { field: 'interface-id', type: 'string', version: 2 },
  { field: 'srcaddr', type: 'string', version: 2 },
  { field: 'dstaddr', type: 'string', version: 2 },
  { field: 'srcport', type: 'int', version: 2 },
  { field: 'dstport', type: 'int', version: 2 },
  { field: 'protocol', type: 'bigint', version: 2 },
  { field: 'packets', type: 'bigint', version: 2 },
  { field: 'bytes', type: 'bigint', version: 2 },
  { field: 'start', type: 'bigint', version: 2 },
  { field: 'end', type: 'bigint', version: 2 },
  { field: 'action', type: 'string', version: 2 },
  { field: 'log-status', type: 'string', version: 2 },
  { field: 'vpc-id', type: 'string', version: 3 },
  { field: 'subnet-id', type: 'string', version: 3 },
  { field: 'instance-id', type: 'string', version: 3 },
  { field: 'tcp-flags', type: 'int', version: 3 },
  { field: 'type', type: 'string', version: 3 },
  { field: 'pkt-srcaddr', type: 'string', version: 3 },
  { field: 'pkt-dstaddr', type: 'string', version: 3 },
  { field: 'region', type: 'string', version: 4 },
  { field: 'az-id', type: 'string', version: 4 },
  { field: 'sublocation-type', type: 'string', version: 4 },
  { field: 'sublocation-id', type: 'string', version: 4 },
  { field: 'pkt-src-aws-service', type: 'string', version: 5 },
  { field: 'pkt-dst-aws-service', type: 'string', version: 5 },
  { field: 'flow-direction', type: 'string', version: 5 },
  { field: 'traffic-path', type: 'int', version: 5 },
  { field: 'ecs-cluster-arn', type: 'string', version: 7 },
  { field: 'ecs-cluster-name', type: 'string', version: 7 },
  { field: 'ecs-container-instance-arn', type: 'string', version: 7 },
  { field: 'ecs-container-instance-id', type: 'string', version: 7 },
  { field: 'ecs-container-id', type: 'string', version: 7 },
  { field: 'ecs-second-container-id', type: 'string', version: 7 },
  { field: 'ecs-service-name', type: 'string', version: 7 },
  { field: 'ecs-task-definition-arn', type: 'string', version: 7 },
  { field: 'ecs-task-arn', type: 'string', version: 7 },
  { field: 'ecs-task-id', type: 'string', version: 7 },
  { field: 'reject-reason', type: 'string', version: 8 },
  { field: 'resource-id', type: 'string', version: 9 },
  { field: 'encryption-status', type: 'int', version: 10 },
];

/** The default format: every version 2 field, in order. */
const DEFAULT_FIELD_COUNT = 14;

const logColumns: Column[] = FIELDS.map((f) => ({
  name: f.field.replaceAll('-', '_'),
  type: f.type,
  comment: `${f.field} (flow log version ${f.version})`,
}));

const schema = defineTable({
  table: 'vpc_flow',
  description: 'VPC Flow Logs (text format)',
  logColumns,
  dedupKey: ['account_id', 'interface_id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'start', 'end', 'action', 'log_status'],
});

const COLUMN_OF_FIELD = new Map<string, number>(FIELDS.map((f, i) => [f.field, i]));
const START_COLUMN = COLUMN_OF_FIELD.get('start')!;
const END_COLUMN = COLUMN_OF_FIELD.get('end')!;
const TIMESTAMP_COLUMN = schema.columns.findIndex((c) => c.name === 'timestamp');

/** How the fields of a data line map to columns, built once per header line. */
class FieldMapping {
  /** Field position → column index, or -1 for fields this table does not know. */
  readonly columns: Int32Array;
  /** Position and column of the field that gives the event time: `start`, else `end`; -1 if neither. */
  readonly timeField: number;
  readonly timeColumn: number;

  constructor(columns: Int32Array) {
    this.columns = columns;
    const start = columns.indexOf(START_COLUMN);
    const end = columns.indexOf(END_COLUMN);
    this.timeField = start >= 0 ? start : end;
    this.timeColumn = start >= 0 ? START_COLUMN : END_COLUMN;
  }

  static fromHeader(names: readonly string[]): FieldMapping {
    const columns = new Int32Array(names.length).fill(-1);
    const used = new Set<number>();
    names.forEach((name, i) => {
      const column = COLUMN_OF_FIELD.get(name);
      if (column !== undefined && !used.has(column)) {
        columns[i] = column;
        used.add(column);
      }
    });
    return new FieldMapping(columns);
  }
}

const DEFAULT_MAPPING = new FieldMapping(Int32Array.from({ length: DEFAULT_FIELD_COUNT }, (_, i) => i));

/**
 * The field names of a header line, or undefined when the line is not one. A header holds only
 * tokens shaped like field names (lower-case letters, digits, hyphens; starting with a letter), at
 * least one of them a known field; unknown (newer) names are allowed and ignored.
 */
function headerNames(line: string, end: number): string[] | undefined {
  const first = line.charCodeAt(0);
  if (first < 97 || first > 122) return undefined;
  for (let i = 1; i < end; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 32)) return undefined;
  }
  const names = line.slice(0, end).split(' ').filter((n) => n !== '');
  let known = 0;
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 97 || c > 122) return undefined;
    if (COLUMN_OF_FIELD.has(name)) known++;
  }
  return known > 0 ? names : undefined;
}

const MAX_EPOCH_SECONDS = 253402300799; // 9999-12-31T23:59:59Z

/** Unix seconds (digits only) in `text[start, end)`, or -1. */
function epochSecondsOf(text: string, start: number, end: number): number {
  if (end <= start || end - start > 12) return -1;
  let seconds = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    seconds = seconds * 10 + c - 48;
  }
  return seconds <= MAX_EPOCH_SECONDS ? seconds : -1;
}

function isoOfEpochSeconds(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

/** The line's length without a trailing carriage return (CRLF files). */
function contentEnd(line: string): number {
  const length = line.length;
  return length > 0 && line.charCodeAt(length - 1) === 13 ? length - 1 : length;
}

class VpcFlowParser extends LineParserBase implements LineParser {
  header = '';
  private mapping = DEFAULT_MAPPING;
  private readonly writer = new RowWriter(schema.columns);
  private readonly values: (string | undefined)[] = new Array<string | undefined>(schema.columns.length).fill(undefined);
  // The event time of the previous line: records of one capture window share it.
  private lastSeconds = '';
  private lastTimestamp = '';

  locate(line: string): string {
    const end = contentEnd(line);
    if (end === 0 || this.takeHeader(line, end)) return '';
    const timeField = this.mapping.timeField;
    if (timeField < 0) return '';
    let pos = 0;
    for (let field = 0; field < timeField; field++) {
      const space = line.indexOf(' ', pos);
      if (space < 0 || space >= end) return '';
      pos = space + 1;
    }
    let stop = line.indexOf(' ', pos);
    if (stop < 0 || stop > end) stop = end;
    const seconds = epochSecondsOf(line, pos, stop);
    if (seconds < 0) return '';
    const iso = isoOfEpochSeconds(seconds);
    return `${iso.slice(0, 10)}/${iso.slice(11, 13)}`;
  }

  parse(line: string): LineKind {
    this.timestamp = this.dt = this.hour = '';
    const end = contentEnd(line);
    if (end === 0) return this.skip('blank line');
    if (this.takeHeader(line, end)) return this.skip('header');

    const v = this.values;
    v.fill(undefined);
    const columns = this.mapping.columns;
    const fieldCount = columns.length;
    let pos = 0;
    for (let field = 0; field < fieldCount; field++) {
      let stop = line.indexOf(' ', pos);
      if (stop < 0 || stop > end) stop = end;
      const column = columns[field];
      if (column >= 0 && stop > pos) v[column] = line.slice(pos, stop);
      if (stop === end) break;
      pos = stop + 1;
    }

    const timeError = this.eventTime();
    if (timeError !== undefined) return this.fail(line, timeError);
    v[TIMESTAMP_COLUMN] = this.timestamp;
    const json = this.writer.write(v, jsonSafety(line));
    if (json === undefined) return this.fail(line, this.writer.error);
    this.json = json;
    return LineKind.Row;
  }

  /** Sets `timestamp`, `dt`, `hour` from `start` (or `end`); returns why it could not. */
  private eventTime(): string | undefined {
    const mapping = this.mapping;
    if (mapping.timeField < 0) return 'the header has neither start nor end';
    const name = mapping.timeColumn === START_COLUMN ? 'start' : 'end';
    const text = this.values[mapping.timeColumn];
    if (text === undefined) return `${name} is missing`;
    if (text === '-') return `${name} is '-' (no capture window)`;
    if (text !== this.lastSeconds) {
      const seconds = epochSecondsOf(text, 0, text.length);
      if (seconds < 0) return `${name} is not Unix seconds`;
      this.lastSeconds = text;
      this.lastTimestamp = isoOfEpochSeconds(seconds);
    }
    const timestamp = this.lastTimestamp;
    this.timestamp = timestamp;
    this.dt = timestamp.slice(0, 10);
    this.hour = timestamp.slice(11, 13);
    return undefined;
  }

  /** True (and the mapping replaced) when the line is a field-name header. */
  private takeHeader(line: string, end: number): boolean {
    const c = line.charCodeAt(0);
    if (c < 97 || c > 122) return false;
    const text = end === line.length ? line : line.slice(0, end);
    if (text === this.header) return true;
    const names = headerNames(line, end);
    if (names === undefined) return false;
    this.header = text;
    this.mapping = FieldMapping.fromHeader(names);
    return true;
  }
}

/**
 * `…/AWSLogs/<acct>/vpcflowlogs/<region>/YYYY/MM/DD/[HH/]<acct>_vpcflowlogs_<region>_<fl-id>_YYYYMMDDTHHmmZ_<hash>.log.gz`
 * (also the Hive-compatible layout, which keeps the same file name). Parquet objects do not match.
 */
const KEY = /(?:^|\/)\d{12}_vpcflowlogs_[a-z0-9-]+_fl-[0-9a-z]+_\d{8}T\d{4}Z_[0-9a-zA-Z]+\.log(?:\.gz)?$/;
/** A default-format data line: version, account (or `unknown`), interface. */
const DATA_LINE = /^\d+ (?:\d{12}|unknown) eni-[0-9a-z]+ /;

function matchContent(head: string): boolean {
  const newline = head.indexOf('\n');
  const first = newline < 0 ? head : head.slice(0, newline);
  const end = contentEnd(first);
  if (end === 0) return false;
  const names = headerNames(first, end);
  if (names !== undefined) return COLUMN_OF_FIELD.has(names[0]);
  return DATA_LINE.test(first);
}

export const vpcFlow: LogFormat = {
  table: 'vpc_flow',
  schema,
  gzip: true,
  matchKey: (key) => KEY.test(key),
  matchContent,
  skipObject: () => undefined,
  createParser: () => new VpcFlowParser(),
};
