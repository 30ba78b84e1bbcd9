import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineKind, type LogFormat } from '../../src/transforms/format.js';
import { formatOf } from '../../src/transforms/registry.js';
import type { TableName } from '../../src/transforms/schema.js';
import { NdjsonSink } from '../lib/sink.js';
import { best, timed, type Rep } from '../lib/timing.js';

/**
 * Our parse → JSON, in memory, on one core. Untimed: reading the decompressed file into memory as
 * text (UTF-8 decoded, in ~1 MiB pieces cut at line ends). Timed: splitting lines, one
 * `LineParser.parse` per line (one parser for the file, as the CLI and the shipper use it), and
 * every row's and error row's JSON into the NDJSON sink (UTF-8 bytes in memory).
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

export async function run(args: ParseArgs): Promise<ParseResult> {
  const input = readFileSync(args.path);
  const pieces = decodePieces(input);
  const format = args.transformsDir === undefined ? formatOf(args.format) : await formatFrom(args.transformsDir, args.format);
  const reps: Rep[] = [];
  let counts = { lines: 0, rows: 0, errorRows: 0, skipped: 0, outputBytes: 0 };
  for (let r = 0; r < args.reps; r++) {
    const { rep, value } = await timed(() => parseAll(pieces, format));
    reps.push(rep);
    counts = value;
  }
  return { ...counts, inputBytes: input.length, reps, best: best(reps) };
}

async function formatFrom(dir: string, table: TableName): Promise<LogFormat> {
  const registry = (await import(pathToFileURL(resolve(dir, 'registry.ts')).href)) as { formatOf(t: TableName): LogFormat };
  return registry.formatOf(table);
}

function decodePieces(input: Buffer): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < input.length) {
    let end = start + PIECE >= input.length ? input.length : input.indexOf(10, start + PIECE);
    end = end < 0 ? input.length : end + 1;
    pieces.push(input.toString('utf8', start, end));
    start = end;
  }
  return pieces;
}

function parseAll(pieces: readonly string[], format: LogFormat): { lines: number; rows: number; errorRows: number; skipped: number; outputBytes: number } {
  const parser = format.createParser();
  const sink = new NdjsonSink();
  let lines = 0;
  let rows = 0;
  let errorRows = 0;
  let skipped = 0;
  for (const text of pieces) {
    let from = 0;
    const length = text.length;
    while (from < length) {
      let to = text.indexOf('\n', from);
      if (to < 0) to = length;
      const line = text.slice(from, to > from && text.charCodeAt(to - 1) === 13 ? to - 1 : to);
      from = to + 1;
      lines++;
      const kind = parser.parse(line);
      if (kind === LineKind.Row) {
        rows++;
        sink.add(parser.json);
      } else if (kind === LineKind.Error) {
        errorRows++;
        sink.add(parser.json);
      } else {
        skipped++;
      }
    }
  }
  sink.flush();
  return { lines, rows, errorRows, skipped, outputBytes: sink.bytes };
}
