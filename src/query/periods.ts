/**
 * Report periods, as inclusive `dt` ranges (`YYYY-MM-DD`, UTC), relative to an injectable "now":
 * - weekly: the last complete Monday–Sunday week (on a Sunday, the week that ended a week ago —
 *   today is not over; on a Monday, the week that ended yesterday);
 * - monthly: the previous calendar month;
 * - quarterly: the previous calendar quarter (Jan–Mar, Apr–Jun, Jul–Sep, Oct–Dec).
 */

export const FREQUENCIES = ['weekly', 'monthly', 'quarterly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export interface Period {
  /** First day, inclusive. */
  readonly from: string;
  /** Last day, inclusive. */
  readonly to: string;
}

/** Bad dates or ranges given by the user. */
export class PeriodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeriodError';
  }
}

const DAY_MS = 86_400_000;

function dayText(utcMs: number): string {
  return new Date(utcMs).toISOString().slice(0, 10);
}

function utcDay(year: number, monthIndex: number, day: number): number {
  return Date.UTC(year, monthIndex, day);
}

export function isFrequency(value: string): value is Frequency {
  return (FREQUENCIES as readonly string[]).includes(value);
}

/** The period a frequency stands for, relative to `now`. */
export function periodOf(frequency: Frequency, now: Date = new Date()): Period {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const today = utcDay(year, month, now.getUTCDate());
  switch (frequency) {
    case 'weekly': {
      const sinceMonday = (now.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
      const thisMonday = today - sinceMonday * DAY_MS;
      return { from: dayText(thisMonday - 7 * DAY_MS), to: dayText(thisMonday - DAY_MS) };
    }
    case 'monthly':
      // Date.UTC normalises month -1 to December of the year before, and day 0 to the last day of the month before.
      return { from: dayText(utcDay(year, month - 1, 1)), to: dayText(utcDay(year, month, 0)) };
    case 'quarterly': {
      const quarterStart = month - (month % 3);
      return { from: dayText(utcDay(year, quarterStart - 3, 1)), to: dayText(utcDay(year, quarterStart, 0)) };
    }
  }
}

/** The last `days` days up to and including today (UTC). */
export function lastDays(days: number, now: Date = new Date()): Period {
  const today = utcDay(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { from: dayText(today - (days - 1) * DAY_MS), to: dayText(today) };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date given as `YYYY-MM-DD` (a real one: no 2023-02-29), else a PeriodError naming the option. */
export function parseDay(text: string, what = 'date'): string {
  const match = DATE.exec(text);
  if (match !== null) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const t = new Date(utcDay(year, month - 1, day));
    if (year >= 1 && t.getUTCFullYear() === year && t.getUTCMonth() === month - 1 && t.getUTCDate() === day) return text;
  }
  throw new PeriodError(`${what} must be a date as YYYY-MM-DD, got ${JSON.stringify(text)}`);
}

/** A `--from`/`--to` range: both real dates, from ≤ to. */
export function parseRange(from: string, to: string): Period {
  const first = parseDay(from, '--from');
  const last = parseDay(to, '--to');
  if (first > last) throw new PeriodError(`--from ${first} is after --to ${last}`);
  return { from: first, to: last };
}

/** The period of `--frequency` or `--from`/`--to` (exactly one of the two forms). */
export function resolvePeriod(options: { frequency?: string; from?: string; to?: string }, now: Date = new Date()): Period {
  const { frequency, from, to } = options;
  if (frequency !== undefined) {
    if (from !== undefined || to !== undefined) throw new PeriodError('give either --frequency or --from/--to, not both');
    if (!isFrequency(frequency)) throw new PeriodError(`--frequency must be one of ${FREQUENCIES.join(', ')}, got ${JSON.stringify(frequency)}`);
    return periodOf(frequency, now);
  }
  if (from === undefined && to === undefined) throw new PeriodError('give --frequency weekly|monthly|quarterly or --from YYYY-MM-DD --to YYYY-MM-DD');
  if (from === undefined || to === undefined) throw new PeriodError(`--${from === undefined ? 'from' : 'to'} is missing (give both --from and --to)`);
  return parseRange(from, to);
}
