import { LineKind, type LineParser, type LogFormat } from '../format.js';
import { queryOfUrl, queryParamsJson } from '../query-params.js';
import type { KernelPlan, KernelSource, RowKernel } from '../row-kernel.js';
import { RowWriter, jsonSafetyOfTokens } from '../row-writer.js';
import { QUERY_PARAMS_COLUMN, defineTable, type Column } from '../schema.js';
import { IsoTimeReader, isIsoTimestamp, partitionOfIso } from '../time.js';
import { QuotedByteTokenizer } from '../tokenize-bytes.js';
import { QuotedTokenizer } from '../tokenize.js';
import { hostOf, portOf, splitRequestInto, type RequestLine } from './http-fields.js';
import { LineParserBase, isBlankLine as isBlank } from './line-parser-base.js';

/**
 * Application Load Balancer access logs. Columns follow AWS's Athena table `alb_access_logs`
 * (`error_reason` is its `lambda_error_reason`, `target:port_list` its `target_port_list`), plus the
 * fields added since (`transformed_host`, `transformed_uri`, `request_transform_status`).
 *
 * `type time elb client:port target:port request_processing_time target_processing_time
 *  response_processing_time elb_status_code target_status_code received_bytes sent_bytes "request"
 *  "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name" "chosen_cert_arn"
 *  matched_rule_priority request_creation_time "actions_executed" "redirect_url" "error_reason"
 *  "target:port_list" "target_status_code_list" "classification" "classification_reason"
 *  conn_trace_id "transformed_host" "transformed_uri" "request_transform_status"`
 */

const logColumns: Column[] = [
  { name: 'type', type: 'string' },
  { name: 'time', type: 'string', comment: 'as logged, ISO-8601 with microseconds' },
  { name: 'elb', type: 'string' },
  { name: 'client_ip', type: 'string' },
  { name: 'client_port', type: 'int' },
  { name: 'target_ip', type: 'string' },
  { name: 'target_port', type: 'int' },
  { name: 'request_processing_time', type: 'double', comment: '-1 when the request was not dispatched' },
  { name: 'target_processing_time', type: 'double' },
  { name: 'response_processing_time', type: 'double' },
  { name: 'elb_status_code', type: 'int' },
  { name: 'target_status_code', type: 'string' },
  { name: 'received_bytes', type: 'bigint' },
  { name: 'sent_bytes', type: 'bigint' },
  { name: 'request_verb', type: 'string' },
  { name: 'request_url', type: 'string' },
  { name: 'request_proto', type: 'string' },
  { name: 'user_agent', type: 'string' },
  { name: 'ssl_cipher', type: 'string' },
  { name: 'ssl_protocol', type: 'string' },
  { name: 'target_group_arn', type: 'string' },
  { name: 'trace_id', type: 'string' },
  { name: 'domain_name', type: 'string' },
  { name: 'chosen_cert_arn', type: 'string' },
  { name: 'matched_rule_priority', type: 'string' },
  { name: 'request_creation_time', type: 'string' },
  { name: 'actions_executed', type: 'string' },
  { name: 'redirect_url', type: 'string' },
  { name: 'lambda_error_reason', type: 'string', comment: 'the error_reason field' },
  { name: 'target_port_list', type: 'string' },
  { name: 'target_status_code_list', type: 'string' },
  { name: 'classification', type: 'string' },
  { name: 'classification_reason', type: 'string' },
  { name: 'conn_trace_id', type: 'string' },
  { name: 'transformed_host', type: 'string' },
  { name: 'transformed_uri', type: 'string' },
  { name: 'request_transform_status', type: 'string' },
];

const schema = defineTable({
  table: 'alb',
  description: 'Application Load Balancer access logs',
  logColumns,
  derivedColumns: [QUERY_PARAMS_COLUMN],
  // trace_id alone repeats when a client sends its own X-Amzn-Trace-Id, and is `-` for malformed requests.
  dedupKey: ['trace_id', 'time', 'elb', 'client_ip', 'client_port'],
});

/** Fields logged through `request`; the oldest (2016) lines have 17. */
const MIN_FIELDS = 13;
/** Log fields from `user_agent` on map one to one onto columns, 4 further along. */
const FIRST_PLAIN_FIELD = 13;
const LAST_FIELD = 32;
const COLUMN_SHIFT = 4;
const TIMESTAMP_INDEX = logColumns.length;
const QUERY_PARAMS_INDEX = TIMESTAMP_INDEX + 1;

/** The second space-separated field, found by position so `locate` and `parse` read the same characters. */
function timeTextOf(line: string): string {
  const first = line.indexOf(' ');
  if (first < 0) return '';
  let second = line.indexOf(' ', first + 1);
  if (second < 0) second = line.length;
  return line.slice(first + 1, second);
}

/**
 * The row kernel's slots for `parseBytes`: first the values `parse` derives by splitting fields
 * (absent, -1, where it gets undefined), then token `i` in slot `TOKEN_SLOT + i`.
 */
const CLIENT_IP_SLOT = 0;
const CLIENT_PORT_SLOT = 1;
const TARGET_IP_SLOT = 2;
const TARGET_PORT_SLOT = 3;
const VERB_SLOT = 4;
const URL_SLOT = 5;
const PROTOCOL_SLOT = 6;
const TOKEN_SLOT = 7;
/** Tokens past the last field are ignored, as `parse` ignores them. */
const MAX_TOKENS = LAST_FIELD + 1;

/** Where the kernel reads each column, mirroring the values `parse` assembles. */
const KERNEL_SOURCES: readonly KernelSource[] = schema.columns.map((_, c): KernelSource => {
  if (c <= 2) return TOKEN_SLOT + c; // type, time, elb
  if (c <= 6) return CLIENT_IP_SLOT + (c - 3); // client ip/port, target ip/port
  if (c <= 13) return TOKEN_SLOT + c - 2; // the timings, status codes and byte counts: tokens 5…11
  if (c <= 16) return VERB_SLOT + (c - 14); // verb, url, protocol
  if (c <= LAST_FIELD + COLUMN_SHIFT) return TOKEN_SLOT + c - COLUMN_SHIFT; // user_agent… : tokens 13…
  if (c === TIMESTAMP_INDEX) return TOKEN_SLOT + 1; // the timestamp is the time field as logged
  if (c === QUERY_PARAMS_INDEX) return 'b';
  return null; // _raw, _error
});

/**
 * The slots the plan writes as JSON strings, each once, but for the time (checked to be an ISO
 * time): on lines with a token to escape, those holding `"`, `\\` or a control character are
 * pointed at their escaped text instead.
 */
const STRING_SLOTS = Int32Array.from(
  new Set(
    KERNEL_SOURCES.filter(
      (source, c): source is number =>
        typeof source === 'number' && source !== TOKEN_SLOT + 1 && (schema.columns[c].type === 'string' || schema.columns[c].type === 'timestamp'),
    ),
  ),
);

// The plan, compiled once per kernel (parsers are made per file or record).
let planKernel: RowKernel | undefined;
let kernelPlan: KernelPlan | null = null;

function planIn(kernel: RowKernel): KernelPlan | null {
  if (planKernel !== kernel) {
    planKernel = kernel;
    kernelPlan = kernel.plan(schema.columns, KERNEL_SOURCES);
  }
  return kernelPlan;
}

/** Sets the address and port slots from `ip:port` at `bytes[start, end)`, as `hostOf` and `portOf` split it. */
function setHostPort(bytes: Uint8Array, slots: Int32Array, hostSlot: number, start: number, end: number): void {
  let colon = end - 1;
  // `-` has no colon: all address (null), no port.
  while (colon >= start && bytes[colon] !== 58 /* : */) colon--;
  const h = hostSlot * 2;
  if (colon < start) {
    slots[h] = start;
    slots[h + 1] = end;
    slots[h + 2] = -1;
    return;
  }
  // `[address]:port`: the brackets go (bytes[colon - 1] is `]`, so colon - 1 > start).
  const bracketed = bytes[start] === 91 /* [ */ && bytes[colon - 1] === 93; /* ] */
  slots[h] = bracketed ? start + 1 : start;
  slots[h + 1] = bracketed ? colon - 1 : colon;
  slots[h + 2] = colon + 1;
  slots[h + 3] = end;
}

class AlbParser extends LineParserBase implements LineParser {
  readonly header = '';
  private readonly tokenizer = new QuotedTokenizer();
  private readonly byteTokenizer = new QuotedByteTokenizer();
  private readonly writer = new RowWriter(schema.columns);
  private readonly values: (string | undefined)[] = new Array(schema.columns.length);
  private readonly request: RequestLine = { verb: undefined, url: undefined, protocol: undefined };
  private readonly times = new IsoTimeReader();

  /**
   * The fast path: `parse` over the byte tokenizer's ranges, for ASCII lines (byte offsets are then
   * string indexes), with the kernel writing the row. String values that need escaping (a `"` or
   * `\\` in the user agent) are escaped here and given to the kernel as texts. Declines anything
   * else `parse` would not turn into a row as is: its checks fail, or the kernel finds a value it
   * cannot write as the string path would (a number not in canonical form).
   */
  parseBytes(kernel: RowKernel, start: number, end: number): boolean {
    const plan = planIn(kernel);
    if (plan === null) return false;
    const tokenizer = this.byteTokenizer;
    let count = tokenizer.split(kernel.bytes, start, end);
    if (tokenizer.unterminated || count < MIN_FIELDS) return false;
    const bytes = kernel.bytes;
    const starts = tokenizer.starts;
    const ends = tokenizer.ends;
    // Tokens 0 and 1 bare (token 1 starts right after the first space): token 1 is what `timeTextOf` reads.
    const first = bytes[start];
    if (first === 34 /* " */ || first === 91 /* [ */ || starts[1] !== ends[0] + 1) return false;
    const timeStart = starts[1];
    const timeEnd = ends[1];
    const time = bytes.toString('latin1', timeStart, timeEnd);
    if (!this.times.read(time)) return false;

    // Verb, URL and protocol of the request (token 12) as `splitRequestInto` splits it; -1: undefined.
    const requestStart = starts[12];
    const requestEnd = ends[12];
    const requestLength = requestEnd - requestStart;
    let verbEnd = -1;
    let urlStart = -1;
    let urlEnd = -1;
    let protocolStart = -1;
    const noRequest =
      bytes[requestStart] === 45 /* - */ &&
      (requestLength === 1 ||
        (requestLength >= 5 && bytes[requestStart + 1] === 32 && bytes[requestStart + 2] === 45 && bytes[requestStart + 3] === 32 && bytes[requestStart + 4] === 45));
    if (!noRequest) {
      let firstSpace = requestStart;
      while (firstSpace < requestEnd && bytes[firstSpace] !== 32) firstSpace++;
      urlEnd = requestEnd;
      if (firstSpace === requestEnd) {
        urlStart = requestStart;
      } else {
        let lastSpace = requestEnd - 1;
        while (bytes[lastSpace] !== 32) lastSpace--;
        verbEnd = firstSpace;
        urlStart = firstSpace + 1;
        if (lastSpace !== firstSpace) {
          urlEnd = lastSpace;
          protocolStart = lastSpace + 1;
        }
      }
    }
    // query_params: `queryParamsJson(queryOfUrl(url))`, decoding only the query.
    let query: string | undefined;
    if (urlStart >= 0) {
      let q = urlStart;
      while (q < urlEnd && bytes[q] !== 63 /* ? */) q++;
      if (q < urlEnd) {
        let hash = q + 1;
        while (hash < urlEnd && bytes[hash] !== 35 /* # */) hash++;
        query = queryParamsJson(bytes.toString('latin1', q + 1, hash));
      }
    }
    if (!kernel.setB(query)) return false;

    const slots = kernel.slots;
    if (count > MAX_TOKENS) count = MAX_TOKENS;
    for (let i = 0; i < count; i++) {
      slots[(TOKEN_SLOT + i) * 2] = starts[i];
      slots[(TOKEN_SLOT + i) * 2 + 1] = ends[i];
    }
    setHostPort(bytes, slots, CLIENT_IP_SLOT, starts[3], ends[3]);
    setHostPort(bytes, slots, TARGET_IP_SLOT, starts[4], ends[4]);
    slots[VERB_SLOT * 2] = verbEnd < 0 ? -1 : requestStart;
    slots[VERB_SLOT * 2 + 1] = verbEnd;
    slots[URL_SLOT * 2] = urlStart;
    slots[URL_SLOT * 2 + 1] = urlEnd;
    slots[PROTOCOL_SLOT * 2] = protocolStart;
    slots[PROTOCOL_SLOT * 2 + 1] = requestEnd;

    // Room for the row: keys, the line's bytes (the time twice), query_params and what escaping adds.
    const escapedBytes = tokenizer.plain ? 0 : this.escapeStrings(kernel, bytes, slots, start, end, TOKEN_SLOT + count);
    if (escapedBytes < 0) return false;
    kernel.reserve(plan.fixedBytes + (end - start) + (timeEnd - timeStart) + (query === undefined ? 0 : query.length * 3) + escapedBytes);
    if (!kernel.writeRow(plan, TOKEN_SLOT + count)) return false;
    this.timestamp = time;
    this.dt = this.times.dt;
    this.hour = this.times.hour;
    return true;
  }

  /**
   * For a line whose tokens are not all plain: the string path writes a string value `x` as
   * `JSON.stringify(x)`, so each string slot holding `"`, `\\` or a control character is pointed at
   * that text (without its quotes) with `kernel.setText`. Returns the bytes escaping adds, or -1
   * to decline: a non-ASCII byte (its offsets are not string indexes; its text may not be valid
   * UTF-8), or more escaped text than the kernel holds for a line.
   */
  private escapeStrings(kernel: RowKernel, bytes: Buffer, slots: Int32Array, start: number, end: number, count: number): number {
    for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return -1;
    let added = 0;
    for (let k = 0; k < STRING_SLOTS.length; k++) {
      const slot = STRING_SLOTS[k];
      if (slot >= TOKEN_SLOT && slot >= count) continue;
      const from = slots[slot * 2];
      const to = slots[slot * 2 + 1];
      if (from < 0) continue;
      let i = from;
      for (; i < to; i++) {
        const b = bytes[i];
        if (b < 0x20 || b === 0x22 || b === 0x5c) break;
      }
      if (i === to) continue;
      const escaped = JSON.stringify(bytes.toString('latin1', from, to)).slice(1, -1);
      if (!kernel.setText(slot, escaped)) return -1;
      added += escaped.length - (to - from);
    }
    return added;
  }

  locate(line: string): string {
    const time = timeTextOf(line);
    return isIsoTimestamp(time) ? partitionOfIso(time) : '';
  }

  parse(line: string): LineKind {
    this.timestamp = this.dt = this.hour = '';
    if (isBlank(line)) return this.skip('blank line');
    const time = timeTextOf(line);
    if (!this.times.read(time)) return this.fail(line, 'second field is not an ISO-8601 time');
    this.timestamp = time;
    this.dt = this.times.dt;
    this.hour = this.times.hour;

    const count = this.tokenizer.split(line);
    const t = this.tokenizer.tokens;
    if (this.tokenizer.unterminated) return this.fail(line, 'unterminated quoted field');
    if (count < 2 || t[1] !== time) return this.fail(line, 'type field is malformed');
    if (count < MIN_FIELDS) return this.fail(line, `expected at least ${MIN_FIELDS} fields, found ${count}`);

    const v = this.values;
    const client = t[3];
    const target = t[4];
    const request = splitRequestInto(t[12], this.request);
    v[0] = t[0];
    v[1] = time;
    v[2] = t[2];
    v[3] = hostOf(client);
    v[4] = portOf(client);
    v[5] = hostOf(target);
    v[6] = portOf(target);
    v[7] = t[5];
    v[8] = t[6];
    v[9] = t[7];
    v[10] = t[8];
    v[11] = t[9];
    v[12] = t[10];
    v[13] = t[11];
    v[14] = request.verb;
    v[15] = request.url;
    v[16] = request.protocol;
    for (let f = FIRST_PLAIN_FIELD; f <= LAST_FIELD; f++) v[f + COLUMN_SHIFT] = f < count ? t[f] : undefined;
    v[TIMESTAMP_INDEX] = time;
    v[QUERY_PARAMS_INDEX] = queryParamsJson(queryOfUrl(request.url));
    const json = this.writer.write(v, jsonSafetyOfTokens(line, this.tokenizer.quoteInToken));
    if (json === undefined) return this.fail(line, this.writer.error);
    this.json = json;
    return LineKind.Row;
  }
}


/**
 * `<acct>_elasticloadbalancing_<region>_app.<lb>.<id>_<end 20140215T2340Z>_<ip>_<rand>.log.gz`. The file
 * name must start there: connection logs (`conn_log.<acct>_…`) and NLB logs (`_net.`) share the prefix.
 */
const KEY = /(?:^|\/)\d{12}_elasticloadbalancing_[a-z0-9-]+_app\.[^/_]+_\d{8}T\d{4}Z_[^/_]+_[^/_]+\.log(?:\.gz)?$/;
const CONTENT = /^(?:https?|h2|grpcs|wss?) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z /;

export const alb: LogFormat = {
  table: 'alb',
  schema,
  gzip: true,
  matchKey: (key) => KEY.test(key),
  matchContent: (head) => CONTENT.test(head),
  skipObject: () => undefined,
  createParser: () => new AlbParser(),
};
