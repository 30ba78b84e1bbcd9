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

/**
 * How much JSON escaping the fields of a line can need, judged once per line so that the row writer
 * can copy most fields between quotes as they are.
 */
export const enum JsonSafety {
  /** The line has a backslash or a control character: every string goes through JSON.stringify. */
  Unsafe = 0,
  /** No backslash or control character, but a `"` somewhere: strings are checked for `"` one by one. */
  Safe = 1,
  /** No backslash, control character or `"`: every field can be emitted between quotes as is. */
  Plain = 2,
}

// Anchored, greedy forms: V8 runs them about 1.5× faster than a search for the first unsafe character.
/** Lines made only of these characters have no field that needs JSON escaping beyond `"`. */
const FREE_OF_CONTROL = /^[^\u0000-\u001f]*$/;
/** The same, for TAB-separated formats whose fields cannot contain a TAB. */
const FREE_OF_CONTROL_EXCEPT_TAB = /^[^\u0000-\u0008\u000a-\u001f]*$/;

/** The escaping the fields of a space-separated line can need. */
export function jsonSafety(line: string): JsonSafety {
  if (line.indexOf('\\') >= 0 || !FREE_OF_CONTROL.test(line)) return JsonSafety.Unsafe;
  return line.indexOf('"') < 0 ? JsonSafety.Plain : JsonSafety.Safe;
}

/** The escaping the fields of a TAB-separated line can need (a TAB never ends up inside a field). */
export function jsonSafetyTabSeparated(line: string): JsonSafety {
  if (line.indexOf('\\') >= 0 || !FREE_OF_CONTROL_EXCEPT_TAB.test(line)) return JsonSafety.Unsafe;
  return line.indexOf('"') < 0 ? JsonSafety.Plain : JsonSafety.Safe;
}

/**
 * The escaping the tokens of a line split by `QuotedTokenizer` can need: the quotes around quoted
 * fields are not part of any value, so only `quoteInToken` says whether a value holds a `"`.
 */
export function jsonSafetyOfTokens(line: string, quoteInToken: boolean): JsonSafety {
  if (line.indexOf('\\') >= 0 || !FREE_OF_CONTROL.test(line)) return JsonSafety.Unsafe;
  return quoteInToken ? JsonSafety.Safe : JsonSafety.Plain;
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
  if (length === 0 || length > MAX_DECIMAL_LENGTH) return undefined;
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
  for (let i = 0; i < 10; i++) if (i !== 4 && i !== 7 && !isDigit(text.charCodeAt(i))) return false;
  const month = (text.charCodeAt(5) - 48) * 10 + text.charCodeAt(6) - 48;
  const day = (text.charCodeAt(8) - 48) * 10 + text.charCodeAt(9) - 48;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/**
 * Where a compiled writer reads a column's value: an index into the values it is given, `'a'` or
 * `'b'` (its two extra arguments, for values a parser derives, such as `timestamp`), or null (the
 * column is always null for this parser).
 */
export type ValueSource = number | 'a' | 'b' | null;

export interface CompileOptions {
  /**
   * Every value is known to need no JSON escaping (the parser matched the line with a pattern that
   * excludes `"`, `\` and control characters): strings are emitted between quotes without checks.
   */
  readonly plain?: boolean;
  /** An empty value is null, like `-` (parsers that split without dropping empty fields). */
  readonly emptyIsNull?: boolean;
  /**
   * Integer values already in the form `integerJson` returns unchanged (`0`, `-0`,
   * `-?[1-9][0-9]*`, at most 20 characters) and decimals in the form `decimalJson` returns
   * unchanged apart from its length limit (`-?(0|[1-9][0-9]*)(\.[0-9]+)?`), because the parser's
   * pattern (`CANONICAL_INTEGER`, `CANONICAL_DECIMAL`, `PLAIN_TOKEN`) checked them: emitted as they
   * are. `true` for every numeric column, or per column.
   */
  readonly canonicalNumbers?: boolean | readonly boolean[];
}

/** RegExp source of the integers `integerJson` returns unchanged, `-` and empty (null). */
export const CANONICAL_INTEGER = '-?0|[1-9][0-9]{0,19}|-[1-9][0-9]{0,18}|-|';
/** RegExp source of the decimals `decimalJson` returns unchanged when at most 40 long, `-` and empty (null). */
export const CANONICAL_DECIMAL = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?|-|';
/** Longest decimal `decimalJson` accepts. */
const MAX_DECIMAL_LENGTH = 40;

/**
 * A generated writer: the JSON document for one row, or undefined after `writer.reject` set the
 * writer's `error`. `safe` is the line's `jsonSafety*` result (ignored by `plain` writers).
 */
export type CompiledWriter = (
  values: ArrayLike<string | undefined>,
  safe: JsonSafety,
  a: string | undefined,
  b: string | undefined,
  writer: RowWriter,
) => string | undefined;

/** Compiled writers per column list (a format's `schema.columns`) and plan, shared by all its parsers. */
const compiledWriters = new WeakMap<readonly Column[], Map<string, CompiledWriter>>();

export class RowWriter {
  private readonly names: string[];
  private readonly kinds: Kind[];
  private readonly columns: readonly Column[];
  private readonly writeValues: CompiledWriter;
  private readonly writePlainValues: CompiledWriter;
  /** Why the last `write` returned undefined. */
  error = '';

  constructor(columns: readonly Column[]) {
    this.columns = columns;
    this.names = columns.map((c) => c.name);
    this.kinds = columns.map((c) => kindOf(c.type));
    const identity = columns.map((_, i) => i);
    this.writeValues = this.compile(identity);
    this.writePlainValues = this.compile(identity, { plain: true });
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
   * a value does not fit its column's type. `safe` is the line-level `jsonSafety*` result.
   */
  write(values: ArrayLike<string | undefined>, safe: JsonSafety): string | undefined {
    return safe === JsonSafety.Plain
      ? this.writePlainValues(values, safe, undefined, undefined, this)
      : this.writeValues(values, safe, undefined, undefined, this);
  }

  /**
   * A writer for parsers that hold a row's values in another layout (e.g. the groups of a RegExp
   * match in log order): `sources[c]` says where column `c`'s value is. Generated once per column
   * list and plan, and cached; call it as `compiled(values, safe, a, b, thisWriter)`.
   */
  compile(sources: readonly ValueSource[], options: CompileOptions = {}): CompiledWriter {
    if (sources.length !== this.names.length) throw new Error(`expected ${this.names.length} value sources, got ${sources.length}`);
    const canonical = options.canonicalNumbers;
    const numbers = canonical === true ? 'n' : Array.isArray(canonical) ? canonical.map((c) => (c ? 1 : 0)).join('') : '';
    const key = `${options.plain ? 'p' : ''}${options.emptyIsNull ? 'e' : ''}:${numbers}:${sources.join(',')}`;
    let cache = compiledWriters.get(this.columns);
    if (cache === undefined) {
      cache = new Map();
      compiledWriters.set(this.columns, cache);
    }
    let compiled = cache.get(key);
    if (compiled === undefined) {
      compiled = compileWriter(this.names, this.kinds, sources, options);
      cache.set(key, compiled);
    }
    return compiled;
  }

  /** Sets `error` for a value that does not fit its column; returns undefined for the writer to return. */
  reject(column: number, value: string): undefined {
    this.error = `${this.names[column]}: not a valid ${typeName(this.kinds[column])}: ${truncate(value)}`;
    return undefined;
  }
}

/**
 * Generates a writer: one unrolled block per column with its key text precomputed and its type's
 * conversion inline, so a row costs a few string concatenations per non-null value and nothing
 * else. A string value's closing quote is not appended at once but carried into the next key
 * (`","next":`), saving one concatenation per string. Generated from column names and types only,
 * never from data.
 *
 * The output is exactly that of the straightforward loop kept in row-writer.test.ts as the reference.
 */
function compileWriter(names: readonly string[], kinds: readonly Kind[], sources: readonly ValueSource[], options: CompileOptions): CompiledWriter {
  // State `s`: 0 = nothing written yet, 1 = the last value is complete, 2 = the last value is a string without its closing quote.
  const lit = (text: string): string => JSON.stringify(text);
  const body: string[] = ['let out = "{";', 'let s = 0;', 'let x;', 'let y;'];
  const present = options.emptyIsNull ? 'x !== undefined && x !== "-" && x !== ""' : 'x !== undefined && x !== "-"';
  names.forEach((name, i) => {
    const source = sources[i];
    if (source === null) return;
    const key = `${JSON.stringify(name)}:`;
    const prefix = (open: string): string => `(s === 0 ? ${lit(key + open)} : s === 1 ? ${lit(`,${key}${open}`)} : ${lit(`",${key}${open}`)})`;
    const reject = `return w.reject(${i}, x);`;
    const canonical = options.canonicalNumbers === true || (Array.isArray(options.canonicalNumbers) && options.canonicalNumbers[i] === true);
    body.push(`x = ${typeof source === 'number' ? `v[${source}]` : source};`, `if (${present}) {`);
    switch (kinds[i]) {
      case Kind.String:
      case Kind.Timestamp:
        if (options.plain) {
          body.push(`  out = out + ${prefix('"')} + x; s = 2;`);
        } else {
          body.push(
            `  if (safe === 2 || (safe === 1 && x.indexOf('"') === -1)) { out = out + ${prefix('"')} + x; s = 2; }`,
            `  else { out = out + ${prefix('')} + JSON.stringify(x); s = 1; }`,
          );
        }
        break;
      case Kind.Date:
        body.push(`  if (!isIsoDate(x)) ${reject}`, `  out = out + ${prefix('"')} + x; s = 2;`);
        break;
      case Kind.Integer:
        if (canonical) body.push(`  out = out + ${prefix('')} + x; s = 1;`);
        else body.push(`  y = integerJson(x);`, `  if (y === undefined) ${reject}`, `  out = out + ${prefix('')} + y; s = 1;`);
        break;
      case Kind.Decimal:
        if (canonical) body.push(`  if (x.length > ${MAX_DECIMAL_LENGTH}) ${reject}`, `  out = out + ${prefix('')} + x; s = 1;`);
        else body.push(`  y = decimalJson(x);`, `  if (y === undefined) ${reject}`, `  out = out + ${prefix('')} + y; s = 1;`);
        break;
      case Kind.Boolean:
        body.push(`  if (x !== "true" && x !== "false") ${reject}`, `  out = out + ${prefix('')} + x; s = 1;`);
        break;
      case Kind.Json:
        body.push(`  out = out + ${prefix('')} + x; s = 1;`);
        break;
    }
    body.push('}');
  });
  body.push('return s === 2 ? out + \'"}\' : out + "}";');
  const source = `return function write(v, safe, a, b, w) {\n${body.join('\n')}\n};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from column names and types only, never from data
  const factory = new Function('integerJson', 'decimalJson', 'isIsoDate', source) as (
    integer: typeof integerJson,
    decimal: typeof decimalJson,
    date: typeof isIsoDate,
  ) => CompiledWriter;
  return factory(integerJson, decimalJson, isIsoDate);
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
