import fc from 'fast-check';
import { expect } from 'vitest';
import { LineKind, type LogFormat } from '../format.js';
import { rowKernel } from '../row-kernel.js';

/** Shared fast-check helpers for the format tests: mutations of valid lines and the parser invariants. */

export interface LineMutation {
  readonly op: 'truncate' | 'insert' | 'delete';
  readonly at: number;
  readonly text: string;
}

/** A truncation, insertion (of one of `inserts` or a short arbitrary string) or deletion anywhere. */
export function lineMutation(inserts: readonly string[]): fc.Arbitrary<LineMutation> {
  return fc.record<LineMutation>({
    op: fc.constantFrom('truncate', 'insert', 'delete'),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...inserts), fc.string({ unit: 'binary', maxLength: 4 })),
  });
}

export function mutateLine(line: string, mutations: readonly LineMutation[]): string {
  let out = line;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.op === 'truncate') out = out.slice(0, at);
    else if (m.op === 'insert') out = out.slice(0, at) + m.text + out.slice(at);
    else out = out.slice(0, at) + out.slice(at + 1 + (m.text.length % 8));
  }
  return out;
}

/**
 * What must hold for any line: one of the three kinds; `locate` agrees with `parse`; a row is JSON
 * with only schema columns (not `_raw`/`_error`) and its `timestamp` in its partition; an error row
 * keeps the raw line and the reason.
 */
export function checkLineInvariants(format: LogFormat, line: string): void {
  const columns = new Set(format.schema.columns.map((c) => c.name));
  const parser = format.createParser();
  const kind = parser.parse(line);
  expect([LineKind.Row, LineKind.Error, LineKind.Skip]).toContain(kind);
  expect(parser.locate(line)).toBe(parser.dt === '' ? '' : `${parser.dt}/${parser.hour}`);
  if (kind === LineKind.Row) {
    const parsed = JSON.parse(parser.json) as Record<string, unknown>;
    for (const key of Object.keys(parsed)) expect(columns.has(key) && key !== '_raw' && key !== '_error').toBe(true);
    expect(parsed.timestamp).toBe(parser.timestamp);
    expect(`${parser.timestamp.slice(0, 10)}/${parser.timestamp.slice(11, 13)}`).toBe(`${parser.dt}/${parser.hour}`);
  } else if (kind === LineKind.Error) {
    const parsed = JSON.parse(parser.json) as Record<string, unknown>;
    expect(parsed._raw).toBe(line);
    expect(parsed._error).toBe(parser.error);
    for (const key of Object.keys(parsed)) expect(columns.has(key)).toBe(true);
  }
}

/**
 * Feeds `lines` in order to two parsers: one through the string path only, one the way the handler
 * does (`parseBytes` first, `parse` when it declines). Whatever the fast path writes must be exactly
 * the string path's row and newline, with the same event time and partition; whatever it declines
 * must come out of `parse` as from the string parser. Returns how many lines the fast path took.
 */
export function checkByteFastPath(format: LogFormat, lines: readonly string[]): number {
  const reference = format.createParser();
  const parser = format.createParser();
  if (parser.parseBytes === undefined) throw new Error(`${format.table} has no byte-level fast path`);
  const kernel = rowKernel();
  let taken = 0;
  for (const line of lines) {
    const kind = reference.parse(line);
    // Each line sits between other bytes, as lines do in a record.
    const bytes = Buffer.from(`x\n${line}\ny`, 'utf8');
    const start = kernel.load(bytes, 0, bytes.length) + 2;
    if (parser.parseBytes(kernel, start, start + bytes.length - 4)) {
      taken++;
      expect(kind).toBe(LineKind.Row);
      expect(kernel.output().toString('utf8')).toBe(`${reference.json}\n`);
    } else {
      expect(kernel.output().length).toBe(0);
      expect(parser.parse(line)).toBe(kind);
      if (kind !== LineKind.Skip) expect(parser.json).toBe(reference.json);
    }
    expect([parser.timestamp, parser.dt, parser.hour]).toEqual([reference.timestamp, reference.dt, reference.hour]);
  }
  return taken;
}
