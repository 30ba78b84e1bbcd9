/**
 * Time for the local delivery stream and the tuning simulator. The stream never sets timers of its
 * own: callers advance time (a virtual clock) or call `tick()` periodically (the real clock), so
 * tests and the simulator can run hours of buffering in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class VirtualClock implements Clock {
  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  set(ms: number): void {
    if (ms < this.current) throw new Error(`virtual clock cannot go back from ${this.current} to ${ms}`);
    this.current = ms;
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }
}
