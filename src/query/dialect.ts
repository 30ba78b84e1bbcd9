import type { EngineName } from './engine.js';

/**
 * The few functions whose names differ between DuckDB and Athena (Trino). Named queries write them
 * as `{{name}}(args)`; everything else in their SQL is the common subset of both dialects
 * (standard aggregates, `split_part`, `strpos`, `substr`, `coalesce`, `CAST`, window
 * `OVER ()`, `BETWEEN`, `LIKE`, struct field access with `.`).
 */
export const DIALECT_FUNCTIONS: Readonly<Record<string, Readonly<Record<EngineName, string>>>> = {
  /**
   * Rows for which a condition is true. Athena's `count_if` is 0 when no row's condition is true,
   * even when every condition is NULL; DuckDB's `count_if` is then NULL. The DuckDB engine's macro
   * counts NULL as false, which gives Athena's answer.
   */
  count_if: { athena: 'count_if', duckdb: 'loghose_count_if' },
  /**
   * A percentile, `(value, fraction)`. Athena's is approximate (t-digest); DuckDB's `quantile_disc`
   * is exact and, like Athena's, returns a value that occurs in the data. On small groups both give
   * the same answer; on large ones Athena's is within its documented error.
   */
  percentile: { athena: 'approx_percentile', duckdb: 'quantile_disc' },
  /**
   * A JSON text's scalar at a JSON path, as VARCHAR: `(json_text, '$.a.b')`; NULL when the text is
   * not JSON (Athena's behaviour). DuckDB's `json_extract_string` fails the whole query on text that
   * is not JSON, so the DuckDB engine defines this macro on its connection (DUCKDB_MACROS).
   */
  json_string: { athena: 'json_extract_scalar', duckdb: 'loghose_json_string' },
};

const TOKEN = /\{\{\s*([a-z_]+)\s*\}\}/g;

/** The SQL of a named query for one engine: every `{{name}}` replaced by that engine's function. */
export function renderSql(sql: string, engine: EngineName): string {
  return sql.replace(TOKEN, (_match, name: string) => {
    const functions = DIALECT_FUNCTIONS[name];
    if (functions === undefined) throw new Error(`unknown dialect function {{${name}}} (known: ${Object.keys(DIALECT_FUNCTIONS).join(', ')})`);
    return functions[engine];
  });
}

/** Macros the DuckDB engine creates on its connection for the functions above. */
export const DUCKDB_MACROS: readonly string[] = [
  `CREATE OR REPLACE TEMP MACRO loghose_count_if(c) AS count_if(coalesce(c, false))`,
  `CREATE OR REPLACE TEMP MACRO loghose_json_string(j, p) AS json_extract_string(TRY_CAST(j AS JSON), p)`,
];
