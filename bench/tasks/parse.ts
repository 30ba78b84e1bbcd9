import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as transform from '../../src/transforms/firehose-transform.js';
import type { LogFormat } from '../../src/transforms/format.js';
import { rowKernel } from '../../src/transforms/row-kernel.js';
import { formatOf } from '../../src/transforms/registry.js';
import type { TableName } from '../../src/transforms/schema.js';
import { best, timed, type Rep } from '../lib/timing.js';

/**
 * Our parse → JSON, in memory, on one core: what the transform handler does with a record's
 * decoded bytes. Untimed: reading the decompressed file into memory in ~1 MiB pieces cut at line
 * ends (like the records the shipper packs). Timed, per piece, what the handler does per record:
 * the ASCII check, loading the bytes into the row kernel, and `transformLineBytes` (one parser for
 * the file, so the CloudFront header holds throughout): line splitting, the parser's byte-level
 * fast path or `LineParser.parse`, and every row's and error row's JSON as UTF-8 in the kernel's
 * output.
 */

export interface ParseArgs {
  readonly format: TableName;
  readonly path: string;
  readonly reps: number;
  /** Another copy of src/transforms (e.g. a git worktree of an older commit) to measure instead. */
  readonly transformsDir?: string;
}

export interface ParseResult {
  readonly lines: number;
  readonly rows: number;
  readonly errorRows: number;
  readonly skipped: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
  readonly reps: Rep[];
  readonly best: Rep;
}

const PIECE = 1 << 20;

type TransformModule = Pick<typeof transform, 'transformLineBytes'>;

export async function run(args: ParseArgs): Promise<ParseResult> {
  const input = readFileSync(args.path);
  const pieces = cutPieces(input);
  const dir = args.transformsDir;
  const format = dir === undefined ? formatOf(args.format) : await formatFrom(dir, args.format);
  const module = dir === undefined ? transform : await transformFrom(dir);
  const reps: Rep[] = [];
  let counts = { lines: 0, rows: 0, errorRows: 0, skipped: 0, outputBytes: 0 };
  for (let r = 0; r < args.reps; r++) {
    const { rep, value } = await timed(() => parseAll(pieces, format, module));
    reps.push(rep);
    counts = value;
  }
  return { ...counts, inputBytes: input.length, reps, best: best(reps) };
}

async function formatFrom(dir: string, table: TableName): Promise<LogFormat> {
  const registry = (await import(pathToFileURL(resolve(dir, 'registry.ts')).href)) as { formatOf(t: TableName): LogFormat };
  return registry.formatOf(table);
}

async function transformFrom(dir: string): Promise<TransformModule> {
  const module = (await import(pathToFileURL(resolve(dir, 'firehose-transform.ts')).href)) as Partial<TransformModule>;
  if (module.transformLineBytes === undefined) throw new Error(`${dir}: no transformLineBytes to compare with`);
  return module as TransformModule;
}

function cutPieces(input: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  while (start < input.length) {
    let end = start + PIECE >= input.length ? input.length : input.indexOf(10, start + PIECE);
    end = end < 0 ? input.length : end + 1;
    pieces.push(input.subarray(start, end));
    start = end;
  }
  return pieces;
}

function parseAll(
  pieces: readonly Buffer[],
  format: LogFormat,
  module: TransformModule,
): { lines: number; rows: number; errorRows: number; skipped: number; outputBytes: number } {
  const parser = format.createParser();
  const kernel = rowKernel();
  let lines = 0;
  let rows = 0;
  let errorRows = 0;
  let skipped = 0;
  let outputBytes = 0;
  for (const piece of pieces) {
    const start = kernel.load(piece, 0, piece.length);
    const counts = module.transformLineBytes(parser, kernel, start, start + piece.length, isAscii(piece), 0);
    lines += counts.lines;
    rows += counts.rows;
    errorRows += counts.errorRows;
    skipped += counts.skippedLines;
    outputBytes += kernel.output().length;
  }
  return { lines, rows, errorRows, skipped, outputBytes };
}
