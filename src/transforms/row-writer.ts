import type { Column, ColumnType } from './schema.js';

/**
 * Turns one line's field values into a JSON document in schema column order, without building an
 * object or calling JSON.stringify per field on the hot path.
 *
 * Values are the text as logged: `-` (and undefined, for missing trailing fields) is null.
 * Columns of complex type (map/struct/array) take ready-made JSON text. Null columns are omitted
 * from the document (Firehose's OpenX SerDe, DuckDB and `jq` all read a missing key as null).
 */

const enum Kind {
  String,
  Integer,
  Decimal,
  Boolean,
  Date,
  Timestamp,
  Json,
}

function kindOf(type: ColumnType): Kind {
  switch (type) {
    case 'string':
      return Kind.String;
    case 'int':
    case 'bigint':
      return Kind.Integer;
    case 'float':
    case 'double':
      return Kind.Decimal;
    case 'boolean':
      return Kind.Boolean;
    case 'date':
      return Kind.Date;
    case 'timestamp':
      return Kind.Timestamp;
    default:
      return Kind.Json;
  }
}

/** Lines with none of these characters can have every field emitted between quotes as is. */
const UNSAFE_FOR_JSON = /[\\\u0000-\u001f]/;
/** The same, for TAB-separated formats whose fields cannot contain a TAB. */
const UNSAFE_FOR_JSON_EXCEPT_TAB = /[\\\u0000-\u0008\u000a-\u001f]/;

/** One test per line: true when no field of it needs JSON escaping beyond `"`. */
export function isJsonSafe(line: string): boolean {
  return !UNSAFE_FOR_JSON.test(line);
}

export function isJsonSafeTabSeparated(line: string): boolean {
  return !UNSAFE_FOR_JSON_EXCEPT_TAB.test(line);
}

/** JSON string literal for a value; `safe` says the value has no backslash or control character. */
export function jsonString(value: string, safe: boolean): string {
  return safe && value.indexOf('"') === -1 ? `"${value}"` : JSON.stringify(value);
}

/** JSON number text for an integer as logged (leading zeros removed: `000` → `0`), or undefined. */
export function integerJson(text: string): string | undefined {
  const length = text.length;
  if (length === 0 || length > 20) return undefined;
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i === length) return undefined;
  const firstDigit = i;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  if (text.charCodeAt(firstDigit) === 48 && length - firstDigit > 1) {
    let j = firstDigit;
    while (j < length - 1 && text.charCodeAt(j) === 48) j++;
    const digits = text.slice(j);
    return firstDigit === 1 && digits !== '0' ? `-${digits}` : digits;
  }
  return text;
}

/** JSON number text for a decimal as logged (`0.001`, `-1`, `1e-3`, `.5`), or undefined. */
export function decimalJson(text: string): string | undefined {
  const length = text.length;
  if (length === 0 || length > 40) return undefined;
  // Fast path: -?[1-9]digits* or -?0, then optional .digits+ — valid JSON as logged.
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const intStart = i;
  while (i < length && isDigit(text.charCodeAt(i))) i++;
  const intDigits = i - intStart;
  if (intDigits > 0 && (intDigits === 1 || text.charCodeAt(intStart) !== 48)) {
    if (i === length) return text;
    if (text.charCodeAt(i) === 46 && i + 1 < length) {
      let k = i + 1;
      while (k < length && isDigit(text.charCodeAt(k))) k++;
      if (k === length) return text;
    }
  }
  // Slow path: anything else JavaScript reads as a finite decimal number (".5", "1.", "1E3").
  for (let k = 0; k < length; k++) {
    const c = text.charCodeAt(k);
    if (!(isDigit(c) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69)) return undefined;
  }
  const n = Number(text);
  return Number.isFinite(n) ? String(n) : undefined;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** True for `YYYY-MM-DD` with a plausible month and day. */
export function isIsoDate(text: string): boolean {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9]) if (!isDigit(text.charCodeAt(i))) return false;
  const month = (text.charCodeAt(5) - 48) * 10 + text.charCodeAt(6) - 48;
  const day = (text.charCodeAt(8) - 48) * 10 + text.charCodeAt(9) - 48;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

export class RowWriter {
  private readonly keys: string[];
  private readonly kinds: Kind[];
  private readonly names: string[];
  /** Why the last `write` returned undefined. */
  error = '';

  constructor(columns: readonly Column[]) {
    this.names = columns.map((c) => c.name);
    this.keys = columns.map((c) => `${JSON.stringify(c.name)}:`);
    this.kinds = columns.map((c) => kindOf(c.type));
  }

  get columnCount(): number {
    return this.names.length;
  }

  indexOf(name: string): number {
    const index = this.names.indexOf(name);
    if (index < 0) throw new Error(`no column ${name}`);
    return index;
  }

  /**
   * The JSON document for `values` (indexed like the columns), or undefined with `error` set when
   * a value does not fit its column's type. `safe` is the line-level `isJsonSafe*` result.
   */
  write(values: ArrayLike<string | undefined>, safe: boolean): string | undefined {
    let out = '{';
    const keys = this.keys;
    const kinds = this.kinds;
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      if (value === undefined || value === '-') continue;
      let json: string | undefined;
      switch (kinds[i]) {
        case Kind.String:
        case Kind.Timestamp:
          json = safe && value.indexOf('"') === -1 ? `"${value}"` : JSON.stringify(value);
          break;
        case Kind.Integer:
          json = integerJson(value);
          break;
        case Kind.Decimal:
          json = decimalJson(value);
          break;
        case Kind.Boolean:
          json = value === 'true' || value === 'false' ? value : undefined;
          break;
        case Kind.Date:
          json = isIsoDate(value) ? `"${value}"` : undefined;
          break;
        case Kind.Json:
          json = value;
          break;
      }
      if (json === undefined) {
        this.error = `${this.names[i]}: not a valid ${typeName(kinds[i])}: ${truncate(value)}`;
        return undefined;
      }
      out += out.length === 1 ? keys[i] + json : `,${keys[i]}${json}`;
    }
    return `${out}}`;
  }
}

function typeName(kind: Kind): string {
  return ['string', 'integer', 'number', 'boolean', 'date', 'timestamp', 'JSON value'][kind] ?? 'value';
}

function truncate(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return JSON.stringify(shown);
}

/** The error row kept for a line that could not be parsed. */
export function errorRowJson(raw: string, error: string, timestamp?: string): string {
  const time = timestamp === undefined ? '' : `"timestamp":"${timestamp}",`;
  return `{${time}"_raw":${JSON.stringify(raw)},"_error":${JSON.stringify(error)}}`;
}
