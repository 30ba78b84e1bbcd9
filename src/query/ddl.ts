import { schemaOf } from '../transforms/registry.js';
import { hiveType, type Column, type TableName } from '../transforms/schema.js';
import { DEFAULT_PROJECTION_START_DATE, projectionTableProperties, tableLocationUnder } from '../transforms/partition-projection.js';

/**
 * `loghose ddl TABLE`: the Athena `CREATE EXTERNAL TABLE` for users who manage their tables
 * themselves — the same table the CDK app defines in Glue, from the same schema: columns in schema
 * order with their Hive types, `dt`/`hour` partitions, Parquet, partition projection.
 */

export interface DdlOptions {
  /** The lake root, `s3://bucket/prefix`; the table's location is `<root>/<table>/`. */
  readonly location: string;
  readonly database: string;
  /** First projected `dt`. @default DEFAULT_PROJECTION_START_DATE */
  readonly projectionStartDate?: string;
}

/** Backquoted identifier for Athena DDL (Hive): a backquote inside is doubled. */
export function backquote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A single-quoted Hive string literal (backslash escapes). */
function hiveString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function columnLine(column: Column): string {
  return `  ${backquote(column.name)} ${hiveType(column.type)}${column.comment ? ` COMMENT ${hiveString(column.comment)}` : ''}`;
}

export function createTableDdl(table: TableName, options: DdlOptions): string {
  if (!/^s3:\/\/[^/]+/.test(options.location)) throw new Error(`the location must be s3://bucket[/prefix], got ${JSON.stringify(options.location)}`);
  const schema = schemaOf(table);
  const location = tableLocationUnder(options.location, table);
  const properties = projectionTableProperties(location, schema, options.projectionStartDate ?? DEFAULT_PROJECTION_START_DATE);
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${backquote(options.database)}.${backquote(table)} (`,
    schema.columns.map(columnLine).join(',\n'),
    `)`,
    `COMMENT ${hiveString(schema.description)}`,
    `PARTITIONED BY (${schema.partitionKeys.map((k) => `${backquote(k.name)} ${hiveType(k.type)}`).join(', ')})`,
    `STORED AS PARQUET`,
    `LOCATION ${hiveString(location)}`,
    `TBLPROPERTIES (`,
    Object.entries(properties)
      .map(([key, value]) => `  ${hiveString(key)}=${hiveString(value)}`)
      .join(',\n'),
    `);`,
  ].join('\n');
}
