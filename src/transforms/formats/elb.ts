import { LineKind, type LineParser, type LogFormat } from '../format.js';
import { queryOfUrl, queryParamsJson } from '../query-params.js';
import { RowWriter, jsonSafetyOfTokens } from '../row-writer.js';
import { QUERY_PARAMS_COLUMN, defineTable, type Column } from '../schema.js';
import { IsoTimeReader, isIsoTimestamp, partitionOfIso } from '../time.js';
import { QuotedTokenizer } from '../tokenize.js';
import { hostOf, portOf, splitRequestInto, type RequestLine } from './http-fields.js';
import { LineParserBase, isBlankLine as isBlank } from './line-parser-base.js';

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

class ElbParser extends LineParserBase implements LineParser {
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
    // The time is read where `locate` reads it, so the two agree; a valid one is a plain first token.
    const time = timeTextOf(line);
    if (!this.times.read(time)) return this.fail(line, 'timestamp is not ISO-8601');
    const count = this.tokenizer.split(line);
    const t = this.tokenizer.tokens;
    this.timestamp = time;
    this.dt = this.times.dt;
    this.hour = this.times.hour;
    if (count < MIN_FIELDS) return this.fail(line, `expected at least ${MIN_FIELDS} fields, found ${count}`);
    if (this.tokenizer.unterminated) return this.fail(line, 'unterminated quoted field');

    const v = this.values;
    v.fill(undefined);
    const request = splitRequestInto(t[11], this.request);
    v[0] = t[1];
    v[1] = hostOf(t[2]);
    v[2] = portOf(t[2]);
    v[3] = hostOf(t[3]);
    v[4] = portOf(t[3]);
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
}

/** The first space-separated field: the event time. */
function timeTextOf(line: string): string {
  const end = line.indexOf(' ');
  return end < 0 ? line : line.slice(0, end);
}


/**
 * `<acct>_elasticloadbalancing_<region>_<name>_<end 20140215T2340Z>_<node ip>_<random>.log`. Classic
 * load balancer names are letters, digits and hyphens, so the ALB (`app.<name>.<id>`) and NLB
 * (`net.…`) names, which have dots, and their `.log.gz` files do not match — whatever the prefix.
 */
const KEY = /(?:^|\/)\d{12}_elasticloadbalancing_[a-z0-9-]+_[A-Za-z0-9-]+_\d{8}T\d{4}Z_[^/_]+_[^/_]+\.log$/;
const CONTENT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z \S+ \S+:\d+ \S+ -?\d/;

export const elb: LogFormat = {
  table: 'elb',
  schema,
  gzip: false,
  matchKey: (key) => KEY.test(key),
  matchContent: (head) => CONTENT.test(head),
  skipObject: (key) => (/(?:^|\/)ELBAccessLogTestFile$/.test(key) ? 'ELB access log test file' : undefined),
  createParser: () => new ElbParser(),
};
