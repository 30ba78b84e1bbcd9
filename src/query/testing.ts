import { dataObjectPath } from '../local/lake.js';
import { writeParquetObject } from '../local/parquet-writer.js';
import { schemaOf } from '../transforms/registry.js';
import type { TableName } from '../transforms/schema.js';

/**
 * Test helper: writes exact rows into a lake, one Parquet object per event hour, through the same
 * writer the local delivery stream uses — so tests know every answer. Each row is a JSON document
 * keyed by column name and must have `timestamp` (ISO-8601 UTC), from which its partition is taken.
 */
export async function writeLakeRows(lake: string, table: TableName, rows: readonly Record<string, unknown>[]): Promise<void> {
  const byPartition = new Map<string, string[]>();
  for (const row of rows) {
    const timestamp = row.timestamp;
    if (typeof timestamp !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}/.test(timestamp)) throw new Error(`row without an ISO timestamp: ${JSON.stringify(row)}`);
    const key = `${timestamp.slice(0, 10)}/${timestamp.slice(11, 13)}`;
    const documents = byPartition.get(key) ?? [];
    documents.push(JSON.stringify(row));
    byPartition.set(key, documents);
  }
  let n = 0;
  for (const [key, documents] of byPartition) {
    const [dt, hour] = key.split('/');
    const path = dataObjectPath(lake, table, { dt, hour }, { stream: `test-${table}`, deliveredAt: Date.UTC(2030, 0, 1) + n++ * 1000 });
    const result = await writeParquetObject({ schema: schemaOf(table), documents, path });
    if (result.failed.length > 0) throw new Error(`rows do not fit ${table}: ${result.failed.map((f) => f.error).join('; ')}`);
  }
}
