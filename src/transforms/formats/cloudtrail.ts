import { LineKind, type DocumentSplit, type LineParser, type LogFormat } from '../format.js';
import { errorRowJson } from '../row-writer.js';
import { defineTable, type Column, type ColumnType } from '../schema.js';
import { isIsoTimestamp, partitionOfIso } from '../time.js';

/**
 * AWS CloudTrail events. An object is one gzip JSON document `{"Records":[…]}`; `splitDocument`
 * turns it into one compact JSON line per event, and the parser turns each line into a row.
 *
 * Columns follow AWS's Athena table `cloudtrail_logs` (Hive JSON SerDe variant, the one AWS
 * recommends because it reads the newer fields): the record's keys lower-cased, `useridentity`,
 * `resources`, `addendum` and `tlsdetails` as structs, the free-form parts
 * (`requestparameters`, `responseelements`, `additionaleventdata`, `serviceeventdetails`,
 * `edgedevicedetails`) as JSON text. Documented fields AWS's table lacks are added the same way
 * (lower-cased, so a later AWS DDL that adds them keeps the same names): struct fields such as
 * `useridentity.inscopeof` and `sessioncontext.sourceidentity`, and columns `managementevent`,
 * `eventcontext`, `insightdetails`.
 *
 * Keys are matched case-insensitively, as the Hive JSON SerDe does (`resources[].ARN` →
 * `arn`). Every value is made to fit its column's type, and whatever no column can hold (fields
 * newer than this schema, a struct that arrived as a string, …) is kept in `unmapped_fields`, in
 * the event's own shape, so nothing is silently dropped.
 */

const string = (name: string, comment?: string): Column =>
  comment === undefined ? { name, type: 'string' } : { name, type: 'string', comment };
const struct = (name: string, fields: Column[], comment?: string): Column => {
  const type: ColumnType = { kind: 'struct', fields };
  return comment === undefined ? { name, type } : { name, type, comment };
};
const JSON_TEXT = 'JSON text of the logged value (a logged string is kept as is)';

const sessionContext = struct('sessioncontext', [
  struct('attributes', [string('mfaauthenticated'), string('creationdate')]),
  struct('sessionissuer', [string('type'), string('principalid'), string('arn'), string('accountid'), string('username')]),
  string('ec2roledelivery'),
  struct('webidfederationdata', [
    string('federatedprovider'),
    { name: 'attributes', type: { kind: 'map', key: 'string', value: 'string' } },
  ]),
  // Newer than AWS's table:
  string('sourceidentity', 'AWS STS source identity'),
  string('assumedroot', 'true for centralized root access sessions'),
]);

const userIdentity = struct('useridentity', [
  string('type'),
  string('principalid'),
  string('arn'),
  string('accountid'),
  string('invokedby'),
  string('accesskeyid'),
  string('username'),
  struct('onbehalfof', [string('userid'), string('identitystorearn')]),
  sessionContext,
  // Newer than AWS's table:
  struct('inscopeof', [string('sourcearn'), string('sourceaccount'), string('issuertype'), string('credentialsissuedto')]),
  string('credentialid'),
  string('identityprovider'),
  struct('invokedbydelegate', [string('accountid')]),
]);

const logColumns: Column[] = [
  string('eventversion'),
  userIdentity,
  string('eventtime', 'as logged; the timestamp column holds it as a TIMESTAMP'),
  string('eventsource'),
  string('eventname'),
  string('awsregion'),
  string('sourceipaddress'),
  string('useragent'),
  string('errorcode'),
  string('errormessage'),
  string('requestparameters', JSON_TEXT),
  string('responseelements', JSON_TEXT),
  string('additionaleventdata', JSON_TEXT),
  string('requestid'),
  string('eventid'),
  {
    name: 'resources',
    type: {
      kind: 'array',
      element: { kind: 'struct', fields: [string('arn'), string('accountid'), string('type'), string('arnprefix')] },
    },
  },
  string('eventtype'),
  string('apiversion'),
  string('readonly', 'true or false'),
  string('recipientaccountid'),
  string('serviceeventdetails', JSON_TEXT),
  string('sharedeventid'),
  string('vpcendpointid'),
  string('vpcendpointaccountid'),
  string('eventcategory'),
  struct('addendum', [string('reason'), string('updatedfields'), string('originalrequestid'), string('originaleventid')]),
  string('sessioncredentialfromconsole'),
  string('edgedevicedetails', JSON_TEXT),
  struct('tlsdetails', [string('tlsversion'), string('ciphersuite'), string('clientprovidedhostheader')]),
  // Newer than AWS's table:
  string('managementevent', 'true or false'),
  string('eventcontext', `${JSON_TEXT}; enriched events (requestContext, tagContext)`),
  string('insightdetails', `${JSON_TEXT}; Insights events only`),
];

const UNMAPPED_COLUMN: Column = {
  name: 'unmapped_fields',
  type: 'string',
  comment:
    'JSON object with the parts of the event that no column holds (fields newer than this table, values of the wrong shape), shaped like the event (array items keyed by index); null when everything was mapped',
};

const schema = defineTable({
  table: 'cloudtrail',
  description: 'AWS CloudTrail events (management, data and network activity), one row per event',
  logColumns,
  derivedColumns: [UNMAPPED_COLUMN],
  dedupKey: ['eventid'],
});

// ---------------------------------------------------------------------------------------------
// Fitting logged values to the schema types

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object without a prototype, so keys such as `__proto__` are plain data. */
function dict(): JsonObject {
  return Object.create(null) as JsonObject;
}

/** What fits the column (undefined = null) and what did not (undefined = nothing). */
interface Fitted {
  value: unknown;
  lost: unknown;
}

const fieldsByLowerName = new WeakMap<readonly Column[], Map<string, Column>>();

function fieldIndex(fields: readonly Column[]): Map<string, Column> {
  let index = fieldsByLowerName.get(fields);
  if (index === undefined) {
    index = new Map(fields.map((f) => [f.name, f]));
    fieldsByLowerName.set(fields, index);
  }
  return index;
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function fit(type: ColumnType, value: unknown): Fitted {
  if (value === null || value === undefined) return { value: undefined, lost: undefined };
  if (type === 'string') return { value: textOf(value), lost: undefined };
  if (typeof type === 'string') return { value: undefined, lost: value }; // no other scalar is used here
  switch (type.kind) {
    case 'struct':
      return isObject(value) ? fitStruct(type.fields, value) : { value: undefined, lost: value };
    case 'array': {
      if (!Array.isArray(value)) return { value: undefined, lost: value };
      const out: unknown[] = new Array(value.length);
      let lost: JsonObject | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = fit(type.element, value[i]);
        out[i] = item.value === undefined ? null : item.value;
        if (item.lost !== undefined) (lost ??= dict())[i] = item.lost;
      }
      return { value: out, lost };
    }
    case 'map': {
      if (!isObject(value)) return { value: undefined, lost: value };
      const out = dict();
      let lost: JsonObject | undefined;
      for (const key of Object.keys(value)) {
        const entry = fit(type.value, value[key]);
        out[key] = entry.value === undefined ? null : entry.value;
        if (entry.lost !== undefined) (lost ??= dict())[key] = entry.lost;
      }
      return { value: out, lost };
    }
  }
}

/** The struct's fields (by lower-cased key, first key wins), in schema order; the rest is lost. */
function fitStruct(fields: readonly Column[], source: JsonObject): Fitted {
  const index = fieldIndex(fields);
  const found = new Map<string, unknown>();
  let lost: JsonObject | undefined;
  for (const key of Object.keys(source)) {
    const name = key.toLowerCase();
    const field = index.get(name);
    if (field === undefined || found.has(name)) {
      (lost ??= dict())[key] = source[key];
      continue;
    }
    const fitted = fit(field.type, source[key]);
    found.set(name, fitted.value);
    if (fitted.lost !== undefined) (lost ??= dict())[key] = fitted.lost;
  }
  const out = dict();
  for (const field of fields) {
    const value = found.get(field.name);
    if (value !== undefined) out[field.name] = value;
  }
  return { value: out, lost };
}

// ---------------------------------------------------------------------------------------------
// Event time

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` naming a real instant (no February 30th, no minute 60), so the
 * TIMESTAMP conversion cannot fail.
 */
export function isValidEventTime(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 30 || !isIsoTimestamp(value)) return false;
  if (Number(value.slice(14, 16)) > 59 || Number(value.slice(17, 19)) > 59) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return Number(value.slice(8, 10)) <= days;
}

function isJsonWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Index of the quote ending the string that starts at `start` (a quote after an odd run of backslashes is escaped), or -1. */
function closingQuote(line: string, start: number): number {
  let end = line.indexOf('"', start);
  while (end >= 0) {
    let before = end - 1;
    while (before >= start && line.charCodeAt(before) === 92 /* \ */) before--;
    if ((end - 1 - before) % 2 === 0) return end;
    end = line.indexOf('"', end + 1);
  }
  return -1;
}

/** The value of the JSON string literal between `start` and `end` (quotes excluded), or undefined when malformed. */
function stringAt(line: string, start: number, end: number): string | undefined {
  const raw = line.slice(start, end);
  if (raw.indexOf('\\') < 0) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}

const KEY = 0;
const COLON = 1;
const VALUE = 2;
const AFTER_VALUE = 3;

/**
 * The top-level `eventTime` string of a JSON object line, without parsing the line: a single
 * pass that tracks nesting and strings. For valid JSON it returns exactly what
 * `JSON.parse(line).eventTime` is when that is a string (the last duplicate key wins, as in
 * JSON.parse; an `eventTime` inside a nested object is ignored), else undefined. For invalid JSON
 * it returns the best reading, which `parse` also uses for the error row, so `locate` and `parse`
 * always agree.
 */
export function topLevelEventTime(line: string): string | undefined {
  const n = line.length;
  let i = 0;
  while (i < n && isJsonWhitespace(line.charCodeAt(i))) i++;
  if (i >= n || line.charCodeAt(i) !== 123 /* { */) return undefined;
  let depth = 0;
  let state = KEY;
  let keyIsEventTime = false;
  let result: string | undefined;
  for (; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i + 1;
      const end = closingQuote(line, start);
      if (end < 0) break;
      i = end;
      if (depth === 1) {
        if (state === KEY) {
          keyIsEventTime = stringAt(line, start, end) === 'eventTime';
          state = COLON;
        } else if (state === VALUE) {
          if (keyIsEventTime) result = stringAt(line, start, end);
          state = AFTER_VALUE;
        }
      }
      continue;
    }
    if (c === 123 || c === 91 /* [ */) {
      if (depth === 1 && state === VALUE) {
        if (keyIsEventTime) result = undefined;
        state = AFTER_VALUE;
      }
      depth++;
      continue;
    }
    if (c === 125 /* } */ || c === 93 /* ] */) {
      if (--depth <= 0) break;
      continue;
    }
    if (depth !== 1 || isJsonWhitespace(c)) continue;
    if (c === 58 /* : */) {
      if (state === COLON) state = VALUE;
    } else if (c === 44 /* , */) {
      state = KEY;
    } else if (state === VALUE) {
      // number, true, false, null
      if (keyIsEventTime) result = undefined;
      state = AFTER_VALUE;
    }
  }
  return result;
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isJsonWhitespace(c) && c !== 0xfeff) return false;
  }
  return true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Parser

const TIMESTAMP_NAME = 'timestamp';

class CloudTrailParser implements LineParser {
  json = '';
  timestamp = '';
  dt = '';
  hour = '';
  error = '';
  readonly header = '';

  locate(line: string): string {
    const time = topLevelEventTime(line);
    return isValidEventTime(time) ? partitionOfIso(time) : '';
  }

  parse(line: string): LineKind {
    this.timestamp = this.dt = this.hour = '';
    try {
      return this.parseEvent(line);
    } catch (error) {
      // Only pathological input gets here (e.g. nesting too deep to serialise); keep it raw.
      return this.fail(line, `unreadable event: ${messageOf(error)}`, topLevelEventTime(line));
    }
  }

  private parseEvent(line: string): LineKind {
    if (isBlank(line)) return this.skip('blank line');
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (error) {
      return this.fail(line, `not valid JSON: ${messageOf(error)}`, topLevelEventTime(line));
    }
    if (!isObject(event)) return this.fail(line, 'not a JSON object');
    const time = event.eventTime;
    if (time === undefined || time === null) return this.fail(line, 'no eventTime');
    if (!isValidEventTime(time)) return this.fail(line, `eventTime is not an ISO-8601 UTC time: ${preview(time)}`);

    const fitted = fitStruct(logColumns, event);
    const values = fitted.value as JsonObject;
    const row = dict();
    for (const column of schema.columns) {
      const name = column.name;
      if (name === TIMESTAMP_NAME) row[name] = time;
      else if (name === UNMAPPED_COLUMN.name) {
        if (fitted.lost !== undefined) row[name] = JSON.stringify(fitted.lost);
      } else if (name in values) row[name] = values[name];
    }
    this.json = JSON.stringify(row);
    this.setTime(time);
    this.error = '';
    return LineKind.Row;
  }

  private setTime(time: string): void {
    this.timestamp = time;
    this.dt = time.slice(0, 10);
    this.hour = time.slice(11, 13);
  }

  private fail(line: string, error: string, time?: unknown): LineKind {
    const readable = isValidEventTime(time);
    if (readable) this.setTime(time);
    this.error = error;
    this.json = errorRowJson(line, error, readable ? time : undefined);
    return LineKind.Error;
  }

  private skip(reason: string): LineKind {
    this.error = reason;
    this.json = '';
    return LineKind.Skip;
  }
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Documents and detection

const DIGEST_KEYS = ['digestStartTime', 'digestEndTime', 'digestS3Bucket', 'digestS3Object', 'digestSignatureAlgorithm'];

function splitDocument(text: string): DocumentSplit {
  try {
    if (isBlank(text)) return { skip: 'empty document' };
    let document: unknown;
    try {
      document = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      // A damaged CloudTrail file (truncated, corrupted) is kept: its lines become error rows.
      if (/^\uFEFF?\s*\{\s*"Records"\s*:/.test(text)) return { lines: text.split('\n').filter((line) => !isBlank(line)) };
      return { skip: `not a CloudTrail log file: not valid JSON (${messageOf(error)})` };
    }
    if (!isObject(document)) return { skip: 'not a CloudTrail log file: the JSON is not an object' };
    if (!Object.hasOwn(document, 'Records')) {
      if (DIGEST_KEYS.some((key) => Object.hasOwn(document, key))) return { skip: 'CloudTrail digest file' };
      return { skip: 'not a CloudTrail log file: JSON without Records' };
    }
    const records = document.Records;
    if (!Array.isArray(records)) return { skip: 'not a CloudTrail log file: Records is not an array' };
    if (records.length === 0) return { skip: 'no events (empty Records)' };
    return { lines: records.map((record) => JSON.stringify(record) ?? 'null') };
  } catch (error) {
    return { skip: `unreadable CloudTrail document: ${messageOf(error)}` };
  }
}

/**
 * `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz`, under
 * `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/` (organization trails: `AWSLogs/<o-id>/<account>/…`),
 * or the file alone. Network activity events use `CloudTrail-NetworkActivity` in both places.
 */
const KEY_PATTERN = /(?:^|\/)\d{12}_CloudTrail(?:-NetworkActivity)?_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json(?:\.gz)?$/;
const DIGEST_KEY = /(?:^|\/)CloudTrail-Digest\/|_CloudTrail-Digest_/;
const INSIGHT_KEY = /(?:^|\/)CloudTrail-Insight\/|_CloudTrail-Insight_/;
const CONTENT = /^\uFEFF?[ \t\r\n]*\{[ \t\r\n]*"Records"[ \t\r\n]*:[ \t\r\n]*\[/;
const DIGEST_CONTENT = /"digest(?:StartTime|EndTime|S3Bucket|S3Object)"[ \t\r\n]*:/;
const OBJECT_START = /^\uFEFF?[ \t\r\n]*\{/;

function skipObject(key: string, head: string): string | undefined {
  if (DIGEST_KEY.test(key)) return 'CloudTrail digest file (log file integrity validation), not events';
  if (INSIGHT_KEY.test(key)) return 'CloudTrail Insights events file (CloudTrail-Insight/), not part of the cloudtrail table';
  if (OBJECT_START.test(head) && !CONTENT.test(head) && DIGEST_CONTENT.test(head.slice(0, 4096))) {
    return 'CloudTrail digest file (log file integrity validation), not events';
  }
  return undefined;
}

export const cloudtrail: LogFormat = {
  table: 'cloudtrail',
  schema,
  gzip: true,
  matchKey: (key) => KEY_PATTERN.test(key) && !DIGEST_KEY.test(key) && !INSIGHT_KEY.test(key),
  matchContent: (head) => CONTENT.test(head),
  skipObject,
  createParser: () => new CloudTrailParser(),
  splitDocument,
};
