import { LineKind, type LineParser, type LogFormat } from '../format.js';
import { MAX_FIELDS, type KernelPlan, type KernelSource, type RowKernel } from '../row-kernel.js';
import { queryParamsJson } from '../query-params.js';
import {
  CANONICAL_DECIMAL,
  CANONICAL_INTEGER,
  JsonSafety,
  RowWriter,
  jsonSafetyTabSeparated,
  type CompiledWriter,
  type ValueSource,
} from '../row-writer.js';
import { QUERY_PARAMS_COLUMN, defineTable, type Column, type ColumnType } from '../schema.js';
import { LineParserBase } from './line-parser-base.js';

/**
 * CloudFront standard logs (legacy W3C, and standard logging v2 written as W3C): gzip text with
 * `#Version: 1.0` and `#Fields: …` header lines, then TAB-separated data lines.
 *
 * Columns follow AWS's Athena table `cloudfront_standard_logs` (`date`, `time`, `location`, `bytes`,
 * …), then the fields standard logging v2 added, in snake_case. Fields are mapped by the `#Fields:`
 * line in force, never by position: fields 27–33 only exist since Dec 2019 and v2 lets users choose
 * a subset in any order. Without a `#Fields:` line the 33 legacy fields apply, in order.
 */

interface FieldColumn {
  /** The field name as the `#Fields:` line spells it. */
  readonly field: string;
  readonly name: string;
  readonly type: ColumnType;
}

const FIELDS: readonly FieldColumn[] = [
  { field: 'date', name: 'date', type: 'date' },
  { field: 'time', name: 'time', type: 'string' },
  { field: 'x-edge-location', name: 'location', type: 'string' },
  { field: 'sc-bytes', name: 'bytes', type: 'bigint' },
  { field: 'c-ip', name: 'request_ip', type: 'string' },
  { field: 'cs-method', name: 'method', type: 'string' },
  { field: 'cs(Host)', name: 'host', type: 'string' },
  { field: 'cs-uri-stem', name: 'uri', type: 'string' },
  { field: 'sc-status', name: 'status', type: 'int' },
  { field: 'cs(Referer)', name: 'referrer', type: 'string' },
  { field: 'cs(User-Agent)', name: 'user_agent', type: 'string' },
  { field: 'cs-uri-query', name: 'query_string', type: 'string' },
  { field: 'cs(Cookie)', name: 'cookie', type: 'string' },
  { field: 'x-edge-result-type', name: 'result_type', type: 'string' },
  { field: 'x-edge-request-id', name: 'request_id', type: 'string' },
  { field: 'x-host-header', name: 'host_header', type: 'string' },
  { field: 'cs-protocol', name: 'request_protocol', type: 'string' },
  { field: 'cs-bytes', name: 'request_bytes', type: 'bigint' },
  { field: 'time-taken', name: 'time_taken', type: 'float' },
  { field: 'x-forwarded-for', name: 'xforwarded_for', type: 'string' },
  { field: 'ssl-protocol', name: 'ssl_protocol', type: 'string' },
  { field: 'ssl-cipher', name: 'ssl_cipher', type: 'string' },
  { field: 'x-edge-response-result-type', name: 'response_result_type', type: 'string' },
  { field: 'cs-protocol-version', name: 'http_version', type: 'string' },
  { field: 'fle-status', name: 'fle_status', type: 'string' },
  { field: 'fle-encrypted-fields', name: 'fle_encrypted_fields', type: 'int' },
  { field: 'c-port', name: 'c_port', type: 'int' },
  { field: 'time-to-first-byte', name: 'time_to_first_byte', type: 'float' },
  { field: 'x-edge-detailed-result-type', name: 'x_edge_detailed_result_type', type: 'string' },
  { field: 'sc-content-type', name: 'sc_content_type', type: 'string' },
  { field: 'sc-content-len', name: 'sc_content_len', type: 'bigint' },
  { field: 'sc-range-start', name: 'sc_range_start', type: 'bigint' },
  { field: 'sc-range-end', name: 'sc_range_end', type: 'bigint' },
  // Standard logging (v2) fields.
  { field: 'timestamp(ms)', name: 'timestamp_ms', type: 'bigint' },
  { field: 'origin-fbl', name: 'origin_fbl', type: 'double' },
  { field: 'origin-lbl', name: 'origin_lbl', type: 'double' },
  { field: 'asn', name: 'asn', type: 'bigint' },
  { field: 'c-country', name: 'c_country', type: 'string' },
  { field: 'cache-behavior-path-pattern', name: 'cache_behavior_path_pattern', type: 'string' },
  { field: 'DistributionId', name: 'distribution_id', type: 'string' },
  { field: 'distribution-tenant-id', name: 'distribution_tenant_id', type: 'string' },
  { field: 'connection-id', name: 'connection_id', type: 'string' },
];

/** The 33 fields of legacy logs, in order: the mapping when no `#Fields:` line was seen. */
const LEGACY_FIELD_COUNT = 33;

/** Real-time log spellings of the same fields, accepted in `#Fields:` too. */
const FIELD_ALIASES: Readonly<Record<string, string>> = {
  'cs-host': 'cs(host)',
  'cs-referer': 'cs(referer)',
  'cs-user-agent': 'cs(user-agent)',
  'cs-cookie': 'cs(cookie)',
};

const logColumns: Column[] = FIELDS.map((f) => ({ name: f.name, type: f.type, comment: f.field }));

const schema = defineTable({
  table: 'cloudfront',
  description: 'CloudFront standard logs (legacy and v2, W3C)',
  logColumns,
  derivedColumns: [QUERY_PARAMS_COLUMN],
  dedupKey: ['request_id'],
});

/** Lower-cased field name → column index. */
const COLUMN_OF_FIELD = new Map<string, number>(FIELDS.map((f, i) => [f.field.toLowerCase(), i]));
for (const [alias, field] of Object.entries(FIELD_ALIASES)) COLUMN_OF_FIELD.set(alias, COLUMN_OF_FIELD.get(field)!);

const DATE_COLUMN = 0;
const TIME_COLUMN = 1;
const QUERY_COLUMN = COLUMN_OF_FIELD.get('cs-uri-query')!;
const MILLIS_COLUMN = COLUMN_OF_FIELD.get('timestamp(ms)')!;
const TIMESTAMP_COLUMN = schema.columns.findIndex((c) => c.name === 'timestamp');
const QUERY_PARAMS_INDEX = schema.columns.findIndex((c) => c.name === QUERY_PARAMS_COLUMN.name);

const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

const enum TimeSource {
  None,
  DateTime,
  Millis,
}

/** Compiles the writers of the fast path (the cache is per column list, so any instance will do). */
const COMPILER = new RowWriter(schema.columns);

/**
 * One field of the fast path's pattern: anything but TAB, the other control characters, `"` and
 * `\\`, so a line it matches splits exactly as the general path splits it and needs no JSON
 * escaping; numbers only in the form the row writer would emit unchanged (others take the general path).
 */
function plainField(type: ColumnType | undefined): string {
  switch (type) {
    case 'int':
    case 'bigint':
      return `(${CANONICAL_INTEGER})`;
    case 'float':
    case 'double':
      return `(${CANONICAL_DECIMAL})`;
    default:
      return '([^\\u0000-\\u001f"\\\\]*)';
  }
}

/** How the fields of a data line map to columns, built once per `#Fields:` line. */
class FieldMapping {
  /** Field position → column index, or -1 for fields this table does not keep. */
  readonly columns: Int32Array;
  readonly timeSource: TimeSource;
  /** Positions of the fields that hold the event time (-1 when absent). */
  readonly dateField: number;
  readonly timeField: number;
  readonly millisField: number;
  readonly queryField: number;
  /**
   * The fast path, for lines of exactly this many fields with nothing to escape (nearly all): one
   * RegExp match splits the line and proves it plain, and a writer compiled for this mapping reads
   * the values straight from the match.
   */
  readonly plainLine: RegExp;
  readonly writePlain: CompiledWriter;
  /** Where the row kernel reads each column: field `i` is slot `i`; the timestamp and query_params are derived. */
  private readonly kernelSources: KernelSource[];
  private kernel: RowKernel | undefined;
  private kernelPlan: KernelPlan | null = null;

  constructor(columns: Int32Array) {
    this.columns = columns;
    this.dateField = columns.indexOf(DATE_COLUMN);
    this.timeField = columns.indexOf(TIME_COLUMN);
    this.millisField = columns.indexOf(MILLIS_COLUMN);
    this.queryField = columns.indexOf(QUERY_COLUMN);
    this.timeSource =
      this.dateField >= 0 && this.timeField >= 0 ? TimeSource.DateTime : this.millisField >= 0 ? TimeSource.Millis : TimeSource.None;
    this.plainLine = new RegExp(`^${Array.from(columns, (column) => plainField(schema.columns[column]?.type)).join('\\t')}$`);
    const sources: ValueSource[] = schema.columns.map(() => null);
    columns.forEach((column, field) => {
      if (column >= 0) sources[column] = field + 1;
    });
    sources[TIMESTAMP_COLUMN] = 'a';
    sources[QUERY_PARAMS_INDEX] = 'b';
    this.writePlain = COMPILER.compile(sources, { plain: true, emptyIsNull: true, canonicalNumbers: true });
    this.kernelSources = sources.map((s) => (typeof s === 'number' ? s - 1 : s));
  }

  /** This mapping's plan in `kernel`, or null when it has none (too many fields, or no room for plans). */
  planIn(kernel: RowKernel): KernelPlan | null {
    if (this.kernel !== kernel) {
      this.kernel = kernel;
      this.kernelPlan = this.columns.length > MAX_FIELDS ? null : kernel.plan(schema.columns, this.kernelSources, { emptyIsNull: true });
    }
    return this.kernelPlan;
  }

  /** The mapping of a `#Fields:` line's names; the same line (every record of a file repeats it) gives the same object. */
  static fromFieldsLine(fieldsLine: string, names: readonly string[]): FieldMapping {
    let mapping = MAPPINGS.get(fieldsLine);
    if (mapping === undefined) {
      const columns = new Int32Array(names.length).fill(-1);
      const used = new Set<number>();
      names.forEach((name, i) => {
        const column = COLUMN_OF_FIELD.get(name.toLowerCase());
        // A name listed twice keeps its first position.
        if (column !== undefined && !used.has(column)) {
          columns[i] = column;
          used.add(column);
        }
      });
      mapping = new FieldMapping(columns);
      if (MAPPINGS.size >= MAX_MAPPINGS) MAPPINGS.delete(MAPPINGS.keys().next().value!);
      MAPPINGS.set(fieldsLine, mapping);
    }
    return mapping;
  }
}

/** Mappings by `#Fields:` line: a distribution's files share one, and so do the records packed from them. */
const MAPPINGS = new Map<string, FieldMapping>();
const MAX_MAPPINGS = 64;

const LEGACY_MAPPING = new FieldMapping(Int32Array.from({ length: LEGACY_FIELD_COUNT }, (_, i) => i));

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `YYYY-MM-DD` with a plausible month and day, in `text[start, end)`. */
function isDate(text: string, start: number, end: number): boolean {
  if (end - start !== 10 || text.charCodeAt(start + 4) !== 45 || text.charCodeAt(start + 7) !== 45) return false;
  for (let i = start; i < end; i++) if (i !== start + 4 && i !== start + 7 && !isDigitCode(text.charCodeAt(i))) return false;
  const month = (text.charCodeAt(start + 5) - 48) * 10 + text.charCodeAt(start + 6) - 48;
  const day = (text.charCodeAt(start + 8) - 48) * 10 + text.charCodeAt(start + 9) - 48;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** `HH:MM:SS` in `text[start, end)`; returns the hour, or -1. */
function hourOfTime(text: string, start: number, end: number): number {
  if (end - start !== 8 || text.charCodeAt(start + 2) !== 58 || text.charCodeAt(start + 5) !== 58) return -1;
  for (let i = start; i < end; i++) if (i !== start + 2 && i !== start + 5 && !isDigitCode(text.charCodeAt(i))) return -1;
  const hour = (text.charCodeAt(start) - 48) * 10 + text.charCodeAt(start + 1) - 48;
  const minute = (text.charCodeAt(start + 3) - 48) * 10 + text.charCodeAt(start + 4) - 48;
  const second = (text.charCodeAt(start + 6) - 48) * 10 + text.charCodeAt(start + 7) - 48;
  return hour <= 23 && minute <= 59 && second <= 59 ? hour : -1;
}

const MAX_EPOCH_MILLIS = 253402300799999; // 9999-12-31T23:59:59.999Z

/** Epoch milliseconds (digits only) in `text[start, end)`, or -1. */
function epochMillisOf(text: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let ms = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isDigitCode(c)) return -1;
    ms = ms * 10 + c - 48;
  }
  return ms <= MAX_EPOCH_MILLIS ? ms : -1;
}

function isoOfEpochMillis(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** An empty field is absent, as the general path (which does not slice empty fields) sees it. */
function nonEmpty(value: string): string | undefined {
  return value === '' ? undefined : value;
}

/** `YYYY-MM-DD` with a plausible month and day at `src[start…]` (`isDate` over bytes). */
function isDateBytes(src: Uint8Array, start: number): boolean {
  if (src[start + 4] !== 45 || src[start + 7] !== 45) return false;
  for (let i = start; i < start + 10; i++) if (i !== start + 4 && i !== start + 7 && !isDigitCode(src[i])) return false;
  const month = (src[start + 5] - 48) * 10 + src[start + 6] - 48;
  const day = (src[start + 8] - 48) * 10 + src[start + 9] - 48;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** `HH:MM:SS` in `src[start, end)`; returns the hour, or -1 (`hourOfTime` over bytes). */
function hourOfTimeBytes(src: Uint8Array, start: number, end: number): number {
  if (end - start !== 8 || src[start + 2] !== 58 || src[start + 5] !== 58) return -1;
  for (let i = start; i < end; i++) if (i !== start + 2 && i !== start + 5 && !isDigitCode(src[i])) return -1;
  const hour = (src[start] - 48) * 10 + src[start + 1] - 48;
  const minute = (src[start + 3] - 48) * 10 + src[start + 4] - 48;
  const second = (src[start + 6] - 48) * 10 + src[start + 7] - 48;
  return hour <= 23 && minute <= 59 && second <= 59 ? hour : -1;
}

/** Epoch milliseconds (digits only) in `src[start, end)`, or -1 (`epochMillisOf` over bytes). */
function epochMillisOfBytes(src: Uint8Array, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let ms = 0;
  for (let i = start; i < end; i++) {
    const c = src[i];
    if (!isDigitCode(c)) return -1;
    ms = ms * 10 + c - 48;
  }
  return ms <= MAX_EPOCH_MILLIS ? ms : -1;
}

/** The line's length without a trailing carriage return (CRLF files). */
function contentEnd(line: string): number {
  const length = line.length;
  return length > 0 && line.charCodeAt(length - 1) === 13 ? length - 1 : length;
}

class CloudFrontParser extends LineParserBase implements LineParser {
  header = '';
  private mapping = LEGACY_MAPPING;
  private versionLine = '';
  private fieldsLine = '';
  private readonly writer = new RowWriter(schema.columns);
  private readonly values: (string | undefined)[] = new Array<string | undefined>(schema.columns.length).fill(undefined);
  // The event time of the previous line: consecutive lines usually share it.
  private lastDate = '';
  private lastTime = '';
  private lastMillis = '';
  private lastTimestamp = '';
  private lastHour = '';
  // The byte-level path's event-time cache: the bytes of `date` and `time`, or the epoch millis.
  private readonly timeBytes = new Uint8Array(18);
  private timeBytesValid = false;
  private timeMillis = -1;
  private byteTimestamp = '';
  private byteDt = '';
  private byteHour = '';

  parseBytes(kernel: RowKernel, start: number, end: number): boolean {
    if (start >= end || kernel.bytes[start] === 35 /* # */) return false;
    const mapping = this.mapping;
    const plan = mapping.planIn(kernel);
    if (plan === null) return false;
    // Fields past the mapping's are ignored and missing trailing ones are null, as in `parse`.
    const count = kernel.splitTabs(start, end, mapping.columns.length);
    if (count < 0 || !this.eventTimeOfBytes(kernel, mapping, count)) return false;
    let query: string | undefined;
    const queryField = mapping.queryField;
    if (queryField >= 0 && queryField < count) {
      const p = kernel.slots[queryField * 2];
      const e = kernel.slots[queryField * 2 + 1];
      if (e > p && (e !== p + 1 || kernel.bytes[p] !== 45)) query = queryParamsJson(kernel.bytes.toString('latin1', p, e));
    }
    if (!kernel.setA(this.timestamp) || !kernel.setB(query)) return false;
    kernel.reserve(plan.fixedBytes + (end - start) + this.timestamp.length + (query === undefined ? 0 : query.length * 3));
    return kernel.writeRow(plan, count);
  }

  /** `eventTime` over the field ranges of `parseBytes`; false when the line should take the string path. */
  private eventTimeOfBytes(kernel: RowKernel, mapping: FieldMapping, count: number): boolean {
    const src = kernel.bytes;
    const slots = kernel.slots;
    if (mapping.timeSource === TimeSource.DateTime) {
      if (mapping.dateField >= count || mapping.timeField >= count) return false;
      const dateStart = slots[mapping.dateField * 2];
      const timeStart = slots[mapping.timeField * 2];
      if (slots[mapping.dateField * 2 + 1] - dateStart !== 10 || slots[mapping.timeField * 2 + 1] - timeStart !== 8) return false;
      const cache = this.timeBytes;
      let same = this.timeBytesValid;
      for (let i = 0; same && i < 10; i++) same = cache[i] === src[dateStart + i];
      for (let i = 0; same && i < 8; i++) same = cache[10 + i] === src[timeStart + i];
      if (!same) {
        const hour = isDateBytes(src, dateStart) ? hourOfTimeBytes(src, timeStart, timeStart + 8) : -1;
        if (hour < 0) return false;
        for (let i = 0; i < 10; i++) cache[i] = src[dateStart + i];
        for (let i = 0; i < 8; i++) cache[10 + i] = src[timeStart + i];
        this.timeBytesValid = true;
        this.timeMillis = -1;
        this.byteDt = src.toString('latin1', dateStart, dateStart + 10);
        this.byteTimestamp = `${this.byteDt}T${src.toString('latin1', timeStart, timeStart + 8)}Z`;
        this.byteHour = HOURS[hour];
      }
    } else if (mapping.timeSource === TimeSource.Millis) {
      if (mapping.millisField >= count) return false;
      const ms = epochMillisOfBytes(src, slots[mapping.millisField * 2], slots[mapping.millisField * 2 + 1]);
      if (ms < 0) return false;
      if (ms !== this.timeMillis) {
        this.timeBytesValid = false;
        this.timeMillis = ms;
        this.byteTimestamp = isoOfEpochMillis(ms);
        this.byteDt = this.byteTimestamp.slice(0, 10);
        this.byteHour = this.byteTimestamp.slice(11, 13);
      }
    } else {
      return false;
    }
    this.timestamp = this.byteTimestamp;
    this.dt = this.byteDt;
    this.hour = this.byteHour;
    return true;
  }

  locate(line: string): string {
    if (line.length === 0) return '';
    if (line.charCodeAt(0) === 35 /* # */) {
      this.directive(line);
      return '';
    }
    const end = contentEnd(line);
    const mapping = this.mapping;
    if (mapping.timeSource === TimeSource.DateTime) {
      const dateField = mapping.dateField;
      const timeField = mapping.timeField;
      const last = dateField > timeField ? dateField : timeField;
      let dateStart = -1;
      let dateEnd = -1;
      let timeStart = -1;
      let timeEnd = -1;
      let pos = 0;
      for (let field = 0; field <= last; field++) {
        let stop = line.indexOf('\t', pos);
        if (stop < 0 || stop > end) stop = end;
        if (field === dateField) {
          dateStart = pos;
          dateEnd = stop;
        } else if (field === timeField) {
          timeStart = pos;
          timeEnd = stop;
        }
        if (stop === end) break;
        pos = stop + 1;
      }
      if (dateStart < 0 || timeStart < 0 || !isDate(line, dateStart, dateEnd)) return '';
      const hour = hourOfTime(line, timeStart, timeEnd);
      return hour < 0 ? '' : `${line.slice(dateStart, dateEnd)}/${HOURS[hour]}`;
    }
    if (mapping.timeSource === TimeSource.Millis) {
      let pos = 0;
      for (let field = 0; field < mapping.millisField; field++) {
        const tab = line.indexOf('\t', pos);
        if (tab < 0 || tab >= end) return '';
        pos = tab + 1;
      }
      let stop = line.indexOf('\t', pos);
      if (stop < 0 || stop > end) stop = end;
      const ms = epochMillisOf(line, pos, stop);
      if (ms < 0) return '';
      const iso = isoOfEpochMillis(ms);
      return `${iso.slice(0, 10)}/${iso.slice(11, 13)}`;
    }
    return '';
  }

  parse(line: string): LineKind {
    this.timestamp = this.dt = this.hour = '';
    if (line.length === 0) return this.skip('blank line');
    if (line.charCodeAt(0) === 35 /* # */) return this.skip(this.directive(line));
    const mapping = this.mapping;
    const match = mapping.plainLine.exec(line);
    if (match !== null) return this.parsePlain(line, match, mapping);
    const end = contentEnd(line);
    if (end === 0) return this.skip('blank line');

    const v = this.values;
    v.fill(undefined);
    const columns = mapping.columns;
    const fieldCount = columns.length;
    let pos = 0;
    for (let field = 0; field < fieldCount; field++) {
      let stop = line.indexOf('\t', pos);
      if (stop < 0 || stop > end) stop = end;
      const column = columns[field];
      if (column >= 0 && stop > pos) v[column] = line.slice(pos, stop);
      if (stop === end) break;
      pos = stop + 1;
    }

    const timeError = this.eventTime(v[DATE_COLUMN], v[TIME_COLUMN], v[MILLIS_COLUMN]);
    if (timeError !== undefined) return this.fail(line, timeError);
    v[TIMESTAMP_COLUMN] = this.timestamp;
    v[QUERY_PARAMS_INDEX] = queryParamsJson(v[QUERY_COLUMN]);
    const json = this.writer.write(v, jsonSafetyTabSeparated(line));
    if (json === undefined) return this.fail(line, this.writer.error);
    this.json = json;
    return LineKind.Row;
  }

  /** The fast path: `match` holds every field of a line with nothing to escape (see FieldMapping). */
  private parsePlain(line: string, match: RegExpExecArray, mapping: FieldMapping): LineKind {
    const timeError = this.eventTime(
      mapping.dateField >= 0 ? nonEmpty(match[mapping.dateField + 1]) : undefined,
      mapping.timeField >= 0 ? nonEmpty(match[mapping.timeField + 1]) : undefined,
      mapping.millisField >= 0 ? nonEmpty(match[mapping.millisField + 1]) : undefined,
    );
    if (timeError !== undefined) return this.fail(line, timeError);
    const query = mapping.queryField >= 0 ? queryParamsJson(match[mapping.queryField + 1]) : undefined;
    const json = mapping.writePlain(match, JsonSafety.Plain, this.timestamp, query, this.writer);
    if (json === undefined) return this.fail(line, this.writer.error);
    this.json = json;
    return LineKind.Row;
  }

  /** Sets `timestamp`, `dt`, `hour` from the event-time fields (undefined when absent or empty); returns why it could not. */
  private eventTime(date: string | undefined, time: string | undefined, millis: string | undefined): string | undefined {
    const source = this.mapping.timeSource;
    if (source === TimeSource.DateTime) {
      if (date === undefined || time === undefined) return 'date or time is missing';
      if (date !== this.lastDate || time !== this.lastTime) {
        const hour = isDate(date, 0, date.length) ? hourOfTime(time, 0, time.length) : -1;
        if (hour < 0) return 'date and time are not YYYY-MM-DD and HH:MM:SS';
        this.lastDate = date;
        this.lastTime = time;
        this.lastMillis = '';
        this.lastTimestamp = `${date}T${time}Z`;
        this.lastHour = HOURS[hour];
      }
      this.timestamp = this.lastTimestamp;
      this.dt = date;
      this.hour = this.lastHour;
      return undefined;
    }
    if (source === TimeSource.Millis) {
      if (millis === undefined) return 'timestamp(ms) is missing';
      if (millis !== this.lastMillis) {
        const ms = epochMillisOf(millis, 0, millis.length);
        if (ms < 0) return 'timestamp(ms) is not epoch milliseconds';
        this.lastDate = this.lastTime = '';
        this.lastMillis = millis;
        this.lastTimestamp = isoOfEpochMillis(ms);
        this.lastHour = this.lastTimestamp.slice(11, 13);
      }
      this.timestamp = this.lastTimestamp;
      this.dt = this.lastTimestamp.slice(0, 10);
      this.hour = this.lastHour;
      return undefined;
    }
    return '#Fields has neither date and time nor timestamp(ms)';
  }

  /** Handles a `#` line (header or comment) and says what it was. */
  private directive(line: string): string {
    const text = line.slice(0, contentEnd(line));
    if (text.startsWith('#Fields:')) {
      if (text === this.fieldsLine) return 'header';
      const names = text.slice(8).split(/[ \t]+/).filter((n) => n !== '');
      if (names.length === 0) return 'empty #Fields header';
      this.fieldsLine = text;
      this.mapping = FieldMapping.fromFieldsLine(text, names);
      this.header = this.versionLine === '' ? text : `${this.versionLine}\n${text}`;
      return 'header';
    }
    if (text.startsWith('#Version:')) {
      this.versionLine = text;
      return 'header';
    }
    return 'comment';
  }
}

/**
 * `<prefix><DistributionId>.YYYY-MM-DD-HH.<unique>.gz`; the prefix may end in `/` or be glued on.
 * Distribution IDs have 13–14 characters; AWS's documented examples (`EMLARXS9EXAMPLE`) have 15.
 */
const KEY = /E[A-Z0-9]{12,14}\.\d{4}-\d\d-\d\d-\d\d\.[A-Za-z0-9]+\.gz$/;
const DATA_LINE = /^\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\t/;

function matchContent(head: string): boolean {
  if (head.startsWith('#Version: 1.0') || head.startsWith('#Fields: date time')) return true;
  if (head.startsWith('#Fields:')) {
    const first = head.slice(8).trimStart().split(/[\s]/, 1)[0] ?? '';
    return COLUMN_OF_FIELD.has(first.toLowerCase());
  }
  return DATA_LINE.test(head);
}

export const cloudfront: LogFormat = {
  table: 'cloudfront',
  schema,
  gzip: true,
  matchKey: (key) => KEY.test(key),
  matchContent,
  skipObject: () => undefined,
  createParser: () => new CloudFrontParser(),
};
