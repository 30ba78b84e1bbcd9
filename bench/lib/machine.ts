import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly memoryGiB: number;
  /** 1-minute load average when the run started: other work on the box shows here. */
  readonly load: number;
}

/** CPU model as /proc/cpuinfo names it (falls back to os.cpus() off Linux). */
function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function machineInfo(): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    node: process.version,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    load: loadavg()[0],
  };
}
