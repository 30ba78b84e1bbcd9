import { LineKind, type LineParser, type LogFormat } from '../format.js';
import { queryOfUrl, queryParamsJson } from '../query-params.js';
import { RowWriter, errorRowJson, jsonSafetyOfTokens } from '../row-writer.js';
import { QUERY_PARAMS_COLUMN, defineTable, type Column } from '../schema.js';
import { isIsoTimestamp, partitionOfIso } from '../time.js';
import { QuotedTokenizer } from '../tokenize.js';
import { splitHostPort, splitRequest } from './http-fields.js';

/**
 * Classic Load Balancer access logs. Columns follow AWS's Athena table `elb_logs`; its string
 * `timestamp` column is this table's `timestamp` (TIMESTAMP), like every other table.
 *
 * `timestamp elb client:port backend:port request_processing_time backend_processing_time
 *  response_processing_time elb_status_code backend_status_code received_bytes sent_bytes
 *  "request" "user_agent" ssl_cipher ssl_protocol`
 */

const logColumns: Column[] = [
  { name: 'elb_name', type: 'string' },
  { name: 'request_ip', type: 'string' },
  { name: 'request_port', type: 'int' },
  { name: 'backend_ip', type: 'string' },
  { name: 'backend_port', type: 'int' },
  { name: 'request_processing_time', type: 'double', comment: '-1 when the request was not dispatched' },
  { name: 'backend_processing_time', type: 'double' },
  { name: 'client_response_time', type: 'double' },
  { name: 'elb_response_code', type: 'string' },
  { name: 'backend_response_code', type: 'string' },
  { name: 'received_bytes', type: 'bigint' },
  { name: 'sent_bytes', type: 'bigint' },
  { name: 'request_verb', type: 'string' },
  { name: 'url', type: 'string' },
  { name: 'protocol', type: 'string' },
  { name: 'user_agent', type: 'string' },
  { name: 'ssl_cipher', type: 'string' },
  { name: 'ssl_protocol', type: 'string' },
];

const schema = defineTable({
  table: 'elb',
  description: 'Classic Load Balancer access logs',
  logColumns,
  derivedColumns: [QUERY_PARAMS_COLUMN],
  dedupKey: ['timestamp', 'elb_name', 'request_ip', 'request_port', 'request_verb', 'url'],
});

/** Fields logged before `request`: the oldest lines have all 15 fields; 12 is the least we accept. */
const MIN_FIELDS = 12;

class ElbParser implements LineParser {
  json = '';
  timestamp = '';
  dt = '';
  hour = '';
  error = '';
  readonly header = '';
  private readonly tokenizer = new QuotedTokenizer();
  private readonly writer = new RowWriter(schema.columns);
  private readonly values: (string | undefined)[] = new Array(schema.columns.length);

  locate(line: string): string {
    const end = line.indexOf(' ');
    const time = end < 0 ? line : line.slice(0, end);
    return isIsoTimestamp(time) ? partitionOfIso(time) : '';
  }

  parse(line: string): LineKind {
    this.timestamp = this.dt = this.hour = '';
    if (line.length === 0) return this.skip('blank line');
    const count = this.tokenizer.split(line);
    const t = this.tokenizer.tokens;
    const time = t[0];
    if (!isIsoTimestamp(time)) return this.fail(line, 'timestamp is not ISO-8601');
    this.timestamp = time;
    this.dt = time.slice(0, 10);
    this.hour = time.slice(11, 13);
    if (count < MIN_FIELDS) return this.fail(line, `expected at least ${MIN_FIELDS} fields, found ${count}`);
    if (this.tokenizer.unterminated) return this.fail(line, 'unterminated quoted field');

    const v = this.values;
    v.fill(undefined);
    const [clientIp, clientPort] = splitHostPort(t[2]);
    const [backendIp, backendPort] = splitHostPort(t[3]);
    const request = splitRequest(t[11]);
    v[0] = t[1];
    v[1] = clientIp;
    v[2] = clientPort;
    v[3] = backendIp;
    v[4] = backendPort;
    v[5] = t[4];
    v[6] = t[5];
    v[7] = t[6];
    v[8] = t[7];
    v[9] = t[8];
    v[10] = t[9];
    v[11] = t[10];
    v[12] = request.verb;
    v[13] = request.url;
    v[14] = request.protocol;
    v[15] = count > 12 ? t[12] : undefined;
    v[16] = count > 13 ? t[13] : undefined;
    v[17] = count > 14 ? t[14] : undefined;
    v[18] = time;
    v[19] = queryParamsJson(queryOfUrl(request.url));
    const json = this.writer.write(v, jsonSafetyOfTokens(line, this.tokenizer.quoteInToken));
    if (json === undefined) return this.fail(line, this.writer.error);
    this.json = json;
    return LineKind.Row;
  }

  private fail(line: string, error: string): LineKind {
    this.error = error;
    this.json = errorRowJson(line, error, this.timestamp || undefined);
    return LineKind.Error;
  }

  private skip(reason: string): LineKind {
    this.error = reason;
    return LineKind.Skip;
  }
}

const KEY = /(?:^|\/)\d{12}_elasticloadbalancing_[a-z0-9-]+_[^/_]+_\d{8}T\d{4}Z_[^/]+\.log$/;
const CONTENT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z \S+ \S+:\d+ \S+ -?\d/;

export const elb: LogFormat = {
  table: 'elb',
  schema,
  gzip: false,
  matchKey: (key) => KEY.test(key) && !key.includes('_app.') && !key.includes('_net.') && !key.endsWith('.gz'),
  matchContent: (head) => CONTENT.test(head),
  skipObject: (key) => (/(?:^|\/)ELBAccessLogTestFile$/.test(key) ? 'ELB access log test file' : undefined),
  createParser: () => new ElbParser(),
};
