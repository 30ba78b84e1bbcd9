import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultProcessorWorkers } from '../../src/local/processor-pool.js';
import { generateSamples } from '../../src/local/sample-logs.js';
import { measure } from '../lib/measure.js';
import { compact, fixed, mb } from '../lib/report.js';
import type { DuckdbGzArgs, DuckdbGzResult } from '../tasks/duckdb-gz.js';
import type { PipelineArgs, PipelineResult } from '../tasks/pipeline.js';
import type { Section } from './section.js';

/**
 * (e) End to end, locally: gzip CloudFront objects → the local pipeline → Parquet on disk, beside
 * DuckDB's one-shot read_csv → Parquet of the same objects, and the pipeline's peak memory.
 */

const GENERATOR = fileURLToPath(new URL('../../src/local/sample-logs.ts', import.meta.url));

interface Dataset {
  readonly dir: string;
  readonly lines: number;
  readonly bytes: number;
  readonly gzipBytes: number;
}

async function dataset(outDir: string, lines: number, log: (m: string) => void): Promise<Dataset> {
  const hash = createHash('sha256').update(readFileSync(GENERATOR)).digest('hex').slice(0, 12);
  const dir = join(outDir, 'data', `pipeline-cloudfront-${lines}-${hash}`);
  const manifestPath = join(dir, 'dataset.json');
  if (existsSync(manifestPath)) return JSON.parse(readFileSync(manifestPath, 'utf8')) as Dataset;
  await rm(dir, { recursive: true, force: true });
  log(`generating ${lines.toLocaleString('en-US')} CloudFront lines (gzip) for the pipeline section …`);
  // Eight hourly objects (several partitions), each generated alone so each is the generator's
  // first layout — the 33 legacy fields — which DuckDB reads with one fixed column list.
  const perHour = Math.ceil(lines / 8);
  const files: { key: string }[] = [];
  let bytes = 0;
  for (let hour = 0; hour < 8; hour++) {
    const manifest = await generateSamples({
      dir: join(dir, 'logs'),
      formats: ['cloudfront'],
      start: new Date(Date.UTC(2026, 2, 2, hour)),
      hours: 1,
      linesPerFormat: perHour,
      linesPerFile: perHour,
      badLineRate: 0,
      seed: 99 + hour,
    });
    files.push(...manifest.files);
    bytes += manifest.totals.cloudfront.bytes;
  }
  const data: Dataset = {
    dir: join(dir, 'logs'),
    lines: perHour * 8,
    bytes,
    gzipBytes: files.reduce((n, f) => n + statSync(join(dir, 'logs', f.key)).size, 0),
  };
  writeFileSync(manifestPath, JSON.stringify(data));
  return data;
}

export const pipelineSection: Section = {
  id: 'pipeline',
  title: '(e) End to end: gzip logs → local pipeline → Parquet on disk, beside DuckDB read_csv → Parquet',
  async run(context) {
    const data = await dataset(context.outDir, context.quick ? 200_000 : 2_700_000, context.log);
    const lines = data.lines;
    const cores = availableParallelism();
    const rows: string[][] = [];
    const notes: string[] = [];
    const rate = (wallMs: number): number => lines / (wallMs / 1000);

    /** The pipeline on every core (as `loghose run` runs, with its default or given workers) or pinned to one. */
    const pipeline = async (pin: boolean, workers?: number): Promise<number> => {
      const where = `${pin ? 'one core' : `${cores} cores`}, ${workers === undefined ? `default workers (${pin ? 0 : defaultProcessorWorkers(cores)})` : `--workers ${workers}`}`;
      try {
        context.log(`pipeline (${where}) …`);
        const args: PipelineArgs = { source: data.dir, lake: join(context.outDir, 'pipeline-lake'), workers };
        const result = await measure<PipelineResult>('pipeline', args, { pin });
        const ours = rate(result.rep.wallMs);
        const s = result.summary;
        rows.push([
          `loghose run, ${where} (shipper → Firehose client → local endpoint → transform → Parquet)`,
          s.rows.toLocaleString('en-US'),
          compact(ours),
          fixed(mb(data.bytes) / (result.rep.wallMs / 1000)),
          fixed(result.maxRssBytes / 2 ** 20, 0),
          String(s.parquetObjects),
        ]);
        if (!s.accounted) notes.push(`the pipeline (${where}) did not account for every line`);
        if (!pin && workers === undefined) {
          context.metrics.set('pipeline.linesPerSecond', ours);
          context.metrics.set('pipeline.maxRssMiB', result.maxRssBytes / 2 ** 20);
          context.metrics.set('packing.cloudfront.billedOverRaw', s.firehose.billedBytes / data.bytes);
          notes.push(
            `Firehose packing: ${s.firehose.records.toLocaleString('en-US')} records, billed ${fixed(mb(s.firehose.billedBytes))} MB for ${fixed(mb(data.bytes))} MB of raw log text (${fixed(s.firehose.billedBytes / data.bytes, 3)}×).`,
          );
        }
        return ours;
      } catch (error) {
        rows.push([`loghose run, ${where}`, 'error', '', '', '', '']);
        notes.push(`pipeline (${where}): ${(error as Error).message}`);
        return 0;
      }
    };

    const duckdb = async (threads: number | undefined, pin: boolean): Promise<number> => {
      const where = pin ? 'one core' : `${cores} cores`;
      try {
        context.log(`duckdb gzip read_csv → Parquet (threads ${threads ?? 'default'}, ${where}) …`);
        const args: DuckdbGzArgs = { dir: data.dir, out: join(context.outDir, 'duckdb-pipeline.parquet'), threads };
        const result = await measure<DuckdbGzResult>('duckdb-gz', args, { pin });
        const duck = rate(result.rep.wallMs);
        rows.push([
          `DuckDB read_csv(gzip) → COPY TO Parquet, threads=${result.threads}, ${where}`,
          result.rows.toLocaleString('en-US'),
          compact(duck),
          fixed(mb(data.bytes) / (result.rep.wallMs / 1000)),
          '',
          '1',
        ]);
        return duck;
      } catch (error) {
        notes.push(`duckdb (threads ${threads ?? 'default'}, ${where}): ${(error as Error).message}`);
        return 0;
      }
    };

    const ours = await pipeline(false);
    const oursWithWorker = cores > 1 && defaultProcessorWorkers(cores) === 0 ? await pipeline(false, 1) : 0;
    const duckBest = Math.max(await duckdb(1, false), cores > 1 ? await duckdb(undefined, false) : 0);
    const oursOneCore = await pipeline(true);
    const duckOneCore = await duckdb(1, true);
    if (ours > 0 && duckBest > 0) {
      context.metrics.set('pipeline.overDuckdb', ours / duckBest);
      notes.push(`loghose ÷ DuckDB on the same ${cores} cores (DuckDB's faster setting): ${fixed(ours / duckBest, 2)}× (target ≥ 0.5×)`);
      if (oursWithWorker > 0) notes.push(`With a transform worker thread (\`--workers 1\`): ${fixed(oursWithWorker / duckBest, 2)}×, at the peak memory shown.`);
    }
    if (oursOneCore > 0 && duckOneCore > 0) {
      notes.push(`On one core each: ${fixed(oursOneCore / duckOneCore, 2)}× (the pipeline's work does not shrink on one core; its threads only overlap).`);
    }
    return {
      id: this.id,
      title: this.title,
      method: [
        `${lines.toLocaleString('en-US')} generated CloudFront lines in eight hourly gzip objects (33 legacy fields): ${fixed(mb(data.bytes), 0)} MB of log text, ${fixed(mb(data.gzipBytes), 0)} MB gzipped.`,
        `Each run in its own process, first on all ${cores} cores of the machine (as a user runs either tool: DuckDB's Parquet writes overlap the pipeline's JavaScript, gunzip runs in Node's thread pool, and transform invocations run in worker threads where the machine has more than two cores or \`--workers\` asks for them; DuckDB is measured with one thread and with its default), then pinned to one core. Timed: wall clock of the whole run, from reading the gzip objects to the last Parquet file on disk. Peak RSS from \`process.resourceUsage().maxRSS\`.`,
        'The pipeline does what DuckDB does not: detection, event-time partitioning into dt/hour objects, query_params, error rows, the Firehose protocol round trip (base64 JSON over HTTP) and the transform contract.',
      ],
      columns: ['Run', 'Rows', 'Lines/s', 'MB/s in', 'Peak RSS MiB', 'Parquet objects'],
      rows,
      notes,
    };
  },
};
