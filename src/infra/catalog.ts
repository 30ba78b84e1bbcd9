import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { schemaOf } from '../transforms/registry.js';
import { hiveType, type TableName, type TableSchema } from '../transforms/schema.js';

/**
 * The Glue catalog: one database and one table per deployed log table, generated from the
 * transforms' schema (the definition the local lake uses too). Parquet storage; partitions found by
 * Athena partition projection on the Hive-style `dt=YYYY-MM-DD/hour=HH` path — no crawler, no
 * MSCK REPAIR. Firehose's format conversion reads the same table for its Parquet schema.
 */

/** Earliest `dt` Athena projects (replayed history older than this would not be visible). */
export const DEFAULT_PROJECTION_START_DATE = '2015-01-01';

const PARQUET_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
const PARQUET_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';

/**
 * How Athena projects each partition column (Athena User Guide, "Supported types for partition
 * projection"): `dt` is a `date` projection over `yyyy-MM-dd` day by day up to NOW, `hour` an
 * `integer` 0–23 printed with two digits ("05"). Both columns stay STRING in the schema.
 */
export function partitionProjection(startDate: string): Readonly<Record<string, Readonly<Record<string, string>>>> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate)) throw new Error(`projection start date must be YYYY-MM-DD, got ${JSON.stringify(startDate)}`);
  return {
    dt: { type: 'date', format: 'yyyy-MM-dd', range: `${startDate},NOW`, interval: '1', 'interval.unit': 'DAYS' },
    hour: { type: 'integer', range: '0,23', digits: '2' },
  };
}

/** Glue columns of a table, in schema order, with Hive type text. */
export function glueColumns(columns: TableSchema['columns']): glue.CfnTable.ColumnProperty[] {
  return columns.map((column) => ({ name: column.name, type: hiveType(column.type), comment: column.comment }));
}

/** `s3://<bucket>/<table>/`: where a table's data lives (the Firehose prefix starts with `<table>/`). */
export function tableLocation(bucketName: string, table: TableName): string {
  return `s3://${bucketName}/${table}/`;
}

/** `s3://<bucket>/<table>/dt=${dt}/hour=${hour}/`, from the schema's partition keys in path order. */
export function storageLocationTemplate(bucketName: string, schema: TableSchema): string {
  return tableLocation(bucketName, schema.table) + schema.partitionKeys.map((key) => `${key.name}=\${${key.name}}/`).join('');
}

/** The table parameters: Parquet classification plus `projection.*` and `storage.location.template`. */
export function tableParameters(bucketName: string, schema: TableSchema, startDate: string): Record<string, string> {
  const projection = partitionProjection(startDate);
  const parameters: Record<string, string> = {
    EXTERNAL: 'TRUE',
    classification: 'parquet',
    'parquet.compression': 'SNAPPY',
    'projection.enabled': 'true',
    'storage.location.template': storageLocationTemplate(bucketName, schema),
  };
  for (const key of schema.partitionKeys) {
    const settings = projection[key.name];
    if (settings === undefined) throw new Error(`table ${schema.table}: no partition projection for partition key ${key.name}`);
    for (const [name, value] of Object.entries(settings)) parameters[`projection.${key.name}.${name}`] = value;
  }
  return parameters;
}

export interface CatalogProps {
  readonly databaseName: string;
  readonly lakeBucket: s3.IBucket;
  /** The tables to define (each once). */
  readonly tables: readonly TableName[];
  /** @default DEFAULT_PROJECTION_START_DATE */
  readonly projectionStartDate?: string;
}

export interface Catalog {
  readonly database: glue.CfnDatabase;
  /** The database name as a reference to the database (so users of it depend on it). */
  readonly databaseName: string;
  readonly tables: ReadonlyMap<TableName, glue.CfnTable>;
}

export function createCatalog(scope: Construct, props: CatalogProps): Catalog {
  const catalogId = Stack.of(scope).account;
  const database = new glue.CfnDatabase(scope, 'Database', {
    catalogId,
    databaseInput: {
      name: props.databaseName,
      description: 'loghose: AWS service logs as partitioned Parquet (tables generated from the loghose schemas)',
    },
  });
  const startDate = props.projectionStartDate ?? DEFAULT_PROJECTION_START_DATE;
  const tables = new Map<TableName, glue.CfnTable>();
  for (const table of new Set(props.tables)) {
    const schema = schemaOf(table);
    tables.set(
      table,
      new glue.CfnTable(scope, `Table-${table}`, {
        catalogId,
        databaseName: database.ref,
        tableInput: {
          name: table,
          description: schema.description,
          tableType: 'EXTERNAL_TABLE',
          parameters: tableParameters(props.lakeBucket.bucketName, schema, startDate),
          partitionKeys: glueColumns(schema.partitionKeys),
          storageDescriptor: {
            columns: glueColumns(schema.columns),
            location: tableLocation(props.lakeBucket.bucketName, table),
            inputFormat: PARQUET_INPUT_FORMAT,
            outputFormat: PARQUET_OUTPUT_FORMAT,
            compressed: false,
            storedAsSubDirectories: false,
            serdeInfo: { serializationLibrary: PARQUET_SERDE, parameters: { 'serialization.format': '1' } },
          },
        },
      }),
    );
  }
  return { database, databaseName: database.ref, tables };
}
