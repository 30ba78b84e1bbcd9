import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { TableName } from '../transforms/schema.js';
import { functionError, withRelease, type InvocationOutcome, type InvocationRequest, type ProcessorInvoker } from './processor-invocation.js';

/**
 * Worker threads that run the delivery streams' Lambda processor invocations, as Lambda runs a
 * function's invocations beside Firehose: each worker imports the transform handler once and serves
 * invocations (the real event shape, the response checked as Firehose checks it) for any table.
 * The stream keeps buffering, partitioning and writing on the main thread meanwhile.
 *
 * A worker that dies fails the invocations it held (Firehose retries them, then routes them to the
 * error prefix) and is replaced.
 */

export interface WorkerTask {
  readonly id: number;
  readonly table: TableName;
  readonly request: InvocationRequest;
}

export interface WorkerReply {
  readonly id: number;
  readonly outcome: InvocationOutcome;
}

/** Buffers of a worker's replies given back to it for reuse. */
export interface WorkerRelease {
  readonly release: ArrayBuffer[];
}

const WORKER_SOURCE = fileURLToPath(new URL('./processor-worker.ts', import.meta.url));
let workerCode: string | undefined;

/**
 * The worker's code: processor-worker.ts and what it imports, bundled by esbuild (as the CDK app
 * bundles the transform Lambda) once per process (~25 ms). A bundle, not the TypeScript loader the
 * main thread runs under: that loader needs its own thread and compiles every module again.
 */
function bundledWorker(): string {
  workerCode ??= buildSync({
    entryPoints: [WORKER_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).outputFiles[0].text;
  return workerCode;
}

/**
 * Workers for a machine: none on one or two cores, else one per core beyond the main thread's, at
 * most four. On two cores both cores are busy either way: a worker made the benchmark pipeline only
 * 1–4 % faster and raised its peak memory by 45–105 MiB (427 → 532 MiB on 1 GB of logs, past the
 * 512 MiB the local run is held to); `loghose run --workers 1` makes that trade.
 */
export function defaultProcessorWorkers(cores = availableParallelism()): number {
  return cores <= 2 ? 0 : Math.min(cores - 1, 4);
}

/** A pool of `workers` threads (the machine's default when not given), or none for 0. */
export function createProcessorPool(workers = defaultProcessorWorkers()): ProcessorPool | undefined {
  return workers > 0 ? new ProcessorPool(workers) : undefined;
}

interface Slot {
  worker: Worker;
  readonly pending: Map<number, (outcome: InvocationOutcome) => void>;
}

export class ProcessorPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new Error(`ProcessorPool: size must be a positive integer, got ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.start({ pending: new Map() }));
  }

  /** The invoker of a table's processor, served by the pool's workers. */
  invoker(table: TableName): ProcessorInvoker {
    return (request) => this.run(table, request);
  }

  /** Stops the workers; invocations still running fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private run(table: TableName, request: InvocationRequest): Promise<InvocationOutcome> {
    if (this.closed) return Promise.resolve(functionError('the processor pool is closed'));
    // The least busy worker.
    let slot = this.slots[0];
    for (const candidate of this.slots) if (candidate.pending.size < slot.pending.size) slot = candidate;
    const id = this.nextId++;
    return new Promise((resolve) => {
      slot.pending.set(id, resolve);
      const task: WorkerTask = { id, table, request };
      try {
        slot.worker.postMessage(task);
      } catch (error) {
        slot.pending.delete(id);
        resolve(functionError((error as Error).message));
      }
    });
  }

  private giveBack(slot: Slot, worker: Worker, buffer: ArrayBuffer): void {
    if (this.closed || slot.worker !== worker || buffer.byteLength === 0) return;
    const release: WorkerRelease = { release: [buffer] };
    try {
      worker.postMessage(release, [buffer]);
    } catch {
      // The worker is gone; the buffer is garbage like any other.
    }
  }

  private start(slot: Omit<Slot, 'worker'> & { worker?: Worker }): Slot {
    const worker = new Worker(bundledWorker(), { eval: true });
    const started = slot as Slot;
    started.worker = worker;
    worker.on('message', (reply: WorkerReply) => {
      const resolve = started.pending.get(reply.id);
      started.pending.delete(reply.id);
      resolve?.(withRelease(reply.outcome, (buffer) => this.giveBack(started, worker, buffer)));
    });
    // A worker that fails is replaced at once, so no invocation is sent to it while it exits.
    const replace = (reason: string): void => {
      if (started.worker !== worker) return;
      for (const resolve of started.pending.values()) resolve(functionError(reason));
      started.pending.clear();
      if (!this.closed) this.start(started);
    };
    worker.on('error', (error) => replace(error.message));
    worker.on('exit', (code) => replace(`the worker exited with code ${code}`));
    return started;
  }
}
