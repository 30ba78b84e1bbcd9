import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { schemaOf } from '../transforms/registry.js';
import { DEFAULT_PROJECTION_START_DATE, projectionTableProperties } from '../transforms/partition-projection.js';
import { hiveType, type TableName, type TableSchema } from '../transforms/schema.js';

/**
 * The Glue catalog: one database and one table per deployed log table, generated from the
 * transforms' schema (the definition the local lake uses too). Parquet storage; partitions found by
 * Athena partition projection on the Hive-style `dt=YYYY-MM-DD/hour=HH` path — no crawler, no
 * MSCK REPAIR. Firehose's format conversion reads the same table for its Parquet schema.
 */

const PARQUET_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
const PARQUET_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';

/** Glue columns of a table, in schema order, with Hive type text. */
export function glueColumns(columns: TableSchema['columns']): glue.CfnTable.ColumnProperty[] {
  return columns.map((column) => ({ name: column.name, type: hiveType(column.type), comment: column.comment }));
}

/** `s3://<bucket>/<table>/`: where a table's data lives (the Firehose prefix starts with `<table>/`). */
export function tableLocation(bucketName: string, table: TableName): string {
  return `s3://${bucketName}/${table}/`;
}

/** The table parameters: Parquet classification plus the partition projection `loghose ddl` prints too. */
export function tableParameters(bucketName: string, schema: TableSchema, startDate: string): Record<string, string> {
  return {
    EXTERNAL: 'TRUE',
    classification: 'parquet',
    ...projectionTableProperties(tableLocation(bucketName, schema.table), schema, startDate),
  };
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
