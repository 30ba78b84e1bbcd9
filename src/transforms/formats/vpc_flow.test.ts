import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineKind, type LineParser } from '../format.js';
import { columnNames } from '../schema.js';
import { vpcFlow } from './vpc_flow.js';

// Examples from AWS's "Flow log record examples" (Amazon VPC User Guide).
const DEFAULT_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const ACCEPT = '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK';
const REJECT = '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK';
const NODATA = '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA';
const SKIPDATA = '2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA';
const IPV6 =
  '2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK';
const TCP_FLAGS_HEADER =
  'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status';
const TCP_FLAGS_LINE =
  '3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK';
const V5_HEADER =
  'version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status';
const V5_INGRESS =
  '5 52.95.128.179 10.0.0.71 80 34210 6 1616729292 1616729349 IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK';
const V5_EGRESS =
  '5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK';
const NAT_HEADER = 'instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr';

const ACCEPT_ROW = {
  version: 2,
  account_id: '123456789010',
  interface_id: 'eni-1235b8ca123456789',
  srcaddr: '172.31.16.139',
  dstaddr: '172.31.16.21',
  srcport: 20641,
  dstport: 22,
  protocol: 6,
  packets: 20,
  bytes: 4249,
  start: 1418530010,
  end: 1418530070,
  action: 'ACCEPT',
  log_status: 'OK',
  timestamp: '2014-12-14T04:06:50Z',
};

const COLUMNS = new Set(columnNames(vpcFlow.schema));

function run(parser: LineParser, line: string): { kind: LineKind; doc: Record<string, unknown> | undefined; partition: string } {
  const partition = parser.locate(line);
  const kind = parser.parse(line);
  expect(partition).toBe(parser.dt === '' ? '' : `${parser.dt}/${parser.hour}`);
  const doc = kind === LineKind.Skip ? undefined : (JSON.parse(parser.json) as Record<string, unknown>);
  return { kind, doc, partition };
}

function parserWithHeader(header: string): LineParser {
  const parser = vpcFlow.createParser();
  expect(parser.parse(header)).toBe(LineKind.Skip);
  expect(parser.header).toBe(header);
  return parser;
}

describe('vpc_flow schema', () => {
  it('has every documented field in snake_case, typed like the Athena table, then timestamp', () => {
    const columns = vpcFlow.schema.columns.map((c) => `${c.name}:${typeof c.type === 'string' ? c.type : c.type.kind}`);
    expect(columns).toEqual([
      'version:int', 'account_id:string', 'interface_id:string', 'srcaddr:string', 'dstaddr:string', 'srcport:int', 'dstport:int',
      'protocol:bigint', 'packets:bigint', 'bytes:bigint', 'start:bigint', 'end:bigint', 'action:string', 'log_status:string',
      'vpc_id:string', 'subnet_id:string', 'instance_id:string', 'tcp_flags:int', 'type:string', 'pkt_srcaddr:string',
      'pkt_dstaddr:string', 'region:string', 'az_id:string', 'sublocation_type:string', 'sublocation_id:string',
      'pkt_src_aws_service:string', 'pkt_dst_aws_service:string', 'flow_direction:string', 'traffic_path:int',
      'ecs_cluster_arn:string', 'ecs_cluster_name:string', 'ecs_container_instance_arn:string', 'ecs_container_instance_id:string',
      'ecs_container_id:string', 'ecs_second_container_id:string', 'ecs_service_name:string', 'ecs_task_definition_arn:string',
      'ecs_task_arn:string', 'ecs_task_id:string', 'reject_reason:string', 'resource_id:string', 'encryption_status:int',
      'timestamp:timestamp', '_raw:string', '_error:string',
    ]);
  });
});

describe('vpc_flow parser: default format', () => {
  it('skips the header line and keeps it as the header in force', () => {
    const parser = vpcFlow.createParser();
    expect(parser.header).toBe('');
    const { kind } = run(parser, DEFAULT_HEADER);
    expect(kind).toBe(LineKind.Skip);
    expect(parser.error).toBe('header');
    expect(parser.header).toBe(DEFAULT_HEADER);
  });

  it('parses accepted and rejected traffic into full rows (event time = start)', () => {
    const parser = parserWithHeader(DEFAULT_HEADER);
    const accepted = run(parser, ACCEPT);
    expect(accepted.kind).toBe(LineKind.Row);
    expect(accepted.doc).toEqual(ACCEPT_ROW);
    expect(accepted.partition).toBe('2014-12-14/04');
    expect(parser.timestamp).toBe('2014-12-14T04:06:50Z');
    const rejected = run(parser, REJECT);
    expect(rejected.doc).toEqual({
      ...ACCEPT_ROW,
      srcaddr: '172.31.9.69',
      dstaddr: '172.31.9.12',
      srcport: 49761,
      dstport: 3389,
      action: 'REJECT',
    });
  });

  it('uses the default v2 order when there is no header', () => {
    const parser = vpcFlow.createParser();
    expect(run(parser, ACCEPT).doc).toEqual(ACCEPT_ROW);
    expect(parser.header).toBe('');
  });

  it('parses NODATA and SKIPDATA records, whose fields are mostly -', () => {
    const parser = parserWithHeader(DEFAULT_HEADER);
    const nodata = run(parser, NODATA);
    expect(nodata.kind).toBe(LineKind.Row);
    expect(nodata.partition).toBe('2015-05-10/18');
    expect(nodata.doc).toEqual({
      version: 2,
      account_id: '123456789010',
      interface_id: 'eni-1235b8ca123456789',
      start: 1431280876,
      end: 1431280934,
      log_status: 'NODATA',
      timestamp: '2015-05-10T18:01:16Z',
    });
    expect(run(parser, SKIPDATA).doc).toEqual({
      version: 2,
      account_id: '123456789010',
      interface_id: 'eni-11111111aaaaaaaaa',
      start: 1431280876,
      end: 1431280934,
      log_status: 'SKIPDATA',
      timestamp: '2015-05-10T18:01:16Z',
    });
  });

  it('keeps IPv6 addresses', () => {
    const { doc, partition } = run(parserWithHeader(DEFAULT_HEADER), IPV6);
    expect(doc?.srcaddr).toBe('2001:db8:1234:a100:8d6e:3477:df66:f105');
    expect(doc?.dstaddr).toBe('2001:db8:1234:a102:3304:8879:34cf:4071');
    expect(partition).toBe('2016-10-31/11');
  });
});

describe('vpc_flow parser: custom formats', () => {
  it('maps a reordered version 3 format (TCP flags example) by its header', () => {
    const { kind, doc, partition } = run(parserWithHeader(TCP_FLAGS_HEADER), TCP_FLAGS_LINE);
    expect(kind).toBe(LineKind.Row);
    expect(partition).toBe('2019-08-26/19');
    expect(doc).toEqual({
      version: 3,
      account_id: '123456789010',
      interface_id: 'eni-1235b8ca123456789',
      srcaddr: '52.213.180.42',
      dstaddr: '10.0.0.62',
      srcport: 43416,
      dstport: 5001,
      protocol: 6,
      packets: 8,
      bytes: 568,
      start: 1566848875,
      end: 1566848933,
      action: 'ACCEPT',
      log_status: 'OK',
      vpc_id: 'vpc-abcdefab012345678',
      subnet_id: 'subnet-aaaaaaaa012345678',
      instance_id: 'i-01234567890123456',
      tcp_flags: 2,
      type: 'IPv4',
      pkt_srcaddr: '52.213.180.42',
      pkt_dstaddr: '10.0.0.62',
      timestamp: '2019-08-26T19:47:55Z',
    });
  });

  it('maps a reordered version 5 format (service name, traffic path, flow direction)', () => {
    const parser = parserWithHeader(V5_HEADER);
    const ingress = run(parser, V5_INGRESS);
    expect(ingress.kind).toBe(LineKind.Row);
    expect(ingress.partition).toBe('2021-03-26/03');
    const common = {
      version: 5,
      account_id: '123456789012',
      interface_id: 'eni-1235b8ca123456789',
      protocol: 6,
      start: 1616729292,
      end: 1616729349,
      action: 'ACCEPT',
      log_status: 'OK',
      vpc_id: 'vpc-abcdefab012345678',
      subnet_id: 'subnet-aaaaaaaa012345678',
      instance_id: 'i-0c50d5961bcb2d47b',
      type: 'IPv4',
      region: 'ap-southeast-2',
      az_id: 'apse2-az3',
      timestamp: '2021-03-26T03:28:12Z',
    };
    expect(ingress.doc).toEqual({
      ...common,
      srcaddr: '52.95.128.179',
      dstaddr: '10.0.0.71',
      srcport: 80,
      dstport: 34210,
      packets: 14,
      bytes: 15044,
      tcp_flags: 19,
      pkt_srcaddr: '52.95.128.179',
      pkt_dstaddr: '10.0.0.71',
      pkt_src_aws_service: 'S3',
      flow_direction: 'ingress',
    });
    expect(run(parser, V5_EGRESS).doc).toEqual({
      ...common,
      srcaddr: '10.0.0.71',
      dstaddr: '52.95.128.179',
      srcport: 34210,
      dstport: 80,
      packets: 7,
      bytes: 471,
      tcp_flags: 3,
      pkt_srcaddr: '10.0.0.71',
      pkt_dstaddr: '52.95.128.179',
      pkt_dst_aws_service: 'S3',
      traffic_path: 8,
      flow_direction: 'egress',
    });
  });

  it('maps the newest fields (ECS, reject-reason, resource-id, encryption-status)', () => {
    const header =
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status ecs-cluster-name ecs-task-id reject-reason resource-id encryption-status';
    const line =
      '10 123456789012 eni-0a1b2c3d4e5f67890 10.0.1.5 10.0.2.6 44321 443 6 10 840 1700000000 1700000060 REJECT OK prod a1b2c3d4e5f6 BPA nat-0123456789abcdef0 1';
    const { doc } = run(parserWithHeader(header), line);
    expect(doc).toMatchObject({
      version: 10,
      ecs_cluster_name: 'prod',
      ecs_task_id: 'a1b2c3d4e5f6',
      reject_reason: 'BPA',
      resource_id: 'nat-0123456789abcdef0',
      encryption_status: 1,
      timestamp: '2023-11-14T22:13:20Z',
    });
  });

  it('ignores header fields it does not know, and their values', () => {
    const parser = parserWithHeader('version some-future-field account-id start end log-status');
    const { kind, doc } = run(parser, '11 whatever 123456789012 1418530010 1418530070 OK');
    expect(kind).toBe(LineKind.Row);
    expect(doc).toEqual({
      version: 11,
      account_id: '123456789012',
      start: 1418530010,
      end: 1418530070,
      log_status: 'OK',
      timestamp: '2014-12-14T04:06:50Z',
    });
  });

  it('reads missing trailing fields as null and ignores extra trailing fields', () => {
    const parser = parserWithHeader(DEFAULT_HEADER);
    const short = run(parser, '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010');
    expect(short.kind).toBe(LineKind.Row);
    expect(short.doc).toEqual({
      version: 2,
      account_id: '123456789010',
      interface_id: 'eni-1235b8ca123456789',
      srcaddr: '172.31.16.139',
      dstaddr: '172.31.16.21',
      srcport: 20641,
      dstport: 22,
      protocol: 6,
      packets: 20,
      bytes: 4249,
      start: 1418530010,
      timestamp: '2014-12-14T04:06:50Z',
    });
    expect(run(parser, `${ACCEPT} vpc-12345678 extra fields`).doc).toEqual(ACCEPT_ROW);
  });

  it('takes the event time from end when the format has no start', () => {
    const { doc, partition } = run(parserWithHeader('interface-id end action'), 'eni-1 1418530070 ACCEPT');
    expect(partition).toBe('2014-12-14/04');
    expect(doc).toEqual({ interface_id: 'eni-1', end: 1418530070, action: 'ACCEPT', timestamp: '2014-12-14T04:07:50Z' });
  });

  it('switches mapping when a new header arrives mid-stream', () => {
    const parser = parserWithHeader(DEFAULT_HEADER);
    expect(run(parser, ACCEPT).kind).toBe(LineKind.Row);
    expect(run(parser, TCP_FLAGS_HEADER).kind).toBe(LineKind.Skip);
    expect(parser.header).toBe(TCP_FLAGS_HEADER);
    expect(run(parser, TCP_FLAGS_LINE).doc?.tcp_flags).toBe(2);
  });

  it('accepts CRLF line endings', () => {
    const parser = vpcFlow.createParser();
    expect(run(parser, `${TCP_FLAGS_HEADER}\r`).kind).toBe(LineKind.Skip);
    expect(parser.header).toBe(TCP_FLAGS_HEADER);
    expect(run(parser, `${TCP_FLAGS_LINE}\r`).doc?.log_status).toBe('OK');
  });
});

describe('vpc_flow parser: bad lines', () => {
  it('skips blank lines', () => {
    const parser = vpcFlow.createParser();
    expect(run(parser, '').kind).toBe(LineKind.Skip);
    expect(parser.error).toBe('blank line');
  });

  it('keeps a record whose start is - as an error row with the reason', () => {
    const parser = parserWithHeader(DEFAULT_HEADER);
    const line = '2 123456789010 eni-1235b8ca123456789 - - - - - - - - - - NODATA';
    const { kind, doc, partition } = run(parser, line);
    expect(kind).toBe(LineKind.Error);
    expect(partition).toBe('');
    expect(doc).toEqual({ _raw: line, _error: "start is '-' (no capture window)" });
  });

  it('keeps a format without start or end as error rows (no event time)', () => {
    const parser = parserWithHeader(NAT_HEADER);
    const line = '- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5';
    const { kind, doc } = run(parser, line);
    expect(kind).toBe(LineKind.Error);
    expect(doc).toEqual({ _raw: line, _error: 'the header has neither start nor end' });
  });

  it('keeps a value that does not fit its column as an error row with its event time', () => {
    const parser = parserWithHeader(DEFAULT_HEADER);
    const line = ACCEPT.replace(' 20641 ', ' http ');
    const { kind, doc, partition } = run(parser, line);
    expect(kind).toBe(LineKind.Error);
    expect(partition).toBe('2014-12-14/04');
    expect(doc).toEqual({ timestamp: '2014-12-14T04:06:50Z', _raw: line, _error: 'srcport: not a valid integer: "http"' });
  });

  it('keeps an unreadable start as an error row', () => {
    const parser = vpcFlow.createParser();
    for (const line of ['garbage', ACCEPT.replace('1418530010', '14185300x0'), ACCEPT.replace('1418530010', '99999999999999')]) {
      const { kind, doc, partition } = run(parser, line);
      expect(kind).toBe(LineKind.Error);
      expect(partition).toBe('');
      expect(doc?._raw).toBe(line);
    }
  });

  it('does not take a data line of lower-case values for a header', () => {
    const parser = parserWithHeader('region az-id ecs-cluster-name start');
    const { kind, doc } = run(parser, 'us-east-1 use1-az1 my-cluster 1418530010');
    expect(kind).toBe(LineKind.Row);
    expect(doc).toEqual({ region: 'us-east-1', az_id: 'use1-az1', ecs_cluster_name: 'my-cluster', start: 1418530010, timestamp: '2014-12-14T04:06:50Z' });
    expect(parser.header).toBe('region az-id ecs-cluster-name start');
  });
});

describe('vpc_flow detection', () => {
  it('recognises text log object keys, not Parquet ones', () => {
    for (const key of [
      'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/31/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240131T0005Z_fe123456.log.gz',
      'prefix/AWSLogs/123456789012/vpcflowlogs/eu-west-2/2024/01/31/05/123456789012_vpcflowlogs_eu-west-2_fl-1234abcd_20240131T0500Z_0a1b2c3d.log.gz',
      'AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=01/day=31/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240131T0005Z_fe123456.log.gz',
    ]) {
      expect(vpcFlow.matchKey(key), key).toBe(true);
    }
    for (const key of [
      'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/31/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240131T0005Z_fe123456.log.parquet',
      'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/01/31/123456789012_elasticloadbalancing_us-east-1_app.my-lb.1234_20240131T0005Z_10.0.0.1_abc.log.gz',
      'E2ABCDEFGHIJKL.2019-12-04-21.a1b2c3d4.gz',
    ]) {
      expect(vpcFlow.matchKey(key), key).toBe(false);
    }
  });

  it('recognises content by its header line or a default-format record', () => {
    expect(vpcFlow.matchContent(`${DEFAULT_HEADER}\n${ACCEPT}\n`)).toBe(true);
    expect(vpcFlow.matchContent(`${V5_HEADER}\n${V5_INGRESS}`)).toBe(true);
    expect(vpcFlow.matchContent(ACCEPT)).toBe(true);
    expect(vpcFlow.matchContent(NODATA)).toBe(true);
    expect(vpcFlow.matchContent('#Version: 1.0\n#Fields: date time')).toBe(false);
    expect(vpcFlow.matchContent('http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000')).toBe(false);
    expect(vpcFlow.matchContent('{"Records":[]}')).toBe(false);
    expect(vpcFlow.matchContent('')).toBe(false);
    expect(vpcFlow.skipObject('x.log.gz', DEFAULT_HEADER)).toBeUndefined();
  });
});

describe('vpc_flow parser: properties', () => {
  const INSERTS = [' ', '  ', '\t', '"', '\\', '\u0000', '\u001f', '\n', '\r', '-', 'é', '😀', '\ud800', '\u2028', 'version', 'start'];

  function checkAnyLine(parser: LineParser, line: string): void {
    const partition = parser.locate(line);
    const kind = parser.parse(line);
    expect([LineKind.Row, LineKind.Error, LineKind.Skip]).toContain(kind);
    expect(partition).toBe(parser.dt === '' ? '' : `${parser.dt}/${parser.hour}`);
    if (kind === LineKind.Skip) return;
    const doc = JSON.parse(parser.json) as Record<string, unknown>;
    for (const key of Object.keys(doc)) expect(COLUMNS.has(key), key).toBe(true);
    if (kind === LineKind.Error) expect(doc._raw).toBe(line);
  }

  it('never throws on arbitrary strings, with or without a header', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(undefined, DEFAULT_HEADER, V5_HEADER),
        fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom(DEFAULT_HEADER, ACCEPT, NODATA, V5_INGRESS))),
        (header, lines) => {
          const parser = header === undefined ? vpcFlow.createParser() : parserWithHeader(header);
          for (const line of lines) checkAnyLine(parser, line);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on mutations of a valid line (truncation, inserted separators, quotes, escapes, control characters, unicode)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom([DEFAULT_HEADER, ACCEPT], [DEFAULT_HEADER, NODATA], [V5_HEADER, V5_EGRESS], [TCP_FLAGS_HEADER, TCP_FLAGS_LINE]),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...INSERTS), fc.string({ unit: 'binary', maxLength: 3 }))), { maxLength: 5 }),
        ([header, line], cut, inserts) => {
          let mutated = line.slice(0, line.length - (cut % (line.length + 1)));
          for (const [at, text] of inserts) {
            const i = at % (mutated.length + 1);
            mutated = mutated.slice(0, i) + text + mutated.slice(i);
          }
          checkAnyLine(parserWithHeader(header), mutated);
          checkAnyLine(vpcFlow.createParser(), mutated);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary headers followed by arbitrary records', () => {
    const names = ['version', 'start', 'end', 'srcport', 'action', 'tcp-flags', 'encryption-status', 'unknown-field', 'region'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 10 }),
        fc.array(fc.array(fc.oneof(fc.constantFrom('1418530010', '-', '5', 'ACCEPT', 'us-east-1', ''), fc.string()), { maxLength: 12 })),
        (fieldNames, rows) => {
          const parser = vpcFlow.createParser();
          checkAnyLine(parser, fieldNames.join(' '));
          for (const row of rows) checkAnyLine(parser, row.join(' '));
        },
      ),
      { numRuns: 300 },
    );
  });
});
