import { schemaOf } from '../transforms/registry.js';
import { isTableName } from '../transforms/schema.js';
import type { DeliverySink, ErrorRecord } from './delivery-stream.js';
import { dataObjectPath, errorObjectPath, writeFileAtomic, type ErrorOutputType } from './lake.js';
import { writeParquetObject } from './parquet-writer.js';

/** Delivers a local stream's objects into the on-disk lake: Parquet per partition, error records as JSON lines. */
export class DiskLakeSink implements DeliverySink {
  constructor(readonly lakeDir: string) {}

  async writeObject(request: { table: string; stream: string; dt: string; hour: string; ndjsonPath: string; deliveredAt: number }) {
    if (!isTableName(request.table)) throw new Error(`unknown table ${request.table}`);
    const path = dataObjectPath(this.lakeDir, request.table, { dt: request.dt, hour: request.hour }, { stream: request.stream, deliveredAt: request.deliveredAt });
    const result = await writeParquetObject({ schema: schemaOf(request.table), ndjsonPath: request.ndjsonPath, path, exactKeys: true });
    return { rows: result.rows, errorRows: result.errorRows, bytes: result.bytes, path, failed: result.failed };
  }

  async writeErrors(request: { table: string; stream: string; errorType: ErrorOutputType; records: readonly ErrorRecord[]; deliveredAt: number }) {
    if (request.records.length === 0) return;
    const path = errorObjectPath(this.lakeDir, request.table, request.errorType, { stream: request.stream, deliveredAt: request.deliveredAt });
    await writeFileAtomic(path, `${request.records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  }
}
