import { describe, expect, it } from 'vitest';
import { RateLimiter, VirtualTime } from './rate-limiter.js';

describe('RateLimiter on a virtual clock', () => {
  it('lets a burst through, then paces to the rate', async () => {
    const time = new VirtualTime(1_000_000);
    const limiter = new RateLimiter([{ perSecond: 100 }], time);
    await limiter.take([100]);
    expect(time.slept).toBe(0);
    for (let i = 0; i < 10; i++) await limiter.take([50]);
    // 500 beyond the burst at 100/s.
    expect(time.slept).toBeCloseTo(5000, 6);
    expect(limiter.waitedMs).toBeCloseTo(5000, 6);
  });

  it('holds the long-run rate for any sequence of takes', async () => {
    const time = new VirtualTime(0);
    const rate = 250;
    const limiter = new RateLimiter([{ perSecond: rate, burst: 50 }], time);
    let total = 0;
    for (let i = 0; i < 500; i++) {
      const n = (i * 37) % 90;
      total += n;
      await limiter.take([n]);
      // Never more than burst + rate × elapsed.
      expect(total).toBeLessThanOrEqual(50 + (rate * time.now()) / 1000 + 1e-6);
    }
    expect(time.now()).toBeGreaterThanOrEqual(((total - 50) / rate) * 1000 - 1e-6);
  });

  it('refills while time passes without takes', async () => {
    const time = new VirtualTime(0);
    const limiter = new RateLimiter([{ perSecond: 10 }], time);
    await limiter.take([10]);
    await time.sleep(1000);
    await limiter.take([10]);
    expect(time.slept).toBe(1000);
  });

  it('waits once for the emptiest of several buckets (records/s and bytes/s)', async () => {
    const time = new VirtualTime(0);
    const limiter = new RateLimiter([{ perSecond: 1000 }, { perSecond: 1024 * 1024 }], time);
    await limiter.take([1000, 1024 * 1024]);
    await limiter.take([10, 2 * 1024 * 1024]);
    expect(time.slept).toBeCloseTo(2000, 6);
  });

  it('lets a take larger than the bucket through and repays the debt', async () => {
    const time = new VirtualTime(0);
    const limiter = new RateLimiter([{ perSecond: 100 }], time);
    await limiter.take([1100]);
    expect(time.slept).toBeCloseTo(10_000, 6);
    await limiter.take([100]);
    expect(time.slept).toBeCloseTo(11_000, 6);
  });

  it('ignores infinite limits and rejects non-positive ones', async () => {
    const time = new VirtualTime(0);
    const limiter = new RateLimiter([{ perSecond: Infinity }], time);
    await limiter.take([1e12]);
    expect(time.slept).toBe(0);
    expect(() => new RateLimiter([{ perSecond: 0 }], time)).toThrow(/positive/);
  });
});
