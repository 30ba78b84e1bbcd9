/**
 * Pacing for replay: token buckets over an injectable clock, so tests run hours of replay on a
 * virtual clock in milliseconds.
 */

/** Time as replay sees it: the real clock, or a virtual one in tests and local replays. */
export interface TimeSource {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTime: TimeSource = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A virtual clock whose `sleep` advances time at once. */
export class VirtualTime implements TimeSource {
  slept = 0;
  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  async sleep(ms: number): Promise<void> {
    if (ms > 0) {
      this.current += ms;
      this.slept += ms;
    }
  }
}

export interface RateLimit {
  /** Units per second (records, bytes, …); Infinity for no limit. */
  readonly perSecond: number;
  /** Bucket size: units that may go at once after a pause. @default one second's worth */
  readonly burst?: number;
}

/**
 * Several token buckets taken together: `take([a, b])` takes `a` from the first and `b` from the
 * second and waits once, as long as the emptiest bucket needs to refill. A take larger than the
 * bucket goes through and leaves it in debt, so the long-run rate still holds.
 */
export class RateLimiter {
  private readonly tokens: number[];
  private readonly burst: number[];
  private last: number;
  /** Total time spent waiting, ms. */
  waitedMs = 0;

  constructor(
    readonly limits: readonly RateLimit[],
    private readonly time: TimeSource,
  ) {
    for (const limit of limits) {
      if (!(limit.perSecond > 0)) throw new RangeError(`rate must be positive, got ${limit.perSecond}`);
    }
    this.burst = limits.map((l) => l.burst ?? l.perSecond);
    this.tokens = [...this.burst];
    this.last = time.now();
  }

  async take(amounts: readonly number[]): Promise<void> {
    this.refill();
    let waitMs = 0;
    this.limits.forEach((limit, i) => {
      if (!Number.isFinite(limit.perSecond)) return;
      this.tokens[i] -= amounts[i] ?? 0;
      if (this.tokens[i] < 0) waitMs = Math.max(waitMs, (-this.tokens[i] / limit.perSecond) * 1000);
    });
    if (waitMs > 0) {
      this.waitedMs += waitMs;
      await this.time.sleep(waitMs);
    }
  }

  private refill(): void {
    const now = this.time.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.limits.forEach((limit, i) => {
      if (Number.isFinite(limit.perSecond)) this.tokens[i] = Math.min(this.burst[i], this.tokens[i] + elapsed * limit.perSecond);
    });
  }
}
