import { LineKind, type LineParser, type LogFormat } from '../format.js';
import { queryOfUrl, queryParamsJson } from '../query-params.js';
import { RowWriter, jsonSafetyOfTokens } from '../row-writer.js';
import { QUERY_PARAMS_COLUMN, defineTable, type Column } from '../schema.js';
import { IsoTimeReader, isIsoTimestamp, partitionOfIso } from '../time.js';
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

class AlbParser extends LineParserBase implements LineParser {
  readonly header = '';
  private readonly tokenizer = new QuotedTokenizer();
  private readonly writer = new RowWriter(schema.columns);
  private readonly values: (string | undefined)[] = new Array(schema.columns.length);
  private readonly request: RequestLine = { verb: undefined, url: undefined, protocol: undefined };
  private readonly times = new IsoTimeReader();

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
