import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSamples, type SampleFormat } from '../../local/sample-logs.js';
import { ALL_FORMATS } from '../registry.js';
import { checkByteFastPath, lineMutation, mutateLine } from './property-testing.js';

/**
 * The byte-level fast path (`LineParser.parseBytes`) of every format that has one, against its
 * string path: on generated sample files (it must take nearly every good line, or it is not worth
 * having) and on arbitrary mutations of their lines, each sequence fed in file order so header
 * lines change the mapping mid-stream.
 */

const FAST_FORMATS = ALL_FORMATS.filter((f) => f.createParser().parseBytes !== undefined);
const INSERTS = ['\t', ' ', '"', '\\', '\u0000', '\u001f', '\r', '#', '-', '0', '00', '.', '[', ']', 'é', '😀', '\ud800', '%', ':', '+'];

let dir = '';
const samples = new Map<string, string[]>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loghose-fast-path-'));
  const manifest = await generateSamples({
    dir,
    formats: FAST_FORMATS.map((f) => f.table as SampleFormat),
    start: new Date('2026-03-01T22:30:00Z'),
    hours: 3,
    linesPerFormat: 4000,
    badLineRate: 0.01,
  });
  for (const file of manifest.files) {
    const raw = readFileSync(join(dir, file.key));
    const text = (file.gzip ? gunzipSync(raw) : raw).toString('utf8');
    const lines = text.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '');
    samples.set(file.format, [...(samples.get(file.format) ?? []), ...lines]);
  }
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(FAST_FORMATS.map((f) => [f.table, f] as const))('%s byte-level fast path', (_table, format) => {
  it('writes exactly the rows of the string path, and takes every good sample line', () => {
    const lines = samples.get(format.table)!;
    expect(lines.length).toBeGreaterThanOrEqual(4000);
    const taken = checkByteFastPath(format, lines);
    const parser = format.createParser();
    let rows = 0;
    for (const line of lines) if (parser.parse(line) === 1) rows++;
    expect(taken).toBe(rows);
  });

  it('agrees with the string path on mutated lines, in sequences with header lines', () => {
    const lines = samples.get(format.table)!;
    const headers = lines.filter((l) => l.startsWith('#') || /^[a-z-]+( [a-z-]+)+$/.test(l));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            { weight: 6, arbitrary: fc.tuple(fc.nat(lines.length - 1), fc.array(lineMutation(INSERTS), { maxLength: 3 })) },
            { weight: 1, arbitrary: fc.tuple(fc.nat(Math.max(headers.length - 1, 0)), fc.constant(null)) },
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (picks) => {
          const sequence = picks.map(([i, mutations]) =>
            mutations === null ? (headers[i] ?? '') : mutateLine(lines[i], mutations),
          );
          checkByteFastPath(format, sequence);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
