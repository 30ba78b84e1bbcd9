/** Timing inside a measurement process (see measure.ts). */

export interface Rep {
  /** Wall-clock milliseconds. */
  readonly wallMs: number;
  /** CPU milliseconds of the whole process (user + system, all threads: GC and JIT helpers included). */
  readonly cpuMs: number;
}

/** Collects garbage when the process was started with --expose-gc, so a repetition does not pay for the last one's. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export async function timed<T>(work: () => T | Promise<T>): Promise<{ rep: Rep; value: T }> {
  collectGarbage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rep: { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }, value };
}

/** The repetition that used the least CPU: the one least disturbed by other work on the machine. */
export function best(reps: readonly Rep[]): Rep {
  return reps.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
}
