/**
 * The schema model: one definition per table, from which the Glue columns (CDK), the Parquet and
 * DuckDB types (local lake), the Athena DDL and the documentation are all derived.
 */

export const TABLE_NAMES = ['cloudfront', 's3_access', 'alb', 'elb', 'cloudtrail', 'vpc_flow'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export function isTableName(value: string): value is TableName {
  return (TABLE_NAMES as readonly string[]).includes(value);
}

export type ScalarType = 'string' | 'int' | 'bigint' | 'float' | 'double' | 'boolean' | 'date' | 'timestamp';

export type ColumnType =
  | ScalarType
  | { readonly kind: 'map'; readonly key: ScalarType; readonly value: ColumnType }
  | { readonly kind: 'array'; readonly element: ColumnType }
  | { readonly kind: 'struct'; readonly fields: readonly Column[] };

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly comment?: string;
}

export interface TableSchema {
  readonly table: TableName;
  readonly description: string;
  /** Data columns in output order, including `timestamp`, derived columns, `_raw` and `_error`. */
  readonly columns: readonly Column[];
  /** Hive-style partition columns, in path order. */
  readonly partitionKeys: readonly Column[];
  /** Columns that together identify one logged request/event, for de-duplication. */
  readonly dedupKey: readonly string[];
}

export const PARTITION_KEYS: readonly Column[] = [
  { name: 'dt', type: 'string', comment: 'event date, UTC, YYYY-MM-DD' },
  { name: 'hour', type: 'string', comment: 'event hour, UTC, HH' },
];

export const TIMESTAMP_COLUMN: Column = { name: 'timestamp', type: 'timestamp', comment: 'event time, UTC' };
export const QUERY_PARAMS_COLUMN: Column = {
  name: 'query_params',
  type: { kind: 'map', key: 'string', value: 'string' },
  comment: 'query string parameters, percent-decoded once',
};
export const RAW_COLUMN: Column = { name: '_raw', type: 'string', comment: 'the source line, set only when it could not be parsed' };
export const ERROR_COLUMN: Column = { name: '_error', type: 'string', comment: 'why the line could not be parsed; null for good rows' };

export interface DefineTableOptions {
  readonly table: TableName;
  readonly description: string;
  /** The columns AWS's Athena table defines (plus newer fields), in log order. */
  readonly logColumns: readonly Column[];
  /** Derived columns appended after `timestamp` (e.g. `query_params`). */
  readonly derivedColumns?: readonly Column[];
  readonly dedupKey: readonly string[];
}

/** Builds a table schema: the log's columns, then `timestamp`, derived columns, `_raw`, `_error`. */
export function defineTable(options: DefineTableOptions): TableSchema {
  const columns = [...options.logColumns, TIMESTAMP_COLUMN, ...(options.derivedColumns ?? []), RAW_COLUMN, ERROR_COLUMN];
  const seen = new Set<string>();
  for (const column of [...columns, ...PARTITION_KEYS]) {
    if (seen.has(column.name)) throw new Error(`table ${options.table}: duplicate column ${column.name}`);
    seen.add(column.name);
  }
  for (const key of options.dedupKey) {
    if (!seen.has(key)) throw new Error(`table ${options.table}: dedup key ${key} is not a column`);
  }
  return {
    table: options.table,
    description: options.description,
    columns,
    partitionKeys: PARTITION_KEYS,
    dedupKey: options.dedupKey,
  };
}

/** Hive/Glue type text, e.g. `map<string,string>` or `struct<arn:string,type:string>`. */
export function hiveType(type: ColumnType): string {
  if (typeof type === 'string') return type;
  switch (type.kind) {
    case 'map':
      return `map<${hiveType(type.key)},${hiveType(type.value)}>`;
    case 'array':
      return `array<${hiveType(type.element)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${hiveType(f.type)}`).join(',')}>`;
  }
}

const DUCKDB_SCALARS: Record<ScalarType, string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  bigint: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/** DuckDB type text, e.g. `MAP(VARCHAR, VARCHAR)` or `STRUCT("arn" VARCHAR)`. */
export function duckdbType(type: ColumnType): string {
  if (typeof type === 'string') return DUCKDB_SCALARS[type];
  switch (type.kind) {
    case 'map':
      return `MAP(${duckdbType(type.key)}, ${duckdbType(type.value)})`;
    case 'array':
      return `${duckdbType(type.element)}[]`;
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(f.name)} ${duckdbType(f.type)}`).join(', ')})`;
  }
}

/** Double-quoted SQL identifier (DuckDB and Athena DML). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function columnNames(schema: TableSchema): string[] {
  return schema.columns.map((c) => c.name);
}
