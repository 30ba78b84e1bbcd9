import { FIREHOSE_LIMITS } from '../config/limits.js';
import { US_EAST_1_PRICES, type PriceTable } from '../config/prices.js';
import { DEFAULT_COST_ASSUMPTIONS, lambdaGbSeconds, monthlyCost, type CostAssumptions, type CostBreakdown, type LambdaModel, type MonthlyUsage } from './cost-model.js';
import { simulateStream, type Granularity, type SimulatedInvocation, type SimulatedObject } from './simulator.js';
import { concatFloat64, spreadOf, weightedSpreadOf, type Spread } from './stats.js';
import { responseLimitBytes } from './processor.js';
import { durationDays, monthFactor, type StreamTraffic, type Traffic } from './traffic.js';

/**
 * Every buffering setting of the grid (S3 buffer size × interval × partition granularity), each
 * simulated over the traffic of every stream, with the figures the advice and the report need.
 */

const MiB = 1024 * 1024;

export interface GridSetting {
  readonly sizeMiB: number;
  readonly intervalSeconds: number;
  readonly granularity: Granularity;
}

/** The sizes and intervals tried by default: Firehose's range with dynamic partitioning, from the limits table. */
export const DEFAULT_SIZES_MIB: readonly number[] = [
  FIREHOSE_LIMITS.dynamicPartitioningMinBufferMiB,
  (FIREHOSE_LIMITS.dynamicPartitioningMinBufferMiB + FIREHOSE_LIMITS.maxBufferMiB) / 2,
  FIREHOSE_LIMITS.maxBufferMiB,
];
export const DEFAULT_INTERVALS_SECONDS: readonly number[] = [
  FIREHOSE_LIMITS.dynamicPartitioningMinIntervalSeconds,
  2 * FIREHOSE_LIMITS.dynamicPartitioningMinIntervalSeconds,
  300,
  600,
  FIREHOSE_LIMITS.maxBufferIntervalSeconds,
];
export const GRANULARITIES: readonly Granularity[] = ['hour', 'day'];

/** Checks a size and an interval against Firehose's range with dynamic partitioning; the problem, or undefined. */
export function settingProblem(sizeMiB: number, intervalSeconds: number): string | undefined {
  const { dynamicPartitioningMinBufferMiB: minMiB, maxBufferMiB, dynamicPartitioningMinIntervalSeconds: minS, maxBufferIntervalSeconds: maxS } = FIREHOSE_LIMITS;
  if (!(sizeMiB >= minMiB && sizeMiB <= maxBufferMiB)) return `buffer size ${sizeMiB} MiB is outside ${minMiB}–${maxBufferMiB} MiB (dynamic partitioning)`;
  if (!(Number.isInteger(intervalSeconds) && intervalSeconds >= minS && intervalSeconds <= maxS)) {
    return `buffer interval ${intervalSeconds} s is outside ${minS}–${maxS} s (dynamic partitioning)`;
  }
  return undefined;
}

export function settingLabel(setting: GridSetting): string {
  return `${setting.sizeMiB} MiB / ${setting.intervalSeconds} s / ${setting.granularity}`;
}

export interface ProcessorSetting {
  readonly bufferSizeMiB: number;
  readonly bufferIntervalSeconds: number;
  readonly memoryMiB: number;
}

export interface GridOptions {
  readonly sizesMiB?: readonly number[];
  readonly intervalsSeconds?: readonly number[];
  readonly granularities?: readonly Granularity[];
  /** The Lambda processor buffering simulated in front of the S3 buffers. */
  readonly processor: ProcessorSetting;
  readonly maxActivePartitions: number;
  /** Transform throughput on one vCPU (input bytes/s); the streams' measured throughput when omitted. */
  readonly lambdaBytesPerSecond?: number;
  /** Per-invocation overhead, ms. */
  readonly lambdaOverheadMs?: number;
  /** Parquet/JSON ratio for every stream; each stream's measured ratio when omitted. */
  readonly parquetRatio?: number;
  readonly prices?: PriceTable;
  readonly assumptions?: CostAssumptions;
}

export interface GridPoint {
  readonly setting: GridSetting;
  readonly label: string;
  /** Objects written over the traffic's window, and per day. */
  readonly objects: number;
  readonly objectsPerDay: number;
  /** Object sizes: JSON (what the size hint measures) and estimated Parquet, bytes. */
  readonly jsonBytes: Spread;
  readonly parquetBytes: Spread;
  /** Arrival at Firehose → object delivered, seconds, per byte of data. */
  readonly latencySeconds: Spread;
  /** Share of objects closed by the size hint (the rest by the interval). */
  readonly sizeBoundShare: number;
  readonly peakActivePartitions: number;
  /** Firehose records refused for exceeding the active-partition limit (would land under activePartitionExceeded). */
  readonly exceededRecords: number;
  readonly lambda: {
    readonly invocationsPerDay: number;
    /** Estimated request / response payloads, bytes. */
    readonly requestBytes: Spread;
    readonly responseBytes: Spread;
    /** Invocations whose estimated response exceeds Lambda's payload limit. */
    readonly overLimit: number;
  };
  readonly monthly: MonthlyUsage;
  readonly cost: CostBreakdown;
}

export function gridSettings(options: Pick<GridOptions, 'sizesMiB' | 'intervalsSeconds' | 'granularities'> = {}): GridSetting[] {
  const settings: GridSetting[] = [];
  for (const granularity of options.granularities ?? GRANULARITIES) {
    for (const sizeMiB of options.sizesMiB ?? DEFAULT_SIZES_MIB) {
      for (const intervalSeconds of options.intervalsSeconds ?? DEFAULT_INTERVALS_SECONDS) {
        const problem = settingProblem(sizeMiB, intervalSeconds);
        if (problem !== undefined) throw new Error(problem);
        settings.push({ sizeMiB, intervalSeconds, granularity });
      }
    }
  }
  return settings;
}

/**
 * What the processor does — its invocations — does not depend on the S3 buffering (its deadlines
 * fire at their own times whatever else is due), so a grid works it out once.
 */
export interface GridCache {
  readonly invocations: Map<StreamTraffic, readonly SimulatedInvocation[]>;
  lambda?: LambdaTotals;
}

interface LambdaTotals {
  readonly count: number;
  readonly gbSeconds: number;
  readonly overLimit: number;
  readonly requestBytes: Spread;
  readonly responseBytes: Spread;
}

export function evaluateGrid(traffic: Traffic, options: GridOptions): GridPoint[] {
  const cache: GridCache = { invocations: new Map() };
  return gridSettings(options).map((setting) => evaluateSetting(traffic, setting, options, cache));
}

function lambdaTotals(traffic: Traffic, options: GridOptions, cache: GridCache): LambdaTotals {
  const limit = responseLimitBytes();
  const request: number[] = [];
  const response: number[] = [];
  let gbSeconds = 0;
  let overLimit = 0;
  for (const stream of traffic.streams) {
    const bytesPerSecond = options.lambdaBytesPerSecond ?? stream.profile.transformBytesPerSecond;
    if (bytesPerSecond === undefined) throw new Error(`no transform throughput for ${stream.table}: measure it or give one`);
    const model: LambdaModel = { memoryMiB: options.processor.memoryMiB, bytesPerSecondPerVcpu: bytesPerSecond, overheadMs: options.lambdaOverheadMs };
    for (const invocation of cache.invocations.get(stream) ?? []) {
      request.push(invocation.requestBytes);
      response.push(invocation.responseBytes);
      if (invocation.responseBytes > limit || invocation.requestBytes > limit) overLimit++;
      gbSeconds += lambdaGbSeconds(invocation.inputBytes, model);
    }
  }
  return { count: request.length, gbSeconds, overLimit, requestBytes: spreadOf(request), responseBytes: spreadOf(response) };
}

/** Simulates one setting over every stream. */
export function evaluateSetting(traffic: Traffic, setting: GridSetting, options: GridOptions, cache: GridCache = { invocations: new Map() }): GridPoint {
  const factor = monthFactor(traffic);
  const days = durationDays(traffic);
  const prices = options.prices ?? US_EAST_1_PRICES;
  const objects: SimulatedObject[] = [];
  const parquet: number[] = [];
  const latencies: Float64Array[] = [];
  const weights: Float64Array[] = [];
  let peakActivePartitions = 0;
  let exceededRecords = 0;
  let billedBytes = 0;
  let partitionedBytes = 0;

  for (const stream of traffic.streams) {
    const ratio = options.parquetRatio ?? stream.profile.parquetRatio;
    if (ratio === undefined) throw new Error(`no Parquet ratio for ${stream.table}: measure it or give one`);
    const known = cache.invocations.has(stream);
    const simulation = simulateStream(stream.records, {
      buffering: { sizeBytes: setting.sizeMiB * MiB, intervalMs: setting.intervalSeconds * 1000 },
      granularity: setting.granularity,
      processor: { sizeBytes: options.processor.bufferSizeMiB * MiB, intervalMs: options.processor.bufferIntervalSeconds * 1000 },
      maxActivePartitions: options.maxActivePartitions,
      recordInvocations: !known,
    });
    if (!known) cache.invocations.set(stream, simulation.invocations);
    for (const object of simulation.objects) {
      objects.push(object);
      parquet.push(object.jsonBytes * ratio);
      partitionedBytes += object.jsonBytes;
    }
    latencies.push(simulation.latencies);
    weights.push(simulation.latencyWeights);
    for (const record of stream.records) billedBytes += record.billedBytes;
    peakActivePartitions = Math.max(peakActivePartitions, simulation.peakActivePartitions);
    exceededRecords += simulation.exceededRecords;
  }
  cache.lambda ??= lambdaTotals(traffic, options, cache);
  const lambda = cache.lambda;

  const latency = weightedSpreadOf(concatFloat64(latencies), concatFloat64(weights));
  const monthly: MonthlyUsage = {
    billedBytes: billedBytes * factor,
    partitionedBytes: partitionedBytes * factor,
    objects: objects.length * factor,
    lambdaInvocations: lambda.count * factor,
    lambdaGbSeconds: lambda.gbSeconds * factor,
  };
  return {
    setting,
    label: settingLabel(setting),
    objects: objects.length,
    objectsPerDay: objects.length / days,
    jsonBytes: spreadOf(objects.map((o) => o.jsonBytes)),
    parquetBytes: spreadOf(parquet),
    latencySeconds: { p50: latency.p50 / 1000, p90: latency.p90 / 1000, p99: latency.p99 / 1000, max: latency.max / 1000 },
    sizeBoundShare: objects.length === 0 ? 0 : objects.filter((o) => o.reason === 'size').length / objects.length,
    peakActivePartitions,
    exceededRecords,
    lambda: {
      invocationsPerDay: lambda.count / days,
      requestBytes: lambda.requestBytes,
      responseBytes: lambda.responseBytes,
      overLimit: lambda.overLimit,
    },
    monthly,
    cost: monthlyCost(monthly, prices, options.assumptions ?? DEFAULT_COST_ASSUMPTIONS),
  };
}
