/** Event-time helpers shared by the formats. All times are UTC. */

function isDigitAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
}

const ISO_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const CLF_DIGITS = [0, 1, 7, 8, 9, 10, 12, 13, 15, 16, 18, 19, 22, 23, 24, 25];

/**
 * True when `text` starts with `YYYY-MM-DDTHH:MM:SS` (ISO-8601 as AWS writes it) and ends with `Z`.
 * Fractions of a second of any length are accepted.
 */
export function isIsoTimestamp(text: string): boolean {
  if (text.length < 20 || text.charCodeAt(text.length - 1) !== 90 /* Z */) return false;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return false;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return false;
  for (let k = 0; k < ISO_DIGITS.length; k++) if (!isDigitAt(text, ISO_DIGITS[k])) return false;
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (month < 1 || month > 12 || day < 1 || (day > 28 && day > daysInMonth(twoDigits(text, 0) * 100 + twoDigits(text, 2), month))) return false;
  if (twoDigits(text, 11) > 23 || twoDigits(text, 14) > 59 || twoDigits(text, 17) > 59) return false;
  if (text.length === 20) return true;
  if (text.charCodeAt(19) !== 46 || text.length < 22) return false;
  for (let i = 20; i < text.length - 1; i++) if (!isDigitAt(text, i)) return false;
  return true;
}

/**
 * `isIsoTimestamp` with the partition of the time, for parsers reading one time per line:
 * consecutive lines mostly share their second, whose checks and partition are then reused.
 */
export class IsoTimeReader {
  /** `YYYY-MM-DD` and `HH` of the last time `read` accepted. */
  dt = '';
  hour = '';
  /** `YYYY-MM-DDTHH:MM:SS` of the last time accepted ('' before the first). */
  private second = '';

  /** True (with `dt` and `hour` set) when `text` is an ISO timestamp as `isIsoTimestamp` accepts it. */
  read(text: string): boolean {
    if (this.second.length !== 0 && text.length >= 20 && text.startsWith(this.second)) return isIsoTail(text);
    if (!isIsoTimestamp(text)) return false;
    this.second = text.slice(0, 19);
    this.dt = text.slice(0, 10);
    this.hour = text.slice(11, 13);
    return true;
  }
}

/** What `isIsoTimestamp` requires after the seconds: `Z`, or `.`, digits and `Z`. */
function isIsoTail(text: string): boolean {
  const last = text.length - 1;
  if (text.charCodeAt(last) !== 90 /* Z */) return false;
  if (last === 19) return true;
  if (text.charCodeAt(19) !== 46 || last < 21) return false;
  for (let i = 20; i < last; i++) if (!isDigitAt(text, i)) return false;
  return true;
}

function twoDigits(text: string, i: number): number {
  return (text.charCodeAt(i) - 48) * 10 + text.charCodeAt(i + 1) - 48;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Partition of an ISO timestamp already checked with `isIsoTimestamp`. */
export function partitionOfIso(iso: string): string {
  return `${iso.slice(0, 10)}/${iso.slice(11, 13)}`;
}

/** `YYYY-MM-DDTHH:MM:SSZ` from epoch milliseconds (fraction kept only when non-zero). */
export function isoFromEpochMillis(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** Partition `YYYY-MM-DD/HH` of epoch milliseconds. */
export function partitionOfEpochMillis(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)}/${iso.slice(11, 13)}`;
}

const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

/**
 * ISO timestamp from the Apache/S3 access log time `06/Feb/2019:00:00:38 +0000` (without the
 * brackets), converted to UTC when the offset is not `+0000`; undefined when malformed.
 */
export function isoFromClf(text: string): string | undefined {
  if (text.length !== 26 || text.charCodeAt(2) !== 47 || text.charCodeAt(6) !== 47 || text.charCodeAt(11) !== 58) return undefined;
  const month = MONTHS[text.slice(3, 6)];
  if (month === undefined) return undefined;
  for (let k = 0; k < CLF_DIGITS.length; k++) if (!isDigitAt(text, CLF_DIGITS[k])) return undefined;
  if (text.charCodeAt(14) !== 58 || text.charCodeAt(17) !== 58 || text.charCodeAt(20) !== 32) return undefined;
  const iso = `${text.slice(7, 11)}-${month}-${text.slice(0, 2)}T${text.slice(12, 20)}Z`;
  if (!isIsoTimestamp(iso)) return undefined;
  const offset = text.slice(21);
  if (offset === '+0000' || offset === '-0000') return iso;
  const sign = offset.charCodeAt(0) === 45 ? -1 : offset.charCodeAt(0) === 43 ? 1 : 0;
  if (sign === 0) return undefined;
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));
  const ms = Date.parse(iso) - minutes * 60_000;
  if (!Number.isFinite(ms)) return undefined;
  const utc = isoFromEpochMillis(ms);
  return isIsoTimestamp(utc) ? utc : undefined;
}

/**
 * `isoFromClf` for parsers reading one time per line: consecutive lines mostly share their second,
 * and nearly always their day, so the last conversion is reused and a new time of the same day in
 * UTC (`+0000`) only has its time of day checked.
 */
export class ClfTimeReader {
  private lastText = '';
  private lastIso: string | undefined;
  /** `06/Feb/2019:` of the last `+0000` time converted, and its ISO date. */
  private day = '';
  private isoDay = '';

  read(text: string): string | undefined {
    if (text === this.lastText) return this.lastIso;
    this.lastText = text;
    if (this.day.length !== 0 && text.length === 26 && text.startsWith(this.day) && text.endsWith(' +0000') && isTimeOfDay(text, 12)) {
      this.lastIso = `${this.isoDay}T${text.slice(12, 20)}Z`;
      return this.lastIso;
    }
    const iso = text === '' ? undefined : isoFromClf(text);
    this.lastIso = iso;
    if (iso !== undefined && text.endsWith(' +0000')) {
      this.day = text.slice(0, 12);
      this.isoDay = iso.slice(0, 10);
    }
    return iso;
  }
}

/** `HH:MM:SS` at `at` with a plausible hour, minute and second. */
function isTimeOfDay(text: string, at: number): boolean {
  if (text.charCodeAt(at + 2) !== 58 || text.charCodeAt(at + 5) !== 58) return false;
  if (!isDigitAt(text, at) || !isDigitAt(text, at + 1) || !isDigitAt(text, at + 3) || !isDigitAt(text, at + 4)) return false;
  if (!isDigitAt(text, at + 6) || !isDigitAt(text, at + 7)) return false;
  return twoDigits(text, at) <= 23 && twoDigits(text, at + 3) <= 59 && twoDigits(text, at + 6) <= 59;
}
