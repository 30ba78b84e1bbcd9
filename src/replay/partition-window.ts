import type { TimeSource } from './rate-limiter.js';

/**
 * Keeps the partitions a replay has open in one delivery stream under a limit.
 *
 * Firehose counts a partition (here: an event hour) as active from the moment a record of it is
 * buffered until its buffer is delivered — up to the processor interval plus the S3 buffer
 * interval later, or longer (delivery latency). Beyond the stream's quota, records go to the error
 * prefix (`activePartitionExceeded`). The window models that conservatively:
 *
 * - a partition is *pinned* while records of it may still be on their way (an object is being
 *   shipped, a batch is being sent) — pinned partitions never expire;
 * - once its holder releases it, it stays active for `holdMs` more;
 * - a new partition is admitted only while fewer than `maxActive` are active; otherwise the caller
 *   first releases what it holds (after sending it: the `release` callback) and then waits for the
 *   earliest partition to expire, or for another holder to release.
 *
 * Objects go in chronological order, so the partitions in the window are consecutive hours and the
 * window slides over the range.
 */

export interface WindowOptions {
  readonly maxActive: number;
  /** How long a released partition counts as active. */
  readonly holdMs: number;
  readonly time: TimeSource;
}

interface Entry {
  pins: number;
  expiresAt: number;
}

/** What one holder (an object being shipped, a batch being sent) has pinned. */
export class Lease {
  readonly partitions = new Set<string>();
  constructor(private readonly window: PartitionWindow) {}

  /** Unpins everything held; each partition then stays active for the hold time. */
  release(): void {
    this.window.unpin(this);
  }
}

export class PartitionWindow {
  private readonly entries = new Map<string, Entry>();
  private changed: { promise: Promise<void>; resolve: () => void } | undefined;
  /** The most partitions active at once. */
  peakActive = 0;
  /** Times a caller had to wait for room. */
  waits = 0;

  constructor(readonly options: WindowOptions) {
    if (!(options.maxActive >= 1)) throw new RangeError(`maxActive must be at least 1, got ${options.maxActive}`);
  }

  lease(): Lease {
    return new Lease(this);
  }

  get active(): number {
    this.prune();
    return this.entries.size;
  }

  /**
   * Admits a partition for a lease, waiting for room. When the window is full, `release` (optional)
   * is called first: it sends what the caller holds and releases it (returning true), so a holder
   * never waits on itself; then the call waits for the earliest expiry or another holder's release.
   */
  async acquire(partition: string, lease: Lease, release?: () => Promise<boolean>): Promise<void> {
    for (;;) {
      this.prune();
      const entry = this.entries.get(partition);
      if (entry !== undefined) {
        if (!lease.partitions.has(partition)) {
          entry.pins++;
          lease.partitions.add(partition);
        }
        return;
      }
      if (this.entries.size < this.options.maxActive) {
        this.entries.set(partition, { pins: 1, expiresAt: Infinity });
        lease.partitions.add(partition);
        this.peakActive = Math.max(this.peakActive, this.entries.size);
        return;
      }
      this.waits++;
      if (release !== undefined && (await release())) continue;
      let earliest = Infinity;
      for (const e of this.entries.values()) if (e.pins === 0) earliest = Math.min(earliest, e.expiresAt);
      if (earliest < Infinity) {
        await this.options.time.sleep(earliest - this.options.time.now());
        continue;
      }
      if (lease.partitions.size >= this.entries.size) {
        throw new RangeError(`one object spans more than ${this.options.maxActive} partitions; raise --max-active-partitions`);
      }
      // Every active partition is pinned by someone in flight: wait for a release.
      this.changed ??= deferred();
      await this.changed.promise;
    }
  }

  /** Admits several partitions (an object's estimated hours) for one lease. */
  async acquireAll(partitions: Iterable<string>, lease: Lease, release?: () => Promise<boolean>): Promise<void> {
    for (const partition of partitions) await this.acquire(partition, lease, release);
  }

  unpin(lease: Lease): void {
    const expiresAt = this.options.time.now() + this.options.holdMs;
    for (const partition of lease.partitions) {
      const entry = this.entries.get(partition);
      if (entry === undefined) continue;
      entry.pins--;
      // The last holder's release starts the hold (time only moves forward).
      if (entry.pins === 0) entry.expiresAt = expiresAt;
    }
    lease.partitions.clear();
    const changed = this.changed;
    this.changed = undefined;
    changed?.resolve();
  }

  private prune(): void {
    const now = this.options.time.now();
    for (const [partition, entry] of this.entries) if (entry.pins === 0 && entry.expiresAt <= now) this.entries.delete(partition);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Firehose's delivery latency can reach about 1.5× the buffer interval (AWS docs). */
const LATENCY_FACTOR = 1.5;

/**
 * How long a partition counts as active after its last record: the Lambda processor's buffer
 * interval plus the S3 buffer interval, times the delivery-latency factor.
 */
export function partitionHoldMs(config: { readonly processor: { readonly bufferIntervalSeconds: number }; readonly buffering: { readonly intervalSeconds: number } }): number {
  return Math.ceil((config.processor.bufferIntervalSeconds + config.buffering.intervalSeconds) * LATENCY_FACTOR * 1000);
}
