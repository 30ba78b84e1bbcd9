import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoghoseConfig } from '../config/config.js';
import { US_EAST_1_PRICES, type PriceTable } from '../config/prices.js';
import { generateSamples, type SampleFormat } from '../local/sample-logs.js';
import type { TableName } from '../transforms/schema.js';
import { advise, type Advice, type AdviceConstraints } from './advice.js';
import { DEFAULT_COST_ASSUMPTIONS, LAMBDA_FULL_VCPU_MIB, type CostAssumptions } from './cost-model.js';
import { evaluateGrid, type GridOptions, type GridPoint, type ProcessorSetting } from './grid.js';
import { measureParquetRatio } from './parquet-ratio.js';
import { adviseProcessorBuffer, type ProcessorAdvice } from './processor.js';
import { loadSampleTraffic, type SampleTraffic } from './sample-traffic.js';
import type { Granularity } from './simulator.js';
import { durationDays, monthFactor, type StreamTraffic, type Traffic, type TrafficProfile } from './traffic.js';

/**
 * `loghose tune` end to end, without the CLI: measure what the simulation needs (Parquet ratio,
 * expansion), size the processor buffer, simulate the grid, advise.
 */

export const DEFAULT_MAX_LATENCY_SECONDS = 900;
export const DEFAULT_MIN_FILE_MIB = 4;
/** JSON per table written to Parquet to measure the ratio. */
export const PARQUET_SLICE_BYTES = 4 * 1024 * 1024;

export interface TuningRequest {
  readonly traffic: Traffic;
  readonly config: LoghoseConfig;
  readonly constraints: AdviceConstraints;
  readonly sizesMiB?: readonly number[];
  readonly intervalsSeconds?: readonly number[];
  readonly granularities?: readonly Granularity[];
  /** Simulate this processor buffer instead of the advised safe maximum (MiB). */
  readonly processorMiB?: number;
  readonly parquetRatio?: number;
  readonly lambdaBytesPerSecond?: number;
  readonly lambdaOverheadMs?: number;
  readonly prices?: PriceTable;
  readonly assumptions?: CostAssumptions;
}

export interface StreamSummary {
  readonly table: TableName;
  readonly records: number;
  readonly lines?: number;
  readonly bytes: number;
  readonly billedBytes: number;
  readonly jsonBytes: number;
  readonly expansionMean: number;
  readonly expansionMax: number;
  readonly parquetRatio?: number;
  readonly parquetRatioSource?: string;
  readonly transformMBps?: number;
}

export interface TuningReport {
  readonly input: {
    readonly source: Traffic['source'];
    readonly start: string;
    readonly end: string;
    readonly days: number;
    /** Totals over the window × this = a 30-day month. */
    readonly monthFactor: number;
    readonly scale: number;
    readonly notes: readonly string[];
    readonly streams: readonly StreamSummary[];
  };
  readonly constraints: AdviceConstraints;
  /** The stream's active-partition limit (config `maxActivePartitions`). */
  readonly maxActivePartitions: number;
  /** The processor buffering simulated (the advised safe maximum unless overridden). */
  readonly processor: ProcessorSetting & { readonly advice: ProcessorAdvice };
  readonly assumptions: {
    readonly prices: PriceTable;
    readonly cost: CostAssumptions;
    readonly lambda: { readonly memoryMiB: number; readonly fullVcpuMiB: number; readonly overheadMs: number; readonly bytesPerSecondPerVcpu?: number };
  };
  readonly points: readonly GridPoint[];
  readonly advice: Advice;
}

export function summariseStream(stream: StreamTraffic): StreamSummary {
  let bytes = 0;
  let billed = 0;
  let json = 0;
  let records = 0;
  for (const r of stream.records) {
    bytes += r.bytes;
    billed += r.billedBytes;
    json += r.jsonBytes;
    records += r.records;
  }
  const p = stream.profile;
  return {
    table: stream.table,
    records: Math.round(records),
    lines: stream.lines,
    bytes,
    billedBytes: billed,
    jsonBytes: json,
    expansionMean: p.expansionMean,
    expansionMax: p.expansionMax,
    parquetRatio: p.parquetRatio,
    parquetRatioSource: p.parquetRatioSource,
    transformMBps: p.transformBytesPerSecond === undefined ? undefined : p.transformBytesPerSecond / 1e6,
  };
}

export function runTuning(request: TuningRequest): TuningReport {
  const { traffic, config } = request;
  if (traffic.streams.length === 0) throw new Error('no traffic: the input holds no log records');
  const factor = monthFactor(traffic);
  const profiles = traffic.streams.map((s) => s.profile);
  const processorAdvice = adviseProcessorBuffer({
    expansion: Math.max(...profiles.map((p) => p.expansionMax)),
    maxRecordBytes: Math.max(config.shipper.recordKiB * 1024, ...profiles.map((p) => p.maxRecordBytes)),
    meanRecordBytes: Math.min(...profiles.map((p) => p.meanRecordBytes)),
  });
  const processor: ProcessorSetting = {
    bufferSizeMiB: request.processorMiB ?? processorAdvice.bufferSizeMiB,
    bufferIntervalSeconds: config.processor.bufferIntervalSeconds,
    memoryMiB: config.processor.memoryMiB,
  };
  const gridOptions: GridOptions = {
    sizesMiB: request.sizesMiB,
    intervalsSeconds: request.intervalsSeconds,
    granularities: request.granularities,
    processor,
    maxActivePartitions: config.maxActivePartitions,
    lambdaBytesPerSecond: request.lambdaBytesPerSecond,
    lambdaOverheadMs: request.lambdaOverheadMs,
    parquetRatio: request.parquetRatio,
    prices: request.prices,
    assumptions: request.assumptions,
  };
  const points = evaluateGrid(traffic, gridOptions);
  const advice = advise(points, request.constraints, processorAdvice, config);
  return {
    input: {
      source: traffic.source,
      start: new Date(traffic.startMs).toISOString(),
      end: new Date(traffic.endMs).toISOString(),
      days: durationDays(traffic),
      monthFactor: factor,
      scale: traffic.scale,
      notes: traffic.notes,
      streams: traffic.streams.map((s) =>
        summariseStream(request.parquetRatio === undefined ? s : { ...s, profile: { ...s.profile, parquetRatio: request.parquetRatio, parquetRatioSource: 'given' } }),
      ),
    },
    constraints: request.constraints,
    maxActivePartitions: config.maxActivePartitions,
    processor: { ...processor, advice: processorAdvice },
    assumptions: {
      prices: request.prices ?? US_EAST_1_PRICES,
      cost: request.assumptions ?? DEFAULT_COST_ASSUMPTIONS,
      lambda: {
        memoryMiB: processor.memoryMiB,
        fullVcpuMiB: LAMBDA_FULL_VCPU_MIB,
        overheadMs: request.lambdaOverheadMs ?? 10,
        bytesPerSecondPerVcpu: request.lambdaBytesPerSecond,
      },
    },
    points,
    advice,
  };
}

/** Sets each stream's Parquet ratio: given, or measured by writing its slice of the sample as Parquet. */
export async function withParquetRatios(traffic: SampleTraffic, given?: number): Promise<Traffic> {
  const streams: StreamTraffic[] = [];
  for (const stream of traffic.streams) {
    let profile: TrafficProfile = stream.profile;
    if (given !== undefined) profile = { ...profile, parquetRatio: given, parquetRatioSource: 'given' };
    else {
      const measured = await measureParquetRatio(stream.table, traffic.slices.get(stream.table) ?? []);
      if (measured === undefined) throw new Error(`cannot measure the Parquet ratio of ${stream.table}: no rows convert; give --parquet-ratio`);
      profile = {
        ...profile,
        parquetRatio: measured.ratio,
        parquetRatioSource: `measured: ${measured.rows} rows, ${(measured.jsonBytes / 1e6).toFixed(1)} MB JSON → ${(measured.parquetBytes / 1e6).toFixed(2)} MB Parquet`,
      };
    }
    streams.push({ ...stream, profile });
  }
  return { ...traffic, streams };
}

/**
 * A profile for a table whose own data is not at hand (CloudWatch input): expansion, Parquet
 * ratio and transform throughput measured on generated sample logs of that table.
 */
export async function referenceProfile(table: TableName, config: LoghoseConfig): Promise<Omit<TrafficProfile, 'maxRecordBytes' | 'meanRecordBytes'>> {
  const dir = await mkdtemp(join(tmpdir(), 'loghose-tune-ref-'));
  try {
    await generateSamples({ dir, formats: [table as SampleFormat], start: new Date(Date.UTC(2026, 0, 1)), hours: 1, linesPerFormat: 5000, seed: 1 });
    const sample = await loadSampleTraffic({
      paths: [dir],
      recordBytes: config.shipper.recordKiB * 1024,
      maxBufferedBytes: config.shipper.maxBufferedMiB * 1024 * 1024,
      sliceBytes: PARQUET_SLICE_BYTES,
    });
    const measured = await withParquetRatios(sample);
    const stream = measured.streams.find((s) => s.table === table);
    if (stream === undefined) throw new Error(`no reference data for ${table}`);
    const { expansionMean, expansionMax, parquetRatio, transformBytesPerSecond } = stream.profile;
    return {
      expansionMean,
      expansionMax,
      parquetRatio,
      parquetRatioSource: `measured on generated ${table} sample logs`,
      transformBytesPerSecond,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
