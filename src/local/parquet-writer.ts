import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ERROR_COLUMN, duckdbType, quoteIdent, type Column, type ColumnType, type TableSchema } from '../transforms/schema.js';

/**
 * JSON documents → one Parquet object (SNAPPY) with exactly the table's data columns, the way
 * Firehose's record format conversion (OpenX JSON SerDe → Parquet SerDe) does it:
 * missing keys are null, keys not in the schema are dropped, keys match case-insensitively,
 * timestamps are read from ISO-8601 text (`Z` or an offset, any fraction), nested maps, structs and
 * arrays keep their types. Partition columns are not written (they live in the path).
 *
 * A document that does not fit the schema fails alone: it is reported with its index and the rest
 * are written — Firehose sends such records to `format-conversion-failed` and delivers the others.
 *
 * Two paths, with the same verdicts:
 * - fast: DuckDB `read_json` over the documents as given, straight into `COPY … TO parquet`.
 *   Taken when no key needs case folding (one scan of the text for keys, skipped with
 *   `exactKeys`) and every document fits; one bad document makes the whole read fail, and then
 * - careful: each document is rewritten only where needed (struct keys spelled as in the schema,
 *   missing fields added as null; values untouched), loaded into DuckDB, and converted one by one
 *   with `try(json_transform_strict(…))` — the conversion `read_json` applies; the documents that
 *   convert are written, the others reported with the column(s) that did not convert and why.
 *   Malformed JSON is caught while rewriting. A property test checks both paths write the same rows.
 *
 * Not like Firehose: epoch-second/millisecond numbers are not read as timestamps (the transform
 * writes ISO-8601), and a line holding several concatenated documents is one malformed document.
 */

// ---------------------------------------------------------------------------------------------
// The shared DuckDB instance

export interface DuckDbOptions {
  /** DuckDB worker threads. @default 1 (predictable, and the pipeline parallelises across streams) */
  readonly threads?: number;
  /** DuckDB `memory_limit`, e.g. `'2GB'`. @default DuckDB's (80% of RAM) */
  readonly memoryLimit?: string;
}

let duckDbOptions: DuckDbOptions = {};
let instance: Promise<DuckDBInstance> | undefined;

/** Sets the options of the shared instance; only before its first use. */
export function configureDuckDb(options: DuckDbOptions): void {
  if (instance) throw new Error('configureDuckDb: the DuckDB instance is already running; configure it before first use');
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new Error(`configureDuckDb: threads must be a positive integer, got ${options.threads}`);
  }
  duckDbOptions = { ...options };
}

/** The process's one in-memory DuckDB instance, created on first use, with its time zone set to UTC. */
export function getDuckDb(): Promise<DuckDBInstance> {
  instance ??= createInstance(duckDbOptions).catch((error: unknown) => {
    instance = undefined;
    throw error;
  });
  return instance;
}

async function createInstance(options: DuckDbOptions): Promise<DuckDBInstance> {
  const config: Record<string, string> = {
    threads: String(options.threads ?? 1),
    // Give memory back after each large write: with the default (512 MiB) the process kept ~250 MiB
    // more after writing a few objects (glibc malloc holds freed pages); 16 MiB costs ~4 % of write time.
    allocator_bulk_deallocation_flush_threshold: '16MB',
  };
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  const created = await DuckDBInstance.create(':memory:', config);
  const connection = await created.connect();
  try {
    // TimeZone needs the ICU extension, which is loaded after creation, so it cannot go in `config`.
    await connection.run(`SET GLOBAL TimeZone = 'UTC'`);
  } finally {
    connection.closeSync();
  }
  return created;
}

/** A new connection to the shared instance, its session time zone pinned to UTC. Close it when done. */
export async function connectDuckDb(): Promise<DuckDBConnection> {
  const connection = await (await getDuckDb()).connect();
  await connection.run(`SET SESSION TimeZone = 'UTC'`);
  return connection;
}

/** Closes the shared instance (tests, shutdown); the next `getDuckDb` creates a new one. */
export async function closeDuckDb(): Promise<void> {
  const current = instance;
  instance = undefined;
  if (current) (await current).closeSync();
}

// ---------------------------------------------------------------------------------------------
// The writer

export interface ParquetWriteRequest {
  readonly schema: TableSchema;
  /** Newline-separated JSON documents (blank lines ignored); a failure's `index` is its line number from 0. */
  readonly ndjson?: string | Buffer;
  /** Or the documents one by one; a failure's `index` is then the array index. */
  readonly documents?: readonly string[];
  /** Or a file of newline-separated JSON documents, read in place; `index` as for `ndjson`. */
  readonly ndjsonPath?: string;
  /** Where the object goes; written to a temporary file beside it and renamed into place. */
  readonly path: string;
  /**
   * The documents' keys are spelled exactly as the schema's names (true of loghose's own transform
   * output), so the case-insensitive key check — a scan of the whole text — is skipped.
   * @default false
   */
  readonly exactKeys?: boolean;
}

export interface DocumentFailure {
  /** Line number (from 0) in `ndjson`, or index in `documents`. */
  readonly index: number;
  /** Why it did not convert, naming the column(s) when known. */
  readonly error: string;
  /** The document as given (what Firehose keeps as the error record's raw data). */
  readonly document: string;
}

export interface ParquetWriteResult {
  /** Rows written; 0 means no object was written (nothing to write, or every document failed). */
  readonly rows: number;
  /** Of those, error rows (`_error` set), from the writer's column statistics: no scan of the documents. */
  readonly errorRows: number;
  /** Size of the Parquet object; 0 when none was written. */
  readonly bytes: number;
  /** Documents that did not fit the schema, in input order. */
  readonly failed: readonly DocumentFailure[];
}

/**
 * Rows per Parquet row group. DuckDB holds a row group in memory until it is full: writing
 * CloudFront objects peaked ~170 MiB above the process's base at its default (122,880 rows) and
 * ~90 MiB at 16,384, at the same speed.
 */
const ROW_GROUP_ROWS = 16_384;

/** DuckDB's own reasons are looked up for this many failed documents per object; the rest get a shorter one. */
const DETAILED_FAILURES = 100;

/** Converts JSON documents to a Parquet object with exactly `schema.columns`; see the module comment. */
export async function writeParquetObject(request: ParquetWriteRequest): Promise<ParquetWriteResult> {
  const { schema, path } = request;
  const given = [request.ndjson, request.documents, request.ndjsonPath].filter((x) => x !== undefined).length;
  if (given !== 1) throw new Error('writeParquetObject: give exactly one of ndjson, documents and ndjsonPath');
  const plan = planFor(schema);
  const inMemory = request.ndjsonPath === undefined ? (request.ndjson ?? request.documents!.join('\n')) : undefined;
  if (inMemory !== undefined && isBlankText(inMemory)) return { rows: 0, errorRows: 0, bytes: 0, failed: [] };
  if (request.ndjsonPath !== undefined && (await stat(request.ndjsonPath)).size === 0) return { rows: 0, errorRows: 0, bytes: 0, failed: [] };

  await mkdir(dirname(path), { recursive: true });
  const target = temporaryTarget(path);
  const connection = await connectDuckDb();
  try {
    let outcome: CopyOutcome | undefined;
    // A document given with a line break inside cannot go through the newline-delimited reader.
    const oneLineEach = request.documents === undefined || !request.documents.some((d) => d.includes('\n'));
    // The whole text, only where a check or the careful path needs it (a file is read then).
    const text = async (): Promise<string> => (inMemory ?? (await readFile(request.ndjsonPath!))).toString();
    if (oneLineEach && (request.exactKeys || !plan.needsCaseFolding(await text()))) {
      outcome =
        request.ndjsonPath !== undefined
          ? await tryFastPath(connection, plan, request.ndjsonPath, target)
          : await withTemporaryFile(inMemory!, (input) => tryFastPath(connection, plan, input, target));
    }
    outcome ??= await carefulPath(connection, plan, documentsOf(request.documents ?? (await text()).split('\n')), target);
    if (outcome.rows === 0) {
      await unlink(target).catch(() => undefined);
      return { rows: 0, errorRows: 0, bytes: 0, failed: outcome.failed };
    }
    await rename(target, path);
    return outcome;
  } catch (error) {
    await unlink(target).catch(() => undefined);
    throw error;
  } finally {
    connection.closeSync();
  }
}

async function withTemporaryFile<T>(content: string | Buffer, use: (path: string) => Promise<T>): Promise<T> {
  const input = join(tmpdir(), `loghose-${process.pid}-${randomUUID()}.ndjson`);
  await writeFile(input, content);
  try {
    return await use(input);
  } finally {
    await unlink(input).catch(() => undefined);
  }
}

/** Nothing but JSON whitespace; stops at the first other character (a document's `{`, at once). */
function isBlankText(text: string | Buffer): boolean {
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = typeof text === 'string' ? text.charCodeAt(i) : text[i];
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return false;
  }
  return true;
}

/** A hidden name in the target's directory (so the rename is atomic) that no `*.parquet` glob sees. */
function temporaryTarget(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
}

type CopyOutcome = ParquetWriteResult & { failed: DocumentFailure[] };

/** `COPY (query) TO target` as Parquet, with what it wrote read from DuckDB's statistics of the file. */
async function copyToParquet(connection: DuckDBConnection, query: string, target: string, failed: DocumentFailure[]): Promise<CopyOutcome> {
  const reader = await connection.runAndReadAll(
    `COPY (${query}) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}, RETURN_STATS)`,
  );
  const stats = reader.getRowObjectsJson()[0] as { count: string; file_size_bytes: string; column_statistics: StatEntry[] | null } | undefined;
  const rows = Number(stats?.count ?? 0);
  const errorColumn = stats?.column_statistics?.find((c) => unquoteIdent(String(c.key)) === ERROR_COLUMN.name);
  const errorNulls = errorColumn === undefined ? rows : Number((errorColumn.value as StatEntry[]).find((v) => v.key === 'null_count')?.value ?? rows);
  return { rows, errorRows: rows - errorNulls, bytes: Number(stats?.file_size_bytes ?? 0), failed };
}

/** One entry of DuckDB's RETURN_STATS maps (as JSON: key/value pairs). */
interface StatEntry {
  readonly key: unknown;
  readonly value: unknown;
}

function unquoteIdent(name: string): string {
  return name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name;
}

/** Returns undefined when some document does not fit (the careful path then finds which). */
async function tryFastPath(connection: DuckDBConnection, plan: WritePlan, input: string, target: string): Promise<CopyOutcome | undefined> {
  try {
    return await copyToParquet(
      connection,
      `SELECT ${plan.fastSelect} FROM read_json(${sqlString(input)}, format = 'newline_delimited', columns = ${plan.readColumns})`,
      target,
      [],
    );
  } catch (error) {
    if (!isDataError(error)) throw error;
    return undefined;
  }
}

/** Errors caused by the documents (bad JSON, a value that does not convert), as opposed to I/O. */
function isDataError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /^(Invalid Input|Conversion|Out of Range) Error/.test(message);
}

interface Document {
  readonly index: number;
  readonly text: string;
}

function documentsOf(texts: readonly string[]): Document[] {
  const documents: Document[] = [];
  for (let index = 0; index < texts.length; index++) {
    // DuckDB's reader skips a byte-order mark at the start of the file, so the fast path does too.
    const text = index === 0 && texts[0].startsWith('\ufeff') ? texts[0].slice(1) : texts[index];
    if (!isBlankText(text)) documents.push({ index, text });
  }
  return documents;
}

async function carefulPath(
  connection: DuckDBConnection,
  plan: WritePlan,
  documents: readonly Document[],
  target: string,
): Promise<CopyOutcome> {
  const failed: DocumentFailure[] = [];
  const canonicalizer = new Canonicalizer();
  // `index \x01 canonical-document` per line: canonical documents hold no control characters, so
  // DuckDB's CSV reader splits them back exactly (much faster than an appender from JS).
  const lines: string[] = [];
  let longest = 0;
  for (const document of documents) {
    try {
      const line = `${document.index}\x01${canonicalizer.canonicalize(document.text, plan.root)}`;
      lines.push(line);
      if (line.length > longest) longest = line.length;
    } catch (error) {
      failed.push({ index: document.index, error: (error as Error).message, document: document.text });
    }
  }
  if (lines.length === 0) return { rows: 0, errorRows: 0, bytes: 0, failed };

  const input = join(tmpdir(), `loghose-${process.pid}-${randomUUID()}.canonical`);
  await writeFile(input, lines.join('\n'));
  lines.length = 0;
  try {
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE loghose_converted AS ` +
        `SELECT i, d, try(json_transform_strict(d, ${plan.structure})) AS r FROM read_csv(${sqlString(input)}, ` +
        `columns = {'i': 'INTEGER', 'd': 'VARCHAR'}, delim = chr(1), quote = '', escape = '', header = false, ` +
        `auto_detect = false, new_line = '\\n', max_line_size = ${Math.max(2_097_152, 4 * longest + 1024)})`,
    );
  } finally {
    await unlink(input).catch(() => undefined);
  }
  try {
    return await convertChecked(connection, plan, documents, target, failed);
  } finally {
    await connection.run(`DROP TABLE IF EXISTS loghose_converted`);
  }
}

async function convertChecked(
  connection: DuckDBConnection,
  plan: WritePlan,
  documents: readonly Document[],
  target: string,
  failed: DocumentFailure[],
): Promise<CopyOutcome> {
  const rejected = (
    await connection.runAndReadAll(
      `SELECT i, d, list_filter([${plan.diagnoses}], x -> x IS NOT NULL) FROM loghose_converted WHERE r IS NULL ORDER BY i`,
    )
  ).getRowsJson() as [number, string, { column: string; value: string }[]][];

  if (rejected.length > 0) {
    const byIndex = new Map(documents.map((d) => [d.index, d.text]));
    for (const [position, [index, canonical, columns]] of rejected.entries()) {
      const error =
        position < DETAILED_FAILURES
          ? await explainFailure(connection, plan, canonical, columns)
          : columns.length > 0
            ? columns.map((c) => `column ${c.column} (${plan.typeOf.get(c.column)}): cannot convert ${c.value}`).join('; ')
            : 'does not fit the table schema';
      failed.push({ index, error, document: byIndex.get(index)! });
    }
    failed.sort((a, b) => a.index - b.index);
  }

  return copyToParquet(connection, `SELECT ${plan.carefulSelect} FROM loghose_converted WHERE r IS NOT NULL ORDER BY i`, target, failed);
}

/** DuckDB's reason per failing column (or for the whole document when no column is to blame). */
async function explainFailure(
  connection: DuckDBConnection,
  plan: WritePlan,
  canonical: string,
  columns: readonly { column: string; value: string }[],
): Promise<string> {
  const reasonOf = async (sql: string): Promise<string> => {
    try {
      await connection.runAndReadAll(sql, [canonical]);
      return 'does not fit the table schema';
    } catch (error) {
      return firstLine(error);
    }
  };
  if (columns.length === 0) return reasonOf(`SELECT json_transform_strict($1::VARCHAR, ${plan.structure})`);
  const reasons: string[] = [];
  for (const { column } of columns) {
    const reason = await reasonOf(
      `SELECT json_transform_strict(json_extract($1::VARCHAR, ${sqlString(jsonPath(column))}), ${sqlString(JSON.stringify(plan.readTypeOf.get(column)))})`,
    );
    reasons.push(`column ${column} (${plan.typeOf.get(column)}): ${reason}`);
  }
  return reasons.join('; ');
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].replace(/^Invalid Input Error: /, '').trim();
}

// ---------------------------------------------------------------------------------------------
// Per-schema SQL and shapes, derived once

interface WritePlan {
  /** `read_json`'s `columns` argument. */
  readonly readColumns: string;
  /** The select list that turns what was read into the table's exact column types. */
  readonly fastSelect: string;
  /** The same over the struct `r` produced by `json_transform_strict`. */
  readonly carefulSelect: string;
  /** `json_transform_strict`'s structure argument (SQL literal). */
  readonly structure: string;
  /** Per column: its name and raw value when it is present and does not convert, else NULL. */
  readonly diagnoses: string;
  /** True when a key would match a column or struct field only case-insensitively. */
  readonly needsCaseFolding: (text: string) => boolean;
  readonly root: StructShape;
  readonly typeOf: ReadonlyMap<string, string>;
  readonly readTypeOf: ReadonlyMap<string, string>;
}

const plans = new WeakMap<TableSchema, WritePlan>();

function planFor(schema: TableSchema): WritePlan {
  let plan = plans.get(schema);
  if (!plan) {
    plan = buildPlan(schema.columns);
    plans.set(schema, plan);
  }
  return plan;
}

function buildPlan(columns: readonly Column[]): WritePlan {
  const readTypeOf = new Map(columns.map((c) => [c.name, readType(c.type)]));
  const names = namesOf(columns);
  const typeOf = new Map(columns.map((c) => [c.name, duckdbType(c.type)]));
  const select = (source: (name: string) => string) =>
    columns
      .map((c) =>
        hasTimestamp(c.type)
          ? `CAST(${source(c.name)} AS ${duckdbType(c.type)}) AS ${quoteIdent(c.name)}`
          : `${source(c.name)} AS ${quoteIdent(c.name)}`,
      )
      .join(', ');
  const diagnoses = columns.map((c) => {
    const path = sqlString(jsonPath(c.name));
    const value = `json_extract(d, ${path})`;
    return (
      `CASE WHEN try(json_type(d, ${path})) IS DISTINCT FROM 'NULL' ` +
      `AND try(json_transform_strict(${value}, ${sqlString(JSON.stringify(readTypeOf.get(c.name)))})) IS NULL ` +
      `THEN {'column': ${sqlString(c.name)}, 'value': left(CAST(${value} AS VARCHAR), 120)} END`
    );
  });
  return {
    readColumns: `{${columns.map((c) => `${sqlString(c.name)}: ${sqlString(readTypeOf.get(c.name)!)}`).join(', ')}}`,
    fastSelect: select(quoteIdent),
    carefulSelect: select((name) => `r.${quoteIdent(name)}`),
    structure: sqlString(JSON.stringify(Object.fromEntries(readTypeOf))),
    diagnoses: diagnoses.join(', '),
    needsCaseFolding: (text) => hasCaseFoldedKey(text, names.exact, names.folded),
    root: structShape(columns),
    typeOf,
    readTypeOf,
  };
}

/**
 * The DuckDB type a column is read as: its own, except that timestamps are read as TIMESTAMPTZ
 * (so `+02:00` offsets are honoured) and cast back to TIMESTAMP (UTC) when written.
 */
function readType(type: ColumnType): string {
  if (type === 'timestamp') return 'TIMESTAMPTZ';
  if (typeof type === 'string') return duckdbType(type);
  switch (type.kind) {
    case 'map':
      return `MAP(${readType(type.key)}, ${readType(type.value)})`;
    case 'array':
      return `${readType(type.element)}[]`;
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(f.name)} ${readType(f.type)}`).join(', ')})`;
  }
}

function hasTimestamp(type: ColumnType): boolean {
  if (typeof type === 'string') return type === 'timestamp';
  switch (type.kind) {
    case 'map':
      return hasTimestamp(type.key) || hasTimestamp(type.value);
    case 'array':
      return hasTimestamp(type.element);
    case 'struct':
      return type.fields.some((f) => hasTimestamp(f.type));
  }
}

/** SQL string literal. */
function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function jsonPath(column: string): string {
  return `$.${JSON.stringify(column)}`;
}

/** Every column and struct-field name, as spelled and lower-cased (for the case-folding check). */
function namesOf(columns: readonly Column[]): { exact: Set<string>; folded: Set<string> } {
  const exact = new Set<string>();
  const collect = (type: ColumnType): void => {
    if (typeof type === 'string') return;
    if (type.kind === 'map') collect(type.value);
    else if (type.kind === 'array') collect(type.element);
    else
      for (const field of type.fields) {
        exact.add(field.name);
        collect(field.type);
      }
  };
  for (const column of columns) {
    exact.add(column.name);
    collect(column.type);
  }
  return { exact, folded: new Set([...exact].map((n) => n.toLowerCase())) };
}

// ---------------------------------------------------------------------------------------------
// Canonical form of a document

type Shape = StructShape | { readonly kind: 'map'; readonly value: Shape } | { readonly kind: 'array'; readonly element: Shape } | undefined;

interface StructShape {
  readonly kind: 'struct';
  readonly fields: readonly { readonly name: string; readonly keyJson: string; readonly nullJson: string; readonly shape: Shape }[];
  /** Field position by exact name and by lower-cased name. */
  readonly exact: ReadonlyMap<string, number>;
  readonly folded: ReadonlyMap<string, number>;
}

function structShape(fields: readonly Column[]): StructShape {
  return {
    kind: 'struct',
    fields: fields.map((f) => ({
      name: f.name,
      keyJson: JSON.stringify(f.name),
      nullJson: `${JSON.stringify(f.name)}:null`,
      shape: shapeOf(f.type),
    })),
    exact: new Map(fields.map((f, i) => [f.name, i])),
    folded: new Map(fields.map((f, i) => [f.name.toLowerCase(), i])),
  };
}

/** Only containers need a shape; scalars (undefined) are passed through as raw text. */
function shapeOf(type: ColumnType): Shape {
  if (typeof type === 'string') return undefined;
  switch (type.kind) {
    case 'map':
      return { kind: 'map', value: shapeOf(type.value) };
    case 'array':
      return { kind: 'array', element: shapeOf(type.element) };
    case 'struct':
      return structShape(type.fields);
  }
}

/** A JSON string literal: no raw control characters, only JSON's escapes. */
const STRING = /"[^"\\\u0000-\u001f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\u0000-\u001f]*)*"/y;
/** Numbers and literals, plus the NaN/Infinity that DuckDB's reader takes (then fails to convert). */
const LITERAL = /(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity)(?=[\s,\]}]|$)/y;
const LINE_BREAK = /[\r\n]/;
const LINE_BREAKS = /[\r\n]/g;

/**
 * Rewrites one JSON document into what `json_transform_strict` needs to convert it as OpenX (and
 * DuckDB's `read_json`) would: struct keys spelled as in the schema (matched exactly, else
 * case-insensitively) and every struct field present (`null` appended when missing); a top-level
 * `null` is read as all-null. Everything else stays byte for byte — unknown keys (strict ignores
 * them), map keys, numbers (none goes through a JS double) — so a document that needs nothing is
 * returned as is. Throws on bad JSON; values of the wrong type are left for DuckDB to reject.
 * The result has no control characters (line breaks between tokens become spaces).
 */
class Canonicalizer {
  private text = '';
  private at = 0;
  /** The rewritten text so far, and how much of `text` it covers. */
  private out = '';
  private copied = 0;
  private edited = false;

  canonicalize(text: string, root: StructShape): string {
    this.text = text;
    this.at = 0;
    this.out = '';
    this.copied = 0;
    this.edited = false;
    this.whitespace();
    const c = text.charCodeAt(this.at);
    if (c === 110 /* n */ && text.startsWith('null', this.at)) {
      this.at += 4;
      this.end();
      return `{${root.fields.map((f) => f.nullJson).join(',')}}`;
    }
    if (c !== 123 /* { */) throw this.error(Number.isNaN(c) ? 'empty document' : 'document is not a JSON object');
    this.struct(root);
    this.end();
    const result = this.edited ? this.out + text.slice(this.copied) : text;
    return LINE_BREAK.test(result) ? result.replace(LINE_BREAKS, ' ') : result;
  }

  private end(): void {
    this.whitespace();
    if (this.at < this.text.length) throw this.error('unexpected content after the document');
  }

  /** Replaces text[from, to) with `insert` in the output; edits come in ascending order. */
  private edit(from: number, to: number, insert: string): void {
    this.out += this.text.slice(this.copied, from) + insert;
    this.copied = to;
    this.edited = true;
  }

  private value(shape: Shape): void {
    const c = this.text.charCodeAt(this.at);
    if (c === 123 /* { */ && shape?.kind === 'struct') this.struct(shape);
    else if (c === 123 && shape?.kind === 'map') this.map(shape.value);
    else if (c === 91 /* [ */ && shape?.kind === 'array') this.array(shape.element);
    else this.skipValue();
  }

  private struct(shape: StructShape): void {
    const text = this.text;
    const seen = new Array<boolean>(shape.fields.length).fill(false);
    let members = 0;
    let trailingComma = false;
    this.at++;
    this.whitespace();
    while (text.charCodeAt(this.at) !== 125 /* } */) {
      const keyStart = this.at;
      this.string();
      const keyEnd = this.at;
      const key = keyOf(text, keyStart, keyEnd);
      this.colon();
      const position = shape.exact.get(key) ?? shape.folded.get(key.toLowerCase());
      if (position === undefined) {
        this.skipValue();
      } else {
        const field = shape.fields[position];
        if (key !== field.name) this.edit(keyStart, keyEnd, field.keyJson);
        // A key given twice (in any case) stays twice, so DuckDB rejects it as read_json does.
        seen[position] = true;
        this.value(field.shape);
      }
      members++;
      trailingComma = this.separator(125);
    }
    let missing = '';
    for (let i = 0; i < seen.length; i++) {
      if (!seen[i]) missing += missing.length === 0 ? shape.fields[i].nullJson : `,${shape.fields[i].nullJson}`;
    }
    if (missing.length > 0) this.edit(this.at, this.at, members > 0 && !trailingComma ? `,${missing}` : missing);
    this.at++;
  }

  private map(valueShape: Shape): void {
    this.at++;
    this.whitespace();
    while (this.text.charCodeAt(this.at) !== 125 /* } */) {
      this.string();
      this.colon();
      this.value(valueShape);
      this.separator(125);
    }
    this.at++;
  }

  private array(elementShape: Shape): void {
    this.at++;
    this.whitespace();
    while (this.text.charCodeAt(this.at) !== 93 /* ] */) {
      this.value(elementShape);
      this.separator(93);
    }
    this.at++;
  }

  /**
   * After an item: consumes `,` (and what follows it up to the next item) or stops before `close`.
   * True when a trailing comma preceded `close` (DuckDB's reader allows one).
   */
  private separator(close: number): boolean {
    this.whitespace();
    const c = this.text.charCodeAt(this.at);
    if (c === close) return false;
    if (c !== 44 /* , */) throw this.error(`expected ',' or '${String.fromCharCode(close)}'`);
    this.at++;
    this.whitespace();
    return this.text.charCodeAt(this.at) === close;
  }

  private colon(): void {
    this.whitespace();
    if (this.text.charCodeAt(this.at) !== 58 /* : */) throw this.error(`expected ':'`);
    this.at++;
    this.whitespace();
  }

  private string(): void {
    if (this.text.charCodeAt(this.at) !== 34 /* " */) throw this.error('expected a string');
    STRING.lastIndex = this.at;
    if (!STRING.test(this.text)) throw this.error('bad string (unterminated, control character or bad escape)');
    this.at = STRING.lastIndex;
  }

  private skipValue(): void {
    const c = this.text.charCodeAt(this.at);
    if (c === 34) {
      this.string();
    } else if (c === 123) {
      this.at++;
      this.whitespace();
      while (this.text.charCodeAt(this.at) !== 125) {
        this.string();
        this.colon();
        this.skipValue();
        this.separator(125);
      }
      this.at++;
    } else if (c === 91) {
      this.at++;
      this.whitespace();
      while (this.text.charCodeAt(this.at) !== 93) {
        this.skipValue();
        this.separator(93);
      }
      this.at++;
    } else {
      LITERAL.lastIndex = this.at;
      if (!LITERAL.test(this.text)) throw this.error(Number.isNaN(c) ? 'unexpected end' : 'unexpected token');
      this.at = LITERAL.lastIndex;
    }
  }

  private whitespace(): void {
    const text = this.text;
    let at = this.at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 32 || c === 9 || c === 10 || c === 13) at++;
      else break;
    }
    this.at = at;
  }

  private error(reason: string): Error {
    return new Error(`malformed JSON at character ${this.at + 1}: ${reason}`);
  }
}

/** The decoded text of the string literal text[start, end). */
function keyOf(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
}

/**
 * True when some key of `text` would match a column or struct field only case-insensitively —
 * then the documents take the careful path. Finds keys cheaply: every key is a string followed by
 * `:`, and a `:` inside a string is never preceded by an unescaped `"`.
 */
function hasCaseFoldedKey(text: string, exact: ReadonlySet<string>, folded: ReadonlySet<string>): boolean {
  for (let colon = text.indexOf(':'); colon >= 0; colon = text.indexOf(':', colon + 1)) {
    let close = colon - 1;
    let c = text.charCodeAt(close);
    while (c === 32 || c === 9 || c === 10 || c === 13) c = text.charCodeAt(--close);
    if (c !== 34 || isEscaped(text, close)) continue;
    let foldable = false; // the key has an upper-case letter, or an escape that may hide one
    let open = close - 1;
    for (; open >= 0; open--) {
      const d = text.charCodeAt(open);
      if (d === 34 && !isEscaped(text, open)) break;
      if ((d >= 65 && d <= 90) || d === 92) foldable = true;
    }
    if (!foldable || open < 0) continue;
    let key: string;
    try {
      key = keyOf(text, open, close + 1);
    } catch {
      continue; // not a valid key; read_json will say so
    }
    if (!exact.has(key) && folded.has(key.toLowerCase())) return true;
  }
  return false;
}

function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (at - backslashes - 1 >= 0 && text.charCodeAt(at - backslashes - 1) === 92) backslashes++;
  return backslashes % 2 === 1;
}

