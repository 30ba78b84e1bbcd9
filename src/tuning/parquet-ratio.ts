import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeParquetObject } from '../local/parquet-writer.js';
import { schemaOf } from '../transforms/registry.js';
import type { TableName } from '../transforms/schema.js';

/**
 * Parquet bytes per JSON byte, measured by writing a slice of the transform's output as one
 * Parquet object with the local lake's writer (DuckDB, SNAPPY, the table's Glue columns). Firehose's
 * Parquet SerDe is a different writer, and bigger objects compress a little better, so this is an
 * estimate — good to tell a 2 MiB object from a 20 MiB one.
 */
export interface ParquetMeasurement {
  readonly ratio: number;
  readonly rows: number;
  readonly jsonBytes: number;
  readonly parquetBytes: number;
}

export async function measureParquetRatio(table: TableName, documents: readonly string[]): Promise<ParquetMeasurement | undefined> {
  if (documents.length === 0) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'loghose-tune-'));
  try {
    const written = await writeParquetObject({ schema: schemaOf(table), documents, path: join(dir, `${table}.parquet`), exactKeys: true });
    if (written.rows === 0) return undefined;
    const failed = new Set(written.failed.map((f) => f.index));
    let jsonBytes = 0;
    documents.forEach((doc, i) => {
      if (!failed.has(i)) jsonBytes += Buffer.byteLength(doc) + 1;
    });
    return { ratio: written.bytes / jsonBytes, rows: written.rows, jsonBytes, parquetBytes: written.bytes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
