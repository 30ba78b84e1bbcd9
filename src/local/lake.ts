import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { PARTITION_KEYS, duckdbType, quoteIdent, type TableSchema } from '../transforms/schema.js';

/**
 * The lake on disk, laid out as Firehose lays it out in S3 (every path is built here):
 *
 *   <lake>/<table>/dt=YYYY-MM-DD/hour=HH/<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>.parquet
 *   <lake>/errors/<table>/<error-type>/YYYY/MM/DD/HH/<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>
 *
 * Data partitions are the records' event hour; the object name's time and the error folders'
 * hour are the delivery time (UTC). Error objects hold Firehose's error-record JSON, one per line.
 */

/** Firehose's names for `!{firehose:error-output-type}` that the local stream produces. */
export const ERROR_OUTPUT_TYPES = ['processing-failed', 'format-conversion-failed', 'activePartitionExceeded'] as const;
export type ErrorOutputType = (typeof ERROR_OUTPUT_TYPES)[number];

/** The folder beside the tables that holds failed records. */
export const ERRORS_DIR = 'errors';

export interface Partition {
  /** `YYYY-MM-DD` */
  readonly dt: string;
  /** `HH` */
  readonly hour: string;
}

export interface ObjectNameParts {
  /** Delivery stream name. */
  readonly stream: string;
  /** Delivery stream version (Firehose's `DeliveryStreamVersion`). @default 1 */
  readonly version?: number;
  /** When the object is delivered. */
  readonly deliveredAt: Date | number;
  /** The random part. @default a new UUID */
  readonly id?: string;
}

const DT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const HOUR = /^([01]\d|2[0-3])$/;
const NAME = /^[A-Za-z0-9_.-]+$/;

// ---------------------------------------------------------------------------------------------
// Paths

export function tableDir(lake: string, table: string): string {
  return join(lake, checkName('table', table));
}

export function partitionDir(lake: string, table: string, partition: Partition): string {
  checkPartition(partition);
  return join(tableDir(lake, table), `dt=${partition.dt}`, `hour=${partition.hour}`);
}

/** Firehose's object name: `<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>` (no extension). */
export function objectName(parts: ObjectNameParts): string {
  const t = new Date(parts.deliveredAt).toISOString();
  const stamp = `${t.slice(0, 10)}-${t.slice(11, 13)}-${t.slice(14, 16)}-${t.slice(17, 19)}`;
  return `${checkName('stream', parts.stream)}-${parts.version ?? 1}-${stamp}-${parts.id ?? randomUUID()}`;
}

/** Where a Parquet object of a partition goes. */
export function dataObjectPath(lake: string, table: string, partition: Partition, parts: ObjectNameParts): string {
  return join(partitionDir(lake, table, partition), `${objectName(parts)}.parquet`);
}

export function errorsDir(lake: string, table: string, errorType?: ErrorOutputType): string {
  const dir = join(lake, ERRORS_DIR, checkName('table', table));
  return errorType === undefined ? dir : join(dir, checkErrorType(errorType));
}

/** `<lake>/errors/<table>/<error-type>/YYYY/MM/DD/HH`, the hour being the delivery time's (UTC). */
export function errorDir(lake: string, table: string, errorType: ErrorOutputType, deliveredAt: Date | number): string {
  const t = new Date(deliveredAt).toISOString();
  return join(errorsDir(lake, table, errorType), t.slice(0, 4), t.slice(5, 7), t.slice(8, 10), t.slice(11, 13));
}

/** Where an error object goes (named like the data objects, no extension, as Firehose does). */
export function errorObjectPath(lake: string, table: string, errorType: ErrorOutputType, parts: ObjectNameParts): string {
  return join(errorDir(lake, table, errorType, parts.deliveredAt), objectName(parts));
}

/** The partition of an event time: `dt` and `hour` in UTC. */
export function partitionOf(time: Date | number): Partition {
  const t = new Date(time).toISOString();
  return { dt: t.slice(0, 10), hour: t.slice(11, 13) };
}

function checkName(what: string, name: string): string {
  if (!NAME.test(name) || name === '.' || name === '..') throw new Error(`lake: bad ${what} name ${JSON.stringify(name)}`);
  return name;
}

function checkPartition(partition: Partition): void {
  if (!DT.test(partition.dt)) throw new Error(`lake: dt must be YYYY-MM-DD, got ${JSON.stringify(partition.dt)}`);
  if (!HOUR.test(partition.hour)) throw new Error(`lake: hour must be HH (00-23), got ${JSON.stringify(partition.hour)}`);
}

function checkErrorType(errorType: string): string {
  if (!(ERROR_OUTPUT_TYPES as readonly string[]).includes(errorType)) throw new Error(`lake: unknown error type ${errorType}`);
  return errorType;
}

// ---------------------------------------------------------------------------------------------
// Writing and listing

/** Writes a file whole or not at all: to a hidden temporary name beside it, then renamed. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

export interface PartitionListing extends Partition {
  readonly path: string;
}

export interface LakeObject extends Partition {
  readonly name: string;
  readonly path: string;
  readonly bytes: number;
}

export interface DtRange {
  /** First `dt`, inclusive. */
  readonly fromDt?: string;
  /** Last `dt`, inclusive. */
  readonly toDt?: string;
}

/** The table's `dt=…/hour=…` folders, oldest first, optionally within a `dt` range. */
export async function listPartitions(lake: string, table: string, range: DtRange = {}): Promise<PartitionListing[]> {
  checkRange(range);
  const partitions: PartitionListing[] = [];
  for (const dtName of (await entries(tableDir(lake, table))).sort()) {
    const dt = dtName.slice(3);
    if (!dtName.startsWith('dt=') || !DT.test(dt)) continue;
    if ((range.fromDt && dt < range.fromDt) || (range.toDt && dt > range.toDt)) continue;
    const dtPath = join(tableDir(lake, table), dtName);
    for (const hourName of (await entries(dtPath)).sort()) {
      const hour = hourName.slice(5);
      if (hourName.startsWith('hour=') && HOUR.test(hour)) partitions.push({ dt, hour, path: join(dtPath, hourName) });
    }
  }
  return partitions;
}

/** The table's Parquet objects (temporary files excluded), by partition then name. */
export async function listObjects(lake: string, table: string, range: DtRange = {}): Promise<LakeObject[]> {
  const objects: LakeObject[] = [];
  for (const partition of await listPartitions(lake, table, range)) {
    for (const name of (await entries(partition.path)).sort()) {
      if (!name.endsWith('.parquet') || name.startsWith('.')) continue;
      const path = join(partition.path, name);
      const info = await stat(path);
      if (info.isFile()) objects.push({ dt: partition.dt, hour: partition.hour, name, path, bytes: info.size });
    }
  }
  return objects;
}

export interface ErrorObject {
  readonly errorType: string;
  readonly name: string;
  readonly path: string;
  readonly bytes: number;
}

/** The table's error objects, by error type then path (so by delivery time). */
export async function listErrorObjects(lake: string, table: string, errorType?: ErrorOutputType): Promise<ErrorObject[]> {
  const types = errorType ? [errorType] : (await entries(errorsDir(lake, table))).sort();
  const objects: ErrorObject[] = [];
  for (const type of types) {
    const walk = async (dir: string): Promise<void> => {
      for (const name of (await entries(dir)).sort()) {
        if (name.startsWith('.')) continue;
        const path = join(dir, name);
        const info = await stat(path);
        if (info.isDirectory()) await walk(path);
        else if (info.isFile()) objects.push({ errorType: type, name, path, bytes: info.size });
      }
    };
    await walk(join(errorsDir(lake, table), type));
  }
  return objects;
}

export interface RemovedPartitions {
  readonly partitions: readonly Partition[];
  readonly objects: number;
  readonly bytes: number;
}

/** Deletes the table's partitions with `fromDt <= dt <= toDt` (for replay --overwrite); errors stay. */
export async function removePartitions(lake: string, table: string, fromDt: string, toDt: string): Promise<RemovedPartitions> {
  if (!DT.test(fromDt) || !DT.test(toDt)) throw new Error(`lake: dates must be YYYY-MM-DD, got ${fromDt} and ${toDt}`);
  if (fromDt > toDt) throw new Error(`lake: from ${fromDt} is after to ${toDt}`);
  const partitions = await listPartitions(lake, table, { fromDt, toDt });
  const objects = await listObjects(lake, table, { fromDt, toDt });
  for (const dt of new Set(partitions.map((p) => p.dt))) {
    await rm(join(tableDir(lake, table), `dt=${dt}`), { recursive: true, force: true });
  }
  return {
    partitions: partitions.map(({ dt, hour }) => ({ dt, hour })),
    objects: objects.length,
    bytes: objects.reduce((sum, o) => sum + o.bytes, 0),
  };
}

function checkRange(range: DtRange): void {
  for (const dt of [range.fromDt, range.toDt]) {
    if (dt !== undefined && !DT.test(dt)) throw new Error(`lake: dates must be YYYY-MM-DD, got ${dt}`);
  }
}

/** Names in a folder; none when it does not exist. */
async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

async function hasObjects(lake: string, table: string): Promise<boolean> {
  for (const partition of await listPartitions(lake, table)) {
    if ((await entries(partition.path)).some((name) => name.endsWith('.parquet') && !name.startsWith('.'))) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// DuckDB views

export interface RegisteredView {
  readonly table: string;
  /** True when the table had no objects yet: the view is empty, with the table's columns. */
  readonly empty: boolean;
}

export interface RegisterOptions {
  /**
   * Create connection-local (TEMP) views, so connections of the shared instance may each look at
   * a different lake. @default true
   */
  readonly temporary?: boolean;
}

/**
 * One view per table, named after it, with the table's columns in schema order and then `dt` and
 * `hour` (VARCHAR, as in the paths, so `hour = '05'`; filters on them prune files). A table with
 * objects reads `<lake>/<table>/dt=*\/hour=*\/*.parquet` on each query, so new objects show up;
 * a table without any gets an empty view — register again once it has some.
 */
export async function registerLakeViews(
  connection: DuckDBConnection,
  lakeDir: string,
  schemas: readonly TableSchema[],
  options: RegisterOptions = {},
): Promise<RegisteredView[]> {
  const lake = resolve(lakeDir);
  if (/[*?[\]{}]/.test(lake)) throw new Error(`lake: the lake path must not contain glob characters: ${lake}`);
  const registered: RegisteredView[] = [];
  for (const schema of schemas) {
    const empty = !(await hasObjects(lake, schema.table));
    const sql = empty ? emptyViewSelect(schema) : lakeViewSelect(lake, schema);
    await connection.run(`CREATE OR REPLACE ${options.temporary === false ? '' : 'TEMP '}VIEW ${quoteIdent(schema.table)} AS ${sql}`);
    registered.push({ table: schema.table, empty });
  }
  return registered;
}

/** The glob of a table's objects, as DuckDB reads it. */
export function objectGlob(lake: string, table: string): string {
  return join(resolve(lake), checkName('table', table), 'dt=*', 'hour=*', '*.parquet');
}

function allColumns(schema: TableSchema): { name: string; type: string }[] {
  return [...schema.columns, ...PARTITION_KEYS].map((c) => ({ name: c.name, type: duckdbType(c.type) }));
}

function emptyViewSelect(schema: TableSchema): string {
  const columns = allColumns(schema).map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`);
  return `SELECT ${columns.join(', ')} WHERE false`;
}

/**
 * Objects unioned by name with an empty relation of the schema's columns, so a column that no
 * object has yet (added to the schema later) reads as NULL instead of failing the query.
 */
function lakeViewSelect(lake: string, schema: TableSchema): string {
  const hiveTypes = PARTITION_KEYS.map((k) => `${sqlString(k.name)}: ${duckdbType(k.type)}`).join(', ');
  const source =
    `read_parquet(${sqlString(objectGlob(lake, schema.table))}, hive_partitioning = true, union_by_name = true, ` +
    `hive_types = {${hiveTypes}}, hive_types_autocast = false)`;
  const names = allColumns(schema)
    .map((c) => quoteIdent(c.name))
    .join(', ');
  return `SELECT ${names} FROM (SELECT * FROM ${source} UNION ALL BY NAME ${emptyViewSelect(schema)})`;
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
