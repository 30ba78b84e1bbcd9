/** Percentiles for the tuning report (nearest rank; weighted where each sample stands for some bytes). */

export interface Spread {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export const EMPTY_SPREAD: Spread = { p50: 0, p90: 0, p99: 0, max: 0 };

/** Nearest-rank percentile of ascending `sorted` (q in 0–1); 0 when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

export function spreadOf(values: readonly number[] | Float64Array): Spread {
  if (values.length === 0) return EMPTY_SPREAD;
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] };
}

const INDEX_BITS = 2 ** 24;

/** Positions of `values` in ascending order of value. */
function ascendingOrder(values: Float64Array): ArrayLike<number> {
  // Fast path: whole non-negative values (latencies in ms) and fewer than 2^24 of them sort as one
  // packed number each (value × 2^24 + position) with the typed array's own numeric sort.
  if (values.length < INDEX_BITS && values.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 28)) {
    const keys = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) keys[i] = values[i] * INDEX_BITS + i;
    keys.sort();
    const order = new Uint32Array(values.length);
    for (let i = 0; i < keys.length; i++) order[i] = keys[i] % INDEX_BITS;
    return order;
  }
  return Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
}

/** Percentiles where sample i counts `weights[i]` times (e.g. latency per byte of data). */
export function weightedSpreadOf(values: Float64Array, weights: Float64Array): Spread {
  if (values.length === 0) return EMPTY_SPREAD;
  let total = 0;
  for (const w of weights) total += w;
  if (!(total > 0)) return spreadOf(values);
  const order = ascendingOrder(values);
  const quantiles = [0.5, 0.9, 0.99];
  const found: number[] = [];
  let running = 0;
  for (let k = 0; k < order.length && found.length < quantiles.length; k++) {
    running += weights[order[k]];
    while (found.length < quantiles.length && running >= quantiles[found.length] * total) found.push(values[order[k]]);
  }
  const max = values[order[order.length - 1]];
  while (found.length < quantiles.length) found.push(max);
  return { p50: found[0], p90: found[1], p99: found[2], max };
}

/** Concatenates typed arrays. */
export function concatFloat64(parts: readonly Float64Array[]): Float64Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Float64Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
