import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { generateSamples, type SampleFormat } from '../../src/local/sample-logs.js';

/**
 * The benchmark data: generated once with the project's sample generator (src/local/sample-logs.ts)
 * and cached under bench/out/data/, one plain (decompressed) file per format holding all its
 * generated files' lines in order. Regenerated when the sizes or the generator's source change.
 *
 * CloudFront comes from a single generated file (one hour, one `#Version`/`#Fields` header, the
 * generator's first layout), so DuckDB can read exactly the same file with `skip=2`.
 */

export const BENCH_FORMATS = ['cloudfront', 'alb', 's3_access', 'elb'] as const satisfies readonly SampleFormat[];
export type BenchFormat = (typeof BENCH_FORMATS)[number];

export interface DataSizes {
  readonly cloudfront: number;
  readonly alb: number;
  readonly s3_access: number;
  readonly elb: number;
}

export const FULL_SIZES: DataSizes = { cloudfront: 1_000_000, alb: 300_000, s3_access: 300_000, elb: 200_000 };
export const QUICK_SIZES: DataSizes = { cloudfront: 100_000, alb: 30_000, s3_access: 30_000, elb: 20_000 };

export interface DataFile {
  readonly format: BenchFormat;
  readonly path: string;
  /** Data lines (not counting header lines), malformed ones included. */
  readonly dataLines: number;
  /** Of which deliberately malformed by the generator. */
  readonly badLines: number;
  readonly headerLines: number;
  readonly bytes: number;
  /** Generated files concatenated into this one. */
  readonly sourceFiles: number;
}

export type BenchData = Record<BenchFormat, DataFile>;

const ROOT = fileURLToPath(new URL('../out/data/', import.meta.url));
const GENERATOR = fileURLToPath(new URL('../../src/local/sample-logs.ts', import.meta.url));
const START = new Date('2026-03-01T00:00:00Z');
/** Hours of events per format (CloudFront: one hourly file). */
const HOURS: Record<BenchFormat, number> = { cloudfront: 1, alb: 2, s3_access: 2, elb: 2 };

export async function prepareData(sizes: DataSizes, log: (message: string) => void): Promise<BenchData> {
  const generatorHash = createHash('sha256').update(readFileSync(GENERATOR)).digest('hex').slice(0, 12);
  const data = {} as BenchData;
  for (const format of BENCH_FORMATS) {
    const key = `${format}-${sizes[format]}-${generatorHash}`;
    const dir = join(ROOT, key);
    const manifestPath = join(dir, 'manifest.json');
    if (existsSync(manifestPath)) {
      data[format] = JSON.parse(await readFile(manifestPath, 'utf8')) as DataFile;
      continue;
    }
    log(`generating ${sizes[format].toLocaleString('en-US')} ${format} lines …`);
    const started = Date.now();
    await rm(dir, { recursive: true, force: true });
    data[format] = await generateFormat(format, sizes[format], dir);
    await writeFile(manifestPath, JSON.stringify(data[format], null, 2));
    log(`  ${format}: ${data[format].bytes.toLocaleString('en-US')} bytes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return data;
}

async function generateFormat(format: BenchFormat, lines: number, dir: string): Promise<DataFile> {
  const raw = join(dir, 'generated');
  const manifest = await generateSamples({
    dir: raw,
    formats: [format],
    start: START,
    hours: HOURS[format],
    linesPerFormat: lines,
    ...(format === 'cloudfront' ? { linesPerFile: lines } : {}),
  });
  const files = manifest.files.filter((f) => f.format === format).sort((a, b) => (a.firstEvent < b.firstEvent ? -1 : a.firstEvent > b.firstEvent ? 1 : 0));
  if (format === 'cloudfront' && files.length !== 1) throw new Error(`expected one CloudFront file, got ${files.length}`);
  const path = join(dir, `${format}.log`);
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  let bytes = 0;
  for (const file of files) {
    let content = await readFile(join(raw, ...file.key.split('/')));
    if (content[0] === 0x1f && content[1] === 0x8b) content = gunzipSync(content);
    if (content.length > 0 && content[content.length - 1] !== 0x0a) content = Buffer.concat([content, Buffer.from('\n')]);
    bytes += content.length;
    if (!out.write(content)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  await rm(raw, { recursive: true, force: true });
  const sum = (pick: (f: (typeof files)[number]) => number): number => files.reduce((n, f) => n + pick(f), 0);
  return {
    format,
    path,
    dataLines: sum((f) => f.dataLines),
    badLines: sum((f) => f.badLines),
    headerLines: sum((f) => f.headerLines),
    bytes,
    sourceFiles: files.length,
  };
}
