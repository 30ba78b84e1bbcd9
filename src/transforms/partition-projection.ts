import type { TableSchema } from '../transforms/schema.js';

/**
 * Athena partition projection for the lake's Hive-style `dt=YYYY-MM-DD/hour=HH/` folders — the one
 * definition behind `loghose ddl` (TBLPROPERTIES) and, for the Glue table the CDK app deploys, the
 * same properties (`tableProperties`). Athena User Guide, "Supported types for partition projection":
 * - `dt`: type `date`, `format` `yyyy-MM-dd` (Java date pattern), `range` `<start>,NOW`,
 *   `interval` `1`, `interval.unit` `DAYS`;
 * - `hour`: type `integer`, `range` `0,23`, `digits` `2` (so it projects `00` … `23`);
 * - `storage.location.template` naming every partition column: `<table location>dt=${dt}/hour=${hour}/`.
 * Both columns stay `string` in the table schema (PARTITION_KEYS), so queries compare them as text.
 * Pure: no AWS or CDK imports, so the CDK catalog and the CLI can both use it.
 */

/** Earliest `dt` Athena projects (replayed history older than this would not be visible). */
export const DEFAULT_PROJECTION_START_DATE = '2015-01-01';

/** Per partition column, its `projection.<column>.<setting>` values. */
export function partitionProjection(startDate: string = DEFAULT_PROJECTION_START_DATE): Readonly<Record<string, Readonly<Record<string, string>>>> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate)) throw new Error(`projection start date must be YYYY-MM-DD, got ${JSON.stringify(startDate)}`);
  return {
    dt: { type: 'date', format: 'yyyy-MM-dd', range: `${startDate},NOW`, interval: '1', 'interval.unit': 'DAYS' },
    hour: { type: 'integer', range: '0,23', digits: '2' },
  };
}

/** `s3://bucket/prefix` (the lake root) → `s3://bucket/prefix/<table>/`, the table's location. */
export function tableLocationUnder(lakeRoot: string, table: string): string {
  return `${lakeRoot.replace(/\/+$/, '')}/${table}/`;
}

/** `<table location>dt=${dt}/hour=${hour}/`, from the schema's partition keys in path order. */
export function storageLocationTemplate(tableLocation: string, schema: TableSchema): string {
  const base = tableLocation.endsWith('/') ? tableLocation : `${tableLocation}/`;
  return base + schema.partitionKeys.map((key) => `${key.name}=\${${key.name}}/`).join('');
}

/**
 * The table properties that make Athena project the partitions: `projection.enabled`, every
 * `projection.<key>.<setting>`, `storage.location.template`, and Parquet's SNAPPY compression
 * (what Firehose's format conversion writes). Ordered as `loghose ddl` prints them.
 */
export function projectionTableProperties(tableLocation: string, schema: TableSchema, startDate: string = DEFAULT_PROJECTION_START_DATE): Record<string, string> {
  const projection = partitionProjection(startDate);
  const properties: Record<string, string> = { 'parquet.compression': 'SNAPPY', 'projection.enabled': 'true' };
  for (const key of schema.partitionKeys) {
    const settings = projection[key.name];
    if (settings === undefined) throw new Error(`table ${schema.table}: no partition projection for partition key ${key.name}`);
    for (const [name, value] of Object.entries(settings)) properties[`projection.${key.name}.${name}`] = value;
  }
  properties['storage.location.template'] = storageLocationTemplate(tableLocation, schema);
  return properties;
}
