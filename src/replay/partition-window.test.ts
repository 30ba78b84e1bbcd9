import { describe, expect, it } from 'vitest';
import { PartitionWindow, partitionHoldMs } from './partition-window.js';
import { VirtualTime } from './rate-limiter.js';

const hour = (i: number) => `2024-05-${String(1 + Math.floor(i / 24)).padStart(2, '0')}/${String(i % 24).padStart(2, '0')}`;

describe('PartitionWindow', () => {
  it('admits up to the limit, then waits for the oldest released partition to expire', async () => {
    const time = new VirtualTime(0);
    const window = new PartitionWindow({ maxActive: 3, holdMs: 60_000, time });
    for (let i = 0; i < 3; i++) {
      const lease = window.lease();
      await window.acquire(hour(i), lease);
      await time.sleep(1000);
      lease.release();
    }
    expect(window.active).toBe(3);
    const lease = window.lease();
    await window.acquire(hour(3), lease);
    // The first was released at t=1s and held 60 s.
    expect(time.now()).toBe(61_000);
    expect(window.active).toBe(3);
    expect(window.peakActive).toBe(3);
    expect(window.waits).toBe(1);
  });

  it('re-admits an active partition without waiting', async () => {
    const time = new VirtualTime(0);
    const window = new PartitionWindow({ maxActive: 1, holdMs: 60_000, time });
    const a = window.lease();
    await window.acquire('x', a);
    a.release();
    const b = window.lease();
    await window.acquire('x', b);
    expect(time.now()).toBe(0);
  });

  it('calls release before waiting on its own pins, so a holder never waits on itself', async () => {
    const time = new VirtualTime(0);
    const window = new PartitionWindow({ maxActive: 2, holdMs: 10_000, time });
    const lease = window.lease();
    let released = 0;
    const release = async () => {
      if (lease.partitions.size === 0) return false;
      released++;
      lease.release();
      return true;
    };
    for (let i = 0; i < 6; i++) await window.acquire(hour(i), lease, release);
    expect(released).toBe(2);
    expect(window.peakActive).toBe(2);
    expect(time.now()).toBe(20_000);
  });

  it('waits for another holder to release when everything is pinned', async () => {
    const time = new VirtualTime(0);
    const window = new PartitionWindow({ maxActive: 1, holdMs: 5_000, time });
    const first = window.lease();
    await window.acquire('a', first);
    const second = window.lease();
    let admitted = false;
    const pending = window.acquire('b', second).then(() => (admitted = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(admitted).toBe(false);
    first.release();
    await pending;
    expect(time.now()).toBe(5_000);
  });

  it('never exceeds the limit with many concurrent holders on a virtual clock', async () => {
    const time = new VirtualTime(0);
    const window = new PartitionWindow({ maxActive: 5, holdMs: 30_000, time });
    let active = 0;
    let peak = 0;
    const worker = async (w: number) => {
      for (let i = 0; i < 20; i++) {
        const lease = window.lease();
        const hours = [hour(w * 20 + i), hour(w * 20 + i + 1)];
        for (const h of hours) await window.acquire(h, lease, async () => false);
        active = window.active;
        peak = Math.max(peak, active);
        await time.sleep(100);
        lease.release();
      }
    };
    await Promise.all([0, 1, 2].map(worker));
    expect(peak).toBeLessThanOrEqual(5);
    expect(window.peakActive).toBeLessThanOrEqual(5);
  });

  it('refuses an object spanning more partitions than the limit', async () => {
    const time = new VirtualTime(0);
    const window = new PartitionWindow({ maxActive: 2, holdMs: 1000, time });
    const lease = window.lease();
    await expect(window.acquireAll([hour(0), hour(1), hour(2)], lease)).rejects.toThrow(/more than 2 partitions/);
  });

  it('holds partitions for the processor plus S3 buffer intervals, times the latency factor', () => {
    expect(partitionHoldMs({ processor: { bufferIntervalSeconds: 60 }, buffering: { intervalSeconds: 300 } })).toBe(540_000);
  });
});
