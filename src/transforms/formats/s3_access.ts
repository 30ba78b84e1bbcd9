import { LineKind, type LineParser, type LogFormat } from '../format.js';
import { queryOfUrl, queryParamsJson } from '../query-params.js';
import { RowWriter, jsonSafetyOfTokens } from '../row-writer.js';
import { QUERY_PARAMS_COLUMN, defineTable, type Column } from '../schema.js';
import { ClfTimeReader } from '../time.js';
import { QuotedTokenizer } from '../tokenize.js';
import { splitRequestInto, type RequestLine } from './http-fields.js';
import { LineParserBase, isBlankLine as isBlank } from './line-parser-base.js';

/**
 * Amazon S3 server access logs. Columns follow AWS's Athena table (`s3_access_logs_db.mybucket_logs`):
 * its types, its names, and its reading of the time (`requestdatetime` without the brackets).
 * Quoted fields (request URI, referrer, user agent) are kept without their quotes, so `"-"` and a
 * bare `-` are both null.
 *
 * `bucket_owner bucket [time] remote_ip requester request_id operation key "request_uri" status
 *  error_code bytes_sent object_size total_time turn_around_time "referer" "user_agent" version_id
 *  host_id sigv cipher_suite auth_type host_header tls_version access_point_arn acl_required
 *  source_region`
 */

const logColumns: Column[] = [
  { name: 'bucketowner', type: 'string' },
  { name: 'bucket_name', type: 'string' },
  { name: 'requestdatetime', type: 'string', comment: 'as logged, e.g. 06/Feb/2019:00:00:38 +0000' },
  { name: 'remoteip', type: 'string' },
  { name: 'requester', type: 'string' },
  { name: 'requestid', type: 'string' },
  { name: 'operation', type: 'string' },
  { name: 'key', type: 'string', comment: 'URL-encoded as logged (once or twice, depending on the operation)' },
  { name: 'request_uri', type: 'string' },
  { name: 'httpstatus', type: 'string' },
  { name: 'errorcode', type: 'string' },
  { name: 'bytessent', type: 'bigint' },
  { name: 'objectsize', type: 'bigint' },
  { name: 'totaltime', type: 'string', comment: 'milliseconds' },
  { name: 'turnaroundtime', type: 'string', comment: 'milliseconds' },
  { name: 'referrer', type: 'string' },
  { name: 'useragent', type: 'string' },
  { name: 'versionid', type: 'string' },
  { name: 'hostid', type: 'string' },
  { name: 'sigv', type: 'string' },
  { name: 'ciphersuite', type: 'string' },
  { name: 'authtype', type: 'string' },
  { name: 'endpoint', type: 'string' },
  { name: 'tlsversion', type: 'string' },
  { name: 'accesspointarn', type: 'string' },
  { name: 'aclrequired', type: 'string' },
  { name: 'sourceregion', type: 'string' },
];

const schema = defineTable({
  table: 's3_access',
  description: 'Amazon S3 server access logs',
  logColumns,
  derivedColumns: [QUERY_PARAMS_COLUMN],
  // One request can log several records with its request ID: a copy (REST.COPY.OBJECT_GET and the
  // PUT), a multi-object delete (one BATCH.DELETE.OBJECT per key).
  dedupKey: ['requestid', 'operation', 'key'],
});

const LOG_FIELDS = logColumns.length;
const TIMESTAMP_INDEX = LOG_FIELDS;
const QUERY_PARAMS_INDEX = LOG_FIELDS + 1;
/** Through version id: the oldest layout still written. */
const MIN_FIELDS = 18;
const REQUESTER = 4;
const REQUEST_ID = 5;
const OPERATION = 6;
const REQUEST_URI = 8;
/** How many space-separated words a requester may span (`…user/CloudFront Origin Access Identity E…` is 5). */
const MAX_REQUESTER_WORDS = 12;

/**
 * The time text between the brackets of the third field (`06/Feb/2019:00:00:38 +0000`), found by
 * position so `locate` and `parse` read the same characters; '' when there is none.
 */
function timeTextOf(line: string): string {
  const first = line.indexOf(' ');
  if (first < 0) return '';
  const second = line.indexOf(' ', first + 1);
  if (second < 0 || line.charCodeAt(second + 1) !== 91 /* [ */ || line.charCodeAt(second + 28) !== 93 /* ] */) return '';
  return line.slice(second + 2, second + 28);
}

/** `REST.GET.OBJECT`, `S3.EXPIRE.OBJECT`, `WEBSITE.HEAD.OBJECT`, `BATCH.DELETE.OBJECT`, `SOAP.CreateBucket`. */
function looksLikeOperation(token: string): boolean {
  const length = token.length;
  if (length < 3 || length > 64) return false;
  const first = token.charCodeAt(0);
  if (first < 65 || first > 90) return false;
  let dot = false;
  for (let i = 1; i < length; i++) {
    const c = token.charCodeAt(i);
    if (c === 46) dot = true;
    else if (!(isAlnum(c) || c === 95 /* _ */ || c === 45 /* - */)) return false;
  }
  return dot;
}

/** `3E57427F33A59F07`: S3 request IDs are 16 upper-case letters and digits; allow some slack. */
function looksLikeRequestId(token: string): boolean {
  const length = token.length;
  if (length < 8 || length > 64) return false;
  for (let i = 0; i < length; i++) if (!isAlnum(token.charCodeAt(i))) return false;
  return true;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * How many extra tokens the requester spans. IAM names cannot contain spaces, but some principals
 * do (`arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E15MNIMTCFKK4C`): the
 * requester then ends where a request ID followed by an operation begins.
 */
function requesterExtraWords(tokens: readonly string[], count: number): number {
  if (count <= OPERATION || looksLikeOperation(tokens[OPERATION])) return 0;
  const last = Math.min(count - 1, OPERATION + MAX_REQUESTER_WORDS - 1);
  for (let k = OPERATION + 1; k <= last; k++) {
    if (looksLikeOperation(tokens[k]) && looksLikeRequestId(tokens[k - 1])) return k - OPERATION;
  }
  return 0;
}

class S3AccessParser extends LineParserBase implements LineParser {
  readonly header = '';
  private readonly tokenizer = new QuotedTokenizer();
  private readonly writer = new RowWriter(schema.columns);
  private readonly values: (string | undefined)[] = new Array(schema.columns.length);
  private readonly request: RequestLine = { verb: undefined, url: undefined, protocol: undefined };
  private readonly times = new ClfTimeReader();

  private isoOf(time: string): string | undefined {
    return this.times.read(time);
  }

  locate(line: string): string {
    const iso = this.isoOf(timeTextOf(line));
    return iso === undefined ? '' : `${iso.slice(0, 10)}/${iso.slice(11, 13)}`;
  }

  parse(line: string): LineKind {
    this.timestamp = this.dt = this.hour = '';
    if (isBlank(line)) return this.skip('blank line');
    const time = timeTextOf(line);
    const iso = this.isoOf(time);
    if (iso === undefined) return this.fail(line, 'third field is not a time like [06/Feb/2019:00:00:38 +0000]');
    this.timestamp = iso;
    this.dt = iso.slice(0, 10);
    this.hour = iso.slice(11, 13);

    const count = this.tokenizer.split(line);
    const t = this.tokenizer.tokens;
    if (this.tokenizer.unterminated) return this.fail(line, 'unterminated quoted field');
    if (count < 3 || t[2] !== time) return this.fail(line, 'bucket owner or bucket name is malformed');
    const extra = requesterExtraWords(t, count);
    const fields = count - extra;
    if (fields < MIN_FIELDS) return this.fail(line, `expected at least ${MIN_FIELDS} fields, found ${fields}`);

    const v = this.values;
    v[0] = t[0];
    v[1] = t[1];
    v[2] = time;
    v[3] = t[3];
    v[REQUESTER] = extra === 0 ? t[REQUESTER] : t.slice(REQUESTER, REQUEST_ID + extra).join(' ');
    for (let f = REQUEST_ID; f < LOG_FIELDS; f++) v[f] = f < fields ? t[f + extra] : undefined;
    v[TIMESTAMP_INDEX] = iso;
    const uri = v[REQUEST_URI];
    v[QUERY_PARAMS_INDEX] = uri !== undefined && uri.indexOf('?') >= 0 ? queryParamsJson(queryOfUrl(splitRequestInto(uri, this.request).url)) : undefined;
    const json = this.writer.write(v, jsonSafetyOfTokens(line, this.tokenizer.quoteInToken));
    if (json === undefined) return this.fail(line, this.writer.error);
    this.json = json;
    return LineKind.Row;
  }
}


/** `<prefix>YYYY-MM-DD-hh-mm-ss-<UNIQUE>`, also under `<account>/<region>/<bucket>/YYYY/MM/DD/` (partitioned). */
const KEY = /\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-Za-z]{16}$/;
const CONTENT = /^(?:[0-9a-fA-F]{64}|-) \S+ \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] /;

export const s3Access: LogFormat = {
  table: 's3_access',
  schema,
  gzip: false,
  matchKey: (key) => KEY.test(key),
  matchContent: (head) => CONTENT.test(head),
  skipObject: () => undefined,
  createParser: () => new S3AccessParser(),
};
