import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeriodError, lastDays, parseDay, parseRange, periodOf, resolvePeriod } from './periods.js';

const at = (iso: string) => new Date(iso);

describe('weekly: the last complete Monday–Sunday week', () => {
  it.each([
    // now (UTC)                    from          to
    ['2024-03-13T12:00:00Z', '2024-03-04', '2024-03-10'], // a Wednesday
    ['2024-03-11T00:00:00Z', '2024-03-04', '2024-03-10'], // Monday midnight: last week just ended
    ['2024-03-10T23:59:59Z', '2024-02-26', '2024-03-03'], // Sunday night: this week is not over
    ['2024-03-04T09:00:00Z', '2024-02-26', '2024-03-03'], // Monday after a leap day: the week holds 2024-02-29
    ['2025-01-01T08:00:00Z', '2024-12-23', '2024-12-29'], // New Year's Day (a Wednesday)
    ['2024-01-01T00:00:00Z', '2023-12-25', '2023-12-31'], // a Monday on January 1st: the week ended on December 31st
    ['2027-01-03T12:00:00Z', '2026-12-21', '2026-12-27'], // a Sunday on January 3rd
    ['2021-01-04T00:00:00Z', '2020-12-28', '2021-01-03'], // a week across the year end
    ['2100-03-01T00:00:00Z', '2100-02-22', '2100-02-28'], // 2100 is not a leap year (Monday 2100-03-01)
  ])('now %s → %s … %s', (now, from, to) => {
    expect(periodOf('weekly', at(now))).toEqual({ from, to });
  });

  it('is always seven days from a Monday to a Sunday, ending before today', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-05T00:00:00Z'), max: new Date('2400-12-31T23:59:59Z'), noInvalidDate: true }), (now) => {
        const { from, to } = periodOf('weekly', now);
        const first = new Date(`${from}T00:00:00Z`);
        const last = new Date(`${to}T00:00:00Z`);
        const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
        expect(first.getUTCDay()).toBe(1);
        expect(last.getUTCDay()).toBe(0);
        expect((last.getTime() - first.getTime()) / 86_400_000).toBe(6);
        expect(last.getTime()).toBeLessThan(today.getTime());
        expect(today.getTime() - last.getTime()).toBeLessThanOrEqual(7 * 86_400_000);
      }),
    );
  });
});

describe('monthly: the previous calendar month', () => {
  it.each([
    ['2024-03-15T12:00:00Z', '2024-02-01', '2024-02-29'], // leap February
    ['2023-03-01T00:00:00Z', '2023-02-01', '2023-02-28'],
    ['2100-03-31T23:59:59Z', '2100-02-01', '2100-02-28'], // 2100 not leap
    ['2000-03-02T00:00:00Z', '2000-02-01', '2000-02-29'], // 2000 leap (divisible by 400)
    ['2024-01-01T00:00:00Z', '2023-12-01', '2023-12-31'], // year end
    ['2024-12-31T23:59:59Z', '2024-11-01', '2024-11-30'],
    ['2024-05-31T10:00:00Z', '2024-04-01', '2024-04-30'],
    ['2024-08-01T00:00:00Z', '2024-07-01', '2024-07-31'],
  ])('now %s → %s … %s', (now, from, to) => {
    expect(periodOf('monthly', at(now))).toEqual({ from, to });
  });

  it('uses UTC, not local time', () => {
    // 2024-03-01T00:30 UTC is still February in New York: the previous month is February in UTC.
    expect(periodOf('monthly', at('2024-03-01T00:30:00Z'))).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(periodOf('monthly', at('2024-02-29T23:30:00-05:00'))).toEqual({ from: '2024-02-01', to: '2024-02-29' });
  });
});

describe('quarterly: the previous calendar quarter', () => {
  it.each([
    ['2024-01-01T00:00:00Z', '2023-10-01', '2023-12-31'], // Q1 → last year's Q4
    ['2024-03-31T23:59:59Z', '2023-10-01', '2023-12-31'],
    ['2024-04-01T00:00:00Z', '2024-01-01', '2024-03-31'], // quarter boundary
    ['2024-05-20T12:00:00Z', '2024-01-01', '2024-03-31'],
    ['2024-07-01T00:00:00Z', '2024-04-01', '2024-06-30'],
    ['2024-09-30T23:59:59Z', '2024-04-01', '2024-06-30'],
    ['2024-10-01T00:00:00Z', '2024-07-01', '2024-09-30'],
    ['2024-12-31T23:59:59Z', '2024-07-01', '2024-09-30'],
    ['2025-02-28T00:00:00Z', '2024-10-01', '2024-12-31'],
  ])('now %s → %s … %s', (now, from, to) => {
    expect(periodOf('quarterly', at(now))).toEqual({ from, to });
  });
});

describe('dates and ranges from the user', () => {
  it('accepts real dates only', () => {
    expect(parseDay('2024-02-29')).toBe('2024-02-29');
    expect(parseDay('2000-02-29')).toBe('2000-02-29');
    for (const bad of ['2023-02-29', '2100-02-29', '2024-13-01', '2024-00-10', '2024-04-31', '2024-1-5', '20240105', '', 'yesterday', '2024-01-01T00:00:00Z', ' 2024-01-01']) {
      expect(() => parseDay(bad), bad).toThrow(PeriodError);
    }
    expect(() => parseDay('2024-02-30', '--to')).toThrow('--to must be a date as YYYY-MM-DD, got "2024-02-30"');
  });

  it('wants from ≤ to', () => {
    expect(parseRange('2024-03-01', '2024-03-01')).toEqual({ from: '2024-03-01', to: '2024-03-01' });
    expect(parseRange('2023-12-31', '2024-01-01')).toEqual({ from: '2023-12-31', to: '2024-01-01' });
    expect(() => parseRange('2024-01-02', '2024-01-01')).toThrow('--from 2024-01-02 is after --to 2024-01-01');
  });

  it('takes either --frequency or --from/--to', () => {
    const now = at('2024-03-13T12:00:00Z');
    expect(resolvePeriod({ frequency: 'weekly' }, now)).toEqual({ from: '2024-03-04', to: '2024-03-10' });
    expect(resolvePeriod({ from: '2024-01-01', to: '2024-01-31' }, now)).toEqual({ from: '2024-01-01', to: '2024-01-31' });
    expect(() => resolvePeriod({}, now)).toThrow(/give --frequency weekly\|monthly\|quarterly or --from/);
    expect(() => resolvePeriod({ frequency: 'daily' }, now)).toThrow('--frequency must be one of weekly, monthly, quarterly, got "daily"');
    expect(() => resolvePeriod({ frequency: 'weekly', from: '2024-01-01' }, now)).toThrow(/not both/);
    expect(() => resolvePeriod({ from: '2024-01-01' }, now)).toThrow('--to is missing');
    expect(() => resolvePeriod({ to: '2024-01-01' }, now)).toThrow('--from is missing');
  });

  it('knows the last days up to today', () => {
    expect(lastDays(7, at('2024-03-03T05:00:00Z'))).toEqual({ from: '2024-02-26', to: '2024-03-03' });
    expect(lastDays(1, at('2024-01-01T00:00:00Z'))).toEqual({ from: '2024-01-01', to: '2024-01-01' });
  });
});
