import { ConfigSchema, type LoghoseConfig } from '../config/config.js';
import type { GridPoint } from './grid.js';
import type { ProcessorAdvice } from './processor.js';

/**
 * Picks the setting to recommend from the simulated grid:
 *
 * 1. Feasible: delivery latency p99 ≤ `maxLatencySeconds`, no record over the active-partition
 *    limit, no Lambda response over the payload limit.
 * 2. Among feasible settings whose median object (estimated Parquet) reaches the file-size floor:
 *    the cheapest. Costs within 1% (of the part the buffering decides) count as equal; then the
 *    lower p99 latency, then the larger buffer.
 * 3. When none reaches the floor (low traffic): the one with the largest median object — the
 *    longest interval and coarsest partitions the latency allows — costs again breaking ties.
 * 4. When none is feasible: the one with the lowest p99 latency, flagged.
 *
 * The lake is laid out by `dt=…/hour=…` and `loghose.config.json` sets buffering, not the partition
 * layout, so the config snippet applies the best hour-partitioned setting; when day partitions
 * would be better the advice says so and by how much.
 */

export interface AdviceConstraints {
  readonly maxLatencySeconds: number;
  /** Floor for the median object size (estimated Parquet), MiB. */
  readonly minFileMiB: number;
}

export interface Advice {
  /** The best setting overall (may use day partitions). */
  readonly best: GridPoint;
  /** The best setting with hour partitions — what the config snippet applies. */
  readonly bestHourly: GridPoint;
  readonly meetsLatency: boolean;
  readonly meetsFileFloor: boolean;
  readonly processor: ProcessorAdvice;
  /** The `loghose.config.json` keys to set. */
  readonly snippet: ConfigSnippet;
  readonly notes: string[];
}

export interface ConfigSnippet {
  buffering: { sizeMiB: number; intervalSeconds: number };
  processor: LoghoseConfig['processor'];
}

const MiB = 1024 * 1024;
const TIE = 0.01;

export function isFeasible(point: GridPoint, constraints: AdviceConstraints): boolean {
  return point.latencySeconds.p99 <= constraints.maxLatencySeconds && point.exceededRecords === 0 && point.lambda.overLimit === 0;
}

function meetsFloor(point: GridPoint, constraints: AdviceConstraints): boolean {
  return point.parquetBytes.p50 >= constraints.minFileMiB * MiB;
}

/** Within 1% of each other (or half a cent). */
function same(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(Math.abs(a), Math.abs(b)) * TIE + 0.005;
}

/**
 * The part of the bill the buffering decides (per-object charges, PUTs, Lambda, Athena per-file):
 * ingestion, conversion and partitioning per GB are the same for every setting, so "within 1%"
 * is judged on this part — otherwise a large fixed bill would make every setting "equal".
 */
export function bufferingCost(point: GridPoint): number {
  const c = point.cost;
  return c.total - c.ingestion - c.formatConversion - c.partitioningPerGB;
}

type Compare = (a: GridPoint, b: GridPoint) => number;

const byCost: Compare = (a, b) => (same(bufferingCost(a), bufferingCost(b)) ? 0 : a.cost.total - b.cost.total);
const byLatency: Compare = (a, b) => (same(a.latencySeconds.p99, b.latencySeconds.p99) ? 0 : a.latencySeconds.p99 - b.latencySeconds.p99);
const byLargerFiles: Compare = (a, b) => (same(a.parquetBytes.p50, b.parquetBytes.p50) ? 0 : b.parquetBytes.p50 - a.parquetBytes.p50);
const byLargerBuffer: Compare = (a, b) => b.setting.sizeMiB - a.setting.sizeMiB;

/** The first of `points` by the comparisons, in order (ties fall through to the next). */
function pick(points: readonly GridPoint[], ...order: Compare[]): GridPoint {
  let best = points[0];
  for (const point of points.slice(1)) {
    for (const compare of order) {
      const c = compare(point, best);
      if (c < 0) best = point;
      if (c !== 0) break;
    }
  }
  return best;
}

function choose(points: readonly GridPoint[], constraints: AdviceConstraints): { point: GridPoint; meetsLatency: boolean; meetsFileFloor: boolean } {
  const feasible = points.filter((p) => isFeasible(p, constraints));
  if (feasible.length === 0) {
    const point = pick(points, byLatency, byCost, byLargerBuffer);
    return { point, meetsLatency: false, meetsFileFloor: meetsFloor(point, constraints) };
  }
  const large = feasible.filter((p) => meetsFloor(p, constraints));
  if (large.length > 0) return { point: pick(large, byCost, byLatency, byLargerBuffer), meetsLatency: true, meetsFileFloor: true };
  return { point: pick(feasible, byLargerFiles, byCost, byLatency, byLargerBuffer), meetsLatency: true, meetsFileFloor: false };
}

export function advise(points: readonly GridPoint[], constraints: AdviceConstraints, processor: ProcessorAdvice, config: LoghoseConfig): Advice {
  if (points.length === 0) throw new Error('advise: no settings to choose from');
  const overall = choose(points, constraints);
  const hourly = points.filter((p) => p.setting.granularity === 'hour');
  const bestHourly = hourly.length > 0 ? choose(hourly, constraints).point : overall.point;
  const notes: string[] = [];
  const usd = (n: number) => `$${n.toFixed(2)}`;
  if (!overall.meetsLatency) {
    notes.push(`no setting meets --max-latency ${constraints.maxLatencySeconds} s (p99); showing the fastest`);
  } else if (!overall.meetsFileFloor) {
    notes.push(
      `traffic is too low for ${constraints.minFileMiB} MiB files within ${constraints.maxLatencySeconds} s: chose the largest files (median ${(overall.point.parquetBytes.p50 / MiB).toFixed(2)} MiB Parquet); compact later for bigger ones`,
    );
  }
  if (overall.point.sizeBoundShare >= 0.5) notes.push(`size-bound: ${Math.round(overall.point.sizeBoundShare * 100)}% of objects close at the ${overall.point.setting.sizeMiB} MiB size hint`);
  if (overall.point.label !== bestHourly.label) {
    notes.push(
      `day partitions (${overall.point.label}) would cost ${usd(overall.point.cost.total)}/month and write ${Math.round(overall.point.objectsPerDay)} files/day, ` +
        `against ${usd(bestHourly.cost.total)} and ${Math.round(bestHourly.objectsPerDay)} with hour partitions; the lake layout is dt=/hour=, so the snippet applies the best hour-partitioned setting`,
    );
  }
  if (!processor.safe) {
    notes.push(
      `even the smallest processor buffer (${processor.bufferSizeMiB} MiB) can push a response past ${processor.limitBytes} bytes at ${processor.expansion.toFixed(2)}× expansion: lower shipper.recordKiB`,
    );
  }
  const snippet: ConfigSnippet = {
    buffering: { sizeMiB: bestHourly.setting.sizeMiB, intervalSeconds: bestHourly.setting.intervalSeconds },
    processor: { ...config.processor, bufferSizeMiB: processor.bufferSizeMiB },
  };
  const checked = ConfigSchema.safeParse({ ...config, ...snippet });
  if (!checked.success) throw new Error(`advice produced an invalid config: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { best: overall.point, bestHourly, meetsLatency: overall.meetsLatency, meetsFileFloor: overall.meetsFileFloor, processor, snippet, notes };
}
