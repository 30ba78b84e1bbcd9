import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile, spreadOf, weightedSpreadOf } from './stats.js';

describe('percentiles', () => {
  it('nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 0.5)).toBe(5);
    expect(percentile(sorted, 0.9)).toBe(9);
    expect(percentile(sorted, 0.99)).toBe(10);
    expect(spreadOf([])).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });
  });

  it('weights samples by their bytes', () => {
    // 90% of the bytes waited 300 s, 10% waited 60 s.
    const spread = weightedSpreadOf(Float64Array.from([60_000, 300_000]), Float64Array.from([100, 900]));
    expect(spread).toEqual({ p50: 300_000, p90: 300_000, p99: 300_000, max: 300_000 });
    expect(weightedSpreadOf(Float64Array.from([60_000, 300_000]), Float64Array.from([900, 100])).p50).toBe(60_000);
  });

  it('the packed-integer sort and the general sort agree', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000_000 }), fc.integer({ min: 1, max: 1000 })), { minLength: 1, maxLength: 200 }), (pairs) => {
        const values = Float64Array.from(pairs.map((p) => p[0]));
        const weights = Float64Array.from(pairs.map((p) => p[1]));
        // Adding 0.5 forces the general path; halves do not change the order.
        const general = weightedSpreadOf(Float64Array.from(values, (v) => v + 0.5), weights);
        const fast = weightedSpreadOf(values, weights);
        expect([fast.p50 + 0.5, fast.p90 + 0.5, fast.p99 + 0.5, fast.max + 0.5]).toEqual([general.p50, general.p90, general.p99, general.max]);
      }),
    );
  });
});
