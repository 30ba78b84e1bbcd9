/**
 * Firehose's buffering rule — deliver when the buffer reaches its size hint or when its interval
 * has passed since the first record entered it, whichever comes first — as one engine shared by the
 * local delivery stream (processor and per-partition S3 buffers) and the tuning simulator.
 */

export interface BufferHints {
  /** Size hint in bytes (Firehose measures before conversion and compression). */
  readonly sizeBytes: number;
  /** Interval in milliseconds. */
  readonly intervalMs: number;
}

export interface Flushed<T> {
  readonly items: T[];
  readonly bytes: number;
  /** When the first item entered the buffer. */
  readonly openedAt: number;
  readonly reason: 'size' | 'interval' | 'flush';
}

export class SizeIntervalBuffer<T> {
  private items: T[] = [];
  private bytes = 0;
  private openedAt = 0;

  constructor(readonly hints: BufferHints) {}

  get size(): number {
    return this.bytes;
  }

  get count(): number {
    return this.items.length;
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** When the interval runs out, or Infinity when empty. */
  get dueAt(): number {
    return this.items.length === 0 ? Infinity : this.openedAt + this.hints.intervalMs;
  }

  /** Adds an item; returns the buffer's content when this item made it reach the size hint. */
  add(item: T, bytes: number, now: number): Flushed<T> | undefined {
    if (this.items.length === 0) this.openedAt = now;
    this.items.push(item);
    this.bytes += bytes;
    return this.bytes >= this.hints.sizeBytes ? this.take('size') : undefined;
  }

  /** The content when the interval has run out at `now`. */
  takeIfDue(now: number): Flushed<T> | undefined {
    return this.items.length > 0 && now >= this.dueAt ? this.take('interval') : undefined;
  }

  take(reason: Flushed<T>['reason']): Flushed<T> | undefined {
    if (this.items.length === 0) return undefined;
    const flushed: Flushed<T> = { items: this.items, bytes: this.bytes, openedAt: this.openedAt, reason };
    this.items = [];
    this.bytes = 0;
    return flushed;
  }
}

/**
 * Per-partition buffers with Firehose's active-partition limit: a partition is active while it has
 * buffered data; a record for a new partition beyond the limit is refused (`undefined` returned by
 * `admit`), which Firehose reports as `activePartitionExceeded`.
 */
export class PartitionedBuffers<T> {
  private readonly buffers = new Map<string, SizeIntervalBuffer<T>>();
  peakActive = 0;

  constructor(
    readonly hints: BufferHints,
    readonly maxActivePartitions: number,
  ) {}

  get active(): number {
    return this.buffers.size;
  }

  get bufferedBytes(): number {
    let total = 0;
    for (const buffer of this.buffers.values()) total += buffer.size;
    return total;
  }

  /** The buffer for a partition, or undefined when opening it would exceed the limit. */
  admit(partition: string): SizeIntervalBuffer<T> | undefined {
    let buffer = this.buffers.get(partition);
    if (buffer === undefined) {
      if (this.buffers.size >= this.maxActivePartitions) return undefined;
      buffer = new SizeIntervalBuffer<T>(this.hints);
      this.buffers.set(partition, buffer);
      if (this.buffers.size > this.peakActive) this.peakActive = this.buffers.size;
    }
    return buffer;
  }

  /** Adds to a partition admitted by `admit`; returns what reached the size hint (partition closed). */
  add(partition: string, buffer: SizeIntervalBuffer<T>, item: T, bytes: number, now: number): Flushed<T> | undefined {
    const flushed = buffer.add(item, bytes, now);
    if (flushed !== undefined) this.buffers.delete(partition);
    return flushed;
  }

  /** Every partition whose interval ran out at `now` (closed). */
  takeDue(now: number): [string, Flushed<T>][] {
    const due: [string, Flushed<T>][] = [];
    for (const [partition, buffer] of this.buffers) {
      const flushed = buffer.takeIfDue(now);
      if (flushed !== undefined) {
        due.push([partition, flushed]);
        this.buffers.delete(partition);
      }
    }
    return due;
  }

  /** The partition holding the most bytes (closed), to bound memory. */
  takeLargest(): [string, Flushed<T>] | undefined {
    let largest: [string, SizeIntervalBuffer<T>] | undefined;
    for (const entry of this.buffers) if (largest === undefined || entry[1].size > largest[1].size) largest = entry;
    if (largest === undefined) return undefined;
    this.buffers.delete(largest[0]);
    const flushed = largest[1].take('flush');
    return flushed === undefined ? undefined : [largest[0], flushed];
  }

  /** Every partition (closed). */
  takeAll(): [string, Flushed<T>][] {
    const all: [string, Flushed<T>][] = [];
    for (const [partition, buffer] of this.buffers) {
      const flushed = buffer.take('flush');
      if (flushed !== undefined) all.push([partition, flushed]);
    }
    this.buffers.clear();
    return all;
  }

  /** Earliest deadline among open partitions (Infinity when none). */
  get nextDueAt(): number {
    let next = Infinity;
    for (const buffer of this.buffers.values()) next = Math.min(next, buffer.dueAt);
    return next;
  }
}
