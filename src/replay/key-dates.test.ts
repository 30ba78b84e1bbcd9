import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KEY_TIME_WINDOWS,
  keyDate,
  keyInRange,
  keyTimeBounds,
  listingDays,
  nominalHours,
  parseDay,
  rangeBounds,
  type KeyLayout,
} from './key-dates.js';
import { HOUR, MINUTE, at, keys } from './testing.js';

const T = at('2024-05-10', 13, 25);

describe('keyDate', () => {
  it('reads the time of every layout from its key', () => {
    const cases: [string, KeyLayout, number][] = [
      [keys.alb(T), 'alb', T],
      [keys.elb(T), 'elb', T],
      [keys.cloudtrail(T), 'cloudtrail', T],
      [keys.orgTrail(T), 'cloudtrail', T],
      [keys.vpc(T), 'vpc_flow', T],
      [keys.s3Simple(T + 17_000), 's3_access_simple', T + 17_000],
      [keys.s3Partitioned(T + 17_000), 's3_access_partitioned', T + 17_000],
      [keys.cloudfront(T), 'cloudfront', at('2024-05-10', 13)],
      [`my-prefix/${keys.alb(T)}`, 'alb', T],
      ['access-log-2024-05-10-13-25-17-0A1B2C3D4E5F6789', 's3_access_simple', T + 17_000],
    ];
    for (const [key, layout, time] of cases) {
      const date = keyDate(key);
      expect(date?.layout, key).toBe(layout);
      expect(date?.keyTime, key).toBe(time);
    }
  });

  it('leaves keys of no known layout undated', () => {
    for (const key of [
      'AWSLogs/123456789012/ELBAccessLogTestFile',
      'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/05/10/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240510T132500Z.json.gz',
      'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/05/10/123456789012_elasticloadbalancing_us-east-1_net.my-nlb.1234567890abcdef_20240510T1325Z_10.0.0.1_abcdefgh.log.gz',
      'cf/E2ABCDEFGHIJKL.2024-02-31-13.a1b2c3d4.gz',
      'README.md',
    ]) {
      expect(keyDate(key), key).toBeUndefined();
    }
  });

  it('restricts to one table when asked', () => {
    expect(keyDate(keys.alb(T), 'alb')?.table).toBe('alb');
    expect(keyDate(keys.alb(T), 'elb')).toBeUndefined();
  });
});

describe('the inclusion rule', () => {
  const bounds = rangeBounds({ from: '2024-05-10', to: '2024-05-11' });
  const start = at('2024-05-10');
  const end = at('2024-05-12');
  const included = (key: string) => keyInRange(keyDate(key)!, bounds);

  it('includes an ALB file from the end of the range start (its file time ends the interval) to 10 min after the range', () => {
    // 23:55–00:00 of the day before: no event in range, but within the 5-minute slack.
    expect(included(keys.alb(start - 5 * MINUTE))).toBe(false);
    expect(included(keys.alb(start - 4 * MINUTE))).toBe(true);
    expect(included(keys.alb(start))).toBe(true);
    // The file written at 00:05 after the range holds the last events of the range.
    expect(included(keys.alb(end + 5 * MINUTE))).toBe(true);
    expect(included(keys.alb(end + 9 * MINUTE))).toBe(true);
    expect(included(keys.alb(end + 10 * MINUTE))).toBe(false);
  });

  it('includes ELB files up to 65 min after the range (60-minute intervals)', () => {
    expect(included(keys.elb(end + 60 * MINUTE))).toBe(true);
    expect(included(keys.elb(end + 65 * MINUTE))).toBe(false);
    expect(included(keys.elb(start - 5 * MINUTE))).toBe(false);
  });

  it('includes CloudTrail (also organization trails) and VPC files delivered up to an hour after the range', () => {
    for (const key of [keys.cloudtrail, keys.orgTrail, keys.vpc]) {
      expect(included(key(end + 59 * MINUTE))).toBe(true);
      expect(included(key(end + 60 * MINUTE))).toBe(false);
      expect(included(key(start - 5 * MINUTE))).toBe(false);
      expect(included(key(start - 4 * MINUTE))).toBe(true);
    }
  });

  it('includes S3 access logs delivered up to a day after the range, both layouts', () => {
    for (const key of [keys.s3Simple, keys.s3Partitioned]) {
      expect(included(key(end + 24 * HOUR - 1000))).toBe(true);
      expect(included(key(end + 24 * HOUR))).toBe(false);
      expect(included(key(start - 5 * MINUTE))).toBe(false);
    }
  });

  it('takes CloudFront hours exactly: the hour in the name is the requests hour', () => {
    expect(included(keys.cloudfront(start - HOUR))).toBe(false);
    expect(included(keys.cloudfront(start))).toBe(true);
    expect(included(keys.cloudfront(end - HOUR))).toBe(true);
    expect(included(keys.cloudfront(end))).toBe(false);
  });

  it('never loses an event: a key whose usual window holds an in-range event is included', () => {
    const layouts = Object.keys(KEY_TIME_WINDOWS) as KeyLayout[];
    const makers: Record<KeyLayout, (t: number) => string> = {
      alb: keys.alb,
      elb: keys.elb,
      cloudtrail: keys.cloudtrail,
      vpc_flow: keys.vpc,
      s3_access_simple: keys.s3Simple,
      s3_access_partitioned: keys.s3Partitioned,
      cloudfront: keys.cloudfront,
    };
    fc.assert(
      fc.property(fc.constantFrom(...layouts), fc.integer({ min: start, max: end - 1 }), fc.integer({ min: 0, max: 2 * HOUR }), (layout, event, offset) => {
        const w = KEY_TIME_WINDOWS[layout];
        // A key time whose usual window [t - nominalBefore, t + nominalAfter) holds the event.
        const span = w.nominalBefore + w.nominalAfter;
        const keyTime = event + w.nominalBefore - (offset % Math.max(1, span));
        const rounded = layout === 'cloudfront' ? Math.floor(keyTime / HOUR) * HOUR : layout.startsWith('s3') ? Math.floor(keyTime / 1000) * 1000 : Math.floor(keyTime / MINUTE) * MINUTE;
        const date = keyDate(makers[layout](rounded))!;
        if (!(date.nominalStart <= event && event < Math.max(date.nominalEnd, date.nominalStart + 1))) return true;
        return keyInRange(date, bounds);
      }),
      { numRuns: 500 },
    );
  });

  it('picks the day folders that can hold included keys', () => {
    expect(listingDays(['alb'], bounds)).toEqual(['2024-05-09', '2024-05-10', '2024-05-11', '2024-05-12']);
    expect(listingDays(['s3_access_partitioned'], bounds)).toEqual(['2024-05-09', '2024-05-10', '2024-05-11', '2024-05-12']);
    expect(keyTimeBounds('cloudfront', bounds)).toEqual({ low: start - HOUR, high: end });
  });
});

describe('ranges and hours', () => {
  it('parses real days only', () => {
    expect(parseDay('2024-02-29')).toBe(at('2024-02-29'));
    expect(parseDay('2023-02-29')).toBeUndefined();
    expect(parseDay('2024-13-01')).toBeUndefined();
    expect(parseDay('2024-5-1')).toBeUndefined();
    expect(() => rangeBounds({ from: '2024-05-02', to: '2024-05-01' })).toThrow(/after/);
    expect(() => rangeBounds({ from: 'yesterday' })).toThrow(/YYYY-MM-DD/);
    expect(rangeBounds({ from: '2024-05-01' })).toEqual({ start: at('2024-05-01'), end: Infinity });
  });

  it('lists the usual event hours of a key, clipped to the range', () => {
    expect(nominalHours(keyDate(keys.alb(at('2024-05-10', 10, 5)))!)).toEqual(['2024-05-10/10']);
    expect(nominalHours(keyDate(keys.alb(at('2024-05-10', 10, 0)))!)).toEqual(['2024-05-10/09']);
    expect(nominalHours(keyDate(keys.cloudfront(at('2024-05-10', 7)))!)).toEqual(['2024-05-10/07']);
    expect(nominalHours(keyDate(keys.s3Simple(at('2024-05-10', 0, 30)))!)).toEqual(['2024-05-09/23', '2024-05-10/00']);
    expect(nominalHours(keyDate(keys.s3Simple(at('2024-05-10', 0, 30)))!, rangeBounds({ from: '2024-05-10', to: '2024-05-10' }))).toEqual(['2024-05-10/00']);
  });
});
