import type { TableName } from '../transforms/schema.js';
import { renderSql } from './dialect.js';
import type { EngineName } from './engine.js';

/**
 * The named queries: ready answers per log type, the same text on DuckDB and Athena.
 *
 * Rules every query follows (tests check them):
 * - it reads one table and filters `dt BETWEEN ? AND ?` (dt is the VARCHAR partition column
 *   'YYYY-MM-DD', so both engines prune partitions/folders by it) and `_error IS NULL` (lines that
 *   could not be parsed are rows with only `_raw`/`_error` set);
 * - its two `?` are the period's first and last day, bound as values, never spliced into the text;
 * - it uses only functions both engines have, plus `{{count_if}}`, `{{percentile}}` and
 *   `{{json_string}}` (dialect.ts);
 * - names that are keywords somewhere (`"timestamp"`, `"date"`, `"key"`, `"location"`) are quoted;
 * - its ORDER BY is total (ties broken by the grouping columns), so results are deterministic;
 * - integer divisions are done in DOUBLE (Trino divides integers as integers, DuckDB does not).
 */

export interface NamedQuery {
  /** `<table with - for _>-<what>`, e.g. `cloudfront-top-uris`. */
  readonly name: string;
  readonly table: TableName;
  readonly description: string;
  /** Portable SQL with `{{dialect}}` tokens and the parameters below as positional `?`. */
  readonly sql: string;
  /** What the `?` placeholders stand for, in order. */
  readonly params: readonly ['from', 'to'];
  /** Columns whose sum over the result rows is meaningful (report e-mails show these totals). */
  readonly totals: readonly string[];
}

const PERIOD = `dt BETWEEN ? AND ? AND _error IS NULL`;
const PRINCIPAL = `coalesce(useridentity.arn, useridentity.invokedby, useridentity.principalid)`;

function query(name: string, table: TableName, description: string, sql: string, totals: readonly string[] = []): NamedQuery {
  return { name, table, description, sql: sql.trim().replace(/^ {4}/gm, ''), params: ['from', 'to'], totals };
}

export const NAMED_QUERIES: readonly NamedQuery[] = [
  // --- CloudFront ------------------------------------------------------------------------------
  query(
    'cloudfront-traffic-by-hour',
    'cloudfront',
    'Requests, bytes sent and distinct client IPs per hour',
    `
    SELECT dt, hour, count(*) AS requests, sum(bytes) AS bytes_sent, count(DISTINCT request_ip) AS unique_clients
    FROM cloudfront
    WHERE ${PERIOD}
    GROUP BY dt, hour
    ORDER BY dt, hour`,
    ['requests', 'bytes_sent'],
  ),
  query(
    'cloudfront-top-uris',
    'cloudfront',
    'The 50 most requested URIs, with bytes sent and error responses (status >= 400)',
    `
    SELECT uri, count(*) AS requests, sum(bytes) AS bytes_sent, {{count_if}}(status >= 400) AS errors
    FROM cloudfront
    WHERE ${PERIOD}
    GROUP BY uri
    ORDER BY requests DESC, uri
    LIMIT 50`,
    ['requests', 'bytes_sent', 'errors'],
  ),
  query(
    'cloudfront-status-mix',
    'cloudfront',
    'Requests per HTTP status code and their share of all requests (percent)',
    `
    SELECT status, count(*) AS requests, round(CAST(count(*) AS DOUBLE) * 100 / sum(count(*)) OVER (), 2) AS percent
    FROM cloudfront
    WHERE ${PERIOD}
    GROUP BY status
    ORDER BY requests DESC, status`,
    ['requests'],
  ),
  query(
    'cloudfront-cache-hit-ratio-by-edge',
    'cloudfront',
    'Cache hit ratio per edge location (Hit and RefreshHit over all requests)',
    `
    SELECT "location", count(*) AS requests, {{count_if}}(result_type IN ('Hit', 'RefreshHit')) AS hits,
      round(CAST({{count_if}}(result_type IN ('Hit', 'RefreshHit')) AS DOUBLE) / count(*), 4) AS hit_ratio,
      sum(bytes) AS bytes_sent
    FROM cloudfront
    WHERE ${PERIOD}
    GROUP BY "location"
    ORDER BY requests DESC, "location"`,
    ['requests', 'hits', 'bytes_sent'],
  ),
  query(
    'cloudfront-top-client-ips',
    'cloudfront',
    'The 50 client IPs with the most requests, with bytes, errors and distinct URIs',
    `
    SELECT request_ip, count(*) AS requests, sum(bytes) AS bytes_sent, {{count_if}}(status >= 400) AS errors,
      count(DISTINCT uri) AS distinct_uris
    FROM cloudfront
    WHERE ${PERIOD}
    GROUP BY request_ip
    ORDER BY requests DESC, request_ip
    LIMIT 50`,
    ['requests', 'bytes_sent', 'errors'],
  ),
  query(
    'cloudfront-error-rate-by-hour',
    'cloudfront',
    'Client (4xx) and server (5xx) errors per hour and the share of requests that failed',
    `
    SELECT dt, hour, count(*) AS requests, {{count_if}}(status BETWEEN 400 AND 499) AS client_errors,
      {{count_if}}(status >= 500) AS server_errors, round(CAST({{count_if}}(status >= 400) AS DOUBLE) / count(*), 4) AS error_rate
    FROM cloudfront
    WHERE ${PERIOD}
    GROUP BY dt, hour
    ORDER BY dt, hour`,
    ['requests', 'client_errors', 'server_errors'],
  ),
  query(
    'cloudfront-slowest-uris',
    'cloudfront',
    'The 50 URIs with the highest 95th percentile of time taken (seconds)',
    `
    SELECT uri, count(*) AS requests, round(CAST(avg(time_taken) AS DOUBLE), 3) AS avg_seconds,
      round(CAST({{percentile}}(time_taken, 0.95) AS DOUBLE), 3) AS p95_seconds
    FROM cloudfront
    WHERE ${PERIOD} AND time_taken IS NOT NULL
    GROUP BY uri
    ORDER BY p95_seconds DESC, uri
    LIMIT 50`,
    ['requests'],
  ),

  // --- S3 server access ------------------------------------------------------------------------
  query(
    's3-access-requests-by-operation',
    's3_access',
    'Requests, bytes sent and 4xx/5xx responses per S3 operation',
    `
    SELECT operation, count(*) AS requests, sum(bytessent) AS bytes_sent,
      {{count_if}}(substr(httpstatus, 1, 1) IN ('4', '5')) AS errors
    FROM s3_access
    WHERE ${PERIOD}
    GROUP BY operation
    ORDER BY requests DESC, operation`,
    ['requests', 'bytes_sent', 'errors'],
  ),
  query(
    's3-access-top-requesters',
    's3_access',
    'The 50 requesters (IAM principal or canonical user; anonymous when unauthenticated) with the most requests',
    `
    SELECT coalesce(requester, 'anonymous') AS principal, count(*) AS requests, sum(bytessent) AS bytes_sent,
      count(DISTINCT remoteip) AS remote_ips
    FROM s3_access
    WHERE ${PERIOD}
    GROUP BY coalesce(requester, 'anonymous')
    ORDER BY requests DESC, principal
    LIMIT 50`,
    ['requests', 'bytes_sent'],
  ),
  query(
    's3-access-errors',
    's3_access',
    '4xx and 5xx responses by status, error code and operation',
    `
    SELECT httpstatus, errorcode, operation, count(*) AS requests
    FROM s3_access
    WHERE ${PERIOD} AND substr(httpstatus, 1, 1) IN ('4', '5')
    GROUP BY httpstatus, errorcode, operation
    ORDER BY requests DESC, httpstatus, errorcode, operation`,
    ['requests'],
  ),
  query(
    's3-access-bytes-by-prefix',
    's3_access',
    'Bytes sent, requests and distinct keys per bucket and top-level key prefix (first folder)',
    `
    SELECT bucket_name, CASE WHEN strpos("key", '/') > 0 THEN split_part("key", '/', 1) || '/' ELSE '(top level)' END AS prefix,
      count(*) AS requests, sum(bytessent) AS bytes_sent, count(DISTINCT "key") AS distinct_keys
    FROM s3_access
    WHERE ${PERIOD} AND "key" IS NOT NULL
    GROUP BY 1, 2
    ORDER BY bytes_sent DESC, bucket_name, prefix
    LIMIT 100`,
    ['requests', 'bytes_sent'],
  ),
  query(
    's3-access-principal-activity',
    's3_access',
    'Per principal and bucket: reads (GET/HEAD), writes (PUT/POST/COPY), deletes, access denied (403) and distinct keys',
    `
    SELECT coalesce(requester, 'anonymous') AS principal, bucket_name, count(*) AS requests,
      {{count_if}}(operation LIKE 'REST.GET.%' OR operation LIKE 'REST.HEAD.%') AS reads,
      {{count_if}}(operation LIKE 'REST.PUT.%' OR operation LIKE 'REST.POST.%' OR operation LIKE 'REST.COPY.%') AS writes,
      {{count_if}}(operation LIKE '%.DELETE.%') AS deletes,
      {{count_if}}(httpstatus = '403') AS denied,
      count(DISTINCT "key") AS distinct_keys
    FROM s3_access
    WHERE ${PERIOD}
    GROUP BY 1, 2
    ORDER BY requests DESC, principal, bucket_name`,
    ['requests', 'reads', 'writes', 'deletes', 'denied'],
  ),

  // --- Application Load Balancer ---------------------------------------------------------------
  query(
    'alb-latency-by-target',
    'alb',
    'Target processing time p50/p95/p99 and maximum (seconds) per target, slowest first',
    `
    SELECT target_ip, target_port, count(*) AS requests,
      round(CAST({{percentile}}(target_processing_time, 0.5) AS DOUBLE), 3) AS p50_seconds,
      round(CAST({{percentile}}(target_processing_time, 0.95) AS DOUBLE), 3) AS p95_seconds,
      round(CAST({{percentile}}(target_processing_time, 0.99) AS DOUBLE), 3) AS p99_seconds,
      round(max(target_processing_time), 3) AS max_seconds
    FROM alb
    WHERE ${PERIOD} AND target_processing_time >= 0
    GROUP BY target_ip, target_port
    ORDER BY p95_seconds DESC, target_ip, target_port`,
    ['requests'],
  ),
  query(
    'alb-5xx-by-target',
    'alb',
    'Targets with 5xx responses: from the load balancer (elb_status_code) and from the target (target_status_code)',
    `
    SELECT target_ip, target_port, count(*) AS requests,
      {{count_if}}(elb_status_code BETWEEN 500 AND 599) AS elb_5xx,
      {{count_if}}(target_status_code LIKE '5%') AS target_5xx,
      round(CAST({{count_if}}(target_status_code LIKE '5%') AS DOUBLE) / count(*), 4) AS target_5xx_rate
    FROM alb
    WHERE ${PERIOD}
    GROUP BY target_ip, target_port
    HAVING {{count_if}}(elb_status_code BETWEEN 500 AND 599) > 0 OR {{count_if}}(target_status_code LIKE '5%') > 0
    ORDER BY elb_5xx DESC, target_5xx DESC, target_ip, target_port`,
    ['requests', 'elb_5xx', 'target_5xx'],
  ),
  query(
    'alb-top-user-agents',
    'alb',
    'The 50 most frequent user agents, with distinct clients and error responses',
    `
    SELECT user_agent, count(*) AS requests, count(DISTINCT client_ip) AS clients, {{count_if}}(elb_status_code >= 400) AS errors
    FROM alb
    WHERE ${PERIOD}
    GROUP BY user_agent
    ORDER BY requests DESC, user_agent
    LIMIT 50`,
    ['requests', 'errors'],
  ),
  query(
    'alb-traffic-by-hour',
    'alb',
    'Requests, bytes received and sent, 4xx and 5xx per hour',
    `
    SELECT dt, hour, count(*) AS requests, sum(received_bytes) AS bytes_received, sum(sent_bytes) AS bytes_sent,
      {{count_if}}(elb_status_code BETWEEN 400 AND 499) AS status_4xx, {{count_if}}(elb_status_code >= 500) AS status_5xx
    FROM alb
    WHERE ${PERIOD}
    GROUP BY dt, hour
    ORDER BY dt, hour`,
    ['requests', 'bytes_received', 'bytes_sent', 'status_4xx', 'status_5xx'],
  ),
  query(
    'alb-top-client-ips',
    'alb',
    'The 50 client IPs with the most requests, with bytes sent and error responses',
    `
    SELECT client_ip, count(*) AS requests, sum(sent_bytes) AS bytes_sent, {{count_if}}(elb_status_code >= 400) AS errors
    FROM alb
    WHERE ${PERIOD}
    GROUP BY client_ip
    ORDER BY requests DESC, client_ip
    LIMIT 50`,
    ['requests', 'bytes_sent', 'errors'],
  ),
  query(
    'alb-slowest-urls',
    'alb',
    'The 50 URLs (query string removed) with the highest 95th percentile of target processing time',
    `
    SELECT request_verb, split_part(request_url, '?', 1) AS url, count(*) AS requests,
      round(avg(target_processing_time), 3) AS avg_seconds,
      round(CAST({{percentile}}(target_processing_time, 0.95) AS DOUBLE), 3) AS p95_seconds
    FROM alb
    WHERE ${PERIOD} AND target_processing_time >= 0
    GROUP BY 1, 2
    ORDER BY p95_seconds DESC, url, request_verb
    LIMIT 50`,
    ['requests'],
  ),

  // --- Classic Load Balancer -------------------------------------------------------------------
  query(
    'elb-latency-by-backend',
    'elb',
    'Backend processing time average, p95 and maximum (seconds) per backend, slowest first',
    `
    SELECT backend_ip, backend_port, count(*) AS requests, round(avg(backend_processing_time), 3) AS avg_seconds,
      round(CAST({{percentile}}(backend_processing_time, 0.95) AS DOUBLE), 3) AS p95_seconds,
      round(max(backend_processing_time), 3) AS max_seconds
    FROM elb
    WHERE ${PERIOD} AND backend_processing_time >= 0
    GROUP BY backend_ip, backend_port
    ORDER BY p95_seconds DESC, backend_ip, backend_port`,
    ['requests'],
  ),
  query(
    'elb-errors-by-backend',
    'elb',
    'Backends with error responses: 5xx from the load balancer and from the backend, 4xx from the load balancer',
    `
    SELECT backend_ip, backend_port, count(*) AS requests,
      {{count_if}}(elb_response_code LIKE '5%') AS elb_5xx,
      {{count_if}}(backend_response_code LIKE '5%') AS backend_5xx,
      {{count_if}}(elb_response_code LIKE '4%') AS elb_4xx
    FROM elb
    WHERE ${PERIOD}
    GROUP BY backend_ip, backend_port
    HAVING {{count_if}}(elb_response_code LIKE '5%') > 0 OR {{count_if}}(backend_response_code LIKE '5%') > 0 OR {{count_if}}(elb_response_code LIKE '4%') > 0
    ORDER BY elb_5xx DESC, backend_5xx DESC, elb_4xx DESC, backend_ip, backend_port`,
    ['requests', 'elb_5xx', 'backend_5xx', 'elb_4xx'],
  ),
  query(
    'elb-traffic-by-hour',
    'elb',
    'Requests, bytes received and sent, and 5xx responses per hour',
    `
    SELECT dt, hour, count(*) AS requests, sum(received_bytes) AS bytes_received, sum(sent_bytes) AS bytes_sent,
      {{count_if}}(elb_response_code LIKE '5%') AS status_5xx
    FROM elb
    WHERE ${PERIOD}
    GROUP BY dt, hour
    ORDER BY dt, hour`,
    ['requests', 'bytes_received', 'bytes_sent', 'status_5xx'],
  ),
  query(
    'elb-top-client-ips',
    'elb',
    'The 50 client IPs with the most requests, with bytes sent and error responses',
    `
    SELECT request_ip, count(*) AS requests, sum(sent_bytes) AS bytes_sent,
      {{count_if}}(elb_response_code LIKE '4%' OR elb_response_code LIKE '5%') AS errors
    FROM elb
    WHERE ${PERIOD}
    GROUP BY request_ip
    ORDER BY requests DESC, request_ip
    LIMIT 50`,
    ['requests', 'bytes_sent', 'errors'],
  ),

  // --- CloudTrail ------------------------------------------------------------------------------
  query(
    'cloudtrail-errors-by-principal',
    'cloudtrail',
    'Failed API calls per principal (ARN, else the invoking service or principal id) and error code',
    `
    SELECT ${PRINCIPAL} AS principal, errorcode, count(*) AS events, count(DISTINCT eventname) AS distinct_calls,
      min("timestamp") AS first_seen, max("timestamp") AS last_seen
    FROM cloudtrail
    WHERE ${PERIOD} AND errorcode IS NOT NULL
    GROUP BY 1, 2
    ORDER BY events DESC, principal, errorcode`,
    ['events'],
  ),
  query(
    'cloudtrail-console-sign-ins',
    'cloudtrail',
    'Console sign-ins per principal, source IP, outcome (Success/Failure) and MFA use',
    `
    SELECT coalesce(useridentity.arn, useridentity.principalid) AS principal, useridentity.type AS identity_type, sourceipaddress,
      {{json_string}}(responseelements, '$.ConsoleLogin') AS outcome,
      {{json_string}}(additionaleventdata, '$.MFAUsed') AS mfa_used,
      count(*) AS sign_ins, min("timestamp") AS first_seen, max("timestamp") AS last_seen
    FROM cloudtrail
    WHERE ${PERIOD} AND eventname = 'ConsoleLogin'
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY sign_ins DESC, principal, sourceipaddress, outcome, mfa_used`,
    ['sign_ins'],
  ),
  query(
    'cloudtrail-destructive-calls',
    'cloudtrail',
    'Delete/Terminate/Detach/Disable/Deregister calls and other destructive ones (StopLogging, bucket policy and ACL changes, key deletion), in time order',
    `
    SELECT "timestamp", ${PRINCIPAL} AS principal, eventsource, eventname, awsregion, sourceipaddress, errorcode, eventid
    FROM cloudtrail
    WHERE ${PERIOD} AND (
      eventname LIKE 'Delete%' OR eventname LIKE 'Terminate%' OR eventname LIKE 'Detach%' OR eventname LIKE 'Disable%'
      OR eventname LIKE 'Deregister%'
      OR eventname IN ('StopLogging', 'UpdateTrail', 'PutBucketPolicy', 'PutBucketAcl', 'ScheduleKeyDeletion', 'StopInstances',
        'DeactivateMFADevice', 'RemoveRoleFromInstanceProfile', 'PurgeQueue'))
    ORDER BY "timestamp", eventid
    LIMIT 1000`,
  ),
  query(
    'cloudtrail-top-api-calls',
    'cloudtrail',
    'The 50 most frequent API calls, with failures and distinct source IPs',
    `
    SELECT eventsource, eventname, count(*) AS events, {{count_if}}(errorcode IS NOT NULL) AS errors,
      count(DISTINCT sourceipaddress) AS source_ips
    FROM cloudtrail
    WHERE ${PERIOD}
    GROUP BY eventsource, eventname
    ORDER BY events DESC, eventsource, eventname
    LIMIT 50`,
    ['events', 'errors'],
  ),

  // --- VPC Flow Logs ---------------------------------------------------------------------------
  query(
    'vpc-flow-top-talkers',
    'vpc_flow',
    'The 50 source/destination pairs that moved the most bytes',
    `
    SELECT srcaddr, dstaddr, sum(bytes) AS total_bytes, sum(packets) AS total_packets, count(*) AS flows
    FROM vpc_flow
    WHERE ${PERIOD} AND srcaddr IS NOT NULL
    GROUP BY srcaddr, dstaddr
    ORDER BY total_bytes DESC, srcaddr, dstaddr
    LIMIT 50`,
    ['total_bytes', 'total_packets', 'flows'],
  ),
  query(
    'vpc-flow-rejected',
    'vpc_flow',
    'Rejected flows by source, destination, destination port and protocol',
    `
    SELECT srcaddr, dstaddr, dstport, protocol, count(*) AS flows, sum(packets) AS total_packets, sum(bytes) AS total_bytes
    FROM vpc_flow
    WHERE ${PERIOD} AND action = 'REJECT'
    GROUP BY srcaddr, dstaddr, dstport, protocol
    ORDER BY flows DESC, srcaddr, dstaddr, dstport, protocol
    LIMIT 100`,
    ['flows', 'total_packets', 'total_bytes'],
  ),
  query(
    'vpc-flow-top-ports',
    'vpc_flow',
    'The 50 destination ports (with protocol number) with the most flows, with bytes and rejected flows',
    `
    SELECT dstport, protocol, count(*) AS flows, sum(bytes) AS total_bytes, {{count_if}}(action = 'REJECT') AS rejected
    FROM vpc_flow
    WHERE ${PERIOD} AND dstport IS NOT NULL
    GROUP BY dstport, protocol
    ORDER BY flows DESC, dstport, protocol
    LIMIT 50`,
    ['flows', 'total_bytes', 'rejected'],
  ),
  query(
    'vpc-flow-traffic-by-interface',
    'vpc_flow',
    'Bytes, packets, flows and rejected flows per network interface',
    `
    SELECT interface_id, sum(bytes) AS total_bytes, sum(packets) AS total_packets, count(*) AS flows,
      {{count_if}}(action = 'REJECT') AS rejected
    FROM vpc_flow
    WHERE ${PERIOD} AND interface_id IS NOT NULL
    GROUP BY interface_id
    ORDER BY total_bytes DESC, interface_id`,
    ['total_bytes', 'total_packets', 'flows', 'rejected'],
  ),
];

export function namedQuery(name: string): NamedQuery | undefined {
  return NAMED_QUERIES.find((q) => q.name === name);
}

/** The named query's SQL for one engine. */
export function namedQuerySql(query: Pick<NamedQuery, 'sql'>, engine: EngineName): string {
  return renderSql(query.sql, engine);
}

/** Names close to a mistyped one (edit distance, shared words), best first. */
export function closeNames(name: string, names: readonly string[] = NAMED_QUERIES.map((q) => q.name), limit = 3): string[] {
  const wanted = name.toLowerCase();
  const words = new Set(wanted.split(/[^a-z0-9]+/).filter((w) => w.length > 1));
  const scored = names.map((candidate) => {
    const distance = editDistance(wanted, candidate.toLowerCase());
    const shared = candidate.toLowerCase().split(/[^a-z0-9]+/).filter((w) => words.has(w)).length;
    return { candidate, distance, shared };
  });
  const threshold = Math.max(3, Math.floor(wanted.length / 3));
  return scored
    .filter((s) => s.distance <= threshold || s.shared > 0 || s.candidate.includes(wanted))
    .sort((a, b) => b.shared - a.shared || a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map((s) => s.candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

// ---------------------------------------------------------------------------------------------
// Athena saved queries (CDK)

/**
 * Athena saved (named) queries cannot carry parameter values, so the variant deployed as
 * `AWS::Athena::NamedQuery` replaces `dt BETWEEN ? AND ?` with the last seven complete days
 * (UTC): `dt BETWEEN date_format(current_date - interval '7' day, '%Y-%m-%d') AND
 * date_format(current_date - interval '1' day, '%Y-%m-%d')` — a constant expression, so the query
 * runs as saved from the console and still prunes by `dt`; edit the two bounds for another period.
 */
export const SAVED_QUERY_PERIOD =
  `dt BETWEEN date_format(current_date - interval '7' day, '%Y-%m-%d') AND date_format(current_date - interval '1' day, '%Y-%m-%d')`;

/** One Athena saved query; the shape `src/infra/athena.ts` (`NamedQueryDefinition`) takes. */
export interface AthenaSavedQuery {
  readonly name: string;
  readonly description: string;
  readonly table: TableName;
  readonly sql: string;
}

/** Every named query as an Athena saved query (Athena dialect, the last seven days as the period). */
export function athenaSavedQueries(queries: readonly NamedQuery[] = NAMED_QUERIES): AthenaSavedQuery[] {
  return queries.map((q) => {
    const sql = namedQuerySql(q, 'athena');
    if (!sql.includes('dt BETWEEN ? AND ?')) throw new Error(`named query ${q.name}: no 'dt BETWEEN ? AND ?' to replace`);
    return {
      name: q.name,
      description: `${q.description} (last 7 days; loghose query --named ${q.name} --from D --to D for any period)`.slice(0, 1024),
      table: q.table,
      sql: sql.replace('dt BETWEEN ? AND ?', SAVED_QUERY_PERIOD),
    };
  });
}
