import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { DuckDBTypeId, type DuckDBConnection, type DuckDBType, type Json } from '@duckdb/node-api';
import { listObjects, registerLakeViews } from '../local/lake.js';
import { connectDuckDb } from '../local/parquet-writer.js';
import { ALL_FORMATS } from '../transforms/registry.js';
import { DUCKDB_MACROS } from './dialect.js';
import {
  QueryError,
  firstLine,
  floatValue,
  integerValue,
  isoTimestamp,
  uniqueNames,
  type QueryEngine,
  type QueryResult,
  type ResultColumn,
  type ResultValue,
  type RunHints,
  type ValueType,
} from './engine.js';

/**
 * DuckDB over the local lake: one TEMP view per table (registerLakeViews), so the named queries'
 * `FROM cloudfront WHERE dt BETWEEN ? AND ?` reads `<lake>/cloudfront/dt=…/hour=…/*.parquet` and
 * prunes folders by `dt` exactly as Athena prunes projected partitions.
 *
 * Bytes scanned — what Athena would bill for the same query on the same objects. Athena bills the
 * compressed bytes it reads from S3: for Parquet, the column chunks of the columns the query needs,
 * in the objects of the partitions it selects. DuckDB's own `total_bytes_read` metric does not
 * measure that (it counts cache-hits as 0 and does not match the files' chunk sizes), so the engine
 * works it out from DuckDB's JSON profile of the query:
 * - each Parquet scan's `Projections` and `Filters` name the columns it reads;
 * - its `Filename(s)` lists the files it read, when there are few; with many, DuckDB prints the glob
 *   and `...`, and the files are then the table's objects in the caller's `dt` range (`hints.scope`,
 *   which named queries give), or else the table's objects that pass the scan's `File Filters` (its
 *   predicate on `dt`/`hour`, as DuckDB prints it, evaluated by DuckDB over the objects' partition
 *   values), or else — when that predicate cannot be evaluated — all the table's objects (an upper
 *   bound, said in `note`);
 * - the sum of those columns' `total_compressed_size` in those files (`parquet_metadata`) is the
 *   figure. Footers and Athena's own overheads are not counted, nor is row-group skipping (DuckDB
 *   and Athena both skip row groups by their statistics, so both may read less).
 */

export interface DuckDbEngineOptions {
  readonly lakeDir: string;
  /** Work out bytes scanned for every query (profiling on). @default true */
  readonly measureBytes?: boolean;
}

interface ScanInfo {
  /** The files the scan read, when DuckDB listed them all. */
  readonly files?: readonly string[];
  /** The table whose objects it read (from the path), when known. */
  readonly table?: string;
  /** Identifiers in its projections and filters (column names among them). */
  readonly identifiers: ReadonlySet<string>;
  /** Its filter on the Hive partition columns (`dt`, `hour`), as DuckDB prints it; '' when none. */
  readonly fileFilters: string;
}

export class DuckDbEngine implements QueryEngine {
  readonly name = 'duckdb' as const;
  private readonly lake: string;
  private readonly measureBytes: boolean;
  private readonly profilePath = join(tmpdir(), `loghose-profile-${process.pid}-${randomUUID()}.json`);
  private connection?: Promise<DuckDBConnection>;
  private metadataConnection?: Promise<DuckDBConnection>;
  /** Column chunk sizes per file; lake objects are immutable (new data gets new names). */
  private readonly chunkSizes = new Map<string, ReadonlyMap<string, number>>();
  /** Runs one query at a time: the profile file is per connection. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: DuckDbEngineOptions) {
    this.lake = resolve(options.lakeDir);
    this.measureBytes = options.measureBytes ?? true;
  }

  get lakeDir(): string {
    return this.lake;
  }

  run(sql: string, params: readonly string[] = [], hints: RunHints = {}): Promise<QueryResult> {
    const result = this.queue.then(() => this.runNow(sql, params, hints));
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.queue;
    for (const pending of [this.connection, this.metadataConnection]) {
      if (pending === undefined) continue;
      const connection = await pending.catch(() => undefined);
      connection?.closeSync();
    }
    this.connection = this.metadataConnection = undefined;
    await rm(this.profilePath, { force: true });
  }

  private connect(): Promise<DuckDBConnection> {
    this.connection ??= (async () => {
      const connection = await connectDuckDb();
      await registerLakeViews(
        connection,
        this.lake,
        ALL_FORMATS.map((f) => f.schema),
      );
      for (const macro of DUCKDB_MACROS) await connection.run(macro);
      if (this.measureBytes) {
        await connection.run(`PRAGMA enable_profiling = 'json'`);
        await connection.run(`SET profiling_output = ${sqlString(this.profilePath)}`);
      }
      return connection;
    })();
    return this.connection;
  }

  private async runNow(sql: string, params: readonly string[], hints: RunHints): Promise<QueryResult> {
    const connection = await this.connect();
    const started = performance.now();
    let reader;
    try {
      reader = await connection.runAndReadAll(sql, params.length > 0 ? [...params] : undefined);
    } catch (error) {
      throw new QueryError('duckdb', firstLine(error));
    }
    const elapsedMs = performance.now() - started;
    const types = reader.columnTypes();
    const names = uniqueNames(reader.columnNames());
    const columns: ResultColumn[] = names.map((name, i) => ({ name, type: valueTypeOf(types[i]), engineType: types[i].toString() }));
    const rows = reader.getRowsJson().map((values) => {
      const row: Record<string, ResultValue> = {};
      for (let i = 0; i < names.length; i++) row[names[i]] = convertValue(values[i], types[i]);
      return row;
    });
    const scanned = this.measureBytes ? await this.bytesScanned(hints).catch(() => undefined) : undefined;
    return {
      columns,
      rows,
      stats: {
        engine: 'duckdb',
        elapsedMs: Math.round(elapsedMs),
        ...(scanned === undefined ? {} : { bytesScanned: scanned.bytes }),
        ...(scanned?.note === undefined ? {} : { note: scanned.note }),
      },
    };
  }

  /** The compressed bytes of the column chunks the last query read; see the module comment. */
  private async bytesScanned(hints: RunHints): Promise<{ bytes: number; note?: string }> {
    const profile = JSON.parse(await readFile(this.profilePath, 'utf8')) as ProfileNode;
    const scans = parquetScans(profile, this.lake);
    let upperBound = false;
    const reads: { files: readonly string[]; identifiers: ReadonlySet<string> }[] = [];
    for (const scan of scans) {
      let files = scan.files;
      if (files === undefined) {
        if (scan.table === undefined) throw new Error('a Parquet scan outside the lake');
        const scope = hints.scope?.table === scan.table ? hints.scope : undefined;
        const objects = await listObjects(this.lake, scan.table, scope === undefined ? {} : { fromDt: scope.fromDt, toDt: scope.toDt });
        files = objects.map((o) => o.path);
        if (scope === undefined && scan.fileFilters !== '') {
          const passing = await this.filesPassing(objects, scan.fileFilters);
          if (passing === undefined) upperBound = true;
          else files = passing;
        }
      }
      reads.push({ files, identifiers: scan.identifiers });
    }
    await this.loadChunkSizes(reads.flatMap((r) => r.files));
    const counted = new Set<string>();
    let bytes = 0;
    for (const read of reads) {
      for (const file of read.files) {
        for (const [column, size] of this.chunkSizes.get(file) ?? []) {
          const key = `${file}\u0000${column}`;
          if (!read.identifiers.has(column) || counted.has(key)) continue;
          counted.add(key);
          bytes += size;
        }
      }
    }
    return upperBound && bytes > 0 ? { bytes, note: 'upper bound: every object of the table (its dt filter could not be evaluated)' } : { bytes };
  }

  /** The objects whose partition values pass a scan's `File Filters`; undefined when DuckDB cannot evaluate them. */
  private async filesPassing(objects: readonly { path: string; dt: string; hour: string }[], fileFilters: string): Promise<string[] | undefined> {
    if (objects.length === 0) return [];
    this.metadataConnection ??= connectDuckDb();
    const connection = await this.metadataConnection;
    const values = objects.map((o) => `(${sqlString(o.path)}, ${sqlString(o.dt)}, ${sqlString(o.hour)})`).join(', ');
    try {
      // The predicate is DuckDB's own rendering of the query's filter on the partition columns.
      const reader = await connection.runAndReadAll(`SELECT filename FROM (VALUES ${values}) AS files(filename, dt, hour) WHERE ${fileFilters}`);
      return reader.getRowsJson().map((r) => r[0] as string);
    } catch {
      return undefined;
    }
  }

  private async loadChunkSizes(files: readonly string[]): Promise<void> {
    const missing = [...new Set(files)].filter((f) => !this.chunkSizes.has(f));
    if (missing.length === 0) return;
    this.metadataConnection ??= connectDuckDb();
    const connection = await this.metadataConnection;
    for (let i = 0; i < missing.length; i += 500) {
      const batch = missing.slice(i, i + 500);
      const reader = await connection.runAndReadAll(
        `SELECT file_name, split_part(path_in_schema, ', ', 1) AS column_name, sum(total_compressed_size)::BIGINT AS bytes ` +
          `FROM parquet_metadata([${batch.map(sqlString).join(', ')}]) GROUP BY ALL`,
      );
      const sizes = new Map<string, Map<string, number>>(batch.map((f) => [f, new Map()]));
      for (const [file, column, size] of reader.getRowsJson() as [string, string, string][]) {
        sizes.get(file)?.set(column, Number(size));
      }
      for (const [file, columns] of sizes) this.chunkSizes.set(file, columns);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The profile

interface ProfileNode {
  readonly operator_type?: string;
  readonly extra_info?: Record<string, unknown>;
  readonly children?: readonly ProfileNode[];
}

function infoText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(infoText).join('\n');
  return String(value);
}

/** The Parquet scans of a profile, with the files and columns each read. */
export function parquetScans(profile: ProfileNode, lake: string): ScanInfo[] {
  const scans: ScanInfo[] = [];
  const visit = (node: ProfileNode): void => {
    const info = node.extra_info ?? {};
    if (node.operator_type === 'TABLE_SCAN' && /PARQUET/i.test(infoText(info.Function))) {
      const listed = infoText(info['Filename(s)']);
      const parts = listed === '' ? [] : listed.split(', ');
      // No list at all: every file was pruned (e.g. a dt range with no partitions).
      const complete = !parts.includes('...') && !parts.some((p) => /[*?[\]{}]/.test(p));
      const identifiers = new Set<string>();
      for (const text of [infoText(info.Projections), infoText(info.Filters)]) {
        for (const match of text.matchAll(/"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_]*)/g)) identifiers.add(match[1]?.replace(/""/g, '"') ?? match[2]);
      }
      scans.push({
        ...(complete ? { files: parts } : {}),
        ...(parts.length > 0 ? tableOf(parts[0], lake) : {}),
        identifiers,
        fileFilters: infoText(info['File Filters']),
      });
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(profile);
  return scans;
}

function tableOf(path: string, lake: string): { table?: string } {
  const prefix = lake.endsWith(sep) ? lake : `${lake}${sep}`;
  if (!path.startsWith(prefix)) return {};
  const table = path.slice(prefix.length).split(sep)[0];
  return table ? { table } : {};
}

// ---------------------------------------------------------------------------------------------
// Values

function valueTypeOf(type: DuckDBType): ValueType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return 'int';
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return 'bigint';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return 'double';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp';
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.UNION:
      return 'json';
    default:
      return 'string';
  }
}

function convertValue(value: Json, type: DuckDBType): ResultValue {
  if (value === null) return null;
  switch (valueTypeOf(type)) {
    case 'bigint':
      return typeof value === 'string' ? integerValue(value) : (value as ResultValue);
    case 'double':
      return typeof value === 'string' ? floatValue(value) : (value as ResultValue);
    case 'timestamp':
      return typeof value === 'string' ? isoTimestamp(value) : (value as ResultValue);
    case 'json':
      return type.typeId === DuckDBTypeId.MAP ? mapObject(value) : (value as ResultValue);
    default:
      return value as ResultValue;
  }
}

/** DuckDB's JSON form of a MAP is `[{key, value}]`; a map with text keys reads better as an object. */
function mapObject(value: Json): ResultValue {
  if (!Array.isArray(value)) return value as ResultValue;
  const entries = value as { key: Json; value: Json }[];
  if (!entries.every((e) => e !== null && typeof e === 'object' && typeof e.key === 'string')) return value as ResultValue;
  const object: Record<string, ResultValue> = {};
  for (const entry of entries) object[entry.key as string] = entry.value as ResultValue;
  return object;
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
