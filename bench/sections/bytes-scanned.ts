import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/config.js';
import { DiskLakeSink } from '../../src/local/disk-sink.js';
import { listObjects } from '../../src/local/lake.js';
import { runLocalPipeline } from '../../src/local/pipeline.js';
import { SAMPLE_FORMATS, generateSamples, type SampleFile } from '../../src/local/sample-logs.js';
import { athenaCostUsd } from '../../src/query/athena-engine.js';
import { DuckDbEngine } from '../../src/query/duckdb-engine.js';
import { NAMED_QUERIES, namedQuerySql, type NamedQuery } from '../../src/query/named-queries.js';
import type { TableName } from '../../src/transforms/schema.js';
import { fixed } from '../lib/report.js';
import type { Section } from './section.js';

/**
 * What partitioned Parquet saves on the query side: for every named query, the bytes it reads from
 * the lake (the compressed column chunks of the columns it needs, in the partitions of its period —
 * the DuckDB engine's `bytesScanned`, which is what Athena bills for the same objects) against the
 * raw gzip log objects holding the same period (what Athena scans over a table of raw logs, even
 * one partitioned by day), and both priced at Athena's $5/TB with its 10 MB minimum.
 */

/** A raw log object: its table, stored size and first/last event time (ISO-8601). */
export interface RawObject {
  readonly table: TableName;
  readonly bytes: number;
  readonly firstEvent: string;
  readonly lastEvent: string;
}

export interface BytesScannedOptions {
  readonly lakeDir: string;
  readonly raw: readonly RawObject[];
  /** The period, inclusive `YYYY-MM-DD`. */
  readonly from: string;
  readonly to: string;
  readonly queries?: readonly NamedQuery[];
}

export interface BytesScannedRow {
  readonly query: string;
  readonly table: TableName;
  /** Raw objects with an event in the period. */
  readonly rawBytes: number;
  /** Whole Parquet objects of the period's partitions. */
  readonly parquetObjectBytes: number;
  /** What the query reads of them. */
  readonly parquetScannedBytes: number;
  readonly rawCostUsd: number;
  readonly parquetCostUsd: number;
}

/** Raw objects with at least one event in [from, to]. */
export function rawObjectsOfPeriod(raw: readonly RawObject[], table: TableName, from: string, to: string): RawObject[] {
  return raw.filter((o) => o.table === table && o.firstEvent.slice(0, 10) <= to && o.lastEvent.slice(0, 10) >= from);
}

export async function measureBytesScanned(options: BytesScannedOptions): Promise<BytesScannedRow[]> {
  const engine = new DuckDbEngine({ lakeDir: options.lakeDir });
  const rows: BytesScannedRow[] = [];
  try {
    for (const query of options.queries ?? NAMED_QUERIES) {
      const result = await engine.run(namedQuerySql(query, 'duckdb'), [options.from, options.to], {
        scope: { table: query.table, fromDt: options.from, toDt: options.to },
      });
      const objects = await listObjects(options.lakeDir, query.table, { fromDt: options.from, toDt: options.to });
      const rawBytes = rawObjectsOfPeriod(options.raw, query.table, options.from, options.to).reduce((n, o) => n + o.bytes, 0);
      const scanned = result.stats.bytesScanned ?? Number.NaN;
      rows.push({
        query: query.name,
        table: query.table,
        rawBytes,
        parquetObjectBytes: objects.reduce((n, o) => n + o.bytes, 0),
        parquetScannedBytes: scanned,
        rawCostUsd: athenaCostUsd(rawBytes),
        parquetCostUsd: athenaCostUsd(scanned),
      });
    }
  } finally {
    await engine.close();
  }
  return rows;
}

const START = new Date('2026-03-01T00:00:00Z');
const HOURS = 48;
/** The period queried: the second of the two generated days. */
const FROM = '2026-03-02';
const TO = '2026-03-02';

const kb = (bytes: number): string => fixed(bytes / 1000, 1);

export const bytesScannedSection: Section = {
  id: 'bytes-scanned',
  title: 'Bytes scanned per named query: partitioned Parquet lake vs raw gzip logs (what Athena bills)',
  async run(context) {
    const linesPerFormat = context.quick ? 10_000 : 100_000;
    const dir = join(context.outDir, 'bytes-scanned');
    const logs = join(dir, 'logs');
    const lake = join(dir, 'lake');
    await rm(dir, { recursive: true, force: true });
    context.log(`bytes-scanned: generating ${linesPerFormat.toLocaleString('en-US')} lines per format over ${HOURS} h and running the local pipeline …`);
    const manifest = await generateSamples({ dir: logs, formats: SAMPLE_FORMATS, start: START, hours: HOURS, linesPerFormat, seed: 9 });
    const summary = await runLocalPipeline({ source: logs, config: parseConfig({}), sink: new DiskLakeSink(lake) });
    // The manifest's `bytes` is the uncompressed size; Athena reads (and bills) the stored, gzip size.
    const raw: RawObject[] = await Promise.all(
      manifest.files.map(async (f: SampleFile) => ({
        table: f.format,
        bytes: (await stat(join(logs, ...f.key.split('/')))).size,
        firstEvent: f.firstEvent,
        lastEvent: f.lastEvent,
      })),
    );
    const measured = await measureBytesScanned({ lakeDir: lake, raw, from: FROM, to: TO });
    await rm(dir, { recursive: true, force: true });

    const ratios = measured.map((r) => r.rawBytes / r.parquetScannedBytes).filter((r) => Number.isFinite(r)).sort((a, b) => a - b);
    const median = ratios.length === 0 ? Number.NaN : ratios[Math.floor(ratios.length / 2)];
    context.metrics.set('bytesScanned.medianRawToParquetRatio', median);
    const rows = measured.map((r) => [
      r.query,
      kb(r.rawBytes),
      kb(r.parquetObjectBytes),
      kb(r.parquetScannedBytes),
      `${fixed(r.rawBytes / r.parquetScannedBytes, 1)}×`,
      `$${(r.rawCostUsd * 1e6).toFixed(1)}`,
      `$${(r.parquetCostUsd * 1e6).toFixed(1)}`,
    ]);
    return {
      id: this.id,
      title: this.title,
      method: [
        `Data: \`generateSamples\`, ${linesPerFormat.toLocaleString('en-US')} lines per format (CloudTrail: events) over ${HOURS} hours from ${START.toISOString().slice(0, 10)}, run through the local pipeline into a lake (${summary.parquetObjects} Parquet objects). Every named query runs on DuckDB for ${FROM} (one of the two days).`,
        'Raw gzip: the generated log objects (as stored, mostly gzip) with an event on that day — what Athena scans for the query over a raw-log table, at best partitioned by day. ' +
          'Parquet objects: the whole objects of that day\'s partitions. Parquet read: the compressed column chunks of the columns the query needs in those objects (DuckDB profile + Parquet metadata; see src/query/duckdb-engine.ts) — what Athena bills for the lake.',
        'Cost: Athena $5/TB, bytes rounded up to the MB, 10 MB minimum per query (src/config/prices.ts), in millionths of a dollar (µ$).',
      ],
      columns: ['Named query', 'Raw gzip kB', 'Parquet objects kB', 'Parquet read kB', 'Raw ÷ read', 'Athena µ$ raw', 'Athena µ$ Parquet'],
      rows,
      notes: [
        `Median raw ÷ read: ${fixed(median, 1)}×.`,
        'At demo sizes both sides are under Athena\'s 10 MB minimum, so each query costs the minimum either way; the byte ratio is what carries to real volumes.',
        'Raw S3 access and Classic ELB logs are stored uncompressed (as AWS writes them). The whole Parquet objects can be larger than the gzip logs at this size: ' +
          'many small hourly objects (the local stream flushes small buffers; Firehose\'s 128 MiB buffers make far larger ones) and the added columns (timestamp, query_params); queries read a fraction of them.',
        ...(context.quick ? ['--quick run: small data, not figures to quote.'] : []),
      ],
    };
  },
};
