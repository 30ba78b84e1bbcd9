import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * Runs one measurement task (a module in bench/tasks/) in a fresh Node process pinned to one core
 * with `taskset` (unless asked not to), so every figure is "one core", no task inherits another's
 * heap or JIT state, and Node/V8 flags (e.g. `--max-semi-space-size`) can differ per task.
 */

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const RESULT_MARK = '@@bench-result ';

let tasksetChecked: boolean | undefined;

/** Whether `taskset` is available (Linux, util-linux). */
export function canPin(): boolean {
  tasksetChecked ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return tasksetChecked;
}

/** The core measurements run on: the last one (the first tends to take interrupts). */
export function benchCore(): number {
  return availableParallelism() - 1;
}

export interface MeasureOptions {
  /** Extra Node/V8 flags for the measurement process. */
  readonly nodeFlags?: readonly string[];
  /** Pin the process to one core (when taskset is available). @default true */
  readonly pin?: boolean;
}

export async function measure<T>(task: string, args: unknown, options: MeasureOptions = {}): Promise<T> {
  const nodeArgs = ['--expose-gc', ...(options.nodeFlags ?? []), '--import', 'tsx', CHILD, task, JSON.stringify(args)];
  const [command, argv] = (options.pin ?? true) && canPin()
    ? ['taskset', ['-c', String(benchCore()), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return new Promise<T>((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code === 0 && line !== undefined) {
        resolve(JSON.parse(line.slice(RESULT_MARK.length)) as T);
      } else {
        const detail = (stderr.trim() || stdout.trim()).split('\n').slice(-6).join(' | ');
        reject(new Error(`task ${task} exited with ${code}: ${detail}`));
      }
    });
  });
}

export { RESULT_MARK };
