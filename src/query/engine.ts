/**
 * One interface for the two query engines: DuckDB over the local lake and Athena over the S3 lake.
 * Results are JSON-friendly whichever engine ran the query, so the CLI, the reports and the tests
 * treat them alike.
 */

/** The portable type of a result column (what the report's Parquet file is typed with). */
export type ValueType = 'string' | 'int' | 'bigint' | 'double' | 'boolean' | 'date' | 'timestamp' | 'json';

/**
 * A JSON-friendly value: `int`/`double` → number; `bigint` → number when it is a safe integer, else
 * its decimal text; `timestamp` → ISO-8601 text in UTC with milliseconds and `Z`; `date` → `YYYY-MM-DD`;
 * `json` → structured JSON: DuckDB's lists, structs and maps (a map with text keys as an object),
 * Athena's `json` values. Athena prints arrays, maps and rows in its own notation (`[a, b]`, `{k=v}`),
 * which is not JSON: those columns are `string` and keep the text.
 */
export type ResultValue = string | number | boolean | null | ResultValue[] | { [key: string]: ResultValue };

export interface ResultColumn {
  readonly name: string;
  readonly type: ValueType;
  /** The engine's own type text (`BIGINT`, `varchar`, `STRUCT(...)`), for messages. */
  readonly engineType: string;
}

export type EngineName = 'duckdb' | 'athena';

export interface QueryStats {
  readonly engine: EngineName;
  readonly elapsedMs: number;
  /**
   * Athena: `DataScannedInBytes` (what Athena bills). DuckDB: the compressed size of the Parquet
   * column chunks the query reads (see duckdb-engine.ts for how it is worked out); absent when it
   * could not be worked out.
   */
  readonly bytesScanned?: number;
  /** Athena only: the query's price from the price table (per TB scanned, 10 MB minimum). */
  readonly costUsd?: number;
  /** How `bytesScanned` was obtained, when it is an estimate. */
  readonly note?: string;
  /** Athena's query execution id. */
  readonly queryId?: string;
}

export interface QueryResult {
  readonly columns: readonly ResultColumn[];
  /** One object per row, keyed by column name (duplicate names get `_2`, `_3`, … suffixes). */
  readonly rows: readonly Record<string, ResultValue>[];
  readonly stats: QueryStats;
}

export interface RunHints {
  /**
   * The table and `dt` range the query reads, when the caller knows them (named queries do). The
   * DuckDB engine uses them to find the files behind its byte count when DuckDB's profile does not
   * list them; Athena needs no hint.
   */
  readonly scope?: { readonly table: string; readonly fromDt: string; readonly toDt: string };
}

export interface QueryEngine {
  readonly name: EngineName;
  /**
   * Runs one statement. `params` are bound to its positional `?` placeholders as VARCHAR values
   * (DuckDB prepared statement; Athena `ExecutionParameters`) — never spliced into the SQL text.
   */
  run(sql: string, params?: readonly string[], hints?: RunHints): Promise<QueryResult>;
  close(): Promise<void>;
}

/** A query the engine rejected or that failed while running: one line, with the engine's reason. */
export class QueryError extends Error {
  constructor(
    readonly engine: EngineName,
    message: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

// ---------------------------------------------------------------------------------------------
// Value conversion shared by both engines

/** Integer text → number when it is a safe integer, else the text itself (no precision lost). */
export function integerValue(text: string): number | string {
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) return text;
  const n = Number(trimmed);
  return Number.isSafeInteger(n) ? n : trimmed.replace(/^\+/, '');
}

/** Decimal/floating text → number; non-finite values (`NaN`, `Infinity`) stay text, as JSON has no such numbers. */
export function floatValue(text: string): number | string {
  const n = Number(text);
  return Number.isFinite(n) && text.trim() !== '' ? n : text;
}

const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Engine timestamp text (`2024-03-01 10:00:00.123456`, `… 10:00:00.123 UTC`, `…+00`) → ISO-8601 UTC
 * with milliseconds, e.g. `2024-03-01T10:00:00.123Z`. Timestamps without a zone are UTC (the lake's
 * `timestamp` column is UTC; the DuckDB session time zone is pinned to UTC). Text that is not such
 * a timestamp (a named zone, infinity) is returned as it is.
 */
export function isoTimestamp(text: string): string {
  const match = TIMESTAMP_TEXT.exec(text.trim());
  if (match === null) return text;
  const [, date, clock, fraction = '', zone] = match;
  const time = clock.length === 5 ? `${clock}:00` : clock;
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  if (zone === undefined || zone === 'Z' || zone === 'UTC') return `${date}T${time}.${millis}Z`;
  const offset = zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const parsed = new Date(`${date}T${time}.${millis}${offset}`);
  return Number.isNaN(parsed.getTime()) ? text : parsed.toISOString();
}

/** Unique column names: a repeated name gets `_2`, `_3`, … (so row objects lose nothing). */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(names);
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    if (count === 1) return name;
    let candidate = `${name}_${count}`;
    for (let k = count; taken.has(candidate); k++) candidate = `${name}_${k + 1}`;
    taken.add(candidate);
    return candidate;
  });
}

/** The first line of an error's message (DuckDB's `Binder Error: …` prefix kept: it says what kind). */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].trim();
}
